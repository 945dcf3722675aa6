"""Issue 15: timed calendars carry a VTIMEZONE other software can trust.

RRULE-based STANDARD and DAYLIGHT rules for the plan's years only, no COMMENT inside VTIMEZONE
(RFC 5545 §3.6.5 allows none), and an independent reader (vobject) gives every event the right
UTC offset on both sides of each daylight-saving change.
"""

from datetime import date, timedelta

import icalendar
import pytest
import vobject
from click.testing import CliRunner

from regimen.cli import main
from regimen.export.ics import vtimezone

NEW_YORK = ["schedule", "NCT05760430", "--arm", "control", "--start", "2026-12-01", "--weight", "72 kg", "--horizon", "1y",
            "--format", "ics", "--time", "09:00", "--tz", "America/New_York"]


def _ics(args) -> str:
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    return result.stdout_bytes.decode("utf-8")


def _timezone_block(text: str) -> list[str]:
    lines = text.replace("\r\n ", "").split("\r\n")
    return lines[lines.index("BEGIN:VTIMEZONE"):lines.index("END:VTIMEZONE") + 1]


def test_the_vtimezone_uses_yearly_rules_for_the_plans_years_only():
    block = _timezone_block(_ics(NEW_YORK))
    assert block == [
        "BEGIN:VTIMEZONE", "TZID:America/New_York",
        "BEGIN:STANDARD", "DTSTART:20251102T020000", "RRULE:FREQ=YEARLY;UNTIL=20271107T060000Z;BYDAY=1SU;BYMONTH=11",
        "TZNAME:EST", "TZOFFSETFROM:-0400", "TZOFFSETTO:-0500", "END:STANDARD",
        "BEGIN:DAYLIGHT", "DTSTART:20260308T020000", "RRULE:FREQ=YEARLY;UNTIL=20270314T070000Z;BYDAY=2SU;BYMONTH=3",
        "TZNAME:EDT", "TZOFFSETFROM:-0500", "TZOFFSETTO:-0400", "END:DAYLIGHT",
        "END:VTIMEZONE",
    ]
    assert not any(line.startswith(("COMMENT", "RDATE")) for line in block)


def test_every_event_has_the_right_utc_offset_on_both_sides_of_each_change_read_by_vobject():
    calendar = vobject.readOne(_ics(NEW_YORK))
    offsets = {}
    for event in calendar.vevent_list:
        start = event.dtstart.value
        if hasattr(start, "hour"):  # timed clinic events; home dosing stays all-day
            assert (start.hour, start.minute) >= (9, 0)  # 09:00, or later that day after the event before it (issue 12)
            offsets[start.date()] = start.utcoffset()
    march, november = date(2027, 3, 14), date(2027, 11, 7)
    before_march = [d for d in offsets if d < march]
    summer = [d for d in offsets if march <= d < november]
    after_november = [d for d in offsets if d >= november]
    assert before_march and summer and after_november  # the plan crosses both changes
    assert {offsets[d] for d in before_march} == {timedelta(hours=-5)}
    assert {offsets[d] for d in summer} == {timedelta(hours=-4)}
    assert {offsets[d] for d in after_november} == {timedelta(hours=-5)}


@pytest.mark.parametrize(("zone", "kinds"), [
    ("Asia/Shanghai", ["STANDARD"]),
    ("Europe/London", ["STANDARD", "DAYLIGHT"]),
    ("Australia/Sydney", ["DAYLIGHT", "STANDARD"]),
])
def test_zones_with_and_without_daylight_saving(zone, kinds):
    timezone = vtimezone(zone, 2027, 2028)
    assert [c.name for c in timezone.subcomponents] == kinds
    assert "COMMENT" not in timezone


def test_icalendar_reads_the_same_offsets():
    calendar = icalendar.Calendar.from_ical(_ics(NEW_YORK))
    for event in calendar.walk("VEVENT"):
        start = event.decoded("DTSTART")
        if hasattr(start, "hour"):
            expected = -4 if date(2027, 3, 14) <= start.date() < date(2027, 11, 7) else -5
            assert start.utcoffset() == timedelta(hours=expected), start
