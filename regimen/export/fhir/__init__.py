"""Protocols and plans as FHIR R4 or R5 JSON Bundles, built as plain dicts (no FHIR library is imported).

* :func:`protocol_bundle`: one PlanDefinition per arm and its ActivityDefinitions (``regimen show
  PROTOCOL --format fhir``; see :mod:`.plandefinition`).
* :func:`plan_bundle`: a patient's CarePlan, its RequestGroup of dated actions, a request per
  event and, for a course, an administration per recorded dose (``regimen schedule --format fhir``;
  see :mod:`.careplan`), together with the PlanDefinition it instantiates.

Both are ``transaction`` Bundles of ``PUT`` entries under deterministic ids: the same inputs give
byte-identical JSON, and sending a re-planned course again updates what is there.
"""

from __future__ import annotations

from typing import Any

from ...errors import InputError
from ...inputs import PSEUDONYM
from ...model import Protocol
from ...plan import Plan
from ..ids import calendar_id, event_uuid
from .careplan import plan_resources, recorded_reasons
from .codes import VERSIONS, dumps, version_of
from .plandefinition import definitions

__all__ = ["VERSIONS", "dumps", "plan_bundle", "plan_dumps", "protocol_bundle", "protocol_dumps"]


def protocol_bundle(protocol: Protocol, arm: str | None = None, version: str = "R4") -> dict[str, Any]:
    """A Bundle of one arm's definitions (``arm``), or of every arm's (``None``)."""
    version = version_of(version)
    arms = protocol.arms if arm is None else (protocol.arm(arm),)
    resources = [resource for one in arms for resource in definitions(protocol, one, version)]
    key = f"{protocol.id}/{'+'.join(one.id for one in arms)}/definitions/{version}"
    return _bundle(event_uuid(key), resources)


def plan_bundle(plan: Plan, version: str = "R4", *, patient: str | None = None, calendar: str | None = None,
                course=None) -> dict[str, Any]:
    """A Bundle of the plan's CarePlan and requests, and the definitions they instantiate.

    ``patient`` is the pseudonym to identify the Patient by (a course file's ``patient``); ``calendar``
    the id the resource ids derive from (a course's ``calendar``; default: a digest of the plan's inputs,
    as for the .ics export). With ``course`` (the Course the plan was re-planned from) both default
    to the course's, and held and skipped doses carry the reasons it records."""
    version = version_of(version)
    reasons = {}
    if course is not None:
        from ...course import Course

        if not isinstance(course, Course):
            raise InputError("course", f"expected a Course (regimen.load_course(path)), got {type(course).__name__}")
        patient = patient if patient is not None else course.patient or None
        calendar = calendar if calendar is not None else course.calendar or None
        reasons = recorded_reasons(course, plan)
    if patient is not None and (not isinstance(patient, str) or not PSEUDONYM.fullmatch(patient)):
        raise InputError("patient", f"{patient!r} is not a pseudonym; use letters, digits, '.', '_' and '-' (at most 64), never a name")
    if calendar is not None and (not isinstance(calendar, str) or not calendar.strip()):
        raise InputError("calendar", f"{calendar!r} is not a calendar id; give the course's calendar id, or leave it out")
    calendar = calendar or calendar_id(plan)
    resources = plan_resources(plan, version, patient=patient, calendar=calendar, reasons=reasons)
    resources += definitions(plan.protocol, plan.arm, version)
    return _bundle(event_uuid(f"{plan.protocol.id}/{plan.arm.id}/Bundle/{version}", calendar), resources)


def _bundle(uuid: str, resources: list[dict[str, Any]]) -> dict[str, Any]:
    entries = [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r, "request": {"method": "PUT", "url": f"{r['resourceType']}/{r['id']}"}}
               for r in resources]
    return {"resourceType": "Bundle", "id": uuid, "type": "transaction", "entry": entries}


def protocol_dumps(protocol: Protocol, arm: str | None = None, version: str = "R4") -> str:
    return dumps(protocol_bundle(protocol, arm, version))


def plan_dumps(plan: Plan, version: str = "R4", *, patient: str | None = None, calendar: str | None = None, course=None) -> str:
    return dumps(plan_bundle(plan, version, patient=patient, calendar=calendar, course=course))

