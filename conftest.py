"""For every test and doctest (README, modules): today is 2026-12-01, the day the examples plan from.

Day 0 must lie within 5 years of today; freezing today keeps the examples' dates valid in any year.
The start-up cache (regimen/diskcache.py) goes to a folder of this test run, not the user's ~/.cache,
unless REGIMEN_CACHE says otherwise: the tests exercise it without leaving anything behind.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from datetime import date

import pytest

import regimen.inputs

TODAY = date(2026, 12, 1)

if "REGIMEN_CACHE" not in os.environ:  # set before any test imports regimen's cache; subprocesses inherit it
    os.environ["REGIMEN_CACHE"] = tempfile.mkdtemp(prefix="regimen-test-cache-")
    atexit.register(shutil.rmtree, os.environ["REGIMEN_CACHE"], True)


@pytest.fixture(autouse=True)
def _frozen_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(regimen.inputs, "today", lambda: TODAY)
