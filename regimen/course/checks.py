"""One set of rules for what a course may record, whichever way it enters: ``regimen record``, a
hand-edited course file, or the library. ``validate`` reports the first broken rule, located by
the event's place in the file; ``record`` names the option instead.

The rules:

* measurements are plausible (weight 20–350 kg, height 100–250 cm) and not in the future;
* nothing is dated before day 0 (prior events and findings may be: they are not treatment records); nothing that happened (given, a measurement, a lab) is dated
  after today — a reschedule, a hold, a level or a discontinuation may be planned ahead;
* an event is about an activity of the arm *as chosen* (camrelizumab cannot be given where the
  course's choices give sintilimab: the message names the choice to set);
* a dose is recorded only for a drug; a level only for a drug with dose levels, and one it has;
  confirmed / ruled out only for a conditional event, never both;
* an occurrence is settled (given or skipped) once; a dose is not given twice on one day, not
  inside a hold, not after a discontinuation, and not into a reschedule's hold.
"""

from __future__ import annotations

from datetime import date

from ..errors import InputError, ProtocolError
from ..model import Activity, Arm, Protocol
from ..plan import taken_at_home
from .file import Course, Record

__all__ = ["CourseError", "validate"]


class CourseError(ProtocolError):
    """A recorded event that breaks one of the course rules; ``index`` is its place among the events."""

    def __init__(self, message: str, *, file: str = "", path: str = "", index: int | None = None, field: str = "") -> None:
        self.index, self.field = index, field
        super().__init__(message, file=file, path=path)


def _fail(course: Course, record: Record | None, field: str, message: str) -> CourseError:
    path = f"events[{record.index}]" + (f".{field}" if field else "") if record is not None else field
    return CourseError(message, file=course.path, path=path, index=record.index if record is not None else None, field=field)


def validate(course: Course, protocol: Protocol, today: date | None = None) -> None:
    """Raise CourseError for the first record that breaks a rule (see the module's doc)."""
    from ..inputs import within_bounds

    arm = protocol.arm(course.arm)
    for index, m in enumerate(course.measurements):
        for kind in ("weight", "height"):
            value = getattr(m, kind)
            if value is not None:
                try:
                    within_bounds(value, kind, kind)
                except InputError as exc:
                    raise CourseError(exc.detail, file=course.path, path=f"measurements[{index}].{kind}") from None
        if today is not None and m.date > today:
            raise CourseError(f"{m.date} is after today ({today}): a measurement is recorded once it is made",
                              file=course.path, path=f"measurements[{index}].date")
    for index, lab in enumerate(course.labs):
        if today is not None and lab.date > today:
            raise CourseError(f"{lab.date} is after today ({today}): a lab result is recorded once it is known",
                              file=course.path, path=f"labs[{index}].date")
    for table, items in (("prior", course.priors), ("findings", course.findings)):
        for item in items:
            last = getattr(item, "last", None) or item.date
            if today is not None and last > today:
                raise CourseError(f"{last} is after today ({today}): {item.describe()} is recorded once it has happened",
                                  file=course.path, path=f"{table}[{item.index}].{'to' if getattr(item, 'first', last) != last else 'date'}")
    included = _included(protocol, arm, course)
    seen: list[Record] = []
    for record in course.records:
        _check_record(course, protocol, arm, included, record, seen, today)
        seen.append(record)


def _included(protocol: Protocol, arm: Arm, course: Course) -> dict[str, Activity]:
    chosen = {name: value for name, (value, _) in protocol.resolve_choices(arm, dict(course.choices)).items()}
    return {a.id: a for a in arm.activities if a.applies(chosen)}


def _check_record(course: Course, protocol: Protocol, arm: Arm, included: dict[str, Activity], record: Record,
                  earlier: list[Record], today: date | None) -> None:
    activity = arm.activity(record.activity)
    if activity.id not in included:
        needs = "; ".join(f"{name} = {' or '.join(values)}" for name, values in activity.when)
        chosen = ", ".join(f"{k} = {v}" for k, v in course.choices) or "the documented defaults"
        same = [a.id for a in included.values() if activity.drug and a.drug == activity.drug]
        hint = f"; with these choices this drug is {' or '.join(same)}" if same else ""
        raise _fail(course, record, "activity", f"{activity.name} is not part of this course's plan with {chosen}; "
                                                f"it applies when {needs} (set it under [choices]){hint}")
    when = record.date
    if when is not None and when < course.start:
        raise _fail(course, record, "date", f"{when} is before the course started (day 0 = {course.start})")
    if record.until is not None and record.type != "held" and not taken_at_home(activity):
        raise _fail(course, record, "from", f"{activity.name} is not taken at home: record each dose with --date (and --occurrence)")
    last = record.until or when
    if record.type == "given" and today is not None and last is not None and last > today:
        raise _fail(course, record, "to" if record.until else "date",
                    f"{last} is after today ({today}): record a dose once it is given, or record rescheduled to plan it")
    if record.dose is not None and activity.kind != "drug":
        raise _fail(course, record, "dose", f"{activity.name} is a {activity.kind}, not a drug: it has no dose to record")
    if record.dose is not None:
        from ..protocol.plausible import check as plausible

        finding = plausible("flat", record.dose)
        if finding is not None:
            hint = "; a dose not given is recorded as skipped" if record.dose <= 0 else ""
            raise _fail(course, record, "dose", f"a recorded dose of {finding.message}{hint}")
    if record.type == "level":
        _check_level(course, activity, record)
    if record.type == "ae" and activity.kind != "drug":
        raise _fail(course, record, "activity", f"{activity.name} is a {activity.kind}: an adverse event is recorded against the drug it is attributed to")
    if record.type == "ae" and today is not None and when is not None and when > today:
        raise _fail(course, record, "date", f"{when} is after today ({today}): an adverse event is recorded once it happens")
    if record.type in ("confirmed", "ruled_out") and activity.condition is None:
        raise _fail(course, record, "type", f"{activity.name} is not conditional: only a conditional event can be confirmed or ruled out")
    mine = [r for r in earlier if r.activity == record.activity]
    _check_against(course, activity, record, mine)


def _check_level(course: Course, activity: Activity, record: Record) -> None:
    spec = activity.dose
    if spec is None or not spec.reducible:
        raise _fail(course, record, "level", f"{activity.name} has no dose levels (dose: {spec.describe() if spec else 'none'})")
    weight = course.measured("weight", course.start) or next(((w, d) for d, w in course.weights()), None)
    bands = [spec.band_for(weight[0].value)] if spec.bands and weight is not None else spec.bands  # the band fixed at the start
    count = len(spec.levels) if spec.levels else min(len(band.levels) for band in bands)
    if not 1 <= (record.level or 0) <= count:
        raise _fail(course, record, "level", f"{activity.name} has dose levels 1 to {count} (1 = {spec.describe().split(' → ')[0]}, "
                                             f"the highest); got {record.level}")


DONE = ("given", "skipped")


def _span(record: Record) -> str:
    return f"from {record.date} to {record.until}" if record.until else f"on {record.date}"


def _overlap(a: Record, b: Record) -> bool:
    return a.date <= (b.until or b.date) and b.date <= (a.until or a.date)


def _held_span(hold: Record, earlier: list[Record]) -> Record:
    """A hold with its last day: a hold until recovery ends the day before the first later restart (else it runs on)."""
    if not hold.open:
        return hold
    from .walk import open_end

    return hold._replace(until=date.fromordinal(open_end(hold, earlier)))


def _check_against(course: Course, activity: Activity, record: Record, earlier: list[Record]) -> None:
    """The record against the same activity's earlier records."""
    name, when = activity.name, record.date
    for old in earlier:
        if old.type == "held" and record.type in ("given", "rescheduled") and when and _overlap(record, _held_span(old, earlier)):
            if old.open:
                raise _fail(course, record, "from" if record.until else "date",
                            f"{activity.id} is held from {old.date} until recovery ({old.reason or 'no reason given'}; resume when {old.resume}): "
                            "no dose inside a hold; record restarted on the day it resumes first")
            raise _fail(course, record, "from" if record.until else "date",
                        f"{activity.id} is held from {old.date} to {old.until} ({old.reason or 'no reason given'}): no dose inside a hold; "
                        "to end the hold earlier, record undo and record it again with the real last day")
        if record.type == old.type == "rescheduled" and record.occurrence == old.occurrence and when == old.date:
            raise _fail(course, record, "date", f"{name} #{record.occurrence or 1} is already rescheduled to {when}")
        if old.type == "discontinued" and record.type in ("given", "rescheduled", "level", "skipped") and when and when >= old.date:
            restarted = any(r.type == "restarted" and r.date and old.date <= r.date <= when for r in earlier)
            if not restarted:
                raise _fail(course, record, "date", f"{activity.id} was discontinued on {old.date}; record restarted before anything after that")
        if {old.type, record.type} == {"confirmed", "ruled_out"}:
            raise _fail(course, record, "type", f"{name} is already recorded as {old.type}; it cannot also be {record.type}")
        if old.type == "skipped" and record.type == "confirmed" and old.occurrence in (None, record.occurrence or 1):
            raise _fail(course, record, "type", f"{name} is already recorded as skipped; it cannot also be confirmed")
        if record.type in DONE and old.type in DONE and (record.until or old.until) and when and old.date and _overlap(record, old):
            raise _fail(course, record, "from", f"{name} is already recorded as {old.type} {_span(old)}, which overlaps {_span(record)}")
        if record.type == old.type == "given" and when == old.date:
            which = f" #{old.occurrence}" if old.occurrence else ""
            raise _fail(course, record, "date", f"{name}{which} is already recorded as given on {when}; the same dose is never recorded twice")
        if (record.type in ("given", "skipped") and old.type in ("given", "skipped") and record.occurrence is not None
                and old.occurrence == record.occurrence):
            raise _fail(course, record, "occurrence", f"{name} #{record.occurrence} is already recorded as {old.type} ({old.date or 'no date'})")
    if record.type == "held":
        for old in earlier:
            if old.type == "rescheduled" and old.date and record.date <= old.date <= record.until:
                raise _fail(course, record, "from", f"{name} is rescheduled to {old.date}, inside this hold "
                                                    f"({record.date} to {record.until}); reschedule it first")
