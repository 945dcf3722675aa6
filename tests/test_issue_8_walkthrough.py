"""Issue #8: what a fresh-eyes walkthrough by a research nurse found, each kept fixed.

cTACE / ablation / HAIC on 2026-12-01 is day 0 throughout.
"""

from datetime import date, timedelta

import pytest
from click.testing import CliRunner
from conftest import COURSE_HEAD as HEAD

import regimen
from regimen.cli import main
from regimen.course import parse_course

TACE = HEAD.replace('arm = "experimental"', 'arm = "tace"').replace("NCT05760430", "NCT05233358")
HAIC = HEAD.replace('arm = "experimental"', 'arm = "haic"').replace("NCT05760430", "NCT05233358") + 'height = "170 cm"\n'


def _cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def _record(path, *args, today: str):
    result = _cli("record", path, *args, "--today", today)
    assert result.exit_code == 0, result.stderr
    return result


@pytest.fixture
def course(tmp_path):
    def make(text: str):
        path = tmp_path / "P-0001.toml"
        path.write_text(text)
        return path

    return make


def _plan(path, horizon="16w"):
    return regimen.replan(regimen.load_course(path), horizon=horizon)


def test_a_q3w_dose_two_days_after_the_last_is_warned_with_the_numbers(course):
    path = course(HEAD)
    _record(path, "given", "camrelizumab", "--date", "2026-12-08", today="2026-12-08")
    result = _record(path, "given", "camrelizumab", "--date", "2026-12-10", today="2026-12-10")
    warning = "Camrelizumab #2 on 2026-12-10 is 19 days early: 2 days after #1 (2026-12-08); the protocol gives it every 21 days (q3w)"
    assert f"! {warning}" in result.stderr
    assert warning in _plan(path).warnings


def test_restarted_after_discontinued_brings_the_drug_back(course):
    path = course(TACE)
    _record(path, "given", "regorafenib", "--date", "2026-12-08", today="2026-12-08")
    _record(path, "discontinued", "regorafenib", "--date", "2026-12-15", today="2026-12-15")
    _record(path, "restarted", "regorafenib", "--date", "2027-01-04", today="2027-01-04")
    days = [(e.date, e.cycle, e.day) for e in _plan(path).for_activity("regorafenib") if e.status != "skipped"]
    assert days[6][0] == date(2026, 12, 14) and days[7][0] == date(2027, 1, 4)  # stopped 12-15, back 01-04
    assert days[7][2] == 1 and days[7 + 20][0] == date(2027, 1, 24) and days[7 + 21][0] == date(2027, 2, 1)  # d1-21 q28d from 01-04


def test_an_interval_drug_restarted_after_a_stop_resumes_every_three_weeks(course):
    path = course(TACE)
    _record(path, "given", "sintilimab", "--date", "2026-12-08", today="2026-12-08")
    _record(path, "discontinued", "sintilimab", "--date", "2026-12-20", today="2026-12-20")
    _record(path, "restarted", "sintilimab", "--date", "2027-01-20", today="2027-01-20")
    assert _plan(path).dates("sintilimab") == [date(2026, 12, 8), date(2027, 1, 20), date(2027, 2, 10), date(2027, 3, 3)]


def test_a_daily_drug_can_be_restarted(course):
    path = course(HEAD)
    _record(path, "given", "apatinib", "--date", "2026-12-08", today="2026-12-08")
    _record(path, "held", "apatinib", "--from", "2026-12-15", "--to", "2026-12-21", today="2026-12-15")
    _record(path, "restarted", "apatinib", "--date", "2026-12-22", today="2026-12-22")
    days = _plan(path, "4w").dates("apatinib")
    assert days[:7] == [date(2026, 12, 8) + timedelta(days=n) for n in range(7)] and days[7] == date(2026, 12, 22)


def test_a_given_dose_keeps_its_amount_when_a_weight_is_recorded_later(course):
    control = HEAD.replace('arm = "experimental"', 'arm = "control"').replace('"72 kg"', '"80 kg"')
    path = course(control)
    _record(path, "given", "bevacizumab", "--date", "2026-12-08", today="2026-12-08")
    assert 'dose = "1200 mg"' in path.read_text()  # 15 mg/kg x 80 kg, written as given
    _record(path, "weight", "--date", "2026-12-05", "--value", "68 kg", today="2026-12-22")
    given = _plan(path).for_activity("bevacizumab")[0]
    assert (given.status, given.dose.amount, given.dose.planned) == ("given", 1200, 1020)  # kept; the re-plan would say 1020


def test_after_a_skipped_haic_the_next_folfox_is_recorded_without_an_occurrence(course):
    path = course(HAIC)
    _record(path, "given", "haic", "--date", "2026-12-01", today="2026-12-01")
    _record(path, "skipped", "haic", "--reason", "platelets 45", today="2026-12-22")
    _record(path, "given", "haic", "--date", "2027-01-12", today="2027-01-12")
    _record(path, "given", "oxaliplatin", "--date", "2026-12-01", today="2027-01-12")
    result = _record(path, "given", "oxaliplatin", "--date", "2027-01-12", today="2027-01-12")
    assert "given oxaliplatin #3" in result.stderr  # #2 was skipped with HAIC #2
    plan = _plan(path)
    assert [(e.occurrence, e.cycle) for e in plan.for_activity("haic") if e.status != "skipped"][:2] == [(1, 1), (3, 2)]


def test_a_late_sbrt_fraction_moves_the_ones_after_it(course):
    sbrt = HEAD.replace('arm = "experimental"', 'arm = "sbrt"').replace("NCT05760430", "NCT06592612")
    path = course(sbrt)
    plan = _plan(path)
    first, second = plan.dates("sbrt")[:2]
    _record(path, "given", "sbrt", "--date", first.isoformat(), today="2027-01-30")
    _record(path, "given", "sbrt", "--date", (second + timedelta(days=1)).isoformat(), today="2027-01-30")
    later = _plan(path).dates("sbrt")
    assert later[2] - later[1] == timedelta(days=2)  # every other day from the late fraction, not the old grid


def test_a_confirmed_then_given_repeat_tace_is_certain(course):
    path = course(TACE)
    _record(path, "confirmed", "tace_repeat", "--date", "2027-01-14", today="2027-01-10")
    _record(path, "given", "tace_repeat", "--date", "2027-01-14", today="2027-01-14")
    plan = _plan(path, "24w")
    assert [(e.date, e.conditional) for e in plan.for_activity("tace_repeat")] == [(date(2027, 1, 14), False)]
    assert not plan.for_activity("imaging_repeat")[0].conditional


def test_a_late_regorafenib_cycle_2_is_cycle_2(course):
    path = course(TACE)
    _record(path, "given", "regorafenib", "--date", "2026-12-08", today="2026-12-08")  # cycle 2 due 2027-01-05
    result = _record(path, "given", "regorafenib", "--date", "2027-01-08", today="2027-01-08")
    assert "given regorafenib #22" in result.stderr  # cycle 2 day 1, three days late
    events = [e for e in _plan(path).for_activity("regorafenib") if e.date >= date(2027, 1, 5)]
    assert (events[0].date, events[0].cycle, events[0].day, events[0].status) == (date(2027, 1, 8), 2, 1, "given")
    restart = course(TACE)
    _record(restart, "given", "regorafenib", "--date", "2026-12-08", today="2026-12-08")
    _record(restart, "restarted", "regorafenib", "--date", "2027-01-08", today="2027-01-08")
    events = [e for e in _plan(restart).for_activity("regorafenib") if e.date >= date(2027, 1, 5)]
    assert (events[0].date, events[0].cycle, events[0].day) == (date(2027, 1, 8), 2, 1)  # no phantom 01-05..01-07


def test_the_same_reschedule_twice_is_refused(course):
    path = course(HEAD)
    _record(path, "rescheduled", "camrelizumab", "--date", "2026-12-10", today="2026-12-05")
    again = _cli("record", path, "rescheduled", "camrelizumab", "--date", "2026-12-10", "--today", "2026-12-05")
    assert again.exit_code == 2 and "Camrelizumab #1 is already rescheduled to 2026-12-10" in again.stderr


def test_command_line_mistakes_name_the_option(course):
    path = course(HEAD)
    weight = _cli("record", path, "weight", "--date", "2026-12-05", "--value", "61", "--today", "2026-12-05")
    assert weight.stderr.startswith("Error: --value: '61' has no unit")
    lab = _cli("record", path, "lab", "ggt", "--date", "2026-12-05", "--value", "40 U/L", "--today", "2026-12-05")
    assert lab.stderr.startswith("Error: --value: unknown lab 'ggt'; known: anc, platelets")


def test_an_excluded_activity_points_to_the_one_the_choices_give():
    text = """patient = "P-0001"
protocol = "NCT06187961"
arm = "conversion"
start = 2026-12-01

[choices]
cadonilimab = "6mgkg_q2w"

[[measurements]]
date = 2026-11-28
weight = "72 kg"
height = "170 cm"
"""
    plan = regimen.replan(parse_course(text), horizon="4w")
    assert plan.track("cadonilimab") is None and plan.track("cadonilimab_q2w") is not None
    with pytest.raises(regimen.RegimenError, match="with these choices this drug is cadonilimab_q2w"):
        regimen.replan(parse_course(text + '\n[[events]]\ntype = "given"\nactivity = "cadonilimab"\ndate = 2026-12-02\n'))
