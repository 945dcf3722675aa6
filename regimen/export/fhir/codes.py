"""The URLs, code systems and codes a FHIR export uses, each with where it comes from.

Standard extensions are used under their published URLs; what FHIR and its implementation guides
have no element for is defined under regimen's own base URL, :data:`BASE`. That base is on the
reserved ``.invalid`` domain (RFC 6761) the project already names its JSON schema and event UUIDs
under: it never resolves and no one else can ever own it, so the identifiers stay stable.
"""

from __future__ import annotations

import json
from typing import Any

from ...errors import InputError

__all__ = ["ACCEPTABLE_OFFSET_RANGE", "ANCHOR_OCCURRENCE", "BASE", "DAYS_OF_CYCLE", "EVENT_STATUS", "NORMALIZATION_BASIS",
           "PATIENT_PSEUDONYM", "PLAN_DEFINITION_TYPE", "SNOMED", "UCUM", "VERIFICATION_STATUS", "VERSIONS", "basis_concept",
           "days", "dumps", "quantity", "route_concept", "version_of"]

BASE = "https://regimen.invalid/fhir"
VERSIONS = ("R4", "R5")  # FHIR 4.0.1 and 5.0.0

# Core extension "Days of cycle" (complex, sub-extension ``day``: integer, 1..*), context
# PlanDefinition.action / RequestGroup.action; the cycle is the timing of the parent action.
# Source: FHIR Extensions Pack, http://hl7.org/fhir/extensions/StructureDefinition-timing-daysOfCycle.html
DAYS_OF_CYCLE = "http://hl7.org/fhir/StructureDefinition/timing-daysOfCycle"
# Vulcan Clinical Study Schedule of Activities STU1 (1.0.0), extension "Acceptable Offset Range"
# (valueRange) on PlanDefinition.action.relatedAction.
# Source: https://hl7.org/fhir/uv/vulcan-schedule/StructureDefinition-AcceptableOffsetRangeSoa.html
ACCEPTABLE_OFFSET_RANGE = "http://hl7.org/fhir/uv/vulcan-schedule/StructureDefinition/AcceptableOffsetRangeSoa"
# mCODE STU4 (4.0.0) "Normalization Basis Extension" (valueCodeableConcept, required binding to
# NormalizationBasisVS), context DomainResource, MedicationRequest, MedicationAdministration.
# Source: https://hl7.org/fhir/us/mcode/StructureDefinition-mcode-normalization-basis.html
NORMALIZATION_BASIS = "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-normalization-basis"
# NormalizationBasisVS, https://hl7.org/fhir/us/mcode/ValueSet-mcode-normalization-basis-vs.html (SNOMED CT)
_BASES = {
    "per_kg": ("363804004", "Body weight characteristic (observable entity)"),
    "per_m2": ("301898006", "Body surface area (observable entity)"),
    "flat": ("1157245009", "Fixed dose (qualifier value)"),
    "dose_level": ("1157245009", "Fixed dose (qualifier value)"),  # a ladder's levels are fixed mg amounts
    "weight_band": ("1157245009", "Fixed dose (qualifier value)"),  # a band's levels too: the band only picks the ladder
}

# regimen's own definitions (no standard element or extension says these):
VERIFICATION_STATUS = f"{BASE}/StructureDefinition/assumption-verification-status"  # valueCode: VERIFIED, PARTIAL, UNVERIFIED, NONE
# complex: ``month`` (valueInteger, 1..*), calendar months after the start; ``window`` (valueDuration), days either side
VISIT_MONTHS = f"{BASE}/StructureDefinition/visit-months"
ANCHOR_OCCURRENCE = f"{BASE}/StructureDefinition/anchor-occurrence"  # valueCode "each", or valueInteger N (the Nth occurrence)
EVENT_STATUS = f"{BASE}/CodeSystem/event-status"  # planned, given, held, skipped, overdue (a course's record)
PATIENT_PSEUDONYM = f"{BASE}/patient-pseudonym"  # the identifier system of a course file's `patient`

PLAN_DEFINITION_TYPE = "http://terminology.hl7.org/CodeSystem/plan-definition-type"
UCUM = "http://unitsofmeasure.org"
SNOMED = "http://snomed.info/sct"
# SNOMED CT route of administration values (FHIR example binding http://hl7.org/fhir/ValueSet/route-codes)
_ROUTES = {"PO": ("26643006", "Oral route"), "IV": ("47625008", "Intravenous route"), "IA": ("58100008", "Intra-arterial route")}
_UNITS = {"mg": "mg", "mg/kg": "mg/kg", "mg/m2": "mg/m2", "d": "d", "mo": "mo"}


def version_of(version: object) -> str:
    """``"R4"`` or ``"R5"`` (any case), or an InputError naming what is accepted."""
    text = version.strip().upper() if isinstance(version, str) else None
    if text not in VERSIONS:
        raise InputError("version", f"{version!r} is not a FHIR version regimen writes; use R4 or R5")
    return text


def quantity(value: float, unit: str) -> dict[str, Any]:
    """A UCUM quantity: ``mg``, ``mg/kg``, ``mg/m2``, ``d`` or ``mo``."""
    return {"value": _number(value), "unit": unit, "system": UCUM, "code": _UNITS[unit]}


def days(value: int) -> dict[str, Any]:
    return quantity(value, "d")


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def route_concept(route: str | None) -> dict[str, Any] | None:
    if not route:
        return None
    found = _ROUTES.get(route.upper())
    if found is None:
        return {"text": route}
    return {"coding": [{"system": SNOMED, "code": found[0], "display": found[1]}], "text": route}


def basis_concept(basis: str) -> dict[str, Any]:
    code, display = _BASES[basis]
    return {"url": NORMALIZATION_BASIS, "valueCodeableConcept": {"coding": [{"system": SNOMED, "code": code, "display": display}]}}


def dumps(bundle: dict[str, Any]) -> str:
    """Deterministic JSON text: keys in the order built, two-space indent, UTF-8 kept."""
    return json.dumps(bundle, indent=2, ensure_ascii=False) + "\n"
