"""Plan -> iCalendar (RFC 5545), for Outlook, Google and Apple calendars.

* Dose-days and clinic days are all-day events (``VALUE=DATE``), so they never shift a day for
  users east or west of UTC. With ``times``, clinic events (procedures, assessments and infused
  drugs) are timed in ``tz`` with DTEND from their booked length, with ``dose_times`` home doses
  too, and the file carries that zone's VTIMEZONE; a machine in UTC must say ``tz`` (:func:`zone_for`).
* The same-day procedure and infusions are one visit event (``ics_visits``), unless ``separate``.
* Home dosing (a drug repeated every day or every other day) is one recurring event per dose:
  an RRULE with an EXDATE for each day off, rather than hundreds of events.
* UIDs are UUIDv5 of a calendar id and the plan's stable event keys: unique per patient (a
  course's random ``calendar`` id; for a plain plan, a digest of its inputs) and stable, so a
  re-export updates events in place and two patients can share one calendar collection.
* SEQUENCE never goes down across exports of one course: with ``previous`` (the last export's
  text, ``--replaces OLD.ics``) each event carries the previous SEQUENCE, plus one if it changed,
  and every event of the previous export that is gone is sent CANCELLED (one pushed past the
  horizon is left alone, for a course); without it, a changed event carries the course's revision.
* DTSTAMP is ``SOURCE_DATE_EPOCH`` when set, else the course's last change, else the export's
  day at 00:00 UTC.
* No patient name or identifier appears unless ``label`` is given.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from icalendar import Calendar, Event, vText

from ..errors import InputError, shown
from ..plan import Plan
from .ics_parts import CONTROL, clean
from .ics_visits import Clock, components, duration_notes
from .ids import NAMESPACE, calendar_id, uid_for
from .vtimezone import time_zone, vtimezone

__all__ = ["NAMESPACE", "calendar_id", "calendar_notes", "clean", "dumps", "is_utc", "stamp_for", "system_zone", "uid_for",
           "vtimezone", "warnings_by_activity", "zone_for"]

PRODID = "-//regimen//regimen calendar export//EN"
LABEL_LIMIT = 200  # characters in a calendar's name: a phone shows about 30


def dumps(plan: Plan, *, at: time | None = None, tz: str | None = None, remind: timedelta | None = None,
          label: str | None = None, stamp: datetime | None = None, baseline: Plan | None = None, sequence: int = 0,
          calendar: str | None = None, previous: str | None = None, previous_name: str = "the previous export", later: frozenset[str] = frozenset(),
          times: Mapping[str, time] | None = None, dose_times: Mapping[str, time] | None = None, separate: bool = False) -> str:
    """The plan as iCalendar text.

    ``at`` (or ``times["default"]``) times clinic events, ``times`` per activity id; ``dose_times``
    times home doses (``"default"`` or per activity id), all in zone ``tz`` (see :func:`zone_for`).
    Same-day procedures and infusions are one visit unless ``separate`` (see ``ics_visits``).
    ``calendar`` is the calendar id the UIDs derive from (default: :func:`calendar_id`). With
    ``previous`` (the text of the last export of this calendar, from the file ``previous_name``;
    refused unless it is one, :func:`previous_calendar`), each event keeps its SEQUENCE, or
    one more if it changed, and events of the previous export that are gone are sent CANCELLED,
    unless their key is in ``later`` (still planned, past this export's horizon). Without it, with
    ``baseline`` (a course's plan as first made), events that differ from it carry SEQUENCE
    ``sequence`` (the course's revision, which never goes down) and the baseline's vanished events
    are cancelled likewise.
    """
    if label is not None and (not label.strip() or CONTROL.search(label) or len(label) > LABEL_LIMIT):
        raise InputError("--label", f"{shown(label)} is not accepted; give one line of printable text (no line breaks or control "
                                    f"characters), at most {LABEL_LIMIT} characters")
    times = {**({"default": at} if at is not None else {}), **(times or {})}
    dose_times = dict(dose_times or {})
    name = zone_for(tz) if (times or dose_times) else None
    clock = Clock(time_zone(name) if name else None, times, dose_times, remind)
    stamp = stamp or _stamp(plan)
    title = clean(label or f"{plan.protocol.id} {plan.arm.label}")
    cal_id = calendar or calendar_id(plan)
    ical = Calendar.new(prodid=PRODID, uid=uid_for(f"{plan.protocol.id}/{plan.arm.id}/calendar", cal_id))
    ical.add("name", vText(title))  # TEXT: escaped (\; \, \\), which Calendar.new(name=) does not do
    ical.add("x-wr-calname", vText(title))
    from ..protocol.origin import notice

    header = [line for line in (notice(plan.protocol),) if line] + list(plan.warnings) + (duration_notes(plan) if name else [])
    if header:
        ical.add("description", clean("\n".join(header)))
    warned = warnings_by_activity(plan)
    found = _everything(plan, stamp, clock, warned, cal_id, separate)
    if previous is not None:
        found = _replacing(found, previous_calendar(previous, previous_name, plan, str(ical["UID"])), later, cal_id)
    elif baseline is not None:
        found = _updates(found, _everything(baseline, stamp, clock, warnings_by_activity(baseline), cal_id, separate), sequence, later)
    if name is not None:
        years = [d.year for one in (plan, baseline) if one is not None for d in (one.start, one.horizon_end)]
        years += [e.date.year for one in (plan, baseline) if one is not None for e in one.events]
        ical.add_component(vtimezone(name, min(years), max(years)))
    for component in found:
        ical.add_component(component)
    return ical.to_ical().decode("utf-8")


_UTC_NAMES = {"UTC", "UCT", "Universal", "Zulu", "GMT", "GMT0", "GMT+0", "GMT-0", "Greenwich"}


def is_utc(name: str) -> bool:
    """Whether zone ``name`` is UTC under another name (Etc/UTC, Zulu, GMT, ...)."""
    return name.removeprefix("Etc/") in _UTC_NAMES


def zone_for(tz: str | None) -> str:
    """The zone of timed events: ``tz``, else this machine's zone, refused when that is UTC (a
    server's zone is rarely the clinic's: give it, or ``UTC`` if UTC is meant)."""
    if tz is not None:
        return tz
    name = system_zone()
    if is_utc(name):
        raise InputError("--tz", f"is needed with --time or --dose-time: this machine's zone is {name}, which is rarely the clinic's; "
                                 "give the clinic's zone (e.g. --tz Asia/Shanghai), or --tz UTC if UTC is meant")
    return name


def calendar_notes(plan: Plan, *, tz: str | None, timed: bool, dose_times: Mapping[str, time], remind: timedelta | None) -> list[str]:
    """One-line notes for the terminal about an export: the zone used when none was given, and home
    doses left without reminders (all-day without a dose time: they would ring at midnight)."""
    notes = []
    if (timed or dose_times) and tz is None:
        notes.append(f"times are in {zone_for(None)}, this machine's zone (give --tz to choose another)")
    home = plan.home_dosed()
    untimed = sorted(a.id for a in plan.arm.activities if a.id in home and a.kind == "drug" and "default" not in dose_times
                     and a.id not in dose_times and any(e.activity == a.id for e in plan.events))
    if remind is not None and untimed:
        notes.append(f"--remind: no reminders on home dosing ({', '.join(untimed)}): all-day doses would ring at midnight; "
                     "give --dose-time HH:MM to remind at a time of day")
    return notes


def _everything(plan: Plan, stamp: datetime, clock: Clock, warned, cal_id: str, separate: bool) -> list[Event]:
    """Every component of the export: events, visits and series, screening tasks, then milestones; all of
    them are what ``--replaces`` and a course's baseline match by UID, so none is sent twice."""
    return (components(plan, stamp, clock, warned, cal_id, separate) + _tasks(plan, stamp, cal_id)
            + [_milestone(milestone, stamp, cal_id) for milestone in plan.milestones])


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


_COMPARED = ("DTSTART", "DTEND", "DURATION", "X-REGIMEN-MEMBERS", "RRULE", "EXDATE", "SUMMARY", "DESCRIPTION", "STATUS")


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


def _replacing(current: list[Event], old_calendar: Calendar, later: frozenset[str], cal_id: str) -> list[Event]:
    """SEQUENCE from the previous export: the same, or one more where the event changed; what the
    previous export had and this one lacks is cancelled (kept cancelled if it already was). A
    component regimen did not make (its UID is not that of its X-REGIMEN-KEY here) is left out, never cancelled."""
    before = {str(c["UID"]): c for c in old_calendar.walk("VEVENT") if "UID" in c}
    result = []
    for component in current:
        old = before.pop(str(component["UID"]), None)
        if old is not None:
            number = int(old.get("SEQUENCE", 0))
            component["SEQUENCE"] = number + (1 if _signature(old) != _signature(component) else 0)
        result.append(component)
    for uid, gone in before.items():
        if _key(gone) in later or uid != uid_for(str(gone.get("X-REGIMEN-KEY", "")), cal_id):
            continue
        if str(gone.get("STATUS", "")) != "CANCELLED":
            gone["STATUS"] = "CANCELLED"
            gone["SEQUENCE"] = int(gone.get("SEQUENCE", 0)) + 1
        result.append(gone)
    return result


_AGAIN = "give the .ics this calendar was last exported as"


def previous_calendar(previous: str, name: str, plan: Plan, uid: str) -> Calendar:
    """The previous export ``--replaces`` names (``name``: its file), refused unless it is an
    iCalendar file whose calendar UID is ``uid``: this calendar's, as :func:`dumps` writes it."""
    if not previous.lstrip("\ufeff \t\r\n")[:15].upper().startswith("BEGIN:VCALENDAR"):
        raise InputError("--replaces", f"{name} is not an iCalendar file (BEGIN:VCALENDAR expected); {_AGAIN}")
    try:
        old = Calendar.from_ical(previous)
    except (ValueError, KeyError, IndexError):
        raise InputError("--replaces", f"{name} is not a readable iCalendar file (a line does not parse); {_AGAIN}") from None
    if str(old.get("UID", "")) == uid:
        return old
    this = f"{plan.protocol.id} arm {plan.arm.id}"
    keys = [str(c["X-REGIMEN-KEY"]).split("/") for c in old.walk("VEVENT") if "X-REGIMEN-KEY" in c]
    if str(old.get("PRODID", "")) != PRODID or not keys or len(keys[0]) < 2:
        what = "not a calendar regimen exported"
    elif keys[0][:2] != [plan.protocol.id, plan.arm.id]:
        what = f"the calendar of {shown(keys[0][0])} arm {shown(keys[0][1])}"
    else:
        what = ("another calendar of the same arm (another course, or a plan with another day 0, measurements or choices: "
                "a plain plan's calendar is its inputs)")
    raise InputError("--replaces", f"{name} is {what}, not a previous export of this calendar ({this}); {_AGAIN}")


def _key(component: Event) -> str:
    return str(component.get("X-REGIMEN-KEY", "")).removesuffix("/series").removesuffix("/visit")


def _signature(component: Event) -> tuple[bytes, ...]:
    return tuple(component[name].to_ical() if name in component and not isinstance(component[name], list)
                 else b"|".join(v.to_ical() for v in component[name]) if name in component else b"" for name in _COMPARED)


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


