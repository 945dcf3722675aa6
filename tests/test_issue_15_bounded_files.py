"""Issue 15: input files are bounded, decoded and never read from a device or a FIFO.

Protocol and course files are TOML of at most 1 MiB, cohorts CSV of at most 50 MiB, refused
before parsing; nesting is bounded; a hostile cell is a one-line row error; messages echo at most
about 80 characters of a bad value.
"""

import os
from pathlib import Path

import pytest
from conftest import HERE, run_cli

from regimen.errors import InputError, ProtocolErrors
from regimen.tomlfile import TOML_LIMIT, read_text_file, read_toml

MINIMAL = (HERE / "protocols" / "valid" / "minimal.toml").read_text(encoding="utf-8")
HEADER = "id,protocol,arm,start,weight\n"
GOOD_ROW = "P001,NCT05760430,experimental,2026-12-01,72 kg\n"



def test_a_protocol_file_over_one_mebibyte_is_refused_before_parsing(tmp_path):
    big = tmp_path / "BIG.toml"
    big.write_text(MINIMAL + "# " + "x" * TOML_LIMIT + "\n", encoding="utf-8")
    result = run_cli("validate", big)
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [f"Error: {big}: is {big.stat().st_size:,} bytes; a protocol file may be at most 1,048,576 bytes"]


def test_a_device_is_never_read_as_a_protocol_file():
    result = run_cli("validate", "/dev/zero")
    assert result.exit_code == 2
    assert result.stderr.strip() == "Error: /dev/zero: is not a regular file (a device, FIFO or folder); give a protocol file"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "course.toml"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="is not a regular file"):
        read_text_file(fifo, "course file", TOML_LIMIT)


def test_tables_nested_500_deep_are_one_located_error_not_a_recursion_error(tmp_path):
    deep = tmp_path / "DEEP.toml"
    deep.write_text(MINIMAL + "notes = " + "[" * 500 + "]" * 500 + "\n", encoding="utf-8")
    result = run_cli("validate", deep)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert result.stderr.strip() == f"Error: {deep}:22: tables or arrays nested more than 32 deep; no regimen file needs that"


def test_dotted_keys_nested_past_the_bound_are_refused_too():
    with pytest.raises(ProtocolErrors, match="nested more than 32 deep"):
        read_toml(".".join(["k"] * 40) + " = 1\n", "course.toml")


def test_brackets_inside_strings_do_not_count_as_nesting():
    assert read_toml('title = "' + "[" * 100 + '"\n', "x.toml") == {"title": "[" * 100}


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-32"])
def test_protocol_files_in_utf8_with_or_without_a_bom_and_utf16_or_32_with_one_are_read(tmp_path, encoding):
    path = tmp_path / "MINE.toml"
    path.write_bytes(MINIMAL.replace("A site's own protocol", "√ ≥ ± protocol").encode(encoding))
    result = run_cli("validate", path)
    assert (result.exit_code, result.output.strip()) == (0, "1 protocol file valid")


def test_a_latin1_file_is_one_line_naming_the_file_and_the_byte_offset(tmp_path):
    path = tmp_path / "OLD.toml"
    path.write_bytes(MINIMAL.replace("A site's", "Un protocole àé").encode("latin-1"))
    offset = MINIMAL.index("A site's") + len("Un protocole ")
    result = run_cli("validate", path)
    assert result.exit_code == 2
    assert result.stderr.strip() == f"Error: {path}: is not UTF-8 text: byte 0xe0 at offset {offset} does not decode; save it as UTF-8"


def test_a_cohort_cell_over_the_csv_field_limit_is_a_row_error_and_the_other_rows_go_on(tmp_path):
    path = tmp_path / "patients.csv"
    path.write_text(HEADER + "P000,NCT05760430,experimental,2026-12-01," + "9" * 200_000 + "\n" + GOOD_ROW, encoding="utf-8")
    result = run_cli("cohort", path, "--horizon", "4w")
    assert result.exit_code == 2
    errors = result.stderr.strip().splitlines()
    assert errors[0] == "Error: row 2: row: cannot be read as CSV (field larger than field limit (131072))"
    assert errors[1] == "Error: 1 row failed; 1 plan done"
    assert result.stdout.count("\n") == 1  # P001's plan, on one line


def test_a_long_cohort_cell_is_refused_without_echoing_it(tmp_path):
    path = tmp_path / "patients.csv"
    path.write_text(HEADER + "P000,NCT05760430,experimental,2026-12-01," + "7" * 5000 + " kg\n", encoding="utf-8")
    result = run_cli("cohort", path)
    assert result.stderr.splitlines()[0] == "Error: row 2 (P000): weight: the cell holds 5,003 characters; a cell may hold at most 1,000"


def test_a_cohort_file_in_utf16_is_read(tmp_path):
    path = tmp_path / "patients.csv"
    path.write_bytes((HEADER + GOOD_ROW).encode("utf-16"))
    result = run_cli("cohort", path, "--horizon", "4w")
    assert result.exit_code == 0, result.stderr


def test_a_cohort_read_from_a_device_is_refused():
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero")
    result = run_cli("cohort", "/dev/zero")
    assert result.exit_code == 2
    assert result.stderr.strip() == "Error: /dev/zero: is not a regular file (a device, FIFO or folder); give a cohort file"


def test_a_bad_value_in_a_message_is_cut_to_about_80_characters(tmp_path):
    path = tmp_path / "MINE.toml"
    path.write_text(MINIMAL.replace('title = "A site\'s own protocol"', "title = [" + ", ".join(['"x"'] * 1000) + "]"), encoding="utf-8")
    result = run_cli("validate", path)
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"Error: {path}:2: title: expected a string, got ['x', 'x',")
    assert line.endswith("… (5000 characters)")
    assert len(line) < 160 + len(str(path))
