"""Invariants over random patients, start dates, pins and horizons (Hypothesis)."""

from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import regimen

ARMS = [(p.id, a.id) for p in regimen.list_protocols() for a in p.arms]
weights = st.floats(min_value=20, max_value=350, allow_nan=False).map(lambda w: f"{w:.2f} kg")
heights = st.floats(min_value=100, max_value=250, allow_nan=False).map(lambda h: f"{h:.1f} cm")
starts = st.dates(min_value=date(2022, 1, 1), max_value=date(2031, 11, 30))  # within 5 years of today (2026-12-01, frozen)
horizons = st.one_of(st.none(), st.integers(min_value=1, max_value=120).map(lambda w: f"{w}w"))

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(arm=st.sampled_from(ARMS), weight=weights, height=heights, start=starts, horizon=horizons)
def test_plans_are_sorted_bounded_and_inside_their_windows(arm, weight, height, start, horizon):
    plan = regimen.schedule(arm[0], arm[1], regimen.Patient.from_measurements(weight, height), start, horizon=horizon)
    events = plan.events
    assert list(events) == sorted(events, key=lambda e: (e.date, e.order, e.activity, e.occurrence))
    assert all(e.earliest <= e.date <= e.latest for e in events)
    assert all(e.date >= start for e in events)
    if horizon is not None:
        assert all(e.date <= plan.horizon_end for e in events)
    assert len({e.key for e in events}) == len(events)


@SETTINGS
@given(weight=weights, height=heights, start=starts, weeks=st.integers(min_value=1, max_value=104))
def test_spacing_and_limits_hold(weight, height, start, weeks):
    patient = regimen.Patient.from_measurements(weight, height)
    haic = regimen.schedule("NCT05233358", "haic", patient, start, horizon=f"{weeks}w")
    assert len(haic.dates("haic")) <= 6  # at most 6 HAIC cycles
    gaps = {(b - a).days for a, b in zip(haic.dates("haic"), haic.dates("haic")[1:], strict=False)}
    assert gaps <= {21}
    for event in haic.for_activity("regorafenib"):
        assert 1 <= event.day <= 21  # never on days 22-28
    ablation = regimen.schedule("ablation-lenvatinib-pd1", "experimental", patient, start, horizon=f"{weeks}w")
    pd1 = ablation.dates("sintilimab")
    if pd1:
        from dateutil.relativedelta import relativedelta

        assert pd1[-1] < pd1[0] + relativedelta(months=6)  # at most 6 months of anti-PD-1
        assert len(pd1) <= 9


@SETTINGS
@given(shift=st.integers(min_value=-2, max_value=2), start=starts)
def test_a_pin_anywhere_in_its_window_is_accepted_and_moves_dependants(shift, start):
    patient = regimen.Patient.from_measurements("72 kg")
    pin = start + timedelta(days=35 + shift)
    plan = regimen.schedule("NCT05233358", "tace", patient, start, pins={"imaging": pin}, horizon="20w")
    assert plan.dates("imaging") == [pin]
    assert plan.dates("tace_repeat") == [pin + timedelta(days=7)]


@SETTINGS
@given(weight=st.floats(min_value=20, max_value=350, allow_nan=False))
def test_weight_band_boundary_is_exact(weight):
    patient = regimen.Patient.from_measurements(f"{weight!r} kg")
    plan = regimen.schedule("ablation-lenvatinib-pd1", "experimental", patient, "2026-12-01", horizon="2w")
    expected = "12 mg" if patient.weight_kg >= 60 else "8 mg"
    assert plan.dose("lenvatinib").text == expected
