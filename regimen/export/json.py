"""Plan -> JSON, one object per dose-day. The shape is fixed by ``regimen/schema/plan.schema.json``."""

from __future__ import annotations

import json
from typing import Any

from ..dosing import Dose
from ..notation import format_pattern
from ..schedule import Event, Plan

__all__ = ["dose_dict", "dumps", "plan_dict"]

SCHEMA_VERSION = 1


def dumps(plan: Plan) -> str:
    """Deterministic JSON text: the same plan gives byte-identical output.

    The header is indented; each event is one compact line, which reads and diffs well and lets
    json use its C encoder (``indent`` would force the pure-Python one, several times slower).
    """
    data = plan_dict(plan)
    events = data.pop("events")
    head = json.dumps(data, indent=2, ensure_ascii=False)
    lines = ",\n".join("    " + json.dumps(event, ensure_ascii=False) for event in events)
    body = f'  "events": [\n{lines}\n  ]' if events else '  "events": []'
    return f"{head[:-2]},\n{body}\n}}\n"


def plan_dict(plan: Plan) -> dict[str, Any]:
    protocol = plan.protocol
    return {
        "schema_version": SCHEMA_VERSION,
        "protocol": {
            "id": protocol.id, "title": protocol.title, "sponsor": protocol.sponsor,
            "source": protocol.source, "record_date": protocol.record_date, "version": protocol.version,
        },
        "arm": {"id": plan.arm.id, "label": plan.arm.label, "day0": plan.arm.day0},
        "patient": _patient(plan),
        "start": plan.start.isoformat(),
        "horizon_end": plan.horizon_end.isoformat(),
        "choices": [{"name": n, "value": v, "default": d} for n, v, d in plan.choices],
        "warnings": list(plan.warnings),
        "events": [_event(e, cache) for cache in [{}] for e in plan.events],
    }


def _patient(plan: Plan) -> dict[str, Any]:
    patient = plan.patient
    result: dict[str, Any] = {"weight": _measured(patient.weight)}
    result["height"] = _measured(patient.height) if patient.height else None
    return result


def _measured(measured: Any) -> dict[str, Any]:
    return {"value": round(measured.value, 3), "unit": measured.unit, "given": measured.text}


def _event(event: Event, cache: dict[int, dict[str, Any]]) -> dict[str, Any]:
    return {
        "key": event.key,
        "date": event.date.isoformat(),
        "earliest": event.earliest.isoformat(),
        "latest": event.latest.isoformat(),
        "kind": event.kind,
        "activity": event.activity,
        "name": event.name,
        "drug": event.drug,
        "route": event.route,
        "dose": _cached_dose(event.dose, cache),
        "cycle": event.cycle,
        "day": event.day,
        "occurrence": event.occurrence,
        "conditional": event.conditional,
        "condition": event.condition,
        "duration_hours": event.duration_hours,
        "notes": list(event.notes),
    }


def _cached_dose(dose: Dose | None, cache: dict[int, dict[str, Any]]) -> dict[str, Any] | None:
    if dose is None:
        return None
    found = cache.get(id(dose))
    if found is None:
        found = cache[id(dose)] = dose_dict(dose)
    return found


def dose_dict(dose: Dose) -> dict[str, Any]:
    return {
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
