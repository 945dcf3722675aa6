"""Issue #10: cohort rows follow the course files' identity rules: a pseudonym, once per file."""

from __future__ import annotations

from click.testing import CliRunner

from regimen.cli import main
from regimen.inputs import PSEUDONYM

HEADER = "id,protocol,arm,start,weight\n"


def cohort(tmp_path, rows: str):
    path = tmp_path / "patients.csv"
    path.write_text(HEADER + rows, encoding="utf-8")
    return CliRunner().invoke(main, ["cohort", str(path), "--horizon", "4w"])


def test_a_name_is_refused_as_an_id(tmp_path):
    result = cohort(tmp_path, "Jane Doe,NCT05760430,control,2026-12-01,70 kg\nP-0002,NCT05760430,control,2026-12-01,70 kg\n")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "Error: row 2 (Jane Doe): id: 'Jane Doe' is not accepted: give a pseudonym of letters, digits, '.', '_' and '-' "
        "(at most 64, no spaces), never a name",
        "Error: 1 row failed; 1 plan done",
    ]
    assert result.stdout.count("\n") == 1 and '"id": "P-0002"' in result.stdout


def test_a_repeated_id_names_both_rows(tmp_path):
    rows = ("P-0001,NCT05760430,control,2026-12-01,70 kg\nP-0002,NCT05760430,control,2026-12-01,70 kg\n"
            "P-0001,NCT05760430,control,2026-12-08,71 kg\n")
    result = cohort(tmp_path, rows)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == "Error: row 4 (P-0001): id: 'P-0001' is also the id of row 2; each patient needs an id of their own"


def test_cohort_and_course_files_share_one_pseudonym_pattern():
    assert PSEUDONYM.fullmatch("P-0042") and PSEUDONYM.fullmatch("site3.p_17")
    assert not PSEUDONYM.fullmatch("Jane Doe") and not PSEUDONYM.fullmatch("../x") and not PSEUDONYM.fullmatch("x" * 65)
