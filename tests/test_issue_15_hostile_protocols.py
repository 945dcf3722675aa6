"""Issue 15, property: a shipped protocol with one value replaced by a hostile one is either
refused with located ``Error:`` lines (never a traceback), or, if accepted, plans every arm for
ten years without a traceback and within 10 seconds."""

import contextlib
import itertools
import json
import time
import tomllib

import pytest
from click.testing import CliRunner
from conftest import HERE, HOSTILE, leaves, replaced, toml_value
from fuzzing import fuzz
from hypothesis import given
from hypothesis import strategies as st

import regimen
from regimen.cli import main

SHIPPED = {path.name: tomllib.loads(path.read_text(encoding="utf-8")) for path in sorted((HERE.parent / "protocols").glob("*.toml"))}
PATIENT = regimen.Patient.from_measurements("72 kg", "170 cm")
_names = itertools.count()


PATHS = {name: list(leaves(data))[1:] for name, data in SHIPPED.items()}


@st.composite
def mutations(draw):
    name = draw(st.sampled_from(sorted(SHIPPED)))
    path = draw(st.sampled_from(PATHS[name]))
    return name, path, draw(HOSTILE)


@pytest.mark.fuzz
@fuzz(1500)
@given(mutation=mutations())
def test_a_hostile_value_is_refused_with_located_errors_or_plans_every_arm_for_ten_years(mutation, tmp_path, record_property):
    record_property("fuzz_cases", 1)
    name, path, value = mutation
    data = replaced(SHIPPED[name], path, value)
    text = "".join(f"{json.dumps(key)} = {toml_value(v)}\n" for key, v in data.items())
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
