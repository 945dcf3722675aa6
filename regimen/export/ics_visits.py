"""A plan's events as a phone shows them: clinic visits, home-dose series, and their times.

* **Visits**: the same-day procedure and infused drugs (HAIC with its oxaliplatin, leucovorin and
  5-FU; atezolizumab with bevacizumab) are one event listing them, its UID from the visit key
  ``<first event's key>/visit`` (the procedure's, else the first drug's); ``separate`` keeps one
  event each. An event alone on its day keeps its own key, so its UID is what it always was.
* **Durations** (timed calendars only): the protocol's ``[calendar]`` entry for the occurrence, else
  the activity's own duration (the 46-h pump), else the protocol's default, else
  :data:`~regimen.protocol.calendar.PACKAGE_DEFAULT_HOURS`; each event says where its length comes
  from, and an assumed one says so. A visit lasts as long as its parts (each booked as above) given
  one after another, in the order they are given (atezolizumab then bevacizumab, as the label
  orders them; HAIC, oxaliplatin, leucovorin and the bolus, then the 46-h pump: until it comes off).
* **Times**: a clinic event starts at its activity's ``--time`` (a visit: its first part given one),
  else the default. Default-timed events of one day never share a start: each later one starts
  when the one before it leaves the clinic: a visit's parts booked at the clinic, without a pump
  worn home after them (or an hour of default length after it starts, when one event alone runs
  past the day, like the pump with ``separate``). Home doses are timed at ``--dose-time`` with a 15-min slot,
  else stay all-day, and then carry no alarm (it would ring at midnight).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import reduce
from itertools import pairwise
from typing import NamedTuple

from icalendar import Event, vText

from ..plan import TAKEN, Plan
from ..plan import Event as PlanEvent
from ..protocol.calendar import PACKAGE_DEFAULT_HOURS, PACKAGE_DEFAULT_NOTE
from ..units import format_number
from .ics_parts import alarm, base, description, summary

__all__ = ["DOSE_SLOT", "Clock", "activity_times", "clinic_starts", "components", "duration_notes", "hours_text", "length_of"]

DOSE_SLOT = timedelta(minutes=15)  # a timed home dose: a slot for the reminder, not a clinical time


class Clock(NamedTuple):
    """When things happen: the zone (None: all-day), ``--time`` per activity or ``default``, ``--dose-time`` likewise."""

    zone: tzinfo | None = None
    times: Mapping[str, time] = {}
    dose_times: Mapping[str, time] = {}
    remind: timedelta | None = None

    def clinic(self, activities: list[str]) -> tuple[time | None, bool]:
        """The time of the first of ``activities`` given one, and True; else the default and False."""
        for activity in activities:
            if activity in self.times:
                return self.times[activity], True
        return self.times.get("default"), False

    def dose(self, activity: str) -> time | None:
        return self.dose_times.get(activity, self.dose_times.get("default"))


def activity_times(values: tuple[str, ...] | list[str], option: str, plan: Plan) -> dict[str, time]:
    """``--time`` (clinic activities) or ``--dose-time`` (drugs taken by mouth) values: ``HH:MM``
    (the default) or ``ACTIVITY=HH:MM``, each activity at most once, each one of the arm's."""
    from ..errors import InputError, shown
    from ..inputs import parse_clock

    by_mouth = option.lstrip("-") in ("dose-time", "dose_time")
    known = ["default", *(a.id for a in plan.arm.activities if (a.kind == "drug" and a.route == "PO") == by_mouth)]
    found: dict[str, time] = {}
    for value in values:
        name, _, text = value.rpartition("=") if "=" in value else ("default", "", value)
        name = name.strip() or "default"
        if name not in known:
            what = "a drug taken by mouth" if by_mouth else "a clinic activity"
            raise InputError(option, f"{shown(name)} is not {what} of arm {plan.arm.id}; known: {', '.join(known)}")
        if name in found:
            raise InputError(option, f"gives {name} twice; give each activity (or default) once")
        found[name] = parse_clock(text, option)  # type: ignore[assignment]
    return found


class _Item(NamedTuple):
    kind: str  # single, series or visit
    events: tuple[PlanEvent, ...]


def components(plan: Plan, stamp: datetime, clock: Clock, warned: Mapping[str, tuple[str, ...]], cal_id: str,
               separate: bool) -> list[Event]:
    items = _items(plan, separate)
    starts = _starts(plan, items, clock) if clock.zone is not None else {}
    built = []
    for index, item in enumerate(items):
        start = starts.get(index)
        if item.kind == "visit":
            built.append(_visit(plan, item.events, stamp, clock, start, warned, cal_id))
        elif item.kind == "series":
            built.append(_series(plan, item.events, stamp, clock, start, warned.get(item.events[0].activity, ()), cal_id))
        else:
            built.append(_single(plan, item.events[0], stamp, clock, start, warned.get(item.events[0].activity, ()), cal_id))
    return built


def _items(plan: Plan, separate: bool) -> list[_Item]:
    """The calendar's events: home-dose series, single events and (unless ``separate``) same-day visits."""
    home = plan.home_dosed()
    items = []
    for group in plan.grouped(alike=TAKEN):  # a series is the doses to take, given or not yet: its UID stays put
        if group[0].status in ("held", "skipped") and group[0].activity in home:
            continue  # home doses not taken: the gaps are EXDATEs of the series around them
        items.append(_Item("series" if len(group) > 1 else "single", group))
    return items if separate else _visits(items, home)


def clinic_starts(plan: Plan, clock: Clock, *, separate: bool = False) -> dict[str, datetime]:
    """When the timed calendar books each clinic event of ``plan``, by event key (a visit's parts share its start;
    home doses are left out): the printed calendar shows the same times as the .ics."""
    items = _items(plan, separate)
    found: dict[str, datetime] = {}
    for index, (start, _, _) in _starts(plan, items, clock).items():
        item = items[index]
        if item.events[0].kind == "drug" and item.events[0].route == "PO":
            continue
        for event in item.events:
            found[event.key] = datetime.combine(event.date, start.timetz().replace(tzinfo=None), tzinfo=clock.zone)
    return found


def _joins(event: PlanEvent, home: set[str]) -> bool:
    """A procedure or an infused drug given in clinic: part of its day's visit."""
    return (event.activity not in home and event.kind in ("procedure", "drug") and event.route != "PO"
            and event.status in TAKEN)


def _visits(items: list[_Item], home: set[str]) -> list[_Item]:
    days: dict[tuple[date, bool], list[int]] = {}
    for index, item in enumerate(items):
        if item.kind == "single" and _joins(item.events[0], home):
            days.setdefault((item.events[0].date, item.events[0].conditional), []).append(index)
    merged: dict[int, _Item] = {}
    dropped: set[int] = set()
    for indexes in days.values():
        if len(indexes) > 1:
            members = sorted((items[i].events[0] for i in indexes), key=lambda e: (e.kind != "procedure", e.order))
            merged[indexes[0]] = _Item("visit", tuple(members))
            dropped.update(indexes[1:])
    return [merged.get(i, item) for i, item in enumerate(items) if i not in dropped]


def length_of(plan: Plan, event: PlanEvent) -> tuple[float, str]:
    """An event's booked length in hours on a timed calendar, and where it comes from."""
    calendar = plan.protocol.calendar
    entry = calendar.entry(event.activity) if calendar is not None else None
    if entry is not None:
        return entry.of(event.occurrence), entry.source or _assumed(plan, entry.assumptions)
    if event.duration_hours:
        return event.duration_hours, "the activity's stated duration"
    if calendar is not None:
        return calendar.default_hours, "the protocol's default, " + _assumed(plan, calendar.assumptions)
    return PACKAGE_DEFAULT_HOURS, PACKAGE_DEFAULT_NOTE


def _assumed(plan: Plan, ids: tuple[str, ...]) -> str:
    """Short, as each event says it: the text is in the calendar's DESCRIPTION (:func:`duration_notes`)."""
    found = {a.id: a for a in plan.protocol.assumptions}
    return "; ".join(f"assumption {i} ({found[i].status}, in the calendar's description)" if i in found else f"assumption {i}" for i in ids)


def duration_notes(plan: Plan) -> list[str]:
    """The assumptions behind the booked lengths of this plan's events, in full, for a timed calendar's DESCRIPTION."""
    calendar = plan.protocol.calendar
    if calendar is None:
        return [f"Durations: {PACKAGE_DEFAULT_NOTE}"]
    used = {e.activity for e in plan.events}
    ids = list(calendar.assumptions) + [i for activity, entry in calendar.activities if activity in used for i in entry.assumptions]
    found = {a.id: a for a in plan.protocol.assumptions}
    return [f"assumption {i} (calendar durations): {found[i].text} (source: {found[i].source}; {found[i].status})"
            for i in dict.fromkeys(ids) if i in found]


def hours_text(hours: float) -> str:
    return f"{format_number(hours)} h" if hours >= 2 and float(hours).is_integer() else f"{format_number(round(hours * 60, 2))} min"


def _timed(plan: Plan, item: _Item, clock: Clock) -> tuple[time | None, bool, bool]:
    """(time, given explicitly, a home dose) of an item, or (None, ...) when it stays all-day."""
    first = item.events[0]
    if first.kind == "drug" and first.route == "PO":
        return clock.dose(first.activity), True, True
    at, explicit = clock.clinic([e.activity for e in item.events])
    return at, explicit, False


def _starts(plan: Plan, items: list[_Item], clock: Clock) -> dict[int, tuple[datetime, timedelta, list[str]]]:
    """Each timed item's start, length and the lines that say why, by its index in ``items``."""
    found: dict[int, tuple[datetime, timedelta, list[str]]] = {}
    placed: dict[date, list[tuple[datetime, datetime]]] = {}
    default = plan.protocol.calendar.default_hours if plan.protocol.calendar is not None else PACKAGE_DEFAULT_HOURS
    pending = []
    for index, item in enumerate(items):
        at, explicit, dose = _timed(plan, item, clock)
        if at is None:
            continue
        if dose:
            found[index] = (datetime.combine(item.events[0].date, at, tzinfo=clock.zone), DOSE_SLOT, [])
            continue
        length, clinic, why = _booked(plan, item, datetime.combine(item.events[0].date, at))
        pending.append((0 if item.kind == "series" else 1 if explicit else 2, index, item, at, length, clinic, why))
    for rank, index, item, at, length, clinic, why in sorted(pending, key=lambda p: (p[0], p[1])):
        day = item.events[0].date
        start = datetime.combine(day, at, tzinfo=clock.zone)
        while rank == 2 and (clash := next((p for p in placed.get(day, ()) if p[0] == start), None)):
            end = clash[1]  # when the one at this start leaves the clinic (a pump worn home does not count)
            start = end if end.date() == day and end > clash[0] else clash[0] + timedelta(hours=default)
        for event in item.events if item.kind == "series" else item.events[:1]:
            at_day = datetime.combine(event.date, start.timetz().replace(tzinfo=None), tzinfo=clock.zone)
            placed.setdefault(event.date, []).append((at_day, at_day + clinic))
        found[index] = (start, length, why)
    return found


def _booked(plan: Plan, item: _Item, start: datetime) -> tuple[timedelta, timedelta, list[str]]:
    """An item's booked length (a visit: its parts one after another, in order, the pump last), how
    long of it is spent at the clinic (without a last part that runs past the day: the pump worn
    home), and the lines that say why."""
    lengths = [(length_of(plan, e), e) for e in item.events[:1 if item.kind == "series" else None]]
    hours = sum(h for (h, _), _ in lengths)
    clinic = hours
    if len(lengths) > 1 and (start + timedelta(hours=hours)).date() != start.date():
        clinic = hours - lengths[-1][0][0]
    why = [f"Booked for {hours_text(h)}: {source}" + (f" ({e.name})" if item.kind == "visit" else "") for (h, source), e in lengths]
    return timedelta(hours=hours), timedelta(hours=clinic), why


def _single(plan: Plan, event: PlanEvent, stamp: datetime, clock: Clock, start, warnings: tuple[str, ...], cal_id: str) -> Event:
    lines = description(plan, event, warnings)
    if start is not None and start[2]:
        lines[-1:-1] = start[2]
    component = base(event, event.key, stamp, summary(event), lines, cal_id)
    _span(component, event, start)
    if start is not None or not _home_dose(plan, event):
        alarm(component, clock.remind, event.name)
    return component


def _span(component: Event, event: PlanEvent, start, longest: float | None = None) -> None:
    if start is not None:
        component.add("dtstart", start[0])
        component.add("dtend", start[0] + start[1])
        return
    hours = longest if longest is not None else event.duration_hours
    component.add("dtstart", event.date)
    component.add("dtend", event.date + timedelta(days=1 + (math.ceil(hours / 24) if hours else 0)))
    component.add("transp", "TRANSPARENT")


def _home_dose(plan: Plan, event: PlanEvent) -> bool:
    return event.kind == "drug" and event.activity in plan.home_dosed()


def _visit(plan: Plan, members: tuple[PlanEvent, ...], stamp: datetime, clock: Clock, start, warned, cal_id: str) -> Event:
    head = members[0]
    texts, previous = [], None
    for event in members:
        if head.kind == "procedure" and event is head:
            continue
        over = f" over {hours_text(event.duration_hours)}" if event.duration_hours else ""
        dose = f" {event.dose.text}" if event.dose is not None else ""
        same = previous is not None and event.drug is not None and previous.drug == event.drug
        texts.append(f"+{dose}{over}" if same else f"{event.name}{dose}{' ' + event.route if event.route else ''}{over}")
        previous = event
    title = ", ".join(texts).replace(", +", " +")
    if head.kind == "procedure":
        title = f"{head.name}{f' C{head.cycle}' if head.cycle is not None else ''}: {title}"
    warnings = list(dict.fromkeys(w for e in members for w in warned.get(e.activity, ())))
    lines = [f"Warning: {w}" for w in warnings] + [f"One visit: {', '.join(e.name for e in members)}"]
    for event in members:
        lines.append(f"{summary(event)}:")
        lines.extend(f"  {line}" for line in description(plan, event, trailer=False))
    if start is not None:
        lines.append(f"Booked for {hours_text(start[1].total_seconds() / 3600)}: its parts one after another, in the order above:")
        lines.extend(f"  {line}" for line in start[2])
    lines.append(description(plan, head)[-1])
    kinds = list(dict.fromkeys(e.kind for e in members))
    component = base(head, f"{head.key}/visit", stamp, title + (" (conditional)" if head.conditional else ""), lines, cal_id, kinds)
    component.add("x-regimen-members", vText(" ".join(e.key for e in members)))
    longest = max((e.duration_hours or 0 for e in members), default=0) or None
    _span(component, head, start, longest)
    alarm(component, clock.remind, title)
    return component


def _series(plan: Plan, run: tuple[PlanEvent, ...], stamp: datetime, clock: Clock, start, warnings: tuple[str, ...], cal_id: str) -> Event:
    first, last = run[0], run[-1]
    dates = [e.date for e in run]
    step = reduce(math.gcd, ((b - a).days for a, b in pairwise(dates)))
    taken = set(dates)
    skipped = [first.date + timedelta(days=n) for n in range(0, (last.date - first.date).days + 1, step)]
    skipped = [d for d in skipped if d not in taken]
    lines = description(plan, first, warnings)
    done = sum(1 for e in run if e.status == "given")
    late = sum(1 for e in run if e.status == "overdue")
    lines.insert(0, f"{len(run)} doses from {first.date.isoformat()} to {last.date.isoformat()}" + (f", {len(skipped)} days off" if skipped else "")
                 + (f"; {done} recorded as given" if done else "") + (f"; {late} overdue (never recorded)" if late else ""))
    if start is not None:
        lines[-1:-1] = start[2] or [f"At {start[0].strftime('%H:%M')} each day ({hours_text(DOSE_SLOT.total_seconds() / 3600)} slot for the reminder)"]
    component = base(first, f"{first.key}/series", stamp, summary(first), lines, cal_id)
    rule: dict = {"freq": "daily"}
    if start is None:
        component.add("dtstart", first.date)
        component.add("dtend", first.date + timedelta(days=1))
        component.add("transp", "TRANSPARENT")
        rule["until"] = last.date
    else:
        clock_time = start[0].timetz().replace(tzinfo=None)
        component.add("dtstart", start[0])
        component.add("dtend", start[0] + start[1])
        rule["until"] = datetime.combine(last.date, clock_time, tzinfo=clock.zone).astimezone(UTC)  # RFC 5545: UTC with a TZID start
        skipped = [datetime.combine(d, clock_time, tzinfo=clock.zone) for d in skipped]
    if step > 1:
        rule["interval"] = step
    component.add("rrule", rule)
    if skipped:
        component.add("exdate", skipped)
    if start is not None or not _home_dose(plan, first):
        alarm(component, clock.remind, first.name)
    return component
