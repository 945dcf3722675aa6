"""Dose bases, caps, stated rounding, product units and derivations a pharmacist can check."""

import pytest

import regimen
from regimen import InputError
from regimen.dosing import Band, DoseSpec, Level, Product, RoundToStep, RoundToStrengths
from regimen.rules import Every

P72 = regimen.Patient.from_measurements("72 kg", "170 cm")
VIAL_200 = Product("vial", (200.0,))


def test_per_kg_derivation_reads_like_a_pharmacist_check():
    dose = DoseSpec.per_kg(3).compute(P72, product=VIAL_200)
    assert dose.amount == 216
    assert dose.derivation == (
        "weight: 72 kg (actual body weight)",
        "3 mg/kg × 72 kg = 216 mg",
        "no rounding (the protocol states none)",
        "prepare: 2 × 200 mg vials (184 mg left over)",
        "dose: 216 mg per administration",
    )


def test_weight_in_pounds_is_shown_with_its_conversion():
    dose = DoseSpec.per_kg(15).compute(regimen.Patient.from_measurements("158.7 lb"))
    assert dose.derivation[0] == "weight: 158.7 lb = 71.985 kg (actual body weight)"
    assert dose.text == "1079.78 mg"


def test_per_m2_uses_mosteller_unless_another_method_is_chosen():
    patient = regimen.Patient.from_measurements("70 kg", "170 cm")
    assert DoseSpec.per_m2(85).compute(patient).text == "154.54 mg"
    assert DoseSpec.per_m2(85).compute(patient, bsa="dubois").text == "153.83 mg"  # 85 x 1.809708 m² (unrounded DuBois BSA) = 153.825
    assert "BSA (dubois" in DoseSpec.per_m2(85).compute(patient, bsa="dubois").derivation[1]


def test_per_m2_without_height_names_the_missing_measurement():
    with pytest.raises(InputError, match=r'height: the oxaliplatin dose is 85 mg/m² and needs the patient\'s height'):
        DoseSpec.per_m2(85).compute(regimen.Patient.from_measurements("70 kg"), drug="oxaliplatin")


def test_no_bsa_cap_unless_the_protocol_sets_one():
    big = regimen.Patient.from_measurements("150 kg", "200 cm")  # Mosteller √(200 × 150 / 3600) = 2.886751 m²
    assert DoseSpec.per_m2(85).compute(big).text == "245.37 mg"  # 85 × 2.886751 = 245.374, no cap


def test_a_stated_maximum_caps_with_its_percentage():
    dose = DoseSpec.per_kg(3, max=200).compute(P72)
    assert dose.amount == 200 and dose.unrounded == 216
    assert "capped at the protocol maximum 200 mg: 216 → 200 mg (-7.41%)" in dose.derivation


def test_rounding_to_a_step_only_when_stated():
    dose = DoseSpec.per_kg(15, rounding=RoundToStep(25)).compute(regimen.Patient.from_measurements("71 kg"))
    assert dose.amount == 1075  # 1065 -> 1075
    assert "rounded to the nearest 25 mg: 1065 → 1075 mg (+0.94%)" in dose.derivation


def test_rounding_to_vials_within_tolerance_and_refused_beyond_it():
    near = DoseSpec.per_kg(3, rounding=RoundToStrengths(10)).compute(regimen.Patient.from_measurements("64 kg"), product=VIAL_200)
    assert near.amount == 200  # 192 mg -> one 200 mg vial, +4.17%
    far = DoseSpec.per_kg(3, rounding=RoundToStrengths(5)).compute(P72, product=VIAL_200)
    assert far.amount == 216
    assert "not rounded: the nearest whole-unit dose 200 mg is beyond 5% (-7.41%)" in far.derivation


@pytest.mark.parametrize(("level", "text", "take"), [(0, "160 mg", "4 × 40 mg tablets"), (1, "120 mg", "3 × 40 mg tablets"), (2, "80 mg", "2 × 40 mg tablets")])
def test_regorafenib_ladder(level, text, take):
    ladder = DoseSpec.ladder((Level(160), Level(120), Level(80)))
    dose = ladder.compute(P72, product=Product("tablet", (40.0,)), level=level)
    assert (dose.text, dose.take) == (text, take)


def test_ladder_below_its_last_level_means_discontinuation():
    with pytest.raises(InputError, match=r"has 3 dose levels .* level 4 would mean discontinuing it"):
        DoseSpec.ladder((Level(160), Level(120), Level(80))).compute(P72, level=3, drug="regorafenib")


LENVATINIB = DoseSpec.by_weight((
    Band(None, 60, (Level(8), Level(4), Level(4, Every(2)))),
    Band(60, None, (Level(12), Level(8), Level(4), Level(4, Every(2)))),
))


@pytest.mark.parametrize(
    ("weight", "levels"),
    [("59.9 kg", ["8 mg", "4 mg", "4 mg qod"]), ("60 kg", ["12 mg", "8 mg", "4 mg", "4 mg qod"])],
)
def test_lenvatinib_ladders_by_weight_band(weight, levels):
    patient = regimen.Patient.from_measurements(weight)
    assert [LENVATINIB.compute(patient, level=n).text for n in range(len(levels))] == levels


def test_capsules_use_only_strengths_that_divide_the_dose():
    capsules = Product("capsule", (10.0, 4.0))
    assert DoseSpec.flat(12).compute(P72, product=capsules).take == "3 × 4 mg capsules"
    assert DoseSpec.flat(14).compute(P72, product=capsules).take == "1 × 10 mg capsule + 1 × 4 mg capsule"
    assert "ask the pharmacy" in DoseSpec.flat(5).compute(P72, product=capsules).take


def test_bevacizumab_vials_with_least_waste():
    assert DoseSpec.per_kg(15).compute(P72, product=Product("vial", (400.0, 100.0))).preparation == (
        "2 × 400 mg vials + 3 × 100 mg vials (20 mg left over)"
    )
