"""Issue 16, item 1: screening windows before day 0, prior-event records, and `regimen screen`.

Readings used throughout (each protocol states them as assumption screen-boundary):
"within S before day 0" holds for an event on day e when day 0 − S <= e <= day 0 (the boundary day is
within); a treatment over days counts from its last day; a week is 7 days, a month a calendar month.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta

import pytest
from conftest import run_cli, run_readme_block
from hypothesis import given, settings
from hypothesis import strategies as st

import regimen
from regimen.course import parse_course
from regimen.course.file import Lab
from regimen.course.prior import Finding, Prior
from regimen.guidance.screening import screen


def course(protocol: str, arm: str, start: str, *extra: str) -> str:
    return (f'patient = "S-1"\nprotocol = "{protocol}"\narm = "{arm}"\nstart = {start}\n\n'
            '[[measurements]]\ndate = 2026-11-20\nweight = "70 kg"\nheight = "170 cm"\n' + "".join(extra))


def prior(kind: str, first: str, last: str | None = None, value: str | None = None) -> str:
    when = f"date = {first}\n" if last is None else f"from = {first}\nto = {last}\n"
    return f'\n[[prior]]\ntype = "{kind}"\n{when}' + (f'value = "{value}"\n' if value else "")


def result(report, rule_id: str):
    return next(r for r in report.results if r.rule.id == rule_id)


def d(text: str) -> date:
    return date.fromisoformat(text)


# ---- the pregnancy test "within seven days" (ablation trial) -------------------------------------------------

@pytest.mark.parametrize(("day0", "status"), [("2026-11-23", "not met"), ("2026-11-24", "met"), ("2026-11-30", "met"),
                                              ("2026-12-01", "met"), ("2026-12-02", "not met")])
def test_pregnancy_test_window_on_its_boundary_days(day0, status):
    # A negative test on 11-24: day 0 − 7 days <= 11-24 <= day 0, so day 0 runs from 11-24 to 11-24 + 7 = 12-01.
    text = course("ablation-lenvatinib-pd1", "experimental", day0, prior("pregnancy-test", "2026-11-24", value="negative"))
    found = result(screen(parse_course(text), d("2026-11-24")), "pregnancy-test")
    assert (found.status, found.earliest, found.latest) == (status, d("2026-11-24"), d("2026-12-01"))


def test_a_positive_or_missing_pregnancy_test_is_not_met():
    text = course("ablation-lenvatinib-pd1", "experimental", "2026-12-01", prior("pregnancy-test", "2026-11-24", value="positive"))
    assert result(screen(parse_course(text), d("2026-11-30")), "pregnancy-test").status == "not met"
    report = screen(parse_course(course("ablation-lenvatinib-pd1", "experimental", "2026-12-01")), d("2026-11-30"))
    assert result(report, "pregnancy-test").status == "missing" and not report.met


@pytest.mark.parametrize(("alt", "status"), [("199 U/L", "met"), ("200 U/L", "met"), ("201 U/L", "not met")])
def test_tongji_alt_at_five_times_the_upper_limit_on_its_boundary(alt, status):
    # "ALT ... ≤5×ULN" with ULN 40 U/L: 5 × 40 = 200 U/L is still eligible, 201 U/L is not.
    labs = f'\n[[labs]]\ndate = 2026-12-07\nname = "alt"\nvalue = "{alt}"\nuln = "40 U/L"\n'
    text = course("NCT06187961", "conversion", "2026-12-08", labs)
    assert result(screen(parse_course(text), d("2026-12-07")), "alt").status == status


# ---- exclusions: no radiotherapy within 3 weeks (Tongji), growth factors within 2 weeks, aspirin 10 days in 2 weeks ----

@pytest.mark.parametrize(("day0", "status"), [("2026-12-01", "not met"), ("2026-12-02", "met"), ("2026-12-03", "met")])
def test_radiotherapy_three_weeks_on_its_boundary_days(day0, status):
    # Last day 11-10; on day 0 = 12-01 it is exactly 21 days before, still "within 3 weeks": day 0 from 12-02.
    text = course("NCT06187961", "conversion", day0, prior("radiotherapy", "2026-10-20", "2026-11-10"))
    found = result(screen(parse_course(text), d("2026-11-30")), "radiotherapy")
    assert (found.status, found.earliest) == (status, d("2026-12-02"))


def test_tongji_patient_whose_radiotherapy_ended_18_days_before_the_planned_start():
    # Planned day 0 (first HAIC) 2026-12-08; radiotherapy's last day 18 days before, 2026-11-20.
    # Assumption screen-boundary: the day exactly 3 weeks before day 0 is within the window.
    #   earliest day 0: day 0 − 21 > 11-20, so day 0 >= 11-20 + 22 = 12-12 (12-11 − 21 = 11-20 is within).
    #   latest day 0: the labs drawn on 12-07 must lie within 7 days: day 0 <= 12-07 + 7 = 12-14.
    # So day 0 may be 12-12, 12-13 or 12-14; the planned 12-08 is too early by 4 days.
    labs = "".join(f'\n[[labs]]\ndate = 2026-12-07\nname = "{n}"\nvalue = "{v}"\n' + (f'uln = "{u}"\n' if u else "")
                   for n, v, u in (("anc", "2.0 x10^9/L", ""), ("platelets", "150 x10^9/L", ""), ("tbil", "15 umol/L", "21 umol/L"),
                                   ("albumin", "40 g/L", ""), ("creatinine", "70 umol/L", "100 umol/L"), ("inr", "1.1", ""),
                                   ("alt", "45 U/L", "40 U/L"), ("ast", "50 U/L", "40 U/L"), ("alp", "130 U/L", "120 U/L")))
    findings = "".join(f'\n[[findings]]\ndate = 2026-12-07\nname = "{n}"\nvalue = "{v}"\n'
                       for n, v in (("ecog", "1"), ("ascites", "none"), ("encephalopathy", "none")))
    text = course("NCT06187961", "conversion", "2026-12-08", prior("radiotherapy", "2026-11-03", "2026-11-20"), labs, findings)
    report = screen(parse_course(text), d("2026-12-07"))
    assert (report.earliest, report.latest) == (d("2026-12-12"), d("2026-12-14"))
    assert result(report, "radiotherapy").status == "not met" and not report.met
    assert {r.rule.id for r in report.results if r.status != "met"} == {"radiotherapy"}
    assert any("screen-boundary" in w for w in report.warnings)
    # nothing recorded for the other exclusions: met, but said aloud
    assert any(w.startswith("no prior event recorded for major-surgery, local-treatment, trial-drug, antiplatelet") for w in report.warnings)
    moved = screen(replace(parse_course(text), start=d("2026-12-12")), d("2026-12-07"))
    assert moved.met and [r.status for r in moved.results] == ["met"] * len(moved.results)
    assert not screen(replace(parse_course(text), start=d("2026-12-15")), d("2026-12-07")).met  # labs older than 7 days


@pytest.mark.parametrize(("first", "last", "earliest"), [
    # 10 days of aspirin, 11-01 to 11-10, "for 10 days within 2 weeks": the window day0−14..day0 holds all 10 up to day 0 = 11-15
    # (11-01..11-15); on 11-16 it holds 11-02..11-10, 9 days: day 0 from 11-16.
    ("2026-11-01", "2026-11-10", "2026-11-16"),
    ("2026-11-01", "2026-11-20", "2026-11-26"),  # 20 days: the last 10 (11-11..11-20) leave the window on 11-26 (11-12..11-26 holds 9)
])
def test_antiplatelet_ten_days_within_two_weeks(first, last, earliest):
    for day0, status in ((d(earliest) - timedelta(days=1), "not met"), (d(earliest), "met"), (d(earliest) + timedelta(days=1), "met")):
        text = course("NCT06187961", "conversion", day0.isoformat(), prior("antiplatelet", first, last))
        found = result(screen(parse_course(text), d("2026-11-20")), "antiplatelet")
        assert (found.status, found.earliest) == (status, d(earliest))


def test_antiplatelet_for_nine_days_never_excludes():
    text = course("NCT06187961", "conversion", "2026-11-10", prior("antiplatelet", "2026-11-01", "2026-11-09"))
    assert result(screen(parse_course(text), d("2026-11-10")), "antiplatelet").status == "met"


@pytest.mark.parametrize(("day0", "status"), [("2026-11-14", "not met"), ("2026-11-15", "met"), ("2026-11-16", "met")])
def test_growth_factors_two_weeks_before_enrollment(day0, status):
    # Ablation trial: none "within 2 weeks prior to enrollment"; G-CSF on 10-31. On day 0 = 11-14 the window
    # starts 11-14 − 14 = 10-31, the boundary day, still within; from 11-15 it starts 11-01: day 0 from 11-15.
    text = course("ablation-lenvatinib-pd1", "experimental", day0, prior("growth-factor", "2026-10-31"))
    found = result(screen(parse_course(text), d("2026-11-01")), "growth-factor")
    assert (found.status, found.earliest) == (status, d("2026-11-15"))


@pytest.mark.parametrize(("ended", "earliest"), [("2026-08-31", "2026-12-01"), ("2026-09-01", "2026-12-02"), ("2026-08-30", "2026-12-01")])
def test_local_treatment_three_calendar_months(ended, earliest):
    # NCT05233358: local treatment "completed before 3 months". Calendar months: 11-30 − 3 months = 08-30, 12-01 − 3 months = 09-01.
    # Ended 08-31: on 11-30 the window starts 08-30 (within); on 12-01 it starts 09-01 (clear): day 0 from 12-01.
    # Ended 08-30: on 11-30 the window starts 08-30, which is the boundary day, still within; from 12-01.
    text = course("NCT05233358", "haic", "2026-12-01", prior("local-treatment", "2026-08-01", ended))
    found = result(screen(parse_course(text), d("2026-11-30")), "local-treatment")
    assert found.earliest == d(earliest)
    assert found.status == ("met" if d("2026-12-01") >= d(earliest) else "not met")


@pytest.mark.parametrize(("progression", "status"), [("2026-09-30", "not met"), ("2026-10-01", "met")])
def test_progression_within_three_months_after_first_line(progression, status):
    # NCT06592612 excludes "progression within 3 months after first-line": first-line ended 06-30, + 3 months = 09-30 (within).
    text = course("NCT06592612", "control", "2026-12-01", prior("systemic-therapy", "2026-01-10", "2026-06-30"), prior("progression", progression))
    assert result(screen(parse_course(text), d("2026-11-30")), "early-progression").status == status


@settings(max_examples=60, deadline=None)
@given(test_day=st.integers(0, 60), offset=st.integers(-3, 12), rt_end=st.integers(0, 60), rt_offset=st.integers(15, 30))
def test_windows_hold_exactly_on_the_days_the_reading_allows(test_day, offset, rt_end, rt_offset):
    base = date(2026, 9, 1)
    test, ended = base + timedelta(days=test_day), base + timedelta(days=rt_end)
    day0 = test + timedelta(days=offset)
    text = course("ablation-lenvatinib-pd1", "experimental", day0.isoformat(), prior("pregnancy-test", test.isoformat(), value="negative"))
    found = result(screen(parse_course(text), date(2026, 11, 30)), "pregnancy-test")
    assert (found.status == "met") == (0 <= offset <= 7)
    day0 = ended + timedelta(days=rt_offset)
    text = course("NCT06187961", "conversion", day0.isoformat(), prior("radiotherapy", (ended - timedelta(days=5)).isoformat(), ended.isoformat()))
    found = result(screen(parse_course(text), date(2026, 11, 30)), "radiotherapy")
    assert (found.status == "met") == (rt_offset >= 22) and found.earliest == ended + timedelta(days=22)


# ---- labs, scores and findings ---------------------------------------------------------------------------------

def test_child_pugh_and_ecog_from_the_course_records():
    base = parse_course(course("NCT05760430", "experimental", "2026-12-01"))
    labs = (Lab(d("2026-11-28"), "tbil", 40.0, "40 umol/L"), Lab(d("2026-11-28"), "albumin", 33.0, "33 g/L"),
            Lab(d("2026-11-28"), "inr", 1.2, "1.2"))
    findings = (Finding(0, d("2026-11-28"), "ascites", "none"), Finding(1, d("2026-11-28"), "encephalopathy", "none"),
                Finding(2, d("2026-11-28"), "ecog", "2"))
    report = screen(replace(base, labs=labs, findings=findings), d("2026-11-30"))
    # 40 µmol/L: 34–51, 2 points; 33 g/L: 28–35, 2; INR 1.2: 1; none, none: 7 points, class B, but the record asks Child-Pugh A.
    cp = result(report, "child-pugh")
    assert cp.status == "not met" and "7 points, class B" in cp.detail and "tbil 40 umol/L on 2026-11-28" in cp.detail
    assert result(report, "ecog").status == "not met"  # ECOG 2, the record asks 0~1
    assert screen(base, d("2026-11-30")).results[0].status == "missing"


def test_course_labs_scored_by_the_score_command(tmp_path):
    path = tmp_path / "S-1.toml"
    path.write_text(course("NCT05760430", "experimental", "2026-12-01",
                           '\n[[labs]]\ndate = 2026-11-28\nname = "tbil"\nvalue = "1.1 mg/dL"\n',
                           '\n[[labs]]\ndate = 2026-11-28\nname = "albumin"\nvalue = "40 g/L"\n'), encoding="utf-8")
    out = run_cli("score", "albi", "--course", path, "--today", "2026-11-30")
    assert out.exit_code == 0 and out.stdout.startswith("values recorded up to 2026-11-30: tbil 1.1 mg/dL on 2026-11-28; albumin 40 g/L")
    assert run_cli("score", "child-pugh", "--course", path, "--today", "2026-11-30").exit_code == 2  # INR and findings missing


# ---- prior records through `regimen record` --------------------------------------------------------------------

@pytest.fixture
def tongji(tmp_path):
    path = tmp_path / "P-7.toml"
    assert run_cli("course", "new", path, "--protocol", "NCT06187961", "--arm", "conversion", "--start", "2026-12-08",
                   "--weight", "70 kg", "--height", "170 cm", "--weighed", "2026-11-30").exit_code == 0
    return path


def test_prior_records_before_day_0_are_accepted_and_undone(tongji):
    out = run_cli("record", tongji, "prior", "radiotherapy", "--from", "2026-10-20", "--to", "2026-11-10", "--today", "2026-12-01")
    assert out.exit_code == 0 and "prior radiotherapy from 2026-10-20 to 2026-11-10" in out.stderr
    assert run_cli("record", tongji, "finding", "ecog", "--date", "2026-11-30", "--value", "1", "--today", "2026-12-01").exit_code == 0
    loaded = regimen.load_course(tongji)
    assert loaded.priors == (Prior(0, "radiotherapy", d("2026-10-20"), d("2026-11-10")),)
    assert loaded.findings[0].value == "1"
    assert run_cli("record", tongji, "undo").exit_code == 0 and regimen.load_course(tongji).findings == ()


@pytest.mark.parametrize("args", [
    ("given", "haic", "--date", "2026-11-30"),                                   # a treatment record before day 0
    ("prior", "radiotherapy", "--date", "2026-12-02"),                           # a prior event after today
    ("prior", "pregnancy-test", "--date", "2026-11-24"),                         # a test without its result
    ("prior", "chemo", "--date", "2026-11-24"),                                  # an unknown prior type
    ("prior", "radiotherapy", "--from", "2026-11-10", "--to", "2026-11-01"),     # ends before it starts
    ("finding", "ecog", "--date", "2026-11-30", "--value", "6"),                 # ECOG is 0-5
])
def test_refused_records_leave_the_file_byte_identical(tongji, args):
    before = tongji.read_bytes()
    out = run_cli("record", tongji, *args, "--today", "2026-12-01")
    assert out.exit_code == 2 and out.stderr.startswith("Error: ") and "Traceback" not in out.output
    assert tongji.read_bytes() == before


def test_screen_command_exit_status_and_json(tongji):
    run_cli("record", tongji, "prior", "radiotherapy", "--from", "2026-10-20", "--to", "2026-11-10", "--today", "2026-12-01")
    out = run_cli("screen", tongji, "--today", "2026-12-01", "--format", "json")
    data = json.loads(out.stdout)
    assert out.exit_code == 1 and data["earliest_day0"] == "2026-12-02" and not data["met"]
    assert data["not_counted"] == ["anc", "platelets", "tbil", "alt", "ast", "alp", "albumin", "creatinine", "inr"]  # no labs recorded yet
    rt = next(c for c in data["conditions"] if c["id"] == "radiotherapy")
    assert rt["status"] == "met" and rt["quote"].startswith("Received radiotherapy within 3 weeks")


# ---- the protocol files --------------------------------------------------------------------------------------

@pytest.mark.parametrize("protocol_id", ["NCT05233358", "NCT05760430", "NCT06187961", "NCT06592612", "ablation-lenvatinib-pd1"])
def test_every_protocol_states_its_screening_rules(protocol_id):
    screening = regimen.load_protocol(protocol_id).screening
    assert screening is not None and screening.counts_to and all(rule.quote for rule in screening.rules)
    timed = [r for r in screening.rules if r.span is not None or r.kind == "not-within-after"]
    assert timed or screening.none  # a record with no window says so


def test_screening_errors_are_located(tmp_path):
    from pathlib import Path

    text = Path(regimen.load_protocol("NCT05760430").path).read_text(encoding="utf-8")
    bad = text.replace('id = "NCT05760430"', 'id = "X-1"', 1) + ('\n[screening.rules.rt]\nkind = "none-within"\nevent = "radiotheraphy"\n'
                                                               'span = "3 weeks"\nquote = "q"\n')
    path = tmp_path / "X-1.toml"
    path.write_text(bad, encoding="utf-8")
    messages = [str(p) for p in regimen.validate_files([path])]
    assert any("screening.rules.rt.event" in m and "did you mean" in m for m in messages)
    assert any("screening.rules.rt.span" in m and '"3w"' in m for m in messages)


def test_show_lists_the_screening_rules():
    out = run_cli("show", "NCT06187961")
    assert "Screening" in out.stdout and "radiotherapy: no radiotherapy within 3 weeks before day 0" in out.stdout


def test_readme_screening_and_score(tmp_path, monkeypatch):
    assert run_readme_block("screening", tmp_path, monkeypatch) >= 4


def test_the_plan_lists_the_tasks_before_day_0_in_every_format():
    # Ablation trial, day 0 2026-12-01: a negative pregnancy test and the labs "within seven days", read as
    # 12-01 − 7 days = 11-24 to 12-01, both days included.
    import csv
    import io

    import icalendar

    plan = regimen.schedule("ablation-lenvatinib-pd1", "experimental", regimen.Patient.from_measurements("70 kg"), "2026-12-01", horizon="2w")
    table = run_cli("schedule", "ablation-lenvatinib-pd1", "--arm", "experimental", "--start", "2026-12-01", "--weight", "70 kg").stdout
    assert "before day 0: pregnancy test (negative) between 2026-11-24 and 2026-12-01 (assumptions screen-boundary, screen-day0)" in (
        " ".join(table.split()))  # wrapped to 100 columns (issue #12): read as words
    tasks = json.loads(plan.to_json())["before_day0"]
    assert [(t["id"], t["earliest"], t["latest"]) for t in tasks] == [("labs-7d", "2026-11-24", "2026-12-01"),
                                                                      ("pregnancy-test", "2026-11-24", "2026-12-01")]
    rows = [r for r in csv.DictReader(io.StringIO(plan.to_csv())) if r["kind"] == "screening"]
    assert [(r["activity"], r["earliest"], r["latest"]) for r in rows] == [("labs-7d", "2026-11-24", "2026-12-01"),
                                                                           ("pregnancy-test", "2026-11-24", "2026-12-01")]
    events = [e for e in icalendar.Calendar.from_ical(plan.to_ics()).walk("VEVENT") if str(e["X-REGIMEN-ACTIVITY"]) == "screening"]
    test = next(e for e in events if "pregnancy" in str(e["SUMMARY"]))
    assert (test.start, test.end) == (d("2026-11-24"), d("2026-12-02"))  # DTEND is exclusive: the window ends on 12-01
    # NCT05760430 states no window: its plan has no task before day 0.
    control = regimen.schedule("NCT05760430", "control", regimen.Patient.from_measurements("70 kg"), "2026-12-01", horizon="2w")
    assert json.loads(control.to_json())["before_day0"] == []


def test_screen_checks_its_arguments():
    with pytest.raises(regimen.InputError, match="course: expected a Course"):
        regimen.screen("P-1.toml")
    with pytest.raises(regimen.InputError, match="today"):
        regimen.screen(parse_course(course("NCT05760430", "experimental", "2026-12-01")), "01/12/2026")


LAB = '\n[[labs]]\ndate = {when}\nname = "anc"\nvalue = "2.0 x10^9/L"\n'


@pytest.mark.parametrize(("day0", "status"), [("2026-12-01", "not met"), ("2026-12-02", "met"), ("2026-12-09", "met"),
                                              ("2026-12-10", "not met")])
def test_lab_window_seven_days_on_its_boundary_days(day0, status):
    # Tongji: ANC "within 7 days prior to inclusion", drawn 12-02: day 0 from 12-02 (not before the draw) to 12-02 + 7 = 12-09.
    text = course("NCT06187961", "conversion", day0, LAB.format(when="2026-12-02"))
    found = result(screen(parse_course(text), d("2026-12-02")), "anc")
    assert (found.status, found.earliest, found.latest) == (status, d("2026-12-02"), d("2026-12-09"))


@pytest.mark.parametrize("rule", ["major-surgery", "local-treatment", "trial-drug"])
@pytest.mark.parametrize(("day0", "status"), [("2026-12-01", "not met"), ("2026-12-02", "met"), ("2026-12-03", "met")])
def test_four_week_exclusions_on_their_boundary_days(rule, day0, status):
    # Last day 11-03; 11-03 + 28 days = 12-01, on which it is exactly 4 weeks before day 0 (within): day 0 from 12-02.
    event = {"major-surgery": "surgery"}.get(rule, rule)
    text = course("NCT06187961", "conversion", day0, prior(event, "2026-11-03"))
    found = result(screen(parse_course(text), d("2026-11-30")), rule)
    assert (found.status, found.earliest) == (status, d("2026-12-02"))


@pytest.mark.parametrize(("given", "status"), [("2026-11-17", "met"), ("2026-11-18", "not met"), ("2026-11-19", "not met")])
def test_growth_factors_counted_back_from_the_screening_labs(given, status):
    # Tongji: none "within 14 days prior to obtaining laboratory tests"; labs drawn 12-02, 12-02 − 14 days = 11-18 (within).
    text = course("NCT06187961", "conversion", "2026-12-08", LAB.format(when="2026-12-02"), prior("growth-factor", given))
    found = result(screen(parse_course(text), d("2026-12-03")), "growth-factor")
    assert found.status == status and found.earliest is None  # it bounds the labs, not day 0
    assert result(screen(parse_course(course("NCT06187961", "conversion", "2026-12-08", prior("growth-factor", given))),
                         d("2026-12-03")), "growth-factor").status == "missing"  # no labs to count back from


@settings(max_examples=40, deadline=None)
@given(rt_end=st.integers(0, 40), lab_day=st.integers(0, 40), day0=st.integers(0, 60))
def test_every_timed_condition_holds_exactly_inside_the_reported_range(rt_end, lab_day, day0):
    # Tongji, radiotherapy and nine labs (ALT, AST and ALP are screening rules too): whatever the dates, a day 0 inside [earliest, latest] meets every timed rule,
    # and one outside breaks at least one.
    base = date(2026, 10, 1)
    labs = "".join(f'\n[[labs]]\ndate = {base + timedelta(days=lab_day)}\nname = "{n}"\nvalue = "{v}"\n' + (f'uln = "{u}"\n' if u else "")
                   for n, v, u in (("anc", "2.0 x10^9/L", ""), ("platelets", "150 x10^9/L", ""), ("tbil", "15 umol/L", "21 umol/L"),
                                   ("albumin", "40 g/L", ""), ("creatinine", "70 umol/L", "100 umol/L"), ("inr", "1.1", ""),
                                   ("alt", "30 U/L", "40 U/L"), ("ast", "30 U/L", "40 U/L"), ("alp", "100 U/L", "120 U/L")))
    ended = base + timedelta(days=rt_end)
    text = course("NCT06187961", "conversion", (base + timedelta(days=day0)).isoformat(), prior("radiotherapy", ended.isoformat()), labs)
    report = screen(parse_course(text), date(2026, 11, 30))
    timed = [r for r in report.results if r.rule.timed]
    inside = report.earliest <= base + timedelta(days=day0) <= report.latest
    assert all(r.status == "met" for r in timed) == inside
    assert report.earliest == max(ended + timedelta(days=22), base + timedelta(days=lab_day))
    assert report.latest == base + timedelta(days=lab_day + 7)


def test_no_day0_satisfies_every_window_is_said_as_none_not_as_a_backwards_range():
    # Radiotherapy's last day 11-20: day 0 from 11-20 + 22 = 12-12; labs drawn 12-02 count up to 12-02 + 7 = 12-09.
    # 12-12 is after 12-09: no day 0 works, and the line says so instead of "from 2026-12-12 to 2026-12-09".
    from regimen.export.clinical import screen_text

    labs = '\n[[labs]]\ndate = 2026-12-02\nname = "anc"\nvalue = "2.0 x10^9/L"\n'
    text = course("NCT06187961", "conversion", "2026-12-08", prior("radiotherapy", "2026-11-03", "2026-11-20"), labs)
    report = screen(parse_course(text), d("2026-12-03"))
    assert (report.earliest, report.latest) == (d("2026-12-12"), d("2026-12-09"))
    shown = " ".join(screen_text(report).split())  # wrapped to 100 columns (issue #12): read as words
    assert "day 0 allowed by every window: none (the earliest a window allows, 2026-12-12, is after the latest another allows, 2026-12-09)" in shown
    assert "from 2026-12-12 to 2026-12-09" not in shown
