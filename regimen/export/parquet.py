"""A cohort as one Parquet file for analysts, through pyarrow (the optional ``parquet`` extra).

One row per event (dose-day, procedure, assessment) of each patient's plan, in each plan's event
order, with typed columns: dates as ``date32``, numbers as integers and ``float64`` (the dose in
``dose`` with its unit in ``dose_unit``). Columns are built straight from the plan's compact runs
(a run of daily doses is a few ranges), rows are written in row groups of about ``GROUP`` events,
so memory stays flat however many patients; nothing in the file varies from run to run (the
writer's ``created_by`` names only the pyarrow version). pyarrow is imported only here.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InputError, shown

if TYPE_CHECKING:
    from ..cohort import CohortResult
    from ..plan import Plan

__all__ = ["COLUMNS", "EXTRA", "GROUP", "ParquetSink", "plan_columns"]

EXTRA = "pip install 'regimen-calendar[parquet]'"
GROUP = 65_536  # events per row group (some 90 two-year plans): the columns in memory stay small
_EPOCH = 719_163  # date(1970, 1, 1).toordinal(): date32 counts days from it

# name -> pyarrow type name; _seq and _order only sort the rows, and are not written
COLUMNS = {
    "patient_id": "string", "protocol": "string", "arm": "string", "key": "string", "activity": "string", "kind": "string",
    "name": "string", "drug": "string", "route": "string", "date": "date32", "study_day": "int32", "earliest": "date32",
    "latest": "date32", "cycle": "int32", "cycle_day": "int32", "occurrence": "int32", "dose": "float64", "dose_unit": "string",
    "dose_text": "string", "conditional": "bool_", "condition": "string", "status": "string",
}
_SORT = ("_seq", "_order")


def plan_columns(patient_id: str, plan: Plan) -> dict[str, list]:
    """One plan's events as columns (lists), unsorted within the plan: the writer sorts each row
    group by patient, then (date, activity order, activity, occurrence) as ``plan.events``."""
    cols: dict[str, list] = {name: [] for name in (*COLUMNS, "_order")}
    start, prefix = plan.start.toordinal(), f"{plan.protocol.id}/{plan.arm.id}/"
    for track in plan.tracks:
        activity = track.activity
        for run in track.runs:
            n = len(run.days)
            if not n:
                continue
            dose = run.dose if run.dose is not None else track.dose
            days = run.days
            dates = list(range(days.start - _EPOCH, days.stop - _EPOCH, days.step))
            first = dates[:]
            last = dates[:]
            if run.first_window:
                first[0], last[0] = run.earliest - _EPOCH, run.latest - _EPOCH
            numbers = range(run.number, run.number + n)
            cycles, cycle_days = _cycle_columns(run, n)
            for name, values in (
                    ("patient_id", [patient_id] * n), ("protocol", [plan.protocol.id] * n), ("arm", [plan.arm.id] * n),
                    ("key", [f"{prefix}{activity.id}/{number}" for number in numbers]), ("activity", [activity.id] * n),
                    ("kind", [activity.kind] * n), ("name", [activity.name] * n), ("drug", [activity.drug] * n),
                    ("route", [activity.route] * n), ("date", dates), ("study_day", list(range(days.start - start, days.stop - start, days.step))),
                    ("earliest", first), ("latest", last), ("cycle", cycles), ("cycle_day", cycle_days), ("occurrence", list(numbers)),
                    ("dose", [None if dose is None else float(dose.amount)] * n), ("dose_unit", [None if dose is None else dose.unit] * n),
                    ("dose_text", [None if dose is None else dose.text] * n), ("conditional", [run.conditional] * n),
                    ("condition", [run.condition] * n), ("status", [run.status] * n), ("_order", [activity.order] * n)):
                cols[name] += values
    return cols


def _cycle_columns(run, n: int) -> tuple[list, list]:
    """Each occurrence's (cycle, day) as ``Occurrences.cycle_day`` gives them, from the run's steps."""
    if run.cycle is None:
        return [None] * n, [None] * n
    if run.cycle_step:
        return list(range(run.cycle, run.cycle + n * run.cycle_step, run.cycle_step)), [run.day] * n
    days = [None] * n if run.day is None else list(range(run.day, run.day + n * run.days.step, run.days.step))
    return [run.cycle] * n, days


class ParquetSink:
    """Writes the patients' columns in row order, a row group per ``GROUP`` events, to ``output``
    (renamed into place at the end through ``files.AtomicFile``, so no half file is ever seen)."""

    def __init__(self, output: str | None) -> None:
        if not output:
            raise InputError("--output", "--format parquet writes a binary file: give it with -o FILE.parquet")
        try:
            import pyarrow as pa
            import pyarrow.parquet as pq
        except ImportError:
            raise InputError("--format", f"parquet needs the parquet extra: {EXTRA}") from None
        from ..files import AtomicFile

        self.pa, self.written, self.target = pa, 0, Path(output)
        self.schema = pa.schema([(name, getattr(pa, kind)()) for name, kind in COLUMNS.items()])
        self.file: Any = AtomicFile(self.target)
        stream = self.file.__enter__()
        try:
            self.writer = pq.ParquetWriter(stream, self.schema, compression="zstd")
        except BaseException:
            self.file.__exit__(InputError, None, None)
            raise
        self.cols: dict[str, list] = {name: [] for name in (*COLUMNS, *_SORT)}

    def __enter__(self) -> ParquetSink:
        return self

    def __exit__(self, kind, value, traceback) -> None:
        if kind is None:
            self.close()
        elif self.file is not None:
            self.writer.close()
            self.file.__exit__(kind, value, traceback)
            self.file = None

    def write(self, result: CohortResult) -> None:
        columns = result.value
        count = len(columns["date"])
        for name, values in columns.items():
            self.cols[name] += values
        self.cols["_seq"] += [self.written] * count
        self.written += 1
        if len(self.cols["date"]) >= GROUP:
            self._flush()

    def _flush(self) -> None:
        pa = self.pa
        if not self.cols["date"]:
            return
        arrays = {name: pa.array(values, type=self.schema.field(name).type) for name, values in self.cols.items() if name in COLUMNS}
        arrays.update({name: pa.array(self.cols[name], type=pa.int64()) for name in _SORT})
        table = pa.table(arrays)
        import pyarrow.compute as pc

        keys = [("_seq", "ascending"), ("date", "ascending"), ("_order", "ascending"), ("activity", "ascending"), ("occurrence", "ascending")]
        table = table.take(pc.sort_indices(table, sort_keys=keys)).drop_columns(list(_SORT))
        self.cols = {name: [] for name in self.cols}
        try:
            self.writer.write_table(table)
        except OSError as exc:
            raise InputError("--output", f"cannot write {shown(str(self.target))}: {exc.strerror or exc}") from None

    def close(self) -> None:
        if self.file is None:
            return
        self._flush()
        self.writer.close()
        self.file.__exit__(None, None, None)
        self.file = None
