"""Issue #9: a trial site's week across twelve hand-written courses (tests/site_courses/, one per
situation: on time, late, held, early, discontinued, a window missed, doses missed) on Monday
2027-01-11. Every date below is worked out from the protocol rules and the recorded events named
in each file's comment, e.g. S01's camrelizumab C3 = C2 given 2026-12-28 + 21 days = 2027-01-18."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import icalendar
from click.testing import CliRunner

from regimen.cli import main

COURSES = Path(__file__).parent / "site_courses"
TODAY = "2027-01-11"
HAIC_LABS = "anc ≥ 1.2 x10^9/L, platelets ≥ 60 x10^9/L, tbil ≤ 30 umol/L, albumin ≥ 30 g/L within 7 days before"
TBIL = "tbil < 2 x ULN within 7 days before"
REPEAT_TACE = "Repeat TACE (if: only if imaging shows active lesions (one repeat at most: fewer than 3 TACE in total))"


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


# (date, window, days until it closes, patient, what, dose, status, labs before); overdue first, then by date and patient.
# Home dosing after the first dose has no window ("" and "").
DUE = [
    ("2026-12-29", "", "", "S05", "Lenvatinib PO qd, 13 doses 2026-12-29 to 2027-01-10", "8 mg", "overdue", ""),  # diary stops 12-28; level 2 = 8 mg
    # issue 16: the 1-month response evaluations, day 0 + 1 calendar month ± 7 days, not recorded (S03 day 0 12-01, S04 12-07)
    ("2027-01-01", "2026-12-25 to 2027-01-08", "-3", "S03", "Response evaluation (mRECIST) #1", "", "overdue", ""),
    ("2027-01-07", "2026-12-31 to 2027-01-14", "3", "S04", "Response evaluation (mRECIST) #1", "", "overdue", ""),
    ("2027-01-11", "", "", "S01", "Apatinib PO qd, 8 doses 2027-01-11 to 2027-01-18", "250 mg", "due", ""),
    ("2027-01-11", "2027-01-04 to 2027-01-18", "7", "S04", "CT or MRI", "", "due", ""),  # TACE 12-07 + 35 d, window 28-42 d
    ("2027-01-11", "", "", "S04", "Regorafenib PO d1-21 q28d, 8 doses 2027-01-11 to 2027-01-18", "120 mg", "due", ""),  # C2 = 12-14 + 28
    ("2027-01-11", "", "", "S05", "Lenvatinib PO qd, 8 doses 2027-01-11 to 2027-01-18", "8 mg", "due", ""),
    ("2027-01-11", "", "", "S06", "Lenvatinib PO qd, 8 doses 2027-01-11 to 2027-01-18", "12 mg", "due", ""),  # 60 kg: the 60 kg-or-more band
    ("2027-01-11", "", "", "S07", "Regorafenib PO d1-21 q28d, 8 doses 2027-01-11 to 2027-01-18", "160 mg", "due", ""),  # C2 from 01-06
    ("2027-01-11", "", "", "S08", "Lenvatinib PO qd, 8 doses 2027-01-11 to 2027-01-18", "8 mg", "due", ""),  # 55 kg: below 60 kg
    ("2027-01-11", "", "", "S09", "Apatinib PO qd, 8 doses 2027-01-11 to 2027-01-18", "250 mg", "due", ""),  # camrelizumab stopped
    ("2027-01-11", "2027-01-11", "0", "S12", "HAIC C2", "", "due", HAIC_LABS),  # HAIC #1 12-21 + 21 d
    ("2027-01-11", "2027-01-11", "0", "S12", "Oxaliplatin IA C2", "132.9 mg", "due", ""),  # 85 mg/m² × 1.5635 m² (55 kg, 160 cm)
    ("2027-01-11", "2027-01-11", "0", "S12", "Leucovorin IA C2", "625.39 mg", "due", ""),  # 400 mg/m²
    ("2027-01-11", "2027-01-11", "0", "S12", "Fluorouracil bolus IA C2", "625.39 mg", "due", ""),
    ("2027-01-11", "2027-01-11", "0", "S12", "Fluorouracil infusion IA C2", "3752.33 mg", "due", ""),  # 2400 mg/m²
    ("2027-01-11", "", "", "S12", "Lenvatinib PO qd, 8 doses 2027-01-11 to 2027-01-18", "8 mg", "due", ""),
    ("2027-01-12", "2027-01-12", "1", "S03", "HAIC C3", "", "due", HAIC_LABS),  # HAIC #2 12-22 + 21 d
    ("2027-01-12", "2027-01-12", "1", "S03", "Oxaliplatin IA C3", "154.54 mg", "due", ""),  # 85 mg/m² × 1.8181 m² (70 kg, 170 cm)
    ("2027-01-12", "2027-01-12", "1", "S03", "Leucovorin IA C3", "727.25 mg", "due", ""),
    ("2027-01-12", "2027-01-12", "1", "S03", "Fluorouracil bolus IA C3", "727.25 mg", "due", ""),
    ("2027-01-12", "2027-01-12", "1", "S03", "Fluorouracil infusion IA C3", "4363.48 mg", "due", ""),
    # ablation 01-08 + 5 d, window 3-7 d; the tbil gate applies to the first dose only; 65 kg: 12 mg, 3 mg/kg = 195 mg
    ("2027-01-13", "2027-01-11 to 2027-01-15", "4", "S11", "Lenvatinib PO qd, 6 doses 2027-01-13 to 2027-01-18", "12 mg", "due", TBIL),
    ("2027-01-13", "2027-01-11 to 2027-01-15", "4", "S11", "Camrelizumab IV C1", "195 mg", "due", TBIL),
    ("2027-01-14", "2027-01-14", "3", "S06", "Cadonilimab IV C3", "900 mg", "due", ""),  # C2 12-24 + 21 d; 15 mg/kg × 60 kg
    ("2027-01-15", "", "", "S03", "Regorafenib PO d1-21 q28d, 4 doses 2027-01-15 to 2027-01-18", "160 mg", "due", ""),  # started 12-18 + 28
    ("2027-01-17", "2027-01-17", "6", "S10", "Atezolizumab IV C3", "1200 mg", "due", ""),  # given early 12-27 + 21 d
    ("2027-01-17", "2027-01-17", "6", "S10", "Bevacizumab IV C3", "1080 mg", "due", ""),  # 15 mg/kg × 72 kg
    ("2027-01-18", "2027-01-18", "7", "S01", "Camrelizumab IV C3", "216 mg", "due", ""),
    ("2027-01-18", "2027-01-11 to 2027-01-25", "14", "S04", REPEAT_TACE, "", "conditional", ""),  # imaging + 7 d, window 0-14 d
    ("2027-01-18", "2027-01-18", "7", "S05", "Sintilimab IV C3", "200 mg", "due", ""),  # C2 12-28 + 21 d; no tbil gate after the first
]


def test_the_weeks_due_list_across_twelve_patients():
    result = run("due", str(COURSES), "--today", TODAY, "--format", "csv")
    assert result.exit_code == 0, result.output
    got = [(r["date"], r["earliest"] if r["earliest"] == r["latest"] else f"{r['earliest']} to {r['latest']}", r["closes_in"],
            r["patient"], r["what"], r["dose"], r["status"], r["labs_before"]) for r in rows(result.output)]
    assert got == DUE


def test_the_table_says_when_each_window_closes():
    result = run("due", str(COURSES / "S11-labs-due.toml"), str(COURSES / "S05-missed.toml"), "--today", TODAY)
    # the same rows as DUE for S05 and S11, laid out (tests/golden/issue_9_due_S05_S11.txt, checked against DUE below)
    assert result.output == (Path(__file__).parent / "golden" / "issue_9_due_S05_S11.txt").read_text(encoding="utf-8")
    header, *lines = result.output.split("\n\n")[1].splitlines()
    body: list[list[str]] = []  # a row's lines: its own, then its wrapped cells, window and labs (issue #12: 100 columns)
    for line in lines:
        body += [[line]] if line[:1].isdigit() else [[*body.pop(), line]]
    assert [group[0][:10] for group in body] == [row[0] for row in DUE if row[3] in ("S05", "S11")]
    what = slice(header.index("what"), header.index("dose"))  # the what column, its wrapped lines joined
    assert [" ".join(line[what].strip() for line in group if not line[what].startswith(("window", "labs"))).strip() for group in body] == [
        row[4] for row in DUE if row[3] in ("S05", "S11")]


def test_from_and_to_choose_the_window():
    result = run("due", str(COURSES / "S01-on-time.toml"), "--today", TODAY, "--from", "2027-01-18", "--to", "2027-01-19", "--format", "csv")
    assert [(r["date"], r["what"], r["doses"]) for r in rows(result.output)] == [
        ("2027-01-18", "Camrelizumab IV C3", "1"),  # same day: the protocol's order
        ("2027-01-18", "Apatinib PO qd, 2 doses 2027-01-18 to 2027-01-19", "2"),
    ]


def test_json_rows_carry_numbers():
    data = json.loads(run("due", str(COURSES / "S12-haic-today.toml"), "--today", TODAY, "--format", "json").output)
    assert (data["from"], data["to"], data["today"]) == ("2027-01-11", "2027-01-18", TODAY)
    haic, lenvatinib = data["rows"][0], data["rows"][-1]
    assert (haic["what"], haic["closes_in"], haic["doses"], haic["labs_before"]) == ("HAIC C2", 0, 1, HAIC_LABS)
    assert (lenvatinib["what"], lenvatinib["latest"], lenvatinib["closes_in"], lenvatinib["doses"]) == (
        "Lenvatinib PO qd, 8 doses 2027-01-11 to 2027-01-18", None, None, 8)


def test_the_coordinators_calendar_has_one_event_per_row_with_uids_unique_per_patient():
    result = run("due", str(COURSES), "--today", TODAY, "--format", "ics")
    calendar = icalendar.Calendar.from_ical(result.output)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == len(DUE)
    assert len({str(e["UID"]) for e in events}) == len(events)
    s01 = [e for e in events if str(e["SUMMARY"]).startswith("S01: ")]
    assert [str(e["SUMMARY"]) for e in s01] == ["S01: Apatinib PO qd, 8 doses 2027-01-11 to 2027-01-18 250 mg", "S01: Camrelizumab IV C3 216 mg"]
    apatinib = s01[0]  # a home-dosing row spans its days
    assert (apatinib["DTSTART"].dt.isoformat(), apatinib["DTEND"].dt.isoformat()) == ("2027-01-11", "2027-01-19")
    assert "S01" not in str(apatinib["DESCRIPTION"])  # pseudonyms in summaries only
    assert run("due", str(COURSES), "--today", TODAY, "--format", "ics").output == result.output  # byte-identical


def test_the_same_event_key_of_two_patients_gets_two_uids(tmp_path):
    """S01 carries a calendar id; a copy of it under another pseudonym without one gets UIDs from a
    hash of its path and pseudonym: the same event keys, different UIDs."""
    text = (COURSES / "S01-on-time.toml").read_text()
    copy = tmp_path / "S01b.toml"
    copy.write_text(text.replace('patient = "S01"', 'patient = "S01b"').replace('calendar = "0123456789abcdef0123456789abcdef"\n', ""))
    calendars = [icalendar.Calendar.from_ical(run("due", str(path), "--today", TODAY, "--format", "ics").output)
                 for path in (COURSES / "S01-on-time.toml", copy)]
    keys = [{str(e["X-REGIMEN-KEY"]): str(e["UID"]) for e in c.walk("VEVENT")} for c in calendars]
    assert set(keys[0]) == set(keys[1]) == {"NCT05760430/experimental/camrelizumab/3", "NCT05760430/experimental/apatinib/36"}
    assert all(keys[0][k] != keys[1][k] for k in keys[0])


def test_a_course_that_fails_is_one_error_line_and_the_others_go_on():
    result = CliRunner().invoke(main, ["due", str(COURSES / "S01-on-time.toml"), str(COURSES / "broken"), "--today", TODAY,
                                       "--format", "csv"], catch_exceptions=False)
    assert result.exit_code == 2
    assert [r["patient"] for r in rows(result.stdout)] == ["S01", "S01"]
    path = COURSES / "broken" / "S99-bad-weight.toml"
    assert result.stderr.splitlines() == [
        f'Error: {path}: line 6: measurements: at least one measurement needs a weight, like weight = "72 kg" (and 1 more)',
        "Error: 1 course file failed",
    ]


def test_bad_input_is_one_error_line():
    for args, said in ((["--today", "2027-13-01"], "--today"), (["--from", "2027-01-18", "--to", "2027-01-11"], "--to")):
        result = CliRunner().invoke(main, ["due", str(COURSES / "S01-on-time.toml"), *args])
        assert result.exit_code == 2 and result.stderr.startswith(f"Error: {said}") and len(result.stderr.splitlines()) == 1


def test_two_worker_processes_give_the_same_rows_and_report_the_same_failure():
    one, two = (CliRunner().invoke(main, ["due", str(COURSES), str(COURSES / "broken"), "--today", TODAY, "--format", "csv", "--jobs", jobs])
                for jobs in ("1", "2"))
    assert (two.exit_code, two.stdout, two.stderr) == (one.exit_code, one.stdout, one.stderr) and one.exit_code == 2


def test_the_readme_shows_what_the_commands_print():
    import re
    import shlex

    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    block = re.search(r"tests/test_issue_9_site_week.py checks these outputs -->\n```console\n(.*?)\n```", readme, re.S).group(1)
    for step in re.split(r"^\$ regimen ", block, flags=re.M)[1:]:
        command, _, shown = step.partition("\n")
        argv = [str(Path(__file__).parent.parent / a) if a.startswith("tests/") else a for a in shlex.split(command)]
        assert run(*argv).output.rstrip("\n") == shown.rstrip("\n")
