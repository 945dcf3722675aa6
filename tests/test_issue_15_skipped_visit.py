"""Issue #15, item 9: a skipped visit skips what is given in it, in every format."""

import json

from conftest import COURSE_HEAD as HEAD

import regimen
from regimen.course import parse_course
from regimen.export import csv as export_csv
from regimen.export import json as export_json

HAIC = HEAD.replace('arm = "experimental"', 'arm = "haic"').replace("NCT05760430", "NCT05233358") + 'height = "170 cm"\n' + """
[[events]]
type = "skipped"
activity = "haic"
occurrence = 2
reason = "platelets 45 x10^9/L"
"""
GIVEN_WITH_HAIC = ("oxaliplatin", "leucovorin", "fluorouracil_bolus", "fluorouracil_infusion")


def test_skipping_haic_2_skips_its_folfox_on_that_day():
    plan = regimen.replan(parse_course(HAIC), horizon="10w")
    # HAIC q3w from 2026-12-01: #2 due 12-22 is skipped, #3 stays on 2027-01-12 (a skip keeps its place)
    assert [(e.date.isoformat(), e.status) for e in plan.for_activity("haic")][:3] == [
        ("2026-12-01", "planned"), ("2026-12-22", "skipped"), ("2027-01-12", "planned")]
    for drug in GIVEN_WITH_HAIC:
        assert [(e.date.isoformat(), e.status) for e in plan.for_activity(drug)][:3] == [
            ("2026-12-01", "planned"), ("2026-12-22", "skipped"), ("2027-01-12", "planned")], drug
    assert "Oxaliplatin #2 on 2026-12-22 is skipped with the HAIC it is given with (platelets 45 x10^9/L)" in plan.warnings
    rows = [line for line in export_csv.dumps(plan).splitlines() if "/oxaliplatin/2," in line]
    assert rows and rows[0].endswith(",skipped")
    data = json.loads(export_json.dumps(plan))
    assert {e["status"] for e in data["events"] if e["key"].endswith("/leucovorin/2")} == {"skipped"}
