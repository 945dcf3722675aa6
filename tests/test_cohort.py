"""Cohorts: one CSV row per patient, streamed, with bad rows reported by row number."""

import json
import tracemalloc
from pathlib import Path

import pytest
from click.testing import CliRunner

import regimen
from regimen.cli import main
from regimen.cohort import RowError, process, read_rows
from regimen.export import json as json_export
from regimen.export.render import json_line

ROWS = """id,protocol,arm,start,weight,height,ici,regorafenib_start,at:pve,level:lenvatinib
P001,NCT05760430,experimental,2026-12-01,72 kg,,,,,
P002,NCT05760430,control,2026-12-03,80 kg,,,,,
P003,NCT05233358,haic,2026-12-05,65 kg,165 cm,camrelizumab,120mg,,
P004,NCT05760430,experimental,2026-12-01,72,,,,,
P005,NCT05760430,experimental,2026/12/01,72 kg,,,,,
P006,NCT05760430,experimental,2026-12-01,72 kg,,,,2026-12-16,
P007,ablation-lenvatinib-pd1,experimental,2027-01-04,55 kg,,,,,2
P008,NCT0576043,experimental,2026-12-01,72 kg,,,,,
"""


@pytest.fixture
def patients(tmp_path):
    path = tmp_path / "patients.csv"
    path.write_text(ROWS)
    return path


def _run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_cohort_results_equal_per_patient_schedules(patients):
    result = _run("cohort", patients, "--horizon", "12w")
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["id"] for line in lines] == ["P001", "P002", "P003", "P006", "P007"]
    expected_p003 = regimen.schedule(
        "NCT05233358", "haic", regimen.Patient.from_measurements("65 kg", "165 cm"), "2026-12-05",
        choices={"ici": "camrelizumab", "regorafenib_start": "120mg"}, horizon="12w",
    )
    assert lines[2] == {"id": "P003", **json.loads(json_export.dumps(expected_p003))}
    p007 = next(line for line in lines if line["id"] == "P007")
    assert {e["dose"]["text"] for e in p007["events"] if e["activity"] == "lenvatinib"} == {"4 mg"}  # dose level 2 of 8 → 4 → 4 mg qod (below 60 kg)
    p006 = next(line for line in lines if line["id"] == "P006")
    assert [e["date"] for e in p006["events"] if e["activity"] == "pve"] == ["2026-12-16"]


def test_bad_rows_are_reported_by_row_number_and_the_rest_go_on(patients):
    result = _run("cohort", patients, "--horizon", "4w")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "Error: row 5 (P004): weight: '72' has no unit; give a weight with its unit, like \"72 kg\" or \"158.7 lb\"",
        "Error: row 6 (P005): start: '2026/12/01' is not a date; give an ISO date like 2026-12-01",
        "Error: row 9 (P008): unknown protocol 'NCT0576043' (did you mean \"NCT05760430\"?); known: NCT05233358, NCT05760430, "
        "NCT06187961, NCT06592612, ablation-lenvatinib-pd1",
        "Error: 3 rows failed; 5 plans done",
    ]


def test_strict_stops_at_the_first_bad_row(patients):
    result = _run("cohort", patients, "--horizon", "4w", "--strict")
    assert result.exit_code == 2
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == ["P001", "P002", "P003"]
    assert result.stderr.count("Error:") == 1


def test_worker_processes_give_the_same_output(patients):
    one = _run("cohort", patients, "--horizon", "8w", "--format", "csv")
    two = _run("cohort", patients, "--horizon", "8w", "--format", "csv", "--jobs", "2")
    assert one.stdout == two.stdout and one.stdout.startswith("patient_id,key,date")


def test_one_calendar_file_per_patient(patients, tmp_path):
    folder = tmp_path / "calendars"
    _run("cohort", patients, "--horizon", "8w", "--format", "ics", "-o", folder)
    assert sorted(p.name for p in folder.iterdir()) == ["P001.ics", "P002.ics", "P003.ics", "P006.ics", "P007.ics"]


def test_an_id_that_cannot_name_a_file_is_a_row_error(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("id,protocol,arm,start,weight\n../x,NCT05760430,control,2026-12-01,70 kg\n")
    result = _run("cohort", path, "--format", "ics", "-o", tmp_path / "out")
    assert "Error: row 2 (../x): id: '../x' is not accepted: give a pseudonym" in result.stderr
    assert not (tmp_path / "x.ics").exists()


def test_missing_columns_are_named(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("id,protocol,start\nP1,NCT05760430,2026-12-01\n")
    result = _run("cohort", path)
    assert result.exit_code == 2
    assert result.stderr == "Error: PATIENTS.csv: the header lacks arm, weight; required columns: id, protocol, arm, start, weight\n"


def _generated(rows: int):
    """CSV lines made one at a time, so the input itself takes no memory."""
    yield "id,protocol,arm,start,weight,horizon\n"
    for i in range(rows):
        yield f"P{i:05d},NCT05760430,experimental,2026-12-{1 + i % 28:02d},{50 + i % 40} kg,8w\n"


def _peak(rows: int) -> int:
    tracemalloc.start()
    for result in process(read_rows(_generated(rows)), json_line):
        assert not isinstance(result, RowError)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def test_memory_stays_flat_however_many_rows():
    for _ in process(read_rows(_generated(1500)), json_line):  # warm caches and free lists, untraced
        pass
    small, large = _peak(100), _peak(1500)
    # what grows is the index of ids seen (duplicate ids are refused): ~130 bytes a row, where one plan is ~100 KB
    assert large - small < 1400 * 200, (small, large)


def test_cohort_output_to_dev_null_leaves_it_a_device(patients):
    import os
    import stat

    _run("cohort", patients, "--horizon", "2w", "-o", os.devnull)
    assert stat.S_ISCHR(Path(os.devnull).stat().st_mode)
