"""Many patients at once: a CSV with one row per patient, planned row by row.

Columns: ``id`` (a pseudonym, never a name: ``inputs.PSEUDONYM``, as in course files; unique in the file), ``protocol``, ``arm``, ``start``, ``weight``; optional
``height`` and ``horizon``; ``at:ACTIVITY`` pins a date, ``level:ACTIVITY`` gives the dose level (1 = the highest),
and any other column is a choice (``ici``, ``regorafenib_start``). Empty cells are not given.

Rows are read lazily and processed in bounded batches, so memory stays flat however long the
file. A bad row becomes a :class:`RowError` with its line number while the others go on. With
``jobs`` > 1, worker processes plan and render rows; only rendered results cross processes.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import suppress
from datetime import date
from typing import IO, Any, NamedTuple

from .errors import InputError, RegimenError, one_line
from .inputs import PSEUDONYM
from .model import Protocol
from .patient import Patient
from .plan import Plan
from .schedule import schedule
from .tomlfile import CSV_LIMIT, open_text_stream, undecodable

__all__ = ["CELL_LIMIT", "REQUIRED", "CohortResult", "Protocols", "RowError", "RowInputs", "open_patients", "plan_for_row", "process", "read_rows",
           "row_inputs", "starting_by"]

REQUIRED = ("id", "protocol", "arm", "start", "weight")
OPTIONAL = ("height", "horizon")
PIN, LEVEL = "at:", "level:"
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")
CELL_LIMIT = 1000  # characters in one cell: an id, a date, a weight or a choice needs far fewer
_UNREADABLE = "__unreadable__"  # a row the csv module could not split (a cell over its 131,072-character limit)


class CohortResult(NamedTuple):
    """One row's rendered result."""

    line: int
    id: str
    value: Any


class RowError(NamedTuple):
    """One row that could not be planned, and why."""

    line: int
    id: str
    message: str

    def __str__(self) -> str:
        shown_id = one_line(self.id if len(self.id) <= 64 else f"{self.id[:64]}…")  # no terminal escapes from a cell
        who = f" ({shown_id})" if self.id else ""
        return f"row {self.line}{who}: {one_line(self.message)}"


def open_patients(path: str) -> IO[str]:
    """A cohort file's text as a stream read as it goes (memory stays flat): a regular file of at most
    CSV_LIMIT bytes, UTF-8 (a spreadsheet's byte-order mark is dropped) or UTF-16/32 with a mark."""
    return open_text_stream(path, "cohort file", CSV_LIMIT)


def read_rows(stream: IO[str], *, fold_case: bool = False) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) pairs, read lazily; the header must name the required columns.

    A row whose id repeats an earlier row's is yielded marked, so that planning it reports both
    rows; with ``fold_case`` (the ids name files: ``--format ics``), so is one whose id differs
    from an earlier one only in case.
    """
    reader = csv.DictReader(stream)
    name = getattr(getattr(stream, "buffer", None), "name", "PATIENTS.csv")
    try:
        fieldnames = reader.fieldnames
    except csv.Error as exc:
        raise InputError("PATIENTS.csv", f"the header cannot be read as CSV: {exc}") from None
    except UnicodeDecodeError as exc:
        raise undecodable(str(name), exc, 1) from None
    header = [name.strip() for name in (fieldnames or [])]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise InputError("PATIENTS.csv", f"the header lacks {', '.join(missing)}; required columns: {', '.join(REQUIRED)}")
    reader.fieldnames = header
    # id (lower-cased with fold_case) -> its row number and 32 bits of the id's own hash: one string
    # and one int a patient. With fold_case "p-1" after "P-1" is refused too (the same calendar file
    # on some systems), and the hash tells the message whether the two differ only in case.
    seen: dict[str, int] = {}
    while True:
        first_line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except UnicodeDecodeError as exc:
            raise undecodable(str(name), exc, first_line) from None
        except csv.Error as exc:  # the reader goes on with the next line
            yield first_line, {_UNREADABLE: str(exc)}
            continue
        if None in row:  # more cells than header names
            row = {"__extra__": "x", **{k: v for k, v in row.items() if k is not None}}
        patient_id = (row.get("id") or "").strip()
        key = patient_id.lower() if fold_case else patient_id  # a pseudonym is ASCII: lower() folds it
        if key in seen:
            earlier, digest = divmod(seen[key], 1 << 32)
            row = {**row, "__duplicate__": str(earlier), **({} if digest == hash(patient_id) & 0xFFFFFFFF else {"__case__": "x"})}
        elif PSEUDONYM.fullmatch(patient_id):  # (any other id is refused by itself, and never stands in another's way)
            seen[key] = reader.line_num << 32 | hash(patient_id) & 0xFFFFFFFF
        yield reader.line_num, row


def starting_by(rows: Iterable[tuple[int, dict[str, str]]], last: date) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows whose day 0 is on or before ``last`` (later ones have nothing in a forecast to ``last``).
    A row whose start does not parse is kept, so that its error is reported."""
    for line, row in rows:
        start = (row.get("start") or "").strip()
        if _ISO.fullmatch(start) and start > last.isoformat():
            continue
        yield line, row


class RowInputs(NamedTuple):
    """One row's checked cells, as schedule() takes them."""

    protocol: Protocol
    arm: str
    patient: Patient
    start: str
    pins: dict[str, str]
    choices: dict[str, str]
    levels: dict[str, int]
    horizon: str | None
    allow_past: bool

    def plan(self) -> Plan:
        return schedule(self.protocol, self.arm, self.patient, self.start, pins=self.pins, choices=self.choices, levels=self.levels,
                        horizon=self.horizon, allow_past=self.allow_past)


def plan_for_row(row: dict[str, str], *, protocol_dirs: Iterable[str] = (), horizon: str | None = None,
                 override_horizon: bool = False, allow_past: bool = False, protocols: Protocols | None = None) -> Plan:
    """The plan for one cohort row; raises a RegimenError naming the bad cell. ``protocols`` keeps
    the run's protocols loaded (default: each row loads its own, from ``protocol_dirs``)."""
    return row_inputs(row, protocols or Protocols(protocol_dirs), horizon, override_horizon, allow_past).plan()


def row_inputs(row: dict[str, str], protocols: Protocols, horizon: str | None, override_horizon: bool, allow_past: bool) -> RowInputs:
    """A row's cells checked (each through the parser every way in shares); raises a RegimenError naming the bad cell."""
    if _UNREADABLE in row:
        raise InputError("row", f"cannot be read as CSV ({row[_UNREADABLE]})")
    if "__extra__" in row:
        raise InputError("row", "more cells than the header has columns")
    if "__case__" in row:
        raise InputError("id", f"{row['id'].strip()!r} differs only in case from the id of row {row['__duplicate__']}; each patient needs "
                               "an id of their own (ids name calendar files, and some systems do not tell P-1.ics from p-1.ics)")
    if "__duplicate__" in row:
        raise InputError("id", f"{row['id'].strip()!r} is also the id of row {row['__duplicate__']}; each patient needs an id of their own")
    cells = {k: (v or "").strip() for k, v in row.items() if k is not None}
    for name, value in cells.items():
        if len(value) > CELL_LIMIT:
            raise InputError(name, f"the cell holds {len(value):,} characters; a cell may hold at most {CELL_LIMIT:,}")
    for name in REQUIRED:
        if not cells.get(name):
            raise InputError(name, "is empty; every row needs " + ", ".join(REQUIRED))
    if not PSEUDONYM.fullmatch(cells["id"]):
        raise InputError("id", f"{cells['id']!r} is not accepted: give a pseudonym of letters, digits, '.', '_' and '-' "
                               "(at most 64, no spaces), never a name")
    pins = {k[len(PIN):]: v for k, v in cells.items() if k.startswith(PIN) and v}
    levels = {}
    for key, value in cells.items():
        if key.startswith(LEVEL) and value:
            if not (value.isascii() and value.isdigit()) or int(value) < 1:
                raise InputError(key, f"{value!r}: give a dose level, 1 = the protocol's highest dose")
            levels[key[len(LEVEL):]] = int(value)
    known = set(REQUIRED) | set(OPTIONAL)
    choices = {k: v for k, v in cells.items() if v and k not in known and not k.startswith((PIN, LEVEL))}
    protocol = protocols(cells["protocol"])
    patient = Patient.from_measurements(cells["weight"], cells.get("height") or None, prefix="")
    chosen_horizon = horizon if override_horizon else (cells.get("horizon") or horizon)
    return RowInputs(protocol, cells["arm"], patient, cells["start"], pins, choices, levels, chosen_horizon, allow_past)


class Protocols:
    """The protocols one run's rows name, each loaded once (and a bad name's error found once)."""

    def __init__(self, protocol_dirs: Iterable[str] = ()) -> None:
        self.dirs, self.found = tuple(protocol_dirs), {}

    def __call__(self, ref: str):
        found = self.found.get(ref)
        if found is None:
            from .loader import load_protocol

            try:
                found = load_protocol(ref, self.dirs)
            except RegimenError as exc:
                found = exc
            if len(self.found) < 256:  # a file of many misspelt names keeps no more than this
                self.found[ref] = found
        if isinstance(found, RegimenError):
            raise found.with_traceback(None)
        return found


Work = Callable[[str, Plan], Any]


class _Task(NamedTuple):
    """What planning one row needs besides the row (a worker gets it once, not with every row)."""

    work: Work
    protocols: Protocols
    horizon: str | None
    override: bool
    allow_past: bool
    inputs: bool  # work takes the row's inputs, not its plan

    def __call__(self, item: tuple[int, dict[str, str]]) -> CohortResult | RowError:
        line, row = item
        patient_id = (row.get("id") or "").strip()
        try:
            given = row_inputs(row, self.protocols, self.horizon, self.override, self.allow_past)
            return CohortResult(line, patient_id, self.work(patient_id, given if self.inputs else given.plan()))
        except RegimenError as exc:
            return RowError(line, patient_id, str(exc))


def process(rows: Iterable[tuple[int, dict[str, str]]], work: Work, *, jobs: int = 1, protocol_dirs: Iterable[str] = (),
            horizon: str | None = None, override_horizon: bool = False, allow_past: bool = False,
            inputs: bool = False, out: Callable[[list[bytes]], str | None] | None = None) -> Iterator[CohortResult | RowError]:
    """Plan every row and apply ``work(id, plan)``, in row order, ``jobs`` processes at a time;
    with ``inputs``, ``work(id, row_inputs)`` plans the row itself (supply plans many from one timeline).

    ``work`` must be a module-level function (or a partial of one) when ``jobs`` > 1. Its results
    are what crosses between processes (rendered text: make it bytes, the cheapest to send), a few
    chunks of rows at a time, so memory stays flat however long the plans.

    ``out`` (with ``jobs`` > 1, where processes fork): a writer of rendered bytes to the output's file
    descriptor (``Sink.direct()``). The workers then write their rows' bytes themselves, in row
    order, and only small results cross back: ``CohortResult(line, id, None)`` for a row written.
    """
    from .workers import roomy_heap

    roomy_heap()  # before the workers fork: they keep it too
    task = _Task(work, Protocols(protocol_dirs), horizon, override_horizon, allow_past, inputs)
    rows = iter(rows)
    if jobs <= 1:
        for item in rows:
            yield task(item)
        return
    yield from _parallel(task, rows, jobs, out)


def _parallel(task: _Task, rows: Iterator[tuple[int, dict[str, str]]], jobs: int,
              out: Callable[[list[bytes]], str | None] | None) -> Iterator[CohortResult | RowError]:
    """The first row is planned here, and the protocols the first rows name loaded, before the
    workers fork: they start with everything loaded (units, protocols, exporters), not each anew."""
    from itertools import chain, islice

    from .workers import can_write_in_turn, in_turn, ordered

    head = list(islice(rows, 256))
    if not head:
        return
    for _, row in head:
        ref = (row.get("protocol") or "").strip()
        if ref and len(ref) <= CELL_LIMIT:
            with suppress(RegimenError):  # said by the row's own result
                task.protocols(ref)
    yield task(head[0])
    if out is not None and can_write_in_turn():
        yield from in_turn(task, chain(head[1:], rows), jobs, out, _payload, _stamp, _size)
    else:  # no descriptor to share, or no fork (spawn): the rendered bytes come back through a pipe
        yield from ordered(task, chain(head[1:], rows), jobs, _size)


def _payload(result: CohortResult | RowError) -> bytes | None:
    """What a worker writes for a row itself: a rendered row's bytes (a bad row goes to the parent)."""
    value = getattr(result, "value", None)
    return value if isinstance(result, CohortResult) and isinstance(value, bytes) else None


def _stamp(result: CohortResult) -> CohortResult:
    """A row the worker has written, as the parent gets it: no value, the bytes are in the output."""
    return result._replace(value=None)


def _size(result: CohortResult | RowError) -> int:
    """A result's bytes, roughly: what sizes the chunks sent to the workers."""
    value = getattr(result, "value", None)
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], bytes | str):
        value = value[1]  # a calendar file: (name, text)
    if isinstance(value, dict):  # a plan's columns (parquet): some 200 bytes an event when pickled
        return 200 * max((len(column) for column in value.values()), default=0)
    return len(value) if isinstance(value, bytes | str) else 256
