"""Courses: the scenarios from the trials, dates checked by hand."""

import re
from datetime import date, timedelta
from pathlib import Path

import icalendar
import pytest
from click.testing import CliRunner
from conftest import COURSE_HEAD as HEAD

import regimen
from regimen import ProtocolErrors
from regimen.cli import main
from regimen.course import load_course, parse_course
from regimen.export import ics

COURSES = Path(__file__).parent / "courses"



def _plan(text: str, horizon: str = "12w"):
    return regimen.replan(parse_course(text), horizon=horizon)


def test_camrelizumab_cycle_2_delayed_7_days_moves_cycles_3_on_and_leaves_apatinib(tmp_path):
    plan = _plan(HEAD + """
[[events]]
type = "given"
activity = "camrelizumab"
date = 2026-12-08

[[events]]
type = "given"
activity = "camrelizumab"
date = 2027-01-05
reason = "neutropenia"
""")
    camrelizumab = plan.for_activity("camrelizumab")
    # planned 12-08, 12-29, 01-19, 02-09: cycle 2 a week late, 3 and 4 counted from it
    assert [(e.date.isoformat(), e.status) for e in camrelizumab] == [
        ("2026-12-08", "given"), ("2027-01-05", "given"), ("2027-01-26", "planned"), ("2027-02-16", "planned")]
    assert plan.dates("apatinib")[0] == date(2026, 12, 8)
    assert len(plan.dates("apatinib")) == 77  # every day from 12-08 to the 12-week horizon, 2027-02-22
    assert plan.dates("pve") == [date(2026, 12, 15)]


def test_lenvatinib_held_10_days_then_resumed_one_level_lower():
    plan = regimen.replan(load_course(COURSES / "lenvatinib_hold.toml"), horizon="6w")
    taken = plan.for_activity("lenvatinib")
    held = [e.date for e in taken if e.status == "held"]
    assert held == [date(2026, 12, 20) + timedelta(days=n) for n in range(10)]
    assert {e.dose.text for e in taken if e.date < date(2026, 12, 20)} == {"12 mg"}
    assert {e.dose.text for e in taken if e.date >= date(2026, 12, 30)} == {"8 mg"}
    assert date(2026, 12, 25) not in plan.dates("lenvatinib") and date(2026, 12, 30) in plan.dates("lenvatinib")


def test_regorafenib_cycle_restarted_after_a_hold():
    plan = regimen.replan(load_course(COURSES / "regorafenib_restart.toml"), horizon="12w")
    days = plan.dates("regorafenib")
    assert days[:7] == [date(2026, 12, 8) + timedelta(days=n) for n in range(7)]  # cycle 1 days 1-7
    assert not any(date(2026, 12, 15) <= d <= date(2026, 12, 24) for d in days)  # held
    restarted = [e for e in plan.for_activity("regorafenib") if e.date >= date(2026, 12, 28)]
    assert (restarted[0].date, restarted[0].cycle, restarted[0].day) == (date(2026, 12, 28), 2, 1)
    assert restarted[20].date == date(2027, 1, 17) and restarted[20].day == 21
    assert restarted[21].date == date(2027, 1, 25) and restarted[21].day == 1  # the next cycle, 28 days on
    assert {e.dose.text for e in restarted} == {"120 mg"}


def test_a_haic_cycle_delayed_past_30_days_stops_haic():
    plan = regimen.replan(load_course(COURSES / "haic_delay.toml"), horizon="30w")
    assert plan.dates("haic") == [date(2026, 12, 1), date(2026, 12, 22)]
    assert plan.dates("oxaliplatin") == [date(2026, 12, 1), date(2026, 12, 22)]  # the drugs given with HAIC stop too
    assert "HAIC #3 would be 34 days late, more than the 30 days the protocol allows: HAIC stops" in plan.warnings


def test_weight_80_to_68_kg_recalculates_bevacizumab_from_the_next_dose():
    plan = regimen.replan(load_course(COURSES / "weight_loss.toml"), horizon="12w")
    doses = [(e.date.isoformat(), e.dose.text) for e in plan.for_activity("bevacizumab")]
    assert doses == [("2026-12-08", "1200 mg"), ("2026-12-29", "1200 mg"), ("2027-01-19", "1020 mg"), ("2027-02-09", "1020 mg")]
    derivation = plan.for_activity("bevacizumab")[2].dose.derivation
    assert derivation[0] == "weight used: 68 kg measured 2027-01-15"
    assert derivation[-1] == "recalculated: weight 68 kg measured 2027-01-15 differs by -15.0% from 80 kg used before (threshold 10%)"
    assert any(w.startswith("Bevacizumab from 2027-01-19: recalculated") for w in plan.warnings)
    assert {e.dose.text for e in plan.for_activity("atezolizumab")} == {"1200 mg"}  # flat dose


def test_weight_loss_leaves_lenvatinib_alone():
    text = (COURSES / "lenvatinib_hold.toml").read_text().split("[[events]]")[0] + """
[[measurements]]
date = 2026-12-20
weight = "55 kg"
"""
    plan = _plan(text, "4w")
    assert {e.dose.text for e in plan.for_activity("lenvatinib")} == {"12 mg"}  # band set by the starting weight


def test_a_late_start_outside_its_window_is_a_warning_with_the_numbers():
    plan = _plan(HEAD + """
[[events]]
type = "given"
activity = "camrelizumab"
date = 2026-12-18
""")
    assert "Camrelizumab start 2026-12-18 is 17 days after cTACE #1 (2026-12-01); the window is 3–14 days" in plan.warnings


def test_a_conditional_repeat_tace_confirmed_or_ruled_out():
    tace = HEAD.replace('arm = "experimental"', 'arm = "tace"').replace("NCT05760430", "NCT05233358")
    done = _plan(tace + """
[[events]]
type = "confirmed"
activity = "tace_repeat"
date = 2027-01-14
""", "20w")
    assert [(e.date, e.conditional) for e in done.for_activity("tace_repeat")] == [(date(2027, 1, 14), False)]
    assert not done.for_activity("imaging_repeat")[0].conditional
    assert done.dates("imaging_repeat") == [date(2027, 2, 18)]  # 35 days after the actual repeat TACE
    ruled_out = _plan(tace + """
[[events]]
type = "ruled_out"
activity = "tace_repeat"
reason = "no active lesions on imaging"
""", "20w")
    assert ruled_out.dates("tace_repeat") == [] and ruled_out.dates("imaging_repeat") == []
    assert "CT or MRI after repeat TACE is not scheduled: tace_repeat #1 does not occur in this plan" in ruled_out.warnings


def test_a_course_file_reports_every_problem_located():
    with pytest.raises(ProtocolErrors) as caught:
        parse_course("""patient = "Jane Doe"
protocol = "NCT05760430"
arm = "experimental"
start = "01/12/2026"

[[measurements]]
date = 2026-11-28
weight = "72"

[[events]]
type = "gave"
activity = "camrelizumab"
""", "P.toml")
    assert [e.located() for e in caught.value.errors] == [
        "P.toml:1: patient: 'Jane Doe' is not accepted: give a pseudonym of letters, digits, '.', '_' and '-' (at most 64, no spaces), never a name",
        "P.toml:4: start: expected a date like 2026-12-01, got '01/12/2026'",
        "P.toml:6: measurements: at least one measurement needs a weight, like weight = \"72 kg\"",
        "P.toml:8: measurements[0].weight: '72' has no unit; give a weight with its unit, like \"72 kg\" or \"158.7 lb\"",
        "P.toml:11: events[0].type: expected one of given, rescheduled, held, skipped, level, discontinued, restarted, confirmed, ruled_out, ae, surgery, got 'gave'",
    ]


def _run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_record_appends_and_refuses_contradictions(tmp_path):
    course = tmp_path / "P-0002.toml"
    course.write_text((COURSES / "lenvatinib_hold.toml").read_text())
    before = course.read_text()
    assert _run("record", "--today", "2027-01-10", course, "given", "lenvatinib", "--date", "2026-12-25").stderr == (
        "Error: --date: lenvatinib is held from 2026-12-20 to 2026-12-29 (grade 3 hypertension): no dose inside a hold; "
        "to end the hold earlier, record undo and record it again with the real last day\n")
    assert _run("record", "--today", "2027-01-10", course, "given", "sintilimab", "--date", "2026-11-20").exit_code == 2
    assert _run("record", "--today", "2027-01-10", course, "level", "lenvatinib", "--date", "2027-01-05", "--level", "9").exit_code == 2
    assert course.read_text() == before  # nothing written by a refused entry
    assert _run("record", "--today", "2027-01-10", course, "given", "sintilimab", "--date", "2026-12-07", "--dose", "200 mg").exit_code == 0
    assert _run("record", "--today", "2027-01-10", course, "weight", "--date", "2027-01-02", "--value", "70 kg").exit_code == 0
    text = re.sub(r"^(revision|changed) = .*\n", "", course.read_text(), flags=re.M)  # regimen's write counter and time
    assert load_course(course).revision == 2
    assert text.startswith(before) and 'type = "given"\nactivity = "sintilimab"\ndate = 2026-12-07\noccurrence = 1\ndose = "200 mg"' in text
    assert load_course(course).records[-1].date == date(2026, 12, 7)


def test_an_interrupted_write_leaves_the_previous_course_file_intact(tmp_path, monkeypatch):
    course = tmp_path / "P-0002.toml"
    course.write_text((COURSES / "lenvatinib_hold.toml").read_text())
    before = course.read_text()

    def crash(self, target):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "replace", crash)
    with pytest.raises(regimen.InputError, match=r"cannot write .*No space left on device"):
        regimen.course.append_record(course, regimen.course.record_text("skipped", "sintilimab", occurrence=2))
    assert course.read_text() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["P-0002.toml"]  # no half-written leftovers


def test_schedule_from_a_course_on_the_command_line():
    result = _run("schedule", "--course", COURSES / "lenvatinib_hold.toml", "--horizon", "6w")
    assert result.exit_code == 0
    assert "2026-12-20  d19  Lenvatinib PO, qd to 2026-12-29  12 mg   HELD; 10 doses" in result.output
    assert _run("schedule", "NCT05760430", "--course", COURSES / "lenvatinib_hold.toml").exit_code == 2


def test_a_re_planned_calendar_updates_events_in_place():
    course = load_course(COURSES / "lenvatinib_hold.toml")
    plan, baseline = regimen.replan(course, horizon="10w"), regimen.replan(course.baseline(), horizon="10w")
    cal = "0123456789abcdef0123456789abcdef"  # the course's calendar id
    first = {str(e["UID"]): e for e in icalendar.Calendar.from_ical(ics.dumps(baseline, calendar=cal)).walk("VEVENT")}
    again = {str(e["UID"]): e for e in icalendar.Calendar.from_ical(ics.dumps(plan, baseline=baseline, sequence=2, calendar=cal)).walk("VEVENT")}
    assert set(first) <= set(again)  # every event of the first export is still there, same UID
    series = ics.uid_for("ablation-lenvatinib-pd1/experimental/lenvatinib/1/series", cal)
    assert again[series]["SEQUENCE"] == 2 and again[series]["RRULE"]["UNTIL"] == [date(2026, 12, 19)]
    unchanged = ics.uid_for("ablation-lenvatinib-pd1/experimental/sintilimab/2", cal)
    assert again[unchanged]["SEQUENCE"] == 0


def test_removed_events_are_cancelled_in_place():
    course = parse_course(HEAD + """
[[events]]
type = "discontinued"
activity = "camrelizumab"
date = 2027-01-10
reason = "immune hepatitis grade 4"
""")
    plan, baseline = regimen.replan(course, horizon="12w"), regimen.replan(course.baseline(), horizon="12w")
    events = icalendar.Calendar.from_ical(ics.dumps(plan, baseline=baseline, sequence=1)).walk("VEVENT")
    cancelled = {str(e["X-REGIMEN-KEY"]) for e in events if str(e["STATUS"]) == "CANCELLED"}
    assert cancelled == {"NCT05760430/experimental/camrelizumab/3", "NCT05760430/experimental/camrelizumab/4"}
    assert all(e["SEQUENCE"] == 1 for e in events if str(e["STATUS"]) == "CANCELLED")


def test_a_late_regorafenib_start_after_haic_is_named_with_its_numbers():
    plan = _plan(HEAD.replace('arm = "experimental"', 'arm = "haic"').replace("NCT05760430", "NCT05233358")
                 + 'height = "170 cm"\n' + """
[[events]]
type = "given"
activity = "regorafenib"
occurrence = 1
date = 2026-12-18
""")
    assert plan.dates("regorafenib")[:2] == [date(2026, 12, 18), date(2026, 12, 19)]  # the cycle runs from its actual day 1
    assert "Regorafenib start 2026-12-18 is 17 days after HAIC #1 (2026-12-01); the window is 0–14 days" in plan.warnings
