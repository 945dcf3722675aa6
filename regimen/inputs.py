"""Values at the boundary, one parser for each: measurements, dose rates, dates, day 0, horizons, pseudonyms.

The command line, course files, cohort rows and the library all come through here, so a value
is read and bounded the same way wherever it is typed. Every refusal is an InputError naming the
parameter (``weight: ...``; the CLI says ``--weight``) with what is accepted and an example.

A measurement is a number and its unit, or several for one quantity (``5 ft 7 in``, ``5'7"``,
``12 st 3 lb``). The number may use a decimal point or a decimal comma (``72,5 kg``); ``1,200 mg``
is refused as ambiguous. Units are read by ``units.py`` term by term, never evaluated, and case
does not matter where it cannot change the unit (``72 KG``, ``160 LB``, ``170 CM``).
"""

from __future__ import annotations

import math
import re
from datetime import date, time, timedelta
from typing import NamedTuple

from .errors import InputError
from .units import Measured, UnitProblem, factor, format_number

__all__ = ["BOUNDS", "KINDS", "PSEUDONYM", "Bound", "horizon_form", "last_day", "parse_clock", "parse_date", "parse_height", "parse_horizon",
           "parse_measurement", "parse_per", "parse_reminder", "parse_start", "parse_weight", "today", "within_bounds"]


class Bound(NamedTuple):
    """An accepted range, inclusive, in ``unit``."""

    low: float | date
    high: float | date
    unit: str


BOUNDS = {
    "weight": Bound(20.0, 350.0, "kg"),
    "height": Bound(100.0, 250.0, "cm"),
    "start": Bound(-5, 5, "years from today"),  # earlier than 5 years ago only with allow_past
    "horizon": Bound(1, 10, "years from day 0"),  # at most 10 years of plan
    "date": Bound(date(1900, 1, 1), date(2100, 12, 31), ""),  # every date anywhere
}

PSEUDONYM = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")  # a patient's pseudonym: never a name with spaces


class Kind(NamedTuple):
    """What a measurement is: its canonical unit, an example, and the units a person would use for it."""

    name: str
    unit: str
    example: str
    units: tuple[str, ...] = ()  # empty: any unit of the right dimension


KINDS = {
    "weight": Kind("weight", "kg", '"72 kg" or "158.7 lb"', ("kg", "g", "lb", "st")),
    "height": Kind("height", "cm", '"170 cm" or "5 ft 7 in"', ("cm", "m", "mm", "in", "ft")),
    "mass": Kind("mass", "mg", '"1200 mg" or "0.25 g"'),
    "duration": Kind("duration", "h", '"46 h" or "30 min"'),
}

_NUMBER = r"(?:\d+(?:[.,]\d+)?|[.,]\d+)"
# a unit runs to the next number that stands apart from it: the 2 of "m2" (or "m^2", "m**2") is a power
_UNIT = r"[^\d\s.,+-](?:[^\d]|(?<=[^\W\d_])[23](?![\d.,])|(?<=\^)[1-3]|(?<=\*\*)[1-3])*?"
_PART = re.compile(rf"\s*([-+]?)\s*({_NUMBER})\s*({_UNIT})?\s*(?:(?<![^\W\d_])(?=[-+]?[\d.,])|$)")
_QUOTES = (("''", " in "), ('"', " in "), ("″", " in "), ("”", " in "), ("'", " ft "), ("′", " ft "), ("’", " ft "))


def parse_measurement(text: object, kind: str, name: str) -> Measured:
    """``text`` as a ``kind`` measurement (see KINDS) in its canonical unit; no plausibility bounds.

    >>> parse_measurement("5 ft 7 in", "height", "height").value
    170.18
    >>> parse_measurement("72,5 KG", "weight", "weight").value
    72.5
    """
    spec = KINDS[kind]
    raw = _text(text, spec, name)
    parts = _parts(raw, spec, name)
    total, previous = 0.0, math.inf
    for sign, number, unit in parts:
        if sign == "-":
            raise InputError(name, f"{raw!r} is negative; a {kind} must be positive, like {spec.example}")
        size = _factor(unit, spec, raw, name)
        if size >= previous:
            raise InputError(name, f"{raw!r}: give the larger unit first and each unit once, like {spec.example}")
        previous = size
        total += number * size
    if not math.isfinite(total):
        raise InputError(name, f"{raw!r} is too large for a {kind}; give one like {spec.example}")
    return Measured(round(total, 9), spec.unit, raw)


def _text(text: object, spec: Kind, name: str) -> str:
    if isinstance(text, int | float) and not isinstance(text, bool):
        raise InputError(name, f"{text!r} has no unit; give a {spec.name} with its unit, like {spec.example}")
    if not isinstance(text, str):
        raise InputError(name, f"expected text like {spec.example}, got {type(text).__name__}")
    raw = text.strip()
    if not raw:
        raise InputError(name, f"is empty; give a {spec.name} with its unit, like {spec.example}")
    return raw


def _parts(raw: str, spec: Kind, name: str) -> list[tuple[str, float, str]]:
    text = raw
    for mark, unit in _QUOTES:
        text = text.replace(mark, unit)
    parts, pos = [], 0
    while pos < len(text):
        match = _PART.match(text, pos)
        if not match or match.end() == pos:
            raise InputError(name, f"{raw!r} is not a {spec.name}; give a {spec.name} with its unit, like {spec.example}")
        sign, number, unit = match.groups()
        if re.fullmatch(r"\d+,\d{3}", number):
            raise InputError(name, f"{raw!r} is ambiguous (a thousands separator or a decimal comma?); write it without the comma "
                                   f"or with a decimal point, like {spec.example}")
        if not unit:
            what = "has no unit" if not parts and match.end() == len(text) else "has a number without its unit"
            raise InputError(name, f"{raw!r} {what}; give a {spec.name} with its unit, like {spec.example}")
        parts.append((sign, float(number.replace(",", ".")), unit.strip()))
        pos = match.end()
    return parts


def _factor(unit: str, spec: Kind, raw: str, name: str) -> float:
    try:
        size = factor(unit, spec.unit)
        if spec.units and not any(factor(unit, allowed) == 1.0 for allowed in spec.units):
            raise InputError(name, f"{raw!r}: a {spec.name} is not given in {unit}; use {', '.join(spec.units)}, like {spec.example}")
    except UnitProblem as problem:
        if problem.reason == "dimension":
            raise InputError(name, f"{raw!r} has the wrong unit: {unit} is not a unit of {spec.name}; give one like {spec.example}") from None
        raise InputError(name, f"{raw!r}: unknown unit {problem.unit!r}; give a {spec.name} like {spec.example}") from None
    return size


def parse_weight(text: object, name: str = "weight") -> Measured:
    """A body weight, within BOUNDS["weight"]: ``parse_weight("160 LB").value == 72.5747792``."""
    return within_bounds(parse_measurement(text, "weight", name), "weight", name)


def parse_height(text: object, name: str = "height") -> Measured:
    """A height, within BOUNDS["height"]: ``parse_height("5'7\\"").value == 170.18``."""
    return within_bounds(parse_measurement(text, "height", name), "height", name)


def within_bounds(value: Measured, kind: str, name: str) -> Measured:
    """``value`` if it lies within ``BOUNDS[kind]``; else an InputError naming ``name`` and the range."""
    low, high, unit = BOUNDS[kind]
    if not low <= value.value <= high:
        shown = format_number(value.value, 1 if value.value >= 1 else 3)
        raise InputError(name, f"{value.text!r} ({shown} {unit}) is outside the plausible {kind} range "
                               f"{format_number(low)}–{format_number(high)} {unit}")
    return value


_PER = {"kg": ("kilogram", "kg", '"3 mg/kg"'), "m2": ("square metre", "m2", '"85 mg/m2"')}


def parse_per(text: object, per: str, name: str) -> float:
    """A dose rate such as ``"3 mg/kg"`` (per="kg") or ``"85 mg/m2"`` (per="m2") in mg per kg or per m².

    The basis is declared by the caller, never inferred from the unit: pint calls mg/kg dimensionless.
    """
    what, per_unit, example = _PER[per]
    raw = str(text).strip()
    numerator, slash, denominator = raw.rpartition("/")
    if not slash:
        raise InputError(name, f"expected a dose per {what} like {example}, got {raw!r}")
    amount = parse_measurement(numerator, "mass", name).value
    try:
        return amount / factor(denominator.strip(), per_unit)
    except UnitProblem:
        raise InputError(name, f"expected a dose per {what} like {example}, got {raw!r}") from None


def today() -> date:
    """Today's date, the reference for day 0's bounds (tests freeze it)."""
    return date.today()


_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_date(value: object, name: str) -> date:
    """An ISO date (YYYY-MM-DD) within BOUNDS["date"]: ``01/12/2026`` is ambiguous and refused."""
    if isinstance(value, date) and not hasattr(value, "hour"):
        when = value
    elif isinstance(value, date):
        raise InputError(name, f"{value.isoformat()} has a time of day; give a date, like {value.date().isoformat()}")
    elif not isinstance(value, str):
        raise InputError(name, f"expected an ISO date like 2026-12-01, got {type(value).__name__}")
    else:
        text = value.strip()
        try:
            when = date.fromisoformat(text) if _ISO.fullmatch(text) else None
        except ValueError:
            when = None
        if when is None:
            raise InputError(name, f"{text!r} is not a date; give an ISO date like 2026-12-01")
    first, last, _ = BOUNDS["date"]
    if not first <= when <= last:
        raise InputError(name, f"{when.isoformat()} is outside the accepted dates {first.isoformat()} to {last.isoformat()}")
    return when


def parse_start(value: object, name: str = "start", *, allow_past: bool = False) -> date:
    """Day 0: a date at most 5 years from today (BOUNDS["start"]); an earlier one only with ``allow_past``."""
    day0 = parse_date(value, name)
    before, after, _ = BOUNDS["start"]
    now = today()
    if day0 > _years(now, after):
        raise InputError(name, f"{day0.isoformat()} is more than {after} years from today ({now.isoformat()})")
    if day0 < _years(now, before) and not allow_past:
        raise InputError(name, f"{day0.isoformat()} is more than {-before} years ago (today is {now.isoformat()}); "
                               "to plan a past course on purpose, allow it (--allow-past, allow_past=True)")
    return day0


def _years(day: date, count: int) -> date:
    try:
        return day.replace(year=day.year + count)
    except ValueError:  # 29 February
        return day.replace(year=day.year + count, day=28)


_SPAN = re.compile(r"(\d+)\s*(d|w|mo|y)", re.I)


def horizon_form(value: object, name: str = "horizon") -> tuple[int, str] | date:
    """A horizon's form, before day 0 is known: a span such as ``(24, "w")`` or a date."""
    if isinstance(value, date):
        return parse_date(value, name)
    if not isinstance(value, str):
        raise InputError(name, f"expected a span like 24w or an ISO date, got {type(value).__name__}")
    text = value.strip()
    if match := _SPAN.fullmatch(text):
        digits, unit = match[1].lstrip("0") or "0", match[2].lower()
        count = int(digits) if len(digits) <= 12 else 10**12  # longer is too long anyway, and int() has a limit
        if count < 1:
            raise InputError(name, f"{text!r} must be at least 1 {unit}")
        days = count * {"d": 1, "w": 7, "mo": 30, "y": 365}[unit]
        if days > 366 * BOUNDS["horizon"].high:
            raise InputError(name, f"{text!r} is longer than the accepted {BOUNDS['horizon'].high} years")
        return count, unit
    if _ISO.fullmatch(text):
        return parse_date(text, name)
    raise InputError(name, f"{text!r} is not accepted; give a span like 24w, 180d, 6mo or 2y, or an ISO date like 2027-06-01")


def parse_horizon(value: date | str, start: date | str, name: str = "horizon") -> date:
    """The last day of the plan (inclusive): a date, or a span from day 0 (``24w`` = days 0–167).

    >>> parse_horizon("24w", date(2026, 12, 1))
    datetime.date(2027, 5, 17)
    """
    day0 = parse_date(start, "start")
    form = horizon_form(value, name)
    if isinstance(form, date):
        end = form
    else:
        count, unit = form
        if unit in ("d", "w"):
            end = day0 + timedelta(days=count * (7 if unit == "w" else 1)) - timedelta(days=1)
        else:
            from dateutil.relativedelta import relativedelta

            end = day0 + relativedelta(months=count * (12 if unit == "y" else 1)) - timedelta(days=1)
    if end < day0:
        raise InputError(name, f"{end.isoformat()} is before day 0 ({day0.isoformat()})")
    limit = BOUNDS["horizon"].high
    if end >= _years(day0, limit) or end > BOUNDS["date"].high:
        raise InputError(name, f"{value if isinstance(value, str) else end.isoformat()!s} is more than {limit} years after day 0 "
                               f"({day0.isoformat()})")
    return end


def last_day(start: date) -> date:
    """The last day a plan from day 0 ``start`` may reach: BOUNDS' 10 years, and never past 2100."""
    return min(_years(start, BOUNDS["horizon"].high) - timedelta(days=1), BOUNDS["date"].high)


def parse_clock(value: object, name: str) -> time | None:
    """A clock time ``HH:MM`` (24-hour) or a ``datetime.time``; None stays None."""
    if value is None or isinstance(value, time):
        return value
    match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", value.strip()) if isinstance(value, str) else None
    if not match:
        raise InputError(name, f"{value!r} is not a clock time; give HH:MM in 24-hour time, like 09:00")
    return time(int(match[1]), int(match[2]))


def parse_reminder(value: object, name: str) -> timedelta | None:
    """How long before an event to remind: ``1d``, ``2h``, ``30m`` (at most 4 weeks) or a timedelta; None stays None."""
    if value is None:
        return None
    if isinstance(value, timedelta):
        span = value
    else:
        match = re.fullmatch(r"(\d{1,5})\s*(d|h|m)", value.strip().lower()) if isinstance(value, str) else None
        if not match:
            raise InputError(name, f"{value!r} is not accepted; give a span like 1d, 2h or 30m")
        unit = {"d": "days", "h": "hours", "m": "minutes"}[match[2]]
        span = timedelta(**{unit: int(match[1])})
    if not timedelta(0) < span <= timedelta(weeks=4):
        raise InputError(name, f"{value!r} is not accepted; give a span from 1m to 4 weeks, like 1d, 2h or 30m")
    return span
