"""regimen's benchmark suite: every figure against a baseline measured in the same run.

    python benchmarks/run.py                     # full sizes (about 15-20 minutes on a 2-core machine)
    python benchmarks/run.py --quick             # tiny sizes, a smoke test (well under a minute)
    python benchmarks/run.py --before OLD/bin/python   # cold start of another build too, in the same rounds

Run it with the Python that has regimen installed (a regular `pip install .`; an editable install
adds its import hook to every cold start), with bytecode writing allowed, on a machine as idle as
you can get. It prints a Markdown table for the README; each row says what its baseline is, and
whether the baseline does less or more work than what it is compared with.

1. cold start of every command (`coldstart.py`), against `python -c "import click, pint, dateutil.rrule"`;
2. plans in one process on one core: two-year NCT05760430 experimental plans (daily apatinib), a
   unique weight per patient; compact plans against a compact floor (plain date arithmetic giving
   the same runs), expanded plans against an rrule floor and a `date.fromordinal` floor (the same
   dates; `floors.py`, checked against real plans before timing);
3. .ics export of a two-year plan against a naive calendar (one VEVENT per dose-day, same library);
4. `regimen cohort` JSON, CSV and ICS rows per second at `--jobs 1` and `--jobs 2` with peak memory
   (process tree), in alternated rounds with the machine's ceiling for the same work (the cohort's
   two halves as two independent `--jobs 1` processes at once); parquet when the build has it; and
   memory at N against N / 10 two-year plans, and at `--jobs 2` ten-year plans; parquet of
   100,000 two-year plans against 10,000;
5. `regimen supply` of two-year plans against a floor counting doses per month from the runs.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import cohorts
import coldstart
import floors

PROTOCOL, ARM, TWO_YEARS = cohorts.PROTOCOL, cohorts.ARM, cohorts.TWO_YEARS

FORMATS = ("json", "csv", "ics")  # cohort formats with --jobs figures
SIZES = {  # name: (full, quick)
    "coldstart_runs": (21, 3),
    "patients": (5_000, 100),  # in-process plans
    "repeats": (3, 1),
    "ics_repeats": (15, 2),
    "cohort": (4_000, 40),  # rows for cohort rates at --jobs 1 and 2 (a quarter of them for .ics)
    "jobs_rounds": (3, 1),  # alternated rounds of --jobs 1, --jobs 2 and the two-halves ceiling
    "memory": (20_000, 100),  # cohort memory at N against N / 10
    "ten_year": (2_000, 10),  # --jobs 2 memory of ten-year plans at N against N / 10
    "parquet": (100_000, 20),  # --format parquet at N against N / 10 two-year plans
    "supply": (100_000, 200),
}


def machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()} {platform.release()}"


def patients(count: int) -> list[tuple[str, date]]:
    return [(cohorts.weight(i, count), cohorts.FIRST_START + timedelta(days=i % 28)) for i in range(count)]


def _timed(function, *args) -> float:
    start = time.perf_counter()
    function(*args)
    return time.perf_counter() - start


def ours(protocol, cohort: list[tuple[str, date]], expand: bool) -> None:
    import regimen

    for weight, day0 in cohort:
        plan = regimen.schedule(protocol, ARM, regimen.Patient.from_measurements(weight), day0, horizon=TWO_YEARS)
        if expand:
            plan.events  # noqa: B018 - materialize every dose-day


def floor_loop(cohort: list[tuple[str, date]], make) -> None:
    end = timedelta(weeks=104) - timedelta(days=1)
    for _, day0 in cohort:
        make(day0, day0 + end)


def throughput(size: int, repeats: int) -> list[tuple[str, str, str]]:
    import regimen

    cohort = patients(size)
    protocol = regimen.load_protocol(PROTOCOL)
    for weight, day0 in cohort[:: max(1, size // 20)]:  # the floors do the plans' work, or the suite stops here
        floors.check(regimen.schedule(protocol, ARM, regimen.Patient.from_measurements(weight), day0, horizon=TWO_YEARS))
    events = len(regimen.schedule(protocol, ARM, regimen.Patient.from_measurements("72 kg"), cohort[0][1], horizon=TWO_YEARS).events)
    times: dict[str, list[float]] = {name: [] for name in ("compact floor", "compact", "rrule", "dates", "expanded")}
    for _ in range(repeats):  # alternated, so load on the machine hits all alike
        times["compact floor"].append(_timed(floor_loop, cohort, floors.compact))
        times["compact"].append(_timed(ours, protocol, cohort, False))
        times["rrule"].append(_timed(floor_loop, cohort, floors.expanded_rrule))
        times["dates"].append(_timed(floor_loop, cohort, floors.expanded_dates))
        times["expanded"].append(_timed(ours, protocol, cohort, True))
    t = {name: statistics.median(values) for name, values in times.items()}
    per = lambda total: f"{size / total:,.0f} plans/s ({total / size * 1000:.3f} ms each)"  # noqa: E731
    less = "the floor knows the arm's timing as constants: no rules read, no doses, windows, keys or warnings (less work)"
    return [
        (f"compact floor: plain `date` arithmetic giving the same runs, {size:,} two-year plans, unique weights ({less})",
         per(t["compact floor"]), "1.00×"),
        ("regimen plans, compact (runs, doses with derivations, windows, warnings; not expanded)", per(t["compact"]),
         f"{t['compact'] / t['compact floor']:.1f}× the floor's time"),
        (f"rrule floor: the same {events} dates a plan, each expanded by dateutil's rrule (no event values: less work)", per(t["rrule"]), "1.00×"),
        (f"`date.fromordinal` floor: the same {events} dates a plan (no event values: less work)", per(t["dates"]), "1.00×"),
        ("regimen plans with every dose-day expanded to an Event (key, window, dose, cycle day)", per(t["expanded"]),
         f"{t['expanded'] / t['rrule']:.2f}× the rrule floor's time, {t['expanded'] / t['dates']:.1f}× the `date.fromordinal` floor's"),
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
        (f"naive .ics, one VEVENT per dose-day ({len(plan.events)} events; no alarms, descriptions or time zones: less work)",
         f"{base_time * 1000:.0f} ms, {base_size / 1024:.0f} KB", "1.00×"),
        ("regimen .ics of the same two-year plan (RRULE + EXDATE, descriptions with doses)", f"{our_time * 1000:.0f} ms, {our_size / 1024:.1f} KB",
         f"{our_time / base_time:.2f}× time, {our_size / base_size:.3f}× size"),
    ]


def sizes(args: argparse.Namespace) -> dict[str, int]:
    chosen = {name: quick if args.quick else full for name, (full, quick) in SIZES.items()}
    if args.patients:
        chosen["patients"] = args.patients
    for name in ("cohort", "memory", "supply", "coldstart_runs", "jobs_rounds", "ten_year", "parquet"):
        if getattr(args, name, None):
            chosen[name] = getattr(args, name)
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke test, figures meaningless")
    parser.add_argument("--patients", type=int, help=f"plans for the in-process figures (default {SIZES['patients'][0]:,})")
    parser.add_argument("--cohort", type=int, help=f"rows for the cohort rates (default {SIZES['cohort'][0]:,})")
    parser.add_argument("--jobs-rounds", type=int, help=f"alternated rounds for the --jobs figures (default {SIZES['jobs_rounds'][0]})")
    parser.add_argument("--memory", type=int, help=f"rows for the cohort memory figure, against a tenth of them (default {SIZES['memory'][0]:,})")
    parser.add_argument("--ten-year", type=int, help=f"ten-year plans for the --jobs 2 memory figure (default {SIZES['ten_year'][0]:,})")
    parser.add_argument("--parquet", type=int, help=f"two-year plans for the parquet figure (default {SIZES['parquet'][0]:,})")
    parser.add_argument("--supply", type=int, help=f"plans for the supply figure (default {SIZES['supply'][0]:,})")
    parser.add_argument("--coldstart-runs", type=int, help=f"alternated cold-start rounds (default {SIZES['coldstart_runs'][0]})")
    parser.add_argument("--commands", nargs="*", metavar="NAME", help="cold start of these commands only (names as in the table, e.g. list)")
    parser.add_argument("--before", metavar="PYTHON", help="cold start of the build installed for this Python too, in the same rounds")
    parser.add_argument("--formats", nargs="*", default=list(FORMATS), choices=FORMATS, help="cohort formats for the --jobs figures (default: all)")
    parser.add_argument("--skip", nargs="*", default=[], choices=["coldstart", "plans", "ics", "cohort", "ten-year", "parquet", "supply"], help="sections to leave out")
    args = parser.parse_args()
    n = sizes(args)
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        print("note: PYTHONDONTWRITEBYTECODE is set; cold-start figures include compiling regimen each run", file=sys.stderr)
    began = time.perf_counter()
    rows: list[tuple[str, str, str]] = []
    sections = {
        "coldstart": lambda: coldstart.rows(coldstart.measure(n["coldstart_runs"], args.before, args.commands), n["coldstart_runs"]),
        "plans": lambda: throughput(n["patients"], n["repeats"]),
        "ics": lambda: ics(n["ics_repeats"]),
        "cohort": lambda: cohorts.cohort_rows(n["cohort"], n["memory"], tuple(args.formats), rounds=n["jobs_rounds"]),
        "ten-year": lambda: cohorts.ten_year_rows(n["ten_year"]),
        "parquet": lambda: cohorts.parquet_scale_rows(n["parquet"]),
        "supply": lambda: cohorts.supply_rows(n["supply"]),
    }
    for name, section in sections.items():
        if name not in args.skip:
            started = time.perf_counter()
            rows += section()
            print(f"{name}: {time.perf_counter() - started:.0f} s", file=sys.stderr)
    print(f"Machine: {machine()}; {date.today().isoformat()}; `python benchmarks/run.py{''.join(' ' + a for a in sys.argv[1:])}`, "
          f"{time.perf_counter() - began:.0f} s\n")
    print("| measurement | result | against its baseline |\n|---|---|---|")
    for name, result, ratio in rows:
        print(f"| {name} | {result} | {ratio} |")


if __name__ == "__main__":
    main()
