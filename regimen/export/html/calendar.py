"""Plan -> the printable patient calendar: a month grid per month that has something planned, then
a diary card per oral drug and a last page with the assumptions and every dose's derivation.

One self-contained HTML page (inline CSS, no script, nothing fetched); printed, each month is one
A4 or Letter page. Every text from the protocol file or the course is escaped.
"""

from __future__ import annotations

import calendar as _calendar
import unicodedata
from datetime import date, time

from ...errors import InputError, shown
from ...plan import Plan
from ..page import document, escape
from .cells import Entry, conditions, day_entries, windows
from .diary import diary_pages
from .notes import notes_page
from .style import CALENDAR_CSS, Mark, mark_css, marks

__all__ = ["calendar_html", "check_label"]

LABEL_LIMIT = 200  # characters, as a calendar's name

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
GRID_MM = 185.0  # the height the week rows share (the grid is 190 mm with its weekday row)
CELL_WIDTH_MM = 26.0  # a day's column less its padding
# (font size pt, line height mm, characters per line) from largest to smallest: a cell takes the
# largest that holds its entries (Liberation Sans Narrow is about 0.42 em a character, less the
# symbol before each entry and some room for bold home doses)
SIZES = ((8.5, 3.45, 19), (7.5, 3.05, 22), (6.5, 2.65, 25))


def calendar_html(plan: Plan, *, at: time | None = None, label: str | None = None, today: date | None = None) -> str:
    """The whole calendar document. ``at`` times the clinic events; ``label`` heads every page
    (nothing identifies the patient unless it does); ``today`` (a course's) is marked."""
    check_label(label)
    found = marks([a.id for a in plan.arm.activities])
    entries = day_entries(plan, at=at)
    shaded = windows(plan)
    months = sorted({(d.year, d.month) for d in entries})
    pages, previous = [], None
    for year, month in months:
        pages.append(_month(plan, year, month, entries, shaded, found, label=label, today=today, after=previous))
        previous = (year, month)
    if not months:
        pages.append(f'<section class="page">{_heading(plan, "Nothing planned", label)}'
                     f"<p>This plan has no events up to {plan.horizon_end.isoformat()}.</p></section>")
    pages += diary_pages(plan, found, label=label)
    pages.append(notes_page(plan, label=label))
    title = f"{plan.protocol.id} arm {plan.arm.id}: calendar from {plan.start.isoformat()}" + (f" ({label})" if label else "")
    return document(title, "\n".join(pages), css=CALENDAR_CSS + mark_css(found))


def check_label(label: str | None, option: str = "--label") -> None:
    """A heading is one line of printable text, as a calendar's name is (see export.ics)."""
    if label is not None and (not label.strip() or any(unicodedata.category(c).startswith("C") for c in label)
                              or len(label) > LABEL_LIMIT):
        raise InputError(option, f"{shown(label)} is not accepted; give one line of printable text (no line breaks or control "
                                 f"characters), at most {LABEL_LIMIT} characters")


def _heading(plan: Plan, title: str, label: str | None) -> str:
    who = f"<b>{escape(label)}</b><br>" if label else ""
    return (f'<header><h1>{escape(title)}</h1><div class="who">{who}{escape(plan.protocol.id)}, arm {escape(plan.arm.id)}'
            f"<br>day 0 = {plan.start.isoformat()} ({escape(plan.arm.day0)})</div></header>")


def _month(plan: Plan, year: int, month: int, entries: dict[date, list[Entry]], shaded: set[date],
           found: dict[str, Mark], *, label: str | None, today: date | None, after: tuple[int, int] | None) -> str:
    weeks = _calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    height = GRID_MM / len(weeks)
    rows = []
    for week in weeks:
        cells = "".join(_cell(plan, day, month, entries.get(day, []), day in shaded, found, height, today) for day in week)
        rows.append(f"<tr>{cells}</tr>")
    head = "".join(f"<th>{name}</th>" for name in WEEKDAYS)
    name = f"{_calendar.month_name[month]} {year}"
    return (f'<section class="page month" data-month="{year:04d}-{month:02d}">{_heading(plan, name, label)}'
            f"{_gap(after, (year, month))}"
            f'<table class="grid"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
            f"{_footnotes(plan, weeks, month, entries)}{_legend(plan, found, today)}</section>")


def _gap(after: tuple[int, int] | None, this: tuple[int, int]) -> str:
    if after is None:
        return ""
    following = (after[0] + after[1] // 12, after[1] % 12 + 1)
    if following == this:
        return ""
    before = (this[0] - (this[1] == 1), (this[1] - 2) % 12 + 1)
    span = f"{following[0]:04d}-{following[1]:02d}" + ("" if following == before else f" to {before[0]:04d}-{before[1]:02d}")
    return f'<p class="gap">Nothing is planned in {span}.</p>'


def _cell(plan: Plan, day: date, month: int, entries: list[Entry], shaded: bool, found: dict[str, Mark],
          height: float, today: date | None) -> str:
    classes = []
    if day.month != month:
        return f'<td class="out"><div class="cell" style="height: {height:.2f}mm"></div></td>'
    if day.weekday() >= 5:
        classes.append("we")
    if shaded:
        classes.append("win")
    offset = (day - plan.start).days
    if offset == 0:
        classes.append("day0")
    if day == today:
        classes.append("today")
    size = _size(entries, height)
    counter = "day 0" if offset == 0 else f"d{offset}"
    if day == today:
        counter = f"today · {counter}"
    items = "".join(_item(entry, found) for entry in entries)
    style = f"height: {height:.2f}mm; font-size: {size}pt"
    return (f'<td class="{" ".join(classes)}" data-date="{day.isoformat()}"><div class="cell" style="{style}">'
            f'<div class="date"><b>{day.isoformat()}</b><span>{counter}</span></div>'
            f"{f'<ul>{items}</ul>' if items else ''}</div></td>")


def _size(entries: list[Entry], height: float) -> float:
    """The largest font size at which the entries, wrapped word by word, fit the cell (with a line to spare)."""
    for size, line, chars in SIZES:
        lines = sum(_lines(e.text + " †", chars) + (_lines(e.sub, int(chars / 0.85)) if e.sub else 0) for e in entries)
        if (lines + 1) * line + 4.2 <= height:
            return size
    return SIZES[-1][0]


def _lines(text: str, chars: int) -> int:
    """How many lines ``text`` takes at ``chars`` characters a line, broken at spaces (not at no-break spaces)."""
    count, used = 1, 0
    for word in text.split(" "):
        if used and used + 1 + len(word) > chars:
            count, used = count + 1, 0
        used += (1 if used else 0) + len(word)
        while used > chars:  # a word longer than the line breaks anywhere (overflow-wrap)
            count, used = count + 1, used - chars
    return count


def _item(entry: Entry, found: dict[str, Mark]) -> str:
    mark = found.get(entry.activity)
    symbol = f'<span class="sym">{mark.symbol}</span> ' if mark else '<span class="sym">◇</span> '
    css = " ".join((mark.css if mark else "milestone", *entry.classes))
    sub = f'<span class="sub">{escape(entry.sub)}</span>' if entry.sub else ""
    return f'<li class="{css}" data-activity="{escape(entry.activity)}">{symbol}<span class="t">{escape(entry.text)}</span>{sub}</li>'


def _footnotes(plan: Plan, weeks: list[list[date]], month: int, entries: dict[date, list[Entry]]) -> str:
    used = {e.note for week in weeks for day in week if day.month == month for e in entries.get(day, []) if e.note}
    if not used:
        return ""
    listed = "".join(f'<li value="{n}">if eligible ({n}): {escape(text)}</li>'
                     for text, n in conditions(plan).items() if n in used)
    return f'<ol class="footnotes">{listed}</ol>'


def _legend(plan: Plan, found: dict[str, Mark], today: date | None) -> str:
    from ...plan import taken_at_home

    shown = {e.activity for e in plan.events}
    items = []
    for activity in plan.arm.activities:
        if activity.id not in shown:
            continue
        where = "at home" if taken_at_home(activity) else "at the clinic"
        route = f" {activity.route}" if activity.route else ""
        mark = found[activity.id]
        items.append(f'<li class="{mark.css}"><span class="sym">{mark.symbol}</span> {escape(activity.name)}{escape(route)}: {where}</li>')
    items += ['<li><span class="swatch day0"></span> day 0</li>', '<li><span class="swatch we"></span> weekend</li>',
              '<li><span class="swatch win"></span> inside an allowed window: the visit may fall on any of these days</li>',
              "<li>† given only if the blood tests before it allow</li>", "<li><i>if eligible</i>: happens only if its condition holds</li>"]
    if any(e.status != "planned" for e in plan.events):
        items.append("<li>✓ given; <s>held</s>, <s>skipped</s>: not given; <b>overdue</b>: due and not recorded</li>")
    if today is not None:
        items.append(f'<li><span class="swatch" style="border: 0.7mm dashed #b00"></span> today ({today.isoformat()})</li>')
    return f'<div class="legend"><ul>{"".join(items)}</ul></div>'
