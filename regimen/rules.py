"""Timing rules: immutable values whose expansion is a lazy generator over a patient's dates.

A :class:`Rule` says when an activity happens:

* its **start**: a nominal offset in days from an anchor (the arm's day 0, or the first, nth or
  each occurrence of another activity), with an allowed window around it;
* an optional **pattern** that repeats from the first occurrence: every N days (``qd``, ``qod``,
  ``q3w``) or given days of a cycle (``d1-21 q28d``);
* optional **limits**: a count (doses, or cycles for a cycle pattern) and a span (``for 6mo``,
  counted from the first occurrence, doses strictly before its end);
* or **visits at calendar months** after the start (``at 1,3,6,12mo``, ``q3mo to 24mo``), each
  with its own window of days either side: the start is month 0, the reference, not a visit.

A month is a calendar month (``dateutil.relativedelta``): each visit counts from the start, never
from the visit before, and a day missing from the month falls back to its last day, so a start on
31 January gives 1 month = 28 February (29 in a leap year) and 2 months = 31 March.

Expansion always stops at a date the caller gives, so nothing expands without a bound.
``notation.py`` prints and parses these values; nothing here knows the notation.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import NamedTuple

__all__ = ["DAY0", "Anchor", "CycleDays", "Every", "Months", "Rule", "Run", "Slot", "Span", "Start", "add_months"]

DAY0 = "day0"
_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Anchor:
    """What a start is measured from: ``day0``, or occurrence ``nth`` (or ``each``) of an activity."""

    activity: str = DAY0
    nth: int = 1
    each: bool = False

    def __post_init__(self) -> None:
        if self.nth < 1:
            raise ValueError(f"an anchor occurrence number starts at 1, got #{self.nth}")
        if self.activity == DAY0 and (self.each or self.nth != 1):
            raise ValueError("day0 has a single occurrence; use 'after day0'")
        if self.each and self.nth != 1:
            raise ValueError("use either 'each ACTIVITY' or 'ACTIVITY#N', not both")


@dataclass(frozen=True, slots=True)
class Start:
    """Nominal ``offset`` days after the anchor, allowed from ``earliest`` to ``latest`` days."""

    anchor: Anchor = Anchor()
    offset: int = 0
    earliest: int = 0
    latest: int = 0

    @classmethod
    def after(cls, anchor: Anchor, offset: int, window: tuple[int, int] | None = None) -> Start:
        earliest, latest = window if window is not None else (offset, offset)
        return cls(anchor, offset, earliest, latest)

    def __post_init__(self) -> None:
        if not self.earliest <= self.offset <= self.latest:
            raise ValueError(
                f"the window [{self.earliest}d..{self.latest}d] must contain the nominal offset {self.offset:+d}d"
            )

    @property
    def has_window(self) -> bool:
        return (self.earliest, self.latest) != (self.offset, self.offset)


@dataclass(frozen=True, slots=True)
class Every:
    """Every ``days`` days: 1 is ``qd``, 2 is ``qod``, 21 is ``q3w``."""

    days: int

    def __post_init__(self) -> None:
        if self.days < 1:
            raise ValueError(f"a repeat interval must be at least 1 day, got {self.days}")

    @property
    def has_cycles(self) -> bool:
        """Weekly or longer repeats count cycles (each dose is day 1); daily dosing does not."""
        return self.days >= 7


@dataclass(frozen=True, slots=True)
class CycleDays:
    """Given ``days`` (1-based) of each ``length``-day cycle: ``d1-21 q28d``, ``d1,8,15 q28d``."""

    days: tuple[int, ...]
    length: int

    def __post_init__(self) -> None:
        if self.length < 1:
            raise ValueError(f"a cycle must last at least 1 day, got {self.length}")
        if not self.days or list(self.days) != sorted(set(self.days)):
            raise ValueError("cycle days must be listed once each, in increasing order")
        if self.days[0] < 1 or self.days[-1] > self.length:
            raise ValueError(f"cycle days must lie between d1 and d{self.length}")
        if self.days[0] != 1:
            raise ValueError("a cycle's first listed day must be d1, the day the cycle starts")


@dataclass(frozen=True, slots=True)
class Span:
    """A duration limit: ``count`` days or calendar months from the first occurrence."""

    count: int
    unit: str = "d"  # "d" or "mo"

    def __post_init__(self) -> None:
        if self.unit not in ("d", "mo") or self.count < 1:
            raise ValueError(f"a duration limit is a positive number of days, weeks or months, got {self.count}{self.unit}")

    def end(self, first: date) -> date:
        """The first date no longer inside the span."""
        if self.unit == "d":
            return first + timedelta(days=self.count)
        from dateutil.relativedelta import relativedelta

        return first + relativedelta(months=self.count)


def add_months(day: date, months: int) -> date:
    """``day`` plus calendar months; a day the month lacks falls back to its last day (31 Jan + 1 = 28/29 Feb)."""
    from dateutil.relativedelta import relativedelta

    return day + relativedelta(months=months)


MAX_MONTHS = 120  # ten years of visits, the longest plan


@dataclass(frozen=True, slots=True)
class Months:
    """Visits at the listed calendar months after the start (month 0), each allowed ``window`` days
    either side: ``at 1,3,6,12mo ±7d``; an even series from its step is printed ``q3mo to 24mo``."""

    months: tuple[int, ...]
    window: int = 0

    def __post_init__(self) -> None:
        if not self.months or list(self.months) != sorted(set(self.months)):
            raise ValueError("visit months must be listed once each, in increasing order")
        if self.months[0] < 1 or self.months[-1] > MAX_MONTHS:
            raise ValueError(f"visit months must lie between 1 and {MAX_MONTHS} (the start is month 0)")
        if not 0 <= self.window <= 31:
            raise ValueError(f"a visit window is 0 to 31 days either side, got {self.window}")

    @property
    def step(self) -> int | None:
        """The interval of an even series (3, 6, 9 ... months), else None."""
        step = self.months[0]
        return step if len(self.months) >= 3 and self.months == tuple(range(step, self.months[-1] + 1, step)) else None


class Slot(NamedTuple):
    """One expanded occurrence: its date, number (1-based), and cycle/day where cycles apply."""

    date: date
    number: int
    cycle: int | None = None
    day: int | None = None


Pattern = Every | CycleDays | Months


@dataclass(frozen=True, slots=True)
class Rule:
    """When an activity happens: a start, an optional repeating pattern, and its limits."""

    start: Start
    pattern: Pattern | None = None
    count: int | None = None
    span: Span | None = None

    def __post_init__(self) -> None:
        if self.pattern is None and (self.count is not None or self.span is not None):
            raise ValueError("a count or duration limit needs a repeating pattern such as q3w")
        if self.count is not None and self.count < 1:
            raise ValueError(f"a count limit must be at least 1, got x{self.count}")
        if self.pattern is not None and self.start.anchor.each:
            raise ValueError("a repeating rule starts once; 'each' anchors only a one-off event")
        if isinstance(self.pattern, Months) and (self.count is not None or self.span is not None or self.start.has_window):
            raise ValueError("visits at months list every visit and their windows: no count, duration or start window")

    @property
    def once(self) -> bool:
        return self.pattern is None

    @property
    def bounded(self) -> bool:
        """True when the rule ends by itself (one-off, count or span), not only at a horizon."""
        return self.pattern is None or isinstance(self.pattern, Months) or self.count is not None or self.span is not None

    def occurrences(self, first: date, until: date) -> Iterator[Slot]:
        """Lazily yield the occurrences from ``first`` (the start's resolved date) up to ``until``."""
        for run in self.runs(first, until):
            for index, ordinal in enumerate(run.days):
                yield Slot(date.fromordinal(ordinal), run.number + index, *run.cycle_day(index))

    def runs(self, first: date, until: date) -> Iterator[Run]:
        """The same occurrences, compact: arithmetic runs of day ordinals (two years of ``qd`` is
        one ``range``; ``d1-21 q28d`` is one range a cycle)."""
        stop = until
        if self.span is not None:
            stop = min(stop, self.span.end(first) - _ONE_DAY)
        if first > stop:
            return
        start, end = first.toordinal(), stop.toordinal()
        pattern = self.pattern
        if pattern is None:
            yield Run(range(start, start + 1), 1)
        elif isinstance(pattern, Months):  # the start is month 0; each visit is its own run
            for number, months in enumerate(pattern.months, 1):
                visit = add_months(first, months).toordinal()
                if visit > end:
                    return
                yield Run(range(visit, visit + 1), number)
        elif isinstance(pattern, Every):
            count = (end - start) // pattern.days + 1
            if self.count is not None:
                count = min(count, self.count)
            cycles = 1 if pattern.has_cycles else None
            yield Run(range(start, start + count * pattern.days, pattern.days), 1, cycles, 1 if cycles else 0, cycles)
        else:
            yield from self._cycle_runs(pattern, start, end)

    def _cycle_runs(self, pattern: CycleDays, start: int, end: int) -> Iterator[Run]:
        progressions = _progressions(pattern.days)
        number, cycle = 1, 1
        while self.count is None or cycle <= self.count:
            day1 = start + (cycle - 1) * pattern.length
            if day1 > end:
                return
            for first_day, step, count in progressions:
                lo = day1 + first_day - 1
                if lo > end:
                    return
                days = range(lo, min(lo + count * step, end + 1), step)
                yield Run(days, number, cycle, 0, first_day)
                number += len(days)
            cycle += 1


class Run(NamedTuple):
    """Occurrences as an arithmetic run of day ordinals.

    Element ``i`` is occurrence ``number + i`` on ``days[i]``. With ``cycle_step`` 1 each element
    starts the next cycle (``q3w``: cycle n, day 1); with 0 all share ``cycle`` and the day in
    cycle advances with the dates (``d1-21``).
    """

    days: range
    number: int
    cycle: int | None = None
    cycle_step: int = 0
    day: int | None = None

    def cycle_day(self, index: int) -> tuple[int | None, int | None]:
        if self.cycle is None:
            return None, None
        if self.cycle_step:
            return self.cycle + index * self.cycle_step, self.day
        return self.cycle, None if self.day is None else self.day + index * self.days.step


def _progressions(days: tuple[int, ...]) -> list[tuple[int, int, int]]:
    """Split sorted cycle days into maximal arithmetic progressions: (first day, step, count).

    >>> _progressions(tuple(range(1, 22)))
    [(1, 1, 21)]
    >>> _progressions((1, 8, 15))
    [(1, 7, 3)]
    """
    result: list[tuple[int, int, int]] = []
    index = 0
    while index < len(days):
        first = days[index]
        if index + 1 == len(days):
            result.append((first, 1, 1))
            break
        step = days[index + 1] - first
        count = 2
        while index + count < len(days) and days[index + count] - days[index + count - 1] == step:
            count += 1
        result.append((first, step, count))
        index += count
    return result
