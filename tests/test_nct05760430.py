"""NCT05760430: cTACE on 2026-12-01 (day 0), 72 kg, no horizon (open-ended drugs shown 24 weeks)."""

import itertools

from conftest import days, iso


def test_experimental_arm_calendar_for_a_72_kg_patient(plan_for):
    plan = plan_for("NCT05760430", "experimental")
    assert plan.dates("ctace") == iso("2026-12-01")
    assert plan.dates("pve") == iso("2026-12-15")  # 2 weeks after cTACE
    pve = plan.for_activity("pve")[0]
    assert (pve.earliest, pve.latest) == tuple(iso("2026-12-13", "2026-12-17"))
    assert plan.dates("camrelizumab") == iso(
        "2026-12-08", "2026-12-29", "2027-01-19", "2027-02-09", "2027-03-02", "2027-03-23", "2027-04-13", "2027-05-04"
    )
    assert plan.dose("camrelizumab").text == "216 mg"  # 3 mg/kg x 72 kg
    assert plan.dose("camrelizumab").preparation == "2 × 200 mg vials (184 mg left over)"
    assert plan.dates("apatinib") == days("2026-12-08", "2027-05-17")  # every day to the 24-week horizon
    assert plan.dose("apatinib").text == "250 mg"
    assert plan.dose("apatinib").take == "1 × 250 mg tablet"


def test_camrelizumab_cycles_are_numbered_and_21_days_apart(plan_for):
    doses = plan_for("NCT05760430", "experimental").for_activity("camrelizumab")
    assert [e.cycle for e in doses] == list(range(1, 9))
    assert {(b.date - a.date).days for a, b in itertools.pairwise(doses)} == {21}


def test_every_plan_warns_about_the_assumptions_it_uses(plan_for):
    warnings = "\n".join(plan_for("NCT05760430", "experimental").warnings)
    assert "assumption systemic-start" in warnings
    assert "assumption pve-window" in warnings
    assert "shown for 24 weeks, to 2027-05-17" in warnings


def test_control_arm_gives_atezolizumab_before_bevacizumab_every_3_weeks(plan_for):
    plan = plan_for("NCT05760430", "control", horizon="9w")
    drug_days = [(e.date.isoformat(), e.name, e.dose.text) for e in plan if e.kind == "drug"]
    assert drug_days == [
        ("2026-12-08", "Atezolizumab", "1200 mg"),
        ("2026-12-08", "Bevacizumab", "1080 mg"),  # 15 mg/kg x 72 kg
        ("2026-12-29", "Atezolizumab", "1200 mg"),
        ("2026-12-29", "Bevacizumab", "1080 mg"),
        ("2027-01-19", "Atezolizumab", "1200 mg"),
        ("2027-01-19", "Bevacizumab", "1080 mg"),
    ]
    assert "on the same day, give after Atezolizumab" in plan.for_activity("bevacizumab")[0].notes


def test_pve_can_be_pinned_inside_its_window(plan_for):
    plan = plan_for("NCT05760430", "experimental", pins={"pve": "2026-12-16"})
    assert plan.dates("pve") == iso("2026-12-16")
