"""Issue #16 item 2: assessment and follow-up visits as activities with their own calendar-month clocks."""

from datetime import date

import pytest

import regimen
from regimen.notation import NotationError, format_rule, parse_rule
from regimen.rules import Months

REF = regimen.Patient.from_measurements("72 kg", "170 cm")


def _visits(plan, activity):
    return [(e.date, e.earliest, e.latest) for e in plan.for_activity(activity)]


def test_nct05233358_response_evaluations_at_1_3_6_and_12_months():
    # Day 0 (first HAIC) 2026-12-01. Calendar months from it: +1 = 2027-01-01, +3 = 2027-03-01,
    # +6 = 2027-06-01, +12 = 2027-12-01; each allowed 7 days either side (assumption visit-window).
    plan = regimen.schedule("NCT05233358", "haic", REF, "2026-12-01")
    assert _visits(plan, "response") == [
        (date(2027, 1, 1), date(2026, 12, 25), date(2027, 1, 8)),
        (date(2027, 3, 1), date(2027, 2, 22), date(2027, 3, 8)),
        (date(2027, 6, 1), date(2027, 5, 25), date(2027, 6, 8)),
        (date(2027, 12, 1), date(2027, 11, 24), date(2027, 12, 8)),
    ]
    # PFS at 6 months, 1 and 2 years: 2027-06-01, 2027-12-01, 2028-12-01 (past the 24-week view: a bounded series runs to its end)
    assert plan.dates("followup") == [date(2027, 6, 1), date(2027, 12, 1), date(2028, 12, 1)]
    assert {e.kind for e in plan.for_activity("response")} == {"assessment"}
    assert any(w.startswith("assumption assessment-clock:") for w in plan.warnings)
    assert any(w.startswith("assumption visit-window:") for w in plan.warnings)


def test_a_month_is_a_calendar_month_falling_back_to_the_months_last_day():
    # Day 0 on 31 January 2027: 1 month is 28 February (2027 is no leap year), 3 months 30 April,
    # 6 months 31 July, 12 months 31 January 2028: each counts from day 0, never from the visit before.
    plan = regimen.schedule("NCT05233358", "tace", REF, "2027-01-31")
    assert plan.dates("response") == [date(2027, 2, 28), date(2027, 4, 30), date(2027, 7, 31), date(2028, 1, 31)]
    leap = regimen.schedule("NCT05233358", "tace", REF, "2028-01-31")
    assert leap.dates("response")[0] == date(2028, 2, 29)


def test_every_3_months_to_3_years_survival_follow_up_from_day_0():
    plan = regimen.schedule("NCT05760430", "control", REF, "2026-12-01")
    survival = plan.dates("survival")
    assert len(survival) == 12  # 3, 6, ..., 36 months
    assert survival[0] == date(2027, 3, 1) and survival[-1] == date(2029, 12, 1)
    assert any("survival-cadence" in w and "NONE" in w for w in plan.warnings)


def test_visits_in_every_format():
    plan = regimen.schedule("NCT05233358", "haic", REF, "2026-12-01", horizon="8w")
    import json

    events = json.loads(plan.to_json())["events"]
    visit = next(e for e in events if e["activity"] == "response")
    assert (visit["kind"], visit["date"], visit["earliest"], visit["latest"]) == ("assessment", "2027-01-01", "2026-12-25", "2027-01-08")
    assert any(",assessment," in row and "/response/1," in row for row in plan.to_csv().splitlines())
    ics = plan.to_ics()
    assert "DTSTART;VALUE=DATE:20270101" in ics and "Response evaluation (mRECIST)" in ics


def test_survival_visits_continue_after_treatment_stops(tmp_path):
    from conftest import run_cli

    from regimen.course import load_course, record

    path = tmp_path / "P-0007.toml"
    assert run_cli("course", "new", path, "--protocol", "NCT05233358", "--arm", "tace", "--start", "2026-12-01",
                   "--weight", "72 kg").exit_code == 0
    for drug in ("regorafenib", "sintilimab"):
        record(path, "discontinued", drug, when=date(2026, 12, 20), reason="progression", today=date(2026, 12, 20))
    plan = regimen.replan(load_course(path), horizon="3y", today=date(2026, 12, 20))
    assert all(day < date(2026, 12, 20) for drug in ("regorafenib", "sintilimab") for day in plan.dates(drug))
    assert plan.dates("followup") == [date(2027, 6, 1), date(2027, 12, 1), date(2028, 12, 1)]
    assert plan.dates("response")[-1] == date(2027, 12, 1)


@pytest.mark.parametrize("text", ["at 1,3,6,12mo ±7d from +0d after day0", "q3mo to 36mo ±7d from +0d after day0",
                                  "at 6mo from +0d after regorafenib", "q2mo to 12mo from +0d after day0"])
def test_visit_notation_round_trips(text):
    rule = parse_rule(text)
    assert isinstance(rule.pattern, Months)
    assert parse_rule(format_rule(rule)) == rule
    assert format_rule(rule) == text


def test_an_even_series_of_months_prints_as_every_n_months():
    assert format_rule(parse_rule("at 3,6,9,12mo +-14d from +0d after day0")) == "q3mo to 12mo ±14d from +0d after day0"
    assert parse_rule("q3mo to 12mo from +0d after day0").pattern.months == (3, 6, 9, 12)


@pytest.mark.parametrize(("text", "said"), [
    ("at 3,1mo from +0d after day0", "in increasing order"),
    ("at 0,3mo from +0d after day0", "between 1 and 120"),
    ("at 1,3mo ±40d from +0d after day0", "0 to 31 days"),
    ("at 1,3mo from +0d [0d..3d] after day0", "no count, duration or start window"),
])
def test_bad_visit_notation_is_refused_with_the_reason(text, said):
    with pytest.raises(NotationError, match=said):
        parse_rule(text)
