"""Issue 12, walkthrough fixes to the printable calendar: the last page lists each dose derivation
once and says when and why a recorded level changed it; a continuous-dosing diary card's title and
day column count the same days; a held day shows no dose to take; the HTML gives each clinic event
the start the .ics books it at.

The course is the README's P-0042 (ablation-lenvatinib-pd1 experimental, 72 kg, day 0 2026-12-01),
with lenvatinib reduced to level 2 from 2026-12-20 and held 2026-12-22 to 12-24.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from conftest import run_cli
from hypothesis import given, settings
from hypothesis import strategies as st

P0042 = ["course", "new", "P-0042.toml", "--protocol", "ablation-lenvatinib-pd1", "--arm", "experimental",
         "--start", "2026-12-01", "--weight", "72 kg"]


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html).replace("\u00a0", " ")).strip()


@pytest.fixture(scope="module")
def course_html(tmp_path_factory):
    folder = tmp_path_factory.mktemp("p0042")
    course = folder / "P-0042.toml"
    steps = [[*P0042[:2], str(course), *P0042[3:]],
             ["record", course, "given", "ablation", "--date", "2026-12-01", "--today", "2026-12-01"],
             ["record", course, "level", "lenvatinib", "--date", "2026-12-20", "--level", "2", "--reason", "grade 3 hypertension",
              "--today", "2026-12-20"],
             ["record", course, "held", "lenvatinib", "--from", "2026-12-22", "--to", "2026-12-24", "--reason", "grade 3 hypertension",
              "--today", "2026-12-22"],
             ["schedule", "--course", course, "--today", "2026-12-29", "--horizon", "6w", "--format", "html", "-o", folder / "P-0042.html"]]
    for step in steps:
        result = run_cli(*step)
        assert result.exit_code == 0, result.stderr
    return (folder / "P-0042.html").read_text(encoding="utf-8")


def derivations(html: str) -> list[str]:
    section = html[html.index("<h2>How each dose was derived</h2>"):]
    section = section[:section.index("</dl>")]
    return [text(block) for block in re.findall(r"<dt.*?</dd>", section, re.S)]


def test_each_dose_derivation_is_listed_once(course_html):
    blocks = derivations(course_html)
    heads = [b.split(" per administration")[0] for b in blocks]
    # 72 kg is in the 60 kg or more band: 12 mg at level 1, 8 mg at level 2 after the reduction; sintilimab flat 200 mg
    assert heads == ["Lenvatinib (PO): 12 mg", "Sintilimab (IV): 200 mg", "Lenvatinib (PO): 8 mg"]
    assert len(set(blocks)) == len(blocks)


def test_the_reduced_dose_says_from_when_and_why(course_html):
    reduced = next(b for b in derivations(course_html) if b.startswith("Lenvatinib (PO): 8 mg"))
    # the level record: 2026-12-20, level 2, reason "grade 3 hypertension"
    assert "from 2026-12-20: dose level 2 (recorded: grade 3 hypertension)" in reduced
    assert "dose level 2 of 4: 8 mg" in reduced and "take: 2 × 4 mg capsules" in reduced
    starting = next(b for b in derivations(course_html) if b.startswith("Lenvatinib (PO): 12 mg"))
    assert "recorded" not in starting  # the starting level was not set by a record


def diary_rows(html: str) -> list[tuple[str, ...]]:
    return re.findall(r'<tr(?: class="we")? data-date="([\d-]+)"><td>[^<]*</td><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td>'
                      r'<td class="box[^"]*">([^<]*)', html)


def test_the_diary_title_and_day_column_count_the_same_days(course_html):
    cards = re.findall(r'<section class="page diary-card" data-activity="lenvatinib">(.*?)</section>', course_html, re.S)
    # lenvatinib qd from 2026-12-06 (ablation + 5 days) = d5; 28 days to 2027-01-02 = d32
    title = text(re.search(r"<h1.*?</h1>", cards[0], re.S).group(0))
    assert title == "■ Lenvatinib diary: 2026-12-06 to 2027-01-02 (d5–d32)"
    rows = diary_rows(cards[0])
    assert (rows[0][0], rows[0][1]) == ("2026-12-06", "d5") and (rows[-1][0], rows[-1][1]) == ("2027-01-02", "d32")
    assert "days 1-28" not in course_html and "day 0 = 2026-12-01 (the day of ablation)" in cards[0]


def test_a_held_day_shows_no_dose_to_take(course_html):
    rows = {row[0]: row[1:] for row in diary_rows(course_html)}
    for day in ("2026-12-22", "2026-12-23", "2026-12-24"):  # held 12-22 to 12-24
        assert rows[day][1:] == ("", "", "held: do not take")
    # the day before and after: the reduced dose, 8 mg as 2 × 4 mg capsules (overdue: never recorded)
    assert rows["2026-12-21"][1:3] == ("8 mg", "2 × 4 mg capsules")
    assert rows["2026-12-25"][1:3] == ("8 mg", "2 × 4 mg capsules")


CONTROL = ["schedule", "NCT05760430", "--arm", "control", "--start", "2026-12-01", "--weight", "80kg", "--horizon", "12w",
           "--time", "09:00"]


def cell_text(html: str, day: str) -> str:
    found = re.search(rf'<td class="[^"]*" data-date="{day}">(.*?)</td>', html, re.S)
    assert found, f"no cell for {day}"
    return text(found.group(1))


def test_each_clinic_event_shows_the_start_the_ics_books():
    html = run_cli(*CONTROL, "--format", "html")
    assert html.exit_code == 0, html.stderr
    # 2027-02-09 (d70): response imaging at 09:00 (booked 1 h), then the atezolizumab + bevacizumab visit at 10:00
    day = cell_text(html.stdout, "2027-02-09")
    assert "09:00 Response imaging" in day and "10:00 Atezolizumab C4 1200 mg" in day
    assert day.count("10:00") == 1 and "Bevacizumab C4 1200 mg" in day  # one visit: its time said once
    # 2027-01-19 (d49): the visit alone on its day starts at --time
    assert "09:00 Atezolizumab C3" in cell_text(html.stdout, "2027-01-19")


def test_the_html_times_are_the_ics_times_for_every_clinic_event():
    import icalendar

    ics = run_cli(*CONTROL, "--tz", "UTC", "--format", "ics")
    html = run_cli(*CONTROL, "--format", "html").stdout
    assert ics.exit_code == 0, ics.stderr
    booked = {}
    for event in icalendar.Calendar.from_ical(ics.stdout.encode()).walk("VEVENT"):
        start = event.decoded("dtstart")
        if hasattr(start, "hour"):
            booked.setdefault(start.date().isoformat(), set()).add(start.strftime("%H:%M"))
    assert booked["2027-02-09"] == {"09:00", "10:00"}
    for day, times in booked.items():
        shown = set(re.findall(r"\b\d\d:\d\d\b", cell_text(html, day)))
        assert shown == times, day


ABLATION_HEAD = """patient = "P-0042"
protocol = "ablation-lenvatinib-pd1"
arm = "experimental"
start = 2026-12-01

[[measurements]]
date = 2026-12-01
weight = "72 kg"
"""


@settings(max_examples=15, deadline=None)
@given(changes=st.lists(st.tuples(st.integers(6, 40), st.integers(1, 4)), min_size=1, max_size=3, unique_by=lambda c: c[0]))
def test_every_dose_is_derived_once_and_a_recorded_level_says_when(tmp_path_factory, changes):
    """Whatever levels a course records, the last page lists each distinct dose once, every event's dose is
    among them, and a dose at a recorded level names that record's date and reason."""
    import regimen
    from regimen.export.html import calendar_html

    records = "".join(f'\n[[events]]\ntype = "level"\nactivity = "lenvatinib"\ndate = {date(2026, 12, 1) + timedelta(days=day)}\n'
                      f'level = {level}\nreason = "reason {day}"\n' for day, level in sorted(changes))
    path = tmp_path_factory.mktemp("levels") / "P-0042.toml"
    path.write_text(ABLATION_HEAD + records, encoding="utf-8")
    plan = regimen.replan(regimen.load_course(path), horizon="8w", today=date(2026, 12, 1))
    blocks = derivations(calendar_html(plan))
    assert len(blocks) == len(set(blocks))
    distinct = {(e.activity, e.dose.text, e.dose.derivation) for e in plan.events if e.dose is not None}
    assert len(blocks) == len(distinct | {(a, d.text, d.derivation) for a, d in plan.doses})
    for day, level in changes:
        used = {e.dose.level for e in plan.for_activity("lenvatinib") if e.dose is not None}
        said = f"from {date(2026, 12, 1) + timedelta(days=day)}: dose level {level} (recorded: reason {day})"
        assert any(said in b for b in blocks) == (level - 1 in used)
