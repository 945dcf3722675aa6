"""A protocol's arm -> a FHIR PlanDefinition (type clinical-protocol) and its ActivityDefinitions.

Each activity is one action of the PlanDefinition:

* its start is a ``relatedAction`` to the action it is anchored to (day 0 is an action of its own,
  with no definition): ``after-start`` with ``offsetDuration`` the nominal day and the Vulcan
  ``AcceptableOffsetRangeSoa`` extension the window, both in days from the anchor's start (a
  negative offset is ``before-start``); ``each haic`` and ``haic#2`` carry regimen's
  ``anchor-occurrence`` extension; "on the same day after oxaliplatin" is an ``after-end`` with
  no offset: an order within the day, not a date;
* its repeat is ``timingTiming.repeat`` (``period`` in days, ``count``, ``boundsDuration`` for
  "for 6 months"); cycle days (``d1-21 q28d``) are a child action carrying the core
  ``timing-daysOfCycle`` extension, the cycle being the parent's timing;
* a dose by weight band is a group with ``selectionBehavior`` exactly-one over one action per
  band, each with its applicability ``condition`` on ``%weight``;
* what the record leaves to a choice, and what happens only if a finding says so, are
  applicability conditions (FHIRPath on ``%choice`` for the first, the record's words for the second).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from ...dosing import Band, DoseSpec
from ...model import Activity, Arm, Protocol
from ...notation import format_rule
from ...rules import DAY0, CycleDays, Every, Months, Rule
from ...units import format_number
from ..ids import event_uuid
from .codes import (
    ACCEPTABLE_OFFSET_RANGE,
    ANCHOR_OCCURRENCE,
    BASE,
    DAYS_OF_CYCLE,
    PLAN_DEFINITION_TYPE,
    VERIFICATION_STATUS,
    VISIT_MONTHS,
    basis_concept,
    days,
    quantity,
    route_concept,
)

__all__ = ["action_ids", "activity_definition_url", "definitions", "plan_definition_url", "resource_kind"]

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")


def action_ids(arm: Arm) -> dict[str, str]:
    """Each activity's action id: a FHIR ``id`` (letters, digits, '-', '.'), so ``fluorouracil_bolus``
    is ``fluorouracil-bolus``; one that would clash or still not fit is named by a digest instead."""
    found = {DAY0: DAY0}
    for activity in arm.activities:
        readable = activity.id.replace("_", "-")
        if not _FHIR_ID.fullmatch(readable) or readable in found.values():
            readable = "activity-" + event_uuid(f"{arm.id}/{activity.id}")[:8]
        found[activity.id] = readable
    return found


def plan_definition_url(protocol: Protocol, arm: Arm) -> str:
    return f"{BASE}/PlanDefinition/{quote(protocol.id, safe='')}/{quote(arm.id, safe='')}"


def activity_definition_url(protocol: Protocol, arm: Arm, activity: Activity, band: int | None = None) -> str:
    tail = "" if band is None else f"/band-{band + 1}"
    return f"{BASE}/ActivityDefinition/{quote(protocol.id, safe='')}/{quote(arm.id, safe='')}/{quote(activity.id, safe='')}{tail}"


def resource_kind(kind: str) -> str:
    """The request a kind of activity becomes: a drug is a MedicationRequest, anything else a ServiceRequest."""
    return "MedicationRequest" if kind == "drug" else "ServiceRequest"


def definitions(protocol: Protocol, arm: Arm, version: str) -> list[dict[str, Any]]:
    """The arm's PlanDefinition, then one ActivityDefinition per activity (per band for a weight-band dose)."""
    resources = [_plan_definition(protocol, arm, version)]
    for activity in arm.activities:
        resources.extend(_activity_definitions(protocol, arm, activity))
    return resources


def _plan_definition(protocol: Protocol, arm: Arm, version: str) -> dict[str, Any]:
    ids = action_ids(arm)
    actions = [{"id": DAY0, "title": f"Day 0: {arm.day0}"}]
    actions += [_action(protocol, arm, activity, version, ids) for activity in arm.activities]
    if version == "R5":
        for action in actions:
            _link(action)
    return {
        "resourceType": "PlanDefinition",
        "id": event_uuid(f"{protocol.id}/{arm.id}/PlanDefinition"),
        "url": plan_definition_url(protocol, arm),
        "version": protocol.version,
        "title": f"{protocol.id} {arm.label}",
        "type": {"coding": [{"system": PLAN_DEFINITION_TYPE, "code": "clinical-protocol", "display": "Clinical Protocol"}]},
        "status": "active",
        "publisher": protocol.sponsor,
        "description": arm.record or protocol.title,
        "relatedArtifact": _artifacts(protocol, version),
        "action": actions,
    }


def _link(action: dict[str, Any]) -> None:
    """R5 names actions for linking by ``linkId``; regimen uses the same text as the element id."""
    action["linkId"] = action["id"]
    for child in action.get("action", ()):
        _link(child)


def _artifacts(protocol: Protocol, version: str) -> list[dict[str, Any]]:
    def cited(label: str, citation: str, url: str) -> dict[str, Any]:
        if url and any(character.isspace() for character in url):  # a source that is not a bare URL stays text
            citation, url = f"{citation} Source: {url}", ""
        found = {"type": "citation", "label": label, "citation": citation}
        if url:
            found |= {"url": url} if version == "R4" else {"document": {"url": url}}
        return found

    record = f"{protocol.id}: {protocol.title}. {protocol.sponsor}. Trial record of {protocol.record_date}."
    artifacts = [cited("trial-record", record, protocol.source)]
    artifacts += [cited(ref.id, ref.citation, ref.url) for ref in protocol.references]
    for assumption in protocol.assumptions:
        artifacts.append({
            "extension": [{"url": VERIFICATION_STATUS, "valueCode": assumption.status}],
            "type": "documentation", "label": assumption.id, "display": assumption.text, "citation": assumption.source,
        })
    return artifacts


def _action(protocol: Protocol, arm: Arm, activity: Activity, version: str, ids: dict[str, str]) -> dict[str, Any]:
    own = ids[activity.id]
    action: dict[str, Any] = {"id": own, "title": activity.name, "description": format_rule(activity.rule)}
    if activity.notes:
        action["description"] += ". " + " ".join(activity.notes)
    conditions = _conditions(activity)
    if conditions:
        action["condition"] = conditions
    action["relatedAction"] = [_anchor(activity.rule, version, ids)]
    if activity.given_after:
        action["relatedAction"].append({_target(version): ids[activity.given_after], "relationship": "after-end"})
    if isinstance(activity.rule.pattern, Months):
        action["extension"] = [_visit_months(activity.rule.pattern)]
    elif timing := _timing(activity.rule):
        action["timingTiming"] = timing
    content = _content(protocol, arm, activity, own)
    if isinstance(activity.rule.pattern, CycleDays):
        cycle_days = [{"url": "day", "valueInteger": day} for day in activity.rule.pattern.days]
        content = {"id": f"{own}-days", "title": f"{activity.name}: days of each cycle",
                   "extension": [{"url": DAYS_OF_CYCLE, "extension": cycle_days}], **content}
        action["action"] = [content]
    else:
        action |= content
    return action


def _target(version: str) -> str:
    return "actionId" if version == "R4" else "targetId"


def _anchor(rule: Rule, version: str, ids: dict[str, str]) -> dict[str, Any]:
    start = rule.start
    before = start.offset < 0
    sign = -1 if before else 1
    related: dict[str, Any] = {}
    if start.anchor.each:
        related["extension"] = [{"url": ANCHOR_OCCURRENCE, "valueCode": "each"}]
    elif start.anchor.nth != 1:
        related["extension"] = [{"url": ANCHOR_OCCURRENCE, "valueInteger": start.anchor.nth}]
    if start.has_window:
        low, high = sorted((sign * start.earliest, sign * start.latest))
        window = {"url": ACCEPTABLE_OFFSET_RANGE, "valueRange": {"low": days(low), "high": days(high)}}
        related["extension"] = [*related.get("extension", ()), window]
    related[_target(version)] = ids[start.anchor.activity]
    related["relationship"] = "before-start" if before else "after-start"
    related["offsetDuration"] = days(sign * start.offset)
    return related


def _visit_months(pattern: Months) -> dict[str, Any]:
    """Visits at calendar months after the start (``at 1,3,6,12mo ±7d``): FHIR's Timing counts a
    month as UCUM's mean month (30.4 days), so the months go in regimen's own extension."""
    parts = [{"url": "month", "valueInteger": month} for month in pattern.months]
    return {"url": VISIT_MONTHS, "extension": [*parts, {"url": "window", "valueDuration": days(pattern.window)}]}


def _timing(rule: Rule) -> dict[str, Any] | None:
    pattern = rule.pattern
    if pattern is None:
        return None
    period = pattern.days if isinstance(pattern, Every) else pattern.length
    repeat: dict[str, Any] = {}
    if rule.span is not None:
        repeat["boundsDuration"] = quantity(rule.span.count, rule.span.unit)
    if rule.count is not None:
        repeat["count"] = rule.count
    repeat |= {"frequency": 1, "period": period, "periodUnit": "d"}
    return {"repeat": repeat}


def _conditions(activity: Activity) -> list[dict[str, Any]]:
    found = []
    if activity.when:
        clauses = [" or ".join(f"%{_name(name)} = '{_quoted(value)}'" for value in values) for name, values in activity.when]
        expression = " and ".join(f"({clause})" if len(activity.when) > 1 else clause for clause in clauses)
        described = " and ".join(f"{name} = {' or '.join(values)}" for name, values in activity.when)
        found.append({"kind": "applicability",
                      "expression": {"description": f"only when {described}", "language": "text/fhirpath", "expression": expression}})
    if activity.condition:
        found.append({"kind": "applicability",
                      "expression": {"description": activity.condition, "language": "text/plain", "expression": activity.condition}})
    return found


def _name(name: str) -> str:
    return name if _IDENTIFIER.fullmatch(name) else f"`{name}`"


def _quoted(value: str) -> str:
    return value.replace("\\", "\\\\").replace("'", "\\'")


def _content(protocol: Protocol, arm: Arm, activity: Activity, own: str) -> dict[str, Any]:
    spec = activity.dose
    if spec is None or spec.basis != "weight_band":
        return {"definitionCanonical": f"{activity_definition_url(protocol, arm, activity)}|{protocol.version}"}
    bands = []
    for index, band in enumerate(spec.bands):
        bands.append({
            "id": f"{own}-band-{index + 1}", "title": f"{activity.name}, {band.describe()}",
            "condition": [{"kind": "applicability", "expression": {
                "description": f"body weight {band.describe()}", "language": "text/fhirpath", "expression": _band_expression(band)}}],
            "definitionCanonical": f"{activity_definition_url(protocol, arm, activity, index)}|{protocol.version}",
        })
    return {"selectionBehavior": "exactly-one", "action": bands}


def _band_expression(band: Band) -> str:
    """``%weight >= 60 'kg' and %weight < 80 'kg'``: half-open, as the protocol's bands are."""
    parts = []
    if band.lower is not None:
        parts.append(f"%weight >= {format_number(band.lower, 6)} 'kg'")
    if band.upper is not None:
        parts.append(f"%weight < {format_number(band.upper, 6)} 'kg'")
    return " and ".join(parts)


def _activity_definitions(protocol: Protocol, arm: Arm, activity: Activity) -> list[dict[str, Any]]:
    spec = activity.dose
    if spec is not None and spec.basis == "weight_band":
        return [_activity_definition(protocol, arm, activity, spec, index, band) for index, band in enumerate(spec.bands)]
    return [_activity_definition(protocol, arm, activity, spec)]


def _activity_definition(protocol: Protocol, arm: Arm, activity: Activity, spec: DoseSpec | None,
                         index: int | None = None, band: Band | None = None) -> dict[str, Any]:
    tail = "" if index is None else f"/band-{index + 1}"
    resource: dict[str, Any] = {"resourceType": "ActivityDefinition",
                                "id": event_uuid(f"{protocol.id}/{arm.id}/{activity.id}{tail}/ActivityDefinition")}
    if spec is not None:
        resource["extension"] = [basis_concept(spec.basis)]
    title = activity.name if band is None else f"{activity.name}, {band.describe()}"
    resource |= {"url": activity_definition_url(protocol, arm, activity, index), "version": protocol.version, "title": title,
                 "status": "active", "kind": resource_kind(activity.kind), "code": {"text": activity.name}}
    if activity.kind == "drug":
        resource["productCodeableConcept"] = {"text": _drug_name(protocol, activity)}
    if spec is not None:
        resource["dosage"] = [_dosage(activity, spec, band)]
    return resource


def _drug_name(protocol: Protocol, activity: Activity) -> str:
    return next((d.name for d in protocol.drugs if d.id == activity.drug), activity.drug or activity.name)


def _dosage(activity: Activity, spec: DoseSpec, band: Band | None) -> dict[str, Any]:
    """The starting dose with its basis: ``3 mg/kg``, ``85 mg/m2``, a ladder's or a band's first level in mg."""
    if spec.basis in ("flat", "per_kg", "per_m2"):
        amount, unit = spec.amount, {"flat": "mg", "per_kg": "mg/kg", "per_m2": "mg/m2"}[spec.basis]
    else:
        levels = band.levels if band is not None else spec.levels
        amount, unit = levels[0].amount, "mg"
    text = spec.describe() if band is None else f"{band.describe()}: {' → '.join(map(str, band.levels))}"
    if spec.rounding is not None:
        text += f", rounded {spec.rounding.describe()}"
    dosage: dict[str, Any] = {"text": f"{text}; {format_rule(activity.rule)}"}
    route = route_concept(activity.route)
    if route:
        dosage["route"] = route
    dosage["doseAndRate"] = [{"doseQuantity": quantity(amount, unit)}]
    if spec.max is not None:
        dosage["maxDosePerAdministration"] = quantity(spec.max, "mg")
    return dosage
