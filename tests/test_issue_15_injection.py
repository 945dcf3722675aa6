"""Issue 15: no output runs text as a formula or as a calendar property.

CSV text cells that a spreadsheet would run (leading ``=``, ``+``, ``-``, ``@``, tab, CR) get a
leading ``'`` (OWASP); numeric columns are untouched. Every .ics TEXT value is escaped, control
characters are refused in protocol text and removed from calendar text, and ``--label`` must be
one printable line.
"""

import csv
import io

import icalendar
import pytest
from conftest import HERE, run_cli

from regimen.export.csv import safe_cell
from regimen.export.ics import clean

MINIMAL = (HERE / "protocols" / "valid" / "minimal.toml").read_text(encoding="utf-8")
HOSTILE = MINIMAL.replace('[arms.a.activities.sintilimab]\nname = "Sintilimab"',
                          '[arms.a.activities.sintilimab]\nname = \'=HYPERLINK("http://evil.invalid","x")\'\nroute = "@SUM(A1)"\n'
                          'notes = ["+1+1", "dose; check, then \\\\ go"]')
SCHEDULE = ["schedule", "MINE-1", "--arm", "a", "--start", "2026-12-01", "--weight", "72 kg"]


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "MINE-1.toml").write_text(HOSTILE, encoding="utf-8")
    return tmp_path



@pytest.mark.parametrize(("cell", "written"), [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("\rx", "'\rx"),
    ("216 mg", "216 mg"), ("weight: 72 kg", "weight: 72 kg"), ("", ""),
])
def test_a_cell_a_spreadsheet_would_run_gets_a_leading_quote(cell, written):
    assert safe_cell(cell) == written


def test_the_plan_csv_neutralises_text_cells_and_leaves_numbers(folder):
    result = run_cli("--protocols", folder, *SCHEDULE, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    first = rows[0]
    assert first["name"] == "'=HYPERLINK(\"http://evil.invalid\",\"x\")"
    assert first["route"] == "'@SUM(A1)"
    assert first["notes"] == "'+1+1 | dose; check, then \\ go"
    assert (first["dose_amount"], first["cycle"], first["occurrence"], first["date"]) == ("200", "1", "1", "2026-12-01")


def test_a_formula_as_a_cohort_id_is_refused_and_never_reaches_the_csv(tmp_path):
    patients = tmp_path / "patients.csv"
    patients.write_text("id,protocol,arm,start,weight\n=cmd|' /C calc'!A0,NCT05760430,experimental,2026-12-01,72 kg\n")
    result = run_cli("cohort", patients, "--format", "csv", "--horizon", "2w")
    assert result.exit_code == 2 and "is not accepted: give a pseudonym" in result.stderr
    assert not [row for row in csv.DictReader(io.StringIO(result.stdout)) if row["patient_id"].startswith("=")]


def test_every_ics_text_value_is_escaped(folder):
    result = run_cli("--protocols", folder, *SCHEDULE, "--format", "ics", "--label", "Ward 3; bed 4, \\ north")
    text = result.stdout_bytes.decode("utf-8")
    assert "NAME:Ward 3\\; bed 4\\, \\\\ north\r\n" in text
    assert "X-WR-CALNAME:Ward 3\\; bed 4\\, \\\\ north\r\n" in text
    assert 'SUMMARY:=HYPERLINK("http://evil.invalid"\\,"x") 200 mg @SUM(A1)' in text
    assert "dose\\; check\\, then \\\\ go" in text


@pytest.mark.parametrize("label", ["Ward 3\r\nX-INJECT:1", "Ward 3\nATTENDEE:mailto:x@evil.invalid", "bell\x07", "   ", "x" * 201])
def test_a_label_with_line_breaks_or_control_characters_is_one_line_error_not_a_crash(label):
    result = run_cli(*SCHEDULE[:1], "NCT05760430", "--arm", "experimental", "--start", "2026-12-01", "--weight", "72 kg", "--format", "ics", "--label", label)
    assert result.exit_code == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("Error: --label: ") and "give one line of printable text" in line
    assert "X-INJECT" not in result.stdout and "ATTENDEE" not in result.stdout


def test_a_control_character_in_protocol_text_is_refused(tmp_path):
    path = tmp_path / "MINE.toml"
    path.write_text(MINIMAL.replace('title = "A site\'s own protocol"', 'title = "bell\\u0007 and \\u202e reversed"'), encoding="utf-8")
    result = run_cli("validate", path)
    assert result.exit_code == 2
    assert result.stderr.strip() == (f"Error: {path}:2: title: holds the control character \\x07; "
                                     "text may hold printable characters, tabs and line breaks only")


def test_calendar_text_loses_control_characters_and_keeps_line_breaks():
    assert clean("a\x07b\r\nc\u2028d") == "ab\ncd"


def test_the_calendar_parses_back_with_no_injected_property(folder):
    text = run_cli("--protocols", folder, *SCHEDULE, "--format", "ics", "--label", "Ward 3; bed 4").stdout
    calendar = icalendar.Calendar.from_ical(text)
    names = {name for component in calendar.walk() for name in component}
    assert not any(name.startswith(("X-INJECT", "ATTENDEE")) for name in names)


def test_a_terminal_escape_in_a_cohort_cell_is_shown_escaped_in_the_row_error(tmp_path):
    patients = tmp_path / "patients.csv"
    patients.write_text("id,protocol,arm,start,weight\nP\x1b[2J,NCT05760430,experimental,2026-12-01,72\n")
    result = run_cli("cohort", patients)
    assert "\x1b" not in result.stderr
    assert result.stderr.splitlines()[0].startswith("Error: row 2 (P\\x1b[2J): id: 'P\\x1b[2J' is not accepted")
