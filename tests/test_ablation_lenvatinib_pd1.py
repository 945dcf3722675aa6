"""Ablation + lenvatinib + anti-PD-1: ablation on 2026-12-01 (day 0)."""

from datetime import date

import pytest
from conftest import days, iso


@pytest.mark.parametrize(
    ("weight", "dose", "take"),
    [
        ("59.9 kg", "8 mg", "2 × 4 mg capsules"),
        ("59.99 kg", "8 mg", "2 × 4 mg capsules"),
        ("60 kg", "12 mg", "3 × 4 mg capsules"),  # 60.0 kg is "60 kg or more"
        ("60.0 kg", "12 mg", "3 × 4 mg capsules"),
        ("132.3 lb", "12 mg", "3 × 4 mg capsules"),  # 60.01 kg
        ("132.2 lb", "8 mg", "2 × 4 mg capsules"),  # 59.96 kg
    ],
)
def test_lenvatinib_60_kg_boundary_from_both_sides(plan_for, weight, dose, take):
    plan = plan_for("ablation-lenvatinib-pd1", "experimental", weight=weight)
    assert plan.dose("lenvatinib").text == dose
    assert plan.dose("lenvatinib").take == take


def test_lenvatinib_daily_from_day_5_for_at_most_6_months(plan_for):
    plan = plan_for("ablation-lenvatinib-pd1", "experimental")
    first = plan.for_activity("lenvatinib")[0]
    assert (first.date, first.earliest, first.latest) == tuple(iso("2026-12-06", "2026-12-04", "2026-12-08"))  # 3-7 days
    assert plan.dates("lenvatinib") == days("2026-12-06", "2027-06-05")  # 6 months from 2026-12-06


def test_anti_pd1_every_3_weeks_ends_by_6_months(plan_for):
    plan = plan_for("ablation-lenvatinib-pd1", "experimental", horizon="2y")
    assert plan.dates("sintilimab") == iso(
        "2026-12-06", "2026-12-27", "2027-01-17", "2027-02-07", "2027-02-28", "2027-03-21", "2027-04-11", "2027-05-02", "2027-05-23"
    )
    assert plan.dates("sintilimab")[-1] < iso("2027-06-06")[0]  # 6 months after the first dose
    assert plan.dose("sintilimab").text == "200 mg"


def test_lenvatinib_lowest_level_is_4_mg_every_other_day(plan_for):
    plan = plan_for("ablation-lenvatinib-pd1", "experimental", levels={"lenvatinib": 4}, horizon="2w")  # level 4 of 12 → 8 → 4 → 4 mg qod
    assert plan.dose("lenvatinib").text == "4 mg qod"
    assert plan.dates("lenvatinib") == days("2026-12-06", "2026-12-14", step=2)


def test_comparator_arm_is_ablation_alone(plan_for):
    plan = plan_for("ablation-lenvatinib-pd1", "comparator")
    assert [(e.date.isoformat(), e.name) for e in plan if e.kind != "assessment"] == [("2026-12-01", "Ablation")]
    # issue 16: imaged every 9 weeks, 3 times, from 68 days after ablation (an assumption): 2027-02-07, then 63 days on each
    assert plan.dates("imaging") == [date(2027, 2, 7), date(2027, 4, 11), date(2027, 6, 13)]
    assert [w.split(":")[0] for w in plan.warnings] == ["assumption imaging-cadence"]
