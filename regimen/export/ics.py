"""Plan -> iCalendar (RFC 5545), for Outlook, Google and Apple calendars.

* Dose-days and clinic days are all-day events (``VALUE=DATE``), so they never shift a day for
  users east or west of UTC. With ``time``, clinic events (procedures, assessments and infused
  drugs) are timed in ``tz`` and the file carries that zone's VTIMEZONE.
* Home dosing (a drug repeated every day or every other day) is one recurring event per dose:
  an RRULE with an EXDATE for each day off, rather than hundreds of events.
* UIDs are UUIDv5 of the plan's stable event keys, so a re-export updates events in place.
* DTSTAMP comes from ``SOURCE_DATE_EPOCH`` when set, otherwise from day 0 at 00:00 UTC: the same
  inputs give byte-identical files.
* No patient name or identifier appears unless ``label`` is given.
"""

from __future__ import annotations

import math
import os
import uuid
from datetime import UTC, date, datetime, time, timedelta
from functools import reduce
from itertools import pairwise
from pathlib import Path

from icalendar import Alarm, Calendar, Event

from ..errors import InputError
from ..plan import Event as PlanEvent
from ..plan import Plan
from ..units import format_number

__all__ = ["NAMESPACE", "dumps", "stamp_for", "system_zone", "uid_for"]

NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://regimen.invalid/events")
PRODID = "-//regimen//regimen calendar export//EN"


def uid_for(key: str) -> str:
    return f"{uuid.uuid5(NAMESPACE, key)}@regimen"


def dumps(plan: Plan, *, at: time | None = None, tz: str | None = None, remind: timedelta | None = None,
          label: str | None = None, stamp: datetime | None = None, baseline: Plan | None = None, sequence: int = 0) -> str:
    """The plan as iCalendar text.

    With ``baseline`` (the plan as first exported, for a re-planned course), events keep their
    UIDs; those whose dates or contents changed carry SEQUENCE ``sequence`` (the course's count
    of recorded events, which only grows), and events of the baseline that no longer exist are
    sent with STATUS:CANCELLED, so a calendar client updates instead of duplicating.
    """
    zone = _zone(tz or system_zone()) if at is not None else None
    stamp = stamp or _stamp(plan)
    name = label or f"{plan.protocol.id} {plan.arm.label}"
    calendar = Calendar.new(
        prodid=PRODID,
        uid=uid_for(f"{plan.protocol.id}/{plan.arm.id}/calendar"),
        name=name,
    )
    if plan.warnings:
        calendar.add("description", "\n".join(plan.warnings))
    components = _components(plan, stamp, remind, at, zone)
    if baseline is not None:
        components = _updates(components, _components(baseline, stamp, remind, at, zone), sequence)
    for component in components:
        calendar.add_component(component)
    if zone is not None:
        calendar.add_missing_timezones()
    return calendar.to_ical().decode("utf-8")


def _components(plan: Plan, stamp: datetime, remind: timedelta | None, at: time | None, zone) -> list[Event]:
    home = plan.home_dosed()
    components = []
    for group in plan.grouped():
        if group[0].status in ("held", "skipped") and group[0].activity in home:
            continue  # home doses not taken: the gaps are EXDATEs of the series around them
        if len(group) > 1:
            components.append(_series(plan, group, stamp, remind))
        else:
            components.append(_single(plan, group[0], stamp, remind, at, zone))
    return components


_COMPARED = ("DTSTART", "DTEND", "RRULE", "EXDATE", "SUMMARY", "DESCRIPTION", "STATUS")


def _updates(current: list[Event], baseline: list[Event], sequence: int) -> list[Event]:
    before = {str(c["UID"]): c for c in baseline}
    result = []
    for component in current:
        old = before.pop(str(component["UID"]), None)
        if old is not None and _signature(old) != _signature(component):
            component["SEQUENCE"] = sequence
        result.append(component)
    for gone in before.values():  # in the first export, not in this one: cancel it in place
        gone["STATUS"] = "CANCELLED"
        gone["SEQUENCE"] = sequence
        result.append(gone)
    return result


def _signature(component: Event) -> tuple[bytes, ...]:
    return tuple(component[name].to_ical() if name in component and not isinstance(component[name], list)
                 else b"|".join(v.to_ical() for v in component[name]) if name in component else b"" for name in _COMPARED)


def _base(plan: Plan, event: PlanEvent, uid_key: str, stamp: datetime, summary: str, description: list[str]) -> Event:
    component = Event.new(
        uid=uid_for(uid_key),
        stamp=stamp,
        summary=summary,
        description="\n".join(description),
        categories=[event.kind],
        status="CANCELLED" if event.status in ("held", "skipped") else "TENTATIVE" if event.conditional else "CONFIRMED",
        sequence=0,
    )
    component.add("x-regimen-activity", event.activity)
    component.add("x-regimen-key", uid_key)
    return component


def _single(plan: Plan, event: PlanEvent, stamp: datetime, remind: timedelta | None, at: time | None, zone) -> Event:
    component = _base(plan, event, event.key, stamp, _summary(event), _description(plan, event))
    timed = at is not None and zone is not None and not (event.kind == "drug" and event.route == "PO")
    if timed:
        start = datetime.combine(event.date, at, tzinfo=zone)
        component.add("dtstart", start)
        if event.duration_hours:
            component.add("dtend", start + timedelta(hours=event.duration_hours))
    else:
        component.add("dtstart", event.date)
        days = 1 + (math.ceil(event.duration_hours / 24) if event.duration_hours else 0)
        component.add("dtend", event.date + timedelta(days=days))
        component.add("transp", "TRANSPARENT")
    _alarm(component, remind, event.name)
    return component


def _series(plan: Plan, run: list[PlanEvent], stamp: datetime, remind: timedelta | None) -> Event:
    first, last = run[0], run[-1]
    dates = [e.date for e in run]
    step = reduce(math.gcd, ((b - a).days for a, b in pairwise(dates)))
    taken = set(dates)
    skipped = [first.date + timedelta(days=n) for n in range(0, (last.date - first.date).days + 1, step)]
    skipped = [d for d in skipped if d not in taken]
    description = _description(plan, first)
    description.insert(0, f"{len(run)} doses from {first.date.isoformat()} to {last.date.isoformat()}" + (f", {len(skipped)} days off" if skipped else ""))
    component = _base(plan, first, f"{first.key}/series", stamp, _summary(first), description)
    component.add("dtstart", first.date)
    component.add("dtend", first.date + timedelta(days=1))
    component.add("transp", "TRANSPARENT")
    rule = {"freq": "daily", "until": last.date}
    if step > 1:
        rule["interval"] = step
    component.add("rrule", rule)
    if skipped:
        component.add("exdate", skipped)
    _alarm(component, remind, first.name)
    return component


def _summary(event: PlanEvent) -> str:
    parts = [event.name]
    if event.dose is not None:
        parts.append(event.dose.text)
    if event.route:
        parts.append(event.route)
    if event.cycle is not None and event.kind != "drug":
        parts.append(f"(cycle {event.cycle})")
    text = " ".join(parts)
    return f"{text} (conditional)" if event.conditional else text


def _description(plan: Plan, event: PlanEvent) -> list[str]:
    lines = []
    if event.has_window:
        lines.append(f"Allowed window: {event.earliest.isoformat()} to {event.latest.isoformat()} (nominal {event.date.isoformat()})")
    if event.conditional:
        lines.append(f"Conditional: {event.condition}")
    if event.duration_hours:
        lines.append(f"Duration: {format_number(event.duration_hours)} hours from the start")
    dose = event.dose
    if dose is not None:
        lines.append(f"Dose: {dose.text}" + (f"; take {dose.take}" if dose.take else ""))
        lines.extend(f"  {line}" for line in dose.derivation)
    lines.extend(event.notes)
    lines.append(f"{plan.protocol.id}, arm {plan.arm.id} (encoding {plan.protocol.version}); day 0 = {plan.start.isoformat()}")
    return lines


def _alarm(component: Event, remind: timedelta | None, name: str) -> None:
    if remind is None:
        return
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", f"Reminder: {name}")
    alarm.add("trigger", -remind)
    component.add_component(alarm)


def _stamp(plan: Plan) -> datetime:
    return stamp_for(plan.start)


def stamp_for(day: date) -> datetime:
    """DTSTAMP: ``SOURCE_DATE_EPOCH`` when set, else ``day`` at 00:00 UTC (the same inputs, the same bytes)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        try:
            return datetime.fromtimestamp(int(epoch), tz=UTC)
        except (ValueError, OverflowError, OSError):
            raise InputError("SOURCE_DATE_EPOCH", f"{epoch!r} is not a Unix timestamp in whole seconds") from None
    return datetime.combine(day, time(0), tzinfo=UTC)


def _zone(name: str):
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError("--tz", f"{name!r} is not a known time zone; give an IANA name like Asia/Shanghai or Europe/London") from None


def system_zone() -> str:
    """The machine's IANA zone name: $TZ, /etc/timezone, or the /etc/localtime link; else UTC."""
    name = os.environ.get("TZ", "").lstrip(":")
    if (name and "/" in name) or name == "UTC":
        return name
    try:
        text = Path("/etc/timezone").read_text(encoding="utf-8").strip()
        if text:
            return text
    except OSError:
        pass
    try:
        target = str(Path("/etc/localtime").resolve())
        if "zoneinfo/" in target:
            return target.split("zoneinfo/", 1)[1]
    except OSError:
        pass
    return "UTC"


