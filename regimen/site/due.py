"""What is due at a site: one row per patient-event in a date window, overdue ones first.

Each row says when (and the window, with the days until it closes), who (the pseudonym), what
(activity and dose), its status (``overdue``: planned before today and never recorded; ``conditional``:
only if its condition is met; otherwise ``due``) and the labs to draw before it (each gate's criterion
and look-back, only for the occurrences the activity's ``gate_scope`` names).

Home dosing (daily, every other day, cycle days) is one row per patient, drug, status and dose in
the window (``Apatinib PO qd, 7 doses``), so a week of tablets never floods the list.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from functools import partial
from pathlib import Path
from typing import NamedTuple

from ..course import Course
from ..course.gates import gated
from ..labs import gates_text
from ..model import Activity
from ..notation import format_pattern
from ..plan import Event, Plan, taken_at_home
from .courses import Failed, Replanned, calendar_id, each_course

__all__ = ["DUE_STATUSES", "DueRow", "due", "due_rows", "sort_due"]

DUE_STATUSES = ("overdue", "due", "conditional")


class DueRow(NamedTuple):
    """One patient-event (or one patient's home doses of one drug) to act on."""

    date: date
    last: date  # the last dose of a home-dosing row; ``date`` otherwise
    earliest: date
    latest: date
    closes_in: int  # days from today to ``latest``; negative once the window has closed
    patient: str
    protocol: str
    arm: str
    activity: str
    what: str
    dose: str
    status: str
    labs: str
    doses: int  # how many administrations the row stands for (1 unless home dosing)
    key: str  # the first event's stable key: protocol/arm/activity/occurrence
    calendar: str  # what the patient's calendar UIDs derive from (see courses.calendar_id)
    order: int
    windowed: bool = True  # False for home doses after the first: a tablet's day has no window to close

    def window(self) -> str:
        if not self.windowed:
            return ""
        return self.earliest.isoformat() if self.earliest == self.latest else f"{self.earliest.isoformat()} to {self.latest.isoformat()}"

    def closes(self) -> str:
        if not self.windowed:
            return ""
        if self.closes_in > 1:
            return f"closes in {self.closes_in} days"
        if self.closes_in == 1:
            return "closes tomorrow"
        if self.closes_in == 0:
            return "closes today"
        return f"closed {-self.closes_in} day{'s' if self.closes_in != -1 else ''} ago"


def due_rows(course: Course, plan: Plan, first: date, last: date, today: date, calendar: str = "") -> list[DueRow]:
    """One course's rows: overdue events whenever they fell, and planned ones from ``first`` to ``last``."""
    activities = {a.id: a for a in plan.arm.activities}
    groups: dict[tuple[str, str, str], list[Event]] = {}
    rows: list[DueRow] = []
    for event in plan.events:
        status = _status(event, first, last)
        if status is None:
            continue
        activity = activities[event.activity]
        if taken_at_home(activity) and not event.conditional:
            groups.setdefault((event.activity, status, event.dose.text if event.dose else ""), []).append(event)
        else:
            rows.append(_row(course, plan, activity, (event,), status, today, calendar))
    rows += [_row(course, plan, activities[a], tuple(events), status, today, calendar) for (a, status, _), events in groups.items()]
    return rows


def sort_due(rows: Iterable[DueRow]) -> list[DueRow]:
    """Overdue rows first, then by date, patient and same-day order."""
    return sorted(rows, key=lambda r: (r.status != "overdue", r.date, r.patient, r.order, r.key))


def _status(event: Event, first: date, last: date) -> str | None:
    if event.status == "overdue":
        return "overdue"
    if event.status != "planned" or not first <= event.date <= last:
        return None
    return "conditional" if event.conditional else "due"


def _row(course: Course, plan: Plan, activity: Activity, events: tuple[Event, ...], status: str, today: date,
         calendar: str) -> DueRow:
    head, tail = events[0], events[-1]
    what = head.name + (f" {head.route}" if head.route else "")
    if len(events) > 1 or taken_at_home(activity):
        pattern = (head.dose.pattern if head.dose else None) or activity.rule.pattern
        what += f" {format_pattern(pattern)}, {len(events)} dose{'s' if len(events) != 1 else ''}"
        if len(events) > 1:
            what += f" {head.date.isoformat()} to {tail.date.isoformat()}"
    elif head.cycle is not None:
        what += f" C{head.cycle}" + (f"D{head.day}" if head.day not in (None, 1) else "")
    elif activity.rule.pattern is not None or head.occurrence > 1:
        what += f" #{head.occurrence}"
    if head.conditional and head.condition:
        what += f" (if: {head.condition})"
    labs = ""
    if activity.gates and any(gated(activity, e) for e in events):
        labs = gates_text(activity.gates, activity.gate_lookback)
    return DueRow(head.date, tail.date, head.earliest, head.latest, (head.latest - today).days, course.patient, plan.protocol.id,
                  plan.arm.id, activity.id, what, head.dose.text if head.dose else "", status, labs, len(events), head.key, calendar,
                  activity.order, not taken_at_home(activity) or head.has_window)




def due(paths: Iterable[str | Path], first: date, last: date, today: date, *, protocol_dirs: Iterable[str] = (), jobs: int = 1,
        failed: Callable[[Failed], None] = lambda f: None) -> list[DueRow]:
    """Every course's rows (re-planned to ``last`` as of ``today``), sorted; each failure goes to ``failed``."""
    rows: list[DueRow] = []
    work = partial(_rows_of, first=first, last=last, today=today)
    for result in each_course(paths, work, horizon=last, today=today, protocol_dirs=protocol_dirs, jobs=jobs):
        if isinstance(result, Failed):
            failed(result)
        else:
            rows += result
    return sort_due(rows)


def _rows_of(item: Replanned, *, first: date, last: date, today: date) -> list[DueRow]:
    return due_rows(item.course, item.plan, first, last, today, calendar_id(item.course))
