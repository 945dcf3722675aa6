"""The benchmark suite (issue #13): its floors do the plans' work, and a tiny run prints every row
with its baseline and ratio. Nothing here is timed: the figures themselves are for the README."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

import regimen

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCH))
import floors  # noqa: E402


@pytest.mark.parametrize("day0", [date(2027, 1, 1), date(2027, 1, 31), date(2027, 3, 31), date(2027, 11, 30)])
def test_the_floors_give_the_plan_s_own_runs_and_dates(day0):
    plan = regimen.schedule("NCT05760430", "experimental", regimen.Patient.from_measurements("72 kg"), day0, horizon="104w")
    floors.check(plan)  # raises if a floor's runs or dates differ from the plan's


def test_the_compact_floor_by_hand():
    # day 0 2027-01-31, two years (104 weeks) = to 2029-01-28 (day 0 + 727 days).
    # apatinib daily from day 7 (2027-02-07): 727 - 7 + 1 = 721 days; camrelizumab every 21 days
    # from day 7: (727 - 7) // 21 + 1 = 35 doses; survival every 3 calendar months, the 31st clamped
    # to the month's end: 2027-04-30, 2027-07-31, 2027-10-31, 2028-01-31, 2028-04-30, ...
    day0 = date(2027, 1, 31)
    runs = floors.compact(day0, day0 + timedelta(days=727))
    by = {}
    for activity, days in runs:
        by.setdefault(activity, []).append(days)
    assert [len(r) for r in by["apatinib"]] == [721] and by["apatinib"][0].step == 1
    assert [len(r) for r in by["camrelizumab"]] == [35] and by["camrelizumab"][0].step == 21
    assert [date.fromordinal(r.start) for r in by["survival"]][:5] == [
        date(2027, 4, 30), date(2027, 7, 31), date(2027, 10, 31), date(2028, 1, 31), date(2028, 4, 30)]
    # January 2027: apatinib from the 7th of February, so none; February 2027: the 7th to the 28th = 22 days
    counts = floors.month_counts(day0, day0 + timedelta(days=727), date(2027, 1, 1), date(2027, 3, 31))
    assert counts[("apatinib", 2027, 2)] == 22 and ("apatinib", 2027, 1) not in counts


ROWS = [  # every figure the suite prints, each with its baseline
    "floor: `python -c", "cold `regimen list`", "cold `regimen schedule --format json`",
    "compact floor", "regimen plans, compact", "rrule floor", "`date.fromordinal` floor", "regimen plans with every dose-day expanded",
    "naive .ics", "regimen .ics", *(f"baseline: the library in a plain loop, 6 two-year plans to {fmt}" for fmt in ("json", "csv", "ics")),
    *(f"`regimen cohort --format {fmt} --jobs {jobs}`" for fmt in ("json", "csv", "ics") for jobs in (1, 2)),
    "ceiling: the two halves as two `--jobs 1` processes at once",
    "`regimen cohort --format parquet`", "peak memory, `regimen cohort --format json --jobs 1`", "peak memory, `regimen cohort --format json --jobs 2`",
    "peak memory, `regimen cohort --format json --jobs 2` of 1 ten-year plans",
    "`regimen cohort --format parquet` of 20 two-year plans",
    "floor: each drug's doses per month", "`regimen supply --by month`",
]


def test_a_tiny_run_prints_every_row_with_its_baseline_and_ratio(tmp_path):
    done = subprocess.run([sys.executable, str(BENCH / "run.py"), "--quick", "--coldstart-runs", "1", "--commands", "list", "schedule --format json",
                           "--patients", "20", "--cohort", "6", "--memory", "20", "--supply", "20", "--ten-year", "10", "--parquet", "20"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    table = [line for line in done.stdout.splitlines() if line.startswith("| ") and not line.startswith("| measurement")]
    assert done.stdout.startswith("Machine: ")
    for name in ROWS:
        assert [row for row in table if name in row], f"no row {name!r} in:\n{done.stdout}"
    for row in table:
        measurement, result, ratio = (cell.strip() for cell in row.strip("|").split(" | "))
        assert measurement and result, row
        if "not available" in result:
            assert ratio == "—", row
        else:
            assert re.search(r"\d\.\d\d×|\d\.\d×", ratio), row  # a ratio against its baseline


def test_the_before_and_after_comparison_prints_every_command_with_its_ratio(tmp_path):
    """The same build as before and after: a smoke test of the table, not a figure."""
    done = subprocess.run([sys.executable, str(BENCH / "before_after.py"), sys.executable, sys.executable, "--quick"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    table = [line for line in done.stdout.splitlines() if line.startswith("| `regimen ")]
    assert [row.split("`")[1].split(" (")[0] for row in table] == [
        "regimen cohort --format json --jobs 1", "regimen cohort --format json --jobs 2", "regimen cohort --format csv --jobs 1",
        "regimen cohort --format csv --jobs 2", "regimen cohort --format ics --jobs 1", "regimen cohort --format ics --jobs 2",
        "regimen supply --by month"]
    assert all(re.search(r"\| \d+\.\d\d× \|$", row) for row in table), table
