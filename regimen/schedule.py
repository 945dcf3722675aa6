"""The scheduler: (protocol, arm, patient, day 0, pins, choices, horizon) -> an immutable Plan.

Activities are expanded in anchor order: an activity's start is measured from day 0 or from the
occurrences of the activity it is anchored to, so a pinned date (a PVE done on day 15 instead of
14) moves everything anchored to it. Each drug's dose is computed once per plan, never per event.

Without a horizon, bounded activities (one-off, ``x6``, ``for 6mo``) run to their end and
open-ended ones stop at 24 weeks, with a warning saying so.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date, timedelta
from typing import NamedTuple

from .clinic import Clinic
from .dosing import Dose
from .errors import InputError, ScheduleError
from .inputs import parse_horizon, parse_start
from .model import Activity, Arm, Protocol
from .notation import format_rule
from .patient import Patient
from .plan import DoseSheet, Occurrences, Plan, Track, home_dosed
from .prepare import as_mapping, prepare, resolve_pins
from .rules import DAY0, Rule

__all__ = ["DEFAULT_HORIZON_WEEKS", "doses", "schedule"]

DEFAULT_HORIZON_WEEKS = 24
_SAFETY_YEARS = 10  # even a bounded rule never expands further than this


Adjust = Callable[[Activity, Rule, "Dose | None", Callable[[Rule], tuple["Occurrences", ...]], date],
                  tuple[tuple["Occurrences", ...], list[str]]]


def _trim(runs: tuple[Occurrences, ...], until: date) -> tuple[Occurrences, ...]:
    """Runs cut at ``until``; a given or skipped occurrence (the recorded past) is always kept."""
    end = until.toordinal()
    kept = []
    for run in runs:
        if run.status in ("given", "skipped") or not run.days or run.days[-1] <= end:
            kept.append(run)
        elif run.days[0] <= end:
            kept.append(run._replace(days=run.days[:_bisect_after(run.days, end)]))
    return tuple(kept)


def _bisect_after(days: range, ordinal: int) -> int:
    """How many elements of ``days`` are at or before ``ordinal``."""
    return max(0, min(len(days), (ordinal - days.start) // days.step + 1))


class _Anchor(NamedTuple):
    ordinal: int
    conditional: bool
    condition: str | None
    cycle: int | None = None
    status: str = "planned"  # a skipped anchor skips what is given with it, a held one holds it


def _window_violations(tracks: Iterable[Track], arm: Arm) -> list[str]:
    """Every first occurrence outside the window its rule allows, said with the rule and the numbers."""
    found = []
    tracks = list(tracks)
    by_id = {t.activity.id: t for t in tracks}
    for track in tracks:
        start = track.activity.rule.start
        if not start.has_window:
            continue
        for run in track.runs:
            day = run.days[0] if run.days else None
            if day is None or not run.first_window or run.earliest <= day <= run.latest or run.status in ("skipped", "held"):
                continue
            anchor_day = run.earliest - start.earliest
            anchor = "day 0" if start.anchor.activity == DAY0 else arm.activity(start.anchor.activity).name
            anchor_track = by_id.get(start.anchor.activity)
            if anchor_track is not None:
                number = next((r.number + i for r in anchor_track.runs for i, o in enumerate(r.days) if o == anchor_day), None)
                anchor += f" #{number}" if number else ""
            found.append(
                f"{track.activity.name} start {date.fromordinal(day).isoformat()} is {day - anchor_day} days after {anchor} "
                f"({date.fromordinal(anchor_day).isoformat()}); the window is {start.earliest}–{start.latest} days"
            )
    return found


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
    adjust: Adjust | None = None,
    clinic: Clinic | None = None,
    allow_past: bool = False,
) -> Plan:
    """Expand one arm of ``protocol`` into a dated plan for ``patient``.

    ``start`` is the arm's day 0. ``pins`` fixes the first occurrence of anchored activities
    (inside their windows); ``choices`` picks options the record leaves open; ``levels`` gives
    each activity's dose level (1 = the protocol's highest dose); ``horizon`` is a date or a span such as
    ``"24w"``, ``"180d"`` or ``"6mo"``. ``clinic`` moves clinic events off closed days inside
    their windows (home dosing never moves). ``adjust`` lets a course re-plan each activity from
    what happened (see ``course/replan.py``). Day 0 must lie within 5 years of today; an earlier one
    needs ``allow_past=True``. Bad arguments raise a RegimenError naming the parameter.
    """
    ready = prepare(protocol, arm, patient, choices, levels, bsa_method)
    protocol, the_arm, activities = ready.protocol, ready.arm, ready.activities
    # a course re-plan (adjust) follows what happened: its day 0 is a recorded fact, however long ago
    day0 = parse_start(start, "start", allow_past=allow_past)
    pinned = resolve_pins(as_mapping(pins, "pins"), the_arm, {a.id for a in activities})
    horizon_end = parse_horizon(horizon, day0, "horizon") if horizon is not None else None
    if clinic is not None and not isinstance(clinic, Clinic):
        raise InputError("clinic", f"expected a Clinic, like Clinic.parse(\"mon-fri\"), got {type(clinic).__name__}")
    default_end = day0 + timedelta(weeks=DEFAULT_HORIZON_WEEKS) - timedelta(days=1)
    safety_end = day0 + timedelta(days=round(365.25 * _SAFETY_YEARS))

    warnings: list[str] = []
    tracks: dict[str, Track] = {}
    cut_open: list[str] = []
    ends: dict[str, date] = {}
    for activity in _in_anchor_order(activities):
        rule = ready.rules[activity.id]
        until = horizon_end or (safety_end if rule.bounded else default_end)
        if horizon_end is None and not rule.bounded:
            cut_open.append(activity.name)
        anchors = _anchor_occurrences(activity, rule, day0, tracks, the_arm, warnings)
        pin = pinned.get(activity.id)
        open_days = None if clinic is None or home_dosed(rule) else clinic
        if adjust is None:
            runs = _place(activity, rule, anchors, pin, until, open_days, warnings)
        else:
            def place(new_rule: Rule, further: date | None = None, anchors=anchors, pin=pin, until=until, activity=activity,
                      open_days=open_days) -> tuple[Occurrences, ...]:
                return _place(activity, new_rule, anchors, pin, further or until, open_days, warnings)

            runs, notes = adjust(activity, rule, ready.doses.get(activity.id), place, until)
            warnings.extend(notes)
        tracks[activity.id] = Track(activity, ready.doses.get(activity.id), _notes(the_arm, activity), runs)
        ends[activity.id] = until
    if adjust is not None:  # a re-plan may look past the horizon; what it shows stops there, except what happened
        tracks = {key: track._replace(runs=_trim(track.runs, ends[key])) for key, track in tracks.items()}
    warnings.extend(_window_violations(tracks.values(), the_arm))
    if cut_open:
        warnings.append(
            f"no horizon given: open-ended activities ({', '.join(cut_open)}) are shown for {DEFAULT_HORIZON_WEEKS} weeks, "
            f"to {default_end.isoformat()}; give --horizon for more"
        )
    return Plan(
        protocol=protocol,
        arm=the_arm,
        patient=patient,
        start=day0,
        horizon_end=horizon_end or default_end,
        horizon_given=horizon_end is not None,
        choices=ready.choice_rows,
        doses=tuple(ready.doses.items()),
        warnings=ready.warnings + tuple(warnings),
        tracks=tuple(tracks[a.id] for a in activities),
    )


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
    ready = prepare(protocol, arm, patient, choices, levels, bsa_method)
    return DoseSheet(ready.protocol, ready.arm, patient, ready.choice_rows, tuple(ready.doses.items()), ready.warnings)


def _anchor_occurrences(activity: Activity, rule: Rule, day0: date, done: Mapping[str, Track],
                        arm: Arm, warnings: list[str]) -> list[_Anchor]:
    """The occurrences of the anchor that this activity's start is measured from."""
    anchor = rule.start.anchor
    if anchor.activity == DAY0:
        return [_Anchor(day0.toordinal(), False, None)]
    if anchor.activity not in done:
        raise ScheduleError(f"{activity.name} is anchored to {anchor.activity}, which the chosen options leave out of arm {arm.id}")
    track = done[anchor.activity]
    if anchor.each:
        return [_Anchor(o, run.conditional, run.condition, run.cycle_day(i)[0], run.status)
                for run in track.runs for i, o in enumerate(run.days)]
    remaining = anchor.nth - 1
    for run in track.runs:
        if remaining < len(run.days):
            return [_Anchor(run.days[remaining], run.conditional, run.condition, run.cycle_day(remaining)[0])]
        remaining -= len(run.days)
    warnings.append(f"{activity.name} is not scheduled: {anchor.activity} #{anchor.nth} does not occur in this plan")
    return []


def _place(activity: Activity, rule: Rule, anchors: list[_Anchor], pin: date | None, until: date,
           clinic: Clinic | None = None, warnings: list[str] | None = None) -> tuple[Occurrences, ...]:
    """Expand the rule from each anchor occurrence into runs, checking a pinned first date and
    moving a first date that falls on a closed clinic day inside its window."""
    start = rule.start
    runs: list[Occurrences] = []
    number = 0
    for index, anchor in enumerate(anchors):
        earliest, latest = anchor.ordinal + start.earliest, anchor.ordinal + start.latest
        first = anchor.ordinal + start.offset
        if pin is not None and index == 0:
            if not earliest <= pin.toordinal() <= latest:
                raise ScheduleError(
                    f"{pin.isoformat()} is outside its window {date.fromordinal(earliest).isoformat()} to "
                    f"{date.fromordinal(latest).isoformat()} ({format_rule(Rule(start))})", option=f"pins.{activity.id}"
                )
            first = pin.toordinal()
        elif clinic is not None:
            first = _open_day(activity, clinic, first, earliest, latest, warnings)
        conditional = anchor.conditional or activity.condition is not None
        condition = (activity.condition or anchor.condition) if conditional else None
        for run in rule.runs(date.fromordinal(first), until):
            cycle, step, day = run.cycle, run.cycle_step, run.day
            if rule.once and start.anchor.each and anchor.cycle is not None:
                cycle, step, day = anchor.cycle, 0, 1 + start.offset  # a drug given with each HAIC shares its cycle
            status = anchor.status if anchor.status in ("skipped", "held") and rule.once else "planned"  # held with a held anchor
            runs.append(Occurrences(run.days, number + run.number, cycle, step, day, earliest, latest,
                                    conditional, condition, run.number == 1, None, status))
            if clinic is not None and warnings is not None:
                for later in run.days[1 if run.number == 1 else 0:]:
                    if reason := clinic.closed(date.fromordinal(later)):
                        warnings.append(f"{activity.name} on {date.fromordinal(later)} falls on a closed day ({reason}); "
                                        "its schedule allows no other day")
        number = runs[-1].number + len(runs[-1].days) - 1 if runs else number
    return tuple(runs)


def _open_day(activity: Activity, clinic: Clinic, first: int, earliest: int, latest: int, warnings: list[str] | None) -> int:
    day = date.fromordinal(first)
    reason = clinic.closed(day)
    if reason is None:
        return first
    moved = clinic.nearest_open(day, date.fromordinal(earliest), date.fromordinal(latest))
    if warnings is not None:
        if moved is None:
            warnings.append(f"{activity.name} on {day} falls on a closed day ({reason}) and its window "
                            f"{date.fromordinal(earliest)} to {date.fromordinal(latest)} has no open day")
        else:
            warnings.append(f"{activity.name} moved from {day} ({reason}) to {moved}, inside its window")
    return first if moved is None else moved.toordinal()


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


