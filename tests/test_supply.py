"""Supply totals against hand-summed doses, including vial waste."""

from datetime import date

import pytest
from click.testing import CliRunner

import regimen
from regimen.cli import main
from regimen.supply import Supply, add_plan, periods

COHORT = """id,protocol,arm,start,weight,height,ici,regorafenib_start
A,NCT05760430,experimental,2026-12-01,72 kg,,,
B,NCT05760430,control,2026-12-03,80 kg,,,
C,NCT05233358,haic,2026-12-05,65 kg,165 cm,camrelizumab,120mg
D,NCT05760430,experimental,2027-03-01,72 kg,,,
"""


def _lines(**options):
    path = options.pop("path")
    result = CliRunner().invoke(main, ["supply", str(path), "--from", "2026-12-01", "--to", "2026-12-31", "--by", "month",
                                       "--format", "csv"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    rows = [line.split(",") for line in result.stdout.strip().splitlines()[1:]]
    return {row[2]: row for row in rows}


def test_december_totals_equal_the_hand_sums(tmp_path):
    path = tmp_path / "cohort.csv"
    path.write_text(COHORT)
    lines = _lines(path=path)
    # camrelizumab: A 216 mg on 12-08 and 12-29; C 3 mg/kg x 65 kg = 195 mg on 12-12
    assert lines["camrelizumab"][4:] == ["3", "627", "5 × 200 mg vials", "373"]  # waste 2 x 184 + 5
    # apatinib: A daily from 12-08 to 12-31 = 24 tablets of 250 mg
    assert lines["apatinib"][4:] == ["24", "6000", "24 × 250 mg tablets", "0"]
    # bevacizumab: B 15 mg/kg x 80 kg = 1200 mg on 12-10 and 12-31 = 3 x 400 mg vials each
    assert lines["bevacizumab"][4:] == ["2", "2400", "6 × 400 mg vials", "0"]
    # regorafenib: C from 12-12, 120 mg, to 12-31 = 20 days x 3 tablets
    assert lines["regorafenib"][4:] == ["20", "2400", "60 × 40 mg tablets", "0"]
    # oxaliplatin: C BSA Mosteller √(165 x 65 / 3600) = 1.726026 m² x 85 = 146.71 mg, on 12-05 and 12-26
    assert lines["oxaliplatin"][4:] == ["2", "293.42", "2 × 100 mg vials + 2 × 50 mg vials", "6.58"]
    assert "D" not in lines  # D starts in March


def test_weeks_run_monday_to_sunday_and_months_are_clipped():
    assert periods(date(2026, 12, 2), date(2026, 12, 15), "week") == [
        (date(2026, 12, 2), date(2026, 12, 6)), (date(2026, 12, 7), date(2026, 12, 13)), (date(2026, 12, 14), date(2026, 12, 15)),
    ]
    assert periods(date(2026, 12, 15), date(2027, 2, 3), "month") == [
        (date(2026, 12, 15), date(2026, 12, 31)), (date(2027, 1, 1), date(2027, 1, 31)), (date(2027, 2, 1), date(2027, 2, 3)),
    ]


def test_conditional_doses_are_not_counted(tmp_path):
    import shutil
    from pathlib import Path

    shutil.copy(Path(__file__).parent / "protocols" / "valid" / "conditional_drug.toml", tmp_path / "cond.toml")
    plan = regimen.schedule(str(tmp_path / "cond.toml"), "a", regimen.Patient.from_measurements("70 kg"), "2026-12-01")
    assert all(e.conditional for e in plan)
    supply = Supply(date(2026, 12, 1), date(2026, 12, 31), "month")
    add_plan(supply, plan, date(2026, 12, 1), date(2026, 12, 31), "month")
    assert list(supply.lines()) == []


def test_plot_needs_matplotlib_or_says_how_to_get_it(tmp_path):
    path = tmp_path / "cohort.csv"
    path.write_text(COHORT)
    result = CliRunner().invoke(main, ["supply", str(path), "--from", "2026-12-01", "--to", "2027-01-31", "--plot", str(tmp_path / "s.png")])
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        assert result.exit_code == 2 and "--plot: needs matplotlib: pip install 'regimen-calendar[plot]'" in result.stderr
    else:
        assert result.exit_code == 0 and (tmp_path / "s.png").stat().st_size > 1000


@pytest.mark.parametrize(("first", "last", "message"), [("2027-01-01", "2026-12-01", "--to: 2026-12-01 is before --from 2027-01-01"),
                                                        ("01/01/2027", "2027-02-01", "--from: '01/01/2027' is not a date")])
def test_bad_forecast_window(tmp_path, first, last, message):
    path = tmp_path / "cohort.csv"
    path.write_text(COHORT)
    result = CliRunner().invoke(main, ["supply", str(path), "--from", first, "--to", last])
    assert result.exit_code == 2 and message in result.stderr
