"""Issue #9 item 2: what deviated in the twelve site courses up to Monday 2027-01-11, worked out by
hand from each file's recorded events, and events on time / total per patient and per arm."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from click.testing import CliRunner

from regimen.cli import main

COURSES = Path(__file__).parent / "site_courses"
TODAY = "2027-01-11"


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


DEVIATIONS = [  # (patient, date, kind, activity, detail)
    ("S02", "2027-01-05", "late start", "atezolizumab",
     "Atezolizumab #2 started 2027-01-05, 7 days late: 28 days after #1 (2026-12-08); the protocol gives it every 21 days (q3w)"),
    ("S03", "2026-12-18", "window", "regorafenib",
     "Regorafenib start 2026-12-18 is 17 days after HAIC #1 (2026-12-01); the window is 0–14 days"),
    # issue 16: the 1-month response evaluation, day 0 + 1 calendar month, never recorded
    ("S03", "2027-01-01", "overdue", "response", "Response evaluation (mRECIST) #1 was planned on 2027-01-01 and is not recorded"),
    ("S04", "2027-01-07", "overdue", "response", "Response evaluation (mRECIST) #1 was planned on 2027-01-07 and is not recorded"),
    # 2026-12-07 to 12-31 is 25 doses: 12-15 skipped, 12-29 to 12-31 not in the diary; then all ten of January
    ("S05", "2026-12-15", "missed", "lenvatinib",
     "Lenvatinib 2026-12: 4 of 25 doses up to today missed (1 skipped, 3 not recorded), 2026-12-15, 2026-12-29 to 2026-12-31"),
    ("S05", "2027-01-01", "missed", "lenvatinib",
     "Lenvatinib 2027-01: 10 of 10 doses up to today missed (10 not recorded), 2027-01-01 to 2027-01-10"),
    ("S06", "2026-12-30", "late start", "haic",  # held 12-23 to 12-29 for platelets
     "HAIC #2 started 2026-12-30, 7 days late: 28 days after #1 (2026-12-02); the protocol gives it every 21 days (q3w)"),
    ("S07", "2027-01-06", "late start", "regorafenib",
     "Regorafenib C2 started 2027-01-06, 2 days late: 30 days after C1 day 1 (2026-12-07); cycles are 28 days (d1-21 q28d)"),
    ("S08", "2026-12-25", "missed", "lenvatinib",  # 2026-12-14 to 12-31 is 18 doses
     "Lenvatinib 2026-12: 1 of 18 doses up to today missed (1 skipped), 2026-12-25"),
    ("S10", "2026-12-27", "early", "atezolizumab",
     "Atezolizumab #2 on 2026-12-27 is 2 days early: 19 days after #1 (2026-12-08); the protocol gives it every 21 days (q3w)"),
    ("S10", "2026-12-27", "dose", "bevacizumab",  # 15 mg/kg × 72 kg = 1080 mg; 1300 / 1080 = +20.4%
     "Bevacizumab #2 on 2026-12-27: 1300 mg given, +20.4% from the planned 1080 mg (more than 10% off)"),
]

# patient: on time / total (clinic occurrences and home-dosing starts), home doses taken / planned up to 2027-01-10
TALLIES = [
    ("S01", "5/5 (100%); home doses taken 35/35"),  # cTACE, PVE, camrelizumab ×2, apatinib start; 12-07 to 01-10
    ("S02", "4/5 (80%); home doses taken 0/0"),  # atezolizumab #2 late
    ("S03", "12/14 (86%); home doses taken 21/21"),  # 2 HAIC + 8 FOLFOX drugs + 2 sintilimab + regorafenib start (late) + response (overdue)
    ("S04", "4/5 (80%); home doses taken 21/21"),  # TACE, camrelizumab ×2, regorafenib start, response (overdue); cycle 2 starts today
    ("S05", "4/4 (100%); home doses taken 21/35"),  # ablation, sintilimab ×2, lenvatinib start; 14 missed
    ("S06", "12/13 (92%); home doses taken 39/39"),  # HAIC #2 late
    ("S07", "6/7 (86%); home doses taken 26/26"),  # 5 SBRT fractions, regorafenib C1 and C2 (late)
    ("S08", "1/1 (100%); home doses taken 27/28"),
    ("S09", "5/5 (100%); home doses taken 55/55"),  # discontinuing camrelizumab is no deviation
    ("S10", "3/5 (60%); home doses taken 0/0"),  # atezolizumab #2 early, bevacizumab #2 off by 20%
    ("S11", "1/1 (100%); home doses taken 0/0"),  # only the ablation so far
    ("S12", "8/8 (100%); home doses taken 20/20"),
]

ARMS = [  # protocol/arm: sums of the patients above
    ("NCT05233358/haic", "1", "12/14 (86%); home doses taken 21/21"),
    ("NCT05233358/tace", "1", "4/5 (80%); home doses taken 21/21"),
    ("NCT05760430/control", "2", "7/10 (70%); home doses taken 0/0"),
    ("NCT05760430/experimental", "2", "10/10 (100%); home doses taken 90/90"),
    ("NCT06187961/conversion", "2", "20/21 (95%); home doses taken 59/59"),
    ("NCT06592612/control", "1", "1/1 (100%); home doses taken 27/28"),
    ("NCT06592612/sbrt", "1", "6/7 (86%); home doses taken 26/26"),
    ("ablation-lenvatinib-pd1/experimental", "2", "5/5 (100%); home doses taken 21/35"),
]


def test_every_deviation_with_its_rule_and_numbers_and_the_tallies():
    result = run("deviations", str(COURSES), "--today", TODAY, "--format", "csv")
    assert result.exit_code == 0  # the figures are data, not errors
    table = list(csv.DictReader(io.StringIO(result.output)))
    assert [(r["patient"], r["date"], r["kind"], r["activity"], r["detail"]) for r in table if r["date"]] == DEVIATIONS
    assert [(r["patient"], r["detail"]) for r in table if r["kind"] == "on time"] == TALLIES
    assert [(f"{r['protocol']}/{r['arm']}", r["patient"], r["detail"]) for r in table if r["kind"] == "on time, arm"] == ARMS


def test_the_table_lists_deviations_then_the_tallies():
    result = run("deviations", str(COURSES / "S10-early-dose.toml"), str(COURSES / "S09-discontinued.toml"), "--today", TODAY)
    lines: list[str] = []  # a detail wrapped to 100 columns (issue #12) continues on indented lines: joined here
    for line in result.output.splitlines():
        lines += [lines.pop() + " " + line.strip()] if line.startswith(" ") and lines else [line]
    assert max(len(line) for line in result.output.splitlines()) <= 100
    assert lines == [
        "Deviations up to 2027-01-11: 2 in 2 patients",
        "",
        "patient  date        kind   activity      detail",
        "S10      2026-12-27  early  atezolizumab  " + DEVIATIONS[9][4],
        "S10      2026-12-27  dose   bevacizumab   " + DEVIATIONS[10][4],
        "",
        "On time per patient (clinic occurrences and home-dosing starts up to today):",
        "",
        "patient  protocol/arm              on time  %     home doses taken",
        "S09      NCT05760430/experimental  5/5      100%  55/55",
        "S10      NCT05760430/control       3/5      60%   -",
        "",
        "On time per protocol arm:",
        "",
        "patients  protocol/arm              on time  %     home doses taken",
        "1         NCT05760430/control       3/5      60%   -",
        "1         NCT05760430/experimental  5/5      100%  55/55",
    ]


def test_json_has_the_percentages():
    data = json.loads(run("deviations", str(COURSES / "S02-late.toml"), "--today", TODAY, "--format", "json").output)
    assert data["patients"] == [{"patient": "S02", "protocol": "NCT05760430", "arm": "control", "on_time": 4, "total": 5,
                                 "percent": 80.0, "home_taken": 0, "home_planned": 0}]
    assert [d["kind"] for d in data["deviations"]] == ["late start"]


def test_a_broken_course_is_reported_and_the_others_counted():
    result = CliRunner().invoke(main, ["deviations", str(COURSES / "S02-late.toml"), str(COURSES / "broken"), "--today", TODAY,
                                       "--format", "json"])
    assert result.exit_code == 2
    assert [p["patient"] for p in json.loads(result.stdout)["patients"]] == ["S02"]
    assert result.stderr.count("Error:") == 2 and "S99-bad-weight.toml: line 6" in result.stderr


def test_an_activity_stopped_by_its_max_delay_is_a_deviation():
    """HAIC #2 on 2026-12-22 puts #3 on 2027-01-12; rescheduled to 2027-02-15 it would be 34 days late, past max_delay 30d."""
    result = run("deviations", str(Path(__file__).parent / "courses" / "haic_delay.toml"), "--today", "2027-01-20", "--format", "json")
    stopped = [d for d in json.loads(result.output)["deviations"] if d["kind"] == "stopped"]
    assert stopped == [{"patient": "P-0004", "protocol": "NCT05233358", "arm": "haic", "kind": "stopped", "activity": "haic",
                        "date": "2027-01-20", "detail": "HAIC #3 would be 34 days late, more than the 30 days the protocol allows: HAIC stops"}]


def test_bad_input_is_one_error_line_and_every_site_command_has_an_example():
    for argv, said in ((["deviations", str(COURSES / "S02-late.toml"), "--today", "11/01/2027"], "Error: --today"),
                       (["supply", "--courses", str(COURSES / "S02-late.toml"), "--from", "2027-01-11", "--to", "2027-01-01"], "Error: --to")):
        result = CliRunner().invoke(main, argv)
        assert result.exit_code == 2 and result.stderr.startswith(said) and len(result.stderr.splitlines()) == 1, result.stderr
    for command in ("due", "deviations", "supply"):
        text = run(command, "--help").output
        assert "Example" in text and f"regimen {command} " in text


def test_a_conditional_event_left_open_is_due_business_not_a_deviation(tmp_path):
    """Imaging on 2026-12-07 puts the repeat TACE (only if it shows active lesions) on 12-14; nobody
    recorded confirmed or ruled_out. due lists it as overdue; deviations neither blames nor counts it."""
    course = tmp_path / "T1.toml"
    course.write_text('patient = "T1"\nprotocol = "NCT05233358"\narm = "tace"\nstart = 2026-11-02\n\n[[measurements]]\n'
                      'date = 2026-10-30\nweight = "65 kg"\n\n[[events]]\ntype = "given"\nactivity = "tace"\ndate = 2026-11-02\n\n'
                      '[[events]]\ntype = "given"\nactivity = "imaging"\ndate = 2026-12-07\n')
    data = json.loads(run("deviations", str(course), "--today", TODAY, "--format", "json").output)
    # issue 16: the 1-month response evaluation (day 0 11-02 + 1 month = 12-02) was not recorded either
    assert {d["activity"] for d in data["deviations"]} == {"regorafenib", "sintilimab", "response"}
    # TACE, imaging, sintilimab #1-#3 (11-09, 11-30, 12-21; #4 is today, not yet owed), regorafenib C1-C3 (11-09, 12-07, 01-04),
    # the response evaluation of 12-02
    assert data["patients"][0]["total"] == 9
    rows = list(csv.DictReader(io.StringIO(run("due", str(course), "--today", TODAY, "--format", "csv").output)))
    assert [(r["date"], r["status"]) for r in rows if r["activity"] == "tace_repeat"] == [("2026-12-14", "overdue")]
