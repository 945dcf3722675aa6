"""Cold-start time of `regimen schedule ... --format json` against the bare import floor.

Runs both whole processes alternately, N times each, and prints the medians and their ratio.
Usage: python benchmarks/coldstart.py [N]   (uses the python running it, with regimen installed)
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

FLOOR = [sys.executable, "-c", "import click, pint, dateutil.rrule"]
OURS = [sys.executable, "-m", "regimen", "schedule", "NCT05760430", "--arm", "experimental",
        "--start", "2026-12-01", "--weight", "72 kg", "--format", "json"]


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def measure(runs: int) -> dict[str, float]:
    for command in (FLOOR, OURS):  # warm the file cache and bytecode once
        timed(command)
    floor, ours = [], []
    for _ in range(runs):
        floor.append(timed(FLOOR))
        ours.append(timed(OURS))
    return {"floor": statistics.median(floor), "ours": statistics.median(ours)}


if __name__ == "__main__":
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    result = measure(runs)
    print(f"runs each: {runs}")
    print(f"floor  python -c 'import click, pint, dateutil.rrule': median {result['floor'] * 1000:.0f} ms")
    print(f"regimen schedule NCT05760430 ... --format json:         median {result['ours'] * 1000:.0f} ms")
    print(f"ratio: {result['ours'] / result['floor']:.2f}x the floor")
