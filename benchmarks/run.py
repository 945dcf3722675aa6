"""regimen's benchmark suite: every figure against a baseline measured in the same run.

    python benchmarks/run.py            # full sizes (about 10 minutes on a 2-core machine)
    python benchmarks/run.py --quick    # smaller sizes, for a smoke test

Run it with the Python that has regimen installed (`pip install .`), with bytecode writing
allowed (unset PYTHONDONTWRITEBYTECODE), on an otherwise idle machine. It prints a Markdown
table for the README.

1. cold start: `regimen schedule ... --format json`, whole process, against
   `python -c "import click, pint, dateutil.rrule"` (medians, alternating runs);
2. throughput: two-year NCT05760430 experimental plans (daily apatinib) for a 10,000-patient
   cohort on one core, against a plain dateutil rrule expansion of the same dates;
3. .ics export of a two-year plan: time and size, against a naive calendar with one VEVENT
   per dose-day built with the same icalendar library;
4. peak memory (max RSS) of a 100,000-patient `regimen cohort` run, against the same
   command on 1,000 patients.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import coldstart  # noqa: E402

PROTOCOL, ARM = "NCT05760430", "experimental"
TWO_YEARS = "104w"


def machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


def patients(count: int) -> list[tuple[str, date]]:
    return [(f"{45 + i % 60} kg", date(2026, 1, 1) + timedelta(days=i % 365)) for i in range(count)]


def rrule_floor(cohort: list[tuple[str, date]]) -> float:
    """The same dates as our plans, expanded by dateutil alone: cTACE, PVE, q21d and daily."""
    from dateutil.rrule import DAILY, rrule

    start = time.perf_counter()
    for _, day0 in cohort:
        first = day0 + timedelta(days=7)
        end = day0 + timedelta(weeks=104) - timedelta(days=1)
        dates = [day0, day0 + timedelta(days=14)]
        dates += list(rrule(DAILY, interval=21, dtstart=first, until=end))
        dates += list(rrule(DAILY, dtstart=first, until=end))
    return time.perf_counter() - start


def ours(cohort: list[tuple[str, date]], expand: bool) -> float:
    import regimen

    protocol = regimen.load_protocol(PROTOCOL)
    start = time.perf_counter()
    for weight, day0 in cohort:
        plan = regimen.schedule(protocol, ARM, regimen.Patient.from_measurements(weight), day0, horizon=TWO_YEARS)
        if expand:
            plan.events  # noqa: B018 - materialize every dose-day
    return time.perf_counter() - start


def throughput(size: int) -> list[tuple[str, str, str]]:
    cohort = patients(size)
    ours(cohort[:200], True)  # warm caches
    floor = statistics.median(rrule_floor(cohort) for _ in range(3))
    compact = statistics.median(ours(cohort, False) for _ in range(3))
    expanded = statistics.median(ours(cohort, True) for _ in range(3))
    per = lambda total: f"{size / total:,.0f} plans/s ({total / size * 1000:.2f} ms each)"  # noqa: E731
    return [
        (f"rrule floor: the same dates, {size:,} patients, 2 years", per(floor), "1.00×"),
        ("regimen plans (compact runs, doses, windows, keys)", per(compact), f"{floor / compact:.1f}× faster"),
        ("regimen plans with every dose-day expanded to an event", per(expanded), f"{floor / expanded:.2f}× faster"),
    ]


def ics(repeats: int) -> list[tuple[str, str, str]]:
    import icalendar

    import regimen
    from regimen.export import ics as ics_export

    plan = regimen.schedule(PROTOCOL, ARM, regimen.Patient.from_measurements("72 kg"), "2026-12-01", horizon=TWO_YEARS)

    def naive() -> bytes:
        calendar = icalendar.Calendar.new(prodid="-//baseline//EN")
        for event in plan.events:
            calendar.add_component(icalendar.Event.new(
                uid=ics_export.uid_for(event.key), stamp=date(2026, 12, 1), start=event.date,
                end=event.date + timedelta(days=1), summary=event.name))
        return calendar.to_ical()

    def timed(make) -> tuple[float, int]:
        times, size = [], 0
        for _ in range(repeats):
            start = time.perf_counter()
            size = len(make())
            times.append(time.perf_counter() - start)
        return statistics.median(times), size

    base_time, base_size = timed(naive)
    our_time, our_size = timed(lambda: ics_export.dumps(plan).encode())
    return [
        (f"naive .ics, one VEVENT per dose-day ({len(plan.events)} events)", f"{base_time * 1000:.0f} ms, {base_size / 1024:.0f} KB", "1.00×"),
        ("regimen .ics of the same two-year plan (RRULE + EXDATE)", f"{our_time * 1000:.0f} ms, {our_size / 1024:.1f} KB",
         f"{our_time / base_time:.2f}× time, {our_size / base_size:.3f}× size"),
    ]


def peak_memory(large: int, small: int) -> list[tuple[str, str, str]]:
    def run(count: int) -> tuple[float, float]:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "cohort.csv"
            with path.open("w") as out:
                out.write("id,protocol,arm,start,weight\n")
                for i, (weight, day0) in enumerate(patients(count)):
                    out.write(f"P{i:06d},{PROTOCOL},{ARM},{day0.isoformat()},{weight}\n")
            command = [sys.executable, "-m", "regimen", "cohort", str(path), "--format", "json", "-o", os.devnull]
            code = (f"import resource, subprocess, time; t = time.perf_counter(); subprocess.run({command!r}, check=True); "
                    "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
            seconds, rss_kb = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout.split()
            return float(seconds), int(rss_kb) / 1024

    small_time, small_rss = run(small)
    large_time, large_rss = run(large)
    return [
        (f"`regimen cohort` of {small:,} patients (JSON to /dev/null)", f"peak {small_rss:.0f} MB, {small_time:.1f} s", "1.00×"),
        (f"`regimen cohort` of {large:,} patients", f"peak {large_rss:.0f} MB, {large_time:.0f} s", f"{large_rss / small_rss:.2f}× memory"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes")
    quick = parser.parse_args().quick
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        print("note: PYTHONDONTWRITEBYTECODE is set; cold-start figures include compiling regimen each run", file=sys.stderr)
    rows: list[tuple[str, str, str]] = []
    cold = coldstart.measure(5 if quick else 21)
    rows.append(("floor: `python -c \"import click, pint, dateutil.rrule\"`", f"median {cold['floor'] * 1000:.0f} ms", "1.00×"))
    rows.append(("cold `regimen schedule NCT05760430 ... --format json`", f"median {cold['ours'] * 1000:.0f} ms",
                 f"{cold['ours'] / cold['floor']:.2f}×"))
    rows += throughput(1_000 if quick else 10_000)
    rows += ics(3 if quick else 15)
    rows += peak_memory(5_000 if quick else 100_000, 200 if quick else 1_000)
    print(f"Machine: {machine()}; {date.today().isoformat()}\n")
    print("| measurement | result | against its baseline |\n|---|---|---|")
    for name, result, ratio in rows:
        print(f"| {name} | {result} | {ratio} |")
    print(f"\nmax RSS of this benchmark process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
