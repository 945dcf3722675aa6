"""Issue #10: the command line refuses bad input in one line, naming its own flags."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from regimen.cli import main

BASE = ["schedule", "NCT05760430", "--arm", "experimental"]


def run(*args: str):
    return CliRunner().invoke(main, list(args), prog_name="regimen")


def given(extra: list[str]) -> list[str]:
    """The main job's options, each replaced where ``extra`` gives it."""
    defaults = {"--start": "2026-12-01", "--weight": "72 kg"}
    return [*BASE, *(a for flag, value in defaults.items() if flag not in extra for a in (flag, value)), *extra]


@pytest.mark.parametrize(
    ("extra", "line"),
    [
        (["--weight", "72**2 kg"], "Error: --weight: '72**2 kg': unknown unit '**'; give a weight like \"72 kg\" or \"158.7 lb\""),
        (["--weight", "72 kg)"], "Error: --weight: '72 kg)': unknown unit ')'; give a weight like \"72 kg\" or \"158.7 lb\""),
        (["--weight", "72 kg", "--weight", "80 kg"],
         "Error: --weight was given more than once ('72 kg', '80 kg'); give it once (see 'regimen schedule --help')"),
        (["--start", "1926-12-01"], "Error: --start: 1926-12-01 is more than 5 years ago (today is 2026-12-01); "
                                    "to plan a past course on purpose, allow it (--allow-past, allow_past=True)"),
        (["--horizon", "100y"], "Error: --horizon: '100y' is longer than the accepted 10 years"),
        (["--horizon", "99999999d"], "Error: --horizon: '99999999d' is longer than the accepted 10 years"),
        (["--format", "ics", "--tz", "Asia/Shanghai"],
         "Error: --tz: sets the zone of --time and --dose-time; give --time HH:MM too, or drop --tz (all-day events have no zone)"),
        (["--at", "pve=2026-12-20"], "Error: --at pve: 2026-12-20 is outside its window 2026-12-13 to 2026-12-17 (+14d [12d..16d] after ctace)"),
        (["--level", "camrelizumab=1"], "Error: --level camrelizumab: Camrelizumab has no dose levels to reduce (doses: 3 mg/kg)"),
    ],
)
def test_each_refusal_is_one_line_naming_the_flag(extra, line):
    result = run(*given(extra))
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [line]


def test_a_past_day_0_is_planned_when_asked():
    result = run(*given(["--start", "1926-12-01", "--allow-past", "--horizon", "4w"]))
    assert result.exit_code == 0, result.stderr
    assert "1926-12-15  d14  PVE" in result.output


def test_usage_errors_are_one_line():
    for args in (["schedule", "--bogus"], ["schedule", "--format", "pdf"], ["nonsense"], ["cohort"], ["record", "missing.toml", "given"]):
        result = run(*args)
        assert result.exit_code == 2
        assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith("Error: "), result.stderr
    assert run("schedule", "--bogus").stderr.endswith("(see 'regimen schedule --help')\n")


def test_top_level_help_keeps_each_summary_whole():
    listing = run("--help").output.split("Commands:")[1]
    assert "..." not in listing
    assert "A patient's dose and visit calendar, or a re-planned course." in " ".join(listing.split())


def test_check_help_lists_the_labs():
    assert "Labs: anc, platelets, wbc, tbil, creatinine, albumin" in " ".join(run("check", "--help").output.split())
