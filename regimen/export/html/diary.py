"""The diary card of each oral drug taken at home, as trial patient diaries are: a table per cycle
(or per 28 days of continuous dosing) with each dose-day's date, dose, what to take, a box to
tick and a column for notes. A course's recorded days say what happened instead of a box.
"""

from __future__ import annotations

from ...model import Activity
from ...plan import Event, Plan, taken_at_home
from ..page import escape
from .style import Mark

__all__ = ["diary_pages", "oral_home_drugs"]

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")  # not strftime: the same bytes in every locale
BLOCK_DAYS = 28  # continuous dosing (qd, qod) has no cycles: one card per 28 days from the first dose
STATUS_CELL = {"given": "✓ given", "held": "held: do not take", "skipped": "skipped"}


def oral_home_drugs(plan: Plan) -> list[Activity]:
    """The arm's drugs taken by mouth at home (tablets or capsules), in the arm's order."""
    doses = dict(plan.doses)
    return [a for a in plan.arm.activities if taken_at_home(a) and plan.track(a.id) is not None
            and ((a.route or "").upper() in ("PO", "ORAL") or getattr(doses.get(a.id), "form", None) in ("tablet", "capsule"))]


def diary_pages(plan: Plan, found: dict[str, Mark], *, label: str | None = None) -> list[str]:
    """One page per cycle (or 28-day block) of each oral home drug."""
    pages = []
    for activity in oral_home_drugs(plan):
        events = plan.for_activity(activity.id)
        blocks = _blocks(plan, events)
        for number, (title, block) in enumerate(blocks, 1):
            pages.append(_page(plan, activity, found[activity.id], title, block, f"card {number} of {len(blocks)}", label))
    return pages


def _blocks(plan: Plan, events: tuple[Event, ...]) -> list[tuple[str, list[Event]]]:
    if not events:
        return []
    if all(e.cycle is not None for e in events):
        cycles: dict[int, list[Event]] = {}
        for event in events:
            cycles.setdefault(event.cycle or 0, []).append(event)
        return [(f"cycle {cycle}", block) for cycle, block in cycles.items()]
    first = events[0].date
    blocks: dict[int, list[Event]] = {}
    for event in events:
        blocks.setdefault((event.date - first).days // BLOCK_DAYS, []).append(event)
    return [(_span(plan, block), block) for block in blocks.values()]


def _span(plan: Plan, block: list[Event]) -> str:
    """A block's dates and the calendar's day numbers of them (the grid's and the day column's, from day 0)."""
    first, last = block[0].date, block[-1].date
    return f"{first.isoformat()} to {last.isoformat()} ({day_number(plan, block[0])}–{day_number(plan, block[-1])})"


def day_number(plan: Plan, event: Event) -> str:
    """C1D1 in a cycle; else the calendar grid's day (d5: 5 days after day 0), so one date has one number everywhere."""
    if event.cycle is not None and event.day is not None:
        return f"C{event.cycle}D{event.day}"
    return f"d{(event.date - plan.start).days}"


def _page(plan: Plan, activity: Activity, mark: Mark, title: str, events: list[Event], count: str, label: str | None) -> str:
    who = f"<b>{escape(label)}</b><br>" if label else ""
    rows = "".join(_row(plan, event) for event in events)
    return (f'<section class="page diary-card" data-activity="{escape(activity.id)}">'
            f'<header><h1 class="{mark.css}"><span class="sym">{mark.symbol}</span> {escape(activity.name)} diary: {escape(title)}</h1>'
            f'<div class="who">{who}{escape(plan.protocol.id)}, arm {escape(plan.arm.id)}; {count}<br>'
            f"{events[0].date.isoformat()} to {events[-1].date.isoformat()}; day 0 = {plan.start.isoformat()} ({escape(plan.arm.day0)})</div></header>"
            f"<p>Tick the box when you have taken the dose. Write in the notes a dose you missed or vomited, "
            f"and anything you felt. Bring this card to every visit.</p>"
            f'<table class="diary"><thead><tr><th>date</th><th>day</th><th>dose</th><th>what to take</th><th>taken</th>'
            f"<th>notes</th></tr></thead><tbody>{rows}</tbody></table></section>")


def _row(plan: Plan, event: Event) -> str:
    status = STATUS_CELL.get(event.status)
    not_taken = event.status in ("held", "skipped")  # nothing to take: no dose or tablets beside "do not take"
    dose = event.dose.text if event.dose is not None and not not_taken else ""
    take = "" if not_taken else (event.dose.take if event.dose is not None else None) or "as prescribed"
    box = f'<td class="box status">{escape(status)}</td>' if status else '<td class="box"><span></span></td>'
    if event.status == "overdue":
        box = '<td class="box"><span></span> overdue</td>'
    weekend = ' class="we"' if event.date.weekday() >= 5 else ""
    return (f"<tr{weekend} data-date=\"{event.date.isoformat()}\"><td>{event.date.isoformat()} {WEEKDAYS[event.date.weekday()]}</td>"
            f"<td>{day_number(plan, event)}</td><td>{escape(dose)}</td><td>{escape(take)}</td>{box}<td class=\"notes\"></td></tr>")
