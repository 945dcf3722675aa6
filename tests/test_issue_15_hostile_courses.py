"""Issue 15, property: a course file with one value replaced by a hostile one is re-planned, checked
and recorded into without a traceback. Every command answers with exit status 0, 1 or 2; a refusal
is Error: lines only; a refused record leaves the file byte-identical and no temporary file."""

import itertools
import json
import tomllib
from contextlib import chdir

import pytest
from click.testing import CliRunner
from conftest import HERE, HOSTILE, leaves, replaced, toml_value
from fuzzing import fuzz, invoke_checked
from hypothesis import given
from hypothesis import strategies as st

from regimen.cli import main

COURSES = {path.name: tomllib.loads(path.read_text(encoding="utf-8")) for path in sorted((HERE / "courses").glob("*.toml"))}
PATHS = {name: list(leaves(data))[1:] for name, data in COURSES.items()}
COMMANDS = [
    ["schedule", "--course", "{file}", "--today", "2027-01-12", "--horizon", "12w", "--format", "json"],
    ["schedule", "--course", "{file}", "--today", "2027-01-12", "--format", "ics"],
    ["check", "--course", "{file}", "--on", "2027-01-12"],
    ["record", "{file}", "weight", "--date", "2027-01-12", "--value", "70 kg", "--today", "2027-01-12"],
    ["record", "{file}", "undo"],
]
_names = itertools.count()


@st.composite
def mutations(draw):
    name = draw(st.sampled_from(sorted(COURSES)))
    return name, draw(st.sampled_from(PATHS[name])), draw(HOSTILE), draw(st.sampled_from(COMMANDS))


@pytest.mark.fuzz
@fuzz(2000)
@given(mutation=mutations())
def test_a_hostile_course_value_never_makes_a_traceback(mutation, tmp_path, record_property):
    record_property("fuzz_cases", 1)
    name, path, value, command = mutation
    data = replaced(COURSES[name], path, value)
    folder = tmp_path / str(next(_names))
    folder.mkdir()
    file = folder / name
    file.write_text("".join(f"{json.dumps(key)} = {toml_value(v)}\n" for key, v in data.items()), encoding="utf-8")
    with chdir(folder):  # the per-case checks of tests/fuzzing.py; a refusal leaves the course byte-identical
        invoke_checked([part.format(file=file) for part in command], folder, unchanged=(name,))
    assert sorted(p.name for p in folder.iterdir()) == [name]  # no temporary file, whatever happened


def test_a_course_dated_with_a_time_of_day_or_out_of_range_is_refused_located(tmp_path):
    file = tmp_path / "P-1.toml"
    file.write_text('patient = "P-1"\nprotocol = "NCT05760430"\narm = "experimental"\nstart = 2026-12-01T09:00:00\n\n'
                    '[[measurements]]\ndate = 0201-11-28\nweight = "72 kg"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["schedule", "--course", str(file), "--today", "2026-12-01"])
    assert result.exit_code == 2
    assert f"Error: {file}:4: start: 2026-12-01T09:00:00 has a time of day; give a date, like 2026-12-01" in result.stderr
    assert f"Error: {file}:7: measurements[0].date: 0201-11-28 is outside the accepted dates 1900-01-01 to 2100-12-31" in result.stderr
