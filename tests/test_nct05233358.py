"""NCT05233358: first HAIC or TACE on 2026-12-01 (day 0), 170 cm, 70 kg (Mosteller BSA 1.8181 m²)."""

from datetime import timedelta

from conftest import days, iso


def test_haic_arm_has_exactly_six_cycles_every_3_weeks(plan_for):
    plan = plan_for("NCT05233358", "haic", weight="70 kg", horizon="52w")
    assert plan.dates("haic") == iso("2026-12-01", "2026-12-22", "2027-01-12", "2027-02-02", "2027-02-23", "2027-03-16")
    assert [e.cycle for e in plan.for_activity("oxaliplatin")] == [1, 2, 3, 4, 5, 6]


def test_haic_folfox_doses_from_bsa(plan_for):
    plan = plan_for("NCT05233358", "haic", weight="70 kg")
    assert plan.dose("oxaliplatin").text == "154.54 mg"  # 85 mg/m² x 1.8181 m²
    assert plan.dose("leucovorin").text == "727.25 mg"  # 400 mg/m²
    assert plan.dose("fluorouracil_bolus").text == "727.25 mg"  # 400 mg/m²
    assert plan.dose("fluorouracil_infusion").text == "4363.48 mg"  # 2400 mg/m² over 46 h
    assert plan.for_activity("fluorouracil_infusion")[0].duration_hours == 46
    assert any("BSA (mosteller" in line for line in plan.dose("oxaliplatin").derivation)


def test_same_day_order_of_haic_drugs(plan_for):
    day1 = [e.name for e in plan_for("NCT05233358", "haic", weight="70 kg").between(*iso("2026-12-01", "2026-12-01"))]
    assert day1 == ["HAIC", "Oxaliplatin", "Leucovorin", "Fluorouracil bolus", "Fluorouracil infusion"]


def test_regorafenib_days_1_to_21_of_every_28_day_cycle(plan_for):
    plan = plan_for("NCT05233358", "haic", weight="70 kg", horizon="2027-03-01")
    taken = set(plan.dates("regorafenib"))
    assert taken == set(days("2026-12-08", "2026-12-28") + days("2027-01-05", "2027-01-25") + days("2027-02-02", "2027-02-22"))
    for cycle_day1 in iso("2026-12-08", "2027-01-05", "2027-02-02"):
        for off_day in range(21, 28):  # days 22-28 of every cycle
            assert cycle_day1 + timedelta(days=off_day) not in taken
    assert plan.dose("regorafenib").text == "160 mg"
    assert plan.dose("regorafenib").take == "4 × 40 mg tablets"


def test_regorafenib_start_level_is_a_choice(plan_for):
    plan = plan_for("NCT05233358", "tace", choices={"regorafenib_start": "80 mg"})
    assert plan.dose("regorafenib").text == "80 mg"
    assert ("regorafenib_start", "80mg", False) in plan.choices


def test_checkpoint_inhibitor_is_a_choice_defaulting_to_sintilimab(plan_for):
    default = plan_for("NCT05233358", "haic", horizon="6w")
    assert [e.name for e in default if e.kind == "drug" and e.route == "IV"] == ["Sintilimab", "Sintilimab"]
    chosen = plan_for("NCT05233358", "haic", horizon="6w", choices={"ici": "camrelizumab"})
    assert chosen.dose("camrelizumab").text == "216 mg"
    assert chosen.dates("camrelizumab") == iso("2026-12-08", "2026-12-29")


def test_tace_arm_imaging_and_a_conditional_repeat_tace(plan_for):
    plan = plan_for("NCT05233358", "tace")
    imaging = plan.for_activity("imaging")[0]
    assert (imaging.date, imaging.earliest, imaging.latest) == tuple(iso("2027-01-05", "2026-12-29", "2027-01-12"))  # 4-6 weeks
    repeat = plan.for_activity("tace_repeat")
    assert [e.date for e in repeat] == iso("2027-01-12")
    assert repeat[0].conditional and "active lesions" in repeat[0].condition
    assert plan.for_activity("imaging_repeat")[0].conditional  # depends on the repeat TACE
    assert not plan.for_activity("tace")[0].conditional
    assert len(plan.dates("tace")) + len(plan.dates("tace_repeat")) == 2  # fewer than 3 TACE in total
