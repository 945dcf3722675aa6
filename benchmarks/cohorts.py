"""Whole-process figures of `regimen cohort` and `regimen supply` on two-year plans, with peak memory.

Each run is one `python -m regimen ...` process; its peak memory is sampled every 20 ms as the sum
of the resident set of the process and all its descendants (the parent and its workers together;
pages a worker shares with the parent after fork count in each). The cohort file has a ``horizon``
column (104w: two-year plans) and a unique weight per patient, so no parse cache is hit by a
repeated weight.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

PROTOCOL, ARM, TWO_YEARS = "NCT05760430", "experimental", "104w"
FIRST_START = date(2027, 1, 1)  # starts spread over 28 days, so a supply from this day on sees whole two-year plans


def weight(i: int, count: int) -> str:
    """A weight no other patient of the cohort has: 40 to 100 kg in steps of 60/count kg."""
    return f"{40 + 60 * i / max(count, 1):.5f} kg"


def write_cohort(path: Path, count: int) -> None:
    with path.open("w") as out:
        out.write("id,protocol,arm,start,weight,horizon\n")
        for i in range(count):
            out.write(f"P{i:06d},{PROTOCOL},{ARM},{FIRST_START + timedelta(days=i % 28)},{weight(i, count)},{TWO_YEARS}\n")


def _tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return pids


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def run(args: list[str]) -> tuple[float, float]:
    """Wall seconds and the peak summed RSS (MB) of the process tree, sampled every 20 ms."""
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "regimen", *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    while process.poll() is None:
        peak = max(peak, sum(_rss_kb(pid) for pid in _tree(process.pid)))
        time.sleep(0.02)
    seconds = time.perf_counter() - start
    stderr = process.stderr.read().decode() if process.stderr else ""
    if process.returncode:
        raise RuntimeError(f"regimen {' '.join(args)} failed ({process.returncode}): {stderr[-500:]}")
    return seconds, peak / 1024


def supports_parquet() -> bool:
    shown = subprocess.run([sys.executable, "-m", "regimen", "cohort", "--help"], capture_output=True, text=True).stdout
    if "parquet" not in shown:
        return False
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return False
    return True


def library_loop(path: Path, fmt: str) -> tuple[float, int]:
    """The baseline for `regimen cohort --jobs 1`: the public library in a plain loop over the same rows
    (``regimen.schedule`` and ``Plan.to_json()`` / ``to_csv()`` / ``to_ics()``), the output thrown away."""
    import csv

    import regimen

    protocol = regimen.load_protocol(PROTOCOL)
    start, written = time.perf_counter(), 0
    with path.open() as stream:
        for row in csv.DictReader(stream):
            plan = regimen.schedule(protocol, row["arm"], regimen.Patient.from_measurements(row["weight"]), row["start"], horizon=row["horizon"])
            written += len({"json": plan.to_json, "csv": plan.to_csv, "ics": plan.to_ics}[fmt]())
    return time.perf_counter() - start, written


def cohort_rows(count: int, memory_count: int, formats: tuple[str, ...] = ("json", "csv", "ics")) -> list[tuple[str, str, str]]:
    rows: list[tuple[str, str, str]] = []
    per = lambda seconds: f"{count / seconds:,.0f} plans/s ({seconds / count * 1000:.2f} ms each)"  # noqa: E731
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "cohort.csv")
        write_cohort(path, count)
        for fmt in formats:
            base, _ = library_loop(path, fmt)
            rows.append((f"baseline: the library in a plain loop, {count:,} two-year plans to {fmt} in memory (no CSV parsing, no writing; "
                         "single-plan exports, not cohort lines: comparable, not identical work)", per(base), "1.00×"))
            one = None
            for jobs in (1, 2):
                out = Path(tmp, f"out-{fmt}-{jobs}")
                target = [str(out)] if fmt == "ics" else [os.devnull]
                seconds, peak = run(["cohort", str(path), "--format", fmt, "-o", *target, "--jobs", str(jobs)])
                one = one or seconds
                versus = f"{base / seconds:.2f}× the baseline's rate" + (f", {one / seconds:.2f}× `--jobs 1`" if jobs == 2 else "")
                rows.append((f"`regimen cohort --format {fmt} --jobs {jobs}` ({count:,} patients{', files to a folder' if fmt == 'ics' else ', to /dev/null'})",
                             f"{per(seconds)}, peak {peak:.0f} MB (process tree)", versus))
        rows += parquet_rows(path, count, tmp)
        rows += memory_rows(memory_count, tmp)
    return rows


def parquet_rows(path: Path, count: int, tmp: str) -> list[tuple[str, str, str]]:
    name = f"`regimen cohort --format parquet` ({count:,} two-year plans)"
    if not supports_parquet():
        return [(name, "not available (this build's cohort has no --format parquet, or pyarrow is not installed)", "—")]
    json_seconds, _ = run(["cohort", str(path), "--format", "json", "-o", str(Path(tmp, "p.jsonl"))])
    json_size = Path(tmp, "p.jsonl").stat().st_size
    seconds, peak = run(["cohort", str(path), "--format", "parquet", "-o", str(Path(tmp, "p.parquet"))])
    size = Path(tmp, "p.parquet").stat().st_size
    return [(f"baseline: `regimen cohort --format json` to a file ({count:,} two-year plans)",
             f"{json_seconds:.1f} s, {json_size / 2**20:.1f} MB", "1.00×"),
            (name, f"{seconds:.1f} s, {size / 2**20:.1f} MB, peak {peak:.0f} MB", f"{seconds / json_seconds:.2f}× time, {size / json_size:.3f}× size")]


def memory_rows(count: int, tmp: str) -> list[tuple[str, str, str]]:
    small = max(1, count // 10)
    rows = []
    for jobs in (1, 2):
        figures = {}
        for n in (small, count):
            path = Path(tmp, f"memory-{n}.csv")
            if not path.exists():
                write_cohort(path, n)
            figures[n] = run(["cohort", str(path), "--format", "json", "-o", os.devnull, "--jobs", str(jobs)])
        (s_small, p_small), (s_big, p_big) = figures[small], figures[count]
        rows.append((f"peak memory, `regimen cohort --format json --jobs {jobs}` of {small:,} two-year plans", f"peak {p_small:.0f} MB, {s_small:.1f} s", "1.00×"))
        rows.append((f"peak memory, the same with {count:,} two-year plans", f"peak {p_big:.0f} MB, {s_big:.0f} s ({count / s_big:,.0f} plans/s)",
                     f"{p_big / p_small:.2f}× memory for {count // small}× the plans"))
    return rows


def supply_rows(count: int) -> list[tuple[str, str, str]]:
    """`regimen supply` over ``count`` two-year plans, by month, against the compact floor counting doses per month by arithmetic."""
    import floors

    first, last = FIRST_START, FIRST_START + timedelta(weeks=104 + 4)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "cohort.csv")
        write_cohort(path, count)
        start = time.perf_counter()
        total = 0
        for i in range(count):
            total += sum(floors.month_counts(FIRST_START + timedelta(days=i % 28), last, first, last).values())
        floor = time.perf_counter() - start
        seconds, peak = run(["supply", str(path), "--from", first.isoformat(), "--to", last.isoformat(), "--by", "month"])
    return [(f"floor: each drug's doses per month of {count:,} two-year plans, counted from the floor's runs (no mg, no vials, no CSV: less work)",
             f"{floor:.2f} s ({count / floor:,.0f} plans/s; {total:,} doses)", "1.00×"),
            (f"`regimen supply --by month` of {count:,} two-year plans ({first} to {last})",
             f"{seconds:.1f} s ({seconds / count * 1000:.2f} ms a plan), peak {peak:.0f} MB", f"{seconds / floor:.1f}× the floor's time")]
