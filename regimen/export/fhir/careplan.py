"""A patient's plan -> a FHIR CarePlan, a RequestGroup (R5: RequestOrchestration) of dated actions,
and one request per event: a MedicationRequest per dose (the absolute dose in mg, the derivation as
its text), a ServiceRequest per procedure or assessment; for a course, a MedicationAdministration
per given, held or skipped dose.

Every id is the UUIDv5 the .ics export gives the same event (``ids.event_uuid`` of the calendar id
and the event key), so a re-planned course updates the resources an EHR already holds. Each request
also carries the event key as an identifier. The patient is a Patient with the course's pseudonym
as identifier (none for a plain plan), never a name.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from ...model import Activity
from ...plan import Event, Plan
from ..ids import event_uuid
from .codes import BASE, EVENT_STATUS, PATIENT_PSEUDONYM, basis_concept, quantity, route_concept
from .plandefinition import activity_definition_url, plan_definition_url

__all__ = ["EVENT_KEY", "plan_resources", "recorded_reasons"]

EVENT_KEY = f"{BASE}/event-key"  # identifier system: the plan's stable event key, protocol/arm/activity/n
_REQUEST_STATUS = {"planned": "active", "overdue": "active", "given": "completed", "held": "revoked", "skipped": "revoked"}
_MEDICATION_STATUS = {"planned": "active", "overdue": "active", "given": "completed", "held": "cancelled", "skipped": "cancelled"}
_NOT_TAKEN = {"held": "Held: not given on this date (recorded in the course)",
              "skipped": "Skipped: this occurrence is not given (recorded in the course)"}


class _Context:
    """What every resource of one plan's export shares: the plan, the FHIR version, the calendar id, the references."""

    def __init__(self, plan: Plan, version: str, calendar: str, reasons: Mapping[str, str]) -> None:
        self.plan, self.version, self.calendar, self.reasons = plan, version, calendar, dict(reasons)
        self.prefix = f"{plan.protocol.id}/{plan.arm.id}"
        self.patient = self.ref("Patient", event_uuid(f"{self.prefix}/Patient", calendar))
        self.careplan = self.ref("CarePlan", event_uuid(f"{self.prefix}/CarePlan", calendar))
        self.group_type = "RequestGroup" if version == "R4" else "RequestOrchestration"

    @staticmethod
    def ref(kind: str, uuid: str) -> dict[str, str]:
        return {"reference": f"urn:uuid:{uuid}", "type": kind}

    def canonical(self) -> str:
        return f"{plan_definition_url(self.plan.protocol, self.plan.arm)}|{self.plan.protocol.version}"

    def concept(self, text: str) -> dict[str, Any]:
        """A CodeableConcept (R4) or CodeableReference (R5) holding only text."""
        return {"text": text} if self.version == "R4" else {"concept": {"text": text}}


def plan_resources(plan: Plan, version: str, *, patient: str | None, calendar: str,
                   reasons: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """The Patient, CarePlan and RequestGroup, then each event's request, then the administrations.
    ``reasons``: a held or skipped event's recorded reason, by event key (see :func:`recorded_reasons`)."""
    context = _Context(plan, version, calendar, reasons or {})
    requests, administrations, actions = [], [], []
    for event in plan.events:
        request = _request(context, event)
        requests.append(request)
        actions.append(_action(context, event, _Context.ref(request["resourceType"], request["id"])))
        if event.kind == "drug" and event.status in ("given", "held", "skipped"):
            administrations.append(_administration(context, event, request))
    group_id = event_uuid(f"{context.prefix}/{context.group_type}", calendar)
    group = {"resourceType": context.group_type, "id": group_id, "instantiatesCanonical": [context.canonical()],
             "basedOn": [context.careplan], "status": "active", "intent": "plan", "subject": context.patient, "action": actions}
    return [_patient(context, patient), _careplan(context, group_id), group, *requests, *administrations]


def _patient(context: _Context, pseudonym: str | None) -> dict[str, Any]:
    resource: dict[str, Any] = {"resourceType": "Patient", "id": context.patient["reference"].removeprefix("urn:uuid:")}
    if pseudonym:
        resource["identifier"] = [{"system": PATIENT_PSEUDONYM, "value": pseudonym}]
    return resource


def _careplan(context: _Context, group_id: str) -> dict[str, Any]:
    plan = context.plan
    from ...protocol.origin import notice

    chosen = ", ".join(f"{name}={value}{' (default)' if default else ''}" for name, value, default in plan.choices)
    description = f"{plan.protocol.id} {plan.arm.label}; day 0 = {plan.start.isoformat()} ({plan.arm.day0})"
    if chosen:
        description += f"; choices: {chosen}"
    group = _Context.ref(context.group_type, group_id)
    activity = {"reference": group} if context.version == "R4" else {"plannedActivityReference": group}
    resource: dict[str, Any] = {
        "resourceType": "CarePlan", "id": context.careplan["reference"].removeprefix("urn:uuid:"),
        "instantiatesCanonical": [context.canonical()], "status": "active", "intent": "plan",
        "title": f"{plan.protocol.id} {plan.arm.label}", "description": description, "subject": context.patient,
        "period": {"start": plan.start.isoformat(), "end": _end(plan).isoformat()}, "activity": [activity],
    }
    notes = [line for line in (notice(plan.protocol),) if line] + list(plan.warnings)
    if notes:
        resource["note"] = [{"text": line} for line in notes]
    return resource


def _end(plan: Plan):
    """The plan's last day: its horizon, or later where a bounded activity (6 months of lenvatinib) runs to its end."""
    return max([plan.horizon_end, *(event.date for event in plan.events)])


def _action(context: _Context, event: Event, resource: dict[str, str]) -> dict[str, Any]:
    action: dict[str, Any] = {"title": f"{event.name} #{event.occurrence}"}
    if event.condition:
        action["condition"] = [{"kind": "applicability", "expression": {
            "description": event.condition, "language": "text/plain", "expression": event.condition}}]
    dated = {"timingDateTime": event.date.isoformat(), "resource": resource}
    if event.has_window:
        action["timingPeriod"] = {"start": event.earliest.isoformat(), "end": event.latest.isoformat()}
        action["action"] = [{"title": f"{event.name} #{event.occurrence}: planned date", **dated}]
        return action
    return action | dated


def _definition(context: _Context, event: Event) -> str:
    plan = context.plan
    activity: Activity = plan.arm.activity(event.activity)
    band = None
    spec = activity.dose
    if spec is not None and spec.basis == "weight_band":
        band = spec.bands.index(spec.band_for(plan.patient.weight_kg))
    return f"{activity_definition_url(plan.protocol, plan.arm, activity, band)}|{plan.protocol.version}"


def _common(context: _Context, event: Event, kind: str, uuid: str) -> dict[str, Any]:
    return {"resourceType": kind, "id": uuid, "identifier": [{"system": EVENT_KEY, "value": event.key}]}


def _request(context: _Context, event: Event) -> dict[str, Any]:
    uuid = event_uuid(event.key, context.calendar)
    if event.kind != "drug":
        resource = _common(context, event, "ServiceRequest", uuid)
        resource |= {"instantiatesCanonical": [_definition(context, event)], "basedOn": [context.careplan],
                     "status": _REQUEST_STATUS.get(event.status, "active"), "intent": "plan",
                     "code": context.concept(event.name), "subject": context.patient, "occurrenceDateTime": event.date.isoformat()}
        return resource | _notes(event)
    resource = _common(context, event, "MedicationRequest", uuid)
    if event.dose is not None:
        resource["extension"] = [basis_concept(event.dose.basis)]
    if context.version == "R4":
        resource["instantiatesCanonical"] = [_definition(context, event)]
    resource |= {"basedOn": [context.careplan], "status": _MEDICATION_STATUS.get(event.status, "active")}
    if event.status in _NOT_TAKEN:
        resource["statusReason"] = _not_taken(event.status, context.reasons.get(event.key))
    resource |= {"intent": "plan", **_medication(context, event), "subject": context.patient,
                 "dosageInstruction": [_dosage(event, planned=True)]}
    return resource | _notes(event)


def _notes(event: Event) -> dict[str, Any]:
    """The protocol's notes on the activity (how to infuse, what not to mix) as the request's notes."""
    return {"note": [{"text": note} for note in event.notes]} if event.notes else {}


def _medication(context: _Context, event: Event) -> dict[str, Any]:
    name = event.drug or event.name
    drug = next((d.name for d in context.plan.protocol.drugs if d.id == event.drug), name)
    return {"medicationCodeableConcept": {"text": drug}} if context.version == "R4" else {"medication": {"concept": {"text": drug}}}


def _not_taken(status: str, reason: str | None) -> dict[str, Any]:
    text = _NOT_TAKEN[status] + (f": {reason}" if reason else "")
    return {"coding": [{"system": EVENT_STATUS, "code": status}], "text": text}


def recorded_reasons(course, plan: Plan) -> dict[str, str]:
    """The reason recorded for each held or skipped event of a course's plan, by event key: the
    ``held`` record of the activity whose days hold the event, or the ``skipped`` record of its
    occurrence (or of days holding it). An event no record explains with a reason has none."""
    from ...course.walk import open_end

    records = list(course.records)
    found: dict[str, str] = {}
    for event in plan.events:
        for record in records:
            if record.activity != event.activity or record.type != event.status or not record.reason:
                continue
            last = record.until or (date.fromordinal(open_end(record, records)) if record.type == "held" and record.date else None)
            if last is not None and record.date is not None:
                if record.date <= event.date <= last:
                    found[event.key] = record.reason
            elif record.occurrence == event.occurrence:
                found[event.key] = record.reason
    return found


def _dosage(event: Event, *, planned: bool) -> dict[str, Any]:
    """The dose in mg (as planned, for a request; as given, for an administration) and its derivation."""
    dose = event.dose
    dosage: dict[str, Any] = {}
    if dose is not None:
        dosage["text"] = "; ".join(dose.derivation)
        if dose.take:
            dosage["patientInstruction"] = f"take {dose.take}"
    if planned:
        timing: dict[str, Any] = {"event": [event.date.isoformat()]}
        if event.duration_hours:
            timing["repeat"] = {"duration": event.duration_hours, "durationUnit": "h"}
        dosage["timing"] = timing
    route = route_concept(event.route)
    if route:
        dosage["route"] = route
    if dose is not None:
        amount = dose.planned if planned and dose.planned is not None else dose.amount
        if planned:
            dosage["doseAndRate"] = [{"doseQuantity": quantity(amount, dose.unit)}]
        else:
            dosage["dose"] = quantity(amount, dose.unit)
    return dosage


def _administration(context: _Context, event: Event, request: dict[str, Any]) -> dict[str, Any]:
    resource = _common(context, event, "MedicationAdministration", event_uuid(f"{event.key}/administration", context.calendar))
    if event.dose is not None:
        resource["extension"] = [basis_concept(event.dose.basis)]
    resource["status"] = "completed" if event.status == "given" else "not-done"
    if event.status in _NOT_TAKEN:
        resource["statusReason"] = [_not_taken(event.status, context.reasons.get(event.key))]
    when = "effectiveDateTime" if context.version == "R4" else "occurenceDateTime"  # R5 spells it so
    resource |= {**_medication(context, event), "subject": context.patient, when: event.date.isoformat(),
                 "request": _Context.ref("MedicationRequest", request["id"])}
    if event.status == "given":
        resource["dosage"] = _dosage(event, planned=False)
    return resource
