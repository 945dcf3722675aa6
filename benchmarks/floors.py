"""Baselines for the plan figures: the same two-year NCT05760430 experimental dates without regimen.

The floors know the arm's timing as constants (they parse no TOML and no rules, compute no dose,
window, key or warning, so they do less work than a plan; the table says so):

* cTACE on day 0, PVE on day 14, camrelizumab every 21 days from day 7, apatinib daily from day 7,
  response imaging every 63 days from day 70, survival follow-up every 3 calendar months (the day
  of month clamped to the month's end), all up to the horizon's last day.

``compact`` gives each activity's runs as ``range`` objects of day ordinals (what a plan keeps);
``expanded_rrule`` and ``expanded_dates`` give every date, by dateutil's rrule and by
``date.fromordinal``. ``check`` compares a floor's answer with a plan's, so a floor that drifted from
the protocol fails loudly instead of timing different work.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta

# (activity, first day after day 0, step in days; 0 = once)
ARITHMETIC = (("ctace", 0, 0), ("pve", 14, 0), ("camrelizumab", 7, 21), ("apatinib", 7, 1), ("imaging", 70, 63))
MONTHLY = ("survival", 3)  # every 3 calendar months from day 0
DRUGS = ("camrelizumab", "apatinib")


def add_months(day: date, months: int) -> date:
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def compact(day0: date, last: date) -> list[tuple[str, range]]:
    """Each activity's runs of day ordinals from day 0 to ``last`` (inclusive), by arithmetic."""
    origin, end = day0.toordinal(), last.toordinal()
    runs: list[tuple[str, range]] = []
    for activity, offset, step in ARITHMETIC:
        first = origin + offset
        if first <= end:
            runs.append((activity, range(first, first + 1) if not step else range(first, end + 1, step)))
    activity, months = MONTHLY
    k = 1
    while (day := add_months(day0, months * k)).toordinal() <= end:
        ordinal = day.toordinal()
        runs.append((activity, range(ordinal, ordinal + 1)))
        k += 1
    return runs


def expanded_dates(day0: date, last: date) -> list[date]:
    """Every date of every run, by ``date.fromordinal``."""
    return [date.fromordinal(o) for _, days in compact(day0, last) for o in days]


def expanded_rrule(day0: date, last: date) -> list[datetime]:
    """Every date of every run, expanded by dateutil's rrule (``DAILY`` with the run's interval)."""
    from dateutil.rrule import DAILY, rrule

    start = datetime.combine(day0, datetime.min.time())
    until = datetime.combine(last, datetime.min.time())
    dates: list[datetime] = []
    for _, offset, step in ARITHMETIC:
        first = start + timedelta(days=offset)
        if not step:
            dates += [first] if first <= until else []
        else:
            dates += list(rrule(DAILY, interval=step, dtstart=first, until=until))
    _, months = MONTHLY  # rrule skips months without the day (31 -> no 30 June); clamp by hand like the plan
    k = 1
    while (day := add_months(day0, months * k)) <= last:
        dates.append(datetime.combine(day, datetime.min.time()))
        k += 1
    return dates


def month_counts(day0: date, last: date, first_day: date, last_day: date) -> dict[tuple[str, int, int], int]:
    """Each drug's doses per calendar month between ``first_day`` and ``last_day``, counted from the runs by arithmetic."""
    counts: dict[tuple[str, int, int], int] = {}
    for activity, days in compact(day0, last):
        if activity not in DRUGS:
            continue
        month = date(first_day.year, first_day.month, 1)
        while month <= last_day:
            after = add_months(month, 1)
            lo, hi = max(month, first_day).toordinal(), min(after - timedelta(days=1), last_day).toordinal()
            inside = days[_index(days, lo):_index(days, hi + 1)]
            if inside:
                key = (activity, month.year, month.month)
                counts[key] = counts.get(key, 0) + len(inside)
            month = after
    return counts


def _index(days: range, ordinal: int) -> int:
    if ordinal <= days.start:
        return 0
    return min(len(days), -(-(ordinal - days.start) // days.step))


def _shape(activity: str, days: range) -> tuple[str, int, int, int]:
    return activity, days.start, len(days), days.step if len(days) > 1 else 0


def check(plan) -> None:
    """Raise if the floors' runs or dates differ from ``plan``'s (non-conditional occurrences)."""
    ours = sorted(_shape(track.activity.id, run.days) for track in plan.tracks for run in track.runs if not run.conditional)
    floor = sorted(_shape(activity, days) for activity, days in compact(plan.start, plan.horizon_end))
    if ours != floor:
        raise AssertionError(f"the compact floor's runs differ from the plan's: {floor} vs {ours}")
    dates = sorted(e.date for e in plan.events if not e.conditional)
    if sorted(expanded_dates(plan.start, plan.horizon_end)) != dates:
        raise AssertionError("the date.fromordinal floor's dates differ from the plan's events")
    if sorted(d.date() for d in expanded_rrule(plan.start, plan.horizon_end)) != dates:
        raise AssertionError("the rrule floor's dates differ from the plan's events")
