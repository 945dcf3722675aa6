"""Issue #9 item 3: `regimen supply --courses` totals the re-planned future of real courses, at their
current dose levels, with stopped drugs gone, summed here by hand for two weeks from Monday 2027-01-11."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from click.testing import CliRunner

from regimen.cli import main

COURSES = Path(__file__).parent / "site_courses"
FOUR = [str(COURSES / name) for name in ("S01-on-time.toml", "S05-missed.toml", "S09-discontinued.toml", "S10-early-dose.toml")]


def supply(*args: str):
    return CliRunner().invoke(main, ["supply", *args], catch_exceptions=False)


def test_supply_from_courses_equals_the_doses_summed_by_hand():
    result = supply("--courses", *FOUR, "--from", "2027-01-11", "--to", "2027-01-24", "--today", "2027-01-11", "--format", "csv")
    assert result.exit_code == 0
    got = [(r["period_start"], r["drug"], r["administrations"], r["total_mg"], r["dispense"], r["waste_mg"])
           for r in csv.DictReader(io.StringIO(result.output))]
    assert got == [
        # S01 and S09: apatinib 250 mg daily, 7 days each = 14 tablets (S09's camrelizumab is discontinued: none)
        ("2027-01-11", "apatinib", "14", "3500", "14 × 250 mg tablets", "0"),
        # S10: C3 on 01-17, 1200 mg flat; bevacizumab 15 mg/kg × 72 kg = 1080 mg = 2 × 400 + 3 × 100 mg, 20 mg left
        ("2027-01-11", "atezolizumab", "1", "1200", "1 × 1200 mg vial", "0"),
        ("2027-01-11", "bevacizumab", "1", "1080", "2 × 400 mg vials + 3 × 100 mg vials", "20"),
        # S05: lenvatinib at level 2 since 2026-12-20 (8 mg, not the starting 12 mg) = 2 × 4 mg capsules a day
        ("2027-01-11", "lenvatinib", "7", "56", "14 × 4 mg capsules", "0"),
        ("2027-01-18", "apatinib", "14", "3500", "14 × 250 mg tablets", "0"),
        # S01: C3 on 01-18, 3 mg/kg × 72 kg = 216 mg = 2 × 200 mg vials, 184 mg left
        ("2027-01-18", "camrelizumab", "1", "216", "2 × 200 mg vials", "184"),
        ("2027-01-18", "lenvatinib", "7", "56", "14 × 4 mg capsules", "0"),
        # S05: C3 on 01-18 (C2 2026-12-28 + 21 days)
        ("2027-01-18", "sintilimab", "1", "200", "2 × 100 mg vials", "0"),
    ]


def test_past_and_overdue_doses_are_not_supply():
    """S05's lenvatinib 2026-12-29 to 2027-01-10 is overdue (not recorded), not something to dispense."""
    result = supply("--courses", FOUR[1], "--from", "2027-01-04", "--to", "2027-01-10", "--today", "2027-01-11", "--format", "csv")
    assert list(csv.DictReader(io.StringIO(result.output))) == []


def test_a_folder_of_courses_with_one_broken_file_still_totals_the_others():
    result = CliRunner().invoke(main, ["supply", "--courses", FOUR[0], str(COURSES / "broken"), "--from", "2027-01-11", "--to",
                                       "2027-01-17", "--today", "2027-01-11", "--format", "csv"])
    assert result.exit_code == 2
    assert [r["drug"] for r in csv.DictReader(io.StringIO(result.stdout))] == ["apatinib"]
    assert result.stderr.splitlines()[-1] == "Error: 1 course file failed"


def test_the_csv_mode_takes_one_file_and_no_today():
    result = CliRunner().invoke(main, ["supply", FOUR[0], FOUR[1], "--from", "2027-01-11", "--to", "2027-01-17"])
    assert result.exit_code == 2 and "Error: PATIENTS.csv: give one cohort CSV, or --courses" in result.stderr
