"""Issue 15: protocol files are checked as clinical data.

Each quantity lies in a plausible range for its field (regimen/protocol/plausible.py says where
each range comes from); outside it a value is refused with the field, the value and the range,
unless the file says why with ``range_reason``; then every plan using it warns.
"""

import pytest
from conftest import HERE

import regimen
from regimen.loader import validate_files

MINIMAL = (HERE / "protocols" / "valid" / "minimal.toml").read_text(encoding="utf-8")
DOSE = 'dose = { flat = "200 mg" }'
TIMING = 'timing = "q3w x4 from +0d after day0"'


def _problems(tmp_path, old: str, new: str) -> list[str]:
    assert old in MINIMAL
    path = tmp_path / "MINE.toml"
    path.write_text(MINIMAL.replace(old, new), encoding="utf-8")
    return [f"{e.path}: {e.message}" for e in validate_files([path])]


@pytest.mark.parametrize(("old", "new", "expected"), [
    (DOSE, 'dose = { per_kg = "3 g/kg" }', "arms.a.activities.sintilimab.dose.per_kg: 3000 mg/kg is outside the plausible range 0.01–50 mg/kg"),
    (DOSE, 'dose = { flat = "1e400 mg" }', "arms.a.activities.sintilimab.dose.flat: '1e400 mg' is not a mass"),  # no exponents: a dose is written out
    (DOSE, 'dose = { flat = "0 mg" }', "arms.a.activities.sintilimab.dose.flat: 0 mg: must be more than zero"),
    (DOSE, 'dose = { flat = "-200 mg" }', "arms.a.activities.sintilimab.dose.flat: '-200 mg' is negative"),
    (DOSE, 'dose = { per_m2 = "85 mg/kg" }', "arms.a.activities.sintilimab.dose.per_m2: expected a dose per square metre"),
    (DOSE, 'dose = { flat = "200 mg", max = "0 mg" }', "arms.a.activities.sintilimab.dose.max: 0 mg: must be more than zero"),
    (DOSE, 'dose = { flat = "200 mg", rounding = { step = "0 mg" } }', "arms.a.activities.sintilimab.dose.rounding.step: 0 mg: must be more than zero"),
    (DOSE, 'dose = { flat = "200 mg", rounding = { step = "1e9 mg" } }', "arms.a.activities.sintilimab.dose.rounding.step: '1e9 mg' is not a mass"),
    (DOSE, 'dose = { flat = "200 mg", rounding = { strengths = true, tolerance = "101%" } }', "dose.rounding.tolerance: 101 % is outside the plausible range 0–100 %"),
    (DOSE, 'dose = { levels = ["80 mg", "160 mg"] }', "level 2 (160 mg) is not less than level 1 (80 mg)"),
    (DOSE, 'dose = { levels = ["4 mg", "4 mg"] }', "dose.levels[1]: dose levels must decrease from the starting dose"),
    (DOSE, 'dose = { flat = "200 mg", rounding = { step = "1000000000 mg" } }', "arms.a.activities.sintilimab.dose.rounding.step: 1000000000 mg is outside"),
    (DOSE, DOSE + '\nduration = "1000000000 h"', "arms.a.activities.sintilimab.duration: 1000000000 h is outside the plausible range 0.017–168 h"),
    (DOSE, DOSE + '\nduration = "1e9 h"', "arms.a.activities.sintilimab.duration: '1e9 h' is not a duration"),
    (DOSE, DOSE + '\nduration = "0 min"', "arms.a.activities.sintilimab.duration: 0 h: must be more than zero"),
    (TIMING, 'timing = "q99999999w from +0d after day0"', "timing: the interval: 699999993 days is outside the plausible range 0–730 days"),
    (TIMING, 'timing = "qd for 99999mo from +0d after day0"', "timing: the span: 99999 months is outside the plausible range 1–24 months"),
    (TIMING, 'timing = "+0d [-99999d..99999d] after day0"', "timing: the window start: 99999 days is outside the plausible range 0–730 days"),
    (TIMING, 'timing = "q3w x99999 from +0d after day0"', "timing: the count: 99999 occurrences is outside the plausible range 1–1000 occurrences"),
    ('name = "Sintilimab"\n\n[arms', 'name = "Sintilimab"\nform = "vial"\nstrengths = ["0 mg"]\n\n[arms', "drugs.sintilimab.strengths[0]: 0 mg: must be more than zero"),
    ('id = "MINE-1"', 'id = ""', "id: the protocol's id '' must be 1 to 64 letters"),
    ('id = "MINE-1"', 'id = "../../x"', "id: the protocol's id '../../x' must be 1 to 64 letters"),
    ('version = "1"', 'version = "1/2"', "version: the protocol's version '1/2' must be"),
    ('title = "A site\'s own protocol"', 'title = "' + "t" * 20_000 + '"', "title: holds 20,000 characters of text; a text value may hold at most 10,000"),
    ('label = "A"', "label = []", "arms.a.label: expected a string, got []"),
])
def test_an_implausible_value_is_refused_with_its_field_value_and_range(tmp_path, old, new, expected):
    assert any(p.startswith(expected) or expected in p for p in _problems(tmp_path, old, new)), _problems(tmp_path, old, new)


def test_a_choice_label_must_be_a_string(tmp_path):
    choice = '\n[choices.pick]\nlabel = []\noptions = { a = "A" }\ndefault = "a"\n'
    problems = _problems(tmp_path, "[arms.a]\n", choice + "[arms.a]\n")
    assert "choices.pick.label: expected a string, got []" in problems


def test_every_problem_is_reported_at_once(tmp_path):
    problems = _problems(tmp_path, DOSE, 'dose = { flat = "1e400 mg", rounding = { step = "0 mg" } }\nduration = "1e9 h"')
    assert len(problems) == 3


def test_a_value_outside_its_range_with_a_reason_is_kept_and_every_plan_warns(tmp_path):
    path = tmp_path / "MINE.toml"
    path.write_text(MINIMAL.replace(DOSE, 'dose = { flat = "6000 mg", range_reason = "the trial\'s own loading dose, protocol §6.2" }'), encoding="utf-8")
    assert validate_files([path]) == []
    plan = regimen.schedule(regimen.load_file(path), "a", regimen.Patient.from_measurements("72 kg"), "2026-12-01")
    assert plan.dose("sintilimab").text == "6000 mg"
    assert "assumption range:arms.a.activities.sintilimab.dose.flat: 6000 mg is outside the plausible range 0.1–5000 mg" in "\n".join(plan.warnings)
    assert "kept because: the trial's own loading dose, protocol §6.2" in "\n".join(plan.warnings)


def test_a_reason_never_keeps_a_value_a_hundred_times_past_its_range(tmp_path):
    problems = _problems(tmp_path, DOSE, 'dose = { flat = "600000 mg", range_reason = "sure" }')
    assert problems == ["arms.a.activities.sintilimab.dose.flat: 600000 mg is outside the plausible range 0.1–5000 mg (flat doses 4 mg "
                        "(lenvatinib) to 1200 mg (atezolizumab; its label allows 1680 mg q4w), margin ×3)"]


def test_a_drug_strength_kept_by_a_reason_warns_in_every_plan_that_gives_the_drug(tmp_path):
    path = tmp_path / "MINE.toml"
    drug = 'name = "Sintilimab"\nform = "vial"\nstrengths = ["8000 mg"]\nrange_reason = "a bulk pharmacy bag"\n\n[arms'
    path.write_text(MINIMAL.replace('name = "Sintilimab"\n\n[arms', drug), encoding="utf-8")
    plan = regimen.schedule(regimen.load_file(path), "a", regimen.Patient.from_measurements("72 kg"), "2026-12-01")
    assert any("range:drugs.sintilimab.strengths[0]: 8000 mg is outside" in w and "a bulk pharmacy bag" in w for w in plan.warnings)


def test_a_daily_home_dose_is_checked_as_an_amount_for_one_day(tmp_path):
    problems = _problems(tmp_path, TIMING, 'timing = "qd from +0d after day0"')
    assert problems == []
    problems = _problems(tmp_path, DOSE + "\n" + TIMING, 'dose = { flat = "3000 mg" }\ntiming = "qd from +0d after day0"')
    assert problems[0].startswith("arms.a.activities.sintilimab.dose: 3000 mg a day is outside the plausible range 0.1–2500 mg a day")


def test_the_shipped_protocols_lie_inside_every_range():
    shipped = sorted((HERE.parent / "protocols").glob("*.toml"))
    assert len(shipped) == 5
    assert validate_files(shipped) == []
