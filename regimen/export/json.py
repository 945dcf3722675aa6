"""Plan -> JSON, one object per dose-day. The shape is fixed by ``regimen/schema/plan.schema.json``."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from ..dosing import Dose
from ..notation import format_pattern
from ..plan import Event, Plan
from ..protocol.origin import user_file

__all__ = ["dose_dict", "dumps", "event_lines", "events_json", "file_dict", "fixed_parts", "line", "plan_dict", "text_json"]

SCHEMA_VERSION = 1


def dumps(plan: Plan) -> str:
    """Deterministic JSON text: the same plan gives byte-identical output.

    The header is indented; each event is one compact line, which reads and diffs well.
    """
    data = plan_dict(plan, events=False)
    head = json.dumps(data, indent=2, ensure_ascii=False)
    lines = ",\n".join("    " + line for line in event_lines(plan))
    body = f'  "events": [\n{lines}\n  ]' if lines else '  "events": []'
    return f"{head[:-2]},\n{body}\n}}\n"


def line(plan: Plan, extra: dict[str, Any], events: Iterable[str] | None = None) -> str:
    """The whole plan on one line, with ``extra`` keys first (a cohort's patient id); ``events``
    are its events' JSON texts when the caller made them (default: ``event_lines(plan)``)."""
    head = json.dumps({**extra, **plan_dict(plan, events=False)}, ensure_ascii=False)
    return f'{head[:-1]}, "events": [{", ".join(event_lines(plan) if events is None else events)}]}}'


def plan_dict(plan: Plan, *, events: bool = True) -> dict[str, Any]:
    protocol = plan.protocol
    data: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "protocol": {
            "id": protocol.id, "title": protocol.title, "sponsor": protocol.sponsor,
            "source": protocol.source, "record_date": protocol.record_date, "version": protocol.version,
            **file_dict(protocol),
        },
        "arm": {"id": plan.arm.id, "label": plan.arm.label, "day0": plan.arm.day0},
        "patient": _patient(plan),
        "start": plan.start.isoformat(),
        "horizon_end": plan.horizon_end.isoformat(),
        "choices": [{"name": n, "value": v, "default": d} for n, v, d in plan.choices],
        "warnings": list(plan.warnings),
        "before_day0": _tasks(plan),
        "milestones": [{"key": m.key, "date": m.date.isoformat(), "name": m.name, "derivation": list(m.derivation)}
                       for m in plan.milestones],
    }
    if events:
        data["events"] = [json.loads(text) for text in event_lines(plan)]
    return data


def _tasks(plan: Plan) -> list[dict[str, Any]]:
    """The screening tests and labs due in a window before day 0 (see guidance.screening.before_day0)."""
    from ..guidance.screening import before_day0

    return [{"id": t.id, "what": t.what, "earliest": t.earliest.isoformat(), "latest": t.latest.isoformat(), "text": t.text(),
             "assumptions": list(t.assumptions)}
            for t in before_day0(plan.protocol, plan.start)]


def file_dict(protocol) -> dict[str, Any]:
    """``{"file": {"path", "sha256"}}`` for a protocol read from a user's folder; ``{}`` for a shipped one."""
    found = user_file(protocol)
    return {"file": {"path": found[0], "sha256": found[1]}} if found else {}


def event_lines(plan: Plan) -> Iterator[str]:
    """Each event as one line of JSON. What is constant for an activity in a plan (its names, dose
    and derivation, notes) is encoded once and spliced in: a cohort export spends its time here."""
    from ..explain import derivations

    yield from events_json(plan, plan.events, derivations(plan))


def events_json(plan: Plan, events, derived: dict) -> Iterator[str]:
    """``events`` of ``plan`` as JSON lines, each with its derivation from ``derived`` (by key)."""
    dumps_ = json.dumps
    texts: dict[str, str] = {}  # JSON strings, encoded once each
    parts: dict[tuple[str, str | None, str, int], tuple[str, str]] = {}
    for e in events:
        fixed = parts.get((e.activity, e.condition, e.status, id(e.dose)))
        if fixed is None:
            fixed = parts[(e.activity, e.condition, e.status, id(e.dose))] = fixed_parts(e)
        yield (f'{{"key": {dumps_(e.key, ensure_ascii=False)}, "date": "{e.date}", "earliest": "{e.earliest}", '
               f'"latest": "{e.latest}", {fixed[0]}, "cycle": {_int(e.cycle)}, "day": {_int(e.day)}, '
               f'"occurrence": {e.occurrence}, {fixed[1]}, "derivation": {_derivation(derived[e.key], texts)}}}')


def text_json(text: str, texts: dict[str, str] | None = None) -> str:
    """``text`` as a JSON string, as ``json.dumps(text, ensure_ascii=False)`` writes it (kept in ``texts``)."""
    found = texts.get(text) if texts is not None else None
    if found is None:
        plain = text.isascii() and text.isprintable() and '"' not in text and "\\" not in text
        found = f'"{text}"' if plain else json.dumps(text, ensure_ascii=False)
        if texts is not None and len(texts) < 4096:
            texts[text] = found
    return found


def _derivation(d, texts: dict[str, str]) -> str:
    """A DateDerivation as JSON (the shape of ``as_dict``), its repeated strings encoded once."""
    def enc(text: str) -> str:
        return text_json(text, texts)

    window = f'["{d.window[0]}", "{d.window[1]}"]' if d.window else "null"
    shifts = "[" + ", ".join(enc(s) for s in d.shifts) + "]"
    return (f'{{"rule": {enc(d.rule)}, "anchor": {enc(d.anchor)}, "anchor_date": "{d.anchor_date}", "offset": {enc(d.offset)}, '
            f'"nominal": "{d.nominal}", "window": {window}, "shifts": {shifts}}}')


def fixed_parts(e: Event) -> tuple[str, str]:
    def enc(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False)

    middle = (f'"kind": {enc(e.kind)}, "activity": {enc(e.activity)}, "name": {enc(e.name)}, "drug": {enc(e.drug)}, '
              f'"route": {enc(e.route)}, "dose": {enc(dose_dict(e.dose) if e.dose else None)}')
    tail = (f'"conditional": {enc(e.conditional)}, "condition": {enc(e.condition)}, '
            f'"duration_hours": {enc(e.duration_hours)}, "notes": {enc(list(e.notes))}, "status": {enc(e.status)}')
    return middle, tail


def _int(value: int | None) -> str:
    return "null" if value is None else str(value)


def _patient(plan: Plan) -> dict[str, Any]:
    patient = plan.patient
    result: dict[str, Any] = {"weight": _measured(patient.weight)}
    result["height"] = _measured(patient.height) if patient.height else None
    return result


def _measured(measured: Any) -> dict[str, Any]:
    return {"value": round(measured.value, 3), "unit": measured.unit, "given": measured.text}


def dose_dict(dose: Dose) -> dict[str, Any]:
    """A dose as JSON: amount, basis, unrounded value, level, what to take or prepare, and its derivation."""
    extra = {} if dose.planned is None else {"planned": dose.planned}
    return extra | {
        "amount": dose.amount,
        "unit": dose.unit,
        "text": dose.text,
        "basis": dose.basis,
        "unrounded": round(dose.unrounded, 6),
        "level": None if dose.level is None else dose.level + 1,
        "frequency": format_pattern(dose.pattern) if dose.pattern else None,
        "take": dose.take,
        "preparation": dose.preparation,
        "derivation": list(dose.derivation),
    }
