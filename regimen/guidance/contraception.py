"""After treatment: the end of the contraception period the record asks for after the last dose.

Each drug's period is protocol data (``[drugs.X.contraception]``: ``after = "6mo"`` or ``"90d"``,
with the record's words as its source). The end counts from the drug's last dose in the plan:
given, or still planned (a course's plan changes it as doses are given, held or discontinued). A
month is a calendar month (``add_months``: 31 January + 6 months is 31 July; 31 August + 6 is
28/29 February). With several drugs the latest end wins. Where a drug is open-ended and still
planned at the horizon, its last dose is the plan's last shown one, and the milestone says so.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import NamedTuple

from ..plan import TAKEN, Milestone
from ..rules import add_months

__all__ = ["contraception_end"]


class _Last(NamedTuple):
    date: date
    occurrence: int
    status: str


def contraception_end(plan) -> Milestone | None:
    """The end of the contraception period after the plan's last dose, with its derivation (None
    when no drug of the plan states a period)."""
    best: tuple[date, list[str]] | None = None
    for track in plan.tracks:
        activity = track.activity
        if activity.kind != "drug" or not activity.drug:
            continue
        period = plan.protocol.drug(activity.drug).contraception
        if period is None:
            continue
        taken = [(run.days[-1], run.number + len(run.days) - 1, run.status) for run in track.runs if run.status in TAKEN and run.days]
        if not taken:
            continue  # the last dose read from the compact runs: no event is expanded here
        day, number, status = max(taken)
        last = _Last(date.fromordinal(day), number, status)
        end = add_months(last.date, period.months) if period.months else last.date + timedelta(days=period.days)
        if best is not None and end <= best[0]:
            continue
        how = f"{period.months} calendar months" if period.months else f"{period.days} days"
        lines = [f"last dose: {activity.name} #{last.occurrence} on {last.date} ({last.status})",
                 f"rule: contraception for {how} after the last dose; source: {period.source}",
                 f"end: {last.date} + {how} = {end}"]
        if last.status != "given" and 0 <= (plan.horizon_end - last.date).days < 31:  # a dose past the horizon: not cut by it
            lines.append(f"{activity.name} is open-ended: its last dose here is the last before the horizon ({plan.horizon_end}); "
                         "the end moves as the course goes on" if not activity.rule.bounded else
                         f"{activity.name} may go on past the horizon ({plan.horizon_end}): its last dose here is the last before it; "
                         "a longer --horizon gives the true end")
        lines += [plan.protocol.assumption(a).warning() for a in period.assumptions]
        best = (end, lines)
    if best is None:
        return None
    end, lines = best
    key = f"{plan.protocol.id}/{plan.arm.id}/contraception-end/1"
    return Milestone(key, end, "End of the contraception period", tuple(lines))
