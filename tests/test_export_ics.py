"""The .ics, parsed back by icalendar and expanded by recurring-ical-events, matches the plan."""

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta

import icalendar
import pytest
import recurring_ical_events

import regimen
from regimen.export import ics

ARMS = [(p.id, a.id) for p in regimen.list_protocols() for a in p.arms]
REFERENCE = regimen.Patient.from_measurements("72 kg", "170 cm")


def _plan(protocol: str, arm: str, **options):
    return regimen.schedule(protocol, arm, REFERENCE, "2026-12-01", **options)


def _expanded(text: str, first: date, last: date) -> dict[str, list[date]]:
    calendar = icalendar.Calendar.from_ical(text)
    days = defaultdict(list)
    for event in recurring_ical_events.of(calendar).between(first, last + timedelta(days=1)):
        if str(event["X-REGIMEN-ACTIVITY"]) == "screening":
            continue  # a task before day 0 (issue 16), not an event of the plan
        start = event.start
        # a visit (issue 12) lists its same-day procedure and infusions: each counts for its activity
        members = str(event.get("X-REGIMEN-MEMBERS", "")).split() or [f"-/-/{event['X-REGIMEN-ACTIVITY']}"]
        for key in members:
            days[key.split("/")[2]].append(start.date() if isinstance(start, datetime) else start)
    return {activity: sorted(found) for activity, found in days.items()}


@pytest.mark.parametrize(("protocol", "arm"), ARMS, ids=[f"{p}/{a}" for p, a in ARMS])
def test_ics_expands_to_exactly_the_plans_days_for_every_activity(protocol, arm):
    plan = _plan(protocol, arm, horizon="52w")
    expected = defaultdict(list)
    for event in plan:
        expected[event.activity].append(event.date)
    assert _expanded(ics.dumps(plan), plan.start, plan.horizon_end) == dict(expected)


def test_home_dosing_is_one_recurring_event_with_days_off_excluded():
    text = ics.dumps(_plan("NCT05233358", "haic", horizon="8w"))
    calendar = icalendar.Calendar.from_ical(text)
    regorafenib = [e for e in calendar.walk("VEVENT") if str(e["X-REGIMEN-ACTIVITY"]) == "regorafenib"]
    assert len(regorafenib) == 1
    rule = regorafenib[0]["RRULE"]
    assert rule["FREQ"] == ["DAILY"] and rule["UNTIL"] == [date(2027, 1, 25)]
    skipped = sorted(d.dt for exdate in [regorafenib[0]["EXDATE"]] for d in exdate.dts)
    assert skipped == [date(2026, 12, 29) + timedelta(days=n) for n in range(7)]  # days 22-28 of cycle 1


def test_all_day_events_are_dates_never_shifted_by_time_zone():
    text = ics.dumps(_plan("NCT05760430", "experimental"))
    assert "DTSTART;VALUE=DATE:20261215" in text  # PVE
    assert "DTSTART:2026" not in text and "TZID" not in text


def test_timed_clinic_events_carry_their_vtimezone_and_home_dosing_stays_all_day():
    plan = _plan("NCT05233358", "haic", horizon="3w")
    text = ics.dumps(plan, at=time(9, 0), tz="Asia/Shanghai")
    calendar = icalendar.Calendar.from_ical(text)
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Asia/Shanghai"]
    # the HAIC visit (issue 12) holds the 5-FU pump: HAIC, oxaliplatin, leucovorin and the bolus (60 min each, the
    # protocol's default), then the 46-h pump: it lasts 4 h + 46 h = 50 h, until the pump comes off
    infusion = next(e for e in calendar.walk("VEVENT") if "fluorouracil_infusion" in str(e.get("X-REGIMEN-MEMBERS", "")))
    assert infusion.start.isoformat() == "2026-12-01T09:00:00+08:00"
    assert infusion.end - infusion.start == timedelta(hours=50)
    regorafenib = next(e for e in calendar.walk("VEVENT") if str(e["X-REGIMEN-ACTIVITY"]) == "regorafenib")
    assert regorafenib.start == date(2026, 12, 8)


def test_uids_are_unique_and_stable_across_runs():
    first = icalendar.Calendar.from_ical(ics.dumps(_plan("NCT05760430", "experimental")))
    again = icalendar.Calendar.from_ical(ics.dumps(_plan("NCT05760430", "experimental")))
    uids = [str(e["UID"]) for e in first.walk("VEVENT")]
    assert len(set(uids)) == len(uids)
    assert uids == [str(e["UID"]) for e in again.walk("VEVENT")]
    assert ics.uid_for("NCT05760430/experimental/pve/1", ics.calendar_id(_plan("NCT05760430", "experimental"))) in uids


def test_two_patients_on_one_arm_never_share_a_uid(plan_for):
    one = icalendar.Calendar.from_ical(ics.dumps(plan_for("NCT05760430", "experimental", weight="72 kg")))
    two = icalendar.Calendar.from_ical(ics.dumps(plan_for("NCT05760430", "experimental", weight="80 kg")))
    uids = [{str(e["UID"]) for e in c.walk("VEVENT")} | {str(c["UID"])} for c in (one, two)]
    assert uids[0].isdisjoint(uids[1])


def test_same_inputs_give_byte_identical_files_and_source_date_epoch_sets_dtstamp(monkeypatch):
    plan = _plan("NCT05760430", "control")
    assert ics.dumps(plan) == ics.dumps(_plan("NCT05760430", "control"))
    today = datetime.now(UTC).strftime("%Y%m%d")
    assert f"DTSTAMP:{today}T000000Z" in ics.dumps(plan)  # the export's day, never day 0
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1790000000")
    assert "DTSTAMP:20260921T141320Z" in ics.dumps(plan)


def test_description_carries_dose_derivation_and_window():
    calendar = icalendar.Calendar.from_ical(ics.dumps(_plan("NCT05760430", "experimental")))
    first = next(e for e in calendar.walk("VEVENT") if str(e["X-REGIMEN-KEY"]) == "NCT05760430/experimental/camrelizumab/1")
    description = str(first["DESCRIPTION"])
    assert "Allowed window: 2026-12-04 to 2026-12-15 (nominal 2026-12-08)" in description
    assert "3 mg/kg × 72 kg = 216 mg" in description
    assert str(first["SUMMARY"]) == "Camrelizumab 216 mg IV"


def test_conditional_events_are_tentative():
    calendar = icalendar.Calendar.from_ical(ics.dumps(_plan("NCT05233358", "tace")))
    statuses = {str(e["X-REGIMEN-ACTIVITY"]): str(e["STATUS"]) for e in calendar.walk("VEVENT")}
    assert statuses["tace_repeat"] == "TENTATIVE" and statuses["tace"] == "CONFIRMED"


def test_reminders_and_label():
    text = ics.dumps(_plan("NCT05760430", "experimental", horizon="2w"), remind=timedelta(days=1), label="Bed 12 plan")
    calendar = icalendar.Calendar.from_ical(text)
    assert str(calendar["X-WR-CALNAME"]) == "Bed 12 plan"
    alarms = [a for e in calendar.walk("VEVENT") for a in e.walk("VALARM")]
    assert alarms and all(a["TRIGGER"].dt == timedelta(days=-1) for a in alarms)


def test_no_label_means_nothing_identifies_the_patient():
    text = ics.dumps(_plan("NCT05760430", "experimental"))
    calendar = icalendar.Calendar.from_ical(text)
    # TEXT, escaped as RFC 5545 §3.3.11 says (issue 15); icalendar hands X- and NAME values back raw
    assert str(calendar["X-WR-CALNAME"]) == "NCT05760430 Experimental: cTACE\\, PVE\\, camrelizumab and apatinib"
