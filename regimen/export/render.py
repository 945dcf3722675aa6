"""Cohort and supply output: per-patient renderers that run in worker processes, a sink that
writes their results in row order (through ``files.AtomicFile``), the supply table, CSV and chart."""

from __future__ import annotations

import csv
import io
import os
import re
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from ..errors import InputError, shown
from ..files import AtomicFile, Utf8Stdout, write_file
from ..units import format_number

if TYPE_CHECKING:
    from ..cohort import CohortResult
    from ..plan import Plan
    from ..supply import Line
    from .terminal import View

__all__ = ["Direct", "Sink", "Written", "check_plotting", "csv_rows", "ics_file", "ics_into", "json_line", "plot_supply", "supply_csv",
           "supply_table"]


_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def json_line(patient_id: str, plan: Plan) -> bytes:
    """One JSON Lines line, straight from the plan's compact runs, as the UTF-8 the sink writes
    (bytes are what a worker sends the parent most cheaply)."""
    from .compact import json_bytes

    return json_bytes(plan, {"id": patient_id})


def csv_rows(patient_id: str, plan: Plan) -> bytes:
    from .compact import csv_bytes

    return csv_bytes(plan, (patient_id,))


def ics_file(patient_id: str, plan: Plan) -> tuple[str, bytes]:
    if not _SAFE_ID.fullmatch(patient_id):
        raise InputError("id", f"{patient_id!r} cannot name a file; use letters, digits, '.', '_' and '-' (at most 64)")
    import hashlib

    from .ics import calendar_id, dumps

    # one calendar id per row: two patients' calendars never share a UID, and the id is a digest
    # of the row's pseudonym with its plan's inputs, not the pseudonym itself
    cal_id = hashlib.sha256(f"{patient_id}|{calendar_id(plan)}".encode()).hexdigest()[:32]
    return f"{patient_id}.ics", dumps(plan, calendar=cal_id).encode("utf-8")


class Written(NamedTuple):
    """A calendar file written by whoever planned its row (a worker, with ``--jobs``): its name, or
    why it could not be written."""

    name: str
    failure: str | None = None


def ics_into(folder: str, patient_id: str, plan: Plan) -> Written:
    """``ics_file`` written into ``folder`` here (in the worker: a calendar file needs no turn, and
    its fsync waits beside the other worker's), refusing a symbolic link as ``Sink.write`` does."""
    name, data = ics_file(patient_id, plan)
    return Written(name, _write_calendar(Path(folder), name, data))


def _write_calendar(folder: Path, name: str, data: bytes) -> str | None:
    """Write one calendar file into ``folder``, never through a symbolic link: None, or why not."""
    path = folder / name
    if path.is_symlink():
        return f"{shown(str(path))} is a symbolic link; it is not written through"
    try:
        write_file(path, data)
    except InputError as exc:
        return exc.detail
    return None


class Direct(NamedTuple):
    """Writes bytes straight to a file descriptor, unbuffered: what forked workers and the parent
    call in turn with their rows (all sharing the descriptor's file offset)."""

    fd: int
    name: str

    def __call__(self, pieces: list[bytes]) -> str | None:
        """Write every piece; None, or why the output could not be written."""
        try:
            for piece in pieces:
                view = memoryview(piece)
                while view:
                    view = view[os.write(self.fd, view):]
        except OSError as exc:
            return f"cannot write {self.name}: {exc.strerror}"
        return None


class Sink:
    """Writes results in row order: to standard output, to a file (renamed into place at the
    end, so a reader never sees half a file), or one file per patient into a folder."""

    def __init__(self, fmt: str, output: str | None) -> None:
        self.fmt, self.written = fmt, 0
        self.folder = Path(output) if fmt == "ics" and output else None
        self.target = Path(output) if output and not self.folder else None
        self.names: set[str] = set()  # files written into the folder in this run, case folded
        self.file: AtomicFile | None = None
        self.direct_to: Direct | None = None
        if self.folder is not None:
            if self.folder.is_symlink():
                raise InputError("--output", f"{shown(output)} is a symbolic link; give the folder's real path")
            try:
                self.folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise InputError("--output", f"cannot make the folder {shown(output)}: {exc.strerror}") from None
            self.stream = None
        elif self.target is not None:
            self.file = AtomicFile(self.target)  # bytes: the rows come encoded
            self.stream = self.file.__enter__()
        else:
            self.stream = Utf8Stdout()  # the same bytes whatever the locale's encoding
        if fmt == "csv":
            from .csv import COLUMNS

            self._put(("\ufeff" if self.target else "") + ",".join(("patient_id", *COLUMNS)) + "\r\n")

    def __enter__(self) -> Sink:
        return self

    def __exit__(self, kind, value, traceback) -> None:
        """Commit the output file when all went well; otherwise remove what was being written."""
        if kind is None:
            self.close()
        elif self.file is not None:
            self.file.__exit__(kind, value, traceback)

    def direct(self) -> Direct | None:
        """From now on, write straight to the output's file descriptor (what is buffered first), and
        return the writer that worker processes forked from here may call in turn; None when the
        output has no descriptor (a folder, a standard output that is not a file's)."""
        if self.stream is None:
            return None
        raw = self.stream.buffer if isinstance(self.stream, Utf8Stdout) else self.stream
        try:
            fd = raw.fileno()
            raw.flush()
        except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is both
            return None
        self.direct_to = Direct(fd, shown(str(self.target or "standard output")))
        return self.direct_to

    def _put(self, data: str | bytes) -> None:
        assert self.stream is not None
        if isinstance(data, str):
            data = data.encode("utf-8")
        if self.direct_to is not None:
            failure = self.direct_to([data])
            if failure is not None:
                raise InputError("--output", failure)
            return
        try:
            if not isinstance(self.stream, Utf8Stdout):
                self.stream.write(data)
            elif self.stream.buffer is not None:
                self.stream.buffer.write(data)
            else:  # a text-only standard output (an embedding application's)
                self.stream.write(data.decode("utf-8"))
        except OSError as exc:
            raise InputError("--output", f"cannot write {shown(str(self.target or 'standard output'))}: {exc.strerror}") from None

    def write(self, result: CohortResult) -> None:
        """Write one patient's result; a second calendar file of the same name in one run is refused
        (a duplicate id would silently overwrite the first patient's calendar)."""
        if self.folder is not None:
            value = result.value
            name = value.name if isinstance(value, Written) else value[0]
            if name.casefold() in self.names:  # (the cohort reader refuses such ids first, so a worker never writes one)
                raise InputError("id", f"{shown(result.id)} was already written to {name} in this run; ids must be unique")
            self.names.add(name.casefold())
            failure = value.failure if isinstance(value, Written) else _write_calendar(self.folder, name, value[1])
            if failure is not None:
                raise InputError("--output", failure)
        elif result.value is not None:  # None: a worker has written it (Sink.direct)
            self._put(result.value)
        self.written += 1

    def close(self) -> None:
        if self.file is not None:
            self.file.__exit__(None, None, None)
            self.file = None
        elif self.stream is not None:
            try:
                self.stream.flush()
            except OSError as exc:
                raise InputError("--output", f"cannot write standard output: {exc.strerror}") from None


def supply_table(lines: list[Line], first: date, last: date, by: str, view: View | None = None) -> str:
    rows = [("period", "drug", "doses", "total mg", "dispense", "waste mg")]
    for line in lines:
        period = line.start.isoformat() if by == "week" else line.start.strftime("%Y-%m")
        rows.append((period, line.drug, str(line.administrations), format_number(line.total_mg), line.dispense(),
                     format_number(line.waste_mg) if line.form == "vial" else ""))
    from .terminal import View

    view = view or View()  # 100 columns, no colour
    head = "\n".join(view.prose([f"Supply {first.isoformat()} to {last.isoformat()} by {by}; conditional events not counted; "
                                 "vials are whole per dose"], "heading"))
    return "\n".join([head, "", view.table(rows, wrap=(4,))]) if lines else head + "\nno doses in this period\n"


def supply_csv(lines: list[Line]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(("period_start", "period_end", "drug", "form", "administrations", "total_mg", "dispense", "waste_mg"))
    from .csv import safe_cell

    for line in lines:
        writer.writerow((line.start.isoformat(), line.end.isoformat(), safe_cell(line.drug), safe_cell(line.form or ""), line.administrations,
                         format_number(line.total_mg), safe_cell(line.dispense()), format_number(line.waste_mg)))
    return out.getvalue()


def check_plotting() -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise InputError("--plot", "needs matplotlib: pip install 'regimen-calendar[plot]'") from None


def plot_supply(lines: list[Line], path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    drugs = sorted({line.drug for line in lines})
    figure, axes = plt.subplots(len(drugs), 1, figsize=(9, 2.2 * max(1, len(drugs))), squeeze=False)
    for axis, drug in zip(axes[:, 0], drugs, strict=True):
        mine = [line for line in lines if line.drug == drug]
        axis.bar([line.start.isoformat() for line in mine], [line.total_mg for line in mine], color="#4a78a8")
        axis.set_title(drug, loc="left", fontsize=10)
        axis.set_ylabel("mg")
        axis.tick_params(axis="x", labelrotation=60, labelsize=7)
    figure.tight_layout()
    try:
        with AtomicFile(path, "--plot") as stream:
            figure.savefig(stream, dpi=110, format="png")
    finally:
        plt.close(figure)
