"""Issue #8 and #10: what a review of the whole change found, each kept fixed."""

from datetime import date

import pytest
from click.testing import CliRunner
from conftest import COURSE_HEAD as HEAD

import regimen
from regimen.cli import main
from regimen.course import parse_course


def _cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.mark.parametrize(("dose", "message"), [
    ("200 g", "a recorded dose of 200000 mg is outside the plausible range 0.1–5000 mg"),
    ("0 mg", "must be more than zero (plausible: 0.1–5000 mg); a dose not given is recorded as skipped"),
])
def test_an_absurd_recorded_dose_is_refused(tmp_path, dose, message):
    path = tmp_path / "P-0001.toml"
    path.write_text(HEAD)
    before = path.read_bytes()
    result = _cli("record", path, "given", "camrelizumab", "--date", "2026-12-08", "--dose", dose, "--today", "2026-12-08")
    assert result.exit_code == 2 and message in result.stderr and path.read_bytes() == before


def test_a_choice_or_pin_given_twice_is_refused():
    result = _cli("dose", "NCT05233358", "--arm", "haic", "--weight", "65 kg", "--height", "165 cm",
                  "--choose", "ici=sintilimab", "--choose", "ici=camrelizumab")
    assert result.exit_code == 2 and result.stderr == "Error: --choose: ici was given twice ('sintilimab', 'camrelizumab'); give it once\n"
    result = _cli("schedule", "NCT05760430", "--arm", "experimental", "--start", "2026-12-01", "--weight", "72 kg",
                  "--at", "pve=2026-12-16", "--at", "pve=2026-12-17")
    assert result.exit_code == 2 and "pve was given twice" in result.stderr


def test_replan_checks_today():
    course = parse_course(HEAD)
    with pytest.raises(regimen.RegimenError, match=r"^today: "):
        regimen.replan(course, today="01/01/2027")
    assert regimen.replan(course, today="2027-01-01", horizon="6w").dates("pve") == [date(2026, 12, 15)]


def test_a_nine_year_calendar_of_a_course_exports(tmp_path):
    path = tmp_path / "P-0001.toml"
    path.write_text(HEAD)
    result = _cli("schedule", "--course", path, "--today", "2026-12-01", "--horizon", "9y", "--format", "ics", "-o", tmp_path / "x.ics")
    assert result.exit_code == 0, result.stderr


def test_an_explicit_choice_is_said_as_chosen_even_when_it_is_the_default(plan_for):
    default = plan_for("NCT05233358", "haic")
    chosen = plan_for("NCT05233358", "haic", choices={"ici": "sintilimab"})
    assert any(w.startswith("choice ici = sintilimab (the documented default)") for w in default.warnings)
    assert any(w.startswith("choice ici = sintilimab (as chosen)") for w in chosen.warnings)
    assert not any(w.startswith("assumption ici-default") for w in chosen.warnings)  # the user decided: no assumption


def test_a_skipped_q3w_dose_is_no_cycle_and_the_next_one_keeps_the_count(tmp_path):
    plan = regimen.replan(parse_course(HEAD + '\n[[events]]\ntype = "skipped"\nactivity = "camrelizumab"\noccurrence = 2\n'), horizon="12w")
    assert [(e.date.isoformat(), e.cycle, e.status) for e in plan.for_activity("camrelizumab")] == [
        ("2026-12-08", 1, "planned"), ("2026-12-29", None, "skipped"), ("2027-01-19", 2, "planned"), ("2027-02-09", 3, "planned")]


def test_check_takes_today_like_the_other_course_commands(tmp_path):
    path = tmp_path / "P-0001.toml"
    path.write_text(HEAD)
    assert _cli("check", "--course", path, "--today", "2026-12-08").exit_code == 0
