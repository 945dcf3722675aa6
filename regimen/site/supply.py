"""Drug supply from real courses: each course's re-planned future (its current weight, dose levels,
holds and stops) summed period by period, as ``regimen supply`` does for a cohort CSV."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date

from ..supply import Supply, summarize
from .courses import Failed, Replanned

__all__ = ["supply_from_courses"]


def supply_from_courses(items: Iterable[Replanned | Failed], first: date, last: date, by: str,
                        failed: Callable[[Failed], None] = lambda f: None) -> Supply:
    """The running totals over ``items`` (re-planned to ``last``); each failure goes to ``failed``."""
    totals = Supply(first, last, by)
    for item in items:
        if isinstance(item, Failed):
            failed(item)
        else:
            totals.add(summarize(item.plan, first, last, by))
    return totals
