from __future__ import annotations

import json
import math
import os
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import strategies as st

import regimen

HERE = Path(__file__).parent
INVALID = HERE / "protocols" / "invalid"


COURSE_HEAD = """patient = "P-0001"
protocol = "NCT05760430"
arm = "experimental"
start = 2026-12-01

[[measurements]]
date = 2026-11-28
weight = "72 kg"
"""  # a course file's opening: 72 kg, cTACE on 2026-12-01


def pytest_terminal_summary(terminalreporter):
    """One line with the fuzz suites' figures: cases run (each test records ``fuzz_cases``) and failures."""
    reports = [r for kind in ("passed", "failed") for r in terminalreporter.stats.get(kind, ()) if getattr(r, "when", "") == "call"]
    fuzzed = [r for r in reports if "fuzz" in r.keywords]
    if not fuzzed:
        return
    cases = sum(value for r in fuzzed for name, value in r.user_properties if name == "fuzz_cases")
    failed = sum(r.failed for r in fuzzed)
    seed = os.environ.get("FUZZ_SEED")
    terminalreporter.write_line(f"fuzz suite: {cases:,} cases in {len(fuzzed)} tests, {failed} failed"
                                f" ({'seed ' + seed if seed else 'derandomized; FUZZ_SEED=N draws others'})")


def run_cli(*args, env=None):
    """``regimen ARGS...`` through click's CliRunner (any argument may be a Path); stdout and stderr apart."""
    from click.testing import CliRunner

    from regimen.cli import main

    return CliRunner(env=env).invoke(main, [str(a) for a in args], catch_exceptions=False)


def run_ok(*args, env=None):
    """:func:`run_cli` that must succeed (exit 0; its stderr is the failure message)."""
    result = run_cli(*args, env=env)
    assert result.exit_code == 0, result.stderr
    return result


README = HERE.parent / "README.md"


def run_readme_block(name: str, folder: Path, monkeypatch) -> int:
    """Run the README's console block introduced by ``<!-- NAME: tests/... runs it ... -->`` in ``folder``.

    Each ``$ regimen ...`` line is run with exit status 0 expected, and every line shown under it
    must appear in order in its output ("..." stands for any lines, and the output ends where the
    shown lines end). Returns the number of commands run.
    """
    import re
    import shlex

    from click.testing import CliRunner

    from regimen.cli import main

    text = README.read_text(encoding="utf-8")
    found = re.search(r"<!-- " + re.escape(name) + r": tests/.*?-->\n```console\n(.*?)\n```", text, re.S)
    assert found, f"README has no console block marked {name!r}"
    steps: list[tuple[str, list[str]]] = []
    for line in found.group(1).splitlines():
        if line.startswith("$ regimen "):
            steps.append((line[len("$ regimen "):], []))
        else:
            steps[-1][1].append(line)
    monkeypatch.chdir(folder)
    for command, shown in steps:
        result = CliRunner().invoke(main, shlex.split(command))
        assert result.exit_code == 0, (command, result.output)
        _readme_lines_match(result.output.splitlines(), shown, command)
    return len(steps)


def _readme_lines_match(lines: list[str], shown: list[str], command: str) -> None:
    at = 0
    for index, want in enumerate(shown):
        if want == "...":
            following = shown[index + 1] if index + 1 < len(shown) else None
            while following is not None and at < len(lines) and lines[at] != following:
                at += 1
            continue
        assert at < len(lines) and lines[at] == want, (command, want, lines[at] if at < len(lines) else "(no more output)")
        at += 1
    assert at == len(lines), (command, lines[at:])


def days(first: str, last: str, step: int = 1) -> list[date]:
    """Every ``step``-th date from ``first`` to ``last`` inclusive (ISO strings)."""
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    return [start + timedelta(days=n) for n in range(0, (end - start).days + 1, step)]


def iso(*texts: str) -> list[date]:
    return [date.fromisoformat(t) for t in texts]


@pytest.fixture
def plan_for():
    """plan_for("NCT05760430", "experimental", weight="72 kg", start="2026-12-01", **options)."""

    def make(protocol: str, arm: str, *, weight: str = "72 kg", height: str | None = "170 cm",
             start: str = "2026-12-01", **options):
        patient = regimen.Patient.from_measurements(weight, height)
        return regimen.schedule(protocol, arm, patient, start, **options)

    return make


# Hostile values for the mutation properties (protocol files, course files), and the means to write them.

def leaves(value, path=()):
    """Every key path to a value (tables and lists included), for a mutation to replace."""
    yield path
    children = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, child in children:
        yield from leaves(child, (*path, key))




def deep(depth: int):
    value: object = "x"
    for _ in range(depth):
        value = [value]
    return value


HOSTILE = st.one_of(
    st.sampled_from([0, -1, 10**18, -(10**18), 0.0, -0.0, math.inf, -math.inf, math.nan, 1e308, True, False,
                     date(1, 1, 1), date(9999, 12, 31), datetime(2026, 12, 1, 9, 0)]),
    st.sampled_from(["", " ", "0 mg", "-5 mg", "1e400 mg", "3 g/kg", "1e9 h", "0 h", "0%", "1000%", "nan mg", "inf mg/kg",
                     "3 mg/kg", "85 mg/m2", "200 mg", "4 mg qod", "72 kg", "0 kg", "99999d", "0d", "q99999999w from +0d after day0",
                     "qd for 99999mo from +0d after day0", "+0d [-99999d..99999d] after day0", "qd from +0d after haic",
                     "d1-21 q28d x99999 from +0d after day0", "+1d after each nothing", "../../x", "x" * 200, "√≥±\u202e\x00",
                     "2 x ULN", "1e9 x ULN", "mosteller", "vial", "tablet", "this", "cycle", "drug", "procedure"]),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.text(max_size=30),
    st.lists(st.sampled_from(["", "0 mg", "160 mg", "1e400 mg", 5, []]), max_size=4),
    st.dictionaries(st.sampled_from(["flat", "per_kg", "levels", "x", "step", "from", "below"]), st.sampled_from(["0 mg", "1 mg", "", 1]), max_size=3),
    st.sampled_from([[], {}, deep(40), deep(600), {"a": {"b": {"c": {}}}}]),
)


def toml_value(value) -> str:
    """TOML for any value the mutations make: inline tables and arrays, JSON-escaped strings."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    if isinstance(value, int | str):
        return json.dumps(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{json.dumps(str(k))} = {toml_value(v)}" for k, v in value.items()) + "}"


def replaced(data, path, new):
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(data, dict):
        return {k: (replaced(v, rest, new) if k == head else v) for k, v in data.items()}
    return [(replaced(v, rest, new) if i == head else v) for i, v in enumerate(data)]
