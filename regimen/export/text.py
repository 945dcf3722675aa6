"""Plain-text renderings for a terminal: protocol lists, protocol details, dose sheets, plans."""

from __future__ import annotations

from collections.abc import Iterable

from ..labs import gates_text
from ..model import Activity, Arm, Protocol
from ..notation import format_pattern, format_rule
from ..plan import DoseSheet, Event, Plan
from ..protocol.origin import notice as origin_notice
from .terminal import Mark, View

__all__ = ["activity_limits", "dose_sheet", "gate_report", "plan_table", "protocol_details", "protocols_table"]


def protocols_table(protocols: Iterable[Protocol], view: View | None = None) -> str:
    """One row a protocol: its id, arms and title (cut to the width; `regimen show` has it whole)."""
    view = view or View()
    protocols = list(protocols)
    rows = [("protocol", "arms", "title"), *((p.id, ", ".join(a.id for a in p.arms), p.title) for p in protocols)]
    room = view.width - sum(max(len(row[i]) for row in rows) + 2 for i in range(2))
    rows = [rows[0], *((a, b, _clip(title, max(20, min(70, room)))) for a, b, title in rows[1:])]
    notices = [line for p in protocols for line in _origin(p, view)]
    return view.table(rows, wrap=(1,)) + "".join(f"{line}\n" for line in notices)


def protocol_details(protocol: Protocol, arm: str | None = None) -> str:
    arms = [protocol.arm(arm)] if arm else list(protocol.arms)
    out = [
        f"{protocol.id}: {protocol.title}",
        f"Sponsor: {protocol.sponsor}",
        f"Source: {protocol.source} (record {protocol.record_date}; encoding {protocol.version})",
        *_origin(protocol),
    ]
    out += [f"Note: {note}" for note in protocol.notes]
    for one in arms:
        out += ["", *_arm(protocol, one)]
    used = {a for one in arms for act in one.activities for a in act.assumptions}
    used |= {a for c in protocol.choices if c.id in {n for one in arms for n in one.choice_ids()} for a in c.assumptions}
    if protocol.screening is not None:  # the screening rules (regimen screen checks them)
        from .clinical import screening_lines

        out += ["", *screening_lines(protocol.screening)]
        used |= {*protocol.screening.assumptions, *(a for rule in protocol.screening.rules for a in rule.assumptions)}
    if used:
        out += ["", "Assumptions (numbers the record does not state):"]
        out += [f"  {a.id} [{a.status}]: {a.text}\n      source: {a.source}" for a in protocol.assumptions if a.id in used]
    if protocol.references:
        out += ["", "References:"]
        out += [f"  [{r.id}] {r.citation}" + (f" <{r.url}>" if r.url else "") for r in protocol.references]
    return "\n".join(out) + "\n"


def _arm(protocol: Protocol, arm: Arm) -> list[str]:
    out = [f"Arm {arm.id}: {arm.label} ({arm.type}); day 0 = {arm.day0}"]
    if arm.record:
        out.append(f'  record: "{arm.record}"')
    for activity in arm.activities:
        dose = f"  {activity.dose.describe()}" if activity.dose else ""
        route = f" {activity.route}" if activity.route else ""
        out.append(f"  {activity.id:<22} {activity.name}{route}{dose}")
        out.append(f"  {'':<22}   {format_rule(activity.rule)}")
        if activity.when:
            out.append(f"  {'':<22}   only when " + " and ".join(f"{n} = {' or '.join(v)}" for n, v in activity.when))
        if activity.condition:
            out.append(f"  {'':<22}   conditional: {activity.condition}")
        if activity.given_after:
            out.append(f"  {'':<22}   on the same day after {activity.given_after}")
        out += [f"  {'':<22}   {line}" for line in activity_limits(activity)]
    for name in arm.choice_ids():
        choice = protocol.choice(name)
        out.append(f"  choice {name}: {choice.label}")
        for option in choice.options:
            mark = " (default)" if option.id == choice.default else ""
            out.append(f"      {option.id}{mark}: {option.label}")
    return out


def activity_limits(activity: Activity) -> list[str]:
    """What a coordinator checks before an activity: its duration, how late it may slip, and the labs
    to draw before it (each criterion, the look-back, and which occurrences the gates apply to)."""
    out = []
    if activity.duration_hours:
        out.append(f"duration: {activity.duration_hours:g} h")
    if activity.max_delay is not None:
        out.append(f"max_delay: {activity.max_delay} days (later than this, {activity.name} stops)")
    if activity.gates:
        out.append(f"labs before: {gates_text(activity.gates, activity.gate_lookback, activity.gate_scope)}")
    return out


def dose_sheet(sheet: DoseSheet, view: View | None = None) -> str:
    """Each drug's dose and derivation; ``view`` sets the width, colour and whether warnings are whole."""
    view = view or View()
    out = [*view.prose([f"{sheet.protocol.id}, arm {sheet.arm.id}: {sheet.patient.describe()}"], "heading"),
           *_origin(sheet.protocol, view), *_warnings(sheet, view)]
    names = {a.id: a for a in sheet.arm.activities}
    for activity_id, dose in sheet.doses:
        activity = names[activity_id]
        out += ["", *view.prose([f"{activity.name} ({activity.route or 'route not stated'}): {dose.text} per administration"], "heading")]
        out += [piece for line in dose.derivation for piece in view.wrap(f"  - {line}", "      ")]
    if not sheet.doses:
        out += ["", "This arm has no drug doses."]
    return "\n".join(out) + "\n"


def plan_table(plan: Plan, today=None, view: View | None = None) -> str:
    """The plan as a table; with ``today``, a marker row where today falls and this week's dates marked.
    ``view`` sets the width (default 100 columns), colour and whether warnings are whole."""
    from ..guidance.screening import before_day0

    view = view or View()
    tasks = [f"before day 0: {task.noted()}" for task in before_day0(plan.protocol, plan.start)]
    out = [*view.prose([_header(plan)], "heading"), *_origin(plan.protocol, view), *_warnings(plan, view), *view.prose(tasks), ""]
    rows: list[tuple[str, ...]] = [("date", "day", "what", "dose", "window / notes")]
    marked = today is None
    for run in plan.grouped():
        if not marked and run[0].date >= today:
            rows.append(_today_row(plan, today))
            marked = True
        rows.append(_row(plan, run, today))
    if not marked:
        rows.append(_today_row(plan, today))
    out.append(view.table(rows, wrap=(2,)))
    return "\n".join(out)


def _today_row(plan: Plan, today) -> tuple[str, ...]:
    return (Mark(today.isoformat(), "today"), f"d{(today - plan.start).days}", Mark("── today ──", "today"), "", "")


_ALERTS = ("held", "skipped", "overdue")


def _row(plan: Plan, run: tuple[Event, ...], today=None) -> tuple[str, ...]:
    """A row: the date (marked in today's week), day (day 0 marked), what (a run: to its last day),
    dose, and the notes: the status, the window, a run's count, the condition, the duration."""
    first = run[0]
    what = first.name + (f" {first.route}" if first.route else "")
    if first.cycle is not None and len(run) == 1:
        what += f" C{first.cycle}" + (f"D{first.day}" if first.day not in (None, 1) else "")
    notes = []
    if first.has_window:
        notes.append(f"{first.earliest.isoformat()} to {first.latest.isoformat()}")
    if len(run) > 1:
        pattern = (first.dose.pattern if first.dose else None) or plan.arm.activity(first.activity).rule.pattern
        what += f", {format_pattern(pattern) if pattern else 'repeated'} to {run[-1].date.isoformat()}"
        notes.append(f"{len(run)} doses")
    if first.status != "planned":
        notes.insert(0, first.status.upper() if first.status in _ALERTS else first.status)
    if first.conditional:
        notes.append(f"CONDITIONAL: {first.condition}")
    if first.duration_hours:
        notes.append(f"over {first.duration_hours:g} h")
    dose = first.dose.text if first.dose else ""
    day = (first.date - plan.start).days
    week = today is not None and 0 <= (first.date - today).days < 7
    role = "alert" if first.status in _ALERTS else "conditional" if first.conditional else None
    return (Mark(first.date.isoformat(), "week" if week else None), Mark(f"d{day}", "day0" if day == 0 else None), what, dose,
            Mark("; ".join(notes), role))


def _header(plan: Plan) -> str:
    return (
        f"{plan.protocol.id}, arm {plan.arm.id}: day 0 ({plan.arm.day0}) = {plan.start.isoformat()}; "
        f"{plan.patient.describe()}"
    )


def _origin(protocol: Protocol, view: View | None = None) -> list[str]:
    """Where a user's protocol file came from, with its hash: always one whole line, to be read and copied as it is."""
    notice = origin_notice(protocol)
    return [(view or View()).paint(f"! {notice}", "warning")] if notice else []


def _warnings(plan: Plan | DoseSheet, view: View) -> list[str]:
    return view.warnings(plan.warnings, plan.protocol)


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def gate_report(patient: str, plan: Plan, on, checks, upcoming) -> str:
    """What ``regimen check`` prints: each due event, cleared or not, criterion by criterion."""
    from ..labs import ANALYTES, LabValue

    out = [f"{patient}, {plan.protocol.id} arm {plan.arm.id}: labs for {on.isoformat()}"]
    if not checks:
        out.append("nothing with lab criteria is due on this day")
        out += [f"  next: {e.name} #{e.occurrence} on {e.date.isoformat()}" for e in upcoming]
    for result in checks:
        event = result.event
        out.append(f"{event.name} #{event.occurrence} ({event.date.isoformat()}): {'CLEARED' if result.cleared else 'NOT CLEARED'}")
        for gate in result.results:
            need = gate.criterion.describe()
            if gate.lab is None:
                out.append(f"  {need:<28} MISSING: no {gate.criterion.lab} result in the {result.lookback} days before")
                continue
            verdict = {True: "ok", False: "FAILS", None: "NO ULN: record the upper limit of normal with the result"}[gate.passes]
            shown = LabValue(gate.lab.value, gate.lab.text).show(ANALYTES[gate.lab.name])
            out.append(f"  {need:<28} {verdict}: {shown} on {gate.lab.date.isoformat()}")
    return "\n".join(out) + "\n"
