"""Liver scores and screening reports -> text and JSON (deterministic: the same inputs give the same bytes)."""

from __future__ import annotations

import json
from typing import Any

from ..clinical.scores import ChildPugh
from .terminal import Mark, View

__all__ = ["dumps", "score_dict", "score_text", "screen_dict", "screen_text", "screening_lines"]


def dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def score_dict(result: Any) -> dict[str, Any]:
    """A ChildPugh or Albi value as plain data."""
    if isinstance(result, ChildPugh):
        return {"score": "child-pugh", "items": [item._asdict() for item in result.items], "total": result.total,
                "class": result.grade, "derivation": list(result.derivation)}
    return {"score": "albi", "bilirubin_umol_per_l": result.bilirubin, "albumin_g_per_l": result.albumin, "value": result.score,
            "grade": result.grade, "derivation": list(result.derivation)}


def score_text(result: Any, heading: str = "") -> str:
    """The score as a small table and its derivation."""
    from ..units import format_number

    lines = [heading] if heading else []
    if isinstance(result, ChildPugh):
        lines.append(f"Child-Pugh class {result.grade} ({result.total} points)")
        width = max(len(item.name) for item in result.items)
        lines += [f"  {item.name:<{width}}  {item.points}  {item.value}" + (f"  ({item.band})" if item.band else "") for item in result.items]
    else:
        lines.append(f"ALBI grade {result.grade} (score {format_number(result.score, 3)})")
    lines += ["derivation:", *(f"  {line}" for line in result.derivation)]
    return "\n".join(lines) + "\n"


def screen_dict(report: Any) -> dict[str, Any]:
    """A screening report as plain data."""
    screening = report.protocol.screening
    return {"patient": report.patient, "protocol": report.protocol.id, "arm": report.arm, "day0": report.day0.isoformat(),
            "today": report.today.isoformat(), "met": report.met,
            "earliest_day0": report.earliest.isoformat() if report.earliest else None,
            "latest_day0": report.latest.isoformat() if report.latest else None,
            "not_counted": [r.rule.id for r in report.results if r.status == "missing" and r.rule.timed],  # windows with nothing recorded
            "counts_to": screening.counts_to if screening else None, "warnings": list(report.warnings),
            "conditions": [{"id": r.rule.id, "kind": r.rule.kind, "status": r.status, "detail": r.detail, "quote": r.rule.quote,
                            "earliest_day0": r.earliest.isoformat() if r.earliest else None,
                            "latest_day0": r.latest.isoformat() if r.latest else None} for r in report.results],
            "not_checked": list(screening.not_checked) if screening else [], "none": screening.none if screening else ""}


def screen_text(report: Any, view: View | None = None) -> str:
    """The screening report: warnings, each condition's status and the dates used, the range of day 0."""
    view = view or View()
    screening = report.protocol.screening
    lines = view.prose([f"{report.patient}, {report.protocol.id} arm {report.arm}: screening for day 0 {report.day0} "
                        f"(today {report.today})"], "heading")
    if screening:
        lines += view.prose([f"windows count to {screening.counts_to}"])
    lines += view.warnings(report.warnings, report.protocol)
    lines.append("")
    roles = {"met": "ok", "not met": "alert", "missing": "alert"}
    rows = [(" " * 7, "", ""), *((Mark(r.status, roles.get(r.status)), r.rule.id, r.detail) for r in report.results)]
    lines += view.table(rows, gap=2).splitlines()[1:] if report.results else []  # no header: the statuses say what the columns are
    missing = [r.rule.id for r in report.results if r.status == "missing" and r.rule.timed]
    unknown = f" (not yet counting {', '.join(missing)}: nothing recorded)" if missing else ""
    said = []
    if report.earliest and report.latest and report.earliest > report.latest:
        said.append(f"day 0 allowed by every window: none (the earliest a window allows, {report.earliest}, is after the latest "
                    f"another allows, {report.latest}){unknown}")
    elif report.earliest or report.latest:
        said.append(f"day 0 allowed by every window: from {report.earliest or 'any day'} to {report.latest or 'any day'}{unknown}")
    elif screening:
        said.append("day 0 allowed by every window: any day" + (unknown or " (no window bounds it)")
                    + (f"; {screening.none}" if screening.none else ""))
    lines += view.prose(said)
    if screening and screening.not_checked:
        lines += ["not checked:", *(piece for text in screening.not_checked for piece in view.wrap(f"  {text}", "    "))]
    verdict = "every condition met" if report.met else f"{sum(r.status != 'met' for r in report.results)} not met or missing"
    lines.append(view.paint(f"result: {verdict}", "ok" if report.met else "alert"))
    return "\n".join(lines) + "\n"


def screening_lines(screening: Any) -> list[str]:
    """A protocol's screening rules for ``regimen show``: each in words, with its quote."""
    lines = [f"Screening (windows count to {screening.counts_to}; `regimen screen COURSE` checks them):"]
    if screening.none:
        lines.append(f"  {screening.none}")
    for rule in screening.rules:
        lines += [f"  {rule.id}: {rule.describe()}", f'      record: "{rule.quote}"']
    lines += [f"  not checked: {text}" for text in screening.not_checked]
    return lines
