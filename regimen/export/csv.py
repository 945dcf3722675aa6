"""Plan -> CSV: one row per event, the JSON fields flattened, for spreadsheets."""

from __future__ import annotations

import csv
import io

from ..schedule import Plan

__all__ = ["COLUMNS", "dumps"]

COLUMNS = (
    "key", "date", "earliest", "latest", "kind", "activity", "name", "drug", "route",
    "dose_amount", "dose_unit", "dose_text", "dose_take", "dose_preparation", "dose_derivation",
    "cycle", "day", "occurrence", "conditional", "condition", "duration_hours", "notes",
)


def dumps(plan: Plan, *, bom: bool = False) -> str:
    """CSV text (RFC 4180, CRLF). ``bom`` adds the byte-order mark Excel needs to read UTF-8."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for e in plan.events:
        dose = e.dose
        writer.writerow((
            e.key, e.date.isoformat(), e.earliest.isoformat(), e.latest.isoformat(), e.kind, e.activity, e.name,
            e.drug or "", e.route or "",
            _number(dose.amount) if dose else "", dose.unit if dose else "", dose.text if dose else "",
            (dose.take or "") if dose else "", (dose.preparation or "") if dose else "",
            " | ".join(dose.derivation) if dose else "",
            _blank(e.cycle), _blank(e.day), e.occurrence, "yes" if e.conditional else "no", e.condition or "",
            _number(e.duration_hours) if e.duration_hours else "", " | ".join(e.notes),
        ))
    return ("\ufeff" if bom else "") + out.getvalue()


def _blank(value: int | None) -> str:
    return "" if value is None else str(value)


def _number(value: float | None) -> str:
    from ..units import format_number

    return "" if value is None else format_number(value)
