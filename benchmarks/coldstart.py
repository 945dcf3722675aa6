"""Cold start of every command, whole process, against the bare import floor measured in the same run.

    python benchmarks/coldstart.py [--runs N] [--before PYTHON] [--only NAME ...]

Each round runs the floor ``python -c "import click, pint, dateutil.rrule"`` and then every command
once, in turn (alternated, so a burst of load on a shared machine hits all of them alike); each
figure is the median of N rounds (21 by default) and its ratio to the floor's median. With
``--before PYTHON`` (the Python of a second environment with another build of regimen installed,
e.g. main's), that build's commands join the same rounds and get their own column, against the
same floor. Uses the Python running it, with regimen installed (a regular ``pip install .``: an
editable install adds its import hook to every start).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FLOOR_CODE = "import click, pint, dateutil.rrule"
SCHEDULE = ["schedule", "NCT05760430", "--arm", "experimental", "--start", "2026-12-01", "--weight", "72 kg"]
COURSE = """patient = "C0001"
protocol = "NCT05760430"
arm = "experimental"
start = 2026-11-02

[[measurements]]
date = 2026-10-30
weight = "72 kg"

[[events]]
type = "given"
activity = "ctace"
date = 2026-11-02
occurrence = 1
"""


def commands(folder: Path) -> dict[str, list[str]]:
    """Each command's arguments after ``python -m regimen``: one course file (written into ``folder``) for the course commands."""
    course = folder / "C0001.toml"
    course.write_text(COURSE)
    site = folder / "site"
    site.mkdir(exist_ok=True)
    (site / course.name).write_text(COURSE)
    return {
        "list": ["list"],
        "show": ["show", "NCT05760430"],
        "dose": ["dose", "NCT05760430", "--arm", "experimental", "--weight", "72 kg"],
        "schedule (table)": SCHEDULE,
        "schedule --format json": [*SCHEDULE, "--format", "json"],
        "schedule --format ics": [*SCHEDULE, "--format", "ics"],
        "schedule --clinic-days mon-fri --holidays CN": [*SCHEDULE, "--clinic-days", "mon-fri", "--holidays", "CN"],
        "schedule --course FILE": ["schedule", "--course", str(course)],
        "schedule --course FILE --format ics": ["schedule", "--course", str(course), "--format", "ics"],
        "due (one course file)": ["due", str(site), "--today", "2026-12-01"],
        "deviations (one course file)": ["deviations", str(site), "--today", "2026-12-01"],
    }


def timed(command: list[str]) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system, from the child's own rusage) of one whole-process run."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise subprocess.CalledProcessError(process.returncode, command)
    return wall, usage.ru_utime + usage.ru_stime


def measure(runs: int, before: str | None = None, only: list[str] | None = None) -> dict[str, dict[str, tuple[float, float]]]:
    """Median (wall, CPU) seconds: ``{"floor": {"now": ...}, command: {"now": ..., "before": ...}}`` over ``runs`` alternated rounds."""
    pythons = {"now": sys.executable} | ({"before": before} if before else {})
    with tempfile.TemporaryDirectory() as tmp:
        named = {name: args for name, args in commands(Path(tmp)).items() if not only or name in only}
        jobs = {("floor", "now"): [sys.executable, "-c", FLOOR_CODE]}
        for name, args in named.items():
            for build, python in pythons.items():
                jobs[(name, build)] = [python, "-m", "regimen", *args]
        for command in jobs.values():  # warm the file cache, the bytecode and regimen's own cache once
            timed(command)
        seconds: dict[tuple[str, str], list[tuple[float, float]]] = {key: [] for key in jobs}
        for _ in range(runs):
            for key, command in jobs.items():
                seconds[key].append(timed(command))
    result: dict[str, dict[str, tuple[float, float]]] = {}
    for (name, build), values in seconds.items():
        result.setdefault(name, {})[build] = (statistics.median(v[0] for v in values), statistics.median(v[1] for v in values))
    return result


def rows(result: dict[str, dict[str, tuple[float, float]]], runs: int) -> list[tuple[str, str, str]]:
    """Table rows (measurement, result, against its baseline): medians of wall time and of CPU time
    (the CPU time is steadier on a shared machine: another job's load stretches the wall clock)."""
    wall, cpu = result["floor"]["now"]
    out = [(f'floor: `python -c "{FLOOR_CODE}"` ({runs} alternated runs)', f"median {wall * 1000:.0f} ms wall, {cpu * 1000:.0f} ms CPU", "1.00×")]
    for name, builds in result.items():
        if name == "floor":
            continue
        now_wall, now_cpu = builds["now"]
        shown = f"median {now_wall * 1000:.0f} ms wall, {now_cpu * 1000:.0f} ms CPU"
        ratio = f"{now_wall / wall:.2f}× wall, {now_cpu / cpu:.2f}× CPU"
        if "before" in builds:
            old_wall, old_cpu = builds["before"]
            shown += f" (before: {old_wall * 1000:.0f} ms, {old_cpu * 1000:.0f} ms)"
            ratio += f" (before: {old_wall / wall:.2f}×, {old_cpu / cpu:.2f}×)"
        out.append((f"cold `regimen {name}`", shown, ratio))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=21, help="Alternated rounds (default 21).")
    parser.add_argument("--before", metavar="PYTHON", help="The Python of an environment with the build to compare against.")
    parser.add_argument("--only", nargs="*", help="Only these commands (names as in the table).")
    args = parser.parse_args()
    result = measure(args.runs, args.before, args.only)
    print("| measurement | result | against its baseline |\n|---|---|---|")
    for name, shown, ratio in rows(result, args.runs):
        print(f"| {name} | {shown} | {ratio} |")


if __name__ == "__main__":
    main()
