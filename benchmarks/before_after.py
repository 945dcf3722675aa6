"""Two builds of regimen, the same cohort commands alternated: whole processes, medians of rounds.

    python benchmarks/before_after.py BEFORE/bin/python AFTER/bin/python [--rounds 3] [--quick]

Each Python must have its build installed (a regular `pip install .`). The cohorts are two-year
NCT05760430 experimental plans with a unique weight per patient (`cohorts.write_cohort`); every
command runs once per build per round, the builds alternated, so the machine's load hits both
alike. Prints a Markdown table: each command's median seconds for both builds and the ratio.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import cohorts


def cases(folder: Path, plans: int) -> dict[str, list[str]]:
    many, fewer, supply = folder / "cohort.csv", folder / "cohort-ics.csv", folder / "supply.csv"
    cohorts.write_cohort(many, plans)
    cohorts.write_cohort(fewer, max(1, plans // 2))
    cohorts.write_cohort(supply, plans * 40)
    found = {}
    for fmt, path, where in (("json", many, "/dev/null"), ("csv", many, "/dev/null"), ("ics", fewer, "ICS")):
        count = plans if path is many else max(1, plans // 2)
        for jobs in ("1", "2"):
            found[f"cohort --format {fmt} --jobs {jobs} ({count:,} two-year plans, {'files to a folder' if where == 'ICS' else 'to /dev/null'})"] = [
                "cohort", str(path), "--format", fmt, "-o", where, "--jobs", jobs]
    found[f"supply --by month ({plans * 40:,} two-year plans)"] = [
        "supply", str(supply), "--from", "2027-01-01", "--to", "2029-01-26", "--by", "month", "-o", "/dev/null"]
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", help="the Python of the build to compare against")
    parser.add_argument("after", help="the Python of the build measured")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--plans", type=int, default=500, help="cohort rows (half for .ics, 40 times as many for supply)")
    parser.add_argument("--quick", action="store_true", help="6 plans, one round: a smoke test, figures meaningless")
    args = parser.parse_args()
    plans, rounds = (6, 1) if args.quick else (args.plans, args.rounds)
    builds = {"before": args.before, "after": args.after}
    folder = Path(tempfile.mkdtemp())
    try:
        commands = cases(folder, plans)
        times: dict[tuple[str, str], list[float]] = {(c, b): [] for c in commands for b in builds}
        for r in range(rounds):
            for name, command in commands.items():
                for build, python in builds.items():
                    argv = [str(folder / f"ics-{build}-{r}") if a == "ICS" else a for a in command]
                    start = time.perf_counter()
                    subprocess.run([python, "-m", "regimen", *argv], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                    times[(name, build)].append(time.perf_counter() - start)
    finally:
        shutil.rmtree(folder)
    print("| command | before | after | after's rate against before's |\n|---|---|---|---|")
    for name in commands:
        before, after = (statistics.median(times[(name, b)]) for b in builds)
        print(f"| `regimen {name}` | {before:.2f} s | {after:.2f} s | {before / after:.2f}× |")


if __name__ == "__main__":
    main()
