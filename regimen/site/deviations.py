"""What deviated from the protocol in the recorded courses, and how much was on time.

A deviation is one of:

* ``window``: a first occurrence given outside the window its rule allows (said as the re-plan says it);
* ``early``: a clinic dose given before it was due (as the re-plan says it);
* ``late start``: a repeating clinic activity, or a cycle of home dosing, begun later than one
  interval (or cycle) after the one before; the protocols state no tolerance for later cycles, so a
  day late counts;
* ``dose``: a dose given more than 10% off the planned one (the course engine's tolerance);
* ``skipped`` / ``overdue``: a clinic occurrence recorded as skipped, or planned before today and
  never recorded;
* ``missed``: home doses skipped or planned before today and never recorded, counted per cycle
  (per calendar month for continuous daily dosing); held doses are a clinical decision, not missed;
* ``stopped``: an activity stopped because it would slip past its ``max_delay``.

On time / total counts clinic occurrences up to today (given, skipped or overdue) and home-dosing
starts (the first dose and each cycle's day 1): an occurrence is on time when it was given with no
deviation. Home doses are counted apart: taken / planned up to today. A conditional event still neither
confirmed nor ruled out is not owed, so it counts neither way (``regimen due`` lists it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import date
from functools import partial
from pathlib import Path
from typing import NamedTuple

from ..course.replan import DOSE_TOLERANCE
from ..model import Activity
from ..notation import format_pattern
from ..plan import Event, Plan, taken_at_home
from ..rules import CycleDays, Every
from ..units import format_number
from .courses import Failed, Replanned, each_course

__all__ = ["KINDS", "Deviation", "Tally", "deviations", "deviations_of", "tally"]

KINDS = ("window", "early", "late start", "dose", "skipped", "overdue", "missed", "stopped")


class Deviation(NamedTuple):
    patient: str
    protocol: str
    arm: str
    kind: str
    activity: str
    date: date
    detail: str


class Tally(NamedTuple):
    """On time / total for one patient (or, summed, one protocol arm)."""

    patient: str
    protocol: str
    arm: str
    on_time: int
    total: int
    home_taken: int
    home_planned: int

    @property
    def percent(self) -> float | None:
        return self.on_time / self.total * 100 if self.total else None

    def __add__(self, other: Tally) -> Tally:  # type: ignore[override]
        return self._replace(on_time=self.on_time + other.on_time, total=self.total + other.total,
                             home_taken=self.home_taken + other.home_taken, home_planned=self.home_planned + other.home_planned)


def deviations_of(item: Replanned, today: date) -> tuple[list[Deviation], Tally]:
    """One re-planned course's deviations (by date) and its tally."""
    plan, patient = item.plan, item.course.patient
    found: list[Deviation] = []
    on_time = total = taken = planned = 0
    by_activity: dict[str, list[Event]] = {}
    for event in plan.events:
        if event.conditional:  # not owed until confirmed: neither on time nor late
            continue
        if event.status in ("given", "skipped") or (event.status == "overdue" and event.date < today):
            by_activity.setdefault(event.activity, []).append(event)
    def add(kind: str, activity: Activity, when: date, detail: str) -> None:
        found.append(Deviation(patient, plan.protocol.id, plan.arm.id, kind, activity.id, when, detail))

    for activity in plan.arm.activities:
        events = by_activity.get(activity.id, [])
        home = taken_at_home(activity)
        if home:
            taken += sum(e.status == "given" for e in events)
            planned += len(events)
            for when, detail in _missed(activity, events):
                add("missed", activity, when, detail)
        counted = [e for e in events if not home or e.occurrence == 1 or (e.day == 1 and e.cycle is not None)]
        previous: Event | None = None
        for event in counted:
            problems = list(_problems(plan, activity, event, previous, home))
            total += 1
            on_time += event.status == "given" and not problems
            for kind, detail in problems:
                add(kind, activity, event.date, detail)
            previous = event
    for warning in plan.warnings:
        if "days the protocol allows" in warning:
            activity = next((a for a in plan.arm.activities if warning.startswith(f"{a.name} #")), None)
            if activity is not None:
                add("stopped", activity, today, warning)
    found.sort(key=lambda d: (d.date, KINDS.index(d.kind), d.activity))
    return found, Tally(patient, plan.protocol.id, plan.arm.id, on_time, total, taken, planned)


def tally(tallies: Iterable[Tally]) -> list[Tally]:
    """Per protocol arm: the patients' tallies summed (``patient`` is the number of patients)."""
    sums: dict[tuple[str, str], tuple[Tally, int]] = {}
    for one in tallies:
        key = (one.protocol, one.arm)
        before, count = sums.get(key, (one._replace(on_time=0, total=0, home_taken=0, home_planned=0), 0))
        sums[key] = (before + one, count + 1)
    return [t._replace(patient=str(n)) for _, (t, n) in sorted(sums.items())]


def _problems(plan: Plan, activity: Activity, event: Event, previous: Event | None, home: bool) -> Iterator[tuple[str, str]]:
    name, when = event.name, event.date.isoformat()
    if home and event.status != "given":
        return  # a home dose not taken is counted with the cycle's missed doses
    if event.status == "skipped":
        yield "skipped", f"{name} #{event.occurrence} planned on {when} was skipped"
        return
    if event.status == "overdue":
        yield "overdue", f"{name} #{event.occurrence} was planned on {when} and is not recorded"
        return
    if event.earliest != event.latest and not event.earliest <= event.date <= event.latest:
        said = _said(plan, f"{name} start {when} is ")
        yield "window", said or (f"{name} start {when} is outside its window "
                                 f"{event.earliest.isoformat()} to {event.latest.isoformat()}")
    early = _said(plan, f"{name} #{event.occurrence} on {when} is ")
    if early and "early" in early:
        yield "early", early
    late = _late(activity, event, previous)
    if late:
        yield "late start", late
    dose = event.dose
    if dose is not None and dose.planned:
        off = (dose.amount - dose.planned) / dose.planned * 100
        if abs(off) > DOSE_TOLERANCE:
            yield "dose", (f"{name} #{event.occurrence} on {when}: {format_number(dose.amount)} {dose.unit} given, {off:+.1f}% from the "
                           f"planned {format_number(dose.planned)} {dose.unit} (more than {format_number(DOSE_TOLERANCE)}% off)")


def _late(activity: Activity, event: Event, previous: Event | None) -> str | None:
    """A cycle, or a repeating clinic occurrence, begun later than one interval after the one before."""
    pattern = activity.rule.pattern
    if previous is None or previous.status != "given" or event.status != "given":
        return None
    if isinstance(pattern, CycleDays):
        if event.cycle is None or previous.cycle != event.cycle - 1:
            return None
        step, what, prev = pattern.length, f"{event.name} C{event.cycle}", f"C{previous.cycle} day 1"
        rule = f"cycles are {step} days ({format_pattern(pattern)})"
    elif isinstance(pattern, Every) and pattern.days >= 7 and previous.occurrence == event.occurrence - 1:
        step, what, prev = pattern.days, f"{event.name} #{event.occurrence}", f"#{previous.occurrence}"
        rule = f"the protocol gives it every {step} days ({format_pattern(pattern)})"
    else:
        return None
    gap = (event.date - previous.date).days
    if gap <= step:
        return None
    return (f"{what} started {event.date.isoformat()}, {gap - step} day{'s' if gap - step != 1 else ''} late: {gap} days after "
            f"{prev} ({previous.date.isoformat()}); {rule}")


def _missed(activity: Activity, events: list[Event]) -> Iterator[tuple[date, str]]:
    """Home doses not taken, one line per cycle (per month for continuous daily dosing)."""
    cycles = isinstance(activity.rule.pattern, CycleDays)
    groups: dict[object, list[Event]] = {}
    for event in events:
        groups.setdefault(event.cycle if cycles else (event.date.year, event.date.month), []).append(event)
    for key, group in groups.items():
        missed = [e for e in group if e.status != "given"]
        if not missed:
            continue
        skipped = sum(e.status == "skipped" for e in missed)
        where = f"cycle {key}" if cycles else f"{key[0]}-{key[1]:02d}"  # type: ignore[index]
        parts = [f"{n} {word}" for n, word in ((skipped, "skipped"), (len(missed) - skipped, "not recorded")) if n]
        yield missed[0].date, (f"{activity.name} {where}: {len(missed)} of {len(group)} doses up to today missed ({', '.join(parts)}), "
                               f"{_dates(missed)}")


def _said(plan: Plan, prefix: str) -> str | None:
    """The re-plan's own warning that begins with ``prefix``, if there is one."""
    return next((w for w in plan.warnings if w.startswith(prefix)), None)


def _dates(events: list[Event]) -> str:
    """The dates as runs of consecutive days: ``2026-12-06 to 2026-12-19, 2026-12-30``."""
    runs: list[list[date]] = []
    for event in events:
        if runs and (event.date - runs[-1][-1]).days == 1:
            runs[-1].append(event.date)
        else:
            runs.append([event.date])
    return ", ".join(run[0].isoformat() if len(run) == 1 else f"{run[0].isoformat()} to {run[-1].isoformat()}" for run in runs)


def deviations(paths: Iterable[str | Path], today: date, *, protocol_dirs: Iterable[str] = (), jobs: int = 1,
               failed: Callable[[Failed], None] = lambda f: None) -> tuple[list[Deviation], list[Tally], list[Tally]]:
    """Every course's deviations (by patient, then date), each patient's tally (by patient), and each protocol arm's."""
    found: list[Deviation] = []
    patients: list[Tally] = []
    for result in each_course(paths, partial(deviations_of, today=today), horizon=today, today=today, protocol_dirs=protocol_dirs,
                              jobs=jobs):
        if isinstance(result, Failed):
            failed(result)
            continue
        mine, counts = result
        found += mine
        patients.append(counts)
    patients.sort(key=lambda t: (t.patient, t.protocol, t.arm))
    found.sort(key=lambda d: d.patient)  # stable: each patient's stay by date
    return found, patients, tally(patients)
