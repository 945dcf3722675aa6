"""A cohort's JSON Lines and CSV written straight from a plan's compact runs: the same bytes as
``export.json.line`` and ``export.csv.rows``, without an Event per dose-day.

What is constant for a run (its activity's names, dose, notes, status; its rule and anchor) is
encoded once; each dose-day is then its number, its dates (ISO text kept per day ordinal) and,
in JSON, its date derivation. Home doses on a grid (``qd``, ``qod``) and cycle days (``d1-21
q28d``) of a plan without records are derived arithmetically, exactly as ``explain.derivations``
derives them (a test compares the two); every other event (a first dose, a clinic repeat, a visit
counted in months, anything in a re-planned course) goes through ``explain.derivations``.

The text is built as *wire text*: every piece that is not ASCII is held as its UTF-8 bytes, one
character per byte (``wire``), so the finished line is all code points under 256 and
``.encode("latin-1")`` turns it into the UTF-8 bytes in one copy. (Encoding a line with one
"×" in it to UTF-8 the ordinary way goes character by character: a fifth of a cohort's CPU.)
"""

from __future__ import annotations

from datetime import date
from typing import Any

from ..plan import Event, Occurrences, Plan, Track, taken_at_home
from ..rules import CycleDays, Every, Months
from . import csv as csv_export
from . import json as json_export

__all__ = ["csv_bytes", "csv_rows", "iso", "json_bytes", "json_line", "run_event", "wire"]

_ISO: dict[int, str] = {}  # day ordinal -> "YYYY-MM-DD": a cohort's plans share their days


def iso(ordinal: int) -> str:
    found = _ISO.get(ordinal)
    if found is None:
        found = date.fromordinal(ordinal).isoformat()
        if len(_ISO) < 20_000:  # 55 years of days
            _ISO[ordinal] = found
    return found


def wire(text: str) -> str:
    """``text`` as wire text: its UTF-8 bytes, one character each (ASCII is its own wire text)."""
    return text if text.isascii() else text.encode("utf-8").decode("latin-1")


def run_event(plan: Plan, track: Track, run: Occurrences, index: int) -> Event:
    """The ``index``-th occurrence of ``run`` as the Event ``plan.events`` holds for it."""
    activity, ordinal = track.activity, run.days[index]
    when, number = date.fromordinal(ordinal), run.number + index
    first = index == 0 and run.first_window
    earliest, latest = (date.fromordinal(run.earliest), date.fromordinal(run.latest)) if first else (when, when)
    return Event(f"{plan.protocol.id}/{plan.arm.id}/{activity.id}/{number}", when, earliest, latest, activity.kind, activity.id,
                 activity.name, number, activity.order, activity.drug, activity.route, run.dose if run.dose is not None else track.dose,
                 *run.cycle_day(index), run.conditional, run.condition, activity.duration_hours, track.notes, run.status)


class _Parts(dict):
    """A run's constant cells, encoded once per (activity, condition, status, dose) by ``fixed``."""

    def __init__(self, plan: Plan, fixed) -> None:
        super().__init__()
        self.plan, self.fixed = plan, fixed

    def of(self, track: Track, run: Occurrences) -> tuple[str, str]:
        key = (track.activity.id, run.condition, run.status, id(run.dose if run.dose is not None else track.dose))
        found = self.get(key)
        if found is None:
            found = self[key] = tuple(map(wire, self.fixed(run_event(self.plan, track, run, 0))))
        return found


# -- CSV -------------------------------------------------------------------------------------


def csv_rows(plan: Plan, lead: tuple[str, ...] = ()) -> str:
    """``"".join(export.csv.rows(plan, lead))``, from the runs."""
    return csv_bytes(plan, lead).decode("utf-8")


def csv_bytes(plan: Plan, lead: tuple[str, ...] = ()) -> bytes:
    """``"".join(export.csv.rows(plan, lead))`` as UTF-8, from the runs."""
    text = csv_export.lead_text(lead)
    first = wire(text)
    items: list[tuple[int, int, str, int, str]] = []
    parts, get = _Parts(plan, csv_export.fixed_parts), _ISO.get
    for track in plan.tracks:
        activity = track.activity
        prefix = f"{plan.protocol.id}/{plan.arm.id}/{activity.id}/"
        plain = csv_export.key_cell(prefix + "1") == prefix + "1" and prefix.isascii()
        order, name = activity.order, activity.id
        for run in track.runs:
            if not run.days:
                continue
            middle, tail = parts.of(track, run)
            first_number, c0, cstep, d0, dstep = run.number, run.cycle, run.cycle_step, run.day, run.days.step
            plain_cycle = "," if c0 is None else None
            for index, ordinal in enumerate(run.days):
                number = first_number + index
                day = get(ordinal) or iso(ordinal)
                dates = f"{day},{iso(run.earliest)},{iso(run.latest)}" if index == 0 and run.first_window else f"{day},{day},{day}"
                if plain_cycle is None:
                    cday = d0 if cstep or d0 is None else d0 + index * dstep
                    cycle = f"{c0 + index * cstep if cstep else c0},{'' if cday is None else cday}"
                else:
                    cycle = plain_cycle
                key = f"{first}{prefix}{number}" if plain else first + wire(csv_export.key_cell(prefix + str(number)))
                items.append((ordinal, order, name, number, f"{key},{dates},{middle},{cycle},{number},{tail}\r\n"))
    items.sort()  # (date, order, activity, occurrence) as plan.events; never equal, so the text is never compared
    rows = [*map(wire, csv_export.task_rows(plan, text)), *(item[4] for item in items), *map(wire, csv_export.milestone_rows(plan, text))]
    return "".join(rows).encode("latin-1")


# -- JSON ------------------------------------------------------------------------------------


def json_line(plan: Plan, extra: dict[str, Any]) -> str:
    """``export.json.line(plan, extra)``, from the runs."""
    return json_bytes(plan, extra)[:-1].decode("utf-8")


def json_bytes(plan: Plan, extra: dict[str, Any]) -> bytes:
    """``export.json.line(plan, extra)`` and a newline, as UTF-8, from the runs."""
    items: list[tuple[int, int, str, int, str]] = []
    slow: list[Event] = []
    grids = _grids(plan)
    parts = _Parts(plan, json_export.fixed_parts)
    for track in plan.tracks:
        grid = grids.get(track.activity.id)
        if grid is None:
            slow += (run_event(plan, track, run, i) for run in track.runs for i in range(len(run.days)))
        else:
            items += _grid_items(plan, track, grid, slow, parts)
    if slow:
        from ..explain import derivations

        derived = derivations(plan, slow)
        items += ((e.date.toordinal(), e.order, e.activity, e.occurrence, wire(text))
                  for e, text in zip(slow, json_export.events_json(plan, slow, derived), strict=True))
    items.sort()  # (date, order, activity, occurrence) as plan.events; never equal, so the text is never compared
    head, tail = wire(json_export.line(plan, extra, ())).rsplit("[", 1)
    return f'{head}[{", ".join([item[4] for item in items])}{tail}\n'.encode("latin-1")


def _grids(plan: Plan) -> dict[str, tuple[Every | CycleDays, bool]]:
    """The activities whose later occurrences are derived here (with whether they are taken at home):
    repeats, home doses on a grid and cycle days,
    in a plan without records (no given, held or moved doses, no surgery), that nothing counts from."""
    if plan.records:
        return {}
    anchors = {t.activity.rule.start.anchor.activity for t in plan.tracks if t.activity.rule.start is not None}
    found: dict[str, tuple[Every | CycleDays, bool]] = {}
    for track in plan.tracks:
        activity = track.activity
        rule, pattern = activity.rule, activity.rule.pattern
        if rule.once or activity.id in anchors or isinstance(pattern, Months) or _moved(plan, activity.name):
            continue
        home = activity.on_delay == "this" or (activity.on_delay is None and taken_at_home(activity))
        if isinstance(pattern, CycleDays | Every):
            found[activity.id] = (pattern, home)
    return found


def _moved(plan: Plan, name: str) -> bool:
    moved = f"{name} moved from "
    return any(w.startswith(moved) for w in plan.warnings)


def _grid_items(plan: Plan, track: Track, grid: tuple[Every | CycleDays, bool], slow: list[Event], parts: _Parts) -> list[tuple]:
    """(sort key..., JSON text) of each occurrence of a grid track but its first, which goes to ``slow``."""
    from ..notation import format_rule

    activity = track.activity
    texts: dict[str, str] = {}
    rule = wire(json_export.text_json(format_rule(activity.rule), texts))
    prefix = wire('{"key": ' + json_export.text_json(f"{plan.protocol.id}/{plan.arm.id}/{activity.id}/")[:-1])
    runs = sorted((run for run in track.runs if run.days), key=lambda run: run.number)
    if not runs:
        return []
    head_number, head_ordinal = runs[0].number, runs[0].days[0]
    pattern, home = grid
    if isinstance(pattern, CycleDays):
        derive = _cycle(pattern, _day_ones(runs), texts)
    else:
        derive = (_every if home else _repeat)(activity, pattern, head_number, head_ordinal, texts)
    before = (head_number, head_ordinal)  # the previous occurrence, as it happened
    order, name, get, out = activity.order, activity.id, _ISO.get, []
    for run in runs:
        middle, tail = parts.of(track, run)
        status, first, c0, cstep, d0, dstep = run.status, run.number, run.cycle, run.cycle_step, run.day, run.days.step
        plain = f', {middle}, "cycle": null, "day": null, "occurrence": '
        after = f', {tail}, "derivation": {{"rule": {rule}, "anchor": '
        for index, ordinal in enumerate(run.days):
            number = first + index
            if number == 1:  # the first occurrence counts from the rule's start: explain derives it
                slow.append(run_event(plan, track, run, index))
                before = (number, ordinal)
                continue
            day = get(ordinal) or iso(ordinal)
            if index == 0 and run.first_window:
                dates = f'"date": "{day}", "earliest": "{iso(run.earliest)}", "latest": "{iso(run.latest)}"'
            else:
                dates = f'"date": "{day}", "earliest": "{day}", "latest": "{day}"'
            if c0 is None:
                cycle = cday = None
                mid = plain
            else:
                cycle = c0 + index * cstep if cstep else c0
                cday = d0 if cstep or d0 is None else d0 + index * dstep
                mid = f', {middle}, "cycle": {cycle}, "day": {"null" if cday is None else cday}, "occurrence": '
            anchor, offset, nominal = derive(number, ordinal, cycle, cday, before)
            before = (number, ordinal)
            shifts = "[]" if ordinal == nominal and status == "planned" else _shifts(ordinal - nominal, status)
            out.append((ordinal, order, name, number,
                        f'{prefix}{number}", {dates}{mid}{number}{after}{anchor}, "offset": {offset}, '
                        f'"nominal": "{get(nominal) or iso(nominal)}", "window": null, "shifts": {shifts}}}}}'))
    return out


def _every(activity, pattern: Every, head_number: int, head_ordinal: int, texts: dict[str, str]):
    """explain's home-dosing grid: counted from the track's first occurrence."""
    anchor = f'{wire(json_export.text_json(f"{activity.name} #{head_number}", texts))}, "anchor_date": "{iso(head_ordinal)}"'
    step = pattern.days

    def derive(number: int, ordinal: int, cycle, day, before):
        steps = (number - head_number) * step
        return anchor, f'"+{steps}d ({step}-day grid)"', head_ordinal + steps
    return derive


def _repeat(activity, pattern: Every, head_number: int, head_ordinal: int, texts: dict[str, str]):
    """explain's clinic repeat: counted from the previous occurrence, as it happened."""
    step = pattern.days
    offset = f'"+{step}d"'

    def derive(number: int, ordinal: int, cycle, day, before):
        name = wire(json_export.text_json(f"{activity.name} #{before[0]} (the previous one, as it happened)"))
        return f'{name}, "anchor_date": "{iso(before[1])}"', offset, before[1] + step
    return derive


def _day_ones(runs: list[Occurrences]) -> dict[int, int]:
    """Each cycle's day 1 ordinal (a later occurrence of the same cycle day wins, as in explain)."""
    found: dict[int, int] = {}
    for run in runs:
        if run.cycle is None or run.day != 1:
            continue
        if run.cycle_step:
            for index, ordinal in enumerate(run.days):
                found[run.cycle + index * run.cycle_step] = ordinal
        else:
            found[run.cycle] = run.days[0]
    return found


def _cycle(pattern: CycleDays, day_ones: dict[int, int], texts: dict[str, str]):
    """explain's cycle days: a day counts from its cycle's day 1, a day 1 from the cycle before."""
    length = pattern.length

    def derive(number: int, ordinal: int, cycle, day, before):
        if day not in (None, 1) and cycle in day_ones:
            one = day_ones[cycle]
            return f'"C{cycle} day 1", "anchor_date": "{iso(one)}"', f'"+{day - 1}d (day {day})"', one + day - 1
        before = (cycle or 1) - 1
        if before in day_ones:
            one = day_ones[before]
            return f'"C{before} day 1", "anchor_date": "{iso(one)}"', f'"+{length}d (one cycle)"', one + length
        return f'"the previous dose", "anchor_date": "{iso(ordinal)}"', '"+0d"', ordinal
    return derive


def _shifts(difference: int, status: str) -> str:
    """explain's shifts for a plan without records, washouts or moves."""
    if status in ("held", "skipped"):
        return f'["{status}: not given"]'
    return f'["{difference:+d} days from the nominal date"]' if difference else "[]"

