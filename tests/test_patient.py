"""BSA and creatinine-clearance formulas against the test vectors in clinical-facts.md §3."""

import pytest

import regimen
from regimen import InputError
from regimen.patient import bsa, cockcroft_gault


@pytest.mark.parametrize(
    ("height", "weight", "method", "expected"),
    [
        (170, 70, "mosteller", 1.8181), (170, 70, "dubois", 1.8097), (170, 70, "haycock", 1.8257),
        (170, 70, "gehan-george", 1.8313), (170, 70, "boyd", 1.8347),
        (160, 55, "mosteller", 1.5635), (160, 55, "dubois", 1.5632), (160, 55, "haycock", 1.5655),
        (160, 55, "gehan-george", 1.5767), (160, 55, "boyd", 1.5785),
    ],
)
def test_bsa_test_vectors(height, weight, method, expected):
    assert round(bsa(height, weight, method), 4) == expected


@pytest.mark.parametrize(("female", "expected"), [(False, 77.8), (True, 66.1)])
def test_cockcroft_gault_test_vector(female, expected):
    assert round(cockcroft_gault(60, 70, 1.0, female), 1) == expected


@pytest.mark.parametrize(
    ("weight", "height", "kg", "cm"),
    [("72 kg", "170 cm", 72, 170), ("158.7 lb", "5 ft 7 in", 71.985, 170.18), ("72000 g", "1.7 m", 72, 170)],
)
def test_measurements_in_any_unit(weight, height, kg, cm):
    patient = regimen.Patient.from_measurements(weight, height)
    assert round(patient.weight_kg, 3) == kg
    assert round(patient.height_cm, 2) == cm


@pytest.mark.parametrize(
    ("weight", "height", "message"),
    [
        ("72", None, "weight: '72' has no unit; give a weight with its unit, like \"72 kg\" or \"158.7 lb\""),
        ("72 cm", None, "weight: '72 cm' has the wrong unit: cm is not a unit of weight"),
        ("-72 kg", None, "weight: '-72 kg' is negative"),
        ("19.9 kg", None, "outside the plausible weight range 20–350 kg"),
        ("351 kg", None, "outside the plausible weight range 20–350 kg"),
        ("72 kg", "99 cm", "height: '99 cm' (99 cm) is outside the plausible height range 100–250 cm"),
        ("72 kg", "170 kg", "height: '170 kg' has the wrong unit: kg is not a unit of height"),
        ("72 kilos", None, "weight: '72 kilos': unknown unit 'kilos'"),
    ],
)
def test_bad_measurements_are_refused_with_the_accepted_form(weight, height, message):
    with pytest.raises(InputError, match=None) as caught:
        regimen.Patient.from_measurements(weight, height)
    assert message in str(caught.value)


def test_range_edges_are_accepted():
    assert regimen.Patient.from_measurements("20 kg", "100 cm").weight_kg == 20
    assert regimen.Patient.from_measurements("350 kg", "250 cm").height_cm == 250
