"""Issue 15, property: a shipped protocol with one value replaced by a hostile one is either
refused with located ``Error:`` lines (never a traceback), or, if accepted, plans every arm for
ten years without a traceback and within 10 seconds."""

import contextlib
import itertools
import json
import math
import time
import tomllib
from datetime import date

from click.testing import CliRunner
from conftest import HERE
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import regimen
from regimen.cli import main

SHIPPED = {path.name: tomllib.loads(path.read_text(encoding="utf-8")) for path in sorted((HERE.parent / "protocols").glob("*.toml"))}
PATIENT = regimen.Patient.from_measurements("72 kg", "170 cm")
_names = itertools.count()


def _leaves(value, path=()):
    """Every key path to a value (tables and lists included), for a mutation to replace."""
    yield path
    children = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, child in children:
        yield from _leaves(child, (*path, key))


PATHS = {name: list(_leaves(data))[1:] for name, data in SHIPPED.items()}


def _deep(depth: int):
    value: object = "x"
    for _ in range(depth):
        value = [value]
    return value


HOSTILE = st.one_of(
    st.sampled_from([0, -1, 10**18, -(10**18), 0.0, -0.0, math.inf, -math.inf, math.nan, 1e308, True, False,
                     date(1, 1, 1), date(9999, 12, 31)]),
    st.sampled_from(["", " ", "0 mg", "-5 mg", "1e400 mg", "3 g/kg", "1e9 h", "0 h", "0%", "1000%", "nan mg", "inf mg/kg",
                     "3 mg/kg", "85 mg/m2", "200 mg", "4 mg qod", "72 kg", "0 kg", "99999d", "0d", "q99999999w from +0d after day0",
                     "qd for 99999mo from +0d after day0", "+0d [-99999d..99999d] after day0", "qd from +0d after haic",
                     "d1-21 q28d x99999 from +0d after day0", "+1d after each nothing", "../../x", "x" * 200, "√≥±\u202e\x00",
                     "2 x ULN", "1e9 x ULN", "mosteller", "vial", "tablet", "this", "cycle", "drug", "procedure"]),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.text(max_size=30),
    st.lists(st.sampled_from(["", "0 mg", "160 mg", "1e400 mg", 5, []]), max_size=4),
    st.dictionaries(st.sampled_from(["flat", "per_kg", "levels", "x", "step", "from", "below"]), st.sampled_from(["0 mg", "1 mg", "", 1]), max_size=3),
    st.sampled_from([[], {}, _deep(40), _deep(600), {"a": {"b": {"c": {}}}}]),
)


def _toml(value) -> str:
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
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return "{" + ", ".join(f"{json.dumps(str(k))} = {_toml(v)}" for k, v in value.items()) + "}"


def _replace(data, path, new):
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(data, dict):
        return {k: (_replace(v, rest, new) if k == head else v) for k, v in data.items()}
    return [(_replace(v, rest, new) if i == head else v) for i, v in enumerate(data)]


@st.composite
def mutations(draw):
    name = draw(st.sampled_from(sorted(SHIPPED)))
    path = draw(st.sampled_from(PATHS[name]))
    return name, path, draw(HOSTILE)


@settings(max_examples=1500, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(mutation=mutations())
def test_a_hostile_value_is_refused_with_located_errors_or_plans_every_arm_for_ten_years(mutation, tmp_path):
    name, path, value = mutation
    data = _replace(SHIPPED[name], path, value)
    text = "".join(f"{json.dumps(key)} = {_toml(v)}\n" for key, v in data.items())
    file = tmp_path / f"{next(_names)}-{name}"
    file.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(file)])
    assert result.exception is None or isinstance(result.exception, SystemExit), (path, value, result.exception)
    assert "Traceback" not in result.output
    if result.exit_code == 2:
        lines = result.stderr.strip().splitlines()
        assert lines and all(line.startswith(f"Error: {file}") for line in lines), (path, value, lines[:3])
        assert all(len(line) < 1000 + len(str(file)) for line in lines), (path, value)
        return
    assert result.exit_code == 0, (path, value, result.output)
    protocol = regimen.load_file(file)
    for arm in protocol.arms:
        began = time.perf_counter()
        with contextlib.suppress(regimen.RegimenError):  # a handled, one-line error is an answer; a traceback is not
            regimen.schedule(protocol, arm.id, PATIENT, "2026-12-01", horizon="10y")
        assert time.perf_counter() - began < 10, (path, value, arm.id)
