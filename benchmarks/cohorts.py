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

PROTOCOL, ARM, TWO_YEARS, TEN_YEARS = "NCT05760430", "experimental", "104w", "520w"
FIRST_START = date(2027, 1, 1)  # starts spread over 28 days, so a supply from this day on sees whole two-year plans


def weight(i: int, count: int) -> str:
    """A weight no other patient of the cohort has: 40 to 100 kg in steps of 60/count kg."""
    return f"{40 + 60 * i / max(count, 1):.5f} kg"


def write_cohort(path: Path, count: int, horizon: str = TWO_YEARS) -> None:
    with path.open("w") as out:
        out.write("id,protocol,arm,start,weight,horizon\n")
        for i in range(count):
            out.write(f"P{i:06d},{PROTOCOL},{ARM},{FIRST_START + timedelta(days=i % 28)},{weight(i, count)},{horizon}\n")


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


def run(args: list[str], *more: list[str]) -> tuple[float, float]:
    """Wall seconds and the peak summed RSS (MB) of the process tree, sampled every 20 ms; with
    ``more``, those commands start at the same moment and the figures are for all of them together."""
    start = time.perf_counter()
    processes = [subprocess.Popen([sys.executable, "-m", "regimen", *a], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                 for a in (args, *more)]
    peak = 0
    while any(p.poll() is None for p in processes):
        peak = max(peak, sum(_rss_kb(pid) for p in processes for pid in _tree(p.pid)))
        time.sleep(0.02)
    seconds = time.perf_counter() - start
    for process, given in zip(processes, (args, *more), strict=True):
        stderr = process.stderr.read().decode() if process.stderr else ""
        if process.returncode:
            raise RuntimeError(f"regimen {' '.join(given)} failed ({process.returncode}): {stderr[-500:]}")
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


def split(path: Path, parts: int) -> list[Path]:
    """The cohort file cut into ``parts`` files of consecutive rows (each with the header)."""
    lines = path.read_text().splitlines(keepends=True)
    head, body = lines[0], lines[1:]
    size = -(-len(body) // parts)
    paths = []
    for i in range(parts):
        part = path.with_name(f"{path.stem}-part{i}.csv")
        part.write_text(head + "".join(body[i * size:(i + 1) * size]))
        paths.append(part)
    return paths


def cohort_rows(count: int, memory_count: int, formats: tuple[str, ...] = ("json", "csv", "ics"), rounds: int = 3) -> list[tuple[str, str, str]]:
    rows: list[tuple[str, str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "cohort.csv")
        write_cohort(path, count)
        for fmt in formats:  # an .ics plan costs some 8× a CSV one: a quarter of the rows
            if fmt == "ics" and count >= 8:
                fewer = Path(tmp, "cohort-ics.csv")
                write_cohort(fewer, count // 4)
                rows += jobs_rows(fewer, count // 4, fmt, rounds, tmp)
            else:
                rows += jobs_rows(path, count, fmt, rounds, tmp)
        rows += parquet_rows(path, count, tmp)
        rows += memory_rows(memory_count, tmp)
    return rows


def jobs_rows(path: Path, count: int, fmt: str, rounds: int, tmp: str) -> list[tuple[str, str, str]]:
    """``--jobs 1`` against the library loop, and ``--jobs 2`` against ``--jobs 1`` and against the
    machine's own ceiling for the same work: the two halves of the cohort as two independent
    ``--jobs 1`` processes at once (no coordination at all; what two cores give this work here).
    The three run alternated, ``rounds`` times; each ratio is the median of the rounds' own ratios."""
    import statistics

    per = lambda seconds: f"{count / seconds:,.0f} plans/s ({seconds / count * 1000:.2f} ms each)"  # noqa: E731
    base, _ = library_loop(path, fmt)
    halves = split(path, 2)
    serial: list[tuple[float, float]] = []
    parallel: list[tuple[float, float]] = []
    together: list[tuple[float, float]] = []
    def target(name: str, r: int) -> list[str]:
        return [str(Path(tmp, f"out-{fmt}-{name}-{r}"))] if fmt == "ics" else [os.devnull]

    for r in range(rounds):
        serial.append(run(["cohort", str(path), "--format", fmt, "-o", *target("1", r), "--jobs", "1"]))
        parallel.append(run(["cohort", str(path), "--format", fmt, "-o", *target("2", r), "--jobs", "2"]))
        together.append(run(*(["cohort", str(half), "--format", fmt, "-o", *target(f"h{i}", r), "--jobs", "1"] for i, half in enumerate(halves))))
    one, two, both = (statistics.median(s for s, _ in runs) for runs in (serial, parallel, together))
    speedup = statistics.median(a / b for (a, _), (b, _) in zip(serial, parallel, strict=True))  # the rounds' own ratios
    ceiling = statistics.median(a / b for (a, _), (b, _) in zip(serial, together, strict=True))
    ratios = [a / b for (a, _), (b, _) in zip(serial, parallel, strict=True)]
    spread = f"rounds {min(ratios):.2f}–{max(ratios):.2f}×"
    where = ", files to a folder" if fmt == "ics" else ", to /dev/null"
    peak = lambda runs: max(p for _, p in runs)  # noqa: E731
    return [
        (f"baseline: the library in a plain loop, {count:,} two-year plans to {fmt} in memory (no CSV parsing, no writing; "
         "single-plan exports, not cohort lines: comparable, not identical work)", per(base), "1.00×"),
        (f"`regimen cohort --format {fmt} --jobs 1` ({count:,} patients{where}; median of {rounds})",
         f"{per(one)}, peak {peak(serial):.0f} MB (process tree)", f"{base / one:.2f}× the baseline's rate"),
        (f"ceiling: the two halves as two `--jobs 1` processes at once ({count:,} patients{where}; the same work, no coordination)",
         f"{per(both)}, peak {peak(together):.0f} MB (both trees)", f"{ceiling:.2f}× `--jobs 1`"),
        (f"`regimen cohort --format {fmt} --jobs 2` ({count:,} patients{where}; median of {rounds})",
         f"{per(two)}, peak {peak(parallel):.0f} MB (process tree)",
         f"{speedup:.2f}× `--jobs 1` ({spread}); {speedup / ceiling:.2f} of the ceiling"),
    ]


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


def parquet_scale_rows(count: int) -> list[tuple[str, str, str]]:
    """`--format parquet` of ``count`` two-year plans against a tenth of them: time, size, peak memory."""
    small = max(1, count // 10)
    name = f"`regimen cohort --format parquet` of {count:,} two-year plans"
    if not supports_parquet():
        return [(name, "not available (this build's cohort has no --format parquet, or pyarrow is not installed)", "—")]
    figures = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in (small, count):
            path, out = Path(tmp, f"parquet-{n}.csv"), Path(tmp, f"plans-{n}.parquet")
            write_cohort(path, n)
            seconds, peak = run(["cohort", str(path), "--format", "parquet", "-o", str(out)])
            figures[n] = seconds, peak, out.stat().st_size
    (s_small, p_small, b_small), (s_big, p_big, b_big) = figures[small], figures[count]
    return [(f"`regimen cohort --format parquet` of {small:,} two-year plans", f"{s_small:.1f} s, {b_small / 2**20:.1f} MB, peak {p_small:.0f} MB", "1.00×"),
            (name, f"{s_big:.0f} s ({count / s_big:,.0f} plans/s), {b_big / 2**20:.1f} MB, peak {p_big:.0f} MB",
             f"{s_big / s_small:.1f}× time, {b_big / b_small:.1f}× size, {p_big / p_small:.2f}× memory for {count // small}× the plans")]


def memory_rows(count: int, tmp: str, horizon: str = TWO_YEARS, jobs_list: tuple[int, ...] = (1, 2)) -> list[tuple[str, str, str]]:
    small = max(1, count // 10)
    span = {TWO_YEARS: "two-year", TEN_YEARS: "ten-year"}[horizon]
    rows = []
    for jobs in jobs_list:
        figures = {}
        for n in (small, count):
            path = Path(tmp, f"memory-{n}-{horizon}.csv")
            if not path.exists():
                write_cohort(path, n, horizon)
            figures[n] = run(["cohort", str(path), "--format", "json", "-o", os.devnull, "--jobs", str(jobs)])
        (s_small, p_small), (s_big, p_big) = figures[small], figures[count]
        rows.append((f"peak memory, `regimen cohort --format json --jobs {jobs}` of {small:,} {span} plans", f"peak {p_small:.0f} MB, {s_small:.1f} s", "1.00×"))
        rows.append((f"peak memory, the same with {count:,} {span} plans", f"peak {p_big:.0f} MB, {s_big:.0f} s ({count / s_big:,.0f} plans/s)",
                     f"{p_big / p_small:.2f}× memory for {count // small}× the plans"))
    return rows


def ten_year_rows(count: int) -> list[tuple[str, str, str]]:
    """Peak memory of `--jobs 2` for ten-year plans (some 3.9 MB of JSON each), N against N / 10."""
    with tempfile.TemporaryDirectory() as tmp:
        return memory_rows(count, tmp, TEN_YEARS, (2,))


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
