"""Issue 16, item 5: Child-Pugh (Pugh 1973) and ALBI (Johnson 2015), by hand, on every boundary."""

from __future__ import annotations

import json

import pytest
from conftest import run_cli

import regimen
from regimen.clinical.scores import albi, albi_grade, child_pugh, child_pugh_class
from regimen.errors import InputError

NORMAL = {"bilirubin": "1 mg/dL", "albumin": "4 g/dL", "inr": "1.0", "ascites": "none", "encephalopathy": "none"}


def points(item: str, value: str) -> int:
    """The points of one item, everything else normal (1 point each)."""
    result = child_pugh(**{**NORMAL, item: value})
    return next(i.points for i in result.items if i.name.lower() == item.lower())


# Bilirubin: < 2 mg/dL = 1, 2–3 = 2 (both ends included, since the outer bands are strict), > 3 = 3.
# In µmol/L the source prints < 34, 34–51, > 51, and a molar value is banded by those.
@pytest.mark.parametrize(("value", "expected"), [
    ("1.99 mg/dL", 1), ("2 mg/dL", 2), ("2.01 mg/dL", 2), ("2.99 mg/dL", 2), ("3 mg/dL", 2), ("3.01 mg/dL", 3),
    ("20 mg/L", 2),  # 20 mg/L = 2 mg/dL exactly
    ("33.9 umol/L", 1), ("34 umol/L", 2), ("34.1 µmol/L", 2), ("50.9 umol/L", 2), ("51 umol/L", 2), ("51.1 umol/L", 3),
])
def test_bilirubin_bands_on_and_beside_each_boundary(value, expected):
    assert points("bilirubin", value) == expected


# Albumin: > 3.5 g/dL = 1, 2.8–3.5 = 2 (both ends), < 2.8 = 3; 1 g/dL = 10 g/L exactly.
@pytest.mark.parametrize(("value", "expected"), [
    ("3.51 g/dL", 1), ("3.5 g/dL", 2), ("3.49 g/dL", 2), ("2.81 g/dL", 2), ("2.8 g/dL", 2), ("2.79 g/dL", 3),
    ("35.1 g/L", 1), ("35 g/L", 2), ("34.9 g/L", 2), ("28.1 g/L", 2), ("28 g/L", 2), ("27.9 g/L", 3),
])
def test_albumin_bands_on_and_beside_each_boundary(value, expected):
    assert points("albumin", value) == expected


@pytest.mark.parametrize(("value", "expected"), [("1.69", 1), ("1.7", 2), ("1.71", 2), ("2.29", 2), ("2.3", 2), ("2.31", 3)])
def test_inr_bands_on_and_beside_each_boundary(value, expected):
    assert points("inr", value) == expected


@pytest.mark.parametrize(("total", "grade"), [(5, "A"), (6, "A"), (7, "B"), (9, "B"), (10, "C"), (15, "C")])
def test_classes(total, grade):
    assert child_pugh_class(total) == grade


def test_worked_examples_a_b_c():
    # All normal: 1+1+1+1+1 = 5, class A.
    assert (child_pugh(**NORMAL).total, child_pugh(**NORMAL).grade) == (5, "A")
    # Bilirubin 2.5 mg/dL (2), albumin 3.0 g/dL (2), INR 1.5 (1), mild ascites (2), none (1): 8, class B.
    b = child_pugh("2.5 mg/dL", "30 g/L", "1.5", "mild", "none")
    assert [i.points for i in b.items] == [2, 2, 1, 2, 1] and (b.total, b.grade) == (8, "B")
    # 60 µmol/L (3), 25 g/L (3), INR 2.5 (3), moderate (3), grade 3-4 (3): 15, class C.
    c = child_pugh("60 umol/L", "25 g/L", "2.5", "moderate", "grade-3-4")
    assert (c.total, c.grade) == (15, "C")
    assert any("Pugh RNH" in line and "1973" in line for line in c.derivation)


def test_bad_values_are_refused_with_the_accepted_form():
    with pytest.raises(InputError, match="no unit"):
        child_pugh(**{**NORMAL, "bilirubin": "2"})
    with pytest.raises(InputError, match="physiological range"):
        child_pugh(**{**NORMAL, "albumin": "200 g/L"})
    with pytest.raises(InputError, match="one of none, mild, moderate"):
        child_pugh(**{**NORMAL, "ascites": "severe"})
    with pytest.raises(InputError, match="inr"):
        child_pugh(**{**NORMAL, "inr": "1.2 s"})


# ALBI = 0.66 × log10(bilirubin µmol/L) − 0.085 × albumin g/L (Johnson 2015), the vectors of clinical-facts §3.4.
@pytest.mark.parametrize(("bili", "alb", "score", "grade"), [
    ("10 umol/L", "45 g/L", -3.165, 1),   # 0.66 × 1 − 3.825
    ("20 umol/L", "35 g/L", -2.116, 2),   # 0.66 × 1.30103 − 2.975
    ("34 umol/L", "28 g/L", -1.369, 3),   # 0.66 × 1.53148 − 2.38
    ("17.1 umol/L", "40 g/L", -2.586, 2),  # 0.66 × 1.23300 − 3.4: −2.586 is above −2.60
    ("1 mg/dL", "4 g/dL", -2.586, 2),      # 1 mg/dL = 17.104 µmol/L (584.66 g/mol)
])
def test_albi_published_vectors(bili, alb, score, grade):
    result = albi(bili, alb)
    assert round(result.score, 3) == score and result.grade == grade


def test_albi_cut_offs_on_and_beside_them():
    assert [albi_grade(s) for s in (-2.6001, -2.60, -2.5999, -1.3901, -1.39, -1.3899)] == [1, 1, 2, 2, 2, 3]
    # albumin 40 g/L: the score is −2.60 where 0.66 log10(b) = 0.8, b = 10^(0.8/0.66) = 16.30 µmol/L;
    # 16.2 gives 0.66 × 1.20952 − 3.4 = −2.6017 (grade 1), 16.4 gives 0.66 × 1.21484 − 3.4 = −2.5982 (grade 2)
    assert albi("16.2 umol/L", "40 g/L").grade == 1 and albi("16.4 umol/L", "40 g/L").grade == 2
    # albumin 30 g/L: −1.39 where 0.66 log10(b) = 1.16, b = 10^(1.7576) = 57.24 µmol/L
    assert albi("57 umol/L", "30 g/L").grade == 2 and albi("57.5 umol/L", "30 g/L").grade == 3
    assert "Johnson PJ" in albi("57 umol/L", "30 g/L").derivation[-1]


def test_albi_refuses_zero_bilirubin():
    with pytest.raises(InputError, match="logarithm"):
        albi("0 umol/L", "40 g/L")


def test_library_exports():
    assert regimen.child_pugh is child_pugh and regimen.albi is albi
    from regimen.guidance.screening import screen

    assert regimen.screen is screen


def test_cli_table_and_json():
    result = run_cli("score", "child-pugh", "--bilirubin", "2 mg/dL", "--albumin", "3.5 g/dL", "--inr", "1.7",
                     "--ascites", "none", "--encephalopathy", "none")
    assert result.exit_code == 0 and result.stdout.startswith("Child-Pugh class B (8 points)")
    data = json.loads(run_cli("score", "albi", "--bilirubin", "17.1 umol/L", "--albumin", "40 g/L", "--format", "json").stdout)
    assert data["grade"] == 2 and round(data["value"], 3) == -2.586


def test_cli_names_the_option_at_fault():
    result = run_cli("score", "albi", "--bilirubin", "17.1", "--albumin", "40 g/L")
    assert result.exit_code == 2 and "--bilirubin: '17.1' has no unit" in result.stderr
    result = run_cli("score", "albi", "--albumin", "40 g/L")
    assert result.exit_code == 2 and "--bilirubin" in result.stderr
