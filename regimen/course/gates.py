"""Proceed-if gates: do the latest labs allow the events due on a day?"""

from __future__ import annotations

from datetime import date, timedelta
from typing import NamedTuple

from ..plan import Event, Plan
from .file import Course
from .replan import replan

__all__ = ["GateCheck", "GateResult", "check"]


class GateResult(NamedTuple):
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


def check(course: Course, on: date, *, protocol_dirs=()) -> tuple[Plan, list[GateCheck], list[Event]]:
    """For each gated event due on ``on``: the latest labs within the protocol's look-back, and
    whether each criterion passes. Also returns the next gated events after ``on``."""
    plan = replan(course, horizon=max(on, course.start) + timedelta(weeks=8), protocol_dirs=protocol_dirs)
    gated = {a.id: a for a in plan.arm.activities if a.gates}
    checks = []
    for event in plan.events:
        activity = gated.get(event.activity)
        if activity is None or event.date != on or event.status != "planned":
            continue
        results = []
        for criterion in activity.gates:
            lab = course.latest_lab(criterion.lab, on, activity.gate_lookback)
            results.append(GateResult(criterion, lab, None if lab is None else criterion.passes(lab.value, lab.uln)))
        checks.append(GateCheck(event, activity.gate_lookback, tuple(results)))
    upcoming = [e for e in plan.events if e.activity in gated and e.date > on and e.status == "planned"][:3]
    return plan, checks, upcoming
