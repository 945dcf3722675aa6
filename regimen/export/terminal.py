"""How text meets a terminal: each warning said in one line that keeps its id, prose wrapped and
tables fitted to a width, and colour by role (never the only carrier of meaning: the text is whole
without it). A ``View`` says how: the width, whether warnings are said in full, whether to colour."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = ["WIDTH", "Mark", "View", "first_clause", "summary"]

WIDTH = 100  # columns when nobody says otherwise (a pipe, a file, the library's default)
_MIN_WIDTH = 40

# role -> click.style arguments; warnings in one colour, alerts in another, headings bold
_ROLES: dict[str, dict] = {
    "warning": {"fg": "yellow"},
    "warning-id": {"fg": "yellow", "bold": True},
    "heading": {"bold": True},
    "alert": {"fg": "red", "bold": True},
    "conditional": {"fg": "magenta"},
    "day0": {"fg": "green", "bold": True},
    "week": {"fg": "cyan", "bold": True},
    "today": {"fg": "cyan", "bold": True, "reverse": True},
    "dim": {"dim": True},
    "ok": {"fg": "green"},
}
_CLAUSE = re.compile(r"(?<!\be\.g)(?<!\bi\.e)(?<!\bet al)\.\s|;\s")
_CHOICE = re.compile(r"^(choice \S+ = \S+) \((the documented default|as chosen)\)")
_CONTRACEPTION = re.compile(r"^after treatment: contraception until (?P<end>\d{4}-\d{2}-\d{2}) \(last dose: (?P<dose>.+?) on "
                            r"(?P<last>\d{4}-\d{2}-\d{2})(?P<planned> \(planned\))?;.*; end: (?P=last) \+ (?P<span>[^=;]+?) = (?P=end)")


class Mark(str):
    """A table cell or a line with a colour role; it is a str, so widths and wrapping see plain text."""

    role: str | None

    def __new__(cls, text: str, role: str | None = None) -> Mark:
        made = super().__new__(cls, text)
        made.role = role
        return made


def first_clause(text: str) -> str:
    """The text up to its first sentence end or semicolon: what an assumption is, without its why."""
    found = _CLAUSE.search(text)
    return text[: found.start()] if found else text.rstrip(".")


def summary(warning: str, protocol=None) -> tuple[str, bool]:
    """A warning said short, and whether it may be cut at the width (it keeps an id to look up).

    ``assumption ID: text (source: ...; STATUS)`` becomes ``assumption ID [STATUS]: short`` (its
    ``short`` form, else its text's first clause; ``regimen show PROTOCOL`` and ``--verbose`` have the whole); ``choice NAME = VALUE (...)``
    keeps its name and value first; a contraception end keeps its date and arithmetic (the last dose
    plus the span: the rule, its source and caveats with ``--verbose``). Every other notice is about
    this patient's dates (a move, a hold) and has no id to look up: it is kept whole (wrapped, never cut).
    """
    if warning.startswith("assumption "):
        ident = warning[len("assumption "):].partition(":")[0]
        known = {a.id: a for a in protocol.assumptions} if protocol is not None else {}
        if ident in known:
            found = known[ident]
            return f"assumption {ident} [{found.status}]: {found.short or first_clause(found.text)}", True
        return warning, True
    if warning.startswith("choice "):
        return _CHOICE.sub(lambda m: f"{m[1]} ({'default' if m[2].startswith('the') else 'chosen'})", warning), True
    if found := _CONTRACEPTION.match(warning):  # its arithmetic in short; the rule, source and caveats with --verbose
        planned = "planned " if found["planned"] else ""
        moves = "; may move" if "past the horizon" in warning or "the end moves" in warning else ""
        return f"contraception until {found['end']} ({planned}last dose {found['last']} + {found['span']}{moves})", False
    return warning, False


@dataclass(frozen=True)
class View:
    """How to render for a reader: ``width`` columns, ``verbose`` (warnings whole), ``color`` (ANSI styles),
    ``wrap_full`` (wrap the whole warnings too: on a terminal; in a pipe they stay one greppable line each),
    ``fold`` (wrap notices at the width; off for stderr in a pipe, where each warning is one ``! `` line)."""

    width: int = WIDTH
    verbose: bool = False
    color: bool = False
    wrap_full: bool = False
    fold: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "width", max(_MIN_WIDTH, int(self.width)))

    def paint(self, text: str, role: str | None = None) -> str:
        role = role if role is not None else getattr(text, "role", None)
        if not self.color or not role or not text:
            return str(text)
        import click

        return click.style(str(text), **_ROLES[role])

    def warnings(self, warnings: Iterable[str], protocol=None, mark: str = "! ") -> list[str]:
        """One line per warning (``! assumption ID [STATUS]: ...``), or each whole with ``verbose``."""
        out, shortened = [], False
        for warning in warnings:
            if self.verbose:
                lines = self.wrap(mark + warning, "  ") if self.wrap_full else [mark + warning]
            else:
                short, cuttable = summary(warning, protocol)
                lines = [self.cut(mark + short)] if cuttable else self.wrap(mark + short, "  ") if self.fold else [mark + short]
                shortened = shortened or short != warning or (cuttable and lines[0] != mark + short)
            out += [self._warning_line(line, mark) for line in lines]
        if shortened:
            where = f", or `regimen show {protocol.id}`" if protocol is not None else ""
            hint = self.cut(f"{'  ' if self.fold else mark}(warnings in short: the whole text with --verbose{where})")
            out.append(self.paint(hint, "dim"))
        return out

    def _warning_line(self, line: str, mark: str) -> str:
        if not self.color:
            return line
        head = re.match(r"^(! (?:assumption|choice) )(\S+)(.*)$", line, re.S) if line.startswith(mark) else None
        if head:
            return self.paint(head[1], "warning") + self.paint(head[2], "warning-id") + self.paint(head[3], "warning")
        return self.paint(line, "warning")

    def cut(self, line: str) -> str:
        """``line`` cut at a word to the width, with ``…`` where it was cut."""
        if len(line) <= self.width:
            return line
        room = line[: self.width - 1]
        at = room.rfind(" ")
        return (room[:at] if at > self.width // 2 else room).rstrip(" ,;:(") + "…"

    def wrap(self, line: str, indent: str = "  ") -> list[str]:
        """``line`` wrapped at words to the width, continuation lines indented."""
        if len(line) <= self.width:
            return [line]
        return _wrap(line, self.width, indent) or [line]

    def prose(self, lines: Iterable[str], role: str | None = None) -> list[str]:
        return [self.paint(piece, role) for line in lines for piece in (self.wrap(line) if line else [""])]

    def table(self, rows: Sequence[Sequence[str]], wrap: Sequence[int] = (), gap: int = 2,
              below: Sequence[str] = (), below_at: int = 0) -> str:
        """``rows`` (the first is the header) in columns fitted to the width: the last column narrows
        first (to 24), then the ``wrap`` columns (by index), widest first, down to their longest word, and wrap onto
        continuation lines. A cell that is a ``Mark`` is painted with its role. ``below[i]``, when not
        empty, is said under row i (i >= 1), from column ``below_at``, a line per line of it, wrapped to the width."""
        count = len(rows[0])
        wrap = {*wrap, count - 1}
        widths = self._widths(rows, wrap, gap, keep=True)
        keep = sum(widths) + gap * (count - 1) <= self.width  # date ranges stay whole where the table still fits
        widths = widths if keep else self._widths(rows, wrap, gap, keep=False)
        lines = []
        for index, row in enumerate(rows):
            cells = [self._cell(cell, widths[i], i in wrap, keep) for i, cell in enumerate(row)]
            for depth in range(max(len(c) for c in cells)):
                parts = []
                for i, pieces in enumerate(cells):
                    piece = pieces[depth] if depth < len(pieces) else ""
                    role = "heading" if index == 0 else getattr(row[i], "role", None)
                    pad = "" if i == count - 1 else " " * (widths[i] - len(piece))
                    parts.append(self.paint(piece, role) + pad)
                lines.append((" " * gap).join(parts).rstrip())
            extra = below[index] if index < len(below) else ""
            if extra and index:
                at = min(sum(widths[:below_at]) + gap * below_at, self.width // 2)
                lines += [" " * at + self.paint(piece, getattr(extra, "role", None))
                          for part in str(extra).split("\n") for piece in _wrap(part, self.width - at, "  ")]
        return "\n".join(lines) + "\n"

    def _widths(self, rows: Sequence[Sequence[str]], wrap: set[int], gap: int, keep: bool) -> list[int]:
        """Each column's width: its widest cell, narrowed (the notes first) until the table fits."""
        count = len(rows[0])
        widths = [max(len(row[i]) for row in rows) for i in range(count)]
        floors = [max([len(w) for row in rows for w in _kept(row[i], keep).split(" ")] + [8]) if i in wrap
                  else widths[i] for i in range(count)]  # never narrower than its longest word (or date range, ``keep``)
        over = sum(widths) + gap * (count - 1) - self.width
        notes = min(widths[-1], max(floors[-1], 24))  # the last column (notes) gives way first, to 24 columns
        while over > 0:
            narrow = [i for i in wrap if widths[i] > floors[i]]
            if not narrow:
                break
            widest = count - 1 if widths[-1] > notes else max(narrow, key=lambda i: (widths[i], i))
            widths[widest] -= 1
            over -= 1
        return widths

    def _cell(self, cell: str, width: int, wraps: bool, keep: bool = True) -> list[str]:
        """The cell's lines: its ``; ``-separated parts kept whole on a line where they fit."""
        if not wraps or len(cell) <= width:
            return [str(cell)]
        lines: list[str] = []
        parts = _parts(str(cell))
        for index, part in enumerate(parts):
            part += ";" if index < len(parts) - 1 else ""
            if lines and len(lines[-1]) + 1 + len(part) <= width:
                lines[-1] += " " + part
            else:
                lines += _wrap(part, width, keep=keep) or [""]
        return lines


def _parts(text: str) -> list[str]:
    """``text`` split at each ``; `` outside parentheses."""
    parts, depth, start = [], 0, 0
    for at, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0 and text.startswith("; ", at):
            parts.append(text[start:at])
            start = at + 2
    return [*parts, text[start:]]


_RANGE = re.compile(r"(\d{4}-\d\d-\d\d) to (\d{4}-\d\d-\d\d)")


def _kept(text: str, keep: bool = True) -> str:
    """``text`` with each date range ("2026-12-01 to 2026-12-15") made one word (``keep``)."""
    return _RANGE.sub("\\1\xa0to\xa0\\2", text) if keep else text


def _wrap(text: str, width: int, indent: str = "", keep: bool = True) -> list[str]:
    """``text`` wrapped at words, and not inside a date range where ``keep`` and it fits."""
    kept = _kept(text, keep and width >= 24 + len(indent))
    return [line.replace("\xa0", " ") for line in
            textwrap.wrap(kept, width, subsequent_indent=indent, break_on_hyphens=False, break_long_words=True)]
