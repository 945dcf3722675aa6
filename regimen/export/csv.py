"""Plan -> CSV: one row per event, the JSON fields flattened, for spreadsheets.

Every text cell a spreadsheet would run as a formula (one starting with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return) is prefixed with ``'``, as OWASP advises against CSV
injection; numeric columns (amounts, cycles, days, hours) and dates are written as they are.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from ..plan import Event, Plan

__all__ = ["COLUMNS", "comment_lines", "dumps", "fixed_parts", "key_cell", "lead_text", "milestone_rows", "rows", "safe_cell", "task_rows"]

_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(text: str) -> str:
    """``text`` as a cell no spreadsheet runs as a formula: ``'=HYPERLINK(...)`` stays text."""
    return f"'{text}" if text.startswith(_FORMULA) else text

COLUMNS = (
    "key", "date", "earliest", "latest", "kind", "activity", "name", "drug", "route",
    "dose_amount", "dose_unit", "dose_text", "dose_take", "dose_preparation", "dose_derivation",
    "cycle", "day", "occurrence", "conditional", "condition", "duration_hours", "notes", "status",
)


def dumps(plan: Plan, *, bom: bool = False, comments: bool = False) -> str:
    """CSV text (RFC 4180, CRLF). ``bom`` adds the byte-order mark Excel needs to read UTF-8;
    ``comments`` puts the plan's warnings (and where a user's protocol file came from) first, as
    lines starting with ``#`` (read it with ``pandas.read_csv(path, comment="#")``)."""
    header = _encode(COLUMNS)
    return ("\ufeff" if bom else "") + (comment_lines(plan) if comments else "") + header + "".join(rows(plan))


def comment_lines(plan: Plan) -> str:
    """``# warning`` lines, one per warning, each on one line."""
    from ..protocol.origin import notice

    lines = [line for line in (notice(plan.protocol),) if line] + list(plan.warnings)
    return "".join(f"# {' '.join(line.split())}\r\n" for line in lines)


def rows(plan: Plan, lead: tuple[str, ...] = ()) -> Iterator[str]:
    """Each event as one CSV line, after the ``lead`` cells (a cohort's patient id). What is
    constant for an activity in a plan is encoded once and spliced in."""
    first = lead_text(lead)
    yield from task_rows(plan, first)
    parts: dict[tuple[str, str | None, str, int], tuple[str, str]] = {}
    for e in plan.events:
        fixed = parts.get((e.activity, e.condition, e.status, id(e.dose)))
        if fixed is None:
            fixed = parts[(e.activity, e.condition, e.status, id(e.dose))] = fixed_parts(e)
        yield (f"{first}{key_cell(e.key)},{e.date},{e.earliest},{e.latest},{fixed[0]},"
               f"{_blank(e.cycle)},{_blank(e.day)},{e.occurrence},{fixed[1]}\r\n")
    yield from milestone_rows(plan, first)


def lead_text(lead: tuple[str, ...]) -> str:
    """The ``lead`` cells and their comma, ready to start each row ("" for none)."""
    return _encode(tuple(safe_cell(cell) for cell in lead))[:-2] + "," if lead else ""


def key_cell(key: str) -> str:
    """An event key as its CSV cell."""
    return key if _plain(key) else _encode((safe_cell(key),))[:-2]


def milestone_rows(plan: Plan, first: str) -> Iterator[str]:
    """A derived date (the contraception end): kind "milestone", its derivation in the notes."""
    for m in plan.milestones:
        yield first + _encode((safe_cell(m.key), m.date, m.date, m.date, "milestone", m.key.split("/")[2], safe_cell(m.name),
                               "", "", "", "", "", "", "", "", "", "", 1, "no", "", "", safe_cell(" | ".join(m.derivation)), "planned"))


def task_rows(plan: Plan, first: str) -> Iterator[str]:
    """Each screening task before day 0 as a row of kind "screening", dated by its window's first day."""
    from ..guidance.screening import before_day0

    for task in before_day0(plan.protocol, plan.start):
        key = f"{plan.protocol.id}/{plan.arm.id}/screening/{task.id}"
        cells = (safe_cell(key), task.earliest, task.earliest, task.latest, "screening", task.id, safe_cell(task.what),
                 *[""] * 11, "no", "", "", safe_cell(task.noted()), "planned")  # no drug, dose, cycle or occurrence
        assert len(cells) == len(COLUMNS)
        yield first + _encode(cells)


def fixed_parts(e: Event) -> tuple[str, str]:
    dose = e.dose
    text = safe_cell
    middle = _encode((
        text(e.kind), text(e.activity), text(e.name), text(e.drug or ""), text(e.route or ""),
        _number(dose.amount) if dose else "", text(dose.unit) if dose else "", text(dose.text) if dose else "",
        text(dose.take or "") if dose else "", text(dose.preparation or "") if dose else "",
        text(" | ".join(dose.derivation)) if dose else "",
    ))[:-2]
    tail = _encode(("yes" if e.conditional else "no", text(e.condition or ""),
                    _number(e.duration_hours) if e.duration_hours else "", text(" | ".join(e.notes)), text(e.status)))[:-2]
    return middle, tail


def _encode(cells: tuple) -> str:
    out = io.StringIO()
    csv.writer(out).writerow(cells)
    return out.getvalue()


def _plain(text: str) -> bool:
    return not any(c in text for c in ',"\r\n') and not text.startswith(_FORMULA)


def _blank(value: int | None) -> str:
    return "" if value is None else str(value)


def _number(value: float | None) -> str:
    from ..units import format_number

    return "" if value is None else format_number(value)
