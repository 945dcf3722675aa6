"""Clinical notation for timing rules, printed and parsed back to an equal rule.

Grammar (whitespace between tokens is free; ``w`` offsets are read as 7 days each)::

    rule     := start | pattern [" x" N] [" for " N ("d"|"w"|"mo")] " from " start
              | visits [" ±" N "d"] " from " start
    pattern  := "qd" | "qod" | "q" N ("d"|"w") | "d" days " q" N "d"
    visits   := "at " N ("," N)* "mo" | "q" N "mo to " N "mo"    calendar months after the start
    days     := N["-"N] ("," N["-"N])*                 e.g. 1-21   1,8,15
    start    := offset [" [" offset ".." offset "]"] " after " anchor
    offset   := ("+"|"-") N ("d"|"w")
    anchor   := "day0" | ["each "] ACTIVITY ["#" N]

Examples: ``+14d [12d..16d] after ctace``, ``q3w x6 from +0d after day0``,
``d1-21 q28d from +7d [0d..14d] after haic``, ``q3w for 6mo from +5d [3d..7d] after ablation``,
``+35d [28d..42d] after each tace``, ``at 1,3,6,12mo ±7d from +0d after day0`` (visits 1, 3, 6 and
12 calendar months after day 0, each allowed 7 days either side), ``q3mo to 24mo ±14d from +0d after
day0`` (every 3 months to 2 years; printed so whenever the months are an even series from their step).
A month is a calendar month: 31 January + 1 month is 28 February (29 in a leap year).
"""

from __future__ import annotations

import re

from .errors import InputError, RegimenError
from .rules import DAY0, Anchor, CycleDays, Every, Months, Rule, Span, Start

__all__ = ["NotationError", "format_pattern", "format_rule", "parse_pattern", "parse_rule"]


class NotationError(RegimenError, ValueError):
    """Timing text that does not follow the notation; the loader adds the file and key."""


_OFFSET = r"[+-]?\d+\s*[dw]"
_RULE = re.compile(
    rf"""^\s*
    (?:(?:(?P<visits>at\s+\d+(?:\s*,\s*\d+)*\s*mo|q\d+\s*mo\s+to\s+\d+\s*mo)
          (?:\s*(?:±|\+-)\s*(?P<tolerance>\d+)\s*d)?
        |(?P<pattern>qd|qod|q\d+\s*[dw]|d[\d,\s-]+?\s+q\d+\s*d)
       (?:\s+x\s*(?P<count>\d+))?
       (?:\s+for\s+(?P<span>\d+)\s*(?P<span_unit>mo|d|w))?)
       \s+from\s+)?
    (?P<offset>[+-]\d+\s*[dw])
    (?:\s*\[\s*(?P<lo>{_OFFSET})\s*\.\.\s*(?P<hi>{_OFFSET})\s*\])?
    \s+after\s+(?P<each>each\s+)?(?P<anchor>[a-z][a-z0-9_]*)(?:\s*\#\s*(?P<nth>\d+))?
    \s*$""",
    re.X | re.I,
)

EXAMPLES = '"+14d [12d..16d] after ctace", "q3w x6 from +0d after day0" or "d1-21 q28d from +7d after haic"'


def parse_rule(text: str) -> Rule:
    """Parse clinical notation into a :class:`Rule`; ``parse_rule(format_rule(r)) == r``."""
    if not isinstance(text, str):
        raise NotationError(f"expected timing text like {EXAMPLES}, got {type(text).__name__}")
    match = _RULE.match(text)
    if not match:
        raise NotationError(f"expected timing like {EXAMPLES}, got {text!r}")
    g = match.groupdict()
    try:
        anchor = Anchor(g["anchor"].lower(), int(g["nth"] or 1), bool(g["each"]))
        offset = _days(g["offset"])
        window = (_days(g["lo"]), _days(g["hi"])) if g["lo"] else None
        start = Start.after(anchor, offset, window)
        if g["visits"]:
            return Rule(start, _visits(g["visits"], int(g["tolerance"] or 0)))
        if not g["pattern"]:
            return Rule(start)
        span = _span(int(g["span"]), g["span_unit"].lower()) if g["span"] else None
        count = int(g["count"]) if g["count"] else None
        return Rule(start, parse_pattern(g["pattern"]), count, span)
    except ValueError as exc:
        raise NotationError(f"{exc} in {text!r}") from None


def parse_pattern(text: str) -> Every | CycleDays:
    """``"qd"``, ``"qod"``, ``"q3w"``, ``"q21d"``, ``"d1-21 q28d"``, ``"d1,8,15 q28d"``."""
    compact = re.sub(r"\s+", " ", text.strip().lower())
    if compact == "qd":
        return Every(1)
    if compact == "qod":
        return Every(2)
    if match := re.fullmatch(r"q(\d+) ?([dw])", compact):
        return Every(int(match[1]) * (7 if match[2] == "w" else 1))
    if match := re.fullmatch(r"d([\d, -]+?) q(\d+) ?d", compact):
        return CycleDays(_day_list(match[1]), int(match[2]))
    raise NotationError(f'expected a pattern like "qd", "qod", "q3w" or "d1-21 q28d", got {text!r}')


def format_rule(rule: Rule) -> str:
    """The canonical clinical notation of ``rule``."""
    if not isinstance(rule, Rule):
        raise InputError("rule", f"expected a Rule, like parse_rule(\"q3w from +0d after day0\"), got {type(rule).__name__}")
    start = _format_start(rule.start)
    if rule.pattern is None:
        return start
    text = format_pattern(rule.pattern)
    if rule.count is not None:
        text += f" x{rule.count}"
    if rule.span is not None:
        text += f" for {_format_span(rule.span)}"
    return f"{text} from {start}"


def format_pattern(pattern: Every | CycleDays | Months) -> str:
    if isinstance(pattern, Months):
        step = pattern.step
        text = f"q{step}mo to {pattern.months[-1]}mo" if step else f"at {','.join(map(str, pattern.months))}mo"
        return text + (f" ±{pattern.window}d" if pattern.window else "")
    if isinstance(pattern, Every):
        if pattern.days in (1, 2):
            return "qd" if pattern.days == 1 else "qod"
        return f"q{pattern.days // 7}w" if pattern.days % 7 == 0 else f"q{pattern.days}d"
    return f"d{_format_days(pattern.days)} q{pattern.length}d"


def _format_start(start: Start) -> str:
    text = f"{start.offset:+d}d"
    if start.has_window:
        text += f" [{start.earliest}d..{start.latest}d]"
    anchor = start.anchor
    name = anchor.activity
    if anchor.activity != DAY0:
        name = ("each " if anchor.each else "") + name + (f"#{anchor.nth}" if anchor.nth != 1 else "")
    return f"{text} after {name}"


def _format_span(span: Span) -> str:
    if span.unit == "mo":
        return f"{span.count}mo"
    return f"{span.count // 7}w" if span.count % 7 == 0 else f"{span.count}d"


def _visits(text: str, window: int) -> Months:
    """``at 1,3,6,12mo`` or ``q3mo to 24mo``: the months after the start."""
    numbers = [int(n) for n in re.findall(r"\d+", text)]
    if text.lower().startswith("q"):
        step, last = numbers
        if step < 1 or last < step:
            raise NotationError(f"q{step}mo to {last}mo: the step must be at least 1 month and the end at least one step")
        return Months(tuple(range(step, last + 1, step)), window)
    return Months(tuple(numbers), window)


def _span(count: int, unit: str) -> Span:
    return Span(count, "mo") if unit == "mo" else Span(count * (7 if unit == "w" else 1), "d")


def _days(text: str) -> int:
    text = text.replace(" ", "").lower()
    return int(text[:-1]) * (7 if text.endswith("w") else 1)


def _day_list(text: str) -> tuple[int, ...]:
    days: list[int] = []
    for part in text.replace(" ", "").split(","):
        first, _, last = part.partition("-")
        if not first.isdigit() or (last and not last.isdigit()):
            raise NotationError(f'expected cycle days like "d1-21" or "d1,8,15", got "d{text}"')
        lo, hi = int(first), int(last or first)
        if hi < lo:
            raise NotationError(f"cycle day range d{part} runs backwards")
        days.extend(range(lo, hi + 1))
    return tuple(days)


def _format_days(days: tuple[int, ...]) -> str:
    runs: list[str] = []
    start = prev = days[0]
    for day in (*days[1:], None):
        if day is not None and day == prev + 1:
            prev = day
            continue
        runs.append(f"{start}-{prev}" if prev > start else str(start))
        if day is not None:
            start = prev = day
    return ",".join(runs)
