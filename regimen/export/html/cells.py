"""What each day of the calendar lists: one entry per event (and per milestone), in the plan's order.

An entry is plain text and CSS classes; the grid escapes and lays it out. A clinic event shows its
name, cycle and dose, and (with a time) its start as the .ics books it, said once per visit, the drugs
of a procedure no cycle of their own (the procedure's "HAIC C2" says it); home dosing shows a
compact mark per drug with its dose ("Regorafenib 160 mg"); an event with a window says it; a
conditional event carries a numbered note with its condition; a gated one (labs decide) a
dagger; a course's statuses show as words, so a black-and-white print keeps them.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, time
from typing import NamedTuple

from ...plan import Event, Plan, taken_at_home
from ...units import format_number

__all__ = ["Entry", "clinic_times", "conditions", "day_entries", "windows"]

STATUS_WORDS = {"given": "✓ given", "held": "held", "skipped": "skipped", "overdue": "overdue"}


class Entry(NamedTuple):
    """One line of a day cell: the activity it marks, its text, a smaller second line, its CSS classes."""

    activity: str
    text: str
    sub: str
    classes: tuple[str, ...]
    note: int | None = None  # the number of the condition it depends on (see conditions)


def conditions(plan: Plan) -> dict[str, int]:
    """Each distinct condition of the plan's conditional events, numbered 1, 2, ... in order of first use."""
    found: dict[str, int] = {}
    for event in plan.events:
        if event.conditional and event.condition and event.condition not in found:
            found[event.condition] = len(found) + 1
    return found


def day_entries(plan: Plan, *, at: time | None = None) -> dict[date, list[Entry]]:
    """Every event and milestone of the plan, as entries by date."""
    from ...course.gates import gated

    home = {a.id for a in plan.arm.activities if taken_at_home(a)}
    activities = {a.id: a for a in plan.arm.activities}
    notes = conditions(plan)
    days: dict[date, list[Entry]] = defaultdict(list)
    procedures = {(e.date, e.cycle) for e in plan.events if e.kind == "procedure" and e.cycle is not None}
    starts = clinic_times(plan, at)
    said: dict[date, time] = {}  # the time last shown on each day: a visit's parts share it, said once
    for event in plan.events:
        activity = activities[event.activity]
        gate = bool(activity.gates) and gated(activity, event)
        clock = starts.get(event.key) if event.activity not in home else None
        if clock is not None and said.get(event.date) == clock:
            clock = None
        elif clock is not None:
            said[event.date] = clock
        part = event.kind == "drug" and (event.date, event.cycle) in procedures  # a drug of that day's procedure cycle
        days[event.date].append(_entry(event, event.activity in home, gate, clock, notes, cycle=not part))
    for milestone in plan.milestones:
        days[milestone.date].append(Entry("", milestone.name, "", ("milestone",)))
    return days


def clinic_times(plan: Plan, at: time | None) -> dict[str, time]:
    """Each clinic event's start with ``--time at``, by event key: the .ics's (the day's first at ``at``, each later
    one when the one before it ends; see export.ics_visits)."""
    if at is None:
        return {}
    from ..ics_visits import Clock, clinic_starts

    return {key: start.time() for key, start in clinic_starts(plan, Clock(zone=UTC, times={"default": at})).items()}


def _entry(event: Event, home: bool, gate: bool, at: time | None, notes: dict[str, int], *, cycle: bool = True) -> Entry:
    dose = f" {format_number(event.dose.amount)}\u00a0{event.dose.unit}" if event.dose is not None else ""
    if home:
        text, classes = f"{event.name}{dose}", ["home"]
    else:
        clock = f"{at.strftime('%H:%M')} " if at is not None else ""
        label = f" C{event.cycle}" + (f"D{event.day}" if event.day not in (None, 1) else "") if event.cycle and cycle else ""
        text, classes = f"{clock}{event.name}{label}{dose}", ["clinic"]
    subs = []
    if event.duration_hours and not home:
        subs.append(f"over {format_number(event.duration_hours)} h")
    if event.has_window:
        subs.append(f"window {event.earliest.isoformat()[5:]} to {event.latest.isoformat()[5:]}")
    if gate:
        text += " †"
    if event.status != "planned":
        classes.append(event.status)
        subs.insert(0, STATUS_WORDS.get(event.status, event.status))
    note = None
    if event.conditional:
        classes.append("cond")
        note = notes.get(event.condition or "")
        subs.append("if eligible" if note is None else f"if eligible ({note})")
    return Entry(event.activity, text, "; ".join(subs), tuple(classes), note)


def windows(plan: Plan) -> set[date]:
    """The days inside some event's allowed window (its own date included): shaded in the grid."""
    shaded: set[date] = set()
    for event in plan.events:
        if event.has_window:
            first, last = event.earliest.toordinal(), event.latest.toordinal()
            shaded.update(date.fromordinal(o) for o in range(first, last + 1))
    return shaded
