"""The site commands over many course files: `regimen due` and `regimen deviations` across N course
files of one recorded year each, whole process, against a baseline doing comparable work (a
plain loop that loads and re-plans the same courses and reads every event), and peak memory
(max RSS) at N against N / 10 courses.

    python benchmarks/site.py            # 1,000 courses, 5 runs each (about 6 minutes on 2 cores)
    python benchmarks/site.py --quick    # 100 courses, 3 runs

Each course is one of seven arms across the five shipped protocols, started between 2026-01-05
and 2026-02-01, with everything the plan offered recorded as given up to 2027-01-10 (home doses as
monthly diary spans), except every tenth course, whose records stop on 2026-12-01 (overdue, missed
doses). Today is 2027-01-11. Run with the Python that has regimen installed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

TODAY = date(2027, 1, 11)
ARMS = [  # protocol, arm, weight, height, choices
    ("NCT05760430", "experimental", "72 kg", None, {}),
    ("NCT05760430", "control", "80 kg", None, {}),
    ("NCT05233358", "haic", "70 kg", "170 cm", {}),
    ("NCT05233358", "tace", "65 kg", None, {"ici": "camrelizumab"}),
    ("ablation-lenvatinib-pd1", "experimental", "62 kg", None, {}),
    ("NCT06187961", "conversion", "60 kg", "165 cm", {}),
    ("NCT06592612", "sbrt", "70 kg", None, {}),
]


def write_courses(folder: Path, count: int) -> None:
    """``count`` course files, each with the year its baseline plan offered recorded as given."""
    from regimen.course import parse_course, replan
    from regimen.plan import taken_at_home

    for i in range(count):
        protocol, arm, weight, height, choices = ARMS[i % len(ARMS)]
        start = date(2026, 1, 5) + timedelta(days=i % 28)
        head = [f'patient = "B{i:05d}"', f'protocol = "{protocol}"', f'arm = "{arm}"', f"start = {start}", ""]
        if choices:
            head += ["[choices]", *(f'{k} = "{v}"' for k, v in choices.items()), ""]
        head += ["[[measurements]]", f"date = {start - timedelta(days=2)}", f'weight = "{weight}"']
        if height:
            head.append(f'height = "{height}"')
        text = "\n".join(head) + "\n"
        plan = replan(parse_course(text, "bench.toml"), horizon=TODAY)
        last = date(2026, 12, 1) if i % 10 == 9 else TODAY - timedelta(days=1)
        home = {a.id for a in plan.arm.activities if taken_at_home(a)}
        spans: dict[tuple[str, int, int], list[date]] = {}
        blocks = []
        for event in plan.events:
            if event.date > last or event.conditional:
                continue
            if event.activity in home:
                spans.setdefault((event.activity, event.date.year, event.date.month), []).append(event.date)
            else:
                blocks.append(f'\n[[events]]\ntype = "given"\nactivity = "{event.activity}"\ndate = {event.date}\noccurrence = {event.occurrence}\n')
        for (activity, _, _), days in spans.items():
            runs = [[days[0]]]
            for day in days[1:]:
                if (day - runs[-1][-1]).days == 1:
                    runs[-1].append(day)
                else:
                    runs.append([day])
            for run in runs:
                blocks.append(f'\n[[events]]\ntype = "given"\nactivity = "{activity}"\nfrom = {run[0]}\nto = {run[-1]}\n')
        (folder / f"B{i:05d}.toml").write_text(text + "".join(blocks))


BASELINE = """
import sys
from datetime import date
from pathlib import Path
from regimen.course import load_course, replan
today = date(2027, 1, 11)
n = 0
for path in sorted(Path(sys.argv[1]).glob("*.toml")):
    plan = replan(load_course(path), horizon=date(2027, 1, 18), today=today)
    n += len(plan.events)
print(n)
"""


def timed(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one whole-process run."""
    code = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
            f"subprocess.run({command!r}, check=True, stdout=subprocess.DEVNULL); "
            "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout.split()
    return float(out[0]), int(out[1]) / 1024


def measure(commands: dict[str, list[str]], repeats: int) -> dict[str, tuple[float, float]]:
    """Median seconds and max RSS of each command, runs alternating."""
    seconds: dict[str, list[float]] = {name: [] for name in commands}
    peak: dict[str, float] = dict.fromkeys(commands, 0.0)
    for _ in range(repeats):
        for name, command in commands.items():
            s, rss = timed(command)
            seconds[name].append(s)
            peak[name] = max(peak[name], rss)
    return {name: (statistics.median(seconds[name]), peak[name]) for name in commands}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--courses", type=int, help="How many course files (default 1,000; 100 with --quick).")
    parser.add_argument("--repeats", type=int)
    args = parser.parse_args()
    count = args.courses or (100 if args.quick else 1000)
    repeats = args.repeats or (3 if args.quick else 5)
    regimen = [sys.executable, "-m", "regimen"]
    with tempfile.TemporaryDirectory() as tmp:
        big, small = Path(tmp, "big"), Path(tmp, "small")
        big.mkdir()
        small.mkdir()
        began = time.perf_counter()
        write_courses(big, count)
        for path in sorted(big.glob("*.toml"))[: max(1, count // 10)]:
            (small / path.name).write_bytes(path.read_bytes())
        records = sum(p.read_text().count("[[events]]") for p in big.glob("*.toml"))
        print(f"{count} course files, {records} recorded events, written in {time.perf_counter() - began:.1f} s; "
              f"{os.cpu_count()} cores; {repeats} runs each", file=sys.stderr)
        results = measure({
            "baseline": [sys.executable, "-c", BASELINE, str(big)],
            "due": [*regimen, "due", str(big), "--today", str(TODAY)],
            "deviations": [*regimen, "deviations", str(big), "--today", str(TODAY)],
            "due jobs": [*regimen, "due", str(big), "--today", str(TODAY), "--jobs", "2"],
            "deviations jobs": [*regimen, "deviations", str(big), "--today", str(TODAY), "--jobs", "2"],
            "due small": [*regimen, "due", str(small), "--today", str(TODAY)],
        }, repeats)
    base = results["baseline"][0]
    print("| measurement | median | peak RSS | against the baseline |")
    print("|---|---|---|---|")
    print(f"| baseline: load and re-plan {count} courses in a plain loop, read every event | {base:.2f} s | {results['baseline'][1]:.0f} MB | 1.00× |")
    for name, label in (("due", f"`regimen due` over {count} courses (a week)"), ("deviations", f"`regimen deviations` over {count} courses"),
                        ("due jobs", f"`regimen due --jobs 2` over {count} courses"),
                        ("deviations jobs", f"`regimen deviations --jobs 2` over {count} courses")):
        seconds, rss = results[name]
        print(f"| {label} | {seconds:.2f} s | {rss:.0f} MB | {seconds / base:.2f}× |")
    seconds, rss = results["due small"]
    print(f"| `regimen due` over {max(1, count // 10)} courses (memory reference) | {seconds:.2f} s | {rss:.0f} MB | "
          f"{results['due'][1] / rss:.2f}× memory at {count} |")


if __name__ == "__main__":
    main()
