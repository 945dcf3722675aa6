"""Issue 12, item 1 and 3: the printable patient calendar (``schedule --format html``), its diary
cards and last page, and the same document as PDF (``--format pdf``).

The reference patient is the golden files' (72 kg, 170 cm, day 0 2026-12-01, default choices).
What the browser shows is checked in test_issue_12_calendar_browser.py; here, the document's text.
"""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from conftest import HERE, run_cli, run_readme_block
from hypothesis import given, settings
from hypothesis import strategies as st

import regimen
from regimen.export.html import calendar_html
from regimen.export.html.notes import used_assumptions

REFERENCE = regimen.Patient.from_measurements("72 kg", "170 cm")
HAIC = ["schedule", "NCT05233358", "--arm", "haic", "--start", "2026-12-01", "--weight", "72 kg", "--height", "170 cm"]


@pytest.fixture(scope="module")
def haic():
    return regimen.schedule("NCT05233358", "haic", REFERENCE, "2026-12-01")


def cell(html: str, day: str) -> str:
    """The text of the day cell of ``day`` (tags removed, entities kept)."""
    found = re.search(rf'<td class="[^"]*" data-date="{day}">(.*?)</td>', html, re.S)
    assert found, f"no cell for {day}"
    return re.sub(r"<[^>]+>", " ", found.group(1)).replace("\u00a0", " ")


def words(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_each_day_lists_its_clinic_events_and_home_doses(haic):
    html = haic.to_html(time="09:00")
    # day 0 = the first HAIC: HAIC-FOLFOX, 85 mg/m2 oxaliplatin x BSA 1.8439 m2 = 156.73 mg, 5-FU over 46 h
    first = words(cell(html, "2026-12-01"))
    assert "09:00 HAIC C1 †" in first  # † HAIC goes ahead only if the labs before it allow
    assert "Oxaliplatin 156.73 mg" in first and "over 46 h" in first and "day 0" in first
    assert first.count("09:00") == 1 and first.count("C1") == 1  # one visit: its time and cycle said once
    # regorafenib d1 = day 0 + 7 = 2026-12-08, a home dose (no time), inside its window 12-01..12-15
    eighth = words(cell(html, "2026-12-08"))
    assert "Regorafenib 160 mg" in eighth and "09:00 Regorafenib" not in eighth
    assert "09:00 Sintilimab C1 200 mg" in eighth and "window 12-01 to 12-15" in eighth
    # d1-21 q28d from 12-08: the last dose of cycle 1 is 12-28, 12-29 to 01-04 are days off
    assert "Regorafenib" in cell(html, "2026-12-28") and "Regorafenib" not in cell(html, "2026-12-30")


def test_months_with_nothing_planned_are_said_not_printed(haic):
    html = calendar_html(haic)
    months = re.findall(r'data-month="(\d{4}-\d\d)"', html)
    # HAIC, regorafenib and sintilimab to 2027-05-17; assessments at 6 months (2027-06-01), 1 and 2 years
    assert months == ["2026-12", "2027-01", "2027-02", "2027-03", "2027-04", "2027-05", "2027-06", "2027-12", "2028-12"]
    assert "Nothing is planned in 2027-07 to 2027-11." in html and "Nothing is planned in 2028-01 to 2028-11." in html
    assert "<h1>December 2026</h1>" in html


def test_windows_are_shaded_and_weekends_and_day0_marked(haic):
    html = calendar_html(haic)
    # the response evaluation of 2027-01-01 may fall 2026-12-25 to 2027-01-08 (assumption visit-window)
    assert re.search(r'<td class="we win" data-date="2026-12-26">', html)  # a Saturday in that window
    assert re.search(r'<td class="win day0" data-date="2026-12-01">', html)  # regorafenib's window opens on day 0
    assert re.search(r'<td class="" data-date="2026-12-02">', html) is None  # 12-02 lies in regorafenib's window too
    assert re.search(r'<td class="we" data-date="2027-01-16">', html)  # a Saturday in no window


def test_conditional_events_are_marked_with_their_condition():
    plan = regimen.schedule("NCT05233358", "tace", REFERENCE, "2026-12-01")
    html = calendar_html(plan)
    repeat = next(e for e in plan.events if e.activity == "tace_repeat")
    assert "if eligible (1)" in cell(html, repeat.date.isoformat())
    assert f"if eligible (1): {repeat.condition}" in html.replace("&#x27;", "'")


def test_the_diary_card_has_a_table_per_cycle_with_what_to_take(haic):
    html = calendar_html(haic)
    cards = re.findall(r'<section class="page diary-card" data-activity="([^"]+)">(.*?)</section>', html, re.S)
    assert [a for a, _ in cards] == ["regorafenib"] * 6  # 126 doses of d1-21 q28d to 2027-05-17: 6 cycles
    rows = re.findall(r'<tr(?: class="we")? data-date="([\d-]+)"><td>[^<]*</td><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td>',
                      cards[0][1])
    assert len(rows) == 21 and rows[0] == ("2026-12-08", "C1D1", "160 mg", "4 × 40 mg tablets")
    assert rows[-1][:2] == ("2026-12-28", "C1D21")
    assert "cycle 1" in cards[0][1] and "card 1 of 6" in cards[0][1] and cards[0][1].count('<td class="box"><span></span></td>') == 21


def test_continuous_dosing_has_a_card_per_28_days():
    plan = regimen.schedule("ablation-lenvatinib-pd1", "experimental", regimen.Patient.from_measurements("55 kg"), "2026-12-01")
    html = calendar_html(plan)
    cards = re.findall(r'<section class="page diary-card" data-activity="lenvatinib">.*?</section>', html, re.S)
    # qd from 2026-12-06 (5 days after ablation) to 2027-06-05: 182 days, cards of 28: 6 full and one of 14
    assert (plan.dates("lenvatinib")[0], plan.dates("lenvatinib")[-1]) == (date(2026, 12, 6), date(2027, 6, 5))
    # the cards say their dates and the calendar's day numbers (day 0 = 2026-12-01): 12-06 is d5, 06-05 is d186
    assert len(cards) == 7 and "2027-05-23 to 2027-06-05 (d173–d186)" in cards[-1] and cards[-1].count('<td class="box">') == 14
    assert "2026-12-06 to 2027-01-02 (d5–d32)" in cards[0] and "8 mg" in cards[0]  # below 60 kg: 8 mg qd (label)
    assert "2 × 4 mg capsules" in cards[0]


def test_the_last_page_has_every_assumption_with_its_source_and_every_dose_derivation(haic):
    html = calendar_html(haic)
    notes = html[html.index('<section class="page notes-page">'):]
    used = used_assumptions(haic)
    assert {a.id for a in used} >= {"haic-folfox-doses", "visit-window", "regorafenib-start-day"}
    for assumption in used:
        assert f"<dt>{assumption.id} " in notes and regimen_escape(assumption.source) in notes
    for _, dose in haic.doses:  # exactly the lines regimen dose prints, not recomputed
        for line in dose.derivation:
            assert f"<li>{regimen_escape(line)}</li>" in notes
    assert "85 mg/m² × 1.8439 m² = 156.7323 mg" in notes


def regimen_escape(text: str) -> str:
    from regimen.export.page import escape

    return escape(text)


def test_protocol_text_is_escaped(tmp_path):
    minimal = (HERE / "protocols" / "valid" / "minimal.toml").read_text(encoding="utf-8")
    (tmp_path / "MINE-1.toml").write_text(minimal.replace('name = "Sintilimab"\nkind', 'name = "<script>alert(1)</script>"\nkind'),
                                          encoding="utf-8")
    result = run_cli("--protocols", tmp_path, "schedule", "MINE-1", "--arm", "a", "--start", "2026-12-01", "--weight", "72 kg",
                     "--format", "html", "--label", "<img src=x onerror=alert(1)>")
    assert result.exit_code == 0, result.stderr
    assert "<script" not in result.stdout and "<img" not in result.stdout
    assert "&lt;script&gt;alert(1)&lt;/script&gt; C1 200 mg" in result.stdout.replace("\u00a0", " ")
    assert "&lt;img src=x onerror=alert(1)&gt;" in result.stdout


def test_same_inputs_same_bytes_and_no_patient_unless_labelled():
    course = regimen.load_course(HERE / "courses" / "lenvatinib_hold.toml")
    one = regimen.replan(course, horizon="10w", today=date(2027, 1, 5)).to_html(today="2027-01-05")
    two = regimen.replan(course, horizon="10w", today=date(2027, 1, 5)).to_html(today="2027-01-05")
    assert one == two
    assert course.patient not in one  # the pseudonym P-0002 is not printed either
    assert "http" not in one.split("<body>")[0] and "<script" not in one and "<link" not in one


def test_a_course_shows_what_happened(tmp_path):
    course = HERE / "courses" / "lenvatinib_hold.toml"
    result = run_cli("schedule", "--course", course, "--today", "2027-01-05", "--horizon", "10w", "--format", "html")
    assert result.exit_code == 0, result.stderr
    html = result.stdout
    # lenvatinib held 2026-12-20 to 12-29 (grade 3 hypertension), resumed at level 2 (8 mg) from 12-30
    assert re.search(r'class="m1 home held"', html) and "held" in cell(html, "2026-12-25")
    assert "Lenvatinib 8 mg" in words(cell(html, "2026-12-30"))
    assert "today" in cell(html, "2027-01-05") and 'data-date="2027-01-05"' in html
    assert re.search(r'<td class="[^"]*today[^"]*" data-date="2027-01-05">', html)
    assert "overdue" in cell(html, "2026-12-15")  # planned, in the past, never recorded


def test_options_that_do_not_fit_are_refused_in_one_line():
    result = run_cli(*HAIC, "--format", "html", "--tz", "UTC", "--time", "09:00")
    assert result.exit_code == 2 and result.stderr == "Error: --tz: applies to --format ics only (this is --format html)\n"
    result = run_cli(*HAIC, "--format", "html", "--remind", "1d")
    assert result.exit_code == 2 and "--remind: applies to --format ics only" in result.stderr


def test_pdf_is_refused_on_a_terminal_without_o(monkeypatch):
    import sys

    from regimen.cli import main

    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    with pytest.raises(SystemExit) as exited:
        main.main([*HAIC, "--format", "pdf"], prog_name="regimen", standalone_mode=True)
    assert exited.value.code == 2


def test_pdf_has_a_page_per_month_then_the_cards_and_notes(tmp_path, haic):
    pypdf = pytest.importorskip("pypdf")  # the test extra
    out = tmp_path / "haic.pdf"
    result = run_cli(*HAIC, "--horizon", "8w", "--format", "pdf", "-o", out)
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines()[-1] == f"wrote {out}" and "WARNING" not in result.stderr
    reader = pypdf.PdfReader(io.BytesIO(out.read_bytes()))
    pages = [re.sub(r"[\s\x00]", "", page.extract_text()) for page in reader.pages]  # pypdf spaces some runs out
    # 8 weeks from 2026-12-01 to 2027-01-26: two months; regorafenib from 12-08: cycle 1 and cycle 2 (from 2027-01-05)
    assert ["December2026" in p for p in pages[:2]] == [True, False] and "January2027" in pages[1]
    assert "Regorafenibdiary:cycle1" in pages[2] and "Regorafenibdiary:cycle2" in pages[3]
    assert "Aboutthiscalendar" in pages[4]
    assert "2026-12-08" in pages[0] and "4×40mgtablets" in pages[2]
    assert len(pages) == 4 + sum(1 for p in pages[4:] if p)  # the notes take the rest, none empty


def test_the_readme_commands_make_the_calendars(tmp_path, monkeypatch):
    assert run_readme_block("printable calendar", tmp_path, monkeypatch) == 4
    html = (tmp_path / "P-0042.html").read_text(encoding="utf-8")
    # ablation given on day 0 (2026-12-01); lenvatinib from 12-06 is overdue up to 12-28 (today is 12-29)
    assert "✓ given" in cell(html, "2026-12-01") and "overdue" in cell(html, "2026-12-28") and "overdue" not in cell(html, "2026-12-29")
    assert "<b>P-0042 calendar</b>" in html
    assert "Regorafenib 160" in (tmp_path / "calendar-haic.html").read_text(encoding="utf-8").replace("\u00a0", " ")


@pytest.mark.parametrize("label", ["", "  ", "two\nlines", "bell\x07", "x" * 201])
def test_a_label_is_one_printable_line(label, haic):
    result = run_cli(*HAIC, "--format", "html", "--label", label)
    assert result.exit_code == 2 and result.stderr.startswith("Error: --label: ") and "one line of printable text" in result.stderr
    with pytest.raises(regimen.RegimenError, match=r"^label: "):
        haic.to_html(label=label)


ARMS = [(p.id, a.id) for p in regimen.list_protocols() for a in p.arms]


@settings(max_examples=15, deadline=None, derandomize=True)
@given(arm=st.sampled_from(ARMS), start=st.dates(date(2025, 1, 1), date(2028, 12, 31)), weeks=st.integers(1, 40))
def test_every_event_is_in_the_cell_of_its_date_and_every_month_is_printed(arm, start, weeks):
    from datetime import timedelta

    plan = regimen.schedule(*arm, REFERENCE, start, horizon=start + timedelta(weeks=weeks), allow_past=True)
    html = calendar_html(plan)
    months = re.findall(r'data-month="(\d{4}-\d\d)"', html)
    assert months == sorted({e.date.isoformat()[:7] for e in plan.events} | {m.date.isoformat()[:7] for m in plan.milestones})
    cells = {}
    for event in plan.events:
        text = cells.get(event.date) or cells.setdefault(event.date, cell(html, event.date.isoformat()))
        assert regimen_escape(event.name) in text, (event.key, text)
