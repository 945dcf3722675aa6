"""Plan -> iCalendar (RFC 5545), for Outlook, Google and Apple calendars.

* Dose-days and clinic days are all-day events (``VALUE=DATE``), so they never shift a day for
  users east or west of UTC. With ``time``, clinic events (procedures, assessments and infused
  drugs) are timed in ``tz`` and the file carries that zone's VTIMEZONE.
* Home dosing (a drug repeated every day or every other day) is one recurring event per dose:
  an RRULE with an EXDATE for each day off, rather than hundreds of events.
* UIDs are UUIDv5 of a calendar id and the plan's stable event keys: unique per patient (a
  course's random ``calendar`` id; for a plain plan, a digest of its inputs) and stable, so a
  re-export updates events in place and two patients can share one calendar collection.
* SEQUENCE never goes down across exports of one course: with ``previous`` (the last export's
  text, ``--replaces OLD.ics``) each event carries the previous SEQUENCE, plus one if it changed,
  and every event of the previous export that is gone is sent CANCELLED (one pushed past the
  horizon is left alone); without it, a changed event carries the course's revision.
* DTSTAMP is ``SOURCE_DATE_EPOCH`` when set, else the course's last change, else the export's
  day at 00:00 UTC.
* No patient name or identifier appears unless ``label`` is given.
"""

from __future__ import annotations

import math
import os
import re
from datetime import UTC, date, datetime, time, timedelta
from functools import reduce
from itertools import pairwise
from pathlib import Path

from icalendar import Alarm, Calendar, Event, vText

from ..errors import InputError, shown
from ..plan import TAKEN, Plan
from ..plan import Event as PlanEvent
from ..units import format_number
from .ids import NAMESPACE, calendar_id, uid_for
from .vtimezone import time_zone, vtimezone

__all__ = ["NAMESPACE", "calendar_id", "clean", "dumps", "stamp_for", "system_zone", "uid_for", "vtimezone", "warnings_by_activity"]

PRODID = "-//regimen//regimen calendar export//EN"
LABEL_LIMIT = 200  # characters in a calendar's name: a phone shows about 30


def dumps(plan: Plan, *, at: time | None = None, tz: str | None = None, remind: timedelta | None = None,
          label: str | None = None, stamp: datetime | None = None, baseline: Plan | None = None, sequence: int = 0,
          calendar: str | None = None, previous: str | None = None, later: frozenset[str] = frozenset()) -> str:
    """The plan as iCalendar text.

    ``calendar`` is the calendar id the UIDs derive from (default: :func:`calendar_id`). With
    ``previous`` (the text of the last export of this calendar), each event keeps its SEQUENCE, or
    one more if it changed, and events of the previous export that are gone are sent CANCELLED,
    unless their key is in ``later`` (still planned, past this export's horizon). Without it, with
    ``baseline`` (a course's plan as first made), events that differ from it carry SEQUENCE
    ``sequence`` (the course's revision, which never goes down) and the baseline's vanished events
    are cancelled likewise.
    """
    if label is not None and (not label.strip() or _CONTROL.search(label) or len(label) > LABEL_LIMIT):
        raise InputError("--label", f"{shown(label)} is not accepted; give one line of printable text (no line breaks or control "
                                    f"characters), at most {LABEL_LIMIT} characters")
    zone = time_zone(tz or system_zone()) if at is not None else None
    stamp = stamp or _stamp(plan)
    name = clean(label or f"{plan.protocol.id} {plan.arm.label}")
    cal_id = calendar or calendar_id(plan)
    ical = Calendar.new(prodid=PRODID, uid=uid_for(f"{plan.protocol.id}/{plan.arm.id}/calendar", cal_id))
    ical.add("name", vText(name))  # TEXT: escaped (\; \, \\), which Calendar.new(name=) does not do
    ical.add("x-wr-calname", vText(name))
    from ..protocol.origin import notice

    header = [line for line in (notice(plan.protocol),) if line] + list(plan.warnings)
    if header:
        ical.add("description", clean("\n".join(header)))
    components = _components(plan, stamp, remind, at, zone, cal_id) + _tasks(plan, stamp, cal_id)
    if previous is not None:
        components = _replacing(components, previous, later)
    elif baseline is not None:
        components = _updates(components, _components(baseline, stamp, remind, at, zone, cal_id), sequence, later)
    if zone is not None:
        years = [d.year for one in (plan, baseline) if one is not None for d in (one.start, one.horizon_end)]
        years += [e.date.year for one in (plan, baseline) if one is not None for e in one.events]
        ical.add_component(vtimezone(tz or system_zone(), min(years), max(years)))
    for component in components:
        ical.add_component(component)
    for milestone in plan.milestones:
        ical.add_component(_milestone(milestone, stamp, cal_id))
    return ical.to_ical().decode("utf-8")


def _milestone(milestone, stamp: datetime, cal_id: str) -> Event:
    """A derived date (the end of the contraception period) as an all-day event with its derivation."""
    component = Event.new(uid=uid_for(milestone.key, cal_id), stamp=stamp, summary=clean(milestone.name),
                          description=clean("\n".join(milestone.derivation)), categories=["milestone"], status="CONFIRMED",
                          sequence=0)
    component.add("dtstart", milestone.date)
    component.add("dtend", milestone.date + timedelta(days=1))
    component.add("transp", "TRANSPARENT")
    component.add("x-regimen-activity", vText(clean(milestone.key.split("/")[2])))
    component.add("x-regimen-key", vText(clean(milestone.key)))
    return component


def _components(plan: Plan, stamp: datetime, remind: timedelta | None, at: time | None, zone, cal_id: str) -> list[Event]:
    home = plan.home_dosed()
    warned = warnings_by_activity(plan)
    components = []
    for group in plan.grouped(alike=TAKEN):  # a series is the doses to take, given or not yet: its UID stays put
        if group[0].status in ("held", "skipped") and group[0].activity in home:
            continue  # home doses not taken: the gaps are EXDATEs of the series around them
        if len(group) > 1:
            component = _series(plan, group, stamp, remind, warned.get(group[0].activity, ()), cal_id)
        else:
            component = _single(plan, group[0], stamp, remind, at, zone, warned.get(group[0].activity, ()), cal_id)
        components.append(component)
    return components



def _tasks(plan: Plan, stamp: datetime, cal_id: str) -> list[Event]:
    """Each screening task before day 0 as an all-day event over its window (guidance.screening.before_day0)."""
    from ..guidance.screening import before_day0

    components = []
    for task in before_day0(plan.protocol, plan.start):
        key = f"{plan.protocol.id}/{plan.arm.id}/screening/{task.id}"
        component = Event.new(uid=uid_for(key, cal_id), stamp=stamp, summary=clean(f"Before day 0: {task.what}"),
                              description=clean(f"{task.noted()}; day 0 = {plan.start}"), categories=["screening"],
                              status="CONFIRMED", sequence=0)
        component.add("x-regimen-activity", vText("screening"))
        component.add("x-regimen-key", vText(clean(key)))
        component.add("dtstart", task.earliest)
        component.add("dtend", task.latest + timedelta(days=1))
        component.add("transp", "TRANSPARENT")
        components.append(component)
    return components


def warnings_by_activity(plan: Plan) -> dict[str, tuple[str, ...]]:
    """Each activity's share of the plan's warnings: the assumptions it (or a choice it depends
    on) uses, the choices it depends on, and every warning that names it."""
    import re

    found: dict[str, list[str]] = {}
    for activity in plan.arm.activities:
        choices = set(plan.arm.choice_ids()) & {name for name, _ in activity.when} | ({activity.dose.choice} if activity.dose and activity.dose.choice else set())
        assumptions = set(activity.assumptions) | {a for c in plan.protocol.choices if c.id in choices for a in c.assumptions}
        named = re.compile(rf"(?<![\w-])(?:{re.escape(activity.name)}|{re.escape(activity.id)})(?![\w-])")
        for warning in plan.warnings:
            head = warning.split(":", 1)[0]
            if (head.startswith("assumption ") and head[len("assumption "):] in assumptions) or \
               (head.startswith("choice ") and head[len("choice "):].split(" = ")[0] in choices) or \
               (not head.startswith(("assumption ", "choice ")) and named.search(warning)):
                found.setdefault(activity.id, []).append(warning)
    return {key: tuple(value) for key, value in found.items()}


_COMPARED = ("DTSTART", "DTEND", "RRULE", "EXDATE", "SUMMARY", "DESCRIPTION", "STATUS")


def _updates(current: list[Event], baseline: list[Event], sequence: int, later: frozenset[str]) -> list[Event]:
    before = {str(c["UID"]): c for c in baseline}
    result = []
    for component in current:
        old = before.pop(str(component["UID"]), None)
        if old is None or _signature(old) != _signature(component):
            component["SEQUENCE"] = sequence
        result.append(component)
    for gone in before.values():  # in the first export, not in this one: cancel it in place
        if _key(gone) in later:
            continue  # pushed past the horizon, not cancelled
        gone["STATUS"] = "CANCELLED"
        gone["SEQUENCE"] = sequence
        result.append(gone)
    return result


def _replacing(current: list[Event], previous: str, later: frozenset[str]) -> list[Event]:
    """SEQUENCE from the previous export: the same, or one more where the event changed; what the
    previous export had and this one lacks is cancelled (kept cancelled if it already was)."""
    try:
        old_calendar = Calendar.from_ical(previous)
    except ValueError as exc:
        raise InputError("--replaces", f"is not an iCalendar file ({shown(str(exc))})") from None
    before = {str(c["UID"]): c for c in old_calendar.walk("VEVENT")}
    result = []
    for component in current:
        old = before.pop(str(component["UID"]), None)
        if old is not None:
            number = int(old.get("SEQUENCE", 0))
            component["SEQUENCE"] = number + (1 if _signature(old) != _signature(component) else 0)
        result.append(component)
    for gone in before.values():
        if _key(gone) in later:
            continue
        if str(gone.get("STATUS", "")) != "CANCELLED":
            gone["STATUS"] = "CANCELLED"
            gone["SEQUENCE"] = int(gone.get("SEQUENCE", 0)) + 1
        result.append(gone)
    return result


def _key(component: Event) -> str:
    return str(component.get("X-REGIMEN-KEY", "")).removesuffix("/series")


def _signature(component: Event) -> tuple[bytes, ...]:
    return tuple(component[name].to_ical() if name in component and not isinstance(component[name], list)
                 else b"|".join(v.to_ical() for v in component[name]) if name in component else b"" for name in _COMPARED)


def _base(plan: Plan, event: PlanEvent, uid_key: str, stamp: datetime, summary: str, description: list[str], cal_id: str) -> Event:
    component = Event.new(
        uid=uid_for(uid_key, cal_id),
        stamp=stamp,
        summary=clean(summary),
        description=clean("\n".join(description)),
        categories=[clean(event.kind)],
        status="CANCELLED" if event.status in ("held", "skipped") else "TENTATIVE" if event.conditional else "CONFIRMED",
        sequence=0,
    )
    component.add("x-regimen-activity", vText(clean(event.activity)))
    component.add("x-regimen-key", vText(clean(uid_key)))
    return component


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_CONTROL_BUT_BREAKS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def clean(text: str) -> str:
    """TEXT for a calendar: control characters removed (RFC 5545 allows none but tab), line
    breaks kept for icalendar to escape as \\n, like ; , and \\."""
    return _CONTROL_BUT_BREAKS.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def _single(plan: Plan, event: PlanEvent, stamp: datetime, remind: timedelta | None, at: time | None, zone,
            warnings: tuple[str, ...], cal_id: str) -> Event:
    component = _base(plan, event, event.key, stamp, _summary(event), _description(plan, event, warnings), cal_id)
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


def _series(plan: Plan, run: list[PlanEvent], stamp: datetime, remind: timedelta | None, warnings: tuple[str, ...], cal_id: str) -> Event:
    first, last = run[0], run[-1]
    dates = [e.date for e in run]
    step = reduce(math.gcd, ((b - a).days for a, b in pairwise(dates)))
    taken = set(dates)
    skipped = [first.date + timedelta(days=n) for n in range(0, (last.date - first.date).days + 1, step)]
    skipped = [d for d in skipped if d not in taken]
    description = _description(plan, first, warnings)
    done = sum(1 for e in run if e.status == "given")
    late = sum(1 for e in run if e.status == "overdue")
    description.insert(0, f"{len(run)} doses from {first.date.isoformat()} to {last.date.isoformat()}" + (f", {len(skipped)} days off" if skipped else "")
                       + (f"; {done} recorded as given" if done else "") + (f"; {late} overdue (never recorded)" if late else ""))
    component = _base(plan, first, f"{first.key}/series", stamp, _summary(first), description, cal_id)
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


def _description(plan: Plan, event: PlanEvent, warnings: tuple[str, ...] = ()) -> list[str]:
    lines = [f"Warning: {warning}" for warning in warnings]
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
    alarm.add("description", clean(f"Reminder: {name}"))
    alarm.add("trigger", -remind)
    component.add_component(alarm)


def _stamp(plan: Plan) -> datetime:
    """DTSTAMP: SOURCE_DATE_EPOCH when set, else the export's day at 00:00 UTC (the same inputs
    give the same bytes all day); never day 0. A course's export passes its last change instead."""
    return stamp_for(datetime.now(UTC).date())


def stamp_for(day: date) -> datetime:
    """DTSTAMP: ``SOURCE_DATE_EPOCH`` when set, else ``day`` at 00:00 UTC (the same inputs, the same bytes)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        try:
            return datetime.fromtimestamp(int(epoch), tz=UTC)
        except (ValueError, OverflowError, OSError):
            raise InputError("SOURCE_DATE_EPOCH", f"{epoch!r} is not a Unix timestamp in whole seconds") from None
    return datetime.combine(day, time(0), tzinfo=UTC)


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


