"""JSON against its shipped schema, CSV rows, and determinism."""

import csv
import io
import json
from pathlib import Path

import jsonschema
import pytest

import regimen
from regimen.export import csv as csv_export
from regimen.export import json as json_export

SCHEMA = json.loads((Path(regimen.__file__).parent / "schema" / "plan.schema.json").read_text(encoding="utf-8"))
ARMS = [(p.id, a.id) for p in regimen.list_protocols() for a in p.arms]
REFERENCE = regimen.Patient.from_measurements("72 kg", "170 cm")


@pytest.mark.parametrize(("protocol", "arm"), ARMS, ids=[f"{p}/{a}" for p, a in ARMS])
def test_json_matches_the_shipped_schema(protocol, arm):
    data = json.loads(json_export.dumps(regimen.schedule(protocol, arm, REFERENCE, "2026-12-01")))
    jsonschema.validate(data, SCHEMA)


def test_json_has_every_dose_day_with_its_derivation():
    plan = regimen.schedule("NCT05760430", "experimental", REFERENCE, "2026-12-01", horizon="2w")
    data = json.loads(json_export.dumps(plan))
    assert data["start"] == "2026-12-01" and data["horizon_end"] == "2026-12-14"
    apatinib = [e for e in data["events"] if e["activity"] == "apatinib"]
    assert [e["date"] for e in apatinib] == [f"2026-12-{d:02d}" for d in range(8, 15)]
    assert apatinib[0]["dose"]["amount"] == 250 and apatinib[0]["dose"]["take"] == "1 × 250 mg tablet"
    camrelizumab = next(e for e in data["events"] if e["activity"] == "camrelizumab")
    assert camrelizumab["dose"]["text"] == "216 mg"
    assert "3 mg/kg × 72 kg = 216 mg" in camrelizumab["dose"]["derivation"]
    assert (camrelizumab["earliest"], camrelizumab["latest"]) == ("2026-12-04", "2026-12-15")
    assert data["patient"] == {"weight": {"value": 72, "unit": "kg", "given": "72 kg"}, "height": {"value": 170, "unit": "cm", "given": "170 cm"}}


def test_json_is_byte_identical_for_the_same_inputs():
    make = lambda: json_export.dumps(regimen.schedule("NCT05233358", "tace", REFERENCE, "2026-12-01"))  # noqa: E731
    assert make() == make()


def test_csv_has_one_row_per_event_and_opens_in_a_spreadsheet():
    plan = regimen.schedule("NCT05233358", "haic", REFERENCE, "2026-12-01", horizon="4w")
    text = csv_export.dumps(plan, bom=True)
    assert text.startswith("\ufeffkey,date,earliest,latest,kind")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert len([r for r in rows if r["kind"] != "screening"]) == len(plan.events)  # plus the labs before day 0 (issue 16)
    infusion = next(r for r in rows if r["activity"] == "fluorouracil_infusion")
    assert (infusion["date"], infusion["dose_amount"], infusion["duration_hours"], infusion["cycle"]) == ("2026-12-01", "4425.38", "46", "1")
    assert "BSA (mosteller" in infusion["dose_derivation"]
    assert "\r\n" in text
