"""Issue 15: lab results have physiological bounds, so an absurd value never clears a gate.

Before, ``-5 mg/dL`` bilirubin, ``inf g/dL`` albumin and ``99999999999 /uL`` neutrophils all
passed the HAIC proceed-if gate of NCT05233358.
"""

import pytest
from click.testing import CliRunner
from conftest import HERE

from regimen.cli import main
from regimen.errors import InputError
from regimen.labs import parse_criterion, parse_lab, parse_uln

COURSE = (HERE / "courses" / "haic_labs.toml").read_text(encoding="utf-8")


@pytest.mark.parametrize(("lab", "text", "message"), [
    ("tbil", "-5 mg/dL", "'-5 mg/dL' (-85.52 umol/L) is outside the physiological range of tbil: 0–1500 umol/L"),
    ("albumin", "inf g/dL", "'inf g/dL' is not a finite number; give a value like \"35 g/L\" or \"3.5 g/dL\""),
    ("albumin", "nan g/L", "'nan g/L' is not a finite number"),
    ("anc", "99999999999 /uL", "'99999999999 /uL' (99999999.999 x10^9/L) is outside the physiological range of anc: 0–200 x10^9/L"),
    ("platelets", "99999 x10^9/L", "is outside the physiological range of platelets: 0–3000 x10^9/L"),
    ("creatinine", "1e400 mg/dL", "'1e400 mg/dL' is not a finite number"),
    ("albumin", "900 g/L", "'900 g/L' is outside the physiological range of albumin: 1–80 g/L"),
    ("tbil", "5 kg", "'5 kg' is not a value for tbil"),  # a mass, not a concentration
    ("albumin", "3.5 mg", "'3.5 mg' is not a value for albumin"),
    ("anc", "1.5 mg/dL", "'1.5 mg/dL' is not a value for anc"),
])
def test_an_absurd_or_wrongly_dimensioned_lab_value_is_refused_with_the_accepted_range(lab, text, message):
    with pytest.raises(InputError) as caught:
        parse_lab(lab, text, "labs[0].value")
    assert message in caught.value.detail


@pytest.mark.parametrize(("lab", "text", "canonical"), [
    ("tbil", "1.5 mg/dL", 25.655), ("anc", "1500 /uL", 1.5), ("anc", "0 x10^9/L", 0.0), ("albumin", "3.5 g/dL", 35.0),
    ("creatinine", "0.9 mg/dL", 79.562), ("platelets", "120000 /uL", 120.0),
])
def test_real_values_in_any_unit_still_parse(lab, text, canonical):
    assert parse_lab(lab, text, "labs[0].value").value == pytest.approx(canonical, abs=0.001)


def test_an_upper_limit_of_normal_must_be_more_than_zero():
    with pytest.raises(InputError, match="an upper limit of normal must be more than zero"):
        parse_lab("tbil", "0 umol/L", "labs[0].uln")
    with pytest.raises(InputError, match="an upper limit of normal must be more than zero"):
        parse_uln("tbil", "0 mg/dL", "--uln")
    assert parse_uln("tbil", "21 umol/L", "--uln").value == 21


def test_a_multiple_of_uln_in_a_protocol_gate_is_bounded():
    with pytest.raises(InputError, match=r"a multiple of the upper limit of normal must lie in 0\.1–100 x ULN"):
        parse_criterion("tbil", "below", "1000 x ULN", "gates[0].below")


@pytest.mark.parametrize(("lab", "value"), [("tbil", "-5 mg/dL"), ("albumin", "inf g/dL"), ("anc", "99999999999 /uL")])
def test_an_absurd_result_no_longer_clears_the_haic_gate(tmp_path, lab, value):
    course = COURSE + f'\n[[labs]]\ndate = 2027-01-11\nname = "{lab}"\nvalue = "{value}"\n'
    path = tmp_path / "P-0006.toml"
    path.write_text(course.replace('value = "45 x10^9/L"', 'value = "150 x10^9/L"'), encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "--course", str(path), "--on", "2027-01-12"])
    assert result.exit_code == 2
    assert "CLEARED" not in result.output
    assert "is outside the physiological range" in result.stderr or "is not a finite number" in result.stderr
