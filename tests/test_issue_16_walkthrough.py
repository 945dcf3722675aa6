"""What a research nurse's walkthrough of #16 and #17 together found, each kept fixed.

The course: ablation trial, experimental arm, 55 kg, day 0 (ablation) 2026-12-01; lenvatinib
8 mg qd for 6 months from its first dose on 2026-12-06 (so through 2027-06-05), sintilimab q3w;
on 2026-12-10 a grade 3 diarrhoea holds lenvatinib until recovery (toxicity --apply).
"""

from __future__ import annotations

import json

import pytest
from conftest import run_cli


@pytest.fixture
def held(tmp_path):
    course = tmp_path / "P-0303.toml"
    assert run_cli("course", "new", course, "--protocol", "ablation-lenvatinib-pd1", "--arm", "experimental", "--start", "2026-12-01",
                   "--weight", "55 kg").exit_code == 0
    assert run_cli("record", course, "given", "lenvatinib", "--date", "2026-12-06", "--today", "2026-12-06").exit_code == 0
    applied = run_cli("toxicity", course, "--drug", "lenvatinib", "--ae", "diarrhea", "--grade", "3", "--date", "2026-12-10",
                      "--today", "2026-12-10", "--apply")
    assert applied.exit_code == 0, applied.output
    return course, applied


def test_a_hold_until_recovery_explains_and_exports_to_json(held):
    """It raised TypeError (a hold with no last day compared with a date) in explain and JSON."""
    course, _ = held
    plan = run_cli("schedule", "--course", course, "--today", "2026-12-10", "--format", "json")
    assert plan.exit_code == 0, plan.output
    shown = run_cli("explain", "--course", course, "lenvatinib/10", "--today", "2026-12-10")
    assert shown.exit_code == 0
    assert "shift: held from 2026-12-10 until recovery (label rule lenvatinib/non-haematological-g2-g3: Diarrhea grade 3): not taken" in shown.output


def test_doses_held_until_recovery_end_with_the_six_months(held):
    """They ran ten years (3644 held doses to 2036-11-30, and as many FHIR not-done administrations):
    a held dose past the span's end (2026-12-06 + 6 months = 2027-06-06, exclusive) is no dose at all."""
    course, _ = held
    data = json.loads(run_cli("schedule", "--course", course, "--today", "2026-12-10", "--format", "json").stdout)
    lenvatinib = [e for e in data["events"] if e["activity"] == "lenvatinib"]
    assert max(e["date"] for e in lenvatinib) == "2027-06-05"
    assert {e["status"] for e in lenvatinib if e["date"] >= "2026-12-10"} == {"held"}


def test_the_applied_answer_gives_no_contraception_end_from_its_short_look_ahead(held):
    """It said 'contraception until 2027-08-28' from a look-ahead that cut sintilimab at 2027-02-28;
    the course's plan gives sintilimab's last dose, #9 on 2027-05-23, and 2027-05-23 + 6 months = 2027-11-23."""
    course, applied = held
    assert "after treatment" not in applied.output
    plan = run_cli("schedule", "--course", course, "--today", "2026-12-10", "--verbose")
    assert "! after treatment: contraception until 2027-11-23 (last dose: Sintilimab #9 on 2027-05-23 (planned)" in (
        " ".join(plan.output.split()))  # wrapped to 100 columns (issue #12), whole: read as words
    short = run_cli("schedule", "--course", course, "--today", "2026-12-10").output  # one line: the date and its arithmetic
    assert "! contraception until 2027-11-23 (planned last dose 2027-05-23 + 6 calendar months)\n" in short


def test_a_short_horizon_says_its_contraception_end_may_move(held):
    course, _ = held
    plan = run_cli("schedule", "--course", course, "--today", "2026-12-10", "--horizon", "8w", "--verbose")
    assert "Sintilimab may go on past the horizon (2027-01-25): its last dose here is the last before it" in " ".join(plan.output.split())
    short = run_cli("schedule", "--course", course, "--today", "2026-12-10", "--horizon", "8w").output
    assert "; may move)\n" in next(line + "\n" for line in short.splitlines() if line.startswith("! contraception until"))


@pytest.fixture
def resection(tmp_path):
    """Tongji, 64 kg, 168 cm, first HAIC 2026-12-01 (q3w: #5 on 2027-02-23); resection planned for 2027-03-01."""
    course = tmp_path / "P-0401.toml"
    assert run_cli("course", "new", course, "--protocol", "NCT06187961", "--arm", "conversion", "--start", "2026-12-01",
                   "--weight", "64 kg", "--height", "168 cm").exit_code == 0
    planned = run_cli("record", course, "surgery", "--date", "2027-03-01", "--planned", "--today", "2026-12-01")
    assert planned.exit_code == 0, planned.output
    return course, planned


def test_a_procedure_while_the_drugs_are_held_around_surgery_is_said(resection):
    """HAIC #5 (2026-12-01 + 4 x 21 d = 2027-02-23) stayed booked with no word; lenvatinib's washout
    (7 d before, 14 d after: held 2027-02-23 to 2027-03-14) spans it, and no washout is stated for HAIC."""
    _, planned = resection
    assert ("! surgery planned on 2027-03-01: HAIC #5 on 2027-02-23 falls while the drugs are held around it (2027-02-23 to "
            "2027-03-14); the protocol file states no washout for a procedure, so it is not moved (ask the surgeon)") in planned.output


def test_a_surgery_recorded_done_replaces_the_planned_one(resection):
    """Both were kept: the plan held the drugs around 03-01 and around 03-04, and warned about both."""
    course, _ = resection
    done = run_cli("record", course, "surgery", "--date", "2027-03-04", "--today", "2027-03-04")
    assert done.exit_code == 0, done.output
    plan = run_cli("schedule", "--course", course, "--today", "2027-03-04", "--horizon", "2027-04-10")
    assert "surgery planned on 2027-03-01" not in plan.output
    assert "surgery on 2027-03-04" in plan.output
