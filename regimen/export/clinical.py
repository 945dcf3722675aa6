"""Liver scores and screening reports -> text and JSON (deterministic: the same inputs give the same bytes)."""

from __future__ import annotations

import json
from typing import Any

from ..clinical.scores import ChildPugh

__all__ = ["dumps", "score_dict", "score_text"]


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
        lines += [f"  {item.name:<{width}}  {item.points}  {item.value}  ({item.band})" for item in result.items]
    else:
        lines.append(f"ALBI grade {result.grade} (score {format_number(result.score, 3)})")
    lines += ["derivation:", *(f"  {line}" for line in result.derivation)]
    return "\n".join(lines) + "\n"
