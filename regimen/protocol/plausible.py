"""The plausible range of every quantity in a protocol file, each range with where it comes from.

A protocol file is clinical data: a typo such as ``3 g/kg`` (3000 mg/kg) must never become a
dose. Zero, negative and infinite values are always refused. A value outside its range is
refused with the field, the value and the range, unless the range is excusable and the file's
table says why with ``range_reason = "..."``; then every plan that uses it warns (the loader
turns the reason into an assumption of the activities concerned). No reason carries a value
past ``CEILING`` times its range, and timing (days, counts) is never excusable: it bounds how
far the scheduler expands.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from ..inputs import BOUNDS
from ..rules import CycleDays, Every, Rule
from ..units import format_number

__all__ = ["CEILING", "RANGES", "Finding", "Range", "check", "daily_share", "rule_findings"]

CEILING = 100  # no range_reason keeps a value over 100 times its range's upper end


class Range(NamedTuple):
    low: float
    high: float
    unit: str
    source: str
    excusable: bool = True

    def describe(self) -> str:
        return f"{format_number(self.low, 3)}–{format_number(self.high, 3)} {self.unit}"


RANGES = {
    # Doses, by basis: the label doses of the drugs in our protocols, with a generous margin.
    "flat": Range(0.1, 5000, "mg", "flat doses 4 mg (lenvatinib) to 1200 mg (atezolizumab; its label allows 1680 mg q4w), margin ×3"),
    "per_kg": Range(0.01, 50, "mg/kg", "3 mg/kg (camrelizumab) to 15 mg/kg (bevacizumab, cadonilimab) by their labels, margin ×3"),
    "per_m2": Range(1, 5000, "mg/m²", "85 mg/m² (oxaliplatin) to 2400 mg/m² (5-FU over 46 h; He 2017), margin ×2"),
    "per_day": Range(0.1, 2500, "mg a day", "home doses 4 mg (lenvatinib) to 850 mg (apatinib's label maximum) a day, margin ×3"),
    "max": Range(0.1, 5000, "mg", "a cap is a dose: as flat doses"),
    "strength": Range(0.1, 5000, "mg", "product strengths 4 mg (lenvatinib capsule) to 1200 mg (atezolizumab vial), margin ×4"),
    "step": Range(0.1, 500, "mg", "pharmacy rounding steps of 1 to 50 mg, margin ×10"),
    "duration": Range(1 / 60, 168, "h", "infusions of 30 min (bolus) to 46 h (5-FU; He 2017); a week at most"),
    # Never excusable: these bound what the scheduler computes.
    "weight": Range(BOUNDS["weight"].low, BOUNDS["weight"].high, "kg", "the accepted patient weights (inputs.BOUNDS)", excusable=False),
    "tolerance": Range(0, 100, "%", "a share of the dose", excusable=False),
    "weight_change": Range(0.1, 100, "%", "a share of the body weight", excusable=False),
    "days": Range(0, 730, "days", "about 2 years; our longest offset, window, interval or span is 6 months", excusable=False),
    "months": Range(1, 24, "months", "about 2 years; our longest span is 6 months", excusable=False),
    "count": Range(1, 1000, "occurrences", "our counts are 5 (SBRT fractions) and 6 (HAIC cycles)", excusable=False),
}

_POSITIVE = ("flat", "per_kg", "per_m2", "per_day", "max", "strength", "step", "duration", "weight", "weight_change")


class Finding(NamedTuple):
    """A value outside its range: the message, and whether a ``range_reason`` may keep it."""

    message: str
    excusable: bool


def check(kind: str, value: float) -> Finding | None:
    """Why ``value`` is not plausible for a ``kind`` field of RANGES, or None when it is."""
    bounds = RANGES[kind]
    shown = f"{format_number(value, 6)} {bounds.unit}" if math.isfinite(value) else f"{value} {bounds.unit}"
    if not math.isfinite(value):
        return Finding(f"{shown} is not a finite number; the plausible range is {bounds.describe()}", False)
    if kind in _POSITIVE and value <= 0:
        return Finding(f"{shown}: must be more than zero (plausible: {bounds.describe()})", False)
    if bounds.low <= value <= bounds.high:
        return None
    excusable = bounds.excusable and value <= bounds.high * CEILING
    return Finding(f"{shown} is outside the plausible range {bounds.describe()} ({bounds.source})", excusable)


def daily_share(pattern: Every | CycleDays | None) -> float:
    """Doses a day of a pattern (1 for none: the activity's own frequency)."""
    if isinstance(pattern, Every):
        return 1 / pattern.days
    if isinstance(pattern, CycleDays):
        return len(pattern.days) / pattern.length
    return 1.0


def rule_findings(rule: Rule) -> list[str]:
    """Every offset, window, interval, span and count of ``rule`` outside its range."""
    start = rule.start
    values = [("offset", abs(start.offset), "days"), ("window start", abs(start.earliest), "days"),
              ("window end", abs(start.latest), "days")]
    if isinstance(rule.pattern, Every):
        values.append(("interval", rule.pattern.days, "days"))
    elif isinstance(rule.pattern, CycleDays):
        values.append(("cycle length", rule.pattern.length, "days"))
    if rule.span is not None:
        values.append(("span", rule.span.count, "months" if rule.span.unit == "mo" else "days"))
    if rule.count is not None:
        values.append(("count", rule.count, "count"))
    if start.anchor.nth > RANGES["count"].high:
        values.append(("anchor occurrence", start.anchor.nth, "count"))
    found = []
    for what, value, kind in values:
        finding = check(kind, value)
        if finding is not None:
            found.append(f"the {what}: {finding.message}")
    return found
