"""A dose sheet as data: for each drug its basis, the measurements used, each derivation step (with
its number and unit), the cap and rounding, the dose and what to take or prepare.

The steps are recomputed from the protocol's dose specification with the same arithmetic as
:mod:`regimen.dosing`, and checked against the computed :class:`~regimen.dosing.Dose` (its unrounded
value and its dose), so the data can never disagree with the text derivation printed beside it.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from ...dosing import Dose, DoseSpec, Product, RoundToStep, mass_text
from ...model import Activity, Protocol
from ...notation import format_pattern, format_rule
from ...patient import Patient, bsa_method
from ...plan import DoseSheet
from ...units import format_number as fmt

__all__ = ["BASIS_TEXT", "SCHEMA_VERSION", "drug_dict", "sheet_dict"]

SCHEMA_VERSION = 1
BASIS_TEXT = {
    "flat": "flat dose (does not depend on body size)",
    "per_kg": "mg/kg × actual body weight",
    "per_m2": "mg/m² × body surface area",
    "dose_level": "dose level of the protocol's ladder",
    "weight_band": "weight band",
}


def quantity(value: float, unit: str, places: int = 4) -> dict[str, Any]:
    return {"value": round(value, places), "unit": unit}


def sheet_dict(sheet: DoseSheet, bsa: str, printed: str) -> dict[str, Any]:
    """The whole sheet: protocol, arm, patient's measurements, BSA method, choices, each drug, and
    the assumptions these doses use (each with its source and status)."""
    from ...protocol.origin import notice

    protocol, patient = sheet.protocol, sheet.patient
    method = bsa_method(bsa)
    defaults = {name for name, _, default in sheet.choices if default}
    drugs = [drug_dict(protocol, sheet.arm.activity(activity_id), dose, patient, bsa, defaults) for activity_id, dose in sheet.doses]
    used = list(dict.fromkeys(a for drug in drugs for a in drug["assumptions"]))
    return {
        "schema_version": SCHEMA_VERSION,
        "printed": printed,
        "protocol": {"id": protocol.id, "title": protocol.title, "source": protocol.source,
                     "record_date": protocol.record_date, "version": protocol.version},
        "arm": {"id": sheet.arm.id, "label": sheet.arm.label},
        "patient": {"weight": _measured(patient.weight),
                    "height": _measured(patient.height) if patient.height else None},
        "bsa_method": {"name": method.name, "formula": method.formula, "source": method.source},
        "choices": [{"name": name, "value": value, "default": default} for name, value, default in sheet.choices],
        "drugs": drugs,
        "assumptions": [_assumption(protocol, a) for a in used],
        "notice": notice(protocol) or None,
        "warnings": list(sheet.warnings),
    }


def _measured(measured) -> dict[str, Any]:
    return {"value": round(measured.value, 3), "unit": measured.unit, "given": measured.text}


def _assumption(protocol: Protocol, assumption_id: str) -> dict[str, Any]:
    a = protocol.assumption(assumption_id)
    return {"id": a.id, "text": a.text, "source": a.source, "status": a.status}


def drug_dict(protocol: Protocol, activity: Activity, dose: Dose, patient: Patient, bsa: str,
              defaults: Collection[str] = ()) -> dict[str, Any]:
    """One drug's row: what a pharmacist checks, each number with its unit. ``defaults`` names the
    choices left at their documented default: their assumptions are this dose's too where the
    choice picks its level or decides that the drug is given."""
    spec = activity.dose
    assert spec is not None  # a DoseSheet lists only activities with a dose
    product = protocol.drug(activity.drug).product if activity.drug else None
    steps = _basis_steps(spec, dose, patient, bsa)
    steps += _cap_and_rounding(spec, dose)
    steps.append({"step": "dose", **quantity(dose.amount, dose.unit, 2), "text": f"{fmt(dose.amount)} {dose.unit} per administration"})
    return {
        "activity": activity.id,
        "name": activity.name,
        "drug": activity.drug,
        "route": activity.route,
        "basis": spec.basis,
        "basis_text": BASIS_TEXT[spec.basis] + (f" ({bsa_method(spec.bsa_method or bsa).name})" if spec.basis == "per_m2" else ""),
        "prescribed": spec.describe(),
        "formula": next((s["formula"] for s in steps if s["step"] == "product"), steps[0]["text"] if spec.basis == "flat" else _line(dose, "dose level")),
        "unrounded": quantity(dose.unrounded, dose.unit),
        "cap": quantity(spec.max, "mg", 2) if spec.max is not None else None,
        "rounding": _rounding_text(dose),
        "dose": {**quantity(dose.amount, dose.unit, 2), "text": dose.text},
        "frequency": format_pattern(dose.pattern) if dose.pattern else None,
        "schedule": format_rule(activity.rule),
        "level": None if dose.level is None else dose.level + 1,
        "steps": steps,
        "product": _product(product),
        "units": [{"strength": quantity(strength, "mg", 3), "count": count} for strength, count in dose.units],
        "take": dose.take,
        "prepare": dose.preparation if dose.preparation else _no_product(product, activity),
        "left_over": _left_over(dose, product),
        "volume": quantity(dose.amount / product.concentration, "mL", 2) if product and product.concentration else None,
        "derivation": list(dose.derivation),
        "assumptions": _used(protocol, activity, defaults),
    }


def _used(protocol: Protocol, activity: Activity, defaults: Collection[str]) -> list[str]:
    spec = activity.dose
    choices = [name for name in defaults
               if (spec is not None and spec.choice == name) or any(choice == name for choice, _ in activity.when)]
    return list(dict.fromkeys([*(a for name in choices for a in protocol.choice(name).assumptions), *activity.assumptions]))


def _basis_steps(spec: DoseSpec, dose: Dose, patient: Patient, bsa: str) -> list[dict[str, Any]]:
    weight = {"step": "weight", **quantity(patient.weight_kg, "kg", 3), "text": f"weight: {patient.weight} (actual body weight)"}
    if spec.basis == "flat":
        return [{"step": "flat", **quantity(spec.amount, "mg"), "text": f"flat dose: {fmt(spec.amount)} mg"}]
    if spec.basis == "per_kg":
        formula = f"{fmt(spec.amount, 3)} mg/kg × {fmt(patient.weight_kg, 3)} kg"
        return [weight, {"step": "product", "formula": formula, "rate": quantity(spec.amount, "mg/kg"),
                         **quantity(dose.unrounded, "mg"), "text": f"{formula} = {fmt(dose.unrounded, 4)} mg"}]
    if spec.basis == "per_m2":
        method = bsa_method(spec.bsa_method or bsa)
        height = patient.height_cm or 0.0
        area = method.compute(height, patient.weight_kg)
        formula = f"{fmt(spec.amount, 3)} mg/m² × {fmt(area, 4)} m²"
        return [weight, {"step": "height", **quantity(height, "cm", 3), "text": f"height: {patient.height}"},
                {"step": "bsa", **quantity(area, "m2"), "method": method.name, "method_formula": method.formula,
                 "text": f"BSA ({method.name}, {method.formula}) = {fmt(area, 4)} m²"},
                {"step": "product", "formula": formula, "rate": quantity(spec.amount, "mg/m2"),
                 **quantity(dose.unrounded, "mg"), "text": f"{formula} = {fmt(dose.unrounded, 4)} mg"}]
    steps = []
    if spec.basis == "weight_band":
        band = spec.band_for(patient.weight_kg)
        steps = [weight, {"step": "band", "lower": quantity(band.lower, "kg", 3) if band.lower is not None else None,
                          "upper": quantity(band.upper, "kg", 3) if band.upper is not None else None,
                          "text": f"weight band: {band.describe()}"}]
    level = (dose.level or 0) + 1
    return [*steps, {"step": "level", "level": level, **quantity(dose.unrounded, "mg"), "text": _line(dose, "dose level")}]


def _cap_and_rounding(spec: DoseSpec, dose: Dose) -> list[dict[str, Any]]:
    steps = []
    if spec.max is not None:
        capped = dose.unrounded > spec.max
        steps.append({"step": "cap", **quantity(spec.max, "mg", 2), "applied": capped,
                      "text": _line(dose, "capped at" if capped else "protocol maximum")})
    rounding = spec.rounding
    policy = None if rounding is None else ("step" if isinstance(rounding, RoundToStep) else "strengths")
    step: dict[str, Any] = {"step": "rounding", "policy": policy, "text": _rounding_text(dose)}
    if isinstance(rounding, RoundToStep):
        step["to"] = quantity(rounding.step, "mg")
    elif rounding is not None:
        step["tolerance"] = quantity(rounding.tolerance, "%")
    return [*steps, step]


def _line(dose: Dose, prefix: str) -> str:
    return next((line for line in dose.derivation if line.startswith(prefix)), "")


def _rounding_text(dose: Dose) -> str:
    return next(line for line in dose.derivation if line.startswith(("no rounding", "rounded", "not rounded")))


def _product(product: Product | None) -> dict[str, Any] | None:
    if product is None:
        return None
    concentration = product.concentration
    return {"form": product.form, "strengths": [quantity(s, "mg", 3) for s in product.strengths],
            "labels": [mass_text(s) + (f"/{fmt(s / concentration)} mL" if concentration else "") for s in product.strengths],
            "concentration": quantity(concentration, "mg/mL", 3) if concentration else None, "source": product.source}


def _left_over(dose: Dose, product: Product | None) -> dict[str, Any] | None:
    if product is None or product.oral or not dose.units:
        return None
    left = sum(strength * count for strength, count in dose.units) - dose.amount  # as regimen.dosing says it
    return quantity(left / product.concentration, "mL", 2) if product.concentration else quantity(left, "mg", 2)


def _no_product(product: Product | None, activity: Activity) -> str | None:
    if product is not None:
        return None
    return f"no product strengths in the protocol for {activity.name}: prepare from the pharmacy's own stock"
