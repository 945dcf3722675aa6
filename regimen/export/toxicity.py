"""CTCAE grades and toxicity answers -> text and JSON (deterministic: sorted keys, one format)."""

from __future__ import annotations

import json
from typing import Any

from ..clinical.ctcae import CTCAE_VERSION, TERMS, Graded
from ..guidance.toxicity import Answer
from .terminal import View

__all__ = ["answer_json", "answer_text", "grades_json", "grades_text"]


def _graded_dict(graded: Graded, when: str | None = None) -> dict[str, Any]:
    out = {"ctcae_version": graded.version, "lab": graded.lab, "term": graded.term, "grade": graded.grade, "band": graded.band,
           "value": graded.value, "derivation": list(graded.derivation), "status": graded.status, "source": TERMS[graded.lab].source}
    if when is not None:
        out["date"] = when
    return out


def grades_text(rows: list[tuple[str | None, Graded]]) -> str:
    """One block per graded value: the term and grade with its CTCAE version, the band, the derivation."""
    lines = []
    for when, graded in rows:
        head = f"{when}  " if when else ""
        grade = f"grade {graded.grade}" if graded.grade is not None else "grade not determined"
        lines.append(f"{head}{graded.lab} {graded.value}: {grade} (CTCAE v{graded.version}, {graded.term})")
        lines.append(f"  band: {graded.band}")
        lines += [f"  {line}" for line in graded.derivation[1:-1]]
        if graded.status != "VERIFIED":
            lines.append(f"  ! {graded.status}: {TERMS[graded.lab].source}")
    return "\n".join(lines) + "\n" if lines else f"no gradable lab results (CTCAE v{CTCAE_VERSION} terms: {', '.join(TERMS)})\n"


def grades_json(rows: list[tuple[str | None, Graded]]) -> str:
    return json.dumps([_graded_dict(g, w) for w, g in rows], indent=2, ensure_ascii=False) + "\n"


def answer_text(answer: Answer, view: View | None = None) -> str:
    """What to do about an adverse event, drug by drug, each line wrapped to the view's width."""
    view = view or View()
    grade = f"grade {answer.grade}" if answer.grade is not None else ""
    lines = view.prose([f"{answer.patient}, {answer.protocol} arm {answer.arm}: {answer.term} {grade} (CTCAE v{answer.version}) "
                        f"on {answer.on}"], "heading")
    if answer.graded is not None:
        lines += [piece for line in answer.graded.derivation for piece in view.wrap(f"  graded: {line}", "    ")]
    lines += view.warnings([w for d in answer.drugs for w in d.warnings])
    for found in answer.drugs:
        lines += [piece for line in found.said for piece in view.wrap(line, " " * min(len(line) - len(line.lstrip()) + 2, 8))]
    sources = list(dict.fromkeys(s for d in answer.drugs for s in d.sources))
    if sources:
        lines.append("sources:")
        lines += [piece for s in sources for piece in view.wrap(f"  {s}", "    ")]
    return "\n".join(lines) + "\n"


def answer_json(answer: Answer) -> str:
    def drug(d) -> dict[str, Any]:
        rule = d.chosen.rule if d.chosen else None
        return {"drug": d.drug, "activity": d.activity, "action": d.action, "rule": rule.id if rule else None,
                "status": rule.status if rule else None, "quote": rule.quote if rule else None,
                "occurrence": d.chosen.occurrence if d.chosen else None, "level": None if d.level is None else d.level + 1,
                "level_text": d.level_text, "next_level": None if d.next_level is None else d.next_level + 1, "next_dose": d.next_dose,
                "resume": d.resume or None, "limit": d.limit.isoformat() if d.limit else None,
                "earliest_resume": d.earliest_resume.isoformat() if d.earliest_resume else None, "held": d.held or None,
                "discontinued_on": d.stopped.isoformat() if d.stopped else None,
                "also_matching": [m.rule.id for m in d.matched if m is not d.chosen], "said": list(d.said), "warnings": list(d.warnings),
                "sources": list(d.sources)}

    data = {"ctcae_version": answer.version, "patient": answer.patient, "protocol": answer.protocol, "arm": answer.arm,
            "date": answer.on.isoformat(), "term": answer.term, "grade": answer.grade,
            "graded": _graded_dict(answer.graded) if answer.graded else None, "drugs": [drug(d) for d in answer.drugs]}
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
