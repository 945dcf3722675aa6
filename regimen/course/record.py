"""The course workflow as library calls: start a course, record what happened, take the last
record back, and move a course to a new protocol version. The CLI's ``course`` and ``record``
commands are thin layers over these.

Every record is resolved before it is written: a dose without an occurrence number gets the one
it is about (see ``replan``), so the file says exactly what was meant; then the new course must
pass every course rule and re-plan, or nothing is written.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import NamedTuple

from ..errors import InputError
from ..model import Protocol
from ..plan import Plan, taken_at_home
from ..units import format_number
from .checks import CourseError
from .file import PSEUDONYM, Course, Pin, parse_course
from .replan import replan
from .store import record_text, rewrite, stamped

__all__ = ["Recorded", "digest", "fingerprint", "migrate", "new_course", "occurrence_for", "record", "record_group", "undo"]

DIGEST_WEEKS = 4
_OPTION = {"date": "--date", "from": "--from", "to": "--to", "occurrence": "--occurrence", "dose": "--dose", "level": "--level",
           "activity": "ACTIVITY", "type": "TYPE"}


class Recorded(NamedTuple):
    """What a record call did: the block written, the course after it, and what changed in the next weeks."""

    block: str
    course: Course
    changes: tuple[str, ...]
    warnings: tuple[str, ...] = ()  # plan warnings the record brought (a late start, a stop, a dose far off)


def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def fingerprint(protocol: Protocol) -> Pin:
    """The protocol's version, a hash of its file, and a short hash of each activity's rule and dose."""
    from ..notation import format_rule

    text = Path(protocol.path).read_bytes() if protocol.path else repr(protocol).encode()
    activities = {}
    for arm in protocol.arms:
        for activity in arm.activities:
            spec = activity.dose.describe() if activity.dose else ""
            gates = ",".join(g.describe() for g in activity.gates)
            key = f"{format_rule(activity.rule)}|{spec}|{gates}|{activity.gate_lookback}|{activity.max_delay}|{activity.on_delay}"
            activities[f"{arm.id}.{activity.id}"] = hashlib.sha256(key.encode()).hexdigest()[:12]
    return Pin(protocol.version, hashlib.sha256(text).hexdigest(), tuple(sorted(activities.items())))


def pin_text(pin: Pin) -> str:
    rows = "\n".join(f"{_q(k)} = {_q(v)}" for k, v in pin.activities)
    return f"[pin]\nversion = {_q(pin.version)}\nsha256 = {_q(pin.sha256)}\n\n[pin.activities]\n{rows}\n"


def new_course(path: str | Path, *, protocol: str, arm: str, start: date | str, weight: str, height: str | None = None,
               patient: str | None = None, choices: Mapping[str, str] | None = None, weighed: date | str | None = None,
               protocol_dirs=()) -> Course:
    """Write a new course file (never over an existing one) after checking it makes a plan."""
    import os
    import secrets

    from ..inputs import parse_date, parse_height, parse_weight, within_bounds
    from ..loader import load_protocol

    path = Path(path)
    pseudonym = patient if patient is not None else path.stem
    if not PSEUDONYM.fullmatch(pseudonym):
        raise InputError("patient", f"{pseudonym!r} is not a pseudonym: use letters, digits, '.', '_' and '-' (at most 64, no spaces), "
                                    "never a name; name the file after the pseudonym or give --patient")
    day0 = parse_date(start, "start")
    when = parse_date(weighed, "weighed") if weighed else day0
    within_bounds(parse_weight(weight), "weight", "weight")  # the option named, before the file is built
    if height is not None:
        within_bounds(parse_height(height), "height", "height")
    the_protocol = load_protocol(protocol, protocol_dirs)
    lines = [f"patient = {_q(pseudonym)}", f"protocol = {_q(the_protocol.id)}", f"arm = {_q(arm)}", f"start = {day0}",
             f"calendar = {_q(secrets.token_hex(16))}"]
    if choices:
        lines += ["", "[choices]", *(f"{name} = {_q(value)}" for name, value in choices.items())]
    lines += ["", pin_text(fingerprint(the_protocol)).rstrip(), "", "[[measurements]]", f"date = {when}", f"weight = {_q(weight)}"]
    if height is not None:
        lines.append(f"height = {_q(height)}")
    text = stamped("\n".join(lines) + "\n", 1)
    course = parse_course(text, str(path))
    replan(course, protocol=the_protocol)  # every check a plan makes, before anything is written
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        raise InputError("FILE", f"{str(path)!r} exists; a course is never overwritten (use regimen record to add to it)") from None
    except OSError as exc:
        raise InputError("FILE", f"cannot create {str(path)!r}: {exc.strerror}") from None
    with os.fdopen(fd, "w", encoding="utf-8") as stream:
        stream.write(text)
    return course


def record(path: str | Path, kind: str, activity: str | None = None, *, when: date | None = None, first: date | None = None,
           last: date | None = None, occurrence: int | None = None, dose: str | None = None, level: int | None = None,
           reason: str | None = None, value: str | None = None, uln: str | None = None, today: date | None = None,
           protocol_dirs=(), planned: bool = False) -> Recorded:
    """Append one record to a course file, resolved, checked and written atomically.

    A dose without ``occurrence`` gets the number it is about (see :func:`occurrence_for`), and a
    given dose without ``dose`` gets the planned amount written beside it, so the file keeps what
    was given even if a later weight or protocol change would plan another dose. A ``surgery``
    (no activity) is done on ``when``, or still ``planned``: it holds each drug for its washout.
    """
    from .. import inputs
    from ..loader import load_protocol

    today = today or inputs.today()
    _check_values(kind, activity, value, uln, dose)
    if kind == "surgery" and (activity or when is None):
        raise InputError("--date" if when is None else "ACTIVITY", "a surgery takes --date (and --planned while it is to come), "
                                                                   "no activity: it holds every drug by its washout")
    if planned and kind != "surgery":
        raise InputError("--planned", f"does not apply to a {kind} record (only to surgery)")
    ahead = planned  # ``planned`` below is a dose
    holder: dict = {}

    def change(old: str) -> str:
        course = parse_course(old, str(path))
        protocol = load_protocol(course.protocol, protocol_dirs)
        number, amount = occurrence, dose
        if kind in ("given", "skipped", "rescheduled") and first is None:
            number, planned = occurrence_for(course, protocol, kind, activity, when, occurrence)
            if amount is None and kind == "given" and planned is not None:
                amount = f"{format_number(planned)} mg"
        block = record_text(kind, activity, when=when, first=first, last=last, occurrence=number, dose=amount, level=level,
                            reason=reason, value=value, uln=uln, planned=ahead)
        holder.update(block=block, protocol=protocol, before=course)
        return old + ("" if old.endswith("\n") else "\n") + block

    def check(before: Course, after: Course) -> None:
        try:
            holder["after_plan"] = replan(after, today=today, protocol=holder["protocol"], horizon=_digest_end(today, after))
        except CourseError as exc:
            if exc.index is not None and exc.index == len(after.records) - 1 and len(after.records) > len(before.records):
                raise InputError(_OPTION.get(exc.field, exc.field or "record"), exc.message) from None
            raise

    course = rewrite(path, change, check)
    before = replan(holder["before"], today=today, protocol=holder["protocol"], horizon=_digest_end(today, course))
    after = holder["after_plan"]
    return Recorded(holder["block"], course, tuple(digest(before, after, when or first or today)), _new_warnings(before, after))


def record_group(path: str | Path, blocks: list[str], *, today: date | None = None, around: date | None = None,
                 protocol_dirs=()) -> Recorded:
    """Append several record blocks at once (toxicity --apply: the ae and what the label rule does), under the one lock,
    checked as one: every course rule and a re-plan must pass, or nothing is written. ``undo`` takes the group back whole
    (the blocks carry one ``group`` key)."""
    from .. import inputs
    from ..loader import load_protocol

    today = today or inputs.today()
    holder: dict = {}

    def change(old: str) -> str:
        course = parse_course(old, str(path))
        holder.update(protocol=load_protocol(course.protocol, protocol_dirs), before=course)
        return old + ("" if old.endswith("\n") else "\n") + "".join(blocks)

    def check(before: Course, after: Course) -> None:
        holder["after_plan"] = replan(after, today=today, protocol=holder["protocol"], horizon=_digest_end(today, after))

    course = rewrite(path, change, check)
    before = replan(holder["before"], today=today, protocol=holder["protocol"], horizon=_digest_end(today, course))
    after = holder["after_plan"]
    new_warnings = _new_warnings(before, after)
    return Recorded("".join(blocks), course, tuple(digest(before, after, around or today)), new_warnings)


def _new_warnings(before, after) -> tuple[str, ...]:
    """The warnings a record brings, without the contraception end: this short look-ahead cuts bounded
    drugs at its horizon, so its end would be too early; `schedule --course` says the right one."""
    return tuple(w for w in after.warnings if w not in set(before.warnings) and not w.startswith("after treatment:"))


def _check_values(kind: str, activity: str | None, value: str | None, uln: str | None, dose: str | None) -> None:
    """The values a record carries, checked before the file is read: errors name the parameter."""
    from ..inputs import parse_measurement

    if dose is not None:
        parse_measurement(dose, "mass", "dose")
    if kind in ("weight", "height") and value is not None:
        from ..inputs import parse_height, parse_weight

        (parse_weight if kind == "weight" else parse_height)(value, "value")
    if kind in ("prior", "finding"):
        from .prior import check_finding, check_prior

        (check_prior if kind == "prior" else check_finding)(activity, value)
    if kind == "lab":
        from ..labs import parse_lab, parse_uln

        parse_lab(activity or "", value or "", "value")
        if uln is not None:
            parse_uln(activity or "", uln, "uln")


def _digest_end(today: date, course: Course) -> date:
    return max(today, course.start) + timedelta(weeks=DIGEST_WEEKS + 8)


def occurrence_for(course: Course, protocol: Protocol, kind: str, activity: str | None, when: date | None,
                   occurrence: int | None = None) -> tuple[int | None, float | None]:
    """The occurrence a record is about, and its planned dose in mg (None where it has none).

    A clinic activity's record is about its next occurrence not yet given or skipped (a FOLFOX
    skipped with its HAIC counts as skipped). A home dose is the first dose when none is recorded
    yet, then the dose planned on ``when``; a dose on a cycle whose earlier days are all unrecorded
    is that cycle's late day 1.
    """
    the_activity = protocol.arm(course.arm).activity(activity or "")
    from ..inputs import last_day

    plan = replan(course, protocol=protocol, horizon=min(max(when or course.start, course.start) + timedelta(days=732), last_day(course.start)))
    if plan.track(the_activity.id) is None:  # not in the plan as chosen: the course rules say why
        return occurrence, None
    events = sorted(plan.for_activity(the_activity.id), key=lambda e: e.occurrence)
    open_ = [e for e in events if e.status in ("planned", "overdue", "held")]
    chosen = None
    if occurrence is not None:
        chosen = next((e for e in events if e.occurrence == occurrence), None)
    elif not taken_at_home(the_activity) or not any(r.type in ("given", "skipped") for r in course.for_activity(the_activity.id)):
        chosen = open_[0] if open_ else None
        if chosen is None:
            done = ", ".join(f"#{e.occurrence} {e.status} on {e.date}" for e in events[-3:]) or "none planned"
            raise InputError("ACTIVITY", f"{the_activity.name} has no occurrence left to record as {kind} ({done}); "
                                         "to correct a record, record undo")
    elif when is not None:
        chosen = next((e for e in open_ if e.date == when), None)
        if chosen is None:
            raise InputError("--date", f"no {the_activity.name} dose is planned on {when}; give --occurrence N, or record restarted "
                                       "to begin a new cycle on that day")
        cycle = [e for e in events if e.cycle == chosen.cycle and e.day is not None and e.occurrence <= chosen.occurrence]
        if chosen.day not in (None, 1) and cycle and all(e.status in ("planned", "overdue") for e in cycle):
            chosen = cycle[0]  # nothing of this cycle recorded yet: it starts late, on this day
    if chosen is None:
        return occurrence, None
    return chosen.occurrence, chosen.dose.amount if chosen.dose is not None and the_activity.kind == "drug" else None


def digest(before: Plan, after: Plan, around: date) -> list[str]:
    """What changed in the four weeks from ``around``: moved, new, removed, re-dosed or re-statused
    events, one line per change; a run of one activity's occurrences that changed alike (a daily
    drug moved a day, a new level) is one line."""
    last = around + timedelta(weeks=DIGEST_WEEKS)
    old = {e.key: e for e in before.events}
    new = {e.key: e for e in after.events}
    changes: list[tuple[object, str, int, str, date]] = []  # (what changed, activity name, occurrence, text, date)
    for key in sorted(set(old) | set(new), key=lambda k: ((new.get(k) or old[k]).activity, (new.get(k) or old[k]).occurrence)):
        a, b = old.get(key), new.get(key)
        if not any(e is not None and around <= e.date <= last for e in (a, b)):
            continue
        e = b or a
        if a is None:
            change = ("added", b.status)
        elif b is None:
            change = ("removed",)
        elif a.date != b.date:
            change = ("moved", (b.date - a.date).days)
        elif a.status != b.status:
            change = ("status", a.status, b.status)
        elif (a.dose.text if a.dose else None) != (b.dose.text if b.dose else None):
            change = ("dose", a.dose.text if a.dose else "-", b.dose.text if b.dose else "-")
        else:
            continue
        changes.append((change, e.name, e.occurrence, key, e.date, a.date if a else None))
    lines: list[tuple[date, str]] = []
    index = 0
    while index < len(changes):
        change, name, _, _, when, was = changes[index]
        end = index
        while (end + 1 < len(changes) and _alike(changes[end + 1][0], change) and changes[end + 1][1] == name
               and changes[end + 1][2] == changes[end][2] + 1):
            end += 1
        if change[0] == "moved" and any(c[0] != change for c in changes[index:end + 1]):
            change = ("moved", None)  # moved by different amounts (a new frequency): said as the span it now covers
        if end - index < 2:  # two alike are still two lines; three or more (a daily drug) are one
            lines += [(c[4] if c[0][0] != "moved" else c[5], _phrase(c[0], c[1], c, c)) for c in changes[index:end + 1]]
        else:
            lines.append((when if change[0] != "moved" else was, _phrase(change, name, changes[index], changes[end])))
        index = end + 1
    return [text for _, text in sorted(lines, key=lambda item: item[0])]


def _alike(a: tuple, b: tuple) -> bool:
    """Two changes said in one line: the same change, or both moves."""
    return a == b or (a[0] == b[0] == "moved")


def _phrase(change, name: str, first, last) -> str:
    one = first is last
    which = f"{name} #{first[2]}" if one else f"{name} #{first[2]}–#{last[2]}"
    when = f"on {first[4]}" if one else f"from {first[4]} to {last[4]}"
    kind = change[0]
    if kind == "added":
        return f"{which} added {when} ({change[1]})"
    if kind == "removed":
        return f"{which} {'on ' + str(first[5]) if one else f'from {first[5]} to {last[5]}'} removed"
    if kind == "moved":
        if one:
            return f"{which} moves from {first[5]} to {first[4]}"
        days = change[1]
        if days is None:
            return f"{which} move: now {when} (were {first[5]} to {last[5]})"
        return f"{which} move {abs(days)} day{'s' if abs(days) != 1 else ''} {'later' if days > 0 else 'earlier'}: {when}"
    if kind == "status":
        return f"{which} {when}: {change[1]} → {change[2]}"
    return f"{which} {when}: dose {change[1]} → {change[2]}"


_BLOCKS = ("\n[[events]]", "\n[[measurements]]", "\n[[labs]]", "\n[[prior]]", "\n[[findings]]")
_GROUP = re.compile(r'^group = "([^"]*)"$', re.M)


def undo(path: str | Path, *, protocol_dirs=()) -> tuple[str, Course]:
    """Remove the last record block of a course file (the one ``record`` wrote last); returns it and the course after."""
    removed: dict = {}

    def change(old: str) -> str:
        cut = max(old.rfind(tag) for tag in _BLOCKS)
        if cut < 0:
            raise InputError("undo", f"{path} has no recorded events, measurements or labs to take back")
        tail = old[cut:]
        if tail.count("\n[") > 1:
            raise InputError("undo", f"the end of {path} is not a record block (it has a table after it); edit the file by hand")
        group = _GROUP.search(tail)
        while group is not None:  # records written together (toxicity --apply) are taken back together
            before = old.rfind("\n[[events]]", 0, cut)
            if before < 0 or _GROUP.search(old[before:cut]) is None or _GROUP.search(old[before:cut])[1] != group[1]:
                break
            cut, tail = before, old[before:]
        removed["block"] = tail.strip()
        kept = old[:cut].rstrip("\n") + "\n"
        if "[[measurements]]" in tail and "\n[[measurements]]" not in kept:
            raise InputError("undo", "that is the course's only measurement; a course needs a weight")
        return kept

    def check(before: Course, after: Course) -> None:
        replan(after, protocol_dirs=protocol_dirs)

    course = rewrite(path, change, check)
    return removed["block"], course


def migrate(path: str | Path, on: date, *, reason: str | None = None, protocol_dirs=()) -> tuple[Course, list[str]]:
    """Move a course to the protocol file's current version from ``on``: what happened stays as
    recorded, the plan from ``on`` follows the current file. The move is recorded in the course."""
    from ..loader import load_protocol

    changed: list[str] = []

    def change(old: str) -> str:
        course = parse_course(old, str(path))
        protocol = load_protocol(course.protocol, protocol_dirs)
        pin = fingerprint(protocol)
        if course.pin is not None and course.pin.sha256 == pin.sha256:
            raise InputError("migrate", f"{path} already follows {protocol.id} version {protocol.version} (same file)")
        changed.extend(amended(course.pin, pin) if course.pin else ["(the course had no pinned version)"])
        start = old.find("[pin]")
        end = old.find("\n[", old.find("[pin.activities]") + 1) if start >= 0 else -1
        while end >= 0 and old.startswith("\n[pin", end):
            end = old.find("\n[", end + 1)
        body = old if start < 0 else old[:start] + (old[end + 1:] if end >= 0 else "")
        entry = (f"\n[[migrations]]\ndate = {on}\nfrom = {_q(course.pin.version if course.pin else '')}\nto = {_q(pin.version)}\n"
                 + (f"reason = {_q(reason)}\n" if reason else ""))
        return body.rstrip("\n") + "\n\n" + pin_text(pin) + entry

    course = rewrite(path, change, lambda before, after: replan(after, protocol_dirs=protocol_dirs))
    return course, changed


def amended(old: Pin, new: Pin) -> list[str]:
    """The activities whose rule, dose or gates differ between two pins."""
    a, b = dict(old.activities), dict(new.activities)
    out = [f"{key}: {'added' if key not in a else 'removed' if key not in b else 'rule, dose or gates differ'}"
           for key in sorted(set(a) | set(b)) if a.get(key) != b.get(key)]
    return out or ["no activity's rule or dose differs (only text such as citations or notes)"]
