"""NCT06187961: first HAIC on 2026-12-01 (day 0), 170 cm, 72 kg; every dose is a marked assumption."""

from conftest import days, iso


def test_conversion_arm_calendar(plan_for):
    plan = plan_for("NCT06187961", "conversion", horizon="6w")
    assert plan.dates("haic") == iso("2026-12-01", "2026-12-22")
    assert plan.dates("cadonilimab") == iso("2026-12-02", "2026-12-23")
    assert plan.dose("cadonilimab").text == "1080 mg"  # 15 mg/kg x 72 kg
    assert plan.dose("cadonilimab").preparation == "9 × 125 mg vials (45 mg left over)"
    assert plan.dates("lenvatinib") == days("2026-12-02", "2027-01-11")
    assert plan.dose("lenvatinib").text == "12 mg"


def test_every_dose_in_this_arm_is_flagged_as_an_assumption(plan_for):
    warnings = "\n".join(plan_for("NCT06187961", "conversion").warnings)
    for assumption in ("haic-folfox-doses", "haic-cycles", "cadonilimab-default", "lenvatinib-dose", "systemic-start"):
        assert f"assumption {assumption}:" in warnings


def test_cadonilimab_every_2_weeks_option(plan_for):
    plan = plan_for("NCT06187961", "conversion", choices={"cadonilimab": "6mgkg_q2w"}, horizon="5w")
    assert plan.dates("cadonilimab_q2w") == iso("2026-12-02", "2026-12-16", "2026-12-30")
    assert plan.dose("cadonilimab_q2w").text == "432 mg"  # 6 mg/kg x 72 kg
