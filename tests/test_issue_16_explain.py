"""Issue #16 item 6: every event's date shows its derivation (JSON, `regimen explain`, the library)."""

import json
from datetime import date
from pathlib import Path

import jsonschema
import pytest
from conftest import run_cli

import regimen
from regimen.clinic import Clinic
from regimen.course import load_course, new_course, record

REF = regimen.Patient.from_measurements("72 kg", "170 cm")
SCHEMA = json.loads((Path(regimen.__file__).parent / "schema" / "plan.schema.json").read_text(encoding="utf-8"))
HOLIDAY = ("NCT05760430", "atezolizumab/2", "--arm", "control", "--start", "2027-03-29", "--weight", "72 kg",
           "--clinic-days", "mon-fri", "--holidays", "CN")


def _holiday_plan():
    return regimen.schedule("NCT05760430", "control", REF, "2027-03-29", horizon="14w", clinic=Clinic.parse("mon-fri", "CN"))


def test_a_cycle_delayed_by_a_holiday_and_the_next_one_counting_from_it():
    # cTACE on Monday 2027-03-29; atezolizumab C1 is due 7 days later, Monday 2027-04-05, Tomb-Sweeping
    # Day (a CN public holiday). The nearest open day inside its window (04-01 to 04-12) is Tuesday
    # 04-06 (Friday 04-02 is 3 days off). C2 counts from C1 as it happened: 04-06 + 21 days = 04-27.
    plan = _holiday_plan()
    first, how = regimen.explain(plan, "atezolizumab/1")
    assert first.date == date(2027, 4, 6)
    assert (how.anchor, how.anchor_date, how.offset, how.nominal) == ("cTACE #1", date(2027, 3, 29), "+7d", date(2027, 4, 5))
    assert how.window == (date(2027, 4, 1), date(2027, 4, 12))
    assert how.shifts == ("Atezolizumab moved from 2027-04-05 (Tomb-Sweeping Day) to 2027-04-06, inside its window",)
    second, how = regimen.explain(plan, "atezolizumab/2")
    assert second.date == date(2027, 4, 27)
    assert (how.anchor_date, how.offset, how.nominal, how.shifts) == (date(2027, 4, 6), "+21d", date(2027, 4, 27), ())
    _, bev = regimen.explain(plan, "NCT05760430/control/bevacizumab/2")  # the whole key works too
    assert (bev.anchor, bev.anchor_date) == ("Atezolizumab #2", date(2027, 4, 27))


def test_the_explain_command_prints_the_derivation_and_the_dose():
    result = run_cli("explain", *HOLIDAY)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[:5] == [
        "NCT05760430, arm control: Atezolizumab #2 on 2027-04-27  [NCT05760430/control/atezolizumab/2]",
        "  rule: q3w from +7d [3d..14d] after ctace",
        "  counts from: Atezolizumab #1 (the previous one, as it happened) on 2027-04-06",
        "  nominal: 2027-04-06 +21d = 2027-04-27",
        "  shift: none",
    ]
    assert "  dose: 1200 mg" in result.stdout
    data = json.loads(run_cli("explain", *HOLIDAY[:1], "atezolizumab/1", *HOLIDAY[2:], "--format", "json").stdout)
    assert data["derivation"]["shifts"] == ["Atezolizumab moved from 2027-04-05 (Tomb-Sweeping Day) to 2027-04-06, inside its window"]


def test_a_course_event_after_a_late_dose(tmp_path):
    # Atezolizumab #1 given 2026-12-08, #2 given late on 2027-01-05 (due 12-29); #3 counts from #2: 01-05 + 21 = 01-26.
    path = tmp_path / "P-0042.toml"
    new_course(path, protocol="NCT05760430", arm="control", start="2026-12-01", weight="72 kg")
    for when in (date(2026, 12, 8), date(2027, 1, 5)):
        record(path, "given", "atezolizumab", when=when, today=when)
    result = run_cli("explain", "--course", path, "atezolizumab/3", "--today", "2027-01-05")
    assert result.exit_code == 0, result.output
    assert "  counts from: Atezolizumab #2 (the previous one, as it happened) on 2027-01-05" in result.stdout
    assert "  nominal: 2027-01-05 +21d = 2027-01-26" in result.stdout
    _, two = regimen.explain(regimen.replan(load_course(path), today=date(2027, 1, 5)), "atezolizumab/2")
    assert two.nominal == date(2026, 12, 29) and two.shifts == ("recorded given on 2027-01-05",)


def test_every_event_in_json_carries_its_derivation_and_the_schema_holds():
    plan = _holiday_plan()
    data = json.loads(plan.to_json())
    jsonschema.validate(data, SCHEMA)
    by_key = {e["key"]: e["derivation"] for e in data["events"]}
    assert by_key["NCT05760430/control/atezolizumab/1"]["nominal"] == "2027-04-05"
    assert by_key["NCT05760430/control/survival/1"]["offset"] == "+0d +3 calendar months"


def test_bad_requests_say_what_is_accepted():
    plan = _holiday_plan()
    with pytest.raises(regimen.LookupFailure, match="did you mean"):
        regimen.explain(plan, "atezolizumb/1")
    with pytest.raises(regimen.LookupFailure, match="known: atezolizumab/1"):
        regimen.explain(plan, "atezolizumab/99")
    with pytest.raises(regimen.InputError, match=r"^plan:"):
        regimen.explain("NCT05760430", "atezolizumab/1")
    result = run_cli("explain", "atezolizumab/1", "--arm", "control")
    assert result.exit_code == 2 and "PROTOCOL EVENT" in result.stderr
