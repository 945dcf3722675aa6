"""Plan -> CSV: one row per event, the JSON fields flattened, for spreadsheets."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from ..plan import Event, Plan

__all__ = ["COLUMNS", "dumps"]

COLUMNS = (
    "key", "date", "earliest", "latest", "kind", "activity", "name", "drug", "route",
    "dose_amount", "dose_unit", "dose_text", "dose_take", "dose_preparation", "dose_derivation",
    "cycle", "day", "occurrence", "conditional", "condition", "duration_hours", "notes", "status",
)


def dumps(plan: Plan, *, bom: bool = False) -> str:
    """CSV text (RFC 4180, CRLF). ``bom`` adds the byte-order mark Excel needs to read UTF-8."""
    header = _encode(COLUMNS)
    return ("\ufeff" if bom else "") + header + "".join(rows(plan))


def rows(plan: Plan, lead: tuple[str, ...] = ()) -> Iterator[str]:
    """Each event as one CSV line, after the ``lead`` cells (a cohort's patient id). What is
    constant for an activity in a plan is encoded once and spliced in."""
    first = _encode(lead)[:-2] + "," if lead else ""
    parts: dict[tuple[str, str | None, str, int], tuple[str, str]] = {}
    for e in plan.events:
        fixed = parts.get((e.activity, e.condition, e.status, id(e.dose)))
        if fixed is None:
            fixed = parts[(e.activity, e.condition, e.status, id(e.dose))] = _fixed_parts(e)
        key = e.key if _plain(e.key) else _encode((e.key,))[:-2]
        yield (f"{first}{key},{e.date},{e.earliest},{e.latest},{fixed[0]},"
               f"{_blank(e.cycle)},{_blank(e.day)},{e.occurrence},{fixed[1]}\r\n")


def _fixed_parts(e: Event) -> tuple[str, str]:
    dose = e.dose
    middle = _encode((
        e.kind, e.activity, e.name, e.drug or "", e.route or "",
        _number(dose.amount) if dose else "", dose.unit if dose else "", dose.text if dose else "",
        (dose.take or "") if dose else "", (dose.preparation or "") if dose else "",
        " | ".join(dose.derivation) if dose else "",
    ))[:-2]
    tail = _encode(("yes" if e.conditional else "no", e.condition or "",
                    _number(e.duration_hours) if e.duration_hours else "", " | ".join(e.notes), e.status))[:-2]
    return middle, tail


def _encode(cells: tuple) -> str:
    out = io.StringIO()
    csv.writer(out).writerow(cells)
    return out.getvalue()


def _plain(text: str) -> bool:
    return not any(c in text for c in ',"\r\n')


def _blank(value: int | None) -> str:
    return "" if value is None else str(value)


def _number(value: float | None) -> str:
    from ..units import format_number

    return "" if value is None else format_number(value)
