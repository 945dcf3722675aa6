"""Surgery washouts: each drug's gaps around an elective surgery, from its label (``[drugs.X.washout]``).

A surgery recorded in a course (``regimen record COURSE surgery --date DATE [--planned]``) holds
every drug that has a washout from its last allowed dose to its earliest restart:

* the last dose at least ``before`` days before the surgery: with the surgery on day S, a dose on
  S − before is allowed and none after it (a washout of 0 days still keeps the surgery day free);
* a restart no earlier than ``after`` days after it: the first dose again on S + after at the
  earliest (``note`` says what else the label asks, such as a healed wound).

So the hold runs from S − before + 1 to S + after − 1 (at least the surgery day itself). A clinic
dose due inside it moves to the earliest restart and the rest of its series follows; a home dose
inside it is not taken; a dose given with another event (bevacizumab with each atezolizumab) is
not given rather than piled onto the restart day. The re-plan says, for each drug, its last dose
before the surgery and its earliest restart, and warns when a dose already given breaks a washout.
A drug whose protocol file states no washout is not held, and the plan says so. An arm whose
treatment ends with resection (``after_surgery = "stop"``) keeps each drug stopped from the start
of its washout (from the surgery day where it has none).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import NamedTuple

from ..model import Activity, Protocol, Washout

__all__ = ["Surgery", "Window", "changes", "held_days", "inside", "lines", "surgeries", "windows"]


class Surgery(NamedTuple):
    """A surgery recorded in a course: its date, and whether it is still planned."""

    date: date
    planned: bool


class Window(NamedTuple):
    """One drug's hold around one surgery: day ordinals ``first`` to ``last``, inclusive."""

    surgery: Surgery
    washout: Washout
    first: int
    last: int

    @property
    def last_allowed(self) -> date:
        return self.surgery.date - timedelta(days=self.washout.before)

    @property
    def restart(self) -> date:
        return self.surgery.date + timedelta(days=max(self.washout.after, 1))


def surgeries(records: Iterable) -> list[Surgery]:
    """The course's surgeries by date. A surgery recorded as done replaces every surgery planned
    before it in the file (the plan it carried out, on the day it was planned or on another)."""
    found: dict[date, Surgery] = {}
    for record in records:
        if record.type != "surgery" or record.date is None:
            continue
        if not record.planned:
            found = {day: s for day, s in found.items() if not s.planned}
        if record.date not in found or found[record.date].planned:
            found[record.date] = Surgery(record.date, bool(record.planned))
    return sorted(found.values())


def windows(protocol: Protocol, activity: Activity, operations: list[Surgery]) -> list[Window]:
    """The activity's holds: one per surgery, where its drug has a washout."""
    if activity.kind != "drug" or not activity.drug or not operations:
        return []
    washout = protocol.drug(activity.drug).washout
    if washout is None:
        return []
    out = []
    for surgery in operations:
        day = surgery.date.toordinal()
        out.append(Window(surgery, washout, day - max(washout.before - 1, 0), day + max(washout.after - 1, 0)))
    return out


def held_days(found: list[Window]) -> list[tuple[int, int]]:
    """The holds as (first, last) day ordinals, as a course's ``held`` records are walked."""
    return sorted((w.first, w.last) for w in found)


def changes(activity: Activity, found: list[Window], arm, operations: list[Surgery]) -> list[tuple[str, date, date | None, str]]:
    """The holds as the records a re-plan walks, (type, date, until, reason): held over each washout,
    or, where the arm ends treatment with resection, discontinued from the first washout (or surgery)."""
    if arm.after_surgery == "stop" and activity.kind == "drug" and operations:
        first = min(w.first for w in found) if found else operations[0].date.toordinal()
        return [("discontinued", date.fromordinal(first), None, "treatment ends with resection")]
    return [("held", date.fromordinal(a), date.fromordinal(b), "surgery washout") for a, b in held_days(found)]


def inside(day: int, found: list[Window]) -> Window | None:
    return next((w for w in found if w.first <= day <= w.last), None)


def lines(protocol: Protocol, plan, operations: list[Surgery]) -> list[str]:
    """For each surgery and each drug of the plan: the last dose before it and the earliest restart,
    the label source and the assumptions behind a gap, and every given dose that breaks a washout."""
    out: list[str] = []
    said: dict[str, None] = {}
    for surgery in operations:
        what = f"surgery {'planned ' if surgery.planned else ''}on {surgery.date}"
        seen: set[str] = set()
        for track in plan.tracks:
            activity = track.activity
            if activity.kind != "drug" or not activity.drug or activity.drug in seen:
                continue
            seen.add(activity.drug)
            drug = protocol.drug(activity.drug)
            if drug.washout is None:
                out.append(f"{what}: {drug.name}: the protocol file states no washout around surgery; its doses are not held "
                           "(ask the surgeon and the pharmacist)")
                continue
            found = windows(protocol, activity, [surgery])[0]
            out.extend(_drug_lines(what, drug.name, found, plan, activity.drug, plan.arm.after_surgery == "stop"))
            said.update(dict.fromkeys(drug.washout.assumptions))
        out.extend(_procedures(what, protocol, plan, surgery))
    return out + [protocol.assumption(assumption).warning() for assumption in said]


def _procedures(what: str, protocol: Protocol, plan, surgery: Surgery) -> list[str]:
    """A procedure planned while the drugs are held around the surgery (HAIC the day after a hepatectomy):
    no washout is stated for procedures, so it is not moved; the plan says so, with the drugs' own span."""
    spans = [w for track in plan.tracks if track.activity.kind == "drug" and track.activity.drug
             for w in windows(protocol, track.activity, [surgery])]
    if not spans:
        return []
    first, last = min(w.first for w in spans), max(w.last for w in spans)
    return [f"{what}: {event.name} #{event.occurrence} on {event.date} falls while the drugs are held around it "
            f"({date.fromordinal(first)} to {date.fromordinal(last)}); the protocol file states no washout for a procedure, "
            "so it is not moved (ask the surgeon)"
            for event in plan.events if event.kind == "procedure" and event.status == "planned" and first <= event.date.toordinal() <= last]


def _drug_lines(what: str, name: str, found: Window, plan, drug: str, stop: bool) -> list[str]:
    washout, surgery = found.washout, found.surgery.date
    events = sorted((e for e in plan.events if e.drug == drug and e.status in ("given", "planned", "overdue")), key=lambda e: e.date)
    before = [e.date for e in events if e.date.toordinal() < found.first]
    after = [e.date for e in events if e.date >= surgery]
    note = f", {washout.note}" if washout.note else ""
    text = (f"{what}: {name}: last dose before surgery {before[-1] if before else 'none in this plan'} "
            f"(at least {washout.before} days before: on or before {found.last_allowed}); "
            + ("no restart: this arm's treatment ends with resection; " if stop else
               f"earliest restart {found.restart} (at least {washout.after} days after{note}); "
               f"next dose {after[0] if after else 'none up to the horizon'}; ")
            + f"source: {washout.source}")
    out = [text]
    for event in events:
        if event.status == "given" and found.first <= event.date.toordinal() <= found.last:
            out.append(f"{name} #{event.occurrence} given on {event.date} breaks its washout around the surgery on {surgery}: "
                       f"the last dose at least {washout.before} days before (on or before {found.last_allowed}), the restart "
                       f"at least {washout.after} days after (from {found.restart})")
    return out
