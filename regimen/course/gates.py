"""Proceed-if gates: do the latest labs allow the events due on a day?"""

from __future__ import annotations

from datetime import date, timedelta
from typing import NamedTuple

from ..plan import Event, Plan
from .file import Course
from .replan import replan

__all__ = ["GateCheck", "GateReport", "GateResult", "check"]


class GateResult(NamedTuple):
    """One criterion against the latest lab result in the look-back."""

    criterion: object  # labs.Criterion
    lab: object  # course.Lab or None when missing
    passes: bool | None  # None: missing, or a ULN-relative limit without the ULN


class GateCheck(NamedTuple):
    """Whether the labs allow one due event."""

    event: Event
    lookback: int
    results: tuple[GateResult, ...]

    @property
    def cleared(self) -> bool:
        return all(r.passes for r in self.results)


class GateReport(NamedTuple):
    """What ``regimen check`` reports: the re-planned course, each gated event due on the day, and the next ones."""

    plan: Plan
    checks: list[GateCheck]
    upcoming: list[Event]

    @property
    def cleared(self) -> bool:
        """True when every gated event due on the day has every criterion met."""
        return all(c.cleared for c in self.checks)


def gated(activity, event: Event) -> bool:
    """Whether the activity's gates apply to this occurrence: each one, the first only, or each cycle's day 1."""
    scope = getattr(activity, "gate_scope", "each")
    if scope == "first":
        return event.occurrence == 1
    if scope == "cycle":
        return event.day in (None, 1)
    return True


def check(course: Course, on: date, *, protocol_dirs=()) -> GateReport:
    """For each gated event due on ``on``: the latest labs within the protocol's look-back, and
    whether each criterion passes. Also gives the next gated events after ``on``."""
    plan = replan(course, horizon=max(on, course.start) + timedelta(weeks=8), protocol_dirs=protocol_dirs)
    gates = {a.id: a for a in plan.arm.activities if a.gates}
    checks = []
    for event in plan.events:
        activity = gates.get(event.activity)
        if activity is None or event.date != on or event.status != "planned" or not gated(activity, event):
            continue
        results = []
        for criterion in activity.gates:
            lab = course.latest_lab(criterion.lab, on, activity.gate_lookback)
            results.append(GateResult(criterion, lab, None if lab is None else criterion.passes(lab.value, lab.uln)))
        checks.append(GateCheck(event, activity.gate_lookback, tuple(results)))
    upcoming = [e for e in plan.events if e.activity in gates and e.date > on and e.status == "planned" and gated(gates[e.activity], e)][:3]
    return GateReport(plan, checks, upcoming)
