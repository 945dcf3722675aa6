"""Drug supply: how much of each drug a cohort needs, period by period, and what to dispense.

For every patient's plan, each drug's certain (not conditional) administrations in each period
are counted straight from the plan's compact runs, so a two-year daily drug costs no expansion.
Vials are whole per administration (what a dose leaves in a vial is waste); tablets and capsules
are the exact combination the dose sheet gives.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from typing import NamedTuple

from .dosing import Dose
from .plan import Plan
from .units import format_number

__all__ = ["Line", "Supply", "add_plan", "for_patient", "periods", "summarize"]


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

    def lines(self) -> Iterator[Line]:
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
    course's dose level or recalculated weight), else at the track's.
    """
    result = []
    bounds = [(a.toordinal(), b.toordinal()) for a, b in periods(first, last, by)]
    for track in plan.tracks:
        if track.activity.drug is None:
            continue
        by_dose: dict[int, tuple[Dose, list]] = {}
        for run in track.runs:
            dose = run.dose if run.dose is not None else track.dose
            if dose is not None and not run.conditional and run.status == "planned":
                by_dose.setdefault(id(dose), (dose, []))[1].append(run)
        for dose, runs in by_dose.values():
            certain = track._replace(runs=tuple(runs))
            for index, (lo, hi) in enumerate(bounds):
                count = certain.count_between(lo, hi)
                if count:
                    result.append((index, track.activity.drug, dose.form, count, dose.amount, dose.waste, dose.units))
    return result


def for_patient(patient_id: str, plan: Plan, *, first: date, last: date, by: str) -> list:
    """The cohort work function: a plan's contribution (small, cheap to send between processes)."""
    return summarize(plan, first, last, by)


def add_plan(supply: Supply, plan: Plan, first: date, last: date, by: str) -> None:
    supply.add(summarize(plan, first, last, by))
