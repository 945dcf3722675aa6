"""For every test and doctest (README, modules): today is 2026-12-01, the day the examples plan from.

Day 0 must lie within 5 years of today; freezing today keeps the examples' dates valid in any year.
"""

from __future__ import annotations

from datetime import date

import pytest

import regimen.inputs

TODAY = date(2026, 12, 1)


@pytest.fixture(autouse=True)
def _frozen_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(regimen.inputs, "today", lambda: TODAY)
