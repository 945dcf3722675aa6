"""The pieces every .ics event is made of: cleaned TEXT, the common properties, summary, description
and alarm. Shared by ``ics`` (the calendar) and ``ics_visits`` (clinic visits, series and timing)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from icalendar import Alarm, Event, vText

from ..plan import Event as PlanEvent
from ..plan import Plan
from ..units import format_number
from .ids import uid_for

__all__ = ["CONTROL", "alarm", "base", "clean", "description", "summary"]

CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_CONTROL_BUT_BREAKS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def clean(text: str) -> str:
    """TEXT for a calendar: control characters removed (RFC 5545 allows none but tab), line
    breaks kept for icalendar to escape as \\n, like ; , and \\."""
    return _CONTROL_BUT_BREAKS.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def base(event: PlanEvent, uid_key: str, stamp: datetime, summary_text: str, lines: list[str], cal_id: str,
         kinds: list[str] | None = None) -> Event:
    """UID, DTSTAMP, SUMMARY, DESCRIPTION, CATEGORIES, STATUS, SEQUENCE and the X-REGIMEN keys of one event."""
    component = Event.new(
        uid=uid_for(uid_key, cal_id),
        stamp=stamp,
        summary=clean(summary_text),
        description=clean("\n".join(lines)),
        categories=[clean(kind) for kind in (kinds or [event.kind])],
        status="CANCELLED" if event.status in ("held", "skipped") else "TENTATIVE" if event.conditional else "CONFIRMED",
        sequence=0,
    )
    component.add("x-regimen-activity", vText(clean(event.activity)))
    component.add("x-regimen-key", vText(clean(uid_key)))
    return component


def summary(event: PlanEvent) -> str:
    parts = [event.name]
    if event.dose is not None:
        parts.append(event.dose.text)
    if event.route:
        parts.append(event.route)
    if event.cycle is not None and event.kind != "drug":
        parts.append(f"(cycle {event.cycle})")
    text = " ".join(parts)
    return f"{text} (conditional)" if event.conditional else text


def description(plan: Plan, event: PlanEvent, warnings: tuple[str, ...] = (), *, trailer: bool = True) -> list[str]:
    lines = [f"Warning: {warning}" for warning in warnings]
    if event.has_window:
        lines.append(f"Allowed window: {event.earliest.isoformat()} to {event.latest.isoformat()} (nominal {event.date.isoformat()})")
    if event.conditional:
        lines.append(f"Conditional: {event.condition}")
    if event.duration_hours:
        lines.append(f"Duration: {format_number(event.duration_hours)} hours from the start")
    dose = event.dose
    if dose is not None:
        lines.append(f"Dose: {dose.text}" + (f"; take {dose.take}" if dose.take else ""))
        lines.extend(f"  {line}" for line in dose.derivation)
    lines.extend(event.notes)
    if trailer:
        lines.append(f"{plan.protocol.id}, arm {plan.arm.id} (encoding {plan.protocol.version}); day 0 = {plan.start.isoformat()}")
    return lines


def alarm(component: Event, remind: timedelta | None, name: str) -> None:
    if remind is None:
        return
    found = Alarm()
    found.add("action", "DISPLAY")
    found.add("description", clean(f"Reminder: {name}"))
    found.add("trigger", -remind)
    component.add_component(found)
