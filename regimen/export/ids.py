"""Stable identities for a plan's exported events, shared by every exporter that names them.

An event's identity is a UUIDv5 of its calendar id and its stable key (``protocol/arm/activity/n``):
unique per patient and the same on every export, so a re-planned course updates what a calendar
or an EHR already holds instead of duplicating it. The .ics UIDs and the FHIR resource ids are
both made here. No third-party import: a FHIR export must not load icalendar.
"""

from __future__ import annotations

import uuid

from ..plan import Plan

__all__ = ["NAMESPACE", "calendar_id", "event_uuid", "uid_for"]

NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://regimen.invalid/events")


def event_uuid(key: str, calendar: str = "") -> str:
    """The UUID of ``key`` in calendar ``calendar`` (empty: the key alone), as text."""
    return str(uuid.uuid5(NAMESPACE, f"{calendar}/{key}" if calendar else key))


def uid_for(key: str, calendar: str = "") -> str:
    """The iCalendar UID of event ``key`` in calendar ``calendar`` (empty: the key alone)."""
    return f"{event_uuid(key, calendar)}@regimen"


def calendar_id(plan: Plan) -> str:
    """A plain plan's calendar id: a digest of what makes it this patient's plan (protocol, arm,
    day 0, measurements, choices). A course carries a random one instead."""
    import hashlib

    parts = (plan.protocol.id, plan.arm.id, plan.start.isoformat(), plan.patient.describe(), repr(plan.choices))
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]
