"""Invariants of re-planning over random recorded histories (Hypothesis)."""

from datetime import date, timedelta

from conftest import COURSE_HEAD as HEAD
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import regimen
from regimen.course import parse_course

PLANNED = [date(2026, 12, 8) + timedelta(days=21 * n) for n in range(6)]  # camrelizumab before any record
delays = st.lists(st.integers(min_value=-3, max_value=12), min_size=1, max_size=5)
holds = st.one_of(st.none(), st.tuples(st.integers(min_value=7, max_value=60), st.integers(min_value=0, max_value=10)))
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _course(given_dates: list[date], hold: tuple[date, date] | None) -> str:
    text = HEAD
    for n, day in enumerate(given_dates, 1):
        text += f'\n[[events]]\ntype = "given"\nactivity = "camrelizumab"\noccurrence = {n}\ndate = {day}\n'
    if hold:
        text += f'\n[[events]]\ntype = "held"\nactivity = "apatinib"\nfrom = {hold[0]}\nto = {hold[1]}\n'
    return text


def _given_dates(offsets: list[int]) -> list[date]:
    """Each dose's date: its planned date after the earlier delays, plus its own delay (never before the last)."""
    result, shift = [], 0
    for n, delay in enumerate(offsets):
        day = PLANNED[n] + timedelta(days=shift + delay)
        if result and day <= result[-1]:
            day = result[-1] + timedelta(days=1)
        shift = (day - PLANNED[n]).days
        result.append(day)
    return result


@SETTINGS
@given(offsets=delays, hold=holds)
def test_recording_never_changes_the_past(offsets, hold):
    days = _given_dates(offsets)
    span = (date(2026, 12, 1) + timedelta(days=hold[0]), date(2026, 12, 1) + timedelta(days=hold[0] + hold[1])) if hold else None
    for k in range(1, len(days) + 1):
        before = regimen.replan(parse_course(_course(days[: k - 1], span)), horizon="20w")
        after = regimen.replan(parse_course(_course(days[:k], span)), horizon="20w")
        recorded = [(e.date, e.status) for e in after.for_activity("camrelizumab")][:k]
        assert recorded == [(d, "given") for d in days[:k]]  # what was recorded stays as recorded
        touched = min(days[k - 1], next(e.date for e in before.for_activity("camrelizumab") if e.occurrence == k))
        assert [e for e in before if e.date < touched] == [e for e in after if e.date < touched]


@SETTINGS
@given(offsets=delays)
def test_every_window_violation_has_a_warning(offsets):
    days = _given_dates(offsets)
    plan = regimen.replan(parse_course(_course(days, None)), horizon="20w")
    first = plan.for_activity("camrelizumab")[0]
    outside = not date(2026, 12, 4) <= first.date <= date(2026, 12, 15)  # 3-14 days after cTACE
    warned = any(w.startswith(f"Camrelizumab start {first.date}") and "the window is 3–14 days" in w for w in plan.warnings)
    assert outside == warned
