"""Scheduler behaviour: pins and windows, horizons, bounds, keys, errors."""

from datetime import date

import pytest
from conftest import iso

import regimen
from regimen import InputError, LookupFailure, ScheduleError


def test_q3w_counts_from_a_pinned_first_dose(plan_for):
    plan = plan_for("NCT05760430", "experimental", horizon="5w", pins={"camrelizumab": "2026-12-10"})  # to 2027-01-04
    assert plan.dates("camrelizumab") == iso("2026-12-10", "2026-12-31")  # q3w counts from the pinned dose
    assert plan.dates("pve") == iso("2026-12-15")  # PVE is anchored to cTACE, not camrelizumab


def test_a_pin_outside_its_window_names_the_window(plan_for):
    with pytest.raises(ScheduleError, match=r"pins.pve: 2026-12-18 is outside its window 2026-12-13 to 2026-12-17 \(\+14d \[12d..16d\] after ctace\)"):
        plan_for("NCT05760430", "experimental", pins={"pve": "2026-12-18"})


def test_pinning_an_unknown_activity_suggests_one(plan_for):
    with pytest.raises(LookupFailure, match=r'unknown activity in arm experimental .pvee. \(did you mean "pve"\?\)'):
        plan_for("NCT05760430", "experimental", pins={"pvee": "2026-12-15"})


@pytest.mark.parametrize(("horizon", "last_day"), [("24w", "2027-05-17"), ("180d", "2027-05-29"), ("6mo", "2027-05-31"), ("2027-01-31", "2027-01-31")])
def test_horizon_forms(plan_for, horizon, last_day):
    plan = plan_for("NCT05760430", "experimental", horizon=horizon)
    assert plan.horizon_end == date.fromisoformat(last_day)
    assert plan.dates("apatinib")[-1] == date.fromisoformat(last_day)
    assert not any("no horizon given" in w for w in plan.warnings)


def test_bounded_activities_run_to_their_end_without_a_horizon(plan_for):
    plan = plan_for("ablation-lenvatinib-pd1", "experimental")  # 6-month course outlasts the 24-week default
    assert plan.dates("lenvatinib")[-1] == date(2027, 6, 5)
    assert not any("no horizon given" in w for w in plan.warnings)


def test_a_horizon_cuts_even_bounded_activities(plan_for):
    assert len(plan_for("NCT05233358", "haic", horizon="6w").dates("haic")) == 2


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        ({"start": "01/12/2026"}, InputError, "start: '01/12/2026' is not a date; give an ISO date like 2026-12-01"),
        ({"horizon": "forever"}, InputError, "horizon: 'forever' is not accepted; give a span like 24w, 180d, 6mo or 2y"),
        ({"horizon": "2026-11-01"}, InputError, "horizon: 2026-11-01 is before day 0 (2026-12-01)"),
        ({"choices": {"ici": "sintilimab"}}, LookupFailure, "unknown choice for arm experimental 'ici'"),
        ({"levels": {"camrelizumab": 1}}, InputError, "levels.camrelizumab: Camrelizumab has no dose levels to reduce"),
    ],
)
def test_bad_schedule_input_is_refused_clearly(plan_for, options, error, message):
    with pytest.raises(error) as caught:
        plan_for("NCT05760430", "experimental", **options)
    assert message in str(caught.value)


def test_unknown_arm_and_choice_value(plan_for):
    with pytest.raises(LookupFailure, match=r'unknown arm of NCT05760430 .experimetal. \(did you mean "experimental"\?\)'):
        plan_for("NCT05760430", "experimetal")
    with pytest.raises(LookupFailure, match="unknown value for choice ici 'nivolumab'"):
        plan_for("NCT05233358", "haic", choices={"ici": "nivolumab"})


def test_missing_height_for_a_per_m2_dose_is_an_error_not_a_guess(plan_for):
    with pytest.raises(InputError, match="height: the Oxaliplatin dose is 85 mg/m² and needs the patient's height"):
        plan_for("NCT05233358", "haic", height=None)


def test_event_keys_are_stable_and_unique(plan_for):
    first = plan_for("NCT05760430", "experimental")
    again = plan_for("NCT05760430", "experimental")
    keys = [e.key for e in first]
    assert keys == [e.key for e in again]
    assert len(set(keys)) == len(keys)
    assert keys[:2] == ["NCT05760430/experimental/ctace/1", "NCT05760430/experimental/camrelizumab/1"]


def test_plans_are_immutable(plan_for):
    plan = plan_for("NCT05760430", "experimental")
    with pytest.raises(AttributeError):
        plan.start = date(2027, 1, 1)  # type: ignore[misc]
    with pytest.raises(AttributeError):
        plan.events[0].date = date(2027, 1, 1)  # type: ignore[misc]


def test_no_patient_identity_is_held_by_a_plan(plan_for):
    plan = plan_for("NCT05760430", "experimental")
    assert set(type(plan.patient).__dataclass_fields__) == {"weight", "height", "sex", "age"}


def test_library_example_from_the_docstring():
    patient = regimen.Patient.from_measurements(weight="72 kg")
    plan = regimen.schedule("NCT05760430", "experimental", patient, "2026-12-01")
    assert plan.dates("pve") == [date(2026, 12, 15)]
