"""Walking one activity's occurrences: which record decides each one, and the generator that
places a repeating activity's occurrences one after another from what happened (see replan.py)."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from datetime import date
from typing import NamedTuple

from ..model import Activity
from ..plan import Occurrences
from ..rules import CycleDays, Every, Rule
from .file import Record

__all__ = ["DONE", "MOVES", "Occ", "Resolved", "Walk", "apply", "compact", "hold", "holds_of", "resolve", "stop_of", "too_late"]

_LAST = 10**9  # sorts after any day ordinal
_MAX_OCCURRENCES = 20_000  # a guard: ten years of daily dosing is 3,653
DONE = ("given", "skipped")  # records that settle an occurrence
MOVES = ("given", "rescheduled", "confirmed")  # records that date an occurrence


class Occ:
    """One occurrence while records are applied (mutable, local to this module)."""

    __slots__ = ("cday", "condition", "conditional", "cycle", "day", "dose", "due", "earliest", "first", "given_dose", "latest",
                 "number", "status")

    def __init__(self, day: int, number: int, *, cycle: int | None = None, cday: int | None = None, earliest: int | None = None,
                 latest: int | None = None, conditional: bool = False, condition: str | None = None, first: bool = False,
                 status: str = "planned") -> None:
        self.day = self.due = day
        self.number, self.cycle, self.cday = number, cycle, cday
        self.earliest = day if earliest is None else earliest
        self.latest = day if latest is None else latest
        self.conditional, self.condition, self.first = conditional, condition, first
        self.status, self.dose, self.given_dose = status, None, None

    @classmethod
    def of(cls, run: Occurrences, index: int) -> Occ:
        cycle, cday = run.cycle_day(index)
        first = index == 0 and run.first_window
        return cls(run.days[index], run.number + index, cycle=cycle, cday=cday, earliest=run.earliest if first else None,
                   latest=run.latest if first else None, conditional=run.conditional, condition=run.condition, first=first,
                   status=run.status)


class Resolved(NamedTuple):
    """Each occurrence's deciding record, the home records still to match by date, and home records over days."""

    by_number: dict[int, Record]
    by_date: dict[int, Record]
    spans: tuple[Record, ...] = ()  # sorted by their first day
    span_days: tuple[tuple[int, int], ...] = ()  # each span's first and last day ordinals

    def find(self, number: int, day: int) -> Record | None:
        """The record deciding occurrence ``number``, due on ``day``."""
        found = self.by_number.get(number) or self.by_date.get(day)
        if found is None and self.spans:
            at = bisect_right(self.span_days, (day, _LAST)) - 1  # the nearest span starting on or before the day
            while at >= 0:
                if day <= self.span_days[at][1]:
                    return self.spans[at]  # the dose planned that day, taken (or not) that day: see apply
                at -= 1
        return found


def resolve(records: list[Record], home: bool) -> Resolved:
    """Which occurrence each given / rescheduled / skipped / confirmed record is about (see the module's doc)."""
    by_number: dict[int, Record] = {}
    by_date: dict[int, Record] = {}
    spans: list[Record] = []
    done: set[int] = set()
    for record in records:
        if record.type not in (*DONE, "rescheduled", "confirmed"):
            continue
        if record.type in DONE and record.until is not None:  # home doses over days; the first one starts the course
            if 1 not in done:
                done.add(1)
                by_number[1] = record._replace(occurrence=1, until=None)
            spans.append(record)
            continue
        number = record.occurrence
        if number is None and home and record.type in DONE and record.date is not None and 1 in done:
            by_date[record.date.toordinal()] = record
            continue
        if number is None:
            number = 1 if record.type == "confirmed" else next(n for n in range(1, len(records) + 2) if n not in done)
        record = record._replace(occurrence=number)
        if record.type in DONE:
            done.add(number)
            by_number[number] = record
        elif by_number.get(number) is None or by_number[number].type not in DONE:
            by_number[number] = record
    spans.sort(key=lambda r: r.date)
    return Resolved(by_number, by_date, tuple(spans), tuple((r.date.toordinal(), r.until.toordinal()) for r in spans))




def apply(occ: Occ, record: Record | None) -> None:
    """Date or settle one occurrence by its record."""
    if record is None:
        return
    if record.until is not None:  # given or skipped over days: settles the dose where it is
        occ.status = record.type
        if record.type == "given":
            occ.conditional, occ.condition = False, None
        return
    if record.type in MOVES and record.date is not None:
        occ.day = record.date.toordinal()
        occ.status = "planned" if record.type in ("rescheduled", "confirmed") else "given"
        if record.type in ("confirmed", "given"):  # confirmed, or it happened: no longer conditional
            occ.conditional, occ.condition = False, None
        if record.type == "given":
            occ.given_dose = record.dose
    elif record.type == "skipped":
        occ.status = "skipped"


OPEN_END = date(2100, 12, 31).toordinal()  # a hold until recovery with no restart yet: held to the last accepted date


def holds_of(records: list[Record]) -> list[tuple[int, int, bool]]:
    """(first, last, until recovery) of each hold; a hold until recovery ends the day before the next ``restarted``."""
    return sorted((r.date.toordinal(), r.until.toordinal() if r.until else open_end(r, records), r.until is None)
                  for r in records if r.type == "held" and r.date)


def open_end(hold: Record, records: list[Record]) -> int:
    """The last day of a hold until recovery: the day before the first later ``restarted``, else OPEN_END."""
    return min((r.date.toordinal() - 1 for r in records if r.type == "restarted" and r.date and r.date > hold.date), default=OPEN_END)


def stop_of(records: list[Record]) -> int | None:
    return min((r.date.toordinal() for r in records if r.type == "discontinued" and r.date), default=None)


def hold(occ: Occ, holds: list[tuple[int, int, bool]], home: bool) -> None:
    """Home doses inside a hold are not taken; a clinic occurrence moves to the day after it, except in a hold
    until recovery, where it is not given either (held: the series begins again on the day it is restarted)."""
    for first, last, recovery in holds:
        if first <= occ.day <= last:
            if home or recovery:
                occ.status = "held"
                return
            occ.day = last + 1


def too_late(activity: Activity, occ: Occ, warnings: list[str]) -> bool:
    slipped = occ.day - occ.due
    if activity.max_delay is not None and occ.status in ("planned", "given") and slipped > activity.max_delay:
        warnings.append(f"{activity.name} #{occ.number} would be {slipped} days late, more than the {activity.max_delay} "
                        f"days the protocol allows: {activity.name} stops")
        return True
    return False


class Walk:
    """A repeating activity's occurrences, generated one after another from what happened."""

    def __init__(self, step_on: Callable[[int], int], activity: Activity, rule: Rule, records: list[Record], resolved: Resolved,
                 home: bool, until: date, warnings: list[str]) -> None:
        self.step_on, self.activity, self.rule, self.records = step_on, activity, rule, records
        self.resolved, self.home, self.warnings = resolved, home, warnings
        self.scope = activity.on_delay or ("this" if home else "all")
        self.holds = holds_of(records)
        self.stops = sorted({r.date.toordinal() for r in records if r.type == "discontinued" and r.date})
        self.restarts = sorted({r.date.toordinal() for r in records if r.type == "restarted" and r.date})
        self.levels = any(r.type == "level" for r in records)
        self.last_number = max((n for n, r in resolved.by_number.items() if r.type in DONE), default=0)
        self.last_day = max(((r.until or r.date).toordinal() for r in records if r.date and r.type in DONE), default=0)
        self.end = until.toordinal()

    def run(self, first: Occurrences) -> list[Occ]:
        pattern, rule = self.rule.pattern, self.rule
        cycles = isinstance(pattern, CycleDays)
        step = pattern.days if isinstance(pattern, Every) else 0
        due = day1 = first.days[0]
        cycle, index, shift = 1, 0, 0  # cycle patterns: the cycle, which listed day comes next, the delay carried in the cycle
        out: list[Occ] = []
        counted, span_end, pending = 0, None, list(self.restarts)
        stop = self.stops[0] if self.stops else None
        number = 0
        while number < _MAX_OCCURRENCES:
            if pending and index == 0 and due < pending[0] < due + (pattern.length if cycles else step) and not self._recorded(due, pending[0]):
                due = pending[0]  # a cycle (or dose) that starts late: the restart is its day 1, nothing before it is due
            if pending and pending[0] <= due:  # restarted: the pattern begins again, day 1 on that day
                due = day1 = pending.pop(0)
                if cycles and index != 0:
                    cycle, index, shift = cycle + 1, 0, 0
                stop = next((s for s in self.stops if s > day1), None)
            number += 1
            if self.levels and not cycles:
                step = self.step_on(due)
            if cycles:
                cday = pattern.days[index]
            else:
                cycle, cday = (counted + 1, 1) if step >= 7 else (None, None)
            counts = cycles or (step >= 7 and self.activity.kind != "assessment")  # a scan every 9 weeks is no cycle
            occ = Occ(due, number, cycle=cycle if counts else None, cday=cday if counts else None,
                      earliest=first.earliest if number == 1 else None, latest=first.latest if number == 1 else None,
                      conditional=first.conditional, condition=first.condition, first=number == 1 and first.first_window)
            apply(occ, self.resolved.find(number, due))
            if occ.status == "skipped" and not cycles:
                occ.cycle = occ.cday = None  # a skipped dose is no cycle: the next one given is
            if occ.day < occ.due and out and not self.home and not cycles:
                self._early(occ, out[-1], step)
            if occ.status == "planned":
                hold(occ, self.holds, self.home)
                if occ.status == "held" and not cycles and not self.home:
                    occ.cycle = occ.cday = None  # a clinic dose held until recovery is no cycle: the next one given is
            if stop is not None and occ.day >= stop and occ.status not in DONE:
                later = [r for r in pending if r > stop]
                if not later:
                    break
                pending, due, number, index = later, later[0], number - 1, 0
                continue
            if too_late(self.activity, occ, self.warnings):
                break
            if occ.status == "held" and span_end is not None and occ.day >= span_end:
                break  # a dose held until recovery past the span's end ("for 6 months") is no dose at all
            if occ.status in ("planned", "given"):
                if span_end is None and rule.span is not None:
                    span_end = rule.span.end(date.fromordinal(occ.day)).toordinal()
                if span_end is not None and occ.day >= span_end and occ.status != "given":
                    break
                if rule.count is not None and (cycle if cycles else counted + 1) > rule.count:
                    break
                counted += 1
            if occ.day > self.end and number > self.last_number and occ.day > self.last_day:
                break
            out.append(occ)
            moved = self.scope == "all" or number == 1 or (cday == 1 and cycles)
            if not cycles:
                due = (occ.day if moved else due) + step
                continue
            if cday == 1:
                day1, shift = occ.day, 0  # a cycle runs from its actual day 1
            elif self.scope in ("all", "cycle"):
                shift += occ.day - due
            index += 1
            if index == len(pattern.days):
                day1 += pattern.length + (shift if self.scope == "all" else 0)
                cycle, index, shift = cycle + 1, 0, 0
            due = day1 + pattern.days[index] - 1 + shift
        return out

    def _early(self, occ: Occ, before: Occ, step: int) -> None:
        """A clinic dose before it is due is said with the numbers: the protocol states no early window."""
        from ..notation import format_pattern

        gap = occ.day - before.day
        self.warnings.append(f"{self.activity.name} #{occ.number} on {date.fromordinal(occ.day)} is {occ.due - occ.day} days early: "
                             f"{gap} day{'s' if gap != 1 else ''} after #{before.number} ({date.fromordinal(before.day)}); "
                             f"the protocol gives it every {step} days ({format_pattern(Every(step))})")

    def _recorded(self, first: int, last: int) -> bool:
        """Whether anything was recorded about a dose from day ``first`` up to (not including) ``last``:
        a dose, a skip or a hold there means the cycle did start on time."""
        return any(r.type in (*DONE, "held") and r.date and first <= r.date.toordinal() < last for r in self.records)


def compact(occs: list[Occ]) -> tuple[Occurrences, ...]:
    """Consecutive occurrences that differ only by a constant step become one run again."""
    runs: list[Occurrences] = []
    for occ in sorted(occs, key=lambda o: (o.day, o.number)):
        last = runs[-1] if runs else None
        merged = _merge(last, occ) if last is not None and not occ.first else None
        if merged is not None:
            runs[-1] = merged
        else:
            runs.append(Occurrences(range(occ.day, occ.day + 1), occ.number, occ.cycle, 0, occ.cday, occ.earliest, occ.latest,
                                    occ.conditional, occ.condition, occ.first, occ.dose, occ.status))
    return tuple(runs)


def _merge(run: Occurrences, occ: Occ) -> Occurrences | None:
    """``run`` extended by ``occ``, or None when ``occ`` does not continue it."""
    count = len(run.days)
    if (occ.number != run.number + count or occ.status != run.status or occ.dose is not run.dose or run.first_window
            or occ.conditional != run.conditional or occ.condition != run.condition):
        return None
    gap = occ.day - run.days[-1]
    if gap <= 0 or (count > 1 and gap != run.days.step):
        return None
    days = range(run.days.start, occ.day + gap, gap)
    if run.cycle is None:
        return run._replace(days=days) if occ.cycle is None and occ.cday is None and run.day is None else None
    if (count == 1 or run.cycle_step == 1) and occ.cycle == run.cycle + count and occ.cday == run.day:
        return run._replace(days=days, cycle_step=1)
    if (count == 1 or run.cycle_step == 0) and occ.cycle == run.cycle and run.day is not None and occ.cday == run.day + count * gap:
        return run._replace(days=days, cycle_step=0)
    return None
