"""Issue #8: following a real patient. Each example from the issue, with dates checked by hand.

NCT05760430: cTACE on 2026-12-01 is day 0; the q3w antibodies start +7 d (window 3–14 d).
"""

import json
import multiprocessing
import os
import re
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import COURSE_HEAD as HEAD

import regimen
from regimen import InputError
from regimen.cli import main
from regimen.course import CourseError, parse_course, record
from regimen.export import json as export_json

CONTROL = HEAD.replace('arm = "experimental"', 'arm = "control"')
TODAY = "2027-03-01"


def _plan(text: str, horizon: str = "12w", **options):
    return regimen.replan(parse_course(text), horizon=horizon, **options)


def _given(activity: str, day: str, **fields) -> str:
    extra = "".join(f"{k} = {json.dumps(v) if isinstance(v, str) else v}\n" for k, v in fields.items())
    return f'\n[[events]]\ntype = "given"\nactivity = "{activity}"\ndate = {day}\n{extra}'


def _cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture
def course(tmp_path):
    def make(text: str = HEAD, name: str = "P-0001.toml"):
        path = tmp_path / name
        path.write_text(text)
        return path

    return make


def test_an_early_dose_keeps_every_later_cycle_inside_the_horizon():
    plan = _plan(CONTROL + _given("atezolizumab", "2026-12-04"), horizon="10w")  # 10 weeks: to 2027-02-08
    # C1 four days early; C2-C4 count 21 days from it: 12-25, 01-15, 02-05 (02-05 is inside the horizon)
    assert [(e.date.isoformat(), e.status) for e in plan.for_activity("atezolizumab")] == [
        ("2026-12-04", "given"), ("2026-12-25", "planned"), ("2027-01-15", "planned"), ("2027-02-05", "planned")]
    assert plan.dates("bevacizumab") == plan.dates("atezolizumab")  # given with each atezolizumab


def test_a_rescheduled_cycle_given_on_its_new_day_is_one_cycle_not_two():
    text = CONTROL + _given("atezolizumab", "2026-12-08") + """
[[events]]
type = "rescheduled"
activity = "atezolizumab"
date = 2027-01-04
""" + _given("atezolizumab", "2027-01-04")
    plan = _plan(text)
    assert [(e.date.isoformat(), e.cycle, e.status) for e in plan.for_activity("atezolizumab")] == [
        ("2026-12-08", 1, "given"), ("2027-01-04", 2, "given"), ("2027-01-25", 3, "planned"), ("2027-02-15", 4, "planned")]


def test_the_same_dose_recorded_twice_is_refused(course):
    path = course()
    assert _cli("record", path, "given", "camrelizumab", "--date", "2026-12-11", "--today", TODAY).exit_code == 0
    before = path.read_bytes()
    again = _cli("record", path, "given", "camrelizumab", "--date", "2026-12-11", "--today", TODAY)
    assert again.exit_code == 2
    assert again.stderr == "Error: --date: Camrelizumab #1 is already recorded as given on 2026-12-11; the same dose is never recorded twice\n"
    assert path.read_bytes() == before


def test_a_one_off_procedure_recorded_on_a_second_day_is_refused(course):
    path = course()
    assert _cli("record", path, "given", "ctace", "--date", "2026-12-01", "--today", TODAY).exit_code == 0
    again = _cli("record", path, "given", "ctace", "--date", "2026-12-02", "--today", TODAY)
    assert again.exit_code == 2
    assert again.stderr == "Error: ACTIVITY: cTACE has no occurrence left to record as given (#1 given on 2026-12-01); to correct a record, record undo\n"
    with pytest.raises(CourseError, match=r"cTACE has no occurrence #2 to record as given \(it happens once"):  # by hand, likewise
        _plan(HEAD + _given("ctace", "2026-12-01") + _given("ctace", "2026-12-02", occurrence=2))


@pytest.mark.parametrize(("args", "message"), [
    (("weight", "--date", "2026-12-20", "--value", "680 kg"), "outside the plausible weight range 20–350 kg"),
    (("level", "camrelizumab", "--date", "2026-12-20", "--level", "2"), "Camrelizumab has no dose levels"),
    (("given", "camrelizumab", "--date", "2030-01-01"), "2030-01-01 is after today (2027-03-01)"),
    (("given", "ctace", "--date", "2026-12-01", "--dose", "100 mg"), "cTACE is a procedure, not a drug"),
    (("confirmed", "pve", "--date", "2026-12-15"), "PVE is not conditional"),
    (("given", "camrelizumab", "--date", "2026-11-30"), "is before the course started"),
])
def test_recorded_values_pass_the_same_checks_as_schedule(course, args, message):
    path = course()
    before = path.read_bytes()
    result = _cli("record", path, *args, "--today", TODAY)
    assert result.exit_code == 2 and message in result.stderr and result.stderr.count("\n") == 1
    assert path.read_bytes() == before  # a refused record leaves the file byte-identical


def test_a_hand_edited_course_gets_the_same_checks_as_record():
    with pytest.raises(CourseError, match=r"events\[0\].date: 2026-11-20 is before the course started"):
        _plan(HEAD + _given("camrelizumab", "2026-11-20"))
    with pytest.raises(CourseError, match="outside the plausible weight range"):
        _plan(HEAD + '\n[[measurements]]\ndate = 2026-12-20\nweight = "680 kg"\n')


def test_a_recorded_dose_is_kept_beside_the_planned_one_and_warned_when_far_off():
    plan = _plan(HEAD + _given("camrelizumab", "2026-12-08", dose="2160 mg"))
    first = plan.for_activity("camrelizumab")[0]
    assert (first.dose.amount, first.dose.planned) == (2160, 216)  # 3 mg/kg x 72 kg planned
    assert first.dose.text == "2160 mg given (planned 216 mg, +900.0%)"
    assert "Camrelizumab #1 on 2026-12-08: 2160 mg given, +900.0% from the planned 216 mg (more than 10% off)" in plan.warnings
    assert plan.for_activity("camrelizumab")[1].dose.text == "216 mg"
    data = json.loads(export_json.dumps(plan))
    dose = next(e for e in data["events"] if e["activity"] == "camrelizumab")["dose"]
    assert (dose["amount"], dose["planned"]) == (2160, 216)
    close = _plan(HEAD + _given("camrelizumab", "2026-12-08", dose="220 mg"))
    assert not any("more than 10% off" in w for w in close.warnings)  # +1.9%: shown, not warned


def test_record_keeps_the_file_permission_bits(course):
    path = course()
    path.chmod(0o600)
    assert _cli("record", path, "weight", "--date", "2026-12-20", "--value", "71 kg", "--today", TODAY).exit_code == 0
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_record_through_a_symlink_updates_its_target(course, tmp_path):
    target = course()
    link = tmp_path / "link.toml"
    link.symlink_to(target)
    assert _cli("record", link, "weight", "--date", "2026-12-20", "--value", "71 kg", "--today", TODAY).exit_code == 0
    assert link.is_symlink() and "71 kg" in target.read_text()


def test_a_late_first_regorafenib_dose_is_day_1_and_the_cycle_runs_from_it(course):
    haic = HEAD.replace('arm = "experimental"', 'arm = "haic"').replace("NCT05760430", "NCT05233358") + 'height = "170 cm"\n'
    path = course(haic)
    # planned day 1 is 12-08 (+7 d after HAIC #1); the first tablet is taken on 12-12
    assert _cli("record", path, "given", "regorafenib", "--date", "2026-12-12", "--today", TODAY).exit_code == 0
    assert "occurrence = 1" in path.read_text()
    plan = regimen.replan(regimen.load_course(path), horizon="8w")
    days = [(e.date.isoformat(), e.cycle, e.day, e.status) for e in plan.for_activity("regorafenib")]
    assert days[0] == ("2026-12-12", 1, 1, "given")
    assert days[20] == ("2027-01-01", 1, 21, "planned") and days[21] == ("2027-01-09", 2, 1, "planned")  # 28 days after 12-12


def test_a_dose_of_an_activity_the_choices_exclude_is_refused_with_the_choice_to_set(course):
    text = HEAD.replace('arm = "experimental"', 'arm = "experimental"').replace("NCT05760430", "ablation-lenvatinib-pd1")
    path = course(text)
    result = _cli("record", path, "given", "camrelizumab", "--date", "2026-12-06", "--today", TODAY)
    assert result.exit_code == 2
    assert "Camrelizumab is not part of this course's plan with the documented defaults; it applies when pd1 = camrelizumab" in result.stderr


def test_contradictory_records_are_refused(course):
    tace = HEAD.replace('arm = "experimental"', 'arm = "tace"').replace("NCT05760430", "NCT05233358")
    path = course(tace)
    assert _cli("record", path, "confirmed", "tace_repeat", "--date", "2027-01-14", "--today", TODAY).exit_code == 0
    result = _cli("record", path, "ruled_out", "tace_repeat", "--today", TODAY)
    assert result.exit_code == 2 and "already recorded as confirmed; it cannot also be ruled_out" in result.stderr
    other = course(HEAD, "P-0002.toml")
    assert _cli("record", other, "held", "camrelizumab", "--from", "2026-12-20", "--to", "2026-12-31", "--today", TODAY).exit_code == 0
    result = _cli("record", other, "rescheduled", "camrelizumab", "--occurrence", "2", "--date", "2026-12-25", "--today", TODAY)
    assert result.exit_code == 2 and "camrelizumab is held from 2026-12-20 to 2026-12-31" in result.stderr


def test_a_choice_that_changes_nothing_names_the_choice_it_depends_on(plan_for):
    with pytest.raises(InputError, match=r"pd1 = camrelizumab changes nothing on arm sbrt as chosen: it applies only when "
                                         r"second_line = regorafenib_pd1 \(now regorafenib\)"):
        plan_for("NCT06592612", "sbrt", choices={"pd1": "camrelizumab"})


def test_a_start_gate_is_checked_before_the_first_dose_only(course):
    path = course(HEAD.replace("NCT05760430", "ablation-lenvatinib-pd1") + """
[[labs]]
date = 2026-12-04
name = "tbil"
value = "50 umol/L"
uln = "21 umol/L"
""")
    first = regimen.course.check(regimen.load_course(path), date(2026, 12, 6))  # both start 12-06 (+5 d)
    assert [(c.event.name, c.cleared) for c in first.checks] == [("Lenvatinib", False), ("Sintilimab", False)]  # 50 ≥ 2 x 21
    later = regimen.course.check(regimen.load_course(path), date(2026, 12, 20))
    assert later.checks == [] and later.cleared  # a daily lenvatinib dose is not gated again


def test_dose_levels_are_numbered_one_way_everywhere(course, plan_for):
    path = course(HEAD.replace("NCT05760430", "ablation-lenvatinib-pd1"))
    assert _cli("record", path, "level", "lenvatinib", "--date", "2026-12-20", "--level", "2", "--today", TODAY).exit_code == 0
    plan = regimen.replan(regimen.load_course(path), horizon="4w")
    later = [e for e in plan.for_activity("lenvatinib") if e.date >= date(2026, 12, 20)]
    assert {e.dose.text for e in later} == {"8 mg"}  # level 2 of 12 → 8 → 4 → 4 mg qod (72 kg)
    assert {json.loads(export_json.dumps(plan))["events"][-1]["dose"]["level"]} <= {1, 2, None}
    assert plan_for("ablation-lenvatinib-pd1", "experimental", levels={"lenvatinib": 2}).dose("lenvatinib").text == "8 mg"


def test_overdue_events_and_today_in_the_table(course):
    path = course(HEAD + _given("camrelizumab", "2026-12-08"))
    result = _cli("schedule", "--course", path, "--today", "2027-01-05", "--horizon", "8w")
    assert result.exit_code == 0
    assert "2026-12-15  d14  PVE" in result.output and "OVERDUE" in result.output.split("2026-12-15  d14  PVE")[1].splitlines()[0]
    lines = result.output.splitlines()
    marker = next(i for i, line in enumerate(lines) if "── today ──" in line)
    assert lines[marker].startswith("2027-01-05  d35")
    assert lines[marker + 1].startswith("2027-01-05  d35  Apatinib PO, qd to 2027-01-25") and lines[marker + 1].endswith("21 doses")  # from today on
    overdue = next(line for line in lines if "Apatinib PO, qd to 2027-01-04  250 mg  OVERDUE" in line)
    assert overdue.endswith("; 28 doses")  # 12-08 to 01-04, none recorded
    data = json.loads(_cli("schedule", "--course", path, "--today", "2027-01-05", "--horizon", "8w", "--format", "json").output)
    status = {(e["activity"], e["date"]): e["status"] for e in data["events"]}
    assert status[("camrelizumab", "2026-12-08")] == "given" and status[("camrelizumab", "2026-12-29")] == "overdue"
    assert status[("camrelizumab", "2027-01-19")] == "planned"


def test_course_new_record_undo_and_the_digest(tmp_path):
    path = tmp_path / "P-0042.toml"
    new = _cli("course", "new", path, "--protocol", "NCT05760430", "--arm", "experimental", "--start", "2026-12-01", "--weight", "72 kg")
    assert new.exit_code == 0, new.stderr
    assert _cli("course", "new", path, "--protocol", "NCT05760430", "--arm", "experimental", "--start", "2026-12-01",
                "--weight", "72 kg").stderr.startswith("Error: FILE: ")  # never overwritten
    named = _cli("course", "new", tmp_path / "x.toml", "--patient", "Jane Doe", "--protocol", "NCT05760430", "--arm", "experimental",
                 "--start", "2026-12-01", "--weight", "72 kg")
    assert named.exit_code == 2 and "never a name" in named.stderr
    first = _cli("record", path, "given", "camrelizumab", "--date", "2026-12-08", "--today", TODAY)
    late = _cli("record", path, "given", "camrelizumab", "--date", "2027-01-01", "--today", TODAY)
    assert first.exit_code == late.exit_code == 0
    assert "Camrelizumab #2 moves from 2026-12-29 to 2027-01-01" in late.stderr
    assert "Camrelizumab #3 moves from 2027-01-19 to 2027-01-22" in late.stderr
    lab = _cli("record", path, "lab", "tbil", "--date", "2027-01-01", "--value", "1.2 mg/dL", "--uln", "1.2 mg/dL", "--today", TODAY)
    assert lab.exit_code == 0 and regimen.load_course(path).labs[-1].name == "tbil"
    before_undo = path.read_text()
    undo = _cli("record", path, "undo")
    assert undo.exit_code == 0 and 'name = "tbil"' in undo.stderr
    def body(text):
        return re.sub(r"^(revision|changed) = .*\n", "", text, flags=re.M)

    assert regimen.load_course(path).labs == () and body(before_undo).startswith(body(path.read_text()).rstrip("\n"))
    assert regimen.load_course(path).revision == 5  # new, 2 doses, the lab, the undo: it never goes down


def test_a_changed_protocol_is_said_first_and_migrate_adopts_it(tmp_path):
    mine = tmp_path / "protocols"  # a site's own protocol file (one id per file on the search path)
    mine.mkdir()
    shipped = Path(regimen.load_protocol("NCT05760430").path).read_text(encoding="utf-8")
    (mine / "SITE-0001.toml").write_text(shipped.replace('id = "NCT05760430"', 'id = "SITE-0001"', 1))
    path = tmp_path / "P-0042.toml"
    assert _cli("--protocols", mine, "course", "new", path, "--protocol", "SITE-0001", "--arm", "experimental",
                "--start", "2026-12-01", "--weight", "72 kg").exit_code == 0
    text = (mine / "SITE-0001.toml").read_text().replace('timing = "q3w from +7d [3d..14d] after ctace"',
                                                        'timing = "q2w from +7d [3d..14d] after ctace"', 1)
    (mine / "SITE-0001.toml").write_text(text)
    plan = regimen.replan(regimen.load_course(path), protocol_dirs=[mine], horizon="6w")
    assert plan.warnings[0].startswith("PROTOCOL CHANGED: SITE-0001 is now version")
    assert "for arm experimental: camrelizumab: rule, dose or gates differ" in plan.warnings[0]
    moved = _cli("--protocols", mine, "course", "migrate", path, "--on", "2026-12-20")
    assert moved.exit_code == 0, moved.stderr
    after = regimen.replan(regimen.load_course(path), protocol_dirs=[mine], horizon="6w")
    assert not after.warnings[0].startswith("PROTOCOL CHANGED")
    assert regimen.load_course(path).migrations[0][0] == date(2026, 12, 20)


def _writer(path: str, start_day: int, count: int) -> None:
    for n in range(count):
        day = date.fromordinal(date(2026, 12, 2).toordinal() + start_day + n)
        record(path, "lab", "albumin", when=day, value=f"{30 + n % 10} g/L", today=date(2027, 12, 31))


def test_two_writers_in_parallel_never_lose_a_record(tmp_path):
    path = tmp_path / "P-0001.toml"
    path.write_text(HEAD)
    context = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
    writers = [context.Process(target=_writer, args=(str(path), offset, 100)) for offset in (0, 100)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(120)
    assert [w.exitcode for w in writers] == [0, 0]
    assert len(regimen.load_course(path).labs) == 200
    assert sorted(p.name for p in tmp_path.iterdir()) == ["P-0001.toml"]  # no temporary file left
