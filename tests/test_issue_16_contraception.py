"""Issue #16 item 4: the end of the contraception period after the last actual dose, in every format."""

import csv
import io
import json
from datetime import date
from pathlib import Path

import icalendar
import jsonschema

import regimen
from regimen.course import load_course, new_course, record

SCHEMA = json.loads((Path(regimen.__file__).parent / "schema" / "plan.schema.json").read_text(encoding="utf-8"))
REF = regimen.Patient.from_measurements("72 kg", "170 cm")


def test_six_months_after_the_last_planned_dose():
    # Ablation trial, day 0 2026-12-01: lenvatinib qd for 6 months from 12-06, last dose 2027-06-05
    # (the 6-month mark 2027-06-06 is not included); + 6 calendar months = 2027-12-05.
    plan = regimen.schedule("ablation-lenvatinib-pd1", "experimental", REF, "2026-12-01")
    (end,) = plan.milestones
    assert (end.date, end.name) == (date(2027, 12, 5), "End of the contraception period")
    assert end.derivation[0] == "last dose: Lenvatinib #182 on 2027-06-05 (planned)"
    assert any(w.startswith("after treatment: contraception until 2027-12-05") for w in plan.warnings)
    assert any(w.startswith("assumption contraception-reading:") for w in plan.warnings)  # 'after the test', read as the treatment


def test_after_a_discontinued_drug_the_end_counts_from_the_last_dose_given(tmp_path):
    # Both drugs stop on 2027-01-15 (today): lenvatinib's diary runs 2026-12-06 to 2027-01-14, sintilimab
    # was given 12-06 and 12-27. The last actual dose is lenvatinib on 2027-01-14: + 6 months = 2027-07-14
    # (sintilimab's 2026-12-27 + 6 months = 2027-06-27 is earlier).
    path = tmp_path / "P-0060.toml"
    new_course(path, protocol="ablation-lenvatinib-pd1", arm="experimental", start="2026-12-01", weight="72 kg")
    today = date(2027, 1, 15)
    record(path, "given", "ablation", when=date(2026, 12, 1), today=today)
    record(path, "given", "lenvatinib", first=date(2026, 12, 6), last=date(2027, 1, 14), today=today)
    for when in (date(2026, 12, 6), date(2026, 12, 27)):
        record(path, "given", "sintilimab", when=when, today=today)
    before = regimen.replan(load_course(path), today=today).milestones[0].date
    assert before == date(2027, 12, 5)  # still planned to the 6-month end
    for drug in ("lenvatinib", "sintilimab"):
        record(path, "discontinued", drug, when=today, reason="hepatitis", today=today)
    plan = regimen.replan(load_course(path), today=today)
    (end,) = plan.milestones
    assert end.date == date(2027, 7, 14)
    assert end.derivation[0] == "last dose: Lenvatinib #40 on 2027-01-14 (given)"

    data = json.loads(plan.to_json())
    jsonschema.validate(data, SCHEMA)
    assert data["milestones"][0]["date"] == "2027-07-14"
    rows = [r for r in csv.DictReader(io.StringIO(plan.to_csv())) if r["kind"] == "milestone"]
    assert [(r["date"], r["name"]) for r in rows] == [("2027-07-14", "End of the contraception period")]
    calendar = icalendar.Calendar.from_ical(plan.to_ics())
    (event,) = [e for e in calendar.walk("VEVENT") if str(e["SUMMARY"]) == "End of the contraception period"]
    assert event.decoded("DTSTART") == date(2027, 7, 14) and event.decoded("DTEND") == date(2027, 7, 15)  # all day
    assert "2027-01-14 + 6 calendar months = 2027-07-14" in str(event["DESCRIPTION"])


def test_nct05760430_three_months_is_an_assumption_about_what_it_counts_from():
    # Control arm to a 12-week horizon: the last atezolizumab and bevacizumab dose shown is 2027-02-09
    # (12-08 + 3 × 21 d); + 3 calendar months = 2027-05-09; open-ended, so the end moves as the course goes on.
    plan = regimen.schedule("NCT05760430", "control", REF, "2026-12-01", horizon="12w")
    (end,) = plan.milestones
    assert end.date == date(2027, 5, 9)
    assert any("open-ended" in line for line in end.derivation)
    assert any(w.startswith("assumption contraception-reading:") and "within 3 months from enrollment" in w for w in plan.warnings)


def test_a_protocol_without_a_stated_period_has_no_milestone():
    assert regimen.schedule("NCT05233358", "haic", REF, "2026-12-01", horizon="4w").milestones == ()
