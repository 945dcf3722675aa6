"""Drug supply: how much of each drug a cohort needs, period by period, and what to dispense.

For every patient's plan, each drug's certain (not conditional) administrations in each period
are counted straight from the plan's compact runs, so a two-year daily drug costs no expansion.
Vials are whole per administration (what a dose leaves in a vial is waste); tablets and capsules
are the exact combination the dose sheet gives.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple

from .dosing import Dose
from .plan import Occurrences, Plan

if TYPE_CHECKING:
    from .cohort import RowInputs
    from .model import Activity
from .units import format_number

__all__ = ["Line", "Supply", "add_plan", "for_patient", "for_row", "periods", "summarize"]


class Line(NamedTuple):
    """One drug in one period."""

    start: date
    end: date
    drug: str
    form: str | None
    administrations: int
    total_mg: float
    units: tuple[tuple[float, int], ...]  # (strength mg, count) to dispense
    waste_mg: float
    unknown_units: int  # administrations whose units the protocol's strengths cannot give

    def dispense(self) -> str:
        if not self.units:
            return "no product strengths in the protocol" if not self.form else "-"
        text = " + ".join(f"{n} × {format_number(s)} mg {self.form}{'s' if n != 1 else ''}" for s, n in self.units)
        return text + (f" (+{self.unknown_units} doses to work out)" if self.unknown_units else "")


def periods(first: date, last: date, by: str) -> list[tuple[date, date]]:
    """Calendar weeks (Monday to Sunday) or months covering first..last, clipped to it."""
    result = []
    start = first - timedelta(days=first.weekday()) if by == "week" else first.replace(day=1)
    while start <= last:
        following = _next(start, by)
        result.append((max(start, first), min(following - timedelta(days=1), last)))
        start = following
    return result


def _next(start: date, by: str) -> date:
    if by == "week":
        return start + timedelta(days=7)
    return (start.replace(day=28) + timedelta(days=4)).replace(day=1)


Key = tuple[int, str]  # (period index, drug)


class Supply:
    """Running totals; add plans (or per-plan summaries from workers) one at a time."""

    def __init__(self, first: date, last: date, by: str) -> None:
        self.periods = periods(first, last, by)
        self._admin: dict[Key, int] = defaultdict(int)
        self._mg: dict[Key, float] = defaultdict(float)
        self._waste: dict[Key, float] = defaultdict(float)
        self._units: dict[Key, dict[float, int]] = defaultdict(lambda: defaultdict(int))
        self._unknown: dict[Key, int] = defaultdict(int)
        self._forms: dict[str, str | None] = {}
        self._shared: dict[tuple, list] = {}  # (drug, form, counts) -> [rows, mg each summed, waste summed, units summed, rows unknown]

    def add(self, summary: Iterable[tuple[int, str, str | None, int, float, float, tuple[tuple[float, int], ...]]]) -> None:
        for index, drug, form, count, amount, waste, units in summary:
            key = (index, drug)
            self._forms.setdefault(drug, form)
            self._admin[key] += count
            self._mg[key] += count * amount
            self._waste[key] += count * waste
            if units:
                for strength, n in units:
                    self._units[key][strength] += count * n
            elif form is not None:
                self._unknown[key] += count

    def add_row(self, row: tuple[list, list]) -> None:
        """A cohort row's contribution from ``for_row``: (drug, form, amount, waste, units, counts) per
        drug, counts being (period index, administrations) pairs its timeline shares with like rows;
        then any summary lines (a drug whose runs differ in dose)."""
        shared, summary = row
        for drug, form, amount, waste, units, counts in shared:
            self._forms.setdefault(drug, form)
            found = self._shared.get((drug, form, counts))
            if found is None:
                found = self._shared[(drug, form, counts)] = [0, 0.0, 0.0, defaultdict(int), 0]
            found[0] += 1
            found[1] += amount
            found[2] += waste
            if units:
                for strength, n in units:
                    found[3][strength] += n
            elif form is not None:
                found[4] += 1
        if summary:
            self.add(summary)

    def _fold(self) -> None:
        """Shared timelines into the period totals: each period's count times the rows' summed doses."""
        for (drug, _form, counts), (rows, amount, waste, units, unknown) in self._shared.items():
            for index, count in counts:
                key = (index, drug)
                self._admin[key] += count * rows
                self._mg[key] += count * amount
                self._waste[key] += count * waste
                for strength, n in units.items():
                    self._units[key][strength] += count * n
                if unknown:
                    self._unknown[key] += count * unknown
        self._shared.clear()

    def lines(self) -> Iterator[Line]:
        self._fold()
        for key in sorted(self._admin, key=lambda k: (k[0], k[1])):
            index, drug = key
            start, end = self.periods[index]
            units = tuple(sorted(self._units[key].items(), reverse=True)) if key in self._units else ()
            yield Line(start, end, drug, self._forms[drug], self._admin[key], round(self._mg[key], 2), units,
                       round(self._waste[key], 2), self._unknown.get(key, 0))


def summarize(plan: Plan, first: date, last: date, by: str) -> list[tuple[int, str, str | None, int, float, float, tuple]]:
    """One plan's contribution: (period index, drug, form, administrations, mg each, waste each, units each).

    Only what is still to come counts: planned, certain (not conditional) runs; a re-planned course's
    given, held, skipped and overdue runs need no supply. Each run is counted at its own dose (a
    course's dose level or recalculated weight), else at the track's. Counted from the runs'
    ranges (a run meets the few periods it spans), never expanded.
    """
    return _summary(((t.activity, t.dose, t.runs) for t in plan.tracks), _bounds(first, last, by))


@lru_cache(maxsize=16)
def _bounds(first: date, last: date, by: str) -> tuple[tuple[int, int], ...]:
    return tuple((a.toordinal(), b.toordinal()) for a, b in periods(first, last, by))


def _summary(tracks: Iterable[tuple[Activity, Dose | None, tuple[Occurrences, ...]]], bounds: tuple[tuple[int, int], ...]) -> list:
    result = []
    starts = [lo for lo, _ in bounds]
    for activity, track_dose, runs in tracks:
        if activity.drug is None:
            continue
        by_dose: dict[int, tuple[Dose, list[int]]] = {}
        for run in runs:
            dose = run.dose if run.dose is not None else track_dose
            if dose is None or run.conditional or run.status != "planned" or not run.days:
                continue
            counts = by_dose.setdefault(id(dose), (dose, [0] * len(bounds)))[1]
            days = run.days
            index = max(0, bisect_right(starts, days[0]) - 1)
            while index < len(bounds) and bounds[index][0] <= days[-1]:
                lo, hi = bounds[index]
                counts[index] += len(days[_at(days, lo):_at(days, hi + 1)])
                index += 1
        for dose, counts in by_dose.values():
            result += [(index, activity.drug, dose.form, count, dose.amount, dose.waste, dose.units)
                       for index, count in enumerate(counts) if count]
    return result


def _at(days: range, ordinal: int) -> int:
    """Index of the first element of ``days`` at or after ``ordinal``."""
    if ordinal <= days.start:
        return 0
    return min(len(days), -(-(ordinal - days.start) // days.step))


def for_patient(patient_id: str, plan: Plan, *, first: date, last: date, by: str) -> list:
    """The cohort work function: a plan's contribution (small, cheap to send between processes)."""
    return summarize(plan, first, last, by)


_TIMELINES: dict[tuple, tuple[object, tuple]] = {}  # rows planned alike -> (protocol, per activity: (activity, runs, counts))


def for_row(patient_id: str, given: RowInputs, *, first: date, last: date, by: str) -> tuple[list, list]:
    """The cohort work function on a row's inputs (for ``Supply.add_row``): its doses from its own
    weight and height, its dates from the first row of this run with the same protocol, arm, day 0,
    pins, choices, levels, horizon and rules (a rule that depends on weight, qd from 60 kg and qod
    below, is part of that key), planned once and counted per period once."""
    from .prepare import prepare

    ready = prepare(given.protocol, given.arm, given.patient, given.choices, given.levels, "mosteller")
    bounds = _bounds(first, last, by)
    key = (id(given.protocol), given.arm, given.start, tuple(sorted(given.pins.items())), tuple(sorted(given.choices.items())),
           tuple(sorted(given.levels.items())), given.horizon, given.allow_past, bounds,
           tuple((a.id, ready.rules[a.id].pattern) for a in ready.activities if ready.rules[a.id] is not a.rule))  # a dose's own pattern
    found = _TIMELINES.get(key)
    if found is None or found[0] is not given.protocol:
        found = (given.protocol, tuple(_counted(t.activity, t.runs, bounds) for t in given.plan().tracks if t.activity.drug))
        if len(_TIMELINES) >= 4096:
            _TIMELINES.clear()
        _TIMELINES[key] = found
    shared, summary = [], []
    for activity, runs, counts in found[1]:
        dose = ready.doses.get(activity.id)
        if counts is None:  # runs at doses of their own (a re-planned course's): summed run by run
            summary += _summary([(activity, dose, runs)], bounds)
        elif dose is not None and counts:
            shared.append((activity.drug, dose.form, dose.amount, dose.waste, dose.units, counts))
    return shared, summary


def _counted(activity: Activity, runs: tuple[Occurrences, ...], bounds: tuple[tuple[int, int], ...]) -> tuple:
    """(activity, runs, (period index, administrations) pairs), the pairs None when a run has a dose of its own."""
    if any(run.dose is not None for run in runs):
        return activity, runs, None
    summary = _summary([(activity, _ANY, runs)], bounds)
    return activity, runs, tuple((index, count) for index, _, _, count, _, _, _ in summary)


class _AnyDose(NamedTuple):  # stands for the row's own dose while a shared timeline is counted
    form: None = None
    amount: float = 0.0
    waste: float = 0.0
    units: tuple = ()


_ANY = _AnyDose()


def add_plan(supply: Supply, plan: Plan, first: date, last: date, by: str) -> None:
    supply.add(summarize(plan, first, last, by))
