"""Timing rules: immutable values whose expansion is a lazy generator over a patient's dates.

A :class:`Rule` says when an activity happens:

* its **start**: a nominal offset in days from an anchor (the arm's day 0, or the first, nth or
  each occurrence of another activity), with an allowed window around it;
* an optional **pattern** that repeats from the first occurrence: every N days (``qd``, ``qod``,
  ``q3w``) or given days of a cycle (``d1-21 q28d``);
* optional **limits**: a count (doses, or cycles for a cycle pattern) and a span (``for 6mo``,
  counted from the first occurrence, doses strictly before its end).

Expansion always stops at a date the caller gives, so nothing expands without a bound.
``notation.py`` prints and parses these values; nothing here knows the notation.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import NamedTuple

__all__ = ["DAY0", "Anchor", "CycleDays", "Every", "Rule", "Slot", "Span", "Start"]

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


class Slot(NamedTuple):
    """One expanded occurrence: its date, number (1-based), and cycle/day where cycles apply."""

    date: date
    number: int
    cycle: int | None = None
    day: int | None = None


Pattern = Every | CycleDays


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

    @property
    def once(self) -> bool:
        return self.pattern is None

    @property
    def bounded(self) -> bool:
        """True when the rule ends by itself (one-off, count or span), not only at a horizon."""
        return self.pattern is None or self.count is not None or self.span is not None

    def occurrences(self, first: date, until: date) -> Iterator[Slot]:
        """Lazily yield the occurrences from ``first`` (the start's resolved date) up to ``until``."""
        stop = until
        if self.span is not None:
            stop = min(stop, self.span.end(first) - _ONE_DAY)
        if first > stop:
            return
        pattern = self.pattern
        if pattern is None:
            yield Slot(first, 1)
        elif isinstance(pattern, Every):
            yield from self._every(pattern, first, stop)
        else:
            yield from self._cycles(pattern, first, stop)

    def _every(self, pattern: Every, first: date, stop: date) -> Iterator[Slot]:
        step = timedelta(days=pattern.days)
        limit = self.count if self.count is not None else -1
        day, number = first, 1
        while day <= stop and number != limit + 1:
            if pattern.has_cycles:
                yield Slot(day, number, number, 1)
            else:
                yield Slot(day, number)
            day += step
            number += 1

    def _cycles(self, pattern: CycleDays, first: date, stop: date) -> Iterator[Slot]:
        number, cycle = 1, 1
        while self.count is None or cycle <= self.count:
            day1 = first + timedelta(days=(cycle - 1) * pattern.length)
            if day1 > stop:
                return
            for day in pattern.days:
                when = day1 + timedelta(days=day - 1)
                if when > stop:
                    return
                yield Slot(when, number, cycle, day)
                number += 1
            cycle += 1
