"""Screening: a course's recorded labs, findings and prior events against its protocol's screening
rules, and the range of day 0 on which every time window holds.

Readings (each protocol states them as its assumptions, and the screen warns about them):

* "within S before day 0" holds for an event on day e when ``day 0 − S ≤ e ≤ day 0``: the boundary
  day is included. So a test on 11-24 that must be "within seven days" allows day 0 up to 12-01,
  and radiotherapy whose last day was 11-10, with "no radiotherapy within 3 weeks", allows day 0
  only from 12-02 (on 12-01 the last day is exactly 3 weeks before, still within).
* A treatment over days counts from its last day; a rule with ``min_days`` (aspirin "for 10 days
  within 2 weeks") excludes only when that many days of the treatment fall in the window.
* A week is 7 days; a month is a calendar month (12-31 minus 1 month is 11-30).
* Without a recorded prior event of a type, its exclusion is met ("none recorded"); a required test
  or lab that is not recorded is missing.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import NamedTuple

from ..protocol.screening import Rule, Span

__all__ = ["Result", "Screen", "Task", "before_day0", "score_inputs", "screen"]


class Result(NamedTuple):
    rule: Rule
    status: str  # met, not met, missing
    detail: str  # the values and dates used, and the reading of the boundary
    earliest: date | None = None  # the earliest day 0 this rule allows
    latest: date | None = None  # the latest day 0 this rule allows
    unrecorded: bool = False  # an exclusion met only because no such prior event is recorded


class Screen(NamedTuple):
    patient: str
    protocol: object
    arm: str
    day0: date
    today: date
    results: tuple[Result, ...]
    earliest: date | None
    latest: date | None
    warnings: tuple[str, ...]

    @property
    def met(self) -> bool:
        return all(r.status == "met" for r in self.results)


def screen(course, today: date | None = None, *, protocol=None, protocol_dirs=()) -> Screen:
    """Every screening rule of the course's protocol, evaluated from what the course records up to ``today``."""
    from .. import inputs
    from ..course.file import Course
    from ..errors import InputError
    from ..loader import load_protocol

    if not isinstance(course, Course):
        raise InputError("course", f"expected a Course (regimen.load_course), got {type(course).__name__}")
    today = inputs.parse_date(today, "today") if today is not None else inputs.today()
    protocol = protocol or load_protocol(course.protocol, protocol_dirs)
    rules = protocol.screening.rules if protocol.screening else ()
    labs_drawn = _labs_date(course, rules, today)
    results = tuple(_evaluate(rule, course, today, labs_drawn) for rule in rules)
    earliest = max((r.earliest for r in results if r.earliest), default=None)
    latest = min((r.latest for r in results if r.latest), default=None)
    ids = dict.fromkeys([*(protocol.screening.assumptions if protocol.screening else ()), *(a for r in rules for a in r.assumptions)])
    warnings = [protocol.assumption(a).warning() for a in ids]
    unrecorded = [r.rule.id for r in results if r.unrecorded]
    if unrecorded:
        warnings.append(f"no prior event recorded for {', '.join(unrecorded)}: each counts as met; record every prior treatment "
                        "(record COURSE prior TYPE), or confirm there was none")
    if protocol.screening is None:
        warnings.append(f"{protocol.id} has no [screening] rules: nothing is checked")
    elif earliest and latest and earliest > latest:
        warnings.append(f"no day 0 satisfies every window: the earliest allowed ({earliest}) is after the latest ({latest}); "
                        "repeat the test or labs whose window ends first")
    return Screen(course.patient, protocol, course.arm, course.start, today, results, earliest, latest, tuple(warnings))


def _latest_within(span: Span, event: date) -> date:
    """The last day 0 whose window (day 0 − span to day 0, both included) still holds ``event``."""
    day = span.forward(event)
    while span.back(day + timedelta(days=1)) <= event:
        day += timedelta(days=1)
    while span.back(day) > event:
        day -= timedelta(days=1)
    return day


def _overlap(first: date, last: date, start: date, end: date) -> int:
    return max(0, (min(last, end) - max(first, start)).days + 1)


def _clear_from(span: Span, first: date, last: date, days: int) -> date | None:
    """The first day 0 whose window holds fewer than ``days`` days of the event (None: it never held that many)."""
    if (last - first).days + 1 < days:
        return None
    day = last + timedelta(days=1)
    while _overlap(first, last, span.back(day), day) >= days:
        day += timedelta(days=1)
    return day


def _labs_date(course, rules, today: date) -> date | None:
    """The draw of the screening labs: the earliest of the latest results the lab rules use."""
    used = [lab.date for rule in rules if rule.kind == "lab" and rule.criterion is not None
            if (lab := _latest_lab(course, rule.criterion.lab, today))]
    return min(used, default=None)


def _latest_lab(course, name: str, today: date):
    found = [lab for lab in course.labs if lab.name == name and lab.date <= today]
    return max(found, key=lambda lab: lab.date) if found else None


def _latest(items, today: date, key):
    found = [i for i in items if key(i) and (getattr(i, "last", None) or i.date) <= today]
    return max(found, key=lambda i: getattr(i, "last", None) or i.date) if found else None


def _evaluate(rule: Rule, course, today: date, labs_drawn: date | None) -> Result:
    return {"within": _within, "none-within": _none_within, "lab": _lab, "score": _score, "finding": _finding,
            "not-within-after": _after}[rule.kind](rule, course, today, labs_drawn)


def _within(rule: Rule, course, today: date, _labs) -> Result:
    prior = _latest(course.priors, today, lambda p: p.type == rule.event)
    who = f" (applies to {rule.applies})" if rule.applies else ""
    if prior is None:
        return Result(rule, "missing", f"no {rule.event} recorded{who}; needed within {rule.span.text()} before day 0")
    if rule.value and prior.value != rule.value:
        return Result(rule, "not met", f"{rule.event} {prior.value} on {prior.last}; needed: {rule.value}{who}")
    latest = _latest_within(rule.span, prior.last)
    status = "met" if prior.last <= course.start <= latest else "not met"
    return Result(rule, status, f"{rule.event} {prior.value or 'done'} on {prior.last}: day 0 from {prior.last} up to {latest} "
                                f"({prior.last} + {rule.span.text()}, that day included){who}", prior.last, latest)


def _none_within(rule: Rule, course, today: date, labs_drawn: date | None) -> Result:
    priors = [p for p in course.priors if p.type == rule.event and p.first <= today]
    if not priors:
        return Result(rule, "met", f"no {rule.event} recorded", unrecorded=True)
    last = max(priors, key=lambda p: p.last)
    many = f"{rule.min_days} days of it " if rule.min_days > 1 else ""
    if rule.before == "labs":
        if labs_drawn is None:
            return Result(rule, "missing", f"{rule.event} {_when(last)}; the screening labs it counts back from are not recorded")
        held = [p for p in priors if _overlap(p.first, p.last, rule.span.back(labs_drawn), labs_drawn) >= rule.min_days]
        if held:
            return Result(rule, "not met", f"{rule.event} {_when(held[-1])}: {many}within {rule.span.text()} before the labs of {labs_drawn}")
        return Result(rule, "met", f"{rule.event} {_when(last)}: not within {rule.span.text()} before the labs of {labs_drawn} (that day included)")
    clear = [(d, p) for p in priors if (d := _clear_from(rule.span, p.first, p.last, rule.min_days))]
    if not clear:
        return Result(rule, "met", f"{rule.event} {_when(last)}: fewer than {rule.min_days} days, never {many}in the window")
    earliest, prior = max(clear, key=lambda item: item[0])
    status = "met" if course.start >= earliest else "not met"
    reading = f"on {earliest - timedelta(days=1)} it is still {many}within {rule.span.text()} before day 0, the boundary day included"
    return Result(rule, status, f"{rule.event} {_when(prior)}: day 0 from {earliest} ({reading})", earliest, None)


def _when(prior) -> str:
    return f"on {prior.first}" if prior.first == prior.last else f"from {prior.first} to {prior.last}"


def _lab(rule: Rule, course, today: date, _labs) -> Result:
    from ..labs import ANALYTES, LabValue

    criterion = rule.criterion
    lab = _latest_lab(course, criterion.lab, today)
    if lab is None:
        return Result(rule, "missing", f"no {criterion.lab} recorded; needed: {criterion.describe()}"
                                       + (f" within {rule.span.text()} before day 0" if rule.span else ""))
    shown = LabValue(lab.value, lab.text).show(ANALYTES[criterion.lab])
    passes = criterion.passes(lab.value, lab.uln)
    if passes is None:
        return Result(rule, "missing", f"{criterion.lab} {shown} on {lab.date} has no ULN; {criterion.describe()} needs it")
    verdict = "passes" if passes else "fails"
    if rule.span is None:
        return Result(rule, "met" if passes else "not met", f"{criterion.describe()}: {shown} on {lab.date} {verdict} (no window stated)")
    latest = _latest_within(rule.span, lab.date)
    status = "met" if passes and lab.date <= course.start <= latest else "not met"
    return Result(rule, status, f"{criterion.describe()}: {shown} on {lab.date} {verdict}; day 0 from {lab.date} up to {latest} "
                                f"({lab.date} + {rule.span.text()}, that day included)", lab.date, latest)


def score_inputs(course, on: date, which: str) -> tuple[dict[str, str | None], list[str]]:
    """A course's latest values for a liver score up to ``on``: the inputs (None where missing) and what was used, dated."""
    values: dict[str, str | None] = {}
    used: list[str] = []
    for name, lab in (("bilirubin", "tbil"), ("albumin", "albumin"), ("inr", "inr")):
        if which == "albi" and name == "inr":
            continue
        found = _latest_lab(course, lab, on)
        values[name] = found.text if found else None
        used.append(f"{lab} {found.text} on {found.date}" if found else f"{lab} not recorded")
    if which == "child-pugh":
        for name in ("ascites", "encephalopathy"):
            found = _latest(course.findings, on, lambda f, name=name: f.name == name)
            values[name] = found.value if found else None
            used.append(f"{name} {found.value} on {found.date}" if found else f"{name} not recorded")
    return values, used


def _score(rule: Rule, course, today: date, _labs) -> Result:
    from ..clinical.scores import child_pugh

    values, used = score_inputs(course, today, "child-pugh")
    if None in values.values():
        return Result(rule, "missing", "; ".join(used))
    result = child_pugh(**values)
    ok = result.grade in rule.classes if rule.classes else result.total <= (rule.max or 0)
    wanted = f"class {' or '.join(rule.classes)}" if rule.classes else f"at most {rule.max} points"
    return Result(rule, "met" if ok else "not met", f"Child-Pugh {result.total} points, class {result.grade} (needed: {wanted}; "
                                                    f"Pugh 1973) from {'; '.join(used)}")


def _finding(rule: Rule, course, today: date, _labs) -> Result:
    found = _latest(course.findings, today, lambda f: f.name == rule.finding)
    if found is None:
        return Result(rule, "missing", f"no {rule.finding} recorded; needed: at most {rule.max}")
    ok = int(found.value) <= (rule.max or 0)
    return Result(rule, "met" if ok else "not met", f"{rule.finding} {found.value} on {found.date} (needed: at most {rule.max})")


def _after(rule: Rule, course, today: date, _labs) -> Result:
    before = _latest(course.priors, today, lambda p: p.type == rule.after)
    event = _latest(course.priors, today, lambda p: p.type == rule.event)
    if before is None or event is None:
        return Result(rule, "missing", f"needs both {rule.after} and {rule.event} recorded as prior events")
    limit = rule.span.forward(before.last)
    ok = event.first > limit
    return Result(rule, "met" if ok else "not met", f"{rule.event} on {event.first}, {rule.after} ended {before.last}: "
                                                    f"{'after' if ok else 'within'} {rule.span.text()} (to {limit}, that day included)")


class Task(NamedTuple):
    """Something to do before day 0, in its window: a test or the screening labs."""

    id: str
    what: str
    earliest: date
    latest: date
    assumptions: tuple[str, ...] = ()  # the readings the window rests on (ids of the protocol's assumptions)

    def text(self) -> str:
        return f"{self.what} between {self.earliest} and {self.latest}"

    def noted(self) -> str:
        """The text with the assumptions it rests on."""
        return self.text() + (f" (assumptions {', '.join(self.assumptions)})" if self.assumptions else "")


def before_day0(protocol, day0: date) -> tuple[Task, ...]:
    """The tests and labs a protocol's screening asks for in a window before day 0 (``within`` and
    timed lab rules), the window read as day 0 − span to day 0, both included; labs with the same window are one task."""
    rules = protocol.screening.rules if protocol.screening else ()
    common = protocol.screening.assumptions if protocol.screening else ()
    tasks = [Task(r.id, r.event.replace("-", " ") + (f" ({r.value})" if r.value else ""), r.span.back(day0), day0,
                  tuple(dict.fromkeys((*common, *r.assumptions)))) for r in rules if r.kind == "within"]
    labs: dict[Span, list[Rule]] = {}
    for rule in rules:
        if rule.kind == "lab" and rule.span is not None:
            labs.setdefault(rule.span, []).append(rule)
    tasks += [Task(f"labs-{span.count}{span.unit}", f"screening labs ({', '.join(dict.fromkeys(r.criterion.lab for r in group))})",
                   span.back(day0), day0, tuple(dict.fromkeys((*common, *(a for r in group for a in r.assumptions)))))
              for span, group in labs.items()]
    return tuple(sorted(tasks, key=lambda t: (t.earliest, t.id)))
