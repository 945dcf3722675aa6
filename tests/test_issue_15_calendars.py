"""Issue #15, item 8: calendars other software can trust — UIDs per patient, SEQUENCE that never
goes down, cancellations from the previous export, DTSTAMP from the course's last change."""

from datetime import datetime

import icalendar
import pytest
from click.testing import CliRunner

from regimen.cli import main

TODAY = "2027-03-01"


def _cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def _ok(*args):
    result = _cli(*args)
    assert result.exit_code == 0, result.stderr
    return result


def _events(path):
    calendar = icalendar.Calendar.from_ical(path.read_bytes())
    return {str(e["X-REGIMEN-KEY"]): e for e in calendar.walk("VEVENT")}, calendar


@pytest.fixture
def new(tmp_path, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)

    def make(name: str, protocol: str = "NCT05760430", arm: str = "control", *extra):
        path = tmp_path / f"{name}.toml"
        _ok("course", "new", path, "--protocol", protocol, "--arm", arm, "--start", "2026-12-01", "--weight", "80 kg", *extra)
        return path

    return make


def _export(course, target, *extra, horizon="12w"):
    # --separate: one event per drug, so these tests follow each event's SEQUENCE (visits: tests/test_issue_12_phone.py)
    _ok("schedule", "--course", course, "--today", TODAY, "--horizon", horizon, "--format", "ics", "--separate", "-o", target, *extra)
    return target


def test_two_patients_with_the_same_plan_never_share_a_uid(new, tmp_path):
    one, two = new("P-0001"), new("P-0002")
    first, cal_one = _events(_export(one, tmp_path / "one.ics"))
    second, cal_two = _events(_export(two, tmp_path / "two.ics"))
    assert set(first) == set(second)  # the same events...
    assert {str(e["UID"]) for e in first.values()}.isdisjoint(str(e["UID"]) for e in second.values())  # ...never the same UIDs
    assert str(cal_one["UID"]) != str(cal_two["UID"])
    assert "P-0001" not in (tmp_path / "one.ics").read_text()  # no pseudonym unless --label puts it there


def test_sequence_rises_on_every_change_and_never_goes_down(new, tmp_path):
    course = new("P-0003")
    v1, _ = _events(_export(course, tmp_path / "v1.ics"))
    assert {e["SEQUENCE"] for e in v1.values()} == {0}
    _ok("record", course, "weight", "--date", "2026-12-20", "--value", "68 kg", "--today", TODAY)  # -15%: bevacizumab recalculated
    v2, _ = _events(_export(course, tmp_path / "v2.ics", "--replaces", tmp_path / "v1.ics"))
    changed = {key for key in v2 if v2[key]["SEQUENCE"] == 1}
    assert {k.rsplit("/", 2)[1] for k in changed} == {"bevacizumab"}  # 1200 mg → 1020 mg from C2 (2026-12-29) on
    assert all(v2[k]["SEQUENCE"] == 0 for k in v2 if k not in changed)
    _ok("record", course, "undo")  # the weight goes: the doses change back...
    v3, _ = _events(_export(course, tmp_path / "v3.ics", "--replaces", tmp_path / "v2.ics"))
    assert all(v3[k]["SEQUENCE"] == 2 for k in changed)  # ...and SEQUENCE rises again, never back to 0
    assert all(v3[k]["SEQUENCE"] >= v2[k]["SEQUENCE"] for k in v2)


def test_without_the_previous_export_sequence_follows_the_course_revision(new, tmp_path):
    course = new("P-0004")
    _ok("record", course, "given", "atezolizumab", "--date", "2026-12-10", "--today", TODAY)
    after_record, _ = _events(_export(course, tmp_path / "a.ics"))
    _ok("record", course, "undo")
    _ok("record", course, "given", "atezolizumab", "--date", "2026-12-10", "--today", TODAY)
    again, _ = _events(_export(course, tmp_path / "b.ics"))
    key = "NCT05760430/control/atezolizumab/1"
    assert (after_record[key]["SEQUENCE"], again[key]["SEQUENCE"]) == (2, 4)  # revisions 2 and 4: undo raised it too
    stamp = again[key]["DTSTAMP"].dt
    assert isinstance(stamp, datetime) and stamp.date() >= datetime(2026, 12, 1).date()  # the course's last change, not day 0


def test_an_event_of_the_previous_export_that_is_gone_is_cancelled(new, tmp_path):
    course = new("P-0005", "NCT05233358", "haic", "--height", "170 cm")
    _ok("record", course, "skipped", "haic", "--occurrence", "2", "--today", TODAY)
    _export(course, tmp_path / "v1.ics", horizon="30w")
    v1, _ = _events(tmp_path / "v1.ics")
    assert "NCT05233358/haic/haic/7" in v1  # six given plus one skipped: HAIC #7 exists only while #2 is skipped
    _ok("record", course, "discontinued", "haic", "--date", "2027-01-05", "--today", TODAY)
    _export(course, tmp_path / "v2.ics", "--replaces", tmp_path / "v1.ics", horizon="30w")
    v2, _ = _events(tmp_path / "v2.ics")
    gone = v2["NCT05233358/haic/haic/7"]
    assert str(gone["STATUS"]) == "CANCELLED" and gone["SEQUENCE"] == v1["NCT05233358/haic/haic/7"]["SEQUENCE"] + 1
    assert str(v2["NCT05233358/haic/oxaliplatin/7"]["STATUS"]) == "CANCELLED"


def test_an_event_pushed_past_the_horizon_is_not_cancelled(new, tmp_path):
    course = new("P-0006")
    v1, _ = _events(_export(course, tmp_path / "v1.ics"))  # 12 weeks: to 2027-02-22; atezolizumab C4 on 2027-02-09
    assert "NCT05760430/control/atezolizumab/4" in v1
    _ok("record", course, "given", "atezolizumab", "--date", "2026-12-22", "--today", TODAY)  # 14 days late: C4 moves to 02-23
    v2, _ = _events(_export(course, tmp_path / "v2.ics", "--replaces", tmp_path / "v1.ics"))
    assert "NCT05760430/control/atezolizumab/4" not in v2  # past the horizon now: left alone, not cancelled
    v3, _ = _events(_export(course, tmp_path / "v3.ics"))  # the course-revision path likewise
    assert "NCT05760430/control/atezolizumab/4" not in v3

