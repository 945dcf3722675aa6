"""Issue #12 item 6, the terminal: colour on a TTY only (NO_COLOR respected, never in a file, JSON,
CSV or ICS), each warning said in one line that keeps its id (the whole text with --verbose and in
`show`), and every table of every shipped arm within 100 columns."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import run_cli
from hypothesis import given, settings
from hypothesis import strategies as st

import regimen
from regimen.export.terminal import View, first_clause, summary
from regimen.export.text import dose_sheet, plan_table

HERE = Path(__file__).parent
ARMS = [(p.id, a.id) for p in regimen.list_protocols() for a in p.arms]
SITE = sorted(str(p) for p in (HERE / "site_courses").glob("*.toml"))
ANSI = re.compile(r"\x1b\[[0-9;]*m")
HAIC = ("schedule", "NCT05233358", "--arm", "haic", "--start", "2026-12-01", "--weight", "70 kg", "--height", "170 cm",
        "--choose", "ici=camrelizumab", "--horizon", "8w")


@pytest.fixture(autouse=True)
def _no_columns(monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)


def _widest(text: str) -> int:
    return max((len(line) for line in text.splitlines()), default=0)


@pytest.mark.parametrize(("protocol", "arm"), ARMS, ids=[f"{p}/{a}" for p, a in ARMS])
def test_every_arm_fits_100_columns(protocol, arm):
    # the default horizon and a 2-year one (longer runs, more cycles), and the dose sheet
    for extra in ((), ("--horizon", "2y")):
        result = run_cli("schedule", protocol, "--arm", arm, "--start", "2026-12-01", "--weight", "58 kg", "--height", "160 cm", *extra)
        assert result.exit_code == 0, result.output
        assert _widest(result.output) <= 100, max(result.output.splitlines(), key=len)
        assert not ANSI.search(result.output)  # not a TTY: no colour
    result = run_cli("dose", protocol, "--arm", arm, "--weight", "72 kg", "--height", "170 cm")
    assert _widest(result.output) <= 100, max(result.output.splitlines(), key=len)


@pytest.mark.parametrize("course", SITE, ids=[Path(c).stem for c in SITE])
def test_every_course_table_fits_100_columns(course):
    for args in (("schedule", "--course", course, "--today", "2027-01-11", "--horizon", "2027-06-30"),
                 ("screen", course, "--today", "2027-01-11"),
                 ("toxicity", course, "--ae", "neutropenia", "--grade", "3", "--today", "2027-01-11")):
        result = run_cli(*args)
        assert result.exit_code in (0, 1), result.output
        assert _widest(result.output) <= 100, (args, max(result.output.splitlines(), key=len))


def test_site_tables_fit_100_columns():
    for args in (("due", *SITE, "--today", "2027-01-11"), ("deviations", *SITE, "--today", "2027-01-11"),
                 ("supply", "--courses", *SITE, "--from", "2027-01-11", "--to", "2027-06-30", "--today", "2027-01-11"),
                 ("supply", "--courses", *SITE, "--from", "2027-01-11", "--to", "2027-06-30", "--today", "2027-01-11", "--by", "month"),
                 ("list",)):
        result = run_cli(*args)
        assert result.exit_code == 0, result.output
        assert _widest(result.output) <= 100, (args, max(result.output.splitlines(), key=len))


def test_haic_table_keeps_every_dose_and_date_within_100_columns():
    # the example was 108 columns wide: the run's count now sits in the notes, which wrap at "; "
    out = run_cli(*HAIC).output
    assert _widest(out) <= 100
    # regorafenib d1-21 q28d from d7 = 2026-12-08: C1 days 12-08..12-28, C2 from 2027-01-05 to 01-25: 21 + 21 = 42 doses
    lines = out.splitlines()
    row = next(i for i, line in enumerate(lines) if "Regorafenib PO, d1-21 q28d to 2027-01-25" in line)
    assert lines[row].startswith("2026-12-08  d7 ") and "160 mg" in lines[row]
    assert lines[row].endswith("2026-12-01 to 2026-12-15;") and lines[row + 1].strip() == "42 doses"  # window d0-d14
    # 85 mg/m² × √(170 × 70 / 3600) = 85 × 1.8181 = 154.54 mg, every 21 days from day 0
    assert [line[:16] for line in lines if "Oxaliplatin IA" in line] == ["2026-12-01  d0  ", "2026-12-22  d21 ", "2027-01-12  d42 "]


def test_every_warning_keeps_its_line_and_id():
    plan = regimen.schedule("NCT05233358", "haic", regimen.Patient.from_measurements("70 kg", "170 cm"), "2026-12-01",
                            choices={"ici": "camrelizumab"}, horizon="8w")
    lines = [line for line in plan_table(plan).splitlines() if line.startswith("! ")]
    assert len(lines) == len(plan.warnings)  # one line each, none dropped
    for warning, line in zip(plan.warnings, lines, strict=True):
        assert len(line) <= 100
        head = warning.partition(":")[0]  # "assumption lab-lookback", "choice ici = camrelizumab (as chosen)"
        assert line.startswith("! " + head.split(" (")[0]), (warning, line)
    assert "! assumption lab-lookback [NONE]: labs count if from the 7 days before a HAIC cycle" in lines
    assert "! choice ici = camrelizumab (chosen): Camrelizumab 3 mg/kg IV q3w (HCC label)" in lines


def test_verbose_gives_every_warning_whole():
    plan = regimen.schedule("NCT05233358", "haic", regimen.Patient.from_measurements("70 kg", "170 cm"), "2026-12-01", horizon="8w")
    for args in ((*HAIC[:1], "--verbose", *HAIC[1:]), ("--verbose", *HAIC)):  # the command's flag, or the group's
        out = run_cli(*args).output.splitlines()
        assert all(f"! {w}" in out for w in plan.warnings if "sintilimab" not in w)
        assert not any("warnings in short" in line for line in out)
    shown = run_cli("show", "NCT05233358", "--arm", "haic").output
    assert "lab-lookback [NONE]: Lab results count for a HAIC cycle if taken in the 7 days before it. The record sets" in shown


def test_exports_say_short_warnings_on_stderr(tmp_path):
    for fmt in ("csv", "ics", "fhir"):
        result = run_cli(*HAIC, "--format", fmt, "-o", tmp_path / f"plan.{fmt}")
        *said, hint, wrote = result.stderr.splitlines()  # one "! " line a warning (a pipe: no wrapping), the hint, "wrote"
        assert len(said) == 10 and all(line.startswith("! ") and len(line) <= 100 for line in said)
        assert hint == "! (warnings in short: the whole text with --verbose, or `regimen show NCT05233358`)"
        assert wrote.startswith("wrote ")
        assert "! assumption visit-window [NONE]: evaluation and follow-up visits ±7 d" in said
        assert not ANSI.search((tmp_path / f"plan.{fmt}").read_text(encoding="utf-8"))
    whole = run_cli(*HAIC, "--format", "csv", "-o", tmp_path / "v.csv", "--verbose").stderr
    assert "! assumption visit-window: A response evaluation or follow-up visit may fall up to 7 days either side of its month." in whole


@pytest.mark.parametrize("protocol", regimen.list_protocols(), ids=lambda p: p.id)
def test_every_shipped_assumption_has_a_short_form_that_fits(protocol):
    for assumption in protocol.assumptions:
        assert assumption.short, f"{protocol.id}: assumptions.{assumption.id} has no short form"
        line = f"! assumption {assumption.id} [{assumption.status}]: {assumption.short}"
        assert View().warnings([assumption.warning()], protocol)[0] == line  # said whole, never cut
        assert len(line) <= 100


def test_a_short_form_is_one_line_of_at_most_60_characters(tmp_path):
    from regimen.loader import validate_files

    text = (Path(regimen.__file__).parent.parent / "protocols" / "NCT05760430.toml").read_text(encoding="utf-8")
    long = text.replace('short = "PVE 12–16 d after cTACE (record: 2 weeks)"', f'short = "{"x" * 61}"')
    assert long != text
    (tmp_path / "NCT05760430.toml").write_text(long, encoding="utf-8")
    problems = [e.located() for e in validate_files([tmp_path / "NCT05760430.toml"])]
    assert len(problems) == 1 and "assumptions.pve-window.short: expected one line of at most 60 characters" in problems[0]


def test_summary_forms():
    protocol = regimen.load_protocol("NCT05233358")
    assert summary("assumption lab-lookback: whatever (source: x; NONE)", protocol) == (
        "assumption lab-lookback [NONE]: labs count if from the 7 days before a HAIC cycle", True)
    unnamed = protocol._replace(assumptions=tuple(a._replace(short="") for a in protocol.assumptions))
    assert summary("assumption lab-lookback: x", unnamed)[0] == (  # no short form: the text's first clause
        "assumption lab-lookback [NONE]: Lab results count for a HAIC cycle if taken in the 7 days before it")
    assert summary("choice ici = sintilimab (the documented default): Sintilimab 200 mg IV q3w (label)") == (
        "choice ici = sintilimab (default): Sintilimab 200 mg IV q3w (label)", True)
    # a notice about this patient's dates has no id to look up: kept whole, wrapped, never cut
    moved = "Atezolizumab moved from 2027-01-01 (New Year's Day) to 2027-01-04, inside its window"
    assert summary(moved) == (moved, False)
    assert View(width=40).warnings([moved]) == ["! Atezolizumab moved from 2027-01-01", "  (New Year's Day) to 2027-01-04, inside", "  its window"]
    assert first_clause("Lenvatinib at 12 mg, e.g. from day 1. The record says no more.") == "Lenvatinib at 12 mg, e.g. from day 1"


def test_narrow_terminal_wraps_and_keeps_every_cell():
    plan = regimen.schedule("NCT05233358", "haic", regimen.Patient.from_measurements("70 kg", "170 cm"), "2026-12-01", horizon="8w")
    narrow = plan_table(plan, view=View(width=60))
    assert _widest(narrow) <= 60
    wide = plan_table(plan, view=View(width=200, verbose=True))
    # the same words in the table, only laid out differently
    table = lambda text: " ".join(text[text.index("\ndate "):].split())  # noqa: E731
    assert table(narrow) == table(wide) or sorted(table(narrow).split()) == sorted(table(wide).split())
    sheet = regimen.doses("NCT05233358", "haic", regimen.Patient.from_measurements("70 kg", "170 cm"))
    assert _widest(dose_sheet(sheet, View(width=60))) <= 60


def test_colour_only_on_a_tty_and_never_with_no_color(monkeypatch):
    plan = regimen.schedule("NCT05233358", "haic", regimen.Patient.from_measurements("70 kg", "170 cm"), "2026-12-01", horizon="8w")
    coloured = plan_table(plan, view=View(color=True))
    assert ANSI.search(coloured)
    assert ANSI.sub("", coloured) == plan_table(plan)  # colour carries nothing the text does not say
    from regimen.cli import output

    class Tty:
        def isatty(self):
            return True

    monkeypatch.setattr(output.sys, "stdout", Tty())
    assert output.view(None).color
    assert not output.view(None, output="plan.txt").color  # -o FILE: never
    monkeypatch.setenv("NO_COLOR", "1")
    assert not output.view(None).color
    monkeypatch.setenv("NO_COLOR", "")  # https://no-color.org: only a non-empty value disables
    assert output.view(None).color


def test_course_table_marks_today_and_alerts_in_colour():
    course = regimen.load_course(HERE / "site_courses" / "S06-held.toml")
    plan = regimen.replan(course, today="2027-01-11", horizon="2027-02-15")
    coloured = plan_table(plan, today=regimen.inputs.parse_date("2027-01-11", "today"), view=View(color=True))
    today_row = next(line for line in coloured.splitlines() if "today" in ANSI.sub("", line) and "──" in line)
    assert "\x1b[7m" in today_row or ";7m" in today_row  # reversed: the eye finds today at once


@settings(max_examples=25, deadline=None)
@given(arm=st.sampled_from(ARMS), width=st.integers(min_value=70, max_value=160))
def test_any_width_fits_and_says_the_same_words(arm, width):
    # whatever the terminal's width, the table below the warnings fits it and keeps every word of the wide layout
    plan = regimen.schedule(*arm, regimen.Patient.from_measurements("58 kg", "160 cm"), "2026-12-01", horizon="12w")
    fitted, wide = plan_table(plan, view=View(width=width)), plan_table(plan, view=View(width=1000))

    def table(text: str) -> list[str]:
        return sorted(text[text.index("\ndate "):].replace("\u00a0", " ").split())

    assert _widest(fitted[fitted.index("\ndate "):]) <= width
    assert table(fitted) == table(wide)
