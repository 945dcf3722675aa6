"""A course's history applied: re-planning. The plan's past is what happened, and its future is
generated from it, one occurrence after another, so nothing depends on how far the plan looks.

For each activity the scheduler first places the protocol's rule (anchored to the *actual* dates
of what it depends on, so a delayed HAIC moves the drugs given with it, and a skipped one skips
them); then this module walks the activity's occurrences in order:

* each occurrence is due a pattern step after the previous one: after its *actual* date for a
  clinic drug (``on_delay = "all"``, a q3w antibody counts from its last actual dose), on the
  fixed grid for home dosing (``"this"``: a late tablet does not move tomorrow's); a first dose
  and a cycle's day 1 always restart the count from their actual day;
* given / rescheduled set an occurrence's date; skipped keeps its place but it is not given;
* held from..to: home doses inside the hold are not taken; a clinic occurrence inside it is
  postponed to the day after the hold;
* discontinued stops the activity from its date; restarted starts the pattern again on its date
  as day 1 of a new cycle; level changes the dose (and a level's own frequency, 4 mg qod) from
  its date;
* a count limit counts what is given or planned (a skipped HAIC does not use up one of the six), a
  span (``for 6mo``) runs from the first actual dose, and ``max_delay`` stops the activity when an
  occurrence falls further than that after it was due.

Records name their occurrence (``record`` writes the number it resolved). One without a number is,
for a clinic activity, the next occurrence not yet given or skipped; for home dosing, the first
dose when none is recorded yet, otherwise the dose planned on its date.

Doses follow the weight measured before each administration: when it differs from the weight the
last dose used by the protocol's threshold (10% unless it says otherwise), the dose is
recalculated and flagged, unless the activity says ``recalculate = false``. A recorded dose is
kept beside the planned one.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from itertools import pairwise

from ..dosing import Dose, DoseSpec
from ..errors import InputError, LookupFailure
from ..model import Activity, Protocol
from ..patient import Patient
from ..plan import Occurrences, Plan, taken_at_home
from ..rules import Every, Rule
from ..schedule import schedule
from ..units import Measured, format_number
from .checks import CourseError, validate
from .file import Course, Record
from .walk import DONE, Occ, Resolved, Walk, apply, compact, hold, holds_of, resolve, stop_of, too_late

__all__ = ["DOSE_TOLERANCE", "replan"]

Place = Callable[[Rule], tuple[Occurrences, ...]]
LOOK_PAST = timedelta(days=366)  # how far past the horizon (and the last record) a re-plan generates before it is cut
DOSE_TOLERANCE = 10.0  # % a recorded dose may differ from the planned one before it is a warning


def replan(course: Course, *, horizon: str | date | None = None, today: date | None = None, protocol_dirs=(),
           bsa_method: str = "mosteller", clinic=None, protocol: Protocol | None = None) -> Plan:
    """The plan for a course: what happened, then the rest recomputed.

    With ``today``, planned events before it that were never recorded are marked ``overdue``.
    """
    if not isinstance(course, Course):
        raise InputError("course", f"expected a Course (regimen.load_course(path)), got {type(course).__name__}")
    if today is not None:
        from ..inputs import parse_date

        today = parse_date(today, "today")
    if protocol is None:
        from ..loader import load_protocol

        protocol = load_protocol(course.protocol, protocol_dirs)
    weight = course.measured("weight", course.start) or next(((w, d) for d, w in course.weights()), None)
    height = course.measured("height", course.start) or next(
        ((m.height, m.date) for m in sorted(course.measurements, key=lambda m: m.date) if m.height), None)
    patient = Patient.from_measurements(weight[0].text, height[0].text if height else None, prefix="measurements.")
    validate(course, protocol, today)
    history = _History(course, protocol, patient, bsa_method, today)
    plan = schedule(protocol, course.arm, patient, course.start, pins=dict(course.pins), choices=dict(course.choices),
                    horizon=horizon or course.horizon, bsa_method=bsa_method, adjust=history.adjust, clinic=clinic,
                    allow_past=True)  # a course's day 0 may lie years back
    amendment = _amendment(course, protocol)
    return replace(plan, warnings=(amendment, *plan.warnings)) if amendment else plan


def _amendment(course: Course, protocol: Protocol) -> str | None:
    """Said before anything else when the protocol file differs from the one the course is pinned to."""
    if course.pin is None:
        return None
    from .record import amended, fingerprint

    pin = fingerprint(protocol)
    if pin.sha256 == course.pin.sha256:
        return None
    arm = f"{course.arm}."
    differ = [line.removeprefix(arm) for line in amended(course.pin, pin) if line.startswith(arm) or ":" not in line.split(" ")[0]]
    return (f"PROTOCOL CHANGED: {protocol.id} is now version {protocol.version} (sha256 {pin.sha256[:12]}), not the version "
            f"{course.pin.version} (sha256 {course.pin.sha256[:12]}) this course follows; for arm {course.arm}: "
            f"{'; '.join(differ) or 'no activity of this arm differs'}. "
            f"This plan uses the current file: run `regimen course migrate {course.path or 'COURSE'} --on DATE` to adopt it from a date")


class _History:
    def __init__(self, course: Course, protocol: Protocol, patient: Patient, bsa_method: str, today: date | None) -> None:
        self.course, self.protocol, self.patient, self.bsa, self.today = course, protocol, patient, bsa_method, today
        self.arm = protocol.arm(course.arm)
        self.last_record = max((r.until or r.date for r in course.records if r.date), default=course.start)
        self._levels: dict[str, tuple[int, list[int], list[int]]] = {}
        self._weights: list[tuple[date, Measured]] | None = None
        self._weight_days: list[int] = []
        known = {a.id for a in self.arm.activities}
        for record in course.records:
            if record.activity not in known:
                raise LookupFailure(f"activity in arm {self.arm.id} (course event {record.index + 1})", record.activity, known)

    def adjust(self, activity: Activity, rule: Rule, dose: Dose | None, place: Place, until: date) -> tuple[tuple[Occurrences, ...], list[str]]:
        records = self.course.for_activity(activity.id)
        recalc = dose is not None and activity.dose is not None and activity.dose.follows_weight and activity.recalculate
        past = self.today is not None and self.today > self.course.start
        further = max(until, self.last_record) + LOOK_PAST  # generated past the horizon: a record near it finds its occurrence
        if not records and not recalc and not past:
            return place(rule, further), []
        warnings: list[str] = []
        ruled_out = next((r for r in records if r.type == "ruled_out"), None)
        if ruled_out is not None:
            return (), [f"{activity.name} ruled out" + (f": {ruled_out.reason}" if ruled_out.reason else "")]
        home = taken_at_home(activity)
        resolved = resolve(records, home)
        if rule.once:
            occs = self._each(activity, place(rule, further), records, resolved, home, warnings)
        else:
            first = place(Rule(rule.start), further)
            walk = Walk(lambda due: self.step(activity, records, due), activity, rule, records, resolved, home, further, warnings)
            occs = walk.run(first[0]) if first else []
        _placed(self.course, activity, occs, records, resolved, home)
        self._doses(activity, occs, records, warnings)
        warnings += label_notes(activity, records, self.today)
        if self.today is not None:
            today = self.today.toordinal()
            for occ in occs:
                if occ.status == "planned" and occ.day < today:
                    occ.status = "overdue"
        return compact(occs), warnings

    def _each(self, activity: Activity, runs: tuple[Occurrences, ...], records: list[Record], resolved: Resolved, home: bool,
              warnings: list[str]) -> list[Occ]:
        """One-off occurrences (one per anchor occurrence): each record dates or settles its own."""
        holds = holds_of(records)
        stop = stop_of(records)
        out = []
        for occ in (Occ.of(run, i) for run in runs for i in range(len(run.days))):
            if occ.status == "skipped":
                anchor = self.arm.activity(activity.anchor)
                why = resolve(self.course.for_activity(anchor.id), taken_at_home(anchor)).by_number.get(occ.number)
                warnings.append(f"{activity.name} #{occ.number} on {date.fromordinal(occ.day)} is skipped with the "
                                f"{anchor.name} it is given with" + (f" ({why.reason})" if why is not None and why.reason else ""))
            apply(occ, resolved.find(occ.number, occ.day))
            if occ.status == "planned":
                hold(occ, holds, home)
            if stop is not None and occ.day >= stop and occ.status not in DONE:
                break
            if too_late(activity, occ, warnings):
                break
            out.append(occ)
        return out

    def step(self, activity: Activity, records: list[Record], due: int) -> int:
        """The repeat interval in force on day ``due``: a level's own frequency (4 mg qod) from the level's date on."""
        level = self.level_on(activity, records, date.fromordinal(due))
        pattern = self.level_pattern(activity.dose, level) if activity.dose is not None else None
        return pattern.days if isinstance(pattern, Every) else activity.rule.pattern.days  # type: ignore[union-attr]

    def level_pattern(self, spec: DoseSpec, level: int):
        levels = spec.levels if spec.basis == "dose_level" else spec.band_for(self.patient.weight_kg).levels if spec.bands else ()
        return levels[level].pattern if 0 <= level < len(levels) else None

    def start_level(self, activity: Activity) -> int:
        spec = activity.dose
        if spec is None or not spec.choice:
            return 0
        chosen = dict(self.course.choices).get(spec.choice) or self.protocol.choice(spec.choice).default
        return spec.index_of(chosen) or 0

    def level_on(self, activity: Activity, records: list[Record], when: date) -> int:
        """The dose level (an index into the ladder) in force on ``when``."""
        key = activity.id
        if key not in self._levels:  # once per activity: the start level and the dated changes
            changes = sorted((r.date.toordinal(), r.level - 1) for r in records if r.type == "level" and r.date)
            self._levels[key] = (self.start_level(activity), [day for day, _ in changes], [level for _, level in changes])
        start, days, levels = self._levels[key]
        at = bisect_right(days, when.toordinal())  # levels are the ladder's, 1 = its highest dose
        return levels[at - 1] if at else start

    def weight_on(self, when: date) -> tuple[Measured, date] | None:
        """The latest weight measured on or before ``when``, with its date (Course.measured, indexed)."""
        if self._weights is None:
            self._weights = list(self.course.weights())
            self._weight_days = [d.toordinal() for d, _ in self._weights]
        at = bisect_right(self._weight_days, when.toordinal())
        return (self._weights[at - 1][1], self._weights[at - 1][0]) if at else None

    def _doses(self, activity: Activity, occs: list[Occ], records: list[Record], warnings: list[str]) -> None:
        spec = activity.dose
        if spec is None:
            return
        product = self.protocol.drug(activity.drug).product if activity.drug else None
        threshold = self.protocol.weight_change
        reference: tuple[Measured, date | None] = (self.patient.weight, None)
        cache: dict[tuple[int, float], Dose] = {}
        for occ in occs:
            when = date.fromordinal(occ.day)
            level = self.level_on(activity, records, when)
            patient, note = self.patient, None
            if spec.follows_weight and activity.recalculate:
                latest = self.weight_on(when)
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
            if occ.given_dose is not None and occ.status == "given":
                occ.dose = _given(activity, occ, dose, warnings)


def label_notes(activity: Activity, records: list[Record], today: date | None) -> list[str]:
    """What the label rules recorded by ``toxicity --apply`` say in the plan: a hold until recovery with its resume condition
    and the day its time limit expires (past it, without a recorded restart, the label asks for discontinuation); a level
    change with the rule that caused it."""
    from .walk import OPEN_END, open_end

    notes = []
    for record in records:
        if record.open:
            end = open_end(record, records)
            said = f"{activity.name} held from {record.date} until recovery" + (f" ({record.reason})" if record.reason else "")
            said += f": resume when {record.resume}" if record.resume else ""
            if end != OPEN_END:
                said += f"; restarted on {date.fromordinal(end + 1)}"
            elif record.limit is not None:
                said += f"; the label's time limit expires on {record.limit}"
                if today is not None and today > record.limit:
                    notes.append(f"{activity.name}: held since {record.date} without a recorded recovery, past the label's time limit "
                                 f"({record.limit}): the label asks for discontinuation" + (f" (rule {record.rule})" if record.rule else ""))
            notes.append(said)
        elif record.type in ("level", "discontinued") and record.rule:
            what = f"level {record.level}" if record.type == "level" else "discontinued"
            notes.append(f"{activity.name} {what} from {record.date}: {record.reason or 'label rule ' + record.rule}")
    return notes


def _placed(course: Course, activity: Activity, occs: list[Occ], records: list[Record], resolved: Resolved, home: bool) -> None:
    """Every record that settles an occurrence found one, and no two doses share a day."""
    numbers = {o.number: o for o in occs}
    for number, record in resolved.by_number.items():
        if record.type in DONE and number not in numbers:
            shown = ", ".join(f"#{o.number} {date.fromordinal(o.day)}" for o in occs[:3]) or "none in this plan"
            raise CourseError(f"{activity.name} has no occurrence #{number} to record as {record.type} "
                              f"({'it happens once' if activity.rule.once else 'the protocol limits it'}; occurrences: {shown})",
                              file=course.path, path=f"events[{record.index}]", index=record.index, field="occurrence")
    days = {o.day: o for o in occs if o.status in DONE or o.status == "planned"}
    for day, record in resolved.by_date.items():
        occ = days.get(day)
        if occ is None or occ.status != record.type:
            raise CourseError(f"no {activity.name} dose is planned on {date.fromordinal(day)} (see the plan); give --occurrence, "
                              "or record restarted to begin a new cycle on that day", file=course.path,
                              path=f"events[{record.index}]", index=record.index, field="date")
    taken = sorted((o for o in occs if o.status in ("given", "planned")), key=lambda o: o.number)
    for before, after in pairwise(taken):
        if after.day < before.day if home else after.day <= before.day:
            record = resolved.by_number.get(after.number) or resolved.by_number.get(before.number)
            raise CourseError(f"{activity.name} #{after.number} on {date.fromordinal(after.day)} would not come after "
                              f"#{before.number} on {date.fromordinal(before.day)}: one occurrence a day, in order",
                              file=course.path, path=f"events[{record.index}]" if record else "events",
                              index=record.index if record else None, field="date")
    if home:
        for occ in occs:
            record = resolved.by_number.get(occ.number)
            if (record is not None and record.type in ("given", "rescheduled") and occ.day != occ.due and occ.number != 1
                    and occ.cday != 1 and record.until is None):
                raise CourseError(f"{activity.name} #{occ.number} is planned on {date.fromordinal(occ.due)}: a home dose is recorded on "
                                  "its own day (record skipped for a missed day, held for a pause, restarted to begin again)",
                                  file=course.path, path=f"events[{record.index}]", index=record.index, field="date")
        seen: dict[int, Occ] = {}
        for occ in taken:
            if occ.day in seen:
                record = resolved.by_number.get(occ.number) or resolved.by_number.get(seen[occ.day].number)
                raise CourseError(f"{activity.name} #{occ.number} and #{seen[occ.day].number} would both fall on "
                                  f"{date.fromordinal(occ.day)}: a second dose that day", file=course.path,
                                  path=f"events[{record.index}]" if record else "events", index=record.index if record else None, field="date")
            seen[occ.day] = occ


def _given(activity: Activity, occ: Occ, planned: Dose, warnings: list[str]) -> Dose:
    """The dose as recorded, beside the planned one; more than DOSE_TOLERANCE % off is a warning naming both."""
    amount = round(occ.given_dose, 2)
    if abs(amount - planned.amount) < 0.005:
        return planned
    off = (amount - planned.amount) / planned.amount * 100 if planned.amount else float("inf")
    text = f"{format_number(amount)} {planned.unit} given, {off:+.1f}% from the planned {format_number(planned.amount)} {planned.unit}"
    if abs(off) > DOSE_TOLERANCE:
        warnings.append(f"{activity.name} #{occ.number} on {date.fromordinal(occ.day)}: {text} "
                        f"(more than {format_number(DOSE_TOLERANCE)}% off)")
    return planned._replace(amount=amount, planned=planned.amount, derivation=(f"given: {text}", *planned.derivation))


