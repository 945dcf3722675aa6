"""What every command shares: option pairs, clock times and spans, row reporting, and writing output."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import time, timedelta
from pathlib import Path

import click

from ..errors import InputError

__all__ = ["FORMATS", "clock", "count_rows", "drain", "emit", "finish_rows", "levels", "pairs", "span"]

FORMATS = ("table", "json", "csv", "ics")



def pairs(values: Sequence[str], option: str, accepted: str) -> dict[str, str]:
    pairs = {}
    for value in values:
        name, sep, rest = value.partition("=")
        if not sep or not name.strip() or not rest.strip():
            raise InputError(option, f"{value!r} is not accepted; give {accepted}")
        pairs[name.strip()] = rest.strip()
    return pairs


def levels(values: Sequence[str]) -> dict[str, int]:
    levels = {}
    for name, value in pairs(values, "--level", "ACTIVITY=N, like regorafenib=1").items():
        if not value.isdigit():
            raise InputError("--level", f"{name}={value!r}: give the number of dose reductions, 0 or more, like regorafenib=1")
        levels[name] = int(value)
    return levels


def count_rows(path: str) -> int | None:
    """Data rows in the file, for a progress bar on a terminal; None when nobody is watching."""
    if not sys.stderr.isatty():
        return None
    with Path(path).open("rb") as stream:
        return max(0, sum(1 for _ in stream) - 1)


def drain(results, write, strict: bool, total: int | None) -> int:
    from ..cohort import RowError

    failed = 0
    bar = click.progressbar(length=total, file=sys.stderr, label="planning") if total else None
    try:
        for result in results:
            if bar:
                bar.update(1)
            if isinstance(result, RowError):
                failed += 1
                click.echo(f"Error: {result}", err=True)
                if strict:
                    raise SystemExit(2)
            else:
                write(result)
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
    if output is None:
        if binary:  # keep CRLF line ends exactly as RFC 5545 / RFC 4180 want them
            sys.stdout.buffer.write(text.encode("utf-8"))
            sys.stdout.flush()
        else:
            click.echo(text, nl=False)
        return
    from ..export.render import atomic_path

    path = Path(output)
    tmp = atomic_path(path)
    try:  # a regular file is written beside the target, then renamed: a reader never sees half a file
        tmp.write_bytes(text.encode("utf-8"))
        if tmp != path:
            tmp.replace(path)
    except OSError as exc:
        if tmp != path:
            tmp.unlink(missing_ok=True)
        raise InputError("--output", f"cannot write {str(path)!r}: {exc.strerror}") from None
    click.echo(f"wrote {path}", err=True)


