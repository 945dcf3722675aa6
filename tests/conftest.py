from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

import regimen

HERE = Path(__file__).parent
INVALID = HERE / "protocols" / "invalid"


COURSE_HEAD = """patient = "P-0001"
protocol = "NCT05760430"
arm = "experimental"
start = 2026-12-01

[[measurements]]
date = 2026-11-28
weight = "72 kg"
"""  # a course file's opening: 72 kg, cTACE on 2026-12-01


def run_cli(*args, env=None):
    """``regimen ARGS...`` through click's CliRunner (any argument may be a Path); stdout and stderr apart."""
    from click.testing import CliRunner

    from regimen.cli import main

    return CliRunner(env=env).invoke(main, [str(a) for a in args], catch_exceptions=False)


def days(first: str, last: str, step: int = 1) -> list[date]:
    """Every ``step``-th date from ``first`` to ``last`` inclusive (ISO strings)."""
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    return [start + timedelta(days=n) for n in range(0, (end - start).days + 1, step)]


def iso(*texts: str) -> list[date]:
    return [date.fromisoformat(t) for t in texts]


@pytest.fixture
def plan_for():
    """plan_for("NCT05760430", "experimental", weight="72 kg", start="2026-12-01", **options)."""

    def make(protocol: str, arm: str, *, weight: str = "72 kg", height: str | None = "170 cm",
             start: str = "2026-12-01", **options):
        patient = regimen.Patient.from_measurements(weight, height)
        return regimen.schedule(protocol, arm, patient, start, **options)

    return make
