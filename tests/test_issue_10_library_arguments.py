"""Issue #10: every public function checks its arguments and names the *parameter* at fault."""

from __future__ import annotations

from datetime import date, datetime

import pytest

import regimen
from regimen import InputError, RegimenError, ScheduleError

PATIENT = regimen.Patient.from_measurements("72 kg")


def plan(**changes):
    arguments = {"protocol": "NCT05760430", "arm": "experimental", "patient": PATIENT, "start": "2026-12-01", **changes}
    return regimen.schedule(**arguments)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"start": datetime(2026, 12, 1, 9, 0)}, "start: 2026-12-01T09:00:00 has a time of day; give a date, like 2026-12-01"),
        ({"start": 20261201}, "start: expected an ISO date like 2026-12-01, got int"),
        ({"start": "1926-12-01"}, "start: 1926-12-01 is more than 5 years ago (today is 2026-12-01)"),
        ({"start": "2032-12-02"}, "start: 2032-12-02 is more than 5 years from today (2026-12-01)"),
        ({"patient": {"weight": "72 kg"}}, "patient: expected a Patient, like Patient.from_measurements(weight=\"72 kg\"), got dict"),
        ({"arm": 1}, "arm: expected an arm id like \"experimental\", got int"),
        ({"horizon": "100y"}, "horizon: '100y' is longer than the accepted 10 years"),
        ({"horizon": "99999999d"}, "horizon: '99999999d' is longer than the accepted 10 years"),
        ({"horizon": "9" * 5000 + "d"}, "horizon: '99999"),
        ({"horizon": "11y"}, "horizon: '11y' is longer than the accepted 10 years"),
        ({"horizon": "2100-12-31"}, "horizon: 2100-12-31 is more than 10 years after day 0 (2026-12-01)"),
        ({"horizon": "2101-01-01"}, "horizon: 2101-01-01 is outside the accepted dates 1900-01-01 to 2100-12-31"),
        ({"choices": ["ici=camrelizumab"]}, "choices: expected a mapping of names to values"),
        ({"levels": {"apatinib": "1"}}, "levels.apatinib: '1' is not accepted; give a number"),
        ({"pins": {"pve": "16/12/2026"}}, "pins.pve: '16/12/2026' is not a date; give an ISO date like 2026-12-01"),
    ],
)
def test_bad_arguments_name_the_parameter(changes, message):
    with pytest.raises(InputError) as caught:
        plan(**changes)
    assert str(caught.value).startswith(message)


def test_the_limits_themselves_are_accepted():
    assert plan(horizon="10y").horizon_end == date(2036, 11, 30)
    assert plan(start="2021-12-01").start == date(2021, 12, 1)
    assert plan(start="1926-12-01", allow_past=True, horizon="4w").horizon_end == date(1926, 12, 28)


def test_a_pin_outside_its_window_names_the_pin():
    with pytest.raises(ScheduleError) as caught:
        plan(pins={"pve": "2026-12-20"})
    assert caught.value.option == "pins.pve"
    assert str(caught.value) == "pins.pve: 2026-12-20 is outside its window 2026-12-13 to 2026-12-17 (+14d [12d..16d] after ctace)"


def test_parse_horizon_and_doses_check_their_arguments_too():
    assert regimen.parse_horizon("24w", date(2026, 12, 1)) == date(2027, 5, 17)
    with pytest.raises(InputError, match=r"^start: 'soon' is not a date"):
        regimen.parse_horizon("24w", "soon")
    with pytest.raises(InputError, match=r"^patient: expected a Patient"):
        regimen.doses("NCT05760430", "experimental", "72 kg")


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: regimen.bsa("170", 72), "height_cm: expected a positive number, got '170'"),
        (lambda: regimen.bsa(-170, 72), "height_cm: expected a positive number, got -170"),
        (lambda: regimen.cockcroft_gault(64, 72, 0, False), "creatinine_mg_dl: expected a positive number, got 0"),
        (lambda: regimen.cockcroft_gault(150, 72, 1.0, False), "age: 150 is outside the accepted age range 18–120 years"),
        (lambda: regimen.format_rule(None), "rule: expected a Rule"),
        (lambda: regimen.parse_rule(None), "expected timing text like"),
        (lambda: plan().between(None, "2027-01-01"), "first: expected an ISO date like 2026-12-01, got NoneType"),
        (lambda: plan().to_ics(time="09:00", tz="Mars/Olympus"), "tz: 'Mars/Olympus' is not a known time zone"),
        (lambda: plan().to_ics(time="09:00", tz=8), "tz: expected text, got int"),
    ],
)
def test_the_other_public_functions_refuse_bad_arguments_by_name(call, message):
    with pytest.raises(RegimenError) as caught:
        call()
    assert str(caught.value).startswith(message)


def test_the_formulas_still_compute():
    assert regimen.bsa(170, 72) == pytest.approx(1.8439, abs=1e-4)  # √(170 × 72 / 3600)
    assert regimen.cockcroft_gault(64, 72, 1.0, False) == pytest.approx(76.0)  # (140 − 64) × 72 / 72


def test_a_recorded_course_from_long_ago_is_still_re_planned(tmp_path):
    from conftest import COURSE_HEAD

    path = tmp_path / "P-0001.toml"
    path.write_text(COURSE_HEAD.replace("2026-12-01", "2019-12-03").replace("2026-11-28", "2019-11-30"), encoding="utf-8")
    plan = regimen.replan(regimen.load_course(path), horizon="4w")
    assert plan.dates("pve") == [date(2019, 12, 17)]  # day 0 + 14


@pytest.mark.parametrize(("call", "parameter"), [
    (lambda: regimen.load_file(None), "path"),
    (lambda: regimen.validate_files(None), "paths"),
    (lambda: regimen.load_course(None), "path"),
    (lambda: regimen.replan(None), "course"),
])
def test_files_and_courses_refuse_what_they_cannot_read_by_parameter(call, parameter):
    with pytest.raises(RegimenError, match=rf"^{parameter}: expected"):
        call()


def test_one_path_is_one_file_to_validate():
    [problem] = regimen.validate_files("missing.toml")
    assert problem.file == "missing.toml" and "cannot read" in problem.message
