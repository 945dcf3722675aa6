"""Issue 12, item 4: the printable calendar as a person sees it, in headless Chromium.

For every shipped arm (the golden files' reference patient: 72 kg, 170 cm, day 0 2026-12-01,
default choices) and a few other doses (a weight band, a choice, a course): every event of the
JSON plan is shown in the cell of its date (a home dose as its drug's mark and dose), nothing
overflows its cell at A4 width, and printed (Chromium's own PDF, A4 and Letter) each month is
one page, followed by the diary cards and the notes.

Each shipped arm's first month is kept as a screenshot under docs/ (docs/calendar-PROTOCOL-ARM.png,
made from the command in the README); only REGIMEN_UPDATE_SCREENSHOTS=1 rewrites them.
"""

from __future__ import annotations

import io
import json
import os
import re
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
from browser import browser, open_page
from conftest import HERE

import regimen
from regimen.export.html.diary import oral_home_drugs
from regimen.plan import taken_at_home
from regimen.units import format_number

DOCS = HERE.parent / "docs"
UPDATE = os.environ.get("REGIMEN_UPDATE_SCREENSHOTS") == "1"
REFERENCE = regimen.Patient.from_measurements("72 kg", "170 cm")
ARMS = [(p.id, a.id) for p in regimen.list_protocols() for a in p.arms]
OTHERS = {  # name: (protocol, arm, patient, choices)
    "NCT05233358-haic-camrelizumab": ("NCT05233358", "haic", REFERENCE, {"ici": "camrelizumab"}),
    "ablation-experimental-55kg": ("ablation-lenvatinib-pd1", "experimental", regimen.Patient.from_measurements("55 kg"), {}),
    "NCT06592612-control-lenvatinib-55kg": ("NCT06592612", "control", regimen.Patient.from_measurements("55 kg"), {"second_line": "lenvatinib"}),
}

SHOWN = """() => Object.fromEntries([...document.querySelectorAll('td[data-date]')].map(td =>
    [td.dataset.date, [...td.querySelectorAll('li')].map(li => [li.dataset.activity, li.querySelector('.sym').innerText,
                                                             li.innerText.replace(/\\s+/g, ' ')])]))"""
# a cell whose content is wider or taller than its box, or an entry drawn outside its cell's box
OVERFLOWING = """() => [...document.querySelectorAll('td[data-date] .cell')].flatMap(cell => {
    const box = cell.getBoundingClientRect();
    const out = cell.scrollHeight > cell.clientHeight || cell.scrollWidth > cell.clientWidth ? ['scroll'] : [];
    for (const li of cell.querySelectorAll('li')) {
        const r = li.getBoundingClientRect();
        if (r.bottom > box.bottom + 0.5 || r.right > box.right + 0.5 || r.left < box.left - 0.5) out.push(li.innerText);
    }
    return out.length ? [[cell.parentElement.dataset.date, out]] : [];
})"""
PAGES = """() => [...document.querySelectorAll('section.month')].filter(s => s.scrollHeight > s.clientHeight
    || s.scrollWidth > s.clientWidth || s.getBoundingClientRect().right > document.documentElement.clientWidth).map(s => s.dataset.month)"""


def cases():
    for protocol, arm in ARMS:
        yield pytest.param(protocol, arm, REFERENCE, {}, f"calendar-{protocol}-{arm}.png", id=f"{protocol}/{arm}")
    for name, (protocol, arm, patient, choices) in OTHERS.items():
        yield pytest.param(protocol, arm, patient, choices, None, id=name)


def expected_parts(event: dict) -> list[str]:
    """What an event's entry says: its name and its dose as the calendar writes it."""
    dose = event["dose"]
    return [event["name"]] + ([f"{format_number(dose['amount'])} {dose['unit']}"] if dose else [])


def check_cells(page, plan, clock: str = "09:00") -> None:
    """Each event in its date's cell, with its activity's one mark; a clinic event's cycle (C2) and,
    with a time, the day's clinic time are in that cell too."""
    shown = page.evaluate(SHOWN)
    home = {a.id for a in plan.arm.activities if taken_at_home(a)}
    symbols: dict[str, set[str]] = {}
    for event in json.loads(plan.to_json())["events"]:
        entries = shown.get(event["date"])
        assert entries is not None, f"no cell for {event['date']}"
        parts = expected_parts(event)
        mine = [e for e in entries if e[0] == event["activity"] and all(p in e[2].replace("\u00a0", " ") for p in parts)]
        assert mine, f"{event['key']} on {event['date']}: {parts} not in {entries}"
        symbols.setdefault(event["activity"], set()).add(mine[0][1])
        if event["activity"] not in home:
            text = " ".join(e[2] for e in entries)
            assert not event["cycle"] or f" C{event['cycle']}" in text, (event["key"], text)
            assert not clock or text.count(clock) == 1, (event["key"], text)
    assert all(len(marks) == 1 for marks in symbols.values()), symbols  # one mark per drug, every day
    assert {a.id for a in oral_home_drugs(plan)} <= set(symbols)


LETTER_PAGE_PX = 259 / 25.4 * 96  # Letter's 279 mm less the 10 mm margins: the shorter page
TALLER = """(limit) => [...document.querySelectorAll('section.month, section.diary-card')]
    .filter(s => s.getBoundingClientRect().height > limit).map(s => s.dataset.month || s.dataset.activity)"""


def printed_headings(page, paper: str) -> tuple[list[tuple[str, int]], int]:
    """Chromium's own PDF of the print layout: each page heading (h1, from the PDF's outline) with
    the page it is on, and the number of pages. (Backgrounds do not move anything: left out, faster.)"""
    pypdf = pytest.importorskip("pypdf")
    page.emulate_media(media="print")
    reader = pypdf.PdfReader(io.BytesIO(page.pdf(format=paper, outline=True, tagged=True)))
    top = [item for item in reader.outline if not isinstance(item, list)]  # the h2 of the notes nest below
    return [(item.title, reader.get_destination_page_number(item)) for item in top], len(reader.pages)


def check_print(page, html: str, papers: tuple[str, ...]) -> None:
    """Months first, one a page, then each diary card on a page of its own, then the notes; and
    each of those pages is shorter than Letter's, the shorter of the two papers."""
    months = [f"{date(int(y), int(m), 1):%B} {y}" for y, m in re.findall(r'data-month="(\d{4})-(\d\d)"', html)]
    cards = [re.sub(r"<[^>]+>", "", card).replace("\u00a0", " ").strip() for card in re.findall(r'<h1 class="m\d+">(.*?)</h1>', html)]
    expected = [*months, *cards, "About this calendar"]
    for paper in papers:
        headings, count = printed_headings(page, paper)
        assert headings == [(title, number) for number, title in enumerate(expected)], paper
        assert count >= len(expected), paper
    assert page.evaluate(TALLER, LETTER_PAGE_PX) == []


@pytest.fixture(scope="module")
def chromium():
    """One browser for the module's pages: a launch costs seconds on a loaded machine."""
    with browser() as launched:
        yield launched


@pytest.fixture
def page_of(chromium):
    opened = []

    @contextmanager
    def show(path: Path, **view):
        opened.append(open_page(chromium, path, **view))
        yield opened[-1]

    yield show
    for page in opened:
        page.close()


@pytest.mark.parametrize(("protocol", "arm", "patient", "choices", "screenshot"), list(cases()))
def test_the_calendar_shows_every_event_in_its_cell_and_prints_a_month_a_page(tmp_path, page_of, protocol, arm, patient, choices,
                                                                              screenshot):
    plan = regimen.schedule(protocol, arm, patient, "2026-12-01", choices=choices)
    html = plan.to_html(time="09:00")
    path = tmp_path / "calendar.html"
    path.write_text(html, encoding="utf-8")
    with page_of(path) as page:
        check_cells(page, plan)
        assert page.evaluate(OVERFLOWING) == []
        assert page.evaluate(PAGES) == []
        if screenshot:
            keep(page, DOCS / screenshot)
        check_print(page, html, ("A4", "Letter") if (protocol, arm) == ARMS[0] else ("A4",))
        assert page.evaluate(OVERFLOWING) == []  # the print layout too


def keep(page, target: Path) -> None:
    if UPDATE:
        target.parent.mkdir(exist_ok=True)
        page.locator("section.month").first.screenshot(path=str(target), animations="disabled")
    assert target.is_file(), f"missing {target.name}; make it with REGIMEN_UPDATE_SCREENSHOTS=1"
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_course_shows_its_statuses_in_the_browser(tmp_path, page_of):
    course = regimen.load_course(HERE / "courses" / "lenvatinib_hold.toml")
    plan = regimen.replan(course, horizon="10w", today=date(2027, 1, 5))
    path = tmp_path / "course.html"
    path.write_text(plan.to_html(today="2027-01-05"), encoding="utf-8")
    with page_of(path) as page:
        check_cells(page, plan, clock="")
        assert page.evaluate(OVERFLOWING) == []
        # held 2026-12-20 to 12-29: struck through, and the word says it
        held = page.locator('td[data-date="2026-12-25"] li.held')
        assert held.inner_text().replace("\u00a0", " ").split() == ["■", "Lenvatinib", "12", "mg", "held"]
        assert held.locator(".t").evaluate("e => getComputedStyle(e).textDecorationLine") == "line-through"
        assert "today" in page.locator('td[data-date="2027-01-05"] .date').inner_text()
