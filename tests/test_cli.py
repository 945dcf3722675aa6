"""Every command and its error paths, through click's CliRunner."""

import json
from pathlib import Path

import icalendar
import pytest
from click.testing import CliRunner
from conftest import INVALID

from regimen.cli import main

SCHEDULE = ["schedule", "NCT05760430", "--arm", "experimental", "--start", "2026-12-01", "--weight", "72 kg"]


@pytest.fixture
def run():
    def invoke(*args, **kwargs):
        return CliRunner().invoke(main, list(args), catch_exceptions=False, **kwargs)

    return invoke


def test_list_as_table_and_json(run):
    table = run("list")
    assert table.exit_code == 0 and "NCT05760430" in table.output and "experimental, control" in table.output
    data = json.loads(run("list", "--format", "json").output)
    first = data["protocols"][0]
    assert set(first) == {"id", "title", "sponsor", "source", "arms"}
    assert {"id": "haic", "label": "HAIC-FOLFOX with regorafenib and a checkpoint inhibitor"} in first["arms"]


def test_show_prints_clinical_notation_choices_and_assumptions(run):
    result = run("show", "NCT05233358", "--arm", "haic")
    assert result.exit_code == 0
    for text in ("q3w x6 from +0d after day0", "d1-21 q28d from +7d [0d..14d] after haic", "85 mg/m²",
                 "choice ici:", "sintilimab (default)", "haic-folfox-doses [VERIFIED]", "[he-2017]"):
        assert text in result.output


def test_schedule_table(run):
    result = run(*SCHEDULE)
    assert result.exit_code == 0
    assert "2026-12-15  d14    PVE" in result.output  # the day column fits d1096, the last survival visit (issue 16)
    assert "Apatinib PO, qd to 2027-05-17  250 mg  2026-12-04 to 2026-12-15; 161 doses" in result.output  # the count in the notes (#12)
    assert "! assumption systemic-start" in result.output


def test_schedule_json_csv_and_ics_to_files(run, tmp_path):
    for fmt in ("json", "csv", "ics"):
        target = tmp_path / f"plan.{fmt}"
        result = run(*SCHEDULE, "--format", fmt, "-o", str(target))
        assert result.exit_code == 0, result.output
        assert target.stat().st_size > 1000
    assert json.loads((tmp_path / "plan.json").read_text())["events"][0]["key"] == "NCT05760430/experimental/ctace/1"
    assert (tmp_path / "plan.csv").read_bytes().startswith(b"\xef\xbb\xbf# assumption pve-window: ")  # issue 15: warnings first
    assert b"\r\nkey," in (tmp_path / "plan.csv").read_bytes()
    assert icalendar.Calendar.from_ical((tmp_path / "plan.ics").read_bytes())


def test_schedule_with_pins_choices_levels_and_horizon(run):
    result = run("schedule", "NCT05233358", "--arm", "tace", "--start", "2026-12-01", "--weight", "72 kg",
                 "--choose", "ici=atezolizumab", "--choose", "regorafenib_start=120mg", "--level", "regorafenib=3",
                 "--at", "imaging=2027-01-08", "--horizon", "12w", "--format", "json")
    data = json.loads(result.output)
    regorafenib = next(e for e in data["events"] if e["activity"] == "regorafenib")
    assert regorafenib["dose"]["text"] == "80 mg"  # dose level 3 of 160 → 120 → 80 mg
    assert [e["date"] for e in data["events"] if e["activity"] == "imaging"] == ["2027-01-08"]
    assert [e["date"] for e in data["events"] if e["activity"] == "tace_repeat"] == ["2027-01-15"]
    assert any(e["activity"] == "atezolizumab" for e in data["events"])


def test_ics_options(run):
    result = run(*SCHEDULE, "--format", "ics", "--time", "08:30", "--tz", "Europe/London", "--remind", "2h", "--label", "Ward 4")
    calendar = icalendar.Calendar.from_ical(result.stdout_bytes)
    assert str(calendar["X-WR-CALNAME"]) == "Ward 4"
    assert "DTSTART;TZID=Europe/London:20261201T083000" in result.output


def test_dose_sheet(run):
    result = run("dose", "NCT05233358", "--arm", "haic", "--weight", "70 kg", "--height", "170 cm")
    assert result.exit_code == 0
    assert "Oxaliplatin (IA): 154.54 mg per administration" in result.output
    assert "  - 85 mg/m² × 1.8181 m² = 154.5401 mg" in result.output
    assert "Regorafenib (PO): 160 mg per administration" in result.output
    assert "  - take: 4 × 40 mg tablets" in result.output


def test_validate_good_and_bad_files(run, tmp_path):
    good = run("validate", str(INVALID.parent / "valid" / "minimal.toml"))
    assert good.exit_code == 0 and good.output == "1 protocol file valid\n"
    bad = run("validate", str(INVALID / "many_problems.toml"), str(INVALID / "anchor_cycle.toml"))
    assert bad.exit_code == 2
    assert len(bad.stderr.splitlines()) == 7
    assert all(line.startswith("Error: ") and ".toml:" in line for line in bad.stderr.splitlines())


def test_own_protocol_folder_option(run):
    result = run("--protocols", str(INVALID.parent / "valid"), "list")
    assert "MINE-1" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--weight", "72"], "Error: --weight: '72' has no unit; give a weight with its unit, like \"72 kg\" or \"158.7 lb\""),
        (["--weight", "72 kg", "--height", "90 cm"], "Error: --height: '90 cm' (90 cm) is outside the plausible height range 100–250 cm"),
        (["--weight", "72 kg", "--start", "2026/12/01"], "Error: --start: '2026/12/01' is not a date; give an ISO date like 2026-12-01"),
        (["--weight", "72 kg", "--at", "pve=2026-12-20"], "Error: --at pve: 2026-12-20 is outside its window 2026-12-13 to 2026-12-17"),
        (["--weight", "72 kg", "--choose", "ici=x"], "Error: unknown choice for arm experimental 'ici'"),
        (["--weight", "72 kg", "--level", "apatinib=x"], "Error: --level: apatinib='x': give a dose level"),
        (["--weight", "72 kg", "--horizon", "soon"], "Error: --horizon: 'soon' is not accepted"),
        (["--weight", "72 kg", "--remind", "1d"], "Error: --remind: applies to --format ics only"),
        (["--weight", "72 kg", "--format", "ics", "--remind", "tomorrow"], "Error: --remind: 'tomorrow' is not accepted"),
        (["--weight", "72 kg", "--format", "ics", "--time", "25:00"], "Error: --time: '25:00' is not a clock time"),
    ],
)
def test_bad_input_is_one_line_and_exit_status_2(run, args, message):
    base = ["schedule", "NCT05760430", "--arm", "experimental", "--start", "2026-12-01"]
    merged = base + args if "--start" not in args else base[:-2] + args
    result = run(*merged)
    assert result.exit_code == 2
    assert result.stderr.startswith(message)
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output


@pytest.mark.parametrize("command", ["list", "show", "schedule", "dose", "validate"])
def test_every_command_has_help_with_an_example(run, command):
    result = run(command, "--help")
    assert result.exit_code == 0 and "Example" in result.output and "regimen " in result.output


def test_unknown_protocol_and_missing_height(run):
    result = run("schedule", "NCT0576043", "--arm", "x", "--start", "2026-12-01", "--weight", "72 kg")
    assert result.exit_code == 2 and 'did you mean "NCT05760430"' in result.stderr
    result = run("dose", "NCT06187961", "--arm", "conversion", "--weight", "72 kg")
    assert result.exit_code == 2 and "--height: the Oxaliplatin dose is 85 mg/m² and needs the patient's height" in result.stderr


def test_python_dash_m_works():
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "regimen", "list", "--format", "json"], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout)["protocols"]


def test_output_to_a_device_writes_through_it_and_never_replaces_it(run):
    import os
    import stat

    before = Path(os.devnull).stat()
    assert run(*SCHEDULE, "--format", "json", "-o", os.devnull).exit_code == 0
    after = Path(os.devnull).stat()
    assert stat.S_ISCHR(after.st_mode) and (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)
