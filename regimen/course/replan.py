"""A course's history applied: re-planning. The plan's past is what happened, and its future is recomputed from it.

For each activity the scheduler first places the protocol's rule (anchored to the *actual* dates
of what it depends on, so a delayed HAIC moves the drugs given with it); then the activity's
recorded events are applied in order of occurrence:

* given / rescheduled on another date: the delay moves this occurrence, the rest of its cycle,
  or all later ones, as the protocol's ``on_delay`` says (default ``all``: a q3w drug counts from
  its last actual dose; home dosing defaults to ``this``);
* held from..to: home doses inside the hold are not taken; a clinic occurrence inside it is
  postponed to the day after the hold, moving later ones with it;
* skipped, discontinued, confirmed / ruled out (conditional events), restarted (a cycle pattern
  starts again on that day as day 1), level (a new dose level, and its frequency, from a date);
* count limits count what was given (a skipped HAIC does not use up one of the six), and a span
  (``for 6mo``) runs from the first actual dose;
* a protocol's ``max_delay`` stops the activity when an occurrence slips further than that.

Doses follow the weight measured before each administration: when it differs from the weight the
last dose used by the protocol's threshold (10% unless it says otherwise), the dose is
recalculated and flagged, unless the activity says ``recalculate = false``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date

from ..dosing import Dose, DoseSpec
from ..model import Activity, Protocol
from ..patient import Patient
from ..plan import Occurrences, Plan, home_dosed
from ..rules import CycleDays, Every, Rule
from ..schedule import schedule
from ..units import Measured, format_number
from .file import Course, Record

__all__ = ["check_new_record", "replan"]

Place = Callable[[Rule], tuple[Occurrences, ...]]


def replan(course: Course, *, horizon: str | date | None = None, protocol_dirs=(), bsa_method: str = "mosteller",
           clinic=None) -> Plan:
    """The plan for a course: what happened, then the rest recomputed."""
    from ..loader import load_protocol

    protocol = load_protocol(course.protocol, protocol_dirs)
    weight = course.measured("weight", course.start) or next(((w, d) for d, w in course.weights()), None)
    height = course.measured("height", course.start) or next(
        ((m.height, m.date) for m in sorted(course.measurements, key=lambda m: m.date) if m.height), None)
    patient = Patient.from_measurements(weight[0].text, height[0].text if height else None, prefix="measurements.")
    history = _History(course, protocol, patient, bsa_method)
    return schedule(protocol, course.arm, patient, course.start, pins=dict(course.pins), choices=dict(course.choices),
                    horizon=horizon or course.horizon, bsa_method=bsa_method, adjust=history.adjust, clinic=clinic)


class _Occ:
    """One occurrence while records are applied (mutable, local to this module)."""

    __slots__ = ("cday", "condition", "conditional", "cycle", "day", "dose", "earliest", "first", "latest", "number", "planned", "status")

    def __init__(self, run: Occurrences, index: int) -> None:
        self.day = self.planned = run.days[index]
        self.number = run.number + index
        self.cycle, self.cday = run.cycle_day(index)
        self.earliest, self.latest = run.earliest, run.latest
        self.conditional, self.condition = run.conditional, run.condition
        self.first = index == 0 and run.first_window
        self.status, self.dose = "planned", None

    def run(self) -> Occurrences:
        return Occurrences(range(self.day, self.day + 1), self.number, self.cycle, 0, self.cday, self.earliest, self.latest,
                           self.conditional, self.condition, self.first, self.dose, self.status)


class _History:
    def __init__(self, course: Course, protocol: Protocol, patient: Patient, bsa_method: str) -> None:
        self.course, self.protocol, self.patient, self.bsa = course, protocol, patient, bsa_method
        self.arm = protocol.arm(course.arm)
        known = {a.id for a in self.arm.activities}
        for record in course.records:
            if record.activity not in known:
                from ..errors import LookupFailure

                raise LookupFailure(f"activity in arm {self.arm.id} (course event {record.index + 1})", record.activity, known)

    def adjust(self, activity: Activity, rule: Rule, dose: Dose | None, place: Place, until: date) -> tuple[tuple[Occurrences, ...], list[str]]:
        records = self.course.for_activity(activity.id)
        recalc = dose is not None and activity.dose is not None and activity.dose.follows_weight and activity.recalculate
        if not records and not recalc:
            return place(rule), []
        warnings: list[str] = []
        if any(r.type == "ruled_out" for r in records):
            reason = next(r.reason for r in records if r.type == "ruled_out")
            return (), [f"{activity.name} ruled out" + (f": {reason}" if reason else "")]
        home = home_dosed(rule)
        extra = sum(1 for r in records if r.type in ("skipped", "held")) if isinstance(rule.pattern, Every) else 0
        expanded = replace(rule, count=rule.count + extra) if rule.count and extra else rule
        occs = [_Occ(run, i) for run in place(expanded) for i in range(len(run.days))]
        occs = self._walk(activity, rule, occs, records, home, warnings)
        occs = self._restart(rule, occs, records, until)
        occs = self._levels(activity, occs, records, until)
        occs = _limits(rule, occs, until)
        self._doses(activity, occs, records, warnings)
        return tuple(o.run() for o in occs), warnings

    def _walk(self, activity: Activity, rule: Rule, occs: list[_Occ], records: list[Record], home: bool,
              warnings: list[str]) -> list[_Occ]:
        scope = activity.on_delay or ("this" if home else "all")
        assigned = _assign(occs, records, home)
        holds = [(r.date.toordinal(), r.until.toordinal()) for r in records if r.type == "held" and r.date and r.until]
        stop = min((r.date.toordinal() for r in records if r.type == "discontinued" and r.date), default=None)
        shift, cycle_shift = 0, {}
        out = []
        for occ in occs:
            occ.day = occ.planned + shift + cycle_shift.get(occ.cycle, 0)
            record = assigned.get(occ.number)
            if record is not None and record.type in ("given", "rescheduled", "confirmed"):
                delta = record.date.toordinal() - occ.day
                here = "all" if isinstance(rule.pattern, CycleDays) and occ.cday == 1 else scope  # a cycle restarts from its actual day 1
                shift, cycle_shift = _move(here, delta, occ, shift, cycle_shift, home)
                occ.day = record.date.toordinal()
                occ.status = "planned" if record.type == "rescheduled" else "given"
                if record.type == "confirmed":
                    occ.conditional, occ.condition = False, None
            elif record is not None and record.type == "skipped":
                occ.status = "skipped"
            if occ.status == "planned":
                hold = next(((a, b) for a, b in holds if a <= occ.day <= b), None)
                if hold and home:
                    occ.status = "held"
                elif hold:
                    delta = hold[1] + 1 - occ.day
                    shift, cycle_shift = _move("all" if scope == "this" else scope, delta, occ, shift, cycle_shift, home)
                    occ.day = hold[1] + 1
            if stop is not None and occ.day >= stop and occ.status != "given":
                break
            slipped = occ.day - occ.planned
            if activity.max_delay is not None and occ.status in ("planned", "given") and slipped > activity.max_delay:
                warnings.append(f"{activity.name} #{occ.number} would be {slipped} days late, more than the {activity.max_delay} "
                                f"days the protocol allows: {activity.name} stops")
                break
            out.append(occ)
        return out

    def _restart(self, rule: Rule, occs: list[_Occ], records: list[Record], until: date) -> list[_Occ]:
        restarts = sorted(r.date for r in records if r.type == "restarted" and r.date)
        if not restarts or not isinstance(rule.pattern, CycleDays):
            return occs
        when = restarts[-1].toordinal()
        kept = [o for o in occs if o.day < when or o.status == "given"]
        done_cycles = max((o.cycle or 0 for o in kept), default=0)
        remaining = None if rule.count is None else max(0, rule.count - done_cycles)
        if remaining == 0:
            return kept
        fresh = Rule(rule.start, rule.pattern, remaining, rule.span)
        number = max((o.number for o in kept), default=0)
        for run in fresh.runs(date.fromordinal(when), until):
            for i in range(len(run.days)):
                placed = Occurrences(run.days, number + run.number, (run.cycle or 0) + done_cycles, run.cycle_step, run.day,
                                     run.days[0], run.days[0], False, None, False)
                kept.append(_Occ(placed, i))
        return kept

    def _levels(self, activity: Activity, occs: list[_Occ], records: list[Record], until: date) -> list[_Occ]:
        """From a level change on, a level's own frequency (4 mg qod) replaces the activity's."""
        changes = sorted((r for r in records if r.type == "level" and r.date), key=lambda r: r.date)
        spec = activity.dose
        if not changes or spec is None or not occs:
            return occs
        for change in changes:
            pattern = self._level_pattern(spec, change.level - 1 + self._start_level(activity))
            if pattern is None or not isinstance(pattern, Every):
                continue
            when = change.date.toordinal()
            later = [o for o in occs if o.day >= when and o.status != "given"]
            if not later:
                continue
            kept = [o for o in occs if o not in later]
            first, last = later[0].day, later[-1].day
            number = later[0].number
            for n, day in enumerate(range(first, last + 1, pattern.days)):
                occ = _Occ(Occurrences(range(day, day + 1), number + n, None, 0, None, day, day, False, None, False), 0)
                kept.append(occ)
            occs = kept
        return occs

    def _level_pattern(self, spec: DoseSpec, level: int):
        levels = spec.levels if spec.basis == "dose_level" else spec.band_for(self.patient.weight_kg).levels if spec.bands else ()
        return levels[level].pattern if 0 <= level < len(levels) else None

    def _start_level(self, activity: Activity) -> int:
        spec = activity.dose
        if spec is None or not spec.choice:
            return 0
        chosen = dict(self.course.choices).get(spec.choice) or self.protocol.choice(spec.choice).default
        return spec.index_of(chosen) or 0

    def _doses(self, activity: Activity, occs: list[_Occ], records: list[Record], warnings: list[str]) -> None:
        spec = activity.dose
        if spec is None:
            return
        product = self.protocol.drug(activity.drug).product if activity.drug else None
        levels = sorted((r for r in records if r.type == "level" and r.date), key=lambda r: r.date)
        given = {r.occurrence: r for r in records if r.type == "given" and r.dose is not None and r.occurrence}
        threshold = self.protocol.weight_change
        reference: tuple[Measured, date | None] = (self.patient.weight, None)
        cache: dict[tuple[int, float], Dose] = {}
        for occ in occs:
            when = date.fromordinal(occ.day)
            level = self._start_level(activity)
            for change in levels:
                if change.date <= when:
                    level = change.level - 1 + self._start_level(activity)
            patient, note = self.patient, None
            if spec.follows_weight and activity.recalculate:
                latest = self.course.measured("weight", when)
                if latest is not None:
                    change = (latest[0].value - reference[0].value) / reference[0].value * 100
                    if abs(change) >= threshold:
                        note = (f"recalculated: weight {latest[0]} measured {latest[1]} differs by {change:+.1f}% from "
                                f"{reference[0]} used before (threshold {format_number(threshold)}%)")
                        if reference[1] is None or latest[1] != reference[1]:
                            warnings.append(f"{activity.name} from {when}: {note}")
                        reference = latest
                if reference[1] is not None:
                    patient = Patient(reference[0], self.patient.height)
            key = (level, patient.weight_kg)
            dose = cache.get(key)
            if dose is None:
                dose = spec.compute(patient, product=product, bsa=self.bsa, level=level, drug=activity.name)
                if reference[1] is not None:
                    dose = dose._replace(derivation=(f"weight used: {reference[0]} measured {reference[1]}", *dose.derivation,
                                                     *([note] if note else [])))
                cache[key] = dose
            occ.dose = dose
            record = given.get(occ.number)
            if record is not None and occ.status == "given" and abs(record.dose - dose.amount) > 0.005:
                occ.dose = dose._replace(amount=round(record.dose, 2), derivation=(
                    f"given: {format_number(record.dose)} mg recorded (planned {dose.text})", *dose.derivation))


def _assign(occs: list[_Occ], records: list[Record], home: bool) -> dict[int, Record]:
    """Which occurrence each given / rescheduled / skipped / confirmed record is about."""
    assigned: dict[int, Record] = {}
    by_day = {o.planned: o.number for o in occs}
    numbers = [o.number for o in occs]
    for record in records:
        if record.type not in ("given", "rescheduled", "skipped", "confirmed"):
            continue
        number = record.occurrence
        if number is None and home and record.date is not None:
            number = by_day.get(record.date.toordinal())
        if number is None:
            number = next((n for n in numbers if n not in assigned), None)
        if number is not None:
            assigned[number] = record._replace(occurrence=number)
    return assigned


def _move(scope: str, delta: int, occ: _Occ, shift: int, cycle_shift: dict, home: bool) -> tuple[int, dict]:
    if not delta or (home and scope == "this"):
        return shift, cycle_shift
    if scope == "all":
        return shift + delta, cycle_shift
    if scope == "cycle":
        return shift, {**cycle_shift, occ.cycle: cycle_shift.get(occ.cycle, 0) + delta}
    return shift, cycle_shift


def _limits(rule: Rule, occs: list[_Occ], until: date) -> list[_Occ]:
    """Count limits count what is given or planned; a span runs from the first actual dose."""
    occs = sorted(occs, key=lambda o: (o.day, o.number))
    end = until.toordinal()
    taken = [o for o in occs if o.status in ("given", "planned")]
    if rule.span is not None and taken:
        end = min(end, rule.span.end(date.fromordinal(taken[0].day)).toordinal() - 1)
    out, counted = [], 0
    for occ in occs:
        if occ.day > end and occ.status != "given":
            continue
        if occ.status in ("given", "planned"):
            if rule.count is not None and isinstance(rule.pattern, Every) and counted >= rule.count:
                continue
            counted += 1
        out.append(occ)
    return out


def check_new_record(before: Course, after: Course, protocol_dirs=()) -> None:
    """Refuse a recorded event that contradicts the course: before day 0, a dose on a day the
    drug was held or after it was stopped, an occurrence recorded twice; then re-plan to be sure
    the new course still makes a plan (a level the drug has, an activity of the arm)."""
    from ..errors import InputError

    new = after.records[-1] if len(after.records) > len(before.records) else None
    if new is not None:
        day = new.date
        if day is not None and day < after.start:
            raise InputError("--date", f"{day} is before the course started (day 0 = {after.start})")
        for old in before.for_activity(new.activity):
            if new.type == "given" and old.type == "held" and old.date <= day <= old.until:
                raise InputError("--date", f"{new.activity} was held from {old.date} to {old.until} ({old.reason or 'no reason given'}); "
                                           "record the hold's end first")
            if new.type in ("given", "rescheduled", "level") and old.type == "discontinued" and day >= old.date:
                raise InputError("--date", f"{new.activity} was discontinued on {old.date}; nothing can be recorded for it after that")
            if (new.type in ("given", "skipped") and old.type in ("given", "skipped") and new.occurrence is not None
                    and old.occurrence == new.occurrence):
                raise InputError("--occurrence", f"{new.activity} #{new.occurrence} is already recorded as {old.type} ({old.date})")
    replan(after, protocol_dirs=protocol_dirs)
