"""Drug supply from real courses: each course's re-planned future (its current weight, dose levels,
holds and stops) summed period by period, as ``regimen supply`` does for a cohort CSV."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from functools import partial
from pathlib import Path

from ..supply import Supply, summarize
from .courses import Failed, Replanned, each_course

__all__ = ["supply_from_courses"]


def supply_from_courses(paths: Iterable[str | Path], first: date, last: date, by: str, today: date, *, protocol_dirs: Iterable[str] = (),
                        jobs: int = 1, failed: Callable[[Failed], None] = lambda f: None) -> Supply:
    """The running totals over the courses re-planned to ``last`` as of ``today``; each failure goes to ``failed``."""
    totals = Supply(first, last, by)
    work = partial(_summary, first=first, last=last, by=by)
    for result in each_course(paths, work, horizon=last, today=today, protocol_dirs=protocol_dirs, jobs=jobs):
        if isinstance(result, Failed):
            failed(result)
        else:
            totals.add(result)
    return totals


def _summary(item: Replanned, *, first: date, last: date, by: str) -> list:
    return summarize(item.plan, first, last, by)
