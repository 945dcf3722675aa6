"""What every command shares: option pairs, clock times and spans, row reporting, and writing output."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from datetime import time, timedelta
from pathlib import Path

import click

from ..errors import InputError, one_line

__all__ = [
    "FORMATS",
    "VERBOSE",
    "clock",
    "count_rows",
    "drain",
    "emit",
    "emit_bytes",
    "finish_rows",
    "levels",
    "pairs",
    "refuse_pdf_to_terminal",
    "say_warnings",
    "span",
    "today",
    "view",
]

FORMATS = ("table", "json", "csv", "ics")

VERBOSE = click.option("--verbose", "-v", is_flag=True,
                       help="Say every warning in full (by default each is one line that keeps its id; `regimen show` has them whole).")


def view(ctx: click.Context | None, verbose: bool = False, *, err: bool = False, output: str | None = None):
    """How to render for whoever reads: colour and the terminal's width on a TTY only (and colour not
    with ``NO_COLOR`` set to anything: https://no-color.org), 100 columns in a pipe or a file, never
    colour in ``-o FILE``; warnings whole with ``--verbose`` (the command's, or ``regimen --verbose``)."""
    import shutil

    from ..export.terminal import WIDTH, View

    stream = sys.stderr if err else sys.stdout
    try:
        tty = output is None and stream.isatty()
    except (AttributeError, ValueError):  # a closed or odd stream: nobody is watching
        tty = False
    verbose = verbose or bool(ctx is not None and (ctx.find_root().obj or {}).get("verbose"))
    width = shutil.get_terminal_size((WIDTH, 24)).columns if tty else WIDTH
    return View(width=width, verbose=verbose, color=tty and not os.environ.get("NO_COLOR"), wrap_full=tty, fold=tty or not err)


def say_warnings(warnings, protocol=None, *, ctx: click.Context | None = None, verbose: bool = False) -> None:
    """The warnings on stderr, as the table shows them: for exports whose readers may never show them."""
    for line in view(ctx, verbose, err=True).warnings(warnings, protocol):
        click.echo(line, err=True, color=True)



def pairs(values: Sequence[str], option: str, accepted: str) -> dict[str, str]:
    pairs = {}
    for value in values:
        name, sep, rest = value.partition("=")
        if not sep or not name.strip() or not rest.strip():
            raise InputError(option, f"{value!r} is not accepted; give {accepted}")
        if name.strip() in pairs:
            raise InputError(option, f"{name.strip()} was given twice ({pairs[name.strip()]!r}, {rest.strip()!r}); give it once")
        pairs[name.strip()] = rest.strip()
    return pairs


def levels(values: Sequence[str]) -> dict[str, int]:
    levels = {}
    for name, value in pairs(values, "--level", "ACTIVITY=N, like regorafenib=2").items():
        if not (value.isascii() and value.isdigit()) or int(value) < 1:
            raise InputError("--level", f"{name}={value!r}: give a dose level, 1 = the protocol's highest dose, like regorafenib=2")
        levels[name] = int(value)
    return levels


def count_rows(path: str) -> int | None:
    """Data rows in the file, for a progress bar on a terminal; None when nobody is watching."""
    if not sys.stderr.isatty():
        return None
    with Path(path).open("rb") as stream:
        return max(0, sum(1 for _ in stream) - 1)


def drain(results, write, strict: bool, total: int | None) -> int:
    """Write each result, report each bad row (a row whose result cannot be written is one too)."""
    from ..cohort import RowError
    from ..errors import InputError

    failed = 0
    bar = click.progressbar(length=total, file=sys.stderr, label="planning") if total else None
    try:
        for result in results:
            if bar:
                bar.update(1)
            if not isinstance(result, RowError):
                try:
                    write(result)
                    continue
                except InputError as exc:
                    if exc.option == "--output":
                        raise  # the output itself failed: nothing more can be written
                    result = RowError(result.line, result.id, str(exc))
            failed += 1
            click.echo(f"Error: {result}", err=True)
            if strict:
                raise SystemExit(2)
    finally:
        if bar:
            bar.render_finish()
    return failed


def finish_rows(done: int, failed: int, what: str) -> None:
    if failed:
        click.echo(f"Error: {failed} row{'s' if failed != 1 else ''} failed; {done} {what}{'s' if done != 1 else ''} done", err=True)
        sys.exit(2)


def clock(text: str | None) -> time | None:
    from ..inputs import parse_clock

    return parse_clock(text, "--time")


def span(text: str | None) -> timedelta | None:
    from ..inputs import parse_reminder

    return parse_reminder(text, "--remind")


def emit(text: str, output: str | None, *, binary: bool) -> None:
    """``text`` to standard output, or atomically to the file ``output`` (see AtomicFile).

    Standard output always gets UTF-8 bytes, whatever the locale's encoding: ``PYTHONIOENCODING=latin-1``
    or a C locale must not turn a dose sheet with ``√``, ``≥`` or ``±`` into a traceback. ``binary``
    keeps CRLF line ends exactly as RFC 5545 / RFC 4180 want them; text gets the platform's.
    """
    if output is None:
        try:
            data = text.encode("utf-8") if binary else text.replace("\n", os.linesep).encode("utf-8")
            stream = getattr(sys.stdout, "buffer", None)
            if stream is None:  # a text-only stream (an embedding application's): it takes str
                sys.stdout.write(text)
            else:
                sys.stdout.flush()
                stream.write(data)
            sys.stdout.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:  # a full disk behind a redirection: say so, and let the exit flush go nowhere
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise InputError("--output", f"cannot write standard output: {exc.strerror}") from None
        return
    from ..files import write_file

    write_file(output, text.encode("utf-8"))
    click.echo(f"wrote {one_line(output)}", err=True)




def today(text: str | None):
    """``--today``: an ISO date, or the system date when not given."""
    from .. import inputs
    from ..inputs import parse_date

    return parse_date(text, "--today") if text else inputs.today()


def emit_bytes(data: bytes, output: str | None) -> None:
    """A binary document (a PDF) to ``output``, atomically, or to standard output (a pipe or a file, not a terminal)."""
    if output is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    from ..files import write_file

    write_file(output, data)
    click.echo(f"wrote {one_line(output)}", err=True)


def refuse_pdf_to_terminal(fmt: str, output: str | None) -> None:
    """A PDF is a file: on a terminal without ``-o`` it would print binary noise."""
    if fmt == "pdf" and output is None and sys.stdout.isatty():
        raise InputError("--format pdf", "writes a file, not text for a terminal: give -o FILE.pdf (or pipe it)")


SUFFIXES = {".txt": ("table",), ".html": ("html",), ".htm": ("html",), ".json": ("json", "fhir"), ".csv": ("csv",),
            ".ics": ("ics",), ".pdf": ("pdf",)}


def format_for(fmt: str | None, output: str | None, choices: Sequence[str]) -> str:
    """The format to write: ``--format``, else the one ``-o``'s suffix names (``-o calendar.pdf``), else table.
    A suffix that names another format is refused, so a file called .pdf never holds a text table."""
    named = [f for f in SUFFIXES.get(Path(output or "").suffix.lower(), ()) if f in choices]
    if fmt is not None and named and fmt not in named:
        raise InputError("-o", f"{one_line(output or '')} is named as {named[0]} but --format is {fmt}; "
                               f"give --format {named[0]} or another file name")
    return fmt or (named[0] if named else "table")
