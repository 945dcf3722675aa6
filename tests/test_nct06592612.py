"""NCT06592612: second-line therapy starts 2026-12-01 (day 0), 72 kg."""

from conftest import days, iso


def test_sbrt_arm_five_fractions_within_2_weeks_while_regorafenib_continues(plan_for):
    plan = plan_for("NCT06592612", "sbrt", horizon="4w")
    assert plan.dates("sbrt") == iso("2026-12-08", "2026-12-10", "2026-12-12", "2026-12-14", "2026-12-16")
    first = plan.for_activity("sbrt")[0]
    assert (first.earliest, first.latest) == tuple(iso("2026-12-01", "2026-12-15"))
    assert plan.dates("regorafenib") == days("2026-12-01", "2026-12-21")  # not paused during SBRT
    assert plan.for_activity("sbrt")[0].dose is None


def test_second_line_drugs_follow_the_choice(plan_for):
    lenvatinib = plan_for("NCT06592612", "control", choices={"second_line": "lenvatinib"}, horizon="1w")
    assert [a.id for a in lenvatinib.arm.activities if lenvatinib.for_activity(a.id)] == ["lenvatinib"]
    assert lenvatinib.dose("lenvatinib").text == "12 mg"
    combo = plan_for("NCT06592612", "control", choices={"second_line": "regorafenib_pd1", "pd1": "camrelizumab"}, horizon="4w")
    assert combo.dates("camrelizumab") == iso("2026-12-01", "2026-12-22")
    assert combo.dose("camrelizumab").text == "216 mg"
    assert combo.dates("regorafenib")[0] == iso("2026-12-01")[0]


def test_a_choice_that_cannot_change_the_plan_is_not_reported(plan_for):
    plan = plan_for("NCT06592612", "control")
    assert [name for name, _, _ in plan.choices] == ["second_line"]
