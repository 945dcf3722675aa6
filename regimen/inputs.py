"""Values at the boundary: ISO dates and plan horizons (grows into the one parser for every input)."""

from __future__ import annotations

import re
from datetime import date, timedelta

from .errors import InputError

__all__ = ["parse_date", "parse_horizon"]


_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_date(value: date | str, option: str) -> date:
    """An ISO date (YYYY-MM-DD) only: ``01/12/2026`` is ambiguous and refused."""
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if _ISO.fullmatch(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    raise InputError(option, f"{text!r} is not a date; give an ISO date like 2026-12-01")


_SPAN = re.compile(r"(\d+)\s*(d|w|mo|y)", re.I)


def parse_horizon(value: date | str, start: date) -> date:
    """The last day of the plan (inclusive): a date, or a span from day 0 (``24w`` = days 0–167)."""
    if isinstance(value, date):
        end = value
    elif match := _SPAN.fullmatch(str(value).strip()):
        count, unit = int(match[1]), match[2].lower()
        if count < 1:
            raise InputError("--horizon", f"{value!r} must be at least 1 {unit}")
        if unit in ("d", "w"):
            end = start + timedelta(days=count * (7 if unit == "w" else 1)) - timedelta(days=1)
        else:
            from dateutil.relativedelta import relativedelta

            end = start + relativedelta(months=count * (12 if unit == "y" else 1)) - timedelta(days=1)
    elif _ISO.fullmatch(str(value).strip()):
        end = parse_date(value, "--horizon")
    else:
        raise InputError("--horizon", f"{value!r} is not accepted; give a span like 24w, 180d, 6mo or 2y, or an ISO date like 2027-06-01")
    if end < start:
        raise InputError("--horizon", f"{end.isoformat()} is before day 0 ({start.isoformat()})")
    return end
