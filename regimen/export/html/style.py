"""The calendar's look: its print CSS, and one mark (symbol and colour) per activity of the arm.

Each activity keeps the same symbol and colour in the grid, the legend and the diary cards, and
the symbol alone tells them apart in a black-and-white print.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["CALENDAR_CSS", "Mark", "marks"]

# Colours that stay apart for the common colour-vision deficiencies (Okabe and Ito's palette),
# darkened where needed for text on white; the symbol carries the meaning in grey prints.
_COLOURS = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#8a6d00", "#56b4e9", "#e69f00", "#555555")
_SYMBOLS = ("●", "■", "▲", "◆", "★", "▼", "◉", "✚", "◐", "✖", "⬟", "☗")


class Mark(NamedTuple):
    """How one activity shows: ``symbol`` and ``colour`` (a CSS colour), and its CSS class ``css``."""

    symbol: str
    colour: str
    css: str


def marks(activity_ids: list[str]) -> dict[str, Mark]:
    """One mark per activity, in the arm's order: the same arm always gives the same marks."""
    found = {}
    for index, activity_id in enumerate(activity_ids):
        found[activity_id] = Mark(_SYMBOLS[index % len(_SYMBOLS)], _COLOURS[index % len(_COLOURS)], f"m{index}")
    return found


def mark_css(found: dict[str, Mark]) -> str:
    return "".join(f".{m.css} .sym {{ color: {m.colour}; }}\n" for m in found.values())


# A month is one page: the page box is 190 x 259 mm (A4 or Letter less 10 mm margins, see
# page.BASE_CSS); the grid's rows share a fixed height, so a month with six weeks fits as well.
CALENDAR_CSS = """
body { max-width: 206mm; }
.month { height: 255mm; overflow: hidden; }
header { overflow: hidden; }
header h1 { float: left; }
.month h1 { font-size: 16pt; }
.who { float: right; font-size: 9pt; color: #333; text-align: right; }
table.grid { table-layout: fixed; width: 190mm; }
table.grid th { font-size: 9pt; text-align: center; background: #eee; padding: 0.6mm; height: 5mm; }
table.grid td { padding: 0.6mm 0.8mm; overflow: hidden; font-family: "Liberation Sans Narrow", "Arial Narrow",
  "DejaVu Sans Condensed", "Liberation Sans", Arial, sans-serif; font-size: 8.5pt; line-height: 1.15; }
table.grid td.we { background: #f3f3f3; }
table.grid td.out { background: #fafafa; border-color: #ccc; }
table.grid td.win { background-image: repeating-linear-gradient(135deg, #d4e3f3 0 0.7mm, transparent 0.8mm 2.4mm); }
table.grid td.day0 { outline: 0.8mm solid #000; outline-offset: -0.8mm; }
table.grid td.today { outline: 0.8mm dashed #b00; outline-offset: -0.8mm; }
td .date { font-size: 7.5pt; color: #444; margin-bottom: 0.4mm; overflow: hidden; }
td .date span { float: right; }
td .date b { color: #000; font-size: 9pt; }
td .cell { overflow: hidden; }
td ul { list-style: none; margin: 0; padding: 0; }
td li { margin: 0 0 0.3mm; overflow-wrap: anywhere; }
li .sym { font-weight: bold; }
li.home { font-weight: bold; }
li .sub { display: block; font-size: 0.85em; color: #444; font-weight: normal; }
li.cond { font-style: italic; }
li.held, li.skipped { color: #666; }
li.held .t, li.skipped .t { text-decoration: line-through; }
li.overdue { color: #b00; font-weight: bold; }
.tag { font-size: 0.85em; font-weight: bold; font-style: normal; }
.legend { font-size: 9pt; margin-top: 2mm; }
.legend ul { list-style: none; margin: 0; padding: 0; columns: 2; column-gap: 6mm; }
.legend li { break-inside: avoid; }
.footnotes { font-size: 8.5pt; margin: 1mm 0 0; padding-left: 5mm; }
.gap { font-size: 9pt; margin: 1mm 0; }
.swatch { display: inline-block; width: 6mm; height: 3mm; border: 0.2mm solid #666; vertical-align: middle; }
.swatch.win { background-image: repeating-linear-gradient(135deg, #d4e3f3 0 0.7mm, #fff 0.8mm 2.4mm); }
.swatch.we { background: #f3f3f3; }
.swatch.day0 { border: 0.7mm solid #000; }
table.diary td, table.diary th { font-size: 9.5pt; padding: 0.9mm 1.5mm; }
table.diary td.box { width: 10mm; text-align: center; }
table.diary td.box span { display: inline-block; width: 4.5mm; height: 4.5mm; border: 0.4mm solid #000; }
table.diary td.notes { width: 55mm; }
table.diary tr.we td { background: #f3f3f3; }
.notes-page { font-size: 9.5pt; }
.notes-page dt { font-weight: bold; margin-top: 2mm; }
.notes-page dd { margin: 0 0 0 5mm; }
.notes-page ul { margin: 0.5mm 0 0; padding-left: 5mm; }
.status { font-weight: bold; }
@media print { body { max-width: none; } }
"""
