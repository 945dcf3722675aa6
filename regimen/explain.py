"""Every event's date derivation: the rule, the anchor it counts from (with that anchor's actual
date), the nominal date and window that gives, and each shift that moved it from there.

The nominal date is what the rule says from the anchor as it really happened: day 0 or the
anchor activity's occurrence (``+7d after ctace``), the previous occurrence's actual date for a
clinic repeat (``q3w``: 21 days after #2), the first dose for home dosing on its grid, a cycle's
actual day 1 for cycle days (``d1-21 q28d``), or day 0 plus calendar months for visits. A date
that differs from it names why: a record (given or rescheduled), a hold, a surgery washout, a
closed clinic day or holiday; one with no such reason says the difference in days.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, NamedTuple

from .errors import LookupFailure
from .notation import format_rule
from .rules import DAY0, CycleDays, Every, Months, add_months

__all__ = ["DateDerivation", "derivations", "explain", "explain_text"]


class DateDerivation(NamedTuple):
    """How one event's date follows from its rule and what happened before it."""

    rule: str
    anchor: str
    anchor_date: date
    offset: str
    nominal: date
    window: tuple[date, date] | None
    shifts: tuple[str, ...]

    def lines(self) -> list[str]:
        out = [f"rule: {self.rule}", f"counts from: {self.anchor} on {self.anchor_date}",
               f"nominal: {self.anchor_date} {self.offset} = {self.nominal}"]
        if self.window:
            out.append(f"window: {self.window[0]} to {self.window[1]}")
        out += [f"shift: {shift}" for shift in self.shifts] or ["shift: none"]
        return out

    def as_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "anchor": self.anchor, "anchor_date": self.anchor_date.isoformat(), "offset": self.offset,
                "nominal": self.nominal.isoformat(),
                "window": [d.isoformat() for d in self.window] if self.window else None, "shifts": list(self.shifts)}


def derivations(plan, events=None) -> dict[str, DateDerivation]:
    """Each event's derivation, by event key. ``events`` (default: all the plan's) may be a subset
    that holds every event of each activity the subset's events count from (a cohort export
    derives the bulk of home doses arithmetically and only the rest here)."""
    from .guidance import washout

    operations = washout.surgeries(plan.records)
    out: dict[str, DateDerivation] = {}
    grouped: dict[str, list] = {}
    for event in plan.events if events is None else events:  # expanded once, for every activity
        grouped.setdefault(event.activity, []).append(event)
    for track in plan.tracks:
        activity = track.activity
        events = sorted(grouped.get(activity.id, ()), key=lambda e: e.occurrence)
        context = _Context(plan, activity, events, washout.windows(plan.protocol, activity, operations), grouped)
        for index, event in enumerate(events):
            out[event.key] = context.derive(index, event)
    return out


def explain(plan, event: str):
    """The event named ``activity/N`` (or its whole key) of ``plan`` and its date derivation:
    ``event, derivation = regimen.explain(plan, "atezolizumab/3")``; ``derivation.lines()`` reads it."""
    from .errors import InputError
    from .plan import Plan

    if not isinstance(plan, Plan):
        raise InputError("plan", f"expected a Plan (regimen.schedule(...) or regimen.replan(...)), got {type(plan).__name__}")
    if not isinstance(event, str) or not event.strip():
        raise InputError("event", f"expected an event like \"atezolizumab/3\" (activity/occurrence), got {event!r}")
    wanted = event.strip()
    found = next((e for e in plan.events if e.key == wanted or e.key.endswith("/" + wanted)), None)
    if found is None:
        activity, _, number = wanted.partition("/")
        plan.arm.activity(activity)  # an unknown activity: a LookupFailure with a did-you-mean
        known = [f"{activity}/{e.occurrence}" for e in plan.for_activity(activity)][:5]
        raise LookupFailure(f"occurrence of {activity} in this plan", number or wanted, known or ["(none in this plan)"])
    return found, derivations(plan)[found.key]


class _Context:
    def __init__(self, plan, activity, events, windows, grouped) -> None:
        self.plan, self.activity, self.events, self.windows = plan, activity, events, windows
        self.rule = activity.rule
        self.rule_text = format_rule(self.rule)
        self.home = activity.on_delay == "this" or (activity.on_delay is None and _home(activity))
        start = self.rule.start
        if start.anchor.activity == DAY0:
            self.anchors = [("day 0", plan.start)]
        else:
            name = plan.arm.activity(start.anchor.activity).name
            anchor_events = sorted(grouped.get(start.anchor.activity, ()), key=lambda e: e.occurrence)
            self.anchors = [(f"{name} #{e.occurrence}", e.date) for e in anchor_events]
        self.records = [r for r in plan.records if r.activity == activity.id]
        self.moved = [w for w in plan.warnings if w.startswith(f"{activity.name} moved from ")]
        self.by_cycle = {(e.cycle, e.day): e for e in events if e.cycle is not None}

    def _anchor(self, index: int) -> tuple[str, date] | None:
        anchor = self.rule.start.anchor
        if anchor.activity == DAY0:
            return self.anchors[0]
        pick = index if anchor.each else anchor.nth - 1
        return self.anchors[pick] if pick < len(self.anchors) else None

    def derive(self, index: int, event) -> DateDerivation:
        rule, start = self.rule, self.rule.start
        pattern = rule.pattern
        window = None
        first = self._anchor(0 if not (rule.once and start.anchor.each) else index) or ("day 0", self.plan.start)
        if isinstance(pattern, Months):
            base = first[1] + timedelta(days=start.offset)
            months = pattern.months[min(event.occurrence, len(pattern.months)) - 1]
            anchor, offset, nominal = first, f"+{start.offset}d +{months} calendar months", add_months(base, months)
            window = (nominal - timedelta(days=pattern.window), nominal + timedelta(days=pattern.window))
        elif rule.once or event.occurrence == 1:
            anchor, offset = first, f"{start.offset:+d}d"
            nominal = first[1] + timedelta(days=start.offset)
            if start.has_window:
                window = (first[1] + timedelta(days=start.earliest), first[1] + timedelta(days=start.latest))
        elif isinstance(pattern, CycleDays):
            anchor, offset, nominal = self._cycle_day(event, pattern)
        else:
            anchor, offset, nominal = self._repeat(index, event, pattern)
        return DateDerivation(self.rule_text, anchor[0], anchor[1], offset, nominal, window, tuple(self._shifts(event, nominal)))

    def _repeat(self, index: int, event, pattern: Every) -> tuple[tuple[str, date], str, date]:
        if self.home:  # home dosing keeps its grid from the first dose
            head = self.events[0]
            steps = (event.occurrence - head.occurrence) * pattern.days
            return (f"{self.activity.name} #{head.occurrence}", head.date), f"+{steps}d ({pattern.days}-day grid)", head.date + timedelta(days=steps)
        before = self.events[index - 1]
        return (f"{self.activity.name} #{before.occurrence} (the previous one, as it happened)", before.date), \
            f"+{pattern.days}d", before.date + timedelta(days=pattern.days)

    def _cycle_day(self, event, pattern: CycleDays) -> tuple[tuple[str, date], str, date]:
        if event.day not in (None, 1):
            day1 = self.by_cycle.get((event.cycle, 1))
            if day1 is not None:
                return (f"C{event.cycle} day 1", day1.date), f"+{event.day - 1}d (day {event.day})", day1.date + timedelta(days=event.day - 1)
        before = self.by_cycle.get(((event.cycle or 1) - 1, 1))
        if before is not None:
            return (f"C{before.cycle} day 1", before.date), f"+{pattern.length}d (one cycle)", before.date + timedelta(days=pattern.length)
        return ("the previous dose", event.date), "+0d", event.date

    def _shifts(self, event, nominal: date) -> list[str]:
        if event.date == nominal and event.status == "planned" and not (self.records or self.windows or self.moved):
            return []  # the common case, said at once
        out: list[str] = []
        name = self.activity.name
        for record in self.records:
            if record.type in ("given", "rescheduled") and record.date == event.date and record.until is None and (
                    record.occurrence in (None, event.occurrence)):
                out.append(f"recorded {record.type} on {record.date}" + (f" ({record.reason})" if record.reason else ""))
            if record.type == "held" and record.until is None:  # held until recovery: a later restart ends it
                back = min((r.date for r in self.records if r.type == "restarted" and r.date > record.date), default=None)
                if record.date <= nominal and (back is None or nominal < back):
                    then = "not taken" if event.status == "held" else f"given after the restart on {back}"
                    ends = f", restarted on {back}" if back else ""
                    out.append(f"held from {record.date} until recovery{ends}" + (f" ({record.reason})" if record.reason else "") + f": {then}")
            elif record.type == "held" and record.date <= nominal <= record.until:
                then = "not taken" if event.status == "held" else f"moved to the day after, {record.until + timedelta(days=1)}"
                out.append(f"held from {record.date} to {record.until}" + (f" ({record.reason})" if record.reason else "") + f": {then}")
        for window in self.windows:
            if window.first <= nominal.toordinal() <= window.last:
                then = "held (not given)" if event.status == "held" else f"moved to the earliest restart, {window.restart}"
                out.append(f"surgery washout around {window.surgery.date} (last dose on or before {window.last_allowed}, "
                           f"restart from {window.restart}): {then}")
        moved = f"{name} moved from {nominal} ("
        out += [w for w in self.moved if w.startswith(moved)]
        if event.status in ("held", "skipped") and not out:
            out.append(f"{event.status}: not given")
        difference = (event.date - nominal).days
        if difference and not out:
            out.append(f"{difference:+d} days from the nominal date" + (" (pinned with --at or booked, inside the window)"
                                                                       if event.occurrence == 1 else ""))
        return out


def explain_text(plan, event, derivation: DateDerivation) -> str:
    """What ``regimen explain`` prints: the event, its derivation, and its dose's derivation."""
    status = "" if event.status == "planned" else f" ({event.status})"
    out = [f"{plan.protocol.id}, arm {plan.arm.id}: {event.name} #{event.occurrence} on {event.date}{status}  [{event.key}]",
           *(f"  {line}" for line in derivation.lines())]
    if event.dose is not None:
        out += [f"  dose: {event.dose.text}", *(f"    {line}" for line in event.dose.derivation)]
    return "\n".join(out) + "\n"


def _home(activity) -> bool:
    from .plan import taken_at_home

    return taken_at_home(activity)
