"""Issue 12, item 2: the pharmacist's dose sheet (`regimen dose --format html|json|csv|pdf`) and
the leucovorin and 5-FU vials that give every IV drug of the HAIC arms a preparation line.

The reference patient is 70 kg, 170 cm. Mosteller BSA = √(170 × 70 / 3600) = √3.305556 = 1.8181 m².
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import jsonschema
import pytest
from conftest import HERE, run_cli, run_readme_block
from hypothesis import given
from hypothesis import strategies as st

import regimen
from regimen.dosing import DoseSpec, Product
from regimen.loader import list_protocols

SCHEMA = json.loads((Path(regimen.__file__).parent / "schema" / "dose-sheet.schema.json").read_text(encoding="utf-8"))
PATIENT = regimen.Patient.from_measurements(weight="70 kg", height="170 cm")
HAIC = ["dose", "NCT05233358", "--arm", "haic", "--weight", "70 kg", "--height", "170 cm", "--today", "2026-12-01"]
ARMS = [(p.id, a.id) for p in list_protocols() for a in p.arms]


def haic_sheet(**options) -> dict:
    return regimen.dose_sheet("NCT05233358", "haic", PATIENT, printed="2026-12-01", **options).data()


def by_activity(data: dict) -> dict[str, dict]:
    return {drug["activity"]: drug for drug in data["drugs"]}


def test_every_iv_drug_of_haic_has_a_preparation_line():
    drugs = by_activity(haic_sheet())
    # oxaliplatin 85 × 1.8181 = 154.54 mg: one 200 mg vial covers it, 200 - 154.54 = 45.46 mg left over
    assert drugs["oxaliplatin"]["prepare"] == "1 × 200 mg vial (45.46 mg left over)"
    # leucovorin 400 × 1.8181 = 727.25 mg from 100/200/350/500 mg vials: the least cover is 750 mg
    # (350 + 200 + 200; 500 + 200 + 100 is 800), 750 - 727.25 = 22.75 mg left over
    assert drugs["leucovorin"]["prepare"] == "1 × 350 mg vial + 2 × 200 mg vials (22.75 mg left over)"
    # 5-FU infusion 2400 × 1.8181 = 4363.48 mg = 87.27 mL of 50 mg/mL; the least cover is 4.5 g
    # (2.5 g + 1 g + 1 g: 50 + 20 + 20 = 90 mL), 90 - 87.27 = 2.73 mL left over
    infusion = drugs["fluorouracil_infusion"]
    assert infusion["prepare"] == "87.27 mL of 50 mg/mL from 1 × 2.5 g/50 mL vial + 2 × 1 g/20 mL vials (2.73 mL left over)"
    assert infusion["volume"] == {"value": 87.27, "unit": "mL"} and infusion["left_over"] == {"value": 2.73, "unit": "mL"}
    # 5-FU bolus 400 × 1.8181 = 727.25 mg = 14.545 mL (its binary value lies just below the half: 14.54);
    # one 1 g/20 mL vial, 20 - 14.54 = 5.46 mL left over
    assert drugs["fluorouracil_bolus"]["prepare"] == "14.54 mL of 50 mg/mL from 1 × 1 g/20 mL vial (5.46 mL left over)"
    assert all(drug["prepare"] for drug in drugs.values() if drug["route"] in ("IV", "IA"))
    assert drugs["regorafenib"]["take"] == "4 × 40 mg tablets"  # 160 mg / 40 mg


def test_a_solution_from_the_bulk_vial_is_prepared_as_a_volume():
    # only the 5 g/100 mL pharmacy bulk vial: 4363.48 mg / 50 mg/mL = 87.27 mL; 100 - 87.27 = 12.73 mL left over
    bulk = Product("vial", (5000.0,), "test", concentration=50.0)
    dose = DoseSpec.per_m2(2400).compute(PATIENT, product=bulk)
    assert dose.preparation == "87.27 mL of 50 mg/mL from 1 × 5 g/100 mL vial (12.73 mL left over)"
    assert "prepare: 87.27 mL of 50 mg/mL from 1 × 5 g/100 mL vial (12.73 mL left over)" in dose.derivation


def test_each_step_is_data_that_agrees_with_the_dose():
    oxaliplatin = by_activity(haic_sheet())["oxaliplatin"]
    steps = {step["step"]: step for step in oxaliplatin["steps"]}
    assert steps["weight"] == {"step": "weight", "value": 70.0, "unit": "kg", "text": "weight: 70 kg (actual body weight)"}
    assert (steps["bsa"]["value"], steps["bsa"]["unit"], steps["bsa"]["method"]) == (1.8181, "m2", "mosteller")
    assert steps["product"]["rate"] == {"value": 85.0, "unit": "mg/m2"}
    assert (steps["product"]["value"], oxaliplatin["unrounded"]) == (154.5401, {"value": 154.5401, "unit": "mg"})
    assert oxaliplatin["formula"] == "85 mg/m² × 1.8181 m²"
    assert steps["rounding"] == {"step": "rounding", "policy": None, "text": "no rounding (the protocol states none)"}
    assert oxaliplatin["dose"] == {"value": 154.54, "unit": "mg", "text": "154.54 mg"}
    assert [s["step"] for s in oxaliplatin["steps"]] == ["weight", "height", "bsa", "product", "rounding", "dose"]


def test_the_assumptions_of_the_doses_are_listed_with_source_and_status():
    data = haic_sheet()
    listed = {a["id"]: a for a in data["assumptions"]}
    # regorafenib's 160 mg is the default level of a choice; sintilimab the default checkpoint inhibitor
    assert {"haic-folfox-doses", "regorafenib-default-level", "ici-default"} <= set(listed)
    assert listed["haic-folfox-doses"]["status"] == "VERIFIED" and "He MK" in listed["haic-folfox-doses"]["source"]
    assert "lab-lookback" not in listed  # the HAIC procedure's lab look-back is not a dose's assumption
    chosen = regimen.dose_sheet("NCT05233358", "haic", PATIENT, choices={"ici": "atezolizumab"}).data()
    assert "ici-default" not in {a["id"] for a in chosen["assumptions"]}


@pytest.mark.parametrize(("protocol", "arm"), ARMS)
def test_every_arm_json_matches_the_schema_and_is_strict(protocol, arm):
    result = run_cli("dose", protocol, "--arm", arm, "--weight", "58 kg", "--height", "160 cm", "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout, parse_constant=lambda name: pytest.fail(f"non-strict JSON constant {name}"))
    jsonschema.validate(data, SCHEMA)
    for drug in data["drugs"]:
        assert drug["steps"][-1]["value"] == drug["dose"]["value"]


def test_the_same_inputs_print_the_same_sheet(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01T00:00:00Z
    first = run_cli(*HAIC[:-2], "--format", "html").stdout
    assert first == run_cli(*HAIC[:-2], "--format", "html").stdout
    assert "<td>2026-01-01</td>" in first
    assert "<td>2026-12-01</td>" in run_cli(*HAIC, "--format", "html").stdout  # --today wins


def test_the_html_has_a_header_a_block_per_drug_and_signature_lines():
    html = run_cli(*HAIC, "--format", "html").stdout
    for text in ("NCT05233358", "HAIC-FOLFOX with regorafenib", "weight 70 kg; height 170 cm", "mosteller: √(height cm × weight kg / 3600)",
                 "Date printed", "Prepared by", "Checked by", "Assumptions these doses use", "[VERIFIED]"):
        assert text in html, text
    assert html.count('<section class="drug"') == 6
    assert "<script" not in html and "http://" not in html.split("<body>")[0]


def test_csv_has_a_typed_row_per_drug():
    rows = list(csv.DictReader(io.StringIO(run_cli(*HAIC, "--format", "csv").stdout)))
    assert [row["activity"] for row in rows] == ["oxaliplatin", "leucovorin", "fluorouracil_bolus", "fluorouracil_infusion",
                                                  "regorafenib", "sintilimab"]
    infusion = rows[3]
    assert (infusion["dose_mg"], infusion["volume_ml"], infusion["left_over"], infusion["left_over_unit"]) == ("4363.48", "87.27", "2.73", "mL")
    assert (infusion["bsa_m2"], infusion["bsa_method"], infusion["unrounded_mg"]) == ("1.8181", "mosteller", "4363.4848")


MINIMAL = (HERE / "protocols" / "valid" / "minimal.toml").read_text(encoding="utf-8")
HOSTILE = MINIMAL.replace('[arms.a.activities.sintilimab]\nname = "Sintilimab"',
                          '[arms.a.activities.sintilimab]\nname = \'=HYPERLINK("http://evil.invalid","x") <script>alert(1)</script>\'\n'
                          'route = "@SUM(A1)"')


def test_protocol_text_is_escaped_in_html_and_guarded_in_csv(tmp_path):
    (tmp_path / "MINE-1.toml").write_text(HOSTILE, encoding="utf-8")
    args = ["--protocols", tmp_path, "dose", "MINE-1", "--arm", "a", "--weight", "72 kg"]
    html = run_cli(*args, "--format", "html").stdout
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    row = next(csv.DictReader(io.StringIO(run_cli(*args, "--format", "csv").stdout)))
    assert row["name"].startswith("'=HYPERLINK(") and row["route"] == "'@SUM(A1)"
    assert row["dose_mg"] == "200.0"


def test_pdf_is_a_pdf_and_refuses_a_terminal(tmp_path, monkeypatch, capsys):
    out = tmp_path / "sheet.pdf"
    result = run_cli(*HAIC, "--format", "pdf", "-o", out)
    assert result.exit_code == 0 and out.read_bytes().startswith(b"%PDF-")
    monkeypatch.setattr("sys.stdout.isatty", lambda: True, raising=False)
    from regimen.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main.main([*HAIC, "--format", "pdf"], prog_name="regimen", standalone_mode=True)
    assert exit_info.value.code == 2
    assert capsys.readouterr().err.startswith("Error: --format pdf: writes a file, not text for a terminal: give -o FILE.pdf (or pipe it)")


def test_the_library_call_is_public():
    assert "dose_sheet" in regimen.__all__
    sheet = regimen.dose_sheet("NCT05233358", "haic", PATIENT, printed="2026-12-01")
    assert sheet.to_json() == run_cli(*HAIC, "--format", "json").stdout
    with pytest.raises(regimen.InputError, match="printed"):
        regimen.dose_sheet("NCT05233358", "haic", PATIENT, printed="01/12/2026")


@given(weight=st.floats(40, 150), height=st.floats(140, 200))
def test_a_solution_volume_and_its_left_over_fill_the_vials(weight, height):
    """5-FU at any body size: the vials cover the dose, and volume + left-over = the vials' volume (to 0.01 mL)."""
    patient = regimen.Patient.from_measurements(weight=f"{weight:.1f} kg", height=f"{height:.1f} cm")
    infusion = by_activity(regimen.dose_sheet("NCT05233358", "haic", patient, printed="2026-12-01").data())["fluorouracil_infusion"]
    vials_ml = sum(unit["strength"]["value"] * unit["count"] for unit in infusion["units"]) / 50
    assert vials_ml * 50 >= infusion["dose"]["value"]
    assert abs(infusion["volume"]["value"] + infusion["left_over"]["value"] - vials_ml) <= 0.011
    assert abs(infusion["volume"]["value"] * 50 - infusion["dose"]["value"]) <= 0.25  # 0.005 mL × 50 mg/mL


def test_the_readme_dose_sheet_commands_run(tmp_path, monkeypatch):
    assert run_readme_block("dose sheet", tmp_path, monkeypatch) == 3
    assert (tmp_path / "dose-sheet.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert (tmp_path / "dose-sheet.pdf").read_bytes().startswith(b"%PDF-")


@pytest.mark.parametrize(("weight", "band", "dose", "take"), [
    ("59.9 kg", "below 60 kg", 8.0, "2 × 4 mg capsules"),  # 8 mg = 2 × 4 mg
    ("60 kg", "60 kg or more", 12.0, "3 × 4 mg capsules"),  # 60.0 kg is "60 kg or more": 12 mg = 3 × 4 mg
])
def test_a_weight_band_says_which_band_and_its_bounds(weight, band, dose, take):
    patient = regimen.Patient.from_measurements(weight=weight, height="160 cm")
    lenvatinib = by_activity(regimen.dose_sheet("NCT06187961", "conversion", patient, printed="2026-12-01").data())["lenvatinib"]
    steps = {step["step"]: step for step in lenvatinib["steps"]}
    assert lenvatinib["basis"] == "weight_band" and steps["band"]["text"] == f"weight band: {band}"
    assert (steps["band"]["lower"] or steps["band"]["upper"]) == {"value": 60.0, "unit": "kg"}
    assert (lenvatinib["dose"]["value"], lenvatinib["take"]) == (dose, take)


def test_a_csv_file_starts_with_the_byte_order_mark(tmp_path):
    out = tmp_path / "sheet.csv"
    assert run_cli(*HAIC, "-o", out).exit_code == 0  # the suffix picks csv
    assert out.read_bytes().startswith("\ufeffprotocol,arm,activity,".encode())
    refused = run_cli(*HAIC, "--format", "json", "-o", tmp_path / "sheet.html")
    assert refused.exit_code == 2 and "is named as html but --format is json" in refused.stderr
