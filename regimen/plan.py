"""The values a scheduler returns: Plan, Event, Track. A plan keeps occurrences compact and expands events on first read."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from datetime import time as dt_time
from functools import cached_property
from typing import NamedTuple

from .dosing import Dose
from .errors import InputError
from .model import Activity, Arm, Protocol
from .patient import Patient
from .rules import CycleDays, Every, Rule, Run

__all__ = ["TAKEN", "DoseSheet", "Event", "Milestone", "Occurrences", "Plan", "Track", "home_dosed", "taken_at_home"]

TAKEN = ("planned", "given", "overdue")  # statuses of occurrences that happen (or were due); held and skipped ones do not


class Event(NamedTuple):
    """One dated occurrence of an activity: a dose-day, a procedure or an assessment."""

    key: str
    date: date
    earliest: date
    latest: date
    kind: str
    activity: str
    name: str
    occurrence: int
    order: int
    drug: str | None = None
    route: str | None = None
    dose: Dose | None = None
    cycle: int | None = None
    day: int | None = None
    conditional: bool = False
    condition: str | None = None
    duration_hours: float | None = None
    notes: tuple[str, ...] = ()
    status: str = "planned"  # planned, given, held or skipped (a course's recorded past)

    @property
    def has_window(self) -> bool:
        return self.earliest != self.date or self.latest != self.date

    def __repr__(self) -> str:
        dose = f" {self.dose.text}" if self.dose is not None else ""
        return f"<Event {self.key} {self.date.isoformat()}{dose}{' (conditional)' if self.conditional else ''}>"


class Milestone(NamedTuple):
    """A date the plan derives rather than schedules (the end of the contraception period after the
    last dose): an all-day event in a calendar, never a dose or a visit that can be overdue."""

    key: str
    date: date
    name: str
    derivation: tuple[str, ...]


class Track(NamedTuple):
    """One activity's occurrences in a plan, kept compact as runs of day ordinals."""

    activity: Activity
    dose: Dose | None
    notes: tuple[str, ...]
    runs: tuple[Occurrences, ...]

    def size(self) -> int:  # not __len__ or count: a NamedTuple is a tuple and relies on both
        return sum(len(run.days) for run in self.runs)

    def ordinals(self) -> Iterator[int]:
        for run in self.runs:
            yield from run.days

    def count_between(self, first: int, last: int) -> int:
        """How many occurrences fall on day ordinals first..last (inclusive), without expanding."""
        return sum(len(run.days[_bisect(run.days, first):_bisect(run.days, last + 1)]) for run in self.runs)


class Occurrences(NamedTuple):
    """A Run placed in a plan: with the window of its first element and whether it is conditional."""

    days: range
    number: int
    cycle: int | None
    cycle_step: int
    day: int | None
    earliest: int
    latest: int
    conditional: bool
    condition: str | None
    first_window: bool
    dose: Dose | None = None
    status: str = "planned"

    def cycle_day(self, index: int) -> tuple[int | None, int | None]:
        return Run.cycle_day(self, index)  # type: ignore[arg-type]


def _bisect(days: range, ordinal: int) -> int:
    """Index of the first element of ``days`` at or after ``ordinal``."""
    if ordinal <= days.start:
        return 0
    return min(len(days), -(-(ordinal - days.start) // days.step))


@dataclass(frozen=True)
class Plan:
    """A patient's calendar for one arm, and its warnings.

    Occurrences are kept compact (``tracks``); ``events`` expands them, sorted by
    (date, order, key), the first time it is read.
    """

    protocol: Protocol
    arm: Arm
    patient: Patient
    start: date
    horizon_end: date
    horizon_given: bool
    choices: tuple[tuple[str, str, bool], ...]
    doses: tuple[tuple[str, Dose], ...]
    warnings: tuple[str, ...]
    tracks: tuple[Track, ...]
    milestones: tuple[Milestone, ...] = ()
    records: tuple = ()  # a course's records (course/file.Record), for the date derivations of a re-plan

    @cached_property
    def events(self) -> tuple[Event, ...]:
        events = [event for track in self.tracks for event in _events(self, track)]
        events.sort(key=lambda e: (e.date, e.order, e.activity, e.occurrence))
        return tuple(events)

    def __iter__(self) -> Iterator[Event]:
        return iter(self.events)

    def __len__(self) -> int:
        return sum(track.size() for track in self.tracks)

    def track(self, activity_id: str) -> Track | None:
        self.arm.activity(activity_id)  # an unknown id is an error, not an empty answer
        return next((t for t in self.tracks if t.activity.id == activity_id), None)

    def for_activity(self, activity_id: str) -> tuple[Event, ...]:
        track = self.track(activity_id)
        return tuple(sorted(_events(self, track), key=lambda e: e.date)) if track else ()

    def dates(self, activity_id: str) -> list[date]:
        """The days an activity happens (given or planned; not held or skipped)."""
        track = self.track(activity_id)
        if track is None:
            return []
        return sorted(date.fromordinal(o) for run in track.runs if run.status in TAKEN for o in run.days)

    def between(self, first: date | str, last: date | str) -> tuple[Event, ...]:
        """The events from ``first`` to ``last``, both included."""
        from .inputs import parse_date

        first, last = parse_date(first, "first"), parse_date(last, "last")
        return tuple(e for e in self.events if first <= e.date <= last)

    def dose(self, activity_id: str) -> Dose | None:
        """The dose of one of the arm's activities (None for a procedure); an unknown id is a LookupFailure."""
        found = dict(self.doses).get(activity_id)
        if found is None:
            self.arm.activity(activity_id)  # "apatinb": unknown, with a did-you-mean
        return found

    def to_json(self) -> str:
        """The plan as ``regimen schedule --format json`` prints it (schema: ``regimen/schema/plan.schema.json``)."""
        from .export.json import dumps

        return dumps(self)

    def to_csv(self, *, bom: bool = False) -> str:
        """The plan as ``regimen schedule --format csv`` prints it; ``bom`` adds the byte-order mark ``-o FILE`` writes."""
        from .export.csv import dumps

        return dumps(self, bom=bom)

    def to_fhir(self, version: str = "R4", *, patient: str | None = None, calendar: str | None = None, course=None) -> str:
        """The plan as ``regimen schedule --format fhir`` prints it: a FHIR ``R4`` (or ``R5``) transaction Bundle.
        ``patient`` is a pseudonym for the Patient's identifier; ``calendar`` the id resource ids derive from;
        ``course`` (the Course this plan was re-planned from) gives both, and the reasons of held and skipped doses."""
        from .export.fhir import plan_dumps

        return plan_dumps(self, version, patient=patient, calendar=calendar, course=course)

    def to_html(self, *, time: str | dt_time | None = None, label: str | None = None, today: date | str | None = None) -> str:
        """The printable calendar ``regimen schedule --format html`` writes: a month grid per month, a diary
        card per oral drug, the assumptions and dose derivations; ``time="09:00"`` times clinic events,
        ``label`` heads every page, ``today`` (a course's) is marked. ``regimen.export.pdf.pdf_bytes`` makes it a PDF."""
        from .export.html import calendar_html
        from .export.html.calendar import check_label
        from .inputs import parse_clock, parse_date

        if label is not None and not isinstance(label, str):
            raise InputError("label", f"expected text, got {type(label).__name__}")
        check_label(label, "label")
        return calendar_html(self, at=parse_clock(time, "time"), label=label,
                             today=None if today is None else parse_date(today, "today"))

    def to_ics(self, *, time: str | dt_time | dict | None = None, tz: str | None = None, remind: str | timedelta | None = None,
               label: str | None = None, dose_time: str | dt_time | dict | None = None, separate: bool = False) -> str:
        """The plan as ``regimen schedule --format ics`` prints it, with the same options:
        ``time="09:00"`` (or ``{"haic": "08:00", "default": "09:00"}``) times clinic events in zone
        ``tz``, ``dose_time`` likewise home doses, ``remind="1d"`` adds reminders, ``label`` names
        the calendar, ``separate=True`` keeps a visit's drugs as separate events."""
        from .export.ics import dumps
        from .export.ics_visits import activity_times
        from .inputs import parse_reminder

        if tz is not None and time is None and dose_time is None:
            raise InputError("tz", "sets the zone of time; give time too, or drop tz (all-day events have no zone)")
        for name, value in (("tz", tz), ("label", label)):
            if value is not None and not isinstance(value, str):
                raise InputError(name, f"expected text, got {type(value).__name__}")
        try:
            times = {name: activity_times(_clock_texts(name, given), name, self) for name, given in (("time", time), ("dose_time", dose_time))}
            return dumps(self, times=times["time"], dose_times=times["dose_time"], tz=tz, remind=parse_reminder(remind, "remind"),
                         label=label, separate=bool(separate))
        except InputError as exc:  # the exporter speaks the CLI's flags
            if exc.option == "--tz":
                raise InputError("tz", exc.detail) from None
            raise

    def __repr__(self) -> str:
        count = len(self.warnings)
        return (f"<Plan {self.protocol.id}/{self.arm.id} {self.start.isoformat()}..{self.horizon_end.isoformat()}: "
                f"{len(self)} events, {count} warning{'s' if count != 1 else ''}>")

    def home_dosed(self) -> set[str]:
        """Activities taken at home: daily, every other day, or on cycle days."""
        return {a.id for a in self.arm.activities if home_dosed(a.rule)}

    def grouped(self, alike: tuple[str, ...] = ()) -> list[tuple[Event, ...]]:
        """Events grouped for display: each home-dosed drug (repeated more often than weekly, or on
        cycle days) is one group per dose and status (``alike`` statuses count as one, as a calendar
        series does); every other event stands alone. Groups are in order of their first event."""
        home = self.home_dosed()
        groups: dict[tuple[str, int, str], list[Event]] = {}
        order: list[list[Event]] = []
        for event in self.events:
            if event.activity not in home or event.dose is None or event.conditional:
                order.append([event])
                continue
            key = (event.activity, id(event.dose), "alike" if event.status in alike else event.status)
            if key in groups:
                groups[key].append(event)
            else:
                groups[key] = [event]
                order.append(groups[key])
        return [tuple(group) for group in order]


def _events(plan: Plan, track: Track) -> Iterator[Event]:
    activity, notes = track.activity, track.notes
    prefix = f"{plan.protocol.id}/{plan.arm.id}/{activity.id}/"
    head = (activity.kind, activity.id, activity.name)
    make, fromordinal = tuple.__new__, date.fromordinal  # the hot loop of a cohort export
    for run in track.runs:
        middle = (activity.order, activity.drug, activity.route, run.dose if run.dose is not None else track.dose)
        tail = (run.conditional, run.condition, activity.duration_hours, notes, run.status)
        for index, ordinal in enumerate(run.days):
            when = fromordinal(ordinal)
            number = run.number + index
            if index == 0 and run.first_window:
                earliest, latest = fromordinal(run.earliest), fromordinal(run.latest)
            else:
                earliest = latest = when
            yield make(Event, (prefix + str(number), when, earliest, latest, *head, number, *middle,
                               *run.cycle_day(index), *tail))


def _clock_texts(name: str, given: object) -> list[str]:
    """``time=`` or ``dose_time=`` of :meth:`Plan.to_ics` as the CLI's ``[ACTIVITY=]HH:MM`` texts."""
    if given is None:
        return []
    pairs = given.items() if isinstance(given, dict) else [("default", given)]
    texts = []
    for key, value in pairs:
        if not isinstance(key, str) or not isinstance(value, (str, dt_time)):
            raise InputError(name, f"expected HH:MM text, a datetime.time or a dict of them by activity, got {type(value).__name__}")
        texts.append(f"{key}={value if isinstance(value, str) else value.strftime('%H:%M')}")
    return texts


def home_dosed(rule: Rule) -> bool:
    """Daily, every-other-day or cycle-day dosing: taken at home, shown as one series."""
    pattern = rule.pattern
    return isinstance(pattern, CycleDays) or (isinstance(pattern, Every) and pattern.days < 7)


class DoseSheet(NamedTuple):
    """Every drug's dose for one patient on one arm, without dates: what a pharmacist checks."""

    protocol: Protocol
    arm: Arm
    patient: Patient
    choices: tuple[tuple[str, str, bool], ...]
    doses: tuple[tuple[str, Dose], ...]
    warnings: tuple[str, ...]

    def __repr__(self) -> str:
        return f"<DoseSheet {self.protocol.id}/{self.arm.id}: {', '.join(f'{a} {d.text}' for a, d in self.doses)}>"


def taken_at_home(activity: Activity) -> bool:
    """A drug on a home-dosing pattern (a tablet daily or on cycle days); a procedure such as SBRT on
    alternate days is a clinic series even though its pattern looks the same."""
    return activity.kind == "drug" and home_dosed(activity.rule)
