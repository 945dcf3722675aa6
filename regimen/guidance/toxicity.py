"""What the label asks for after an adverse event, given the course's history.

For each drug the event concerns (the attributed one, or every drug of the arm as chosen), the
drug's label file (``labels.py``) is searched for the rules that cover the event's CTCAE v5.0
term or group, its grade, its occurrence (counted from the course's earlier ``ae`` records of the
same drug that the rule covers), the current level or weight band, and any lab condition (checked
against the latest recorded labs). Every matching rule is listed; the strictest (discontinue, then
hold, then reduce, then continue; then the lower level) is the one ``apply`` records.

Nothing is invented: with no matching rule the answer says the label has no rule for the event,
and names the label's general rule (the checkpoint-inhibitor class rule) flagged, never applied.
A rule not VERIFIED works only as a flagged assumption: every answer that uses it warns.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import NamedTuple

from ..clinical.ctcae import CTCAE_VERSION, Graded, grade_value
from ..errors import InputError, LookupFailure
from ..labs import ANALYTES, LabValue
from ..model import Activity, Protocol
from ..patient import Patient
from .labels import STRICTNESS, Label, LabelRule, load_label
from .terms import LAB_TERMS, covers, specificity, term_of

__all__ = ["Answer", "DrugAnswer", "Matched", "apply_toxicity", "toxicity"]


class Matched(NamedTuple):
    """A rule that covers the event: its occurrence number, and its lab conditions said with the values."""

    rule: LabelRule
    occurrence: int
    conditions: tuple[str, ...] = ()
    met: bool = True  # False where a lab condition is not met or cannot be checked (listed, never applied)


class DrugAnswer(NamedTuple):
    drug: str
    activity: str
    name: str
    matched: tuple[Matched, ...]
    chosen: Matched | None
    action: str | None  # continue, hold, reduce, discontinue; None: no rule (or no level) to apply
    level: int | None  # the current level, 0 = the highest
    level_text: str | None
    next_level: int | None
    next_dose: str | None
    resume: str = ""
    limit: date | None = None
    earliest_resume: date | None = None  # a minimum hold's first day back
    held: str = ""  # the hold in force on the day, if any
    stopped: date | None = None  # the day the course recorded the drug discontinued, on or before the event
    said: tuple[str, ...] = ()  # the answer in words, one line each
    warnings: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()


class Answer(NamedTuple):
    patient: str
    protocol: str
    arm: str
    on: date
    term: str
    grade: int | None
    graded: Graded | None
    drugs: tuple[DrugAnswer, ...]
    version: str = CTCAE_VERSION


def toxicity(course, *, drug: str | None = None, ae: str | None = None, grade: int | None = None, lab: str | None = None,
             on: date | str | None = None, protocol_dirs=(), protocol: Protocol | None = None) -> Answer:
    """What each label asks for this event. Give ``ae`` and ``grade``, or ``lab`` (the latest recorded result of that lab
    on or before ``on`` is graded by CTCAE v5.0). ``drug`` (a drug or activity id of the arm) attributes the event."""
    from .. import inputs
    from ..course import Course

    if not isinstance(course, Course):
        raise InputError("course", f"expected a Course (regimen.load_course(path)), got {type(course).__name__}")
    day = inputs.parse_date(on, "date") if on is not None else inputs.today()
    if day < course.start:
        raise InputError("on", f"{day} is before day 0 of the course ({course.start}): an adverse event is answered from day 0 on; "
                               f"give a date on or after {course.start}")
    if protocol is None:
        from ..loader import load_protocol

        protocol = load_protocol(course.protocol, protocol_dirs)
    graded = None
    if lab is not None:
        if ae is not None or grade is not None:
            raise InputError("lab", "give --lab NAME alone (its latest result is graded), or --ae TERM with --grade N")
        graded, term, grade = _graded_lab(course, lab, day)
    else:
        if ae is None or grade is None:
            raise InputError("ae", "give --ae TERM with --grade N (CTCAE v5.0), or --lab NAME")
        if isinstance(grade, bool) or not isinstance(grade, int) or not 1 <= grade <= 5:
            raise InputError("grade", f"CTCAE v5.0 grades are 1 to 5, got {grade!r}")
        term = term_of(ae)
    activities = _drugs(course, protocol, drug)
    answers = tuple(_tied(protocol.arm(course.arm), _answer(course, protocol, a, term, grade, day)) for a in activities)
    return Answer(course.patient, protocol.id, course.arm, day, term, grade, graded, answers)


def _graded_lab(course, lab: str, day: date) -> tuple[Graded, str, int]:
    if lab not in LAB_TERMS:
        raise LookupFailure("lab to grade (--lab)", lab, LAB_TERMS)
    found = [x for x in course.labs if x.name == lab and x.date <= day]
    if not found:
        raise InputError("lab", f"the course records no {lab} result on or before {day}; record lab {lab} first, or give --ae and --grade")
    latest = max(found, key=lambda x: x.date)
    base = [x for x in course.labs if x.name == lab and x.date <= course.start]
    baseline = LabValue(max(base, key=lambda x: x.date).value, max(base, key=lambda x: x.date).text) if base and latest.uln else None
    uln = LabValue(latest.uln, f"{latest.uln} {ANALYTES[lab].unit}") if latest.uln else None
    if baseline is not None and baseline.value == latest.value:
        baseline = None
    graded = grade_value(lab, LabValue(latest.value, latest.text), uln=uln, baseline=baseline)
    if graded.grade is None or graded.grade == 0:
        raise InputError("lab", f"{lab} {latest.text} on {latest.date}: {graded.band}; no adverse event to act on")
    return graded._replace(derivation=(f"{lab} recorded {latest.date}", *graded.derivation)), LAB_TERMS[lab], graded.grade


def _drugs(course, protocol: Protocol, drug: str | None) -> list[Activity]:
    arm = protocol.arm(course.arm)
    chosen = {name: value for name, (value, _) in protocol.resolve_choices(arm, dict(course.choices)).items()}
    drugs = [a for a in arm.activities if a.kind == "drug" and a.drug and a.applies(chosen)]
    if drug is None:
        return drugs
    found = [a for a in drugs if drug in (a.id, a.drug)]
    if not found:
        raise LookupFailure(f"drug of this course's arm {arm.id}", drug, sorted({a.drug for a in drugs} | {a.id for a in drugs}))
    return found


def _answer(course, protocol: Protocol, activity: Activity, term: str, grade: int, day: date) -> DrugAnswer:
    label = load_label(activity.drug or "")
    name = activity.name
    if label is None:
        return DrugAnswer(activity.drug or "", activity.id, name, (), None, None, None, None, None, None,
                          said=(f"no label file for {activity.drug}: the package holds no rules for it",))
    stopped = min((r.date for r in course.for_activity(activity.id) if r.type == "discontinued" and r.date and r.date <= day), default=None)
    if stopped is not None:
        return DrugAnswer(activity.drug or "", activity.id, name, (), None, None, None, None, None, None, stopped=stopped,
                          said=(f"{name}: already discontinued on {stopped} in this course: no action to recommend",))
    earlier = [r for r in course.records if r.type == "ae" and r.activity == activity.id and r.date and r.date <= day]
    patient = _patient(course)
    level, level_text, band = _level(course, protocol, activity, patient, day)
    matched = tuple(m for rule in label.rules if (m := _match(rule, term, grade, earlier, level_text, band, course, day)) is not None)
    usable = [m for m in matched if m.met]
    # the most specific rules first (a label's exception for one event beats its rule for any event), then the strictest
    chosen = max(usable, key=lambda m: (specificity(m.rule.event), STRICTNESS[m.rule.action], _drop(m.rule, activity, level, patient) or 0,
                                        m.rule.min_hold or 0), default=None)
    held = _held(course, activity, day)
    base = DrugAnswer(activity.drug or "", activity.id, name, matched, chosen, None, level, level_text, None, None, held=held,
                      sources=tuple(dict.fromkeys(label.reference(m.rule.source).citation() for m in matched if label.reference(m.rule.source))))
    if chosen is None:
        return _no_rule(base, label, term, grade)
    return _decide(base, label, chosen, activity, patient, course, day)


def _tied(arm, found: DrugAnswer) -> DrugAnswer:
    """A hold or stop also moves what the protocol times after the drug (bevacizumab "+0d after each atezolizumab"): said, flagged."""
    if found.action not in ("hold", "discontinue"):
        return found
    tied = [a.name for a in arm.activities if a.kind == "drug" and a.id != found.activity and a.anchor == found.activity]
    if not tied:
        return found
    names = " and ".join(tied)
    return found._replace(warnings=(*found.warnings, f"{names} {'is' if len(tied) == 1 else 'are'} timed after each {found.name} in this "
                                    f"protocol: the plan holds or stops {'it' if len(tied) == 1 else 'them'} with {found.name}, though "
                                    f"this rule is {found.name}'s alone; check what the protocol says for {names}"))


def _patient(course) -> Patient:
    weight = course.measured("weight", course.start) or next(((w, d) for d, w in course.weights()), None)
    return Patient.from_measurements(weight[0].text, prefix="measurements.")


def _levels(activity: Activity, patient: Patient) -> tuple:
    spec = activity.dose
    if spec is None or not spec.reducible:
        return ()
    return spec.levels if spec.levels else spec.band_for(patient.weight_kg).levels


def _level(course, protocol: Protocol, activity: Activity, patient: Patient, day: date) -> tuple[int | None, str | None, str | None]:
    """The level in force on ``day`` (0 = the highest), its text, and the weight band at the start."""
    spec = activity.dose
    if spec is None or not spec.reducible:
        return None, None, None
    ladder = _levels(activity, patient)
    start = 0
    if spec.choice:
        picked = dict(course.choices).get(spec.choice) or protocol.choice(spec.choice).default
        start = spec.index_of(picked) or 0
    changes = sorted((r.date, r.level - 1) for r in course.for_activity(activity.id) if r.type == "level" and r.date and r.date <= day)
    level = changes[-1][1] if changes else start
    band = spec.band_for(patient.weight_kg).describe() if spec.bands else None
    return level, str(ladder[level]) if level < len(ladder) else None, band


def _match(rule: LabelRule, term: str, grade: int, earlier, level_text, band, course, day: date) -> Matched | None:
    if not covers(rule.event, term) or (rule.grades and grade not in rule.grades):
        return None
    if rule.band is not None and rule.band != band:
        return None
    if rule.at_level is not None and (level_text is None or _compact(rule.at_level) != _compact(level_text)):
        return None
    count = 1 + sum(1 for r in earlier if covers(rule.event, r.term) and (not rule.grades or r.grade in rule.grades))
    if (rule.occurrence == "first" and count != 1) or (rule.occurrence == "recurrent" and count < 2) or (
            isinstance(rule.occurrence, int) and count != rule.occurrence):
        return None
    said, met = [], True
    for labs, criterion in rule.when:
        results = [(lab, course.latest_lab(lab, day, 366)) for lab in labs]
        checked = [(lab, x, criterion._replace(lab=lab).passes(x.value, x.uln)) for lab, x in results if x is not None]
        ok = any(result for _, _, result in checked)
        met = met and ok
        shown = "; ".join(f"{lab} {x.text} on {x.date}" + ("" if result is not None else " (no ULN recorded)") for lab, x, result in checked)
        said.append(f"{' or '.join(labs)} {criterion.describe().split(' ', 1)[1]}: " + (f"{'met' if ok else 'not met'} ({shown})" if checked
                                                                                         else "no result recorded: cannot be checked"))
    return Matched(rule, count, tuple(said), met)


def _drop(rule: LabelRule, activity: Activity, level: int | None, patient: Patient) -> int | None:
    """The level the rule leads to (an index; past the ladder's end means no level left), or None where it keeps the level."""
    if rule.to in (None, "same") and rule.action != "reduce":
        return None
    current = level or 0
    if rule.to in (None, "lower"):
        return current + 1
    ladder = _levels(activity, patient)
    named = next(i for i, lv in enumerate(ladder) if _compact(str(lv)) == _compact(rule.to))
    return max(named, current)  # never an escalation: a named level above the current one keeps the current


def _decide(base: DrugAnswer, label: Label, chosen: Matched, activity: Activity, patient: Patient, course, day: date) -> DrugAnswer:
    rule = chosen.rule
    warnings = [] if rule.verified else [f"{base.name}: rule {rule.id} is {rule.status} (source {rule.source}): used as a flagged "
                                         "assumption; check the label"]
    said = [f"{base.name}: {_phrase(rule)} (rule {rule.id}, occurrence {chosen.occurrence})", f"  label: \"{rule.quote}\""]
    if rule.note:
        said.append(f"  note: {rule.note}")
    action, drop, next_dose = _levelled(base, label, rule, activity, patient, day, said)
    if action != rule.action:  # the level step changed what is done: the headline says what is done, and why
        why = f"{base.level_text} is the lowest level, none lower" if _levels(activity, patient) else "no dose levels in this protocol"
        said[0] = (f"{base.name}: {_WORDS[action] if action else 'decide and record it'} ({why}; the rule asks: {_phrase(rule)}) "
                   f"(rule {rule.id}, occurrence {chosen.occurrence})")
    if action is None:
        return base._replace(said=tuple(said), warnings=tuple(warnings))
    limit = earliest = None
    if action == "hold":
        limit, earliest = _hold_said(rule, course, activity, day, said)
    if base.held:
        said.append(f"  already {base.held}: the stricter of the two applies")
    said += [f"  also matches: {_phrase(m.rule)} (rule {m.rule.id})" + ("" if m.met else f" — not applied: {'; '.join(m.conditions)}")
             for m in base.matched if m is not chosen]
    said += [f"  condition: {c}" for c in chosen.conditions]
    return base._replace(action=action, next_level=drop, next_dose=next_dose, resume=rule.resume if action == "hold" else "",
                         limit=limit, earliest_resume=earliest, said=tuple(said), warnings=tuple(warnings))


def _levelled(base: DrugAnswer, label: Label, rule: LabelRule, activity: Activity, patient: Patient, day: date,
              said: list[str]) -> tuple[str | None, int | None, str | None]:
    """The action after the level step: past the lowest level, the label's own word for it (or None: no rule); the new level and its dose."""
    ladder = _levels(activity, patient)
    drop = _drop(rule, activity, base.level, patient)
    if drop is not None and drop == (base.level or 0):
        drop = None  # "restart at 120 mg" when already at 120 mg: the level stays
    if drop is not None and not ladder:
        said.append(f"  this protocol gives {activity.name} no dose levels ({activity.dose.describe() if activity.dose else 'no dose'}): "
                    "the label's reduction cannot be planned; decide and record it")
        return None, None, None
    if drop is not None and drop >= len(ladder):
        lowest = next((low for low in label.lowest if low.band in (None, _band(activity, patient))), None)
        if lowest is None:
            said.append(f"  no lower level: {base.level_text} is the lowest for this patient, and the label states no step below it; "
                        "decide and record it (record discontinued or held)")
            return None, None, None
        said.append(f"  {base.level_text} is the lowest level: \"{lowest.quote}\" ({lowest.source}, {lowest.status}) → {lowest.action}")
        return lowest.action, None, None
    if drop is not None and activity.dose is not None:
        next_dose = activity.dose.compute(patient, level=drop, drug=activity.name).text
        from ..notation import format_pattern

        if ladder[drop].pattern is not None and not next_dose.endswith(format_pattern(ladder[drop].pattern)):
            next_dose = f"{next_dose} {format_pattern(ladder[drop].pattern)}"
        said.append(f"  level {(base.level or 0) + 1} ({base.level_text}) → level {drop + 1} ({next_dose})"
                    + (" when it resumes" if rule.action == "hold" else f" from {day}"))
        return rule.action, drop, next_dose
    if base.level_text is not None and rule.action in ("hold", "continue"):
        said.append(f"  level stays {(base.level or 0) + 1} ({base.level_text})")
    return rule.action, None, None


def _hold_said(rule: LabelRule, course, activity: Activity, day: date, said: list[str]) -> tuple[date | None, date | None]:
    """The resume condition, the earliest resume day of a minimum hold, and the day the time limit expires."""
    said.append(f"  resume when: {rule.resume}")
    limit = earliest = None
    if rule.min_hold:
        earliest = day + timedelta(days=rule.min_hold)
        said.append(f"  hold at least {rule.min_hold} days: resume on {earliest} at the earliest")
    if rule.limit:
        start = _last_dose(course, activity, day) if rule.limit_from == "last dose" else day
        limit = start + timedelta(days=rule.limit)
        span = f"{rule.limit // 7} weeks" if rule.limit % 7 == 0 else f"{rule.limit} days"
        said.append(f"  time limit: {span} from the {rule.limit_from} ({start}): without recovery by {limit}, the label asks to {rule.after_limit}")
    return limit, earliest


def _no_rule(base: DrugAnswer, label: Label, term: str, grade: int) -> DrugAnswer:
    said = [f"{base.name}: the label has no rule for {term} grade {grade}" + (f" ({label.none})" if label.none else "")]
    said += [f"  listed, not applied: {_phrase(m.rule)} (rule {m.rule.id}): {'; '.join(m.conditions)}" for m in base.matched]
    warnings = []
    if label.general is not None:
        said.append(f"  general rule, flagged (not this label's, never applied): {label.general.text} ({label.general.source})")
        warnings.append(f"{base.name}: no label rule for {term} grade {grade}; only a general rule is named, flagged: decide and record it")
    return base._replace(said=tuple(said), warnings=tuple(warnings))


_WORDS = {"continue": "continue", "hold": "hold", "reduce": "reduce", "discontinue": "discontinue permanently"}  # what is done


def _phrase(rule: LabelRule) -> str:
    words = _WORDS[rule.action]
    if rule.action == "hold" and rule.to == "lower":
        words += ", then one level lower"
    elif rule.to not in (None, "same", "lower"):
        words += f" to {rule.to}" if rule.action == "reduce" else f", then at {rule.to}"
    elif rule.action == "reduce":
        words += " one level"
    return words


def _band(activity: Activity, patient: Patient) -> str | None:
    spec = activity.dose
    return spec.band_for(patient.weight_kg).describe() if spec is not None and spec.bands else None


def _last_dose(course, activity: Activity, day: date) -> date:
    given = [r.until or r.date for r in course.for_activity(activity.id) if r.type == "given" and r.date and r.date <= day]
    return max(given, default=day)


def _held(course, activity: Activity, day: date) -> str:
    from ..course.walk import open_end

    records = course.for_activity(activity.id)
    for r in records:
        if r.type == "held" and r.date and r.date <= day:
            end = r.until or date.fromordinal(open_end(r, records))
            if day <= end:
                return f"held from {r.date} " + (f"to {r.until}" if r.until else "until recovery") + (f" ({r.reason})" if r.reason else "")
    return ""


def _compact(text: str) -> str:
    return "".join(text.split()).lower()


def apply_toxicity(path, answer: Answer, *, today: date | None = None, protocol_dirs=()):
    """Record the answer in the course file: the ``ae`` and what the chosen rule does (``held`` until recovery with its
    resume condition and time limit, a ``level``, or ``discontinued``), each naming the rule; one group, written under
    the course's lock after every course rule and a re-plan pass (``course.record_group``). ``undo`` takes it back whole."""
    from pathlib import Path

    from ..course.file import parse_course, read_course_text
    from ..course.record import record_group
    from ..course.store import record_text

    if len(answer.drugs) != 1:
        raise InputError("drug", _unattributed(answer.drugs))
    found = answer.drugs[0]
    if found.stopped is not None:
        raise InputError("apply", f"{found.name} is already discontinued in this course (on {found.stopped}); nothing is recorded")
    if found.chosen is None or found.action is None:
        raise InputError("apply", f"{found.name}: the label has no rule to apply here; nothing is recorded. Record what was decided "
                                  "with record held, level or discontinued (and its reason)")
    course = parse_course(read_course_text(Path(path)), str(path))
    group = f"ae-{answer.on}-{sum(1 for r in course.records if r.type == 'ae') + 1}"
    rule = f"{found.drug}/{found.chosen.rule.id}"
    status = found.chosen.rule.status
    flagged = "" if status == "VERIFIED" else f" ({status}: a flagged assumption, check the label)"
    reason = f"label rule {rule}{flagged}: {answer.term} grade {answer.grade}"
    blocks = [record_text("ae", found.activity, when=answer.on, extra={"term": answer.term, "grade": answer.grade, "group": group})]
    if found.action == "hold":
        blocks.append(record_text("held", found.activity, first=answer.on, reason=reason,
                                  extra={"resume": found.resume, "limit": found.limit, "rule": rule, "group": group}))
    if found.next_level is not None and found.action in ("hold", "reduce"):
        blocks.append(record_text("level", found.activity, when=answer.on, level=found.next_level + 1, reason=reason,
                                  extra={"rule": rule, "group": group}))
    if found.action == "discontinue":
        blocks.append(record_text("discontinued", found.activity, when=answer.on, reason=reason, extra={"rule": rule, "group": group}))
    return record_group(path, blocks, today=today, around=answer.on, protocol_dirs=protocol_dirs)


def _unattributed(drugs: tuple[DrugAnswer, ...]) -> str:
    """Each drug named once; a drug given as several activities (a bolus and an infusion) names its activity ids."""
    ids = {drug: [d.activity for d in drugs if d.drug == drug] for drug in dict.fromkeys(d.drug for d in drugs)}
    names = ", ".join(drug if len(acts) == 1 else f"{drug} (as {' or '.join(acts)})" for drug, acts in ids.items())
    return f"the event is not attributed: the arm gives {names}; give --drug (a drug, or an activity id) to say which it is attributed to"
