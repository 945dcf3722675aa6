"""Cohort and supply output: per-patient renderers that run in worker processes, a sink that
writes their results in row order, and the supply table, CSV and chart."""

from __future__ import annotations

import csv
import io
import os
import re
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InputError
from ..units import format_number

if TYPE_CHECKING:
    from ..cohort import CohortResult
    from ..plan import Plan
    from ..supply import Line

__all__ = ["Sink", "atomic_path", "check_plotting", "csv_rows", "ics_file", "json_line", "plot_supply", "supply_csv", "supply_table"]

def atomic_path(target: Path) -> Path:
    """Where to write ``target`` so that a reader never sees half a file: a temporary name beside
    it for a regular file, the target itself for a device or pipe such as /dev/null."""
    if target.exists() and not target.is_file():
        return target
    return target.with_name(f".{target.name}.tmp{os.getpid()}")


_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def json_line(patient_id: str, plan: Plan) -> str:
    from .json import line

    return line(plan, {"id": patient_id}) + "\n"


def csv_rows(patient_id: str, plan: Plan) -> str:
    from .csv import rows

    return "".join(rows(plan, (patient_id,)))


def ics_file(patient_id: str, plan: Plan) -> tuple[str, str]:
    if not _SAFE_ID.fullmatch(patient_id):
        raise InputError("id", f"{patient_id!r} cannot name a file; use letters, digits, '.', '_' and '-' (at most 64)")
    from .ics import dumps

    return f"{patient_id}.ics", dumps(plan)


class Sink:
    """Writes results in row order: to standard output, to a file (renamed into place at the
    end, so a reader never sees half a file), or one file per patient into a folder."""

    def __init__(self, fmt: str, output: str | None) -> None:
        self.fmt, self.written = fmt, 0
        self.folder = Path(output) if fmt == "ics" and output else None
        self.target = Path(output) if output and not self.folder else None
        if self.folder is not None:
            try:
                self.folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise InputError("--output", f"cannot make the folder {output!r}: {exc.strerror}") from None
            self.stream = None
        elif self.target is not None:
            # a regular file is written beside the target and renamed into place; a device or pipe
            # (/dev/null, a FIFO) is written directly: renaming over it would replace it
            self.tmp = atomic_path(self.target)
            try:
                self.stream = self.tmp.open("w", encoding="utf-8", newline="")
            except OSError as exc:
                raise InputError("--output", f"cannot write {output!r}: {exc.strerror}") from None
        else:
            import sys

            self.stream = sys.stdout
        if fmt == "csv":
            from .csv import COLUMNS

            self._put(("\ufeff" if self.target else "") + ",".join(("patient_id", *COLUMNS)) + "\r\n")

    def _put(self, text: str) -> None:
        assert self.stream is not None
        self.stream.write(text)

    def write(self, result: CohortResult) -> None:
        if self.folder is not None:
            name, text = result.value
            (self.folder / name).write_bytes(text.encode("utf-8"))
        else:
            self._put(result.value)
        self.written += 1

    def close(self) -> None:
        if self.target is not None and self.stream is not None:
            self.stream.close()
            if self.tmp != self.target:
                self.tmp.replace(self.target)
        elif self.stream is not None:
            self.stream.flush()


def supply_table(lines: list[Line], first: date, last: date, by: str) -> str:
    rows = [("period", "drug", "doses", "total mg", "dispense", "waste mg")]
    for line in lines:
        period = line.start.isoformat() if by == "week" else line.start.strftime("%Y-%m")
        rows.append((period, line.drug, str(line.administrations), format_number(line.total_mg), line.dispense(),
                     format_number(line.waste_mg) if line.form == "vial" else ""))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    head = f"Supply {first.isoformat()} to {last.isoformat()} by {by}; conditional events not counted; vials are whole per dose"
    body = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    return "\n".join([head, "", *body]) + "\n" if lines else head + "\nno doses in this period\n"


def supply_csv(lines: list[Line]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(("period_start", "period_end", "drug", "form", "administrations", "total_mg", "dispense", "waste_mg"))
    for line in lines:
        writer.writerow((line.start.isoformat(), line.end.isoformat(), line.drug, line.form or "", line.administrations,
                         format_number(line.total_mg), line.dispense(), format_number(line.waste_mg)))
    return out.getvalue()


def check_plotting() -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise InputError("--plot", "needs matplotlib: pip install 'regimen[plot]'") from None


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
    figure.savefig(path, dpi=110)
    plt.close(figure)
