"""The calendar's last page: where it comes from, the assumptions it rests on (each with its source
and status), the derivation of every dose exactly as the plan carries it (``Dose.derivation``,
the lines ``regimen dose`` prints: nothing is recomputed here), the plan's other warnings, and
the references.
"""

from __future__ import annotations

from ...dosing import Dose
from ...plan import Plan
from ...protocol.origin import notice
from ..page import escape

__all__ = ["doses_shown", "notes_page", "recorded_levels", "used_assumptions"]


def used_assumptions(plan: Plan) -> list:
    """The protocol's assumptions this plan warns about, in the protocol's order."""
    warnings = set(plan.warnings)
    return [a for a in plan.protocol.assumptions if a.warning() in warnings]


def doses_shown(plan: Plan) -> list[tuple[str, Dose]]:
    """Each distinct dose of the plan, once: the arm's doses, then any other a course's records gave an event
    (a dose is the same when its activity, amount and derivation are: a re-plan makes equal copies)."""
    found: dict[tuple, tuple[str, Dose]] = {}
    for activity, dose in (*plan.doses, *((e.activity, e.dose) for e in plan.events if e.dose is not None)):
        found.setdefault((activity, dose.text, dose.derivation), (activity, dose))
    return list(found.values())


def recorded_levels(plan: Plan, activity: str, dose: Dose) -> list[str]:
    """The course's level records that put ``activity`` on ``dose``'s level, as "from DATE: dose level N
    (recorded: REASON)" (levels in records count from 1, a dose's from 0)."""
    if dose.level is None:
        return []
    return [f"from {r.date.isoformat()}: dose level {r.level}" + (f" (recorded: {r.reason})" if r.reason else " (recorded)")
            for r in plan.records if r.type == "level" and r.activity == activity and r.level == dose.level + 1 and r.date]


def notes_page(plan: Plan, *, label: str | None = None) -> str:
    protocol = plan.protocol
    who = f"<b>{escape(label)}</b><br>" if label else ""
    parts = [f'<section class="page notes-page"><header><h1>About this calendar</h1><div class="who">{who}'
             f"{escape(protocol.id)}, arm {escape(plan.arm.id)}</div></header>",
             f"<p>{escape(protocol.id)}: {escape(protocol.title)}. Arm {escape(plan.arm.id)}: {escape(plan.arm.label)}. "
             f"Source: {escape(protocol.source)} (record {escape(str(protocol.record_date))}; encoding {escape(str(protocol.version))}). "
             f"Day 0 ({escape(plan.arm.day0)}) = {plan.start.isoformat()}; {escape(plan.patient.describe())}; "
             f"planned to {plan.horizon_end.isoformat()}.</p>"]
    origin = notice(protocol)
    if origin:
        parts.append(f"<p><b>! {escape(origin)}</b></p>")
    parts += [_assumptions(plan), _doses(plan), _other(plan), _references(plan), "</section>"]
    return "".join(parts)


def _assumptions(plan: Plan) -> str:
    used = used_assumptions(plan)
    if not used:
        return "<h2>Assumptions</h2><p>This calendar rests on no assumption: every number is the trial record's.</p>"
    items = "".join(f'<dt>{escape(a.id)} <span class="status">[{escape(a.status)}]</span></dt>'
                    f"<dd>{escape(a.text)}<br><i>source:</i> {escape(a.source)}</dd>" for a in used)
    return f"<h2>Assumptions (numbers the trial record does not state)</h2><dl>{items}</dl>"


def _doses(plan: Plan) -> str:
    names = {a.id: a for a in plan.arm.activities}
    shown = doses_shown(plan)
    if not shown:
        return "<h2>Doses</h2><p>This arm has no drug doses.</p>"
    items = []
    for activity_id, dose in shown:
        activity = names[activity_id]
        lines = "".join(f"<li>{escape(line)}</li>" for line in (*recorded_levels(plan, activity_id, dose), *dose.derivation))
        items.append(f'<dt data-activity="{escape(activity_id)}">{escape(activity.name)} ({escape(activity.route or "route not stated")}): '
                     f"{escape(dose.text)} per administration</dt><dd><ul>{lines}</ul></dd>")
    return f"<h2>How each dose was derived</h2><dl>{''.join(items)}</dl>"


def _other(plan: Plan) -> str:
    used = {a.warning() for a in used_assumptions(plan)}
    rest = [w for w in plan.warnings if w not in used]
    from ...guidance.screening import before_day0

    rest += [f"before day 0: {task.noted()}" for task in before_day0(plan.protocol, plan.start)]
    if not rest:
        return ""
    return "<h2>Also note</h2><ul>" + "".join(f"<li>{escape(w)}</li>" for w in rest) + "</ul>"


def _references(plan: Plan) -> str:
    if not plan.protocol.references:
        return ""
    items = "".join(f"<li>[{escape(r.id)}] {escape(r.citation)}" + (f" &lt;{escape(r.url)}&gt;" if r.url else "") + "</li>"
                    for r in plan.protocol.references)
    return f"<h2>References</h2><ul>{items}</ul>"
