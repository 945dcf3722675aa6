"""The scheduler: (protocol, arm, patient, day 0, pins, choices, horizon) -> an immutable Plan.

Activities are expanded in anchor order: an activity's start is measured from day 0 or from the
occurrences of the activity it is anchored to, so a pinned date (a PVE done on day 15 instead of
14) moves everything anchored to it. Each drug's dose is computed once per plan, never per event.

Without a horizon, bounded activities (one-off, ``x6``, ``for 6mo``) run to their end and
open-ended ones stop at 24 weeks, with a warning saying so.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import NamedTuple

from .dosing import Dose
from .errors import InputError, ScheduleError
from .model import Activity, Arm, Protocol
from .notation import format_rule
from .patient import Patient
from .rules import DAY0, CycleDays, Every, Rule

__all__ = ["DEFAULT_HORIZON_WEEKS", "DoseSheet", "Event", "Plan", "doses", "parse_date", "parse_horizon", "schedule"]

DEFAULT_HORIZON_WEEKS = 24
_SAFETY_YEARS = 10  # even a bounded rule never expands further than this


class Event(NamedTuple):
    """One dated occurrence of an activity: a dose-day, a procedure or an assessment."""

    key: str
    date: date
    earliest: date
    latest: date
    kind: str
    activity: str
    name: str
    occurrence: int
    order: int
    drug: str | None = None
    route: str | None = None
    dose: Dose | None = None
    cycle: int | None = None
    day: int | None = None
    conditional: bool = False
    condition: str | None = None
    duration_hours: float | None = None
    notes: tuple[str, ...] = ()

    @property
    def has_window(self) -> bool:
        return self.earliest != self.date or self.latest != self.date


@dataclass(frozen=True, slots=True)
class Plan:
    """A patient's calendar for one arm: events sorted by (date, order, key), and its warnings."""

    protocol: Protocol
    arm: Arm
    patient: Patient
    start: date
    horizon_end: date
    horizon_given: bool
    choices: tuple[tuple[str, str, bool], ...]
    doses: tuple[tuple[str, Dose], ...]
    warnings: tuple[str, ...]
    events: tuple[Event, ...]

    def __iter__(self) -> Iterator[Event]:
        return iter(self.events)

    def __len__(self) -> int:
        return len(self.events)

    def for_activity(self, activity_id: str) -> tuple[Event, ...]:
        self.arm.activity(activity_id)  # an unknown id is an error, not an empty answer
        return tuple(e for e in self.events if e.activity == activity_id)

    def dates(self, activity_id: str) -> list[date]:
        return [e.date for e in self.for_activity(activity_id)]

    def between(self, first: date, last: date) -> tuple[Event, ...]:
        return tuple(e for e in self.events if first <= e.date <= last)

    def dose(self, activity_id: str) -> Dose | None:
        return dict(self.doses).get(activity_id)

    def runs(self) -> list[tuple[Event, ...]]:
        """Events grouped for display: each home-dosed drug (repeated more often than weekly, or on
        cycle days) is one run per dose; every other event stands alone. Runs are in order of their
        first event."""
        home = {a.id for a in self.arm.activities if _home_dosed(a.rule)}
        runs: dict[tuple[str, int], list[Event]] = {}
        order: list[list[Event]] = []
        for event in self.events:
            if event.activity not in home or event.dose is None or event.conditional:
                order.append([event])
                continue
            key = (event.activity, id(event.dose))
            if key in runs:
                runs[key].append(event)
            else:
                runs[key] = [event]
                order.append(runs[key])
        return [tuple(run) for run in order]


def _home_dosed(rule: Rule) -> bool:
    """Daily, every-other-day or cycle-day dosing: taken at home, shown as one series."""
    pattern = rule.pattern
    return isinstance(pattern, CycleDays) or (isinstance(pattern, Every) and pattern.days < 7)


class _Occ(NamedTuple):
    date: date
    conditional: bool
    condition: str | None
    cycle: int | None = None


def schedule(
    protocol: Protocol | str,
    arm: str,
    patient: Patient,
    start: date | str,
    *,
    pins: Mapping[str, date | str] | None = None,
    choices: Mapping[str, str] | None = None,
    levels: Mapping[str, int] | None = None,
    horizon: date | str | None = None,
    bsa_method: str = "mosteller",
) -> Plan:
    """Expand one arm of ``protocol`` into a dated plan for ``patient``.

    ``start`` is the arm's day 0. ``pins`` fixes the first occurrence of anchored activities
    (inside their windows); ``choices`` picks options the record leaves open; ``levels`` gives
    dose reductions per activity (0 = starting level); ``horizon`` is a date or a span such as
    ``"24w"``, ``"180d"`` or ``"6mo"``.
    """
    setup = _setup(protocol, arm, patient, choices, levels, bsa_method)
    protocol, the_arm, activities = setup.protocol, setup.arm, setup.activities
    day0 = parse_date(start, "--start")
    pinned = _pins(pins or {}, the_arm, {a.id for a in activities})
    horizon_end = parse_horizon(horizon, day0) if horizon is not None else None
    default_end = day0 + timedelta(weeks=DEFAULT_HORIZON_WEEKS) - timedelta(days=1)
    safety_end = day0.replace(year=day0.year + _SAFETY_YEARS) if not (day0.month == 2 and day0.day == 29) else day0 + timedelta(days=365 * _SAFETY_YEARS)

    warnings: list[str] = []
    occurrences: dict[str, list[_Occ]] = {}
    events: list[Event] = []
    cut_open: list[str] = []
    for activity in _in_anchor_order(activities):
        rule, dose = setup.rules[activity.id], setup.doses.get(activity.id)
        until = horizon_end or (safety_end if rule.bounded else default_end)
        if horizon_end is None and not rule.bounded:
            cut_open.append(activity.name)
        anchors = _anchor_occurrences(activity, rule, day0, occurrences, the_arm, warnings)
        occurrences[activity.id] = []
        for event in _expand(protocol, the_arm, activity, rule, dose, anchors, pinned.get(activity.id), until):
            occurrences[activity.id].append(_Occ(event.date, event.conditional, event.condition, event.cycle))
            events.append(event)
    if cut_open:
        warnings.append(
            f"no horizon given: open-ended activities ({', '.join(cut_open)}) are shown for {DEFAULT_HORIZON_WEEKS} weeks, "
            f"to {default_end.isoformat()}; give --horizon for more"
        )
    events.sort(key=lambda e: (e.date, e.order, e.key))
    return Plan(
        protocol=protocol,
        arm=the_arm,
        patient=patient,
        start=day0,
        horizon_end=horizon_end or default_end,
        horizon_given=horizon_end is not None,
        choices=setup.choice_rows,
        doses=tuple(setup.doses.items()),
        warnings=setup.warnings + tuple(warnings),
        events=tuple(events),
    )


class DoseSheet(NamedTuple):
    """Every drug's dose for one patient on one arm, without dates: what a pharmacist checks."""

    protocol: Protocol
    arm: Arm
    patient: Patient
    choices: tuple[tuple[str, str, bool], ...]
    doses: tuple[tuple[str, Dose], ...]
    warnings: tuple[str, ...]


def doses(
    protocol: Protocol | str,
    arm: str,
    patient: Patient,
    *,
    choices: Mapping[str, str] | None = None,
    levels: Mapping[str, int] | None = None,
    bsa_method: str = "mosteller",
) -> DoseSheet:
    """Each drug's dose per administration, with its derivation, for ``patient`` on ``arm``."""
    setup = _setup(protocol, arm, patient, choices, levels, bsa_method)
    return DoseSheet(setup.protocol, setup.arm, patient, setup.choice_rows, tuple(setup.doses.items()), setup.warnings)


class _Setup(NamedTuple):
    protocol: Protocol
    arm: Arm
    activities: list[Activity]
    resolved: dict[str, tuple[str, bool]]
    rules: dict[str, Rule]
    doses: dict[str, Dose]
    warnings: tuple[str, ...]

    @property
    def choice_rows(self) -> tuple[tuple[str, str, bool], ...]:
        return tuple((name, value, default) for name, (value, default) in self.resolved.items())


def _setup(protocol: Protocol | str, arm: str, patient: Patient, choices: Mapping[str, str] | None,
           levels: Mapping[str, int] | None, bsa_method: str) -> _Setup:
    """What schedule() and doses() share: choices resolved, activities chosen, doses computed once."""
    if isinstance(protocol, str):
        from .loader import load_protocol

        protocol = load_protocol(protocol)
    the_arm = protocol.arm(arm)
    resolved = protocol.resolve_choices(the_arm, choices)
    chosen = {name: value for name, (value, _) in resolved.items()}
    activities = [a for a in the_arm.activities if a.applies(chosen)]
    resolved = {name: value for name, value in resolved.items() if _matters(name, the_arm, activities, chosen)}
    _check_levels(levels or {}, the_arm)
    rules, doses_by_id = {}, {}
    for activity in activities:
        rules[activity.id], dose = _dose_and_rule(protocol, activity, patient, resolved, levels or {}, bsa_method)
        if dose is not None:
            doses_by_id[activity.id] = dose
    warnings = tuple(_plan_warnings(protocol, activities, resolved))
    return _Setup(protocol, the_arm, activities, resolved, rules, doses_by_id, warnings)


def _matters(name: str, arm: Arm, included: list[Activity], chosen: Mapping[str, str]) -> bool:
    """Whether a choice can change this plan: it picks a dose level, or decides between activities."""
    if any(getattr(a.dose, "choice", None) == name for a in included):
        return True
    for activity in arm.activities:
        names = [n for n, _ in activity.when]
        if name in names:
            others = {n: v for n, v in activity.when if n != name}
            if all(_same(chosen.get(n, ""), values) for n, values in others.items()):
                return True
    return False


def _same(value: str, values: tuple[str, ...]) -> bool:
    return "".join(value.lower().split()) in {"".join(v.lower().split()) for v in values}


def _dose_and_rule(protocol: Protocol, activity: Activity, patient: Patient,
                   resolved: Mapping[str, tuple[str, bool]], levels: Mapping[str, int], bsa: str) -> tuple[Rule, Dose | None]:
    if activity.dose is None:
        return activity.rule, None
    level = levels.get(activity.id, 0)
    choice = getattr(activity.dose, "choice", None)
    if choice:
        start_level = activity.dose.index_of(resolved[choice][0])  # type: ignore[attr-defined]
        level += start_level or 0
    product = protocol.drug(activity.drug).product if activity.drug else None
    dose = activity.dose.compute(patient, product=product, bsa=bsa, level=level, drug=activity.name)
    rule = activity.rule
    if dose.pattern is not None and rule.pattern is not None and dose.pattern != rule.pattern:
        rule = replace(rule, pattern=dose.pattern)
    return rule, dose


def _anchor_occurrences(activity: Activity, rule: Rule, day0: date, done: Mapping[str, list[_Occ]],
                        arm: Arm, warnings: list[str]) -> list[_Occ]:
    anchor = rule.start.anchor
    if anchor.activity == DAY0:
        return [_Occ(day0, False, None)]
    if anchor.activity not in done:
        raise ScheduleError(f"{activity.name} is anchored to {anchor.activity}, which the chosen options leave out of arm {arm.id}")
    source = done[anchor.activity]
    if anchor.each:
        return list(source)
    if len(source) < anchor.nth:
        warnings.append(f"{activity.name} is not scheduled: {anchor.activity} #{anchor.nth} does not occur in this plan")
        return []
    return [source[anchor.nth - 1]]


def _expand(protocol: Protocol, arm: Arm, activity: Activity, rule: Rule, dose: Dose | None,
            anchors: list[_Occ], pin: date | None, until: date) -> Iterator[Event]:
    start = rule.start
    number = 0
    notes = _notes(arm, activity)
    for index, anchor in enumerate(anchors):
        nominal = anchor.date + timedelta(days=start.offset)
        earliest = anchor.date + timedelta(days=start.earliest)
        latest = anchor.date + timedelta(days=start.latest)
        first = nominal
        if pin is not None and index == 0:
            if not earliest <= pin <= latest:
                raise ScheduleError(
                    f"--at {activity.id}={pin.isoformat()} is outside its window {earliest.isoformat()} to {latest.isoformat()} "
                    f"({format_rule(Rule(start))})"
                )
            first = pin
        conditional = anchor.conditional or activity.condition is not None
        condition = activity.condition or anchor.condition
        for slot in rule.occurrences(first, until):
            number += 1
            window = (earliest, latest) if slot.number == 1 else (slot.date, slot.date)
            cycle, day = slot.cycle, slot.day
            if rule.once and start.anchor.each and anchor.cycle is not None:
                cycle, day = anchor.cycle, 1 + start.offset  # a drug given with each HAIC shares its cycle
            yield Event(
                key=f"{protocol.id}/{arm.id}/{activity.id}/{number}",
                date=slot.date,
                earliest=window[0],
                latest=window[1],
                kind=activity.kind,
                activity=activity.id,
                name=activity.name,
                occurrence=number,
                order=activity.order,
                drug=activity.drug,
                route=activity.route,
                dose=dose,
                cycle=cycle,
                day=day,
                conditional=conditional,
                condition=condition if conditional else None,
                duration_hours=activity.duration_hours,
                notes=notes,
            )


def _notes(arm: Arm, activity: Activity) -> tuple[str, ...]:
    notes = list(activity.notes)
    if activity.given_after:
        notes.append(f"on the same day, give after {arm.activity(activity.given_after).name}")
    return tuple(notes)


def _in_anchor_order(activities: list[Activity]) -> list[Activity]:
    """Activities ordered so that each comes after its anchor (stable for ties; the loader rejects cycles)."""
    placed: dict[str, Activity] = {}
    pending = list(activities)
    ids = {a.id for a in activities}
    while pending:
        progressed = False
        for activity in list(pending):
            if activity.anchor == DAY0 or activity.anchor in placed or activity.anchor not in ids:
                placed[activity.id] = activity
                pending.remove(activity)
                progressed = True
        if not progressed:
            raise ScheduleError("anchors form a cycle: " + " -> ".join(a.id for a in pending))
    return list(placed.values())


def _plan_warnings(protocol: Protocol, activities: list[Activity], resolved: Mapping[str, tuple[str, bool]]) -> list[str]:
    ids: dict[str, None] = {}
    for name, (_, is_default) in resolved.items():
        if is_default:
            for assumption in protocol.choice(name).assumptions:
                ids.setdefault(assumption)
    for activity in activities:
        for assumption in activity.assumptions:
            ids.setdefault(assumption)
    notes = []
    for name, (value, is_default) in resolved.items():
        choice = protocol.choice(name)
        how = "the documented default" if is_default else "as chosen"
        notes.append(f"choice {name} = {value} ({how}): {choice.option(value).label}")
    conditional = sorted({a.name for a in activities if a.condition})
    if conditional:
        notes.append(f"conditional events are planned but not certain: {', '.join(conditional)}")
    return notes + [protocol.assumption(i).warning() for i in ids]


def _pins(pins: Mapping[str, date | str], arm: Arm, included: set[str]) -> dict[str, date]:
    result = {}
    for activity_id, value in pins.items():
        arm.activity(activity_id)
        if activity_id not in included:
            raise ScheduleError(f"--at {activity_id}: this activity is not part of the plan with the chosen options")
        result[activity_id] = parse_date(value, f"--at {activity_id}")
    return result


def _check_levels(levels: Mapping[str, int], arm: Arm) -> None:
    for activity_id, level in levels.items():
        activity = arm.activity(activity_id)
        if activity.dose is None or not activity.dose.reducible:
            raise InputError("level", f"{activity.name} has no dose levels to reduce (doses: {activity.dose.describe() if activity.dose else 'none'})")
        if not isinstance(level, int) or level < 0:
            raise InputError("level", f"{activity_id}={level!r}: give the number of reductions, 0 or more")


_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_date(value: date | str, option: str) -> date:
    """An ISO date (YYYY-MM-DD) only: ``01/12/2026`` is ambiguous and refused."""
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if _ISO.fullmatch(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    raise InputError(option, f"{text!r} is not a date; give an ISO date like 2026-12-01")


_SPAN = re.compile(r"(\d+)\s*(d|w|mo|y)", re.I)


def parse_horizon(value: date | str, start: date) -> date:
    """The last day of the plan (inclusive): a date, or a span from day 0 (``24w`` = days 0–167)."""
    if isinstance(value, date):
        end = value
    elif match := _SPAN.fullmatch(str(value).strip()):
        count, unit = int(match[1]), match[2].lower()
        if count < 1:
            raise InputError("--horizon", f"{value!r} must be at least 1 {unit}")
        if unit in ("d", "w"):
            end = start + timedelta(days=count * (7 if unit == "w" else 1)) - timedelta(days=1)
        else:
            from dateutil.relativedelta import relativedelta

            end = start + relativedelta(months=count * (12 if unit == "y" else 1)) - timedelta(days=1)
    elif _ISO.fullmatch(str(value).strip()):
        end = parse_date(value, "--horizon")
    else:
        raise InputError("--horizon", f"{value!r} is not accepted; give a span like 24w, 180d, 6mo or 2y, or an ISO date like 2027-06-01")
    if end < start:
        raise InputError("--horizon", f"{end.isoformat()} is before day 0 ({start.isoformat()})")
    return end
