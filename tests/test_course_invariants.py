"""Issue #8: re-planning invariants over random courses (Hypothesis).

Each example builds a course the way a site would: it re-plans, picks an activity's next planned
occurrence, and records something about it (given early or late, rescheduled, skipped, held, a
level change, a new weight). A record that the course rules refuse is dropped, as ``record``
would refuse it. The final course must then satisfy:

1. horizon monotonicity: a longer horizon never removes or moves an event before the shorter one's end;
2. nothing lost: a clinic drug's unrecorded occurrences follow its interval from the last actual
   one up to the horizon; home dosing covers every day between its first and last dose;
3. one occurrence per slot: never two doses of one activity on one day, never a key twice;
4. idempotent records: recording a given dose again is refused;
5. the past is the records: every given record appears with its date, and nothing else is given;
6. (issue 16) no dose of a drug inside its washout around a planned surgery, except one recorded as given.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from datetime import date, timedelta
from itertools import pairwise

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import regimen
from regimen import RegimenError
from regimen.course import parse_course
from regimen.plan import home_dosed
from regimen.rules import Every

ARMS = [("NCT05760430", "experimental"), ("NCT05760430", "control"), ("NCT05233358", "haic"), ("NCT05233358", "tace"),
        ("ablation-lenvatinib-pd1", "experimental"), ("NCT06187961", "conversion"), ("NCT06592612", "control")]
KINDS = ["given", "given", "given", "diary", "rescheduled", "skipped", "held", "level", "weight", "discontinued", "restarted",
         "surgery"]
SHORT, LONG = "10w", "30w"


def head(protocol: str, arm: str) -> str:
    return (f'patient = "P-0001"\nprotocol = "{protocol}"\narm = "{arm}"\nstart = 2026-12-01\n\n'
            '[[measurements]]\ndate = 2026-11-28\nweight = "72 kg"\nheight = "170 cm"\n')


def block(kind: str, activity: str, **fields) -> str:
    lines = ["", "[[events]]", f"type = {json.dumps(kind)}", f"activity = {json.dumps(activity)}"]
    lines += [f"{k} = {v if isinstance(v, (int, date)) else json.dumps(v)}" for k, v in fields.items()]
    return "\n".join(lines) + "\n"


def plan_of(text: str, horizon: str = LONG):
    return regimen.replan(parse_course(text), horizon=horizon)


steps = st.lists(st.tuples(st.sampled_from(KINDS), st.integers(0, 20), st.integers(-3, 12), st.integers(1, 14)), min_size=1, max_size=8)


def build(arm_index: int, moves) -> str:
    """A course from random moves; a move the course rules refuse is dropped."""
    text = head(*ARMS[arm_index])
    for kind, pick, delta, length in moves:
        plan = plan_of(text)
        upcoming = [e for e in plan.events if e.status == "planned"]
        if not upcoming:
            break
        event = upcoming[pick % len(upcoming)]
        activity = plan.arm.activity(event.activity)
        when = event.date + timedelta(days=delta)
        if kind == "surgery":  # a planned resection some days after the picked event
            extra = f"\n[[events]]\ntype = \"surgery\"\ndate = {event.date + timedelta(days=abs(delta) * length)}\nplanned = true\n"
        elif kind == "weight":
            extra = f'\n[[measurements]]\ndate = {event.date}\nweight = "{72 + (delta - 4) * 2} kg"\n'
        elif kind == "diary":  # home doses taken over days, from a patient diary
            if not home_dosed(activity.rule):
                continue
            extra = block("given", event.activity, **{"from": event.date, "to": event.date + timedelta(days=length)})
        elif kind == "held":
            extra = block("held", event.activity, **{"from": event.date, "to": event.date + timedelta(days=length)})
        elif kind == "level":
            if activity.dose is None or not activity.dose.reducible:
                continue
            extra = block("level", event.activity, date=event.date, level=2)
        elif kind == "skipped":
            extra = block("skipped", event.activity, occurrence=event.occurrence)
        elif kind == "discontinued":
            extra = block("discontinued", event.activity, date=event.date)
        elif kind == "restarted":
            extra = block("restarted", event.activity, date=when)
        else:
            extra = block(kind, event.activity, date=when, occurrence=event.occurrence)
        try:
            plan_of(text + extra)
        except RegimenError:
            continue
        text += extra
    return text


def taken(plan, activity_id: str):
    return [e for e in plan.for_activity(activity_id) if e.status in ("given", "planned", "overdue")]


# CI runs a fixed set of 200; REGIMEN_EXAMPLES=2000 (with a random seed) hunts further on a developer's machine
EXAMPLES = int(os.environ.get("REGIMEN_EXAMPLES", "200"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize="REGIMEN_EXAMPLES" not in os.environ,
                    suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(arm_index=st.integers(0, len(ARMS) - 1), moves=steps)
def test_replanning_keeps_the_protocols_rules(arm_index, moves):
    text = build(arm_index, moves)
    course = parse_course(text)
    long, short = plan_of(text, LONG), plan_of(text, SHORT)

    # 1. horizon monotonicity
    def shown(plan):
        return [(e.key, e.date, e.status, e.dose.text if e.dose else None) for e in plan.events if e.date <= short.horizon_end]

    assert shown(short) == shown(long)

    # 3. one occurrence per slot
    assert len({e.key for e in long.events}) == len(long.events)
    for track in long.tracks:
        days = [e.date for e in taken(long, track.activity.id)]
        assert len(days) == len(set(days)), track.activity.id

    # 5. the past is the records
    for activity in long.arm.activities:
        records = [r for r in course.for_activity(activity.id) if r.type == "given"]
        events = [e for e in long.for_activity(activity.id) if e.status == "given"]
        spans = [r for r in records if r.until is not None]
        singles = Counter(r.date for r in records if r.until is None)
        in_spans = Counter(e.date for e in events if any(r.date <= e.date <= r.until for r in spans))
        assert singles + in_spans == Counter(e.date for e in events), activity.id
        for span in spans:  # every dose planned inside a diary span is given, none left planned
            assert not [e for e in long.for_activity(activity.id) if span.date <= e.date <= span.until and e.status == "planned"]

    # 6. no dose inside a washout around a planned surgery (a dose recorded as given there is warned about, not moved)
    from regimen.guidance import washout

    operations = washout.surgeries(course.records)
    for track in long.tracks:
        for window in washout.windows(long.protocol, track.activity, operations):
            inside = [e for e in long.for_activity(track.activity.id)
                      if window.first <= e.date.toordinal() <= window.last and e.status in ("planned", "overdue")]
            assert not inside, (track.activity.id, window.surgery.date, [e.date for e in inside])

    # 2. nothing lost
    for track in long.tracks:
        activity = track.activity
        records = course.for_activity(activity.id)
        if operations and washout.windows(long.protocol, activity, operations):
            continue  # held for a surgery: invariant 6 instead
        if any(r.type in ("held", "discontinued", "level", "restarted") for r in records) or any(f"{activity.name} stops" in w for w in long.warnings):
            continue
        pattern = activity.rule.pattern
        days = [e.date for e in taken(long, activity.id)]
        if not isinstance(pattern, Every) or len(days) < 1 or activity.rule.count or activity.rule.span:
            continue
        skipped = [e.date for e in long.for_activity(activity.id) if e.status == "skipped"]
        allowed = set(days) | set(skipped)
        if home_dosed(activity.rule):
            every = {days[0] + timedelta(days=n) for n in range(0, (days[-1] - days[0]).days + 1, pattern.days)}
            assert every <= allowed, activity.id
        else:
            for before, after in pairwise(taken(long, activity.id)):
                if not any(r.occurrence == after.occurrence for r in records):
                    gap = (after.date - before.date).days  # a skipped occurrence keeps its place
                    assert gap == pattern.days * (after.occurrence - before.occurrence), (activity.id, before.date, after.date)
        assert days[-1] + timedelta(days=pattern.days) > long.horizon_end or skipped, activity.id

    # 4. idempotent records
    given_blocks = [r for r in course.records if r.type == "given"]
    if given_blocks:
        again = given_blocks[-1]
        with pytest.raises(RegimenError):
            plan_of(text + block("given", again.activity, date=again.date))

