"""Issue #16 item 3: a planned conversion surgery holds each drug for its label washout."""

from datetime import date

import pytest
from conftest import run_cli, run_readme_block

import regimen
from regimen import RegimenError
from regimen.course import load_course, new_course, record, undo
from regimen.protocol.origin import shipped_dir

TODAY = date(2026, 12, 1)


@pytest.fixture
def control(tmp_path):
    """NCT05760430 control: atezolizumab 1200 mg + bevacizumab 15 mg/kg q3w from 2026-12-08 (7 days after cTACE on 12-01)."""
    path = tmp_path / "P-0050.toml"
    new_course(path, protocol="NCT05760430", arm="control", start="2026-12-01", weight="72 kg")
    return path


def _plan(path, today=TODAY, horizon="2027-04-30"):
    return regimen.replan(load_course(path), horizon=horizon, today=today)


def test_bevacizumab_last_dose_and_restart_around_a_resection_by_hand(control):
    # Surgery planned on 2027-03-01. Bevacizumab's label: last dose at least 28 days before, so on or
    # before 2027-02-01 (03-01 − 28 d); restart at least 28 days after, so from 2027-03-29 (03-01 + 28 d).
    # Its q3w doses: 12-08, 12-29, 01-19 stay; 02-09 falls inside the washout and is held. Atezolizumab
    # (no label washout; an assumed 14-day restart) keeps 02-09, its 03-02 moves to 03-15 (03-01 + 14 d);
    # bevacizumab given with it on 03-15 is still inside its own 28 days and held; both restart on 04-05.
    done = record(control, "surgery", when=date(2027, 3, 1), planned=True, today=TODAY)
    assert done.block.splitlines()[1:] == ["[[events]]", 'type = "surgery"', "date = 2027-03-01", "planned = true"]
    plan = _plan(control)
    bev = [(e.date, e.status) for e in plan.for_activity("bevacizumab")]
    assert bev[:6] == [(date(2026, 12, 8), "planned"), (date(2026, 12, 29), "planned"), (date(2027, 1, 19), "planned"),
                       (date(2027, 2, 9), "held"), (date(2027, 3, 15), "held"), (date(2027, 4, 5), "planned")]
    assert plan.dates("atezolizumab")[:6] == [date(2026, 12, 8), date(2026, 12, 29), date(2027, 1, 19), date(2027, 2, 9),
                                              date(2027, 3, 15), date(2027, 4, 5)]
    line = next(w for w in plan.warnings if w.startswith("surgery planned on 2027-03-01: Bevacizumab:"))
    assert "last dose before surgery 2027-01-19 (at least 28 days before: on or before 2027-02-01)" in line
    assert "earliest restart 2027-03-29 (at least 28 days after, and until the wound has healed); next dose 2027-04-05" in line
    assert "Avastin US PI" in line
    assert any(w.startswith("assumption ici-surgery:") for w in plan.warnings)


def test_home_dosed_apatinib_is_not_taken_inside_its_30_days(tmp_path):
    # Experimental arm: apatinib 250 mg qd from 2026-12-08. Surgery 2027-03-01: the last dose at least 30
    # days before is 2027-01-30; no dose from 01-31 to 03-14; the restart (an assumed 14 days) on 03-15.
    path = tmp_path / "P-0051.toml"
    new_course(path, protocol="NCT05760430", arm="experimental", start="2026-12-01", weight="72 kg")
    record(path, "surgery", when=date(2027, 3, 1), planned=True, today=TODAY)
    plan = _plan(path)
    taken = plan.dates("apatinib")
    assert date(2027, 1, 30) in taken and date(2027, 3, 15) in taken
    assert not [d for d in taken if date(2027, 1, 31) <= d <= date(2027, 3, 14)]
    assert any("Apatinib mesylate: last dose before surgery 2027-01-30" in w for w in plan.warnings)


def test_a_dose_already_given_inside_the_washout_is_a_warning(control):
    for when in ("2026-12-08", "2026-12-29", "2027-01-19", "2027-02-09"):
        for drug in ("atezolizumab", "bevacizumab"):
            record(control, "given", drug, when=date.fromisoformat(when), today=date.fromisoformat(when))
    done = record(control, "surgery", when=date(2027, 3, 1), planned=True, today=date(2027, 2, 10))
    assert any(w.startswith("Bevacizumab #4 given on 2027-02-09 breaks its washout around the surgery on 2027-03-01")
               for w in done.warnings)


def test_the_surgery_done_and_its_checks(control):
    record(control, "surgery", when=date(2027, 3, 1), planned=True, today=TODAY)
    with pytest.raises(RegimenError, match="after today"):  # done only once it happened
        record(control, "surgery", when=date(2027, 3, 1), today=date(2027, 2, 20))
    record(control, "surgery", when=date(2027, 3, 1), today=date(2027, 3, 1))
    plan = _plan(control, today=date(2027, 3, 1))
    assert any(w.startswith("surgery on 2027-03-01: Bevacizumab:") for w in plan.warnings)
    assert not any(w.startswith("surgery planned") for w in plan.warnings)  # the done one replaces the planned one
    removed, _ = undo(control)
    assert "type = \"surgery\"" in removed and "planned" not in removed


def test_bad_surgery_records_are_refused_and_nothing_is_written(control):
    before = control.read_text()
    with pytest.raises(RegimenError, match="before the course started"):
        record(control, "surgery", when=date(2026, 11, 20), planned=True, today=TODAY)
    assert control.read_text() == before
    result = run_cli("record", control, "surgery", "bevacizumab", "--date", "2027-03-01")
    assert result.exit_code == 2 and "a surgery takes no activity" in result.stderr
    result = run_cli("record", control, "surgery", "--planned")
    assert result.exit_code == 2 and "--date" in result.stderr
    result = run_cli("record", control, "given", "atezolizumab", "--date", "2026-12-08", "--planned", "--today", "2026-12-08")
    assert result.exit_code == 2 and "--planned" in result.stderr
    assert control.read_text() == before


def test_a_hand_edited_surgery_goes_through_the_same_checks(control):
    text = control.read_text() + '\n[[events]]\ntype = "surgery"\nactivity = "bevacizumab"\ndate = 2027-03-01\n'
    control.write_text(text)
    with pytest.raises(RegimenError, match="a surgery takes date, planned and reason only, not activity"):
        load_course(control)
    control.write_text(text.replace('type = "surgery"', 'type = "given"') .replace("date = 2027-03-01", "date = 2026-12-08\nplanned = true"))
    with pytest.raises(RegimenError, match="planned belongs to a surgery, not to a given event"):
        load_course(control)


def test_a_drug_without_a_washout_in_its_protocol_is_said(tmp_path):
    path = tmp_path / "P-0052.toml"
    new_course(path, protocol="NCT05233358", arm="haic", start="2026-12-01", weight="72 kg", height="170 cm")
    record(path, "surgery", when=date(2027, 3, 1), planned=True, today=TODAY)
    plan = _plan(path)
    assert any(w.startswith("surgery planned on 2027-03-01: Oxaliplatin: the protocol file states no washout") for w in plan.warnings)


def test_readme_planned_resection(tmp_path, monkeypatch):
    assert run_readme_block("planned resection", tmp_path, monkeypatch) == 4


def test_regorafenib_stops_2_weeks_before_and_lenvatinib_1_week(tmp_path):
    # NCT05233358 TACE arm: regorafenib d1-21 q28d from 2026-12-08. Surgery 2027-03-01: the last dose at
    # least 14 days before is 2027-02-15 at the latest; none from 02-16 to 03-14 (an assumed 14-day restart).
    path = tmp_path / "P-0053.toml"
    new_course(path, protocol="NCT05233358", arm="tace", start="2026-12-01", weight="72 kg")
    record(path, "surgery", when=date(2027, 3, 1), planned=True, today=TODAY)
    taken = _plan(path).dates("regorafenib")
    assert taken and not [d for d in taken if date(2027, 2, 16) <= d <= date(2027, 3, 14)]
    # Ablation trial: lenvatinib qd from 2026-12-06; surgery 2027-01-20: last dose 01-13 (7 days before), restart 02-03.
    path = tmp_path / "P-0054.toml"
    new_course(path, protocol="ablation-lenvatinib-pd1", arm="experimental", start="2026-12-01", weight="72 kg")
    record(path, "surgery", when=date(2027, 1, 20), planned=True, today=TODAY)
    plan = _plan(path)
    taken = plan.dates("lenvatinib")
    assert date(2027, 1, 13) in taken and date(2027, 2, 3) in taken
    assert not [d for d in taken if date(2027, 1, 14) <= d <= date(2027, 2, 2)]
    assert any("Lenvatinib: last dose before surgery 2027-01-13" in w and "earliest restart 2027-02-03" in w for w in plan.warnings)


def test_an_arm_whose_treatment_ends_with_resection_keeps_each_drug_stopped(tmp_path):
    # A site's copy of NCT05760430 whose control arm says treatment ends with resection: with surgery on
    # 2027-03-01, bevacizumab stops from the start of its washout (02-02) and atezolizumab from the
    # surgery day (its washout is 0 days before): neither restarts.
    shipped = shipped_dir() / "NCT05760430.toml"
    folder = tmp_path / "site"
    folder.mkdir()
    text = shipped.read_text(encoding="utf-8").replace('type = "active comparator"\n', 'type = "active comparator"\nafter_surgery = "stop"\n', 1)
    (folder / "NCT05760430-site.toml").write_text(text.replace('id = "NCT05760430"', 'id = "NCT05760430-site"', 1), encoding="utf-8")
    path = tmp_path / "P-0055.toml"
    new_course(path, protocol="NCT05760430-site", arm="control", start="2026-12-01", weight="72 kg", protocol_dirs=[folder])
    record(path, "surgery", when=date(2027, 3, 1), planned=True, today=TODAY, protocol_dirs=[folder])
    plan = regimen.replan(load_course(path), horizon="2027-06-30", today=TODAY, protocol_dirs=[folder])
    assert plan.dates("bevacizumab")[-1] == date(2027, 1, 19)
    assert plan.dates("atezolizumab")[-1] == date(2027, 2, 9)
    assert any("Bevacizumab: last dose before surgery 2027-01-19" in w and "no restart: this arm's treatment ends with resection" in w
               for w in plan.warnings)
    assert plan.dates("survival")[0] == date(2027, 3, 1)  # follow-up goes on
