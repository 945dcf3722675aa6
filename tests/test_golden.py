"""Golden files: every arm's calendar and dose sheet for a reference patient (72 kg, 170 cm, day 0
2026-12-01, default choices), plus one JSON plan. They catch any silent change to dates, doses or
wording. Refresh on purpose only: REGIMEN_UPDATE_GOLDEN=1 pytest tests/test_golden.py, then review
the diff."""

import os
from pathlib import Path

import pytest

import regimen
from regimen.export import json as json_export
from regimen.export.text import dose_sheet, plan_table

GOLDEN = Path(__file__).parent / "golden"
ARMS = [(p.id, a.id) for p in regimen.list_protocols() for a in p.arms]
REFERENCE = regimen.Patient.from_measurements("72 kg", "170 cm")
UPDATE = os.environ.get("REGIMEN_UPDATE_GOLDEN") == "1"


def _check(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"missing golden file {name}; create it with REGIMEN_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8"), f"{name} changed; if on purpose, refresh with REGIMEN_UPDATE_GOLDEN=1"


@pytest.mark.parametrize(("protocol", "arm"), ARMS, ids=[f"{p}/{a}" for p, a in ARMS])
def test_reference_patient_calendar_and_doses(protocol, arm):
    plan = regimen.schedule(protocol, arm, REFERENCE, "2026-12-01")
    sheet = regimen.doses(protocol, arm, REFERENCE)
    _check(f"{protocol}__{arm}.txt", plan_table(plan) + "\n" + dose_sheet(sheet))


def test_reference_json_plan():
    plan = regimen.schedule("NCT05760430", "control", REFERENCE, "2026-12-01", horizon="4w")
    _check("NCT05760430__control__4w.json", json_export.dumps(plan))
