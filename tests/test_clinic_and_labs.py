"""Clinic days and holidays; lab values, gates and `regimen check`."""

import itertools
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

import regimen
from regimen import InputError
from regimen.cli import main
from regimen.clinic import Clinic
from regimen.course import check, load_course
from regimen.labs import parse_criterion, parse_lab

COURSES = Path(__file__).parent / "courses"
WEEKDAYS = Clinic.parse("mon-fri", "CN")


def _plan(start: str, **options):
    return regimen.schedule("NCT05760430", "experimental", regimen.Patient.from_measurements("72 kg"), start, **options)


def test_clinic_events_on_closed_days_move_inside_their_windows():
    plan = _plan("2026-12-05", clinic=WEEKDAYS, horizon="16w")  # day 0 is a Saturday
    assert plan.dates("camrelizumab")[0] == date(2026, 12, 11)  # Saturday 12-12 -> Friday 12-11, inside 3-14 days
    assert plan.dates("pve") == [date(2026, 12, 18)]  # Saturday 12-19 -> Friday 12-18, inside 12-16 days
    assert plan.dates("camrelizumab")[1] == date(2027, 1, 1)  # q3w from the moved first dose
    assert "Camrelizumab moved from 2026-12-12 (Saturday) to 2026-12-11, inside its window" in plan.warnings
    assert "Camrelizumab on 2027-01-01 falls on a closed day (New Year's Day); its schedule allows no other day" in plan.warnings
    assert "cTACE on 2026-12-05 falls on a closed day (Saturday) and its window 2026-12-05 to 2026-12-05 has no open day" in plan.warnings


def test_home_dosing_is_never_moved():
    plan = _plan("2026-12-05", clinic=WEEKDAYS, horizon="4w")
    apatinib = plan.dates("apatinib")
    assert all(b.toordinal() - a.toordinal() == 1 for a, b in itertools.pairwise(apatinib))
    assert date(2026, 12, 13) in apatinib  # a Sunday


@pytest.mark.parametrize(("days", "country", "message"), [
    ("mon-frx", None, "--clinic-days: 'mon-frx' is not accepted; give days like mon-fri or mon,wed,fri"),
    ("mon-fri", "XX", "--holidays: 'XX' is not a country the holidays package knows; give an ISO code like CN, US or GB"),
])
def test_bad_clinic_options(days, country, message):
    with pytest.raises(InputError) as caught:
        Clinic.parse(days, country)
    assert str(caught.value) == message


def test_clinic_options_on_the_command_line():
    result = CliRunner().invoke(main, ["schedule", "NCT05760430", "--arm", "experimental", "--start", "2026-12-05", "--weight", "72 kg",
                                       "--clinic-days", "mon-fri", "--holidays", "cn", "--horizon", "3w"])
    assert result.exit_code == 0 and "! PVE moved from 2026-12-19 (Saturday) to 2026-12-18, inside its window" in result.output


@pytest.mark.parametrize(("lab", "text", "value"), [
    ("tbil", "25 umol/L", 25), ("tbil", "1.5 mg/dL", 25.656), ("albumin", "3.2 g/dL", 32), ("albumin", "30 g/L", 30),
    ("anc", "1500 /uL", 1.5), ("anc", "1.5 x10^9/L", 1.5), ("platelets", "60 G/L", 60), ("creatinine", "0.9 mg/dL", 79.562),
])
def test_lab_values_convert_across_units(lab, text, value):
    assert round(parse_lab(lab, text, "value").value, 3) == value


def test_a_uln_relative_criterion_needs_the_uln():
    criterion = parse_criterion("tbil", "below", "2 x ULN", "gate")
    assert criterion.passes(30, uln=21) is True and criterion.passes(42, uln=21) is False and criterion.passes(30, uln=None) is None


def test_check_reports_failing_and_missing_labs():
    course = load_course(COURSES / "haic_labs.toml")
    _, checks, _ = check(course, date(2027, 1, 12))
    (haic,) = checks
    assert (haic.event.name, haic.event.occurrence, haic.cleared) == ("HAIC", 3, False)
    verdicts = {r.criterion.lab: r.passes for r in haic.results}
    assert verdicts == {"anc": True, "platelets": False, "tbil": True, "albumin": None}  # albumin from 10 days before


def test_check_on_the_command_line():
    result = CliRunner().invoke(main, ["check", "--course", str(COURSES / "haic_labs.toml"), "--on", "2027-01-12"])
    assert result.exit_code == 1
    assert result.output.splitlines()[1:] == [
        "HAIC #3 (2027-01-12): NOT CLEARED",
        "  anc ≥ 1.2 x10^9/L            ok: 1500 /uL = 1.5 x10^9/L on 2027-01-10",
        "  platelets ≥ 60 x10^9/L       FAILS: 45 x10^9/L on 2027-01-10",
        "  tbil ≤ 30 umol/L             ok: 1.5 mg/dL = 25.66 umol/L on 2027-01-11",
        "  albumin ≥ 30 g/L             MISSING: no albumin result in the 7 days before",
    ]
    quiet = CliRunner().invoke(main, ["check", "--course", str(COURSES / "haic_labs.toml"), "--on", "2027-01-05"])
    assert quiet.exit_code == 0 and "  next: HAIC #3 on 2027-01-12" in quiet.output


def test_lenvatinib_start_gate_uses_the_uln(tmp_path):
    path = tmp_path / "P.toml"
    path.write_text((COURSES / "lenvatinib_hold.toml").read_text().split("[[events]]")[0] + """
[[labs]]
date = 2026-12-03
name = "tbil"
value = "38 umol/L"
uln = "21 umol/L"
""")
    _, checks, _ = check(load_course(path), date(2026, 12, 6))
    # both start on 12-06 and the record's TBIL < 2 x ULN gates both starts: 38 < 2 x 21
    assert [(c.event.name, c.cleared) for c in checks] == [("Lenvatinib", True), ("Sintilimab", True)]
