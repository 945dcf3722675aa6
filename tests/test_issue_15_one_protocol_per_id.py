"""Issue 15: one protocol per id, and a protocol from a user's folder says so in every output.

Ids match exactly; two files declaring one id anywhere on the search path are an error naming
both, in every command that loads it; a protocol read from ``--protocols`` or
``$REGIMEN_PROTOCOLS`` names its file and sha256 in every header and in JSON.
"""

import hashlib
import json
import shutil
from pathlib import Path

import jsonschema
import pytest
from conftest import HERE, run_cli

import regimen

SHIPPED = HERE.parent / "protocols"
VALID = HERE / "protocols" / "valid"
SCHEMA = json.loads((Path(regimen.__file__).parent / "schema" / "plan.schema.json").read_text(encoding="utf-8"))
PATIENT = ["--arm", "experimental", "--weight", "72 kg"]



@pytest.fixture
def copy_folder(tmp_path):
    """A user's folder holding a copy of NCT05760430 under another file name."""
    folder = tmp_path / "site"
    folder.mkdir()
    shutil.copy(SHIPPED / "NCT05760430.toml", folder / "zhejiang-local.toml")
    return folder


def test_an_id_differing_only_in_case_is_unknown_with_a_did_you_mean():
    result = run_cli("dose", "nct05760430", *PATIENT)
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: unknown protocol 'nct05760430' (did you mean \"NCT05760430\"?)")


@pytest.mark.parametrize("command", [
    ["schedule", "NCT05760430", *PATIENT, "--start", "2026-12-01"],
    ["dose", "NCT05760430", *PATIENT],
    ["show", "NCT05760430"],
    ["list"],
])
def test_two_files_with_one_id_on_the_search_path_are_an_error_naming_both(copy_folder, command):
    result = run_cli("--protocols", copy_folder, *command)
    assert result.exit_code == 2
    (line,) = result.stderr.strip().splitlines()
    assert f"protocol id 'NCT05760430' is defined by more than one file on the search path: {copy_folder / 'zhejiang-local.toml'} and " in line
    assert str((SHIPPED / "NCT05760430.toml").resolve()) in line


def test_the_environment_folder_counts_as_much_as_the_option(copy_folder):
    result = run_cli("show", "NCT05760430", env={"REGIMEN_PROTOCOLS": str(copy_folder)})
    assert result.exit_code == 2
    assert "defined by more than one file" in result.stderr


def test_a_cohort_row_naming_a_duplicated_id_is_a_row_error(copy_folder, tmp_path):
    patients = tmp_path / "patients.csv"
    patients.write_text("id,protocol,arm,start,weight\nP001,NCT05760430,experimental,2026-12-01,72 kg\n", encoding="utf-8")
    result = run_cli("--protocols", copy_folder, "cohort", patients)
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: row 2 (P001): ") and "defined by more than one file" in result.stderr


def test_the_same_folder_named_twice_is_searched_once():
    result = run_cli("--protocols", VALID, "list", env={"REGIMEN_PROTOCOLS": str(VALID)})
    assert result.exit_code == 0, result.stderr


def _notice():
    path = (VALID / "minimal.toml").resolve()
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return path, digest, f"! protocol MINE-1 read from {path} (sha256 {digest}), not from the shipped protocols"


@pytest.mark.parametrize("command", [
    ["schedule", "MINE-1", "--arm", "a", "--weight", "72 kg", "--start", "2026-12-01"],
    ["dose", "MINE-1", "--arm", "a", "--weight", "72 kg"],
    ["show", "MINE-1"],
    ["list"],
])
def test_a_protocol_from_a_user_folder_says_so_in_the_header(command):
    result = run_cli("--protocols", VALID, *command)
    assert result.exit_code == 0, result.stderr
    assert _notice()[2] in result.output.splitlines()[:4] or (command == ["list"] and _notice()[2] in result.output)


def test_json_names_the_user_file_and_its_sha256():
    result = run_cli("--protocols", VALID, "schedule", "MINE-1", "--arm", "a", "--weight", "72 kg", "--start", "2026-12-01", "--format", "json")
    data = json.loads(result.output)
    path, digest, _ = _notice()
    assert data["protocol"]["file"] == {"path": str(path), "sha256": digest}
    jsonschema.validate(data, SCHEMA)
    listing = json.loads(run_cli("--protocols", VALID, "list", "--format", "json").output)
    assert {p["id"]: p.get("file") for p in listing["protocols"]}["MINE-1"] == {"path": str(path), "sha256": digest}


def test_a_shipped_protocol_carries_no_file_and_no_notice():
    result = run_cli("schedule", "NCT05760430", *PATIENT, "--start", "2026-12-01", "--format", "json")
    assert "file" not in json.loads(result.output)["protocol"]
    assert "not from the shipped protocols" not in run_cli("schedule", "NCT05760430", *PATIENT, "--start", "2026-12-01").output


def test_an_id_line_inside_a_multi_line_string_does_not_fool_the_search(tmp_path):
    text = (VALID / "minimal.toml").read_text(encoding="utf-8").replace('id = "MINE-1"\n', 'title2 = """\nid = "FAKE"\n"""\nid = "MINE-1"\n', 1)
    (tmp_path / "mine.toml").write_text(text.replace('title2 = """', 'notes = ["x"]\nrecord = """'), encoding="utf-8")
    assert run_cli("--protocols", tmp_path, "show", "MINE-1").exit_code == 0
    assert "unknown protocol 'FAKE'" in run_cli("--protocols", tmp_path, "show", "FAKE").stderr
