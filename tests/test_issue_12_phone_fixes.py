"""Issue #12, walkthrough of the phone calendar: --replaces updates each event in place (the
contraception milestone included), refuses a file that is not this calendar's last export and
never cancels what regimen did not make; a HAIC visit lasts until the pump comes off."""

from collections import Counter

import icalendar
import pytest
from conftest import run_cli, run_ok

import regimen

ARMS = [(p.id, a.id) for p in regimen.list_protocols() for a in p.arms]
PATIENT = ["--weight", "80 kg", "--height", "170 cm", "--start", "2026-12-01"]
TIMED = ["--format", "ics", "--time", "default=09:00", "--tz", "Asia/Shanghai"]


@pytest.fixture(autouse=True)
def fixed(monkeypatch):
    monkeypatch.setenv("TZ", "Europe/Paris")
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)


def _export(protocol, arm, target, *extra, horizon="12w"):
    run_ok("schedule", protocol, "--arm", arm, *PATIENT, "--horizon", horizon, *TIMED, "-o", target, *extra)
    return icalendar.Calendar.from_ical(target.read_bytes())


def _uids(calendar):
    return Counter(str(c["UID"]) for c in calendar.walk("VEVENT"))


def _milestone(calendar):
    return next(c for c in calendar.walk("VEVENT") if "milestone" in str(c["CATEGORIES"].to_ical()))


@pytest.mark.parametrize("horizon", ["12w", "8w"], ids=["same", "shorter"])
@pytest.mark.parametrize(("protocol", "arm"), ARMS, ids=[f"{p}/{a}" for p, a in ARMS])
def test_replaces_never_sends_one_uid_twice(protocol, arm, horizon, tmp_path):
    _export(protocol, arm, tmp_path / "old.ics")
    new = _export(protocol, arm, tmp_path / "new.ics", "--replaces", tmp_path / "old.ics", horizon=horizon)
    assert [uid for uid, n in _uids(new).items() if n > 1] == []


def test_the_contraception_milestone_is_updated_in_place(tmp_path):
    # control arm, 80 kg, day 0 2026-12-01: the milestone is the last dose + 3 calendar months. Re-exported
    # unchanged it is the same event (SEQUENCE 0, confirmed); with 8 weeks the last dose is earlier, so its
    # date moves and it goes to SEQUENCE 1, still confirmed: one event, never cancelled and sent again.
    old = _milestone(_export("NCT05760430", "control", tmp_path / "old.ics"))
    same = _milestone(_export("NCT05760430", "control", tmp_path / "same.ics", "--replaces", tmp_path / "old.ics"))
    assert (str(same["UID"]), same["SEQUENCE"], str(same["STATUS"])) == (str(old["UID"]), 0, "CONFIRMED")
    moved = _milestone(_export("NCT05760430", "control", tmp_path / "short.ics", "--replaces", tmp_path / "old.ics", horizon="8w"))
    assert str(moved["UID"]) == str(old["UID"]) and moved["SEQUENCE"] == 1 and str(moved["STATUS"]) == "CONFIRMED"
    assert moved.decoded("DTSTART") < old.decoded("DTSTART")


def test_a_course_replaces_its_milestone_in_place(tmp_path):
    course = tmp_path / "P-0009.toml"
    run_ok("course", "new", course, "--protocol", "NCT05760430", "--arm", "control", "--start", "2026-12-01", "--weight", "80 kg")
    args = ["schedule", "--course", course, "--today", "2026-12-01", *TIMED]
    run_ok(*args, "--horizon", "12w", "-o", tmp_path / "v1.ics")
    run_ok(*args, "--horizon", "8w", "--replaces", tmp_path / "v1.ics", "-o", tmp_path / "v2.ics")
    v2 = icalendar.Calendar.from_ical((tmp_path / "v2.ics").read_bytes())
    assert [uid for uid, n in _uids(v2).items() if n > 1] == []
    assert str(_milestone(v2)["STATUS"]) == "CONFIRMED"


def _refused(*args):
    result = run_cli(*args)
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    return result.stderr.strip().splitlines()[-1]


def test_replaces_refuses_another_arms_calendar_and_cancels_nothing(tmp_path):
    _export("NCT05760430", "control", tmp_path / "control.ics")
    line = _refused("schedule", "NCT05760430", "--arm", "experimental", *PATIENT, "--horizon", "12w", *TIMED,
                    "--replaces", tmp_path / "control.ics", "-o", tmp_path / "new.ics")
    assert line.startswith("Error: --replaces: ") and "control.ics is the calendar of 'NCT05760430' arm 'control'" in line
    assert "NCT05760430 arm experimental" in line and not (tmp_path / "new.ics").exists()


def test_replaces_refuses_another_patients_plain_plan(tmp_path):
    _export("NCT05760430", "control", tmp_path / "old.ics")
    line = _refused("schedule", "NCT05760430", "--arm", "control", "--weight", "81 kg", "--start", "2026-12-01", "--horizon", "12w",
                    *TIMED, "--replaces", tmp_path / "old.ics")
    assert "old.ics is another calendar of the same arm" in line


def test_replaces_refuses_a_calendar_regimen_did_not_make(tmp_path):
    (tmp_path / "phone.ics").write_text("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//phone//EN\r\nBEGIN:VEVENT\r\nUID:dentist@x\r\n"
                                        "DTSTAMP:20261201T000000Z\r\nDTSTART;VALUE=DATE:20261210\r\nSUMMARY:Dentist\r\nEND:VEVENT\r\n"
                                        "END:VCALENDAR\r\n", newline="")
    line = _refused("schedule", "NCT05760430", "--arm", "control", *PATIENT, *TIMED, "--replaces", tmp_path / "phone.ics")
    assert "phone.ics is not a calendar regimen exported, not a previous export of this calendar" in line


def test_an_event_regimen_did_not_make_is_never_cancelled(tmp_path):
    _export("NCT05760430", "control", tmp_path / "old.ics")
    dentist = ("BEGIN:VEVENT\r\nUID:dentist@x\r\nDTSTAMP:20261201T000000Z\r\nDTSTART;VALUE=DATE:20261210\r\n"
               "SUMMARY:Dentist\r\nX-REGIMEN-KEY:NCT05760430/control/atezolizumab/1\r\nEND:VEVENT\r\n")
    text = (tmp_path / "old.ics").read_bytes().decode().replace("END:VCALENDAR", dentist + "END:VCALENDAR")
    (tmp_path / "mixed.ics").write_bytes(text.encode())
    new = _export("NCT05760430", "control", tmp_path / "new.ics", "--replaces", tmp_path / "mixed.ics")
    assert "dentist@x" not in _uids(new)  # neither cancelled nor sent back: it is not ours to change
    assert all(str(c["STATUS"]) != "CANCELLED" for c in new.walk("VEVENT"))  # nothing of ours vanished either


def test_replaces_with_a_csv_or_a_folder_is_one_regimen_line(tmp_path):
    (tmp_path / "cohort.csv").write_text("id,weight,start\n1,72 kg,2026-12-01\n")
    (tmp_path / "FOLDER").mkdir()
    base = ["schedule", "NCT05760430", "--arm", "control", *PATIENT, *TIMED]
    csv = _refused(*base, "--replaces", tmp_path / "cohort.csv")
    assert csv == (f"Error: --replaces: {tmp_path / 'cohort.csv'} is not an iCalendar file (BEGIN:VCALENDAR expected); "
                   "give the .ics this calendar was last exported as")
    folder = _refused(*base, "--replaces", tmp_path / "FOLDER")
    assert folder.startswith(f"Error: --replaces: {tmp_path / 'FOLDER'} is not a regular file") and "Invalid value" not in folder


def _timed(protocol, arm, *extra, horizon="3w"):
    result = run_ok("schedule", protocol, "--arm", arm, "--weight", "72 kg", "--height", "170 cm", "--start", "2026-12-01",
                 "--horizon", horizon, "--format", "ics", "--tz", "Asia/Shanghai", *extra)
    return {str(e["X-REGIMEN-KEY"]): e for e in icalendar.Calendar.from_ical(result.stdout).walk("VEVENT")}


def test_a_haic_visit_lasts_its_parts_one_after_another_the_pump_last():
    visit = _timed("NCT05233358", "haic", "--time", "haic=08:00")["NCT05233358/haic/haic/1/visit"]
    # HAIC, oxaliplatin, leucovorin, the bolus: 60 min each (the protocol's default, an assumption), then the
    # 46-h pump: 4 h + 46 h = 50 h, from 2026-12-01 08:00 to 2026-12-03 10:00 (before: 46 h, ending at 06:00)
    assert (visit.start.isoformat(), visit.end.isoformat()) == ("2026-12-01T08:00:00+08:00", "2026-12-03T10:00:00+08:00")
    assert "Booked for 50 h: its parts one after another, in the order above:" in str(visit["DESCRIPTION"])


def test_the_next_event_of_a_haic_day_waits_for_the_clinic_parts_not_the_pump_worn_home():
    # NCT06187961 conversion, 2027-02-02 (day 63): HAIC cycle 4 and the first imaging, both at the default 09:00.
    # The visit's clinic parts take 4 h (09:00-13:00), then the pump goes home for 46 h: imaging at 13:00.
    events = _timed("NCT06187961", "conversion", "--time", "09:00", horizon="12w")
    visit, imaging = events["NCT06187961/conversion/haic/4/visit"], events["NCT06187961/conversion/imaging/1"]
    assert visit.start.isoformat() == "2027-02-02T09:00:00+08:00" and visit.end.isoformat() == "2027-02-04T11:00:00+08:00"
    assert (imaging.start.isoformat(), imaging.end.isoformat()) == ("2027-02-02T13:00:00+08:00", "2027-02-02T14:00:00+08:00")
