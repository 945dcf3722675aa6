"""Issue #17: CTCAE v5.0 lab grades, the labels' dose-modification rules as cited data, what the label
asks for after an adverse event given the course's history, and recording it (--apply).

Every expected answer is worked by hand from the label text quoted in protocols/labels/<drug>.toml
(clinical facts §1.1–1.8, §1.14, §4.1, §4.2)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from conftest import run_cli, run_readme_block
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import regimen
from regimen.clinical.ctcae import grade_lab
from regimen.course import load_course, replan, undo
from regimen.errors import InputError, LookupFailure, ProtocolErrors
from regimen.guidance.labels import check_label, label_dir, load_label, load_label_file
from regimen.guidance.toxicity import apply_toxicity as apply
from regimen.guidance.toxicity import toxicity

D = date.fromisoformat


# ---- CTCAE v5.0 boundary tables ----------------------------------------------------------------

# (value, expected grade): each boundary and the values either side. CTCAE v5.0 writes the bands
# "<1500-1000/mm3": a value AT a threshold belongs to the milder grade (ANC 1.0 is grade 2).
ANC_LLN_2 = [("0.49", 4), ("0.5", 3), ("0.99", 3), ("1.0", 2), ("1.49", 2), ("1.5", 1), ("1.99", 1), ("2.0", 0)]


@pytest.mark.parametrize(("value", "grade"), ANC_LLN_2)
def test_anc_grades_in_si_and_conventional_units(value, grade):
    assert grade_lab("anc", f"{value} x10^9/L", lln="2 x10^9/L").grade == grade
    per_ul = f"{round(float(value) * 1000)} /uL"  # 0.49 x10^9/L = 490 cells/uL
    assert grade_lab("anc", per_ul, lln="2000 /uL").grade == grade


PLATELETS_LLN_150 = [("24.9", 4), ("25", 3), ("49.9", 3), ("50", 2), ("74.9", 2), ("75", 1), ("149", 1), ("150", 0)]


@pytest.mark.parametrize(("value", "grade"), PLATELETS_LLN_150)
def test_platelet_grades_in_si_and_conventional_units(value, grade):
    assert grade_lab("platelets", f"{value} x10^9/L", lln="150 x10^9/L").grade == grade
    assert grade_lab("platelets", f"{round(float(value) * 1000)} /uL", lln="150000 /uL").grade == grade


# AST/ALT, ULN 40 U/L: grade 1 >ULN-3.0 x ULN (40-120), 2 >3.0-5.0 (120-200), 3 >5.0-20.0 (200-800), 4 >20 x ULN
AMINOTRANSFERASES = [("40", 0), ("40.1", 1), ("120", 1), ("120.4", 2), ("200", 2), ("200.4", 3), ("800", 3), ("800.4", 4)]


@pytest.mark.parametrize("lab", ["ast", "alt"])
@pytest.mark.parametrize(("value", "grade"), AMINOTRANSFERASES)
def test_aminotransferase_grades(lab, value, grade):
    assert grade_lab(lab, f"{value} U/L", uln="40 U/L").grade == grade
    assert grade_lab(lab, f"{float(value) / 60} ukat/L", uln="40 U/L").grade == grade  # SI: 1 ukat/L = 60 U/L


# bilirubin, ULN 1.2 mg/dL (20.52 umol/L): 1 >ULN-1.5 (1.8 mg/dL), 2 >1.5-3.0 (3.6), 3 >3.0-10.0 (12), 4 >10 x ULN
BILIRUBIN = [("1.2", 0), ("1.21", 1), ("1.8", 1), ("1.81", 2), ("3.6", 2), ("3.61", 3), ("12", 3), ("12.01", 4)]


@pytest.mark.parametrize(("value", "grade"), BILIRUBIN)
def test_bilirubin_grades_in_conventional_and_si_units(value, grade):
    assert grade_lab("tbil", f"{value} mg/dL", uln="1.2 mg/dL").grade == grade
    # the same in umol/L against a ULN of 20 umol/L: the multiples are the same numbers
    assert grade_lab("tbil", f"{float(value) / 1.2 * 20:.6f} umol/L", uln="20 umol/L").grade == grade


# ALP, ULN 120 U/L: 1 >ULN-2.5 (300), 2 >2.5-5.0 (600), 3 >5.0-20.0 (2400), 4 >20 x ULN
ALP = [("120", 0), ("300", 1), ("301", 2), ("600", 2), ("601", 3), ("2400", 3), ("2401", 4)]


@pytest.mark.parametrize(("value", "grade"), ALP)
def test_alp_grades(value, grade):
    assert grade_lab("alp", f"{value} U/L", uln="120 U/L").grade == grade


# creatinine, ULN 1.0 mg/dL: 1 >ULN-1.5, 2 >1.5-3.0, 3 >3.0-6.0, 4 >6.0 x ULN (UNVERIFIED row: flagged). A ULN typed
# as 88.4 umol/L is 0.99998 mg/dL (molar mass 113.12), so 1.5 mg/dL against it would be 1.50002 x ULN: grade 2.
@pytest.mark.parametrize(("value", "grade"), [("1.5", 1), ("1.51", 2), ("3.0", 2), ("3.01", 3), ("6.0", 3), ("6.01", 4)])
def test_creatinine_grades_are_flagged_unverified(value, grade):
    graded = grade_lab("creatinine", f"{value} mg/dL", uln="1.0 mg/dL")
    assert graded.grade == grade and graded.status == "UNVERIFIED"
    assert "UNVERIFIED" in graded.describe()


@pytest.mark.parametrize(("value", "grade"), [("0.99 g/24h", 1), ("1.0 g/24h", 2), ("2400 mg/24h", 2), ("3.49 g/24h", 2), ("3.5 g/24h", 3)])
def test_proteinuria_grades(value, grade):
    assert grade_lab("proteinuria", value).grade == grade


def test_an_abnormal_baseline_is_graded_against_itself():
    # AST ULN 40, baseline 80 U/L (abnormal): v5.0 grade 1 is >1.5-3.0 x baseline = 120-240 U/L
    assert grade_lab("ast", "120 U/L", uln="40 U/L", baseline="80 U/L").grade == 0
    assert grade_lab("ast", "121 U/L", uln="40 U/L", baseline="80 U/L").grade == 1
    assert grade_lab("ast", "241 U/L", uln="40 U/L", baseline="80 U/L").grade == 2
    # a normal baseline changes nothing
    assert grade_lab("ast", "121 U/L", uln="40 U/L", baseline="30 U/L").grade == 2


def test_every_grade_names_its_version_and_missing_limits_are_said():
    graded = grade_lab("anc", "0.8 x10^9/L")
    assert graded.version == "5.0" and graded.grade == 3  # v6.0 would say grade 2
    assert grade_lab("anc", "1.7 x10^9/L").grade is None  # grade 0 or 1: the LLN decides
    with pytest.raises(InputError, match="upper limit of normal"):
        grade_lab("ast", "180 U/L")
    with pytest.raises(InputError, match="physiological range"):
        grade_lab("anc", "250 x10^9/L")
    with pytest.raises(InputError, match="is not a value for anc"):
        grade_lab("anc", "-1 x10^9/L")
    with pytest.raises(LookupFailure, match='did you mean "anc"'):
        grade_lab("anx", "1 x10^9/L")


def test_grade_command_table_and_json():
    out = run_cli("grade", "anc", "0.8 x10^9/L")
    assert out.exit_code == 0
    assert out.stdout.splitlines() == ["anc 0.8 x10^9/L: grade 3 (CTCAE v5.0, Neutrophil count decreased)",
                                       "  band: grade 3: <1.0–0.5 x10^9/L (0.5 ≤ value < 1.0)"]
    data = json.loads(run_cli("grade", "ast", "180 U/L", "--uln", "40 U/L", "--format", "json").stdout)
    assert data[0]["grade"] == 2 and data[0]["ctcae_version"] == "5.0"  # 180/40 = 4.5 x ULN: >3.0-5.0
    bad = run_cli("grade", "ast", "180")
    assert bad.exit_code == 2 and bad.stderr.startswith("Error: ")


# ---- label files ----------------------------------------------------------------------------------

def shipped_drugs() -> set[str]:
    return {a.drug for p in regimen.list_protocols() for arm in p.arms for a in arm.activities if a.drug}


def test_every_shipped_drug_has_its_rules_or_says_why_not():
    for drug in shipped_drugs():
        label = load_label(drug)
        assert label is not None, drug
        assert label.rules or label.none, drug
        for ref in label.references:  # the package carries whole citations
            assert all((ref.authors, ref.title, ref.source, ref.year, ref.url.startswith("https://"))), (drug, ref)
        for rule in label.rules:
            assert rule.quote and label.reference(rule.source) is not None and rule.status in ("VERIFIED", "PARTIAL", "UNVERIFIED")


def test_labels_agree_with_every_shipped_protocol_and_are_not_protocols():
    for protocol in regimen.list_protocols():
        for drug in {a.drug for arm in protocol.arms for a in arm.activities if a.drug}:
            assert check_label(load_label(drug), protocol) == []
    assert sorted(p.id for p in regimen.list_protocols()) == ["NCT05233358", "NCT05760430", "NCT06187961", "NCT06592612",
                                                              "ablation-lenvatinib-pd1"]
    assert (label_dir() / "regorafenib.toml").is_file()


LABEL_HEAD = '''drug = "bevacizumab"
name = "Bevacizumab"
ctcae = "5.0"
reductions = false

[[references]]
id = "pi"
authors = "Genentech"
title = "Avastin PI"
source = "FDA"
year = "2022"
url = "https://example.org"
'''


@pytest.mark.parametrize(("rule", "message"), [
    ('event = "Proteinuria"\ngrades = [2]\naction = "reduce"\nquote = "q"\nsource = "pi"\nstatus = "VERIFIED"',
     "rules.x.action: bevacizumab has no dose reductions"),
    ('event = "Proteinuria"\ngrades = [2]\naction = "hold"\nresme = "x"\nquote = "q"\nsource = "pi"\nstatus = "VERIFIED"',
     'unknown key \'resme\' (did you mean "resume"?)'),
    ('event = "Proteinuira"\ngrades = [2]\naction = "discontinue"\nquote = "q"\nsource = "pi"\nstatus = "VERIFIED"',
     'neither a CTCAE v5.0 term nor a group (did you mean "Proteinuria"?)'),
    ('event = "Proteinuria"\ngrades = [2]\naction = "discontinue"\nquote = "q"\nsource = "label"\nstatus = "VERIFIED"',
     "'label' is not a reference id of this file"),
])
def test_the_loader_refuses_bad_rules_located(tmp_path, rule, message):
    path = tmp_path / "bevacizumab.toml"
    path.write_text(LABEL_HEAD + "\n[rules.x]\n" + rule + "\n", encoding="utf-8")
    with pytest.raises(ProtocolErrors) as caught:
        load_label_file(path)
    located = str(caught.value)
    assert message in located and "labels/bevacizumab.toml:" in located


def test_a_level_the_protocol_does_not_have_is_refused(tmp_path):
    text = (label_dir() / "regorafenib.toml").read_text(encoding="utf-8").replace('to = "120 mg"', 'to = "100 mg"')
    path = tmp_path / "regorafenib.toml"
    path.write_text(text, encoding="utf-8")
    problems = check_label(load_label_file(path), regimen.load_protocol("NCT05233358"))
    assert problems and "'100 mg' is not a dose level of haic.regorafenib in NCT05233358" in problems[0].located()


# ---- what the label asks for ---------------------------------------------------------------------

def course_file(tmp_path: Path, protocol: str, arm: str, weight: str, extra: str = "", name: str = "P.toml") -> Path:
    path = tmp_path / name
    path.write_text(f'patient = "P-17"\nprotocol = "{protocol}"\narm = "{arm}"\nstart = 2026-12-01\n{extra}\n'
                    f'[[measurements]]\ndate = 2026-12-01\nweight = "{weight}"\nheight = "170 cm"\n', encoding="utf-8")
    return path


def ask(path: Path, on: str, **kw):
    return toxicity(load_course(path), on=D(on), **kw).drugs


def test_regorafenib_grade_2_hfsr_160_120_80_then_discontinue(tmp_path):
    path = course_file(tmp_path, "NCT05233358", "haic", "70 kg", '[choices]\nici = "sintilimab"\n')
    # 1st grade 2 HFSR at 160 mg: "Reduce to 120 mg: 1st G2 HFSR of any duration"
    first = ask(path, "2026-12-10", drug="regorafenib", ae="hfsr", grade=2)[0]
    assert (first.action, first.level_text, first.next_dose, first.chosen.occurrence) == ("reduce", "160 mg", "120 mg", 1)
    apply(path, toxicity(load_course(path), drug="regorafenib", ae="hfsr", grade=2, on=D("2026-12-10")), today=D("2026-12-10"))
    # 2nd, at 120 mg: "G2 HFSR recurring at 120 mg: reduce to 80 mg", after an interruption until grade 1 or less
    second = ask(path, "2026-12-15", drug="regorafenib", ae="hfsr", grade=2)[0]
    assert (second.action, second.level_text, second.next_dose, second.chosen.occurrence) == ("hold", "120 mg", "80 mg", 2)
    apply(path, toxicity(load_course(path), drug="regorafenib", ae="hfsr", grade=2, on=D("2026-12-15")), today=D("2026-12-15"))
    regimen_record(path, "restarted", "regorafenib", "2026-12-22")
    # 3rd, at 80 mg, the lowest: "Discontinue if 80 mg is not tolerated"
    third = ask(path, "2026-12-26", drug="regorafenib", ae="hfsr", grade=2)[0]
    assert (third.action, third.level_text, third.chosen.occurrence) == ("discontinue", "80 mg", 3)


def regimen_record(path: Path, kind: str, activity: str, when: str) -> None:
    from regimen.course import record

    record(path, kind, activity, when=D(when), today=D(when))


def test_regorafenib_grade_3_hfsr_interrupts_at_least_7_days(tmp_path):
    path = course_file(tmp_path, "NCT05233358", "haic", "70 kg", '[choices]\nici = "sintilimab"\n')
    found = ask(path, "2026-12-10", drug="regorafenib", ae="hfsr", grade=3)[0]
    # "G3 HFSR (interrupt ≥7 days)": held 2026-12-10 to 2026-12-16 at the least, back on 2026-12-17 at the earliest; then 120 mg
    assert (found.action, found.earliest_resume, found.next_dose) == ("hold", D("2026-12-17"), "120 mg")
    assert {m.rule.id for m in found.matched} == {"hfsr-g3", "any-g3"}  # both listed; equally strict, the HFSR one first by hold


def test_regorafenib_ast_4x_with_bilirubin_2_5x_discontinues(tmp_path):
    labs = ('[[labs]]\ndate = 2026-12-20\nname = "ast"\nvalue = "160 U/L"\nuln = "40 U/L"\n\n'
            '[[labs]]\ndate = 2026-12-20\nname = "tbil"\nvalue = "3 mg/dL"\nuln = "1.2 mg/dL"\n')
    path = course_file(tmp_path, "NCT05233358", "haic", "70 kg", '[choices]\nici = "sintilimab"\n' + labs)
    answer = toxicity(load_course(path), drug="regorafenib", lab="ast", on=D("2026-12-21"))
    # AST 160/40 = 4.0 x ULN is grade 2 alone; with bilirubin 3/1.2 = 2.5 x ULN: "AST/ALT >3×ULN with bilirubin >2×ULN: discontinue"
    assert answer.grade == 2 and answer.drugs[0].action == "discontinue"
    assert answer.drugs[0].chosen.rule.id == "hepatotoxicity-with-bilirubin"


LENVATINIB = ("ablation-lenvatinib-pd1", "experimental")


@pytest.mark.parametrize(("weight", "ladder", "end"), [
    ("72 kg", ["12 mg", "8 mg", "4 mg", "4 mg qod"], None),  # the source states no step below 4 mg qod from 60 kg
    ("55 kg", ["8 mg", "4 mg", "4 mg qod"], "discontinue"),  # below 60 kg: 8 -> 4 -> 4 mg qod -> discontinue
])
def test_lenvatinib_through_every_reduction(tmp_path, weight, ladder, end):
    path = course_file(tmp_path, *LENVATINIB, weight)
    day = D("2026-12-10")
    for step, dose in enumerate(ladder):
        found = ask(path, str(day), drug="lenvatinib", ae="diarrhea", grade=3)[0]
        assert found.level_text.replace(" qod", "") == dose.replace(" qod", "")
        if step + 1 < len(ladder):  # "interrupt ... until G0–1 or baseline, then resume one level lower"
            assert found.action == "hold" and found.next_dose.startswith(ladder[step + 1].split(" qod")[0])
            apply(path, toxicity(load_course(path), drug="lenvatinib", ae="diarrhea", grade=3, on=day), today=day)
            regimen_record(path, "restarted", "lenvatinib", str(day + timedelta(days=5)))
            day += timedelta(days=10)
        else:
            assert found.action == end
            if end is None:
                with pytest.raises(InputError, match="no rule to apply"):
                    apply(path, toxicity(load_course(path), drug="lenvatinib", ae="diarrhea", grade=3, on=day), today=day)


def test_lenvatinib_first_grade_3_neutropenia_holds_without_reduction(tmp_path):
    path = course_file(tmp_path, *LENVATINIB, "72 kg")
    found = ask(path, "2026-12-12", drug="lenvatinib", ae="neutropenia", grade=3)[0]
    # "First haematological ... event: no dose reduction ... restart at ≤G2"
    assert (found.action, found.next_level, found.resume) == ("hold", None, "grade 2 or less, at the same dose (no reduction at the first haematological event)")
    assert found.chosen.rule.id == "haematological-first"


def test_a_labels_specific_rule_beats_its_general_one(tmp_path):
    labs = '[[labs]]\ndate = 2026-12-20\nname = "proteinuria"\nvalue = "2.4 g/24h"\n'
    path = course_file(tmp_path, *LENVATINIB, "72 kg", labs)
    found = toxicity(load_course(path), drug="lenvatinib", lab="proteinuria", on=D("2026-12-21")).drugs[0]
    # 2.4 g/24h is CTCAE grade 2: the general "G2 or G3 → one level lower" matches too, but the first proteinuria
    # event has its own rule: "no dose reduction needed at the first occurrence ... resume when <2 g/24 h"
    assert found.chosen.rule.id == "proteinuria-first" and found.next_level is None
    assert "non-haematological-g2-g3" in {m.rule.id for m in found.matched}
    # lenvatinib: a grade 4 lab abnormality that is not life-threatening is managed as grade 3, not discontinued
    ast = toxicity(load_course(path), drug="lenvatinib", ae="ast", grade=4, on=D("2026-12-21")).drugs[0]
    assert (ast.action, ast.next_dose) == ("hold", "8 mg")


def test_regorafenib_grade_3_aminotransferases_restart_at_120_never_lower_or_higher(tmp_path):
    path = course_file(tmp_path, "NCT05233358", "haic", "70 kg", '[choices]\nici = "sintilimab"\n')
    at_160 = ask(path, "2026-12-10", drug="regorafenib", ae="ast", grade=3)[0]
    assert (at_160.action, at_160.next_dose) == ("hold", "120 mg")  # "G3 AST/ALT: hold, then restart at 120 mg"
    regimen_record(path, "given", "regorafenib", "2026-12-08")
    from regimen.course import record

    record(path, "level", "regorafenib", when=D("2026-12-09"), level=2, today=D("2026-12-09"))
    at_120 = ask(path, "2026-12-10", drug="regorafenib", ae="ast", grade=3)[0]
    # the any-grade-3 rule would go to 80 mg, but hepatotoxicity is its stated exception: 120 mg stays
    assert (at_120.action, at_120.level_text, at_120.next_level) == ("hold", "120 mg", None)


def test_bevacizumab_proteinuria_2_4_g_holds_until_below_2_g(tmp_path):
    labs = '[[labs]]\ndate = 2026-12-20\nname = "proteinuria"\nvalue = "2.4 g/24h"\n'
    path = course_file(tmp_path, "NCT05760430", "control", "72 kg", labs)
    found = toxicity(load_course(path), drug="bevacizumab", lab="proteinuria", on=D("2026-12-21")).drugs[0]
    # "Withhold for ≥2 g/24 h; resume when <2 g/24 h"; no reduction: bevacizumab has no levels
    assert (found.action, found.resume, found.level, found.next_level) == ("hold", "below 2 g/24 h", None, None)


def test_atezolizumab_pneumonitis_grade_2_and_4_and_the_12_week_limit(tmp_path):
    path = course_file(tmp_path, "NCT05760430", "control", "72 kg")
    regimen_record(path, "given", "ctace", "2026-12-01")
    regimen_record(path, "given", "atezolizumab", "2026-12-08")
    g2 = ask(path, "2026-12-20", drug="atezolizumab", ae="pneumonitis", grade=2)[0]
    # hold, resume at ≤ G1 and prednisone ≤10 mg/day; 12 weeks from the last dose (2026-12-08) = 2027-03-02
    assert (g2.action, g2.limit) == ("hold", D("2027-03-02")) and g2.resume.startswith("grade 1 or less")
    g4 = ask(path, "2026-12-20", drug="atezolizumab", ae="pneumonitis", grade=4)[0]
    assert g4.action == "discontinue"
    apply(path, toxicity(load_course(path), drug="atezolizumab", ae="pneumonitis", grade=2, on=D("2026-12-20")), today=D("2026-12-20"))
    before = replan(load_course(path), today=D("2027-03-02"), horizon="20w").warnings
    after = replan(load_course(path), today=D("2027-03-03"), horizon="20w").warnings
    assert not any("asks for discontinuation" in w for w in before)
    assert any("past the label's time limit (2027-03-02): the label asks for discontinuation" in w for w in after)


def test_a_combination_without_attribution_answers_per_drug_and_apply_asks_for_drug(tmp_path):
    path = course_file(tmp_path, "NCT05760430", "control", "72 kg")
    answer = toxicity(load_course(path), ae="pneumonitis", grade=2, on=D("2026-12-20"))
    actions = {d.drug: d.action for d in answer.drugs}
    assert actions == {"atezolizumab": "hold", "bevacizumab": None}  # bevacizumab's label has no pneumonitis rule
    with pytest.raises(InputError, match="give --drug"):
        apply(path, answer, today=D("2026-12-20"))


def test_no_rule_names_the_general_rule_flagged_and_never_applies(tmp_path):
    path = course_file(tmp_path, "NCT05760430", "experimental", "72 kg")
    found = ask(path, "2026-12-20", drug="camrelizumab", ae="pneumonitis", grade=2)[0]
    assert found.action is None and "the label has no rule for Pneumonitis grade 2" in found.said[0]
    assert any("general rule, flagged" in line for line in found.said) and found.warnings
    text = path.read_bytes()
    with pytest.raises(InputError, match="no rule to apply"):
        apply(path, toxicity(load_course(path), drug="camrelizumab", ae="pneumonitis", grade=2, on=D("2026-12-20")))
    assert path.read_bytes() == text


def test_apply_then_schedule_shows_the_hold_and_its_resume_condition_and_undo_takes_the_group(tmp_path):
    path = course_file(tmp_path, "NCT05760430", "control", "72 kg")
    run_cli("record", path, "given", "ctace", "--date", "2026-12-01", "--today", "2026-12-01")
    run_cli("record", path, "given", "atezolizumab", "--date", "2026-12-08", "--today", "2026-12-08")
    before = path.read_text(encoding="utf-8")
    done = run_cli("toxicity", path, "--drug", "atezolizumab", "--ae", "pneumonitis", "--grade", "2", "--date", "2026-12-20",
                   "--today", "2026-12-20", "--apply")
    assert done.exit_code == 0, done.output
    shown = run_cli("schedule", "--course", path, "--today", "2026-12-21", "--horizon", "8w").stdout
    shown = " ".join(shown.split())  # the table wraps a long warning to 100 columns (issue #12): read it as words
    assert ("! Atezolizumab held from 2026-12-20 until recovery (label rule atezolizumab/pneumonitis-g2: Pneumonitis grade 2): resume when grade 1 or less, "
            "and prednisone 10 mg/day or less; the label's time limit expires on 2027-03-02") in shown
    removed, _ = undo(path)
    assert 'type = "ae"' in removed and 'type = "held"' in removed
    assert path.read_text(encoding="utf-8").split("revision")[1].split("\n", 2)[2] == before.split("revision")[1].split("\n", 2)[2]


# ---- the invariant, over random sequences of applied adverse events -----------------------------

EVENTS = st.lists(st.tuples(st.sampled_from(["hfsr", "diarrhea", "hypertension", "neutropenia"]), st.integers(1, 4)), max_size=6)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(events=EVENTS)
def test_applied_events_keep_levels_real_and_nothing_after_a_stop(tmp_path_factory, events):
    path = course_file(tmp_path_factory.mktemp("p"), "NCT05233358", "haic", "70 kg", '[choices]\nici = "sintilimab"\n')
    day, stopped = D("2026-12-10"), None
    for term, grade in events:
        course = load_course(path)
        answer = toxicity(course, drug="regorafenib", ae=term, grade=grade, on=day)
        found = answer.drugs[0]
        matching = [r for r in course.records if r.type == "ae"]
        if found.chosen is not None:  # the occurrence is one more than the recorded AEs the rule covers
            from regimen.guidance.terms import covers

            rule = found.chosen.rule
            assert found.chosen.occurrence == 1 + sum(covers(rule.event, r.term) and (not rule.grades or r.grade in rule.grades)
                                                     for r in matching)
        if found.action is not None and stopped is None:
            apply(path, answer, today=day)
            if found.action == "discontinue":
                stopped = day
            elif found.action == "hold":
                regimen_record(path, "restarted", "regorafenib", str(day + timedelta(days=7)))
        day += timedelta(days=14)
        if stopped:
            break
    course = load_course(path)
    assert all(1 <= r.level <= 3 for r in course.records if r.type == "level")  # 160, 120, 80 mg: nothing else
    plan = replan(course, today=day, horizon="12w")
    doses = [e for e in plan.for_activity("regorafenib") if e.status in ("planned", "given")]
    assert all(e.dose.text in ("160 mg", "120 mg", "80 mg") for e in doses)
    if stopped is not None:
        assert not [e for e in doses if e.date >= stopped and e.status == "planned"]


def test_readme_toxicity_block(tmp_path, monkeypatch):
    assert run_readme_block("adverse events", tmp_path, monkeypatch) >= 6


def test_grade_a_courses_recorded_labs(tmp_path):
    labs = ('[[labs]]\ndate = 2026-11-28\nname = "ast"\nvalue = "80 U/L"\nuln = "40 U/L"\n\n'
            '[[labs]]\ndate = 2026-12-20\nname = "ast"\nvalue = "130 U/L"\nuln = "40 U/L"\n\n'
            '[[labs]]\ndate = 2026-12-20\nname = "anc"\nvalue = "900 /uL"\n\n'
            '[[labs]]\ndate = 2026-12-20\nname = "tbil"\nvalue = "30 umol/L"\n')
    path = course_file(tmp_path, "NCT05233358", "haic", "70 kg", labs)
    rows = regimen.grade_course(load_course(path))
    # 2026-11-28 (before day 0): 80/40 = 2.0 x ULN, grade 1; 2026-12-20: 130 U/L against that abnormal baseline,
    # 130/80 = 1.625 x baseline, grade 1 (>1.5-3.0 x baseline); ANC 0.9 grade 3; bilirubin without a ULN: not determined
    assert [(str(d), g.lab, g.grade) for d, g in rows] == [("2026-11-28", "ast", 1), ("2026-12-20", "anc", 3), ("2026-12-20", "ast", 1),
                                                          ("2026-12-20", "tbil", None)]
    out = run_cli("grade", "--course", path, "--format", "json")
    assert out.exit_code == 0 and [r["grade"] for r in json.loads(out.stdout)] == [1, 3, 1, None]


def test_toxicity_command_json_and_one_line_errors(tmp_path):
    path = course_file(tmp_path, "NCT05760430", "control", "72 kg")
    out = run_cli("toxicity", path, "--drug", "atezolizumab", "--ae", "pneumonitis", "--grade", "4", "--date", "2026-12-20",
                  "--today", "2026-12-20", "--format", "json")
    data = json.loads(out.stdout)
    assert data["ctcae_version"] == "5.0" and data["drugs"][0]["action"] == "discontinue" and data["drugs"][0]["rule"] == "pneumonitis-g3-g4"
    before = path.read_bytes()
    for args, message in ((["--ae", "pneumonitis", "--grade", "2", "--apply"], "give --drug"),
                          (["--ae", "pneumonits", "--grade", "2"], 'did you mean "pneumonitis"'),
                          (["--drug", "atezolizumab", "--lab", "ast"], "records no ast result"),
                          (["--drug", "sorafenib", "--ae", "pneumonitis", "--grade", "2"], "unknown drug")):
        bad = run_cli("toxicity", path, *args, "--date", "2026-12-20", "--today", "2026-12-20")
        assert bad.exit_code == 2 and bad.stderr.count("\n") == 1 and message in bad.stderr, (args, bad.stderr)
    assert path.read_bytes() == before


def test_a_rule_not_verified_is_flagged_wherever_it_is_used(tmp_path):
    path = course_file(tmp_path, "NCT05760430", "experimental", "72 kg")
    regimen_record(path, "given", "ctace", "2026-12-01")
    regimen_record(path, "given", "apatinib", "2026-12-08")
    answer = toxicity(load_course(path), drug="apatinib", ae="hypertension", grade=3, on=D("2026-12-20"))
    found = answer.drugs[0]  # "Grade 3/4 ... AE → interrupt": PARTIAL, the label copy is cut off
    assert found.action == "hold" and any("PARTIAL" in w and "flagged assumption" in w for w in found.warnings)
    apply(path, answer, today=D("2026-12-20"))
    warnings = replan(load_course(path), today=D("2026-12-21"), horizon="8w").warnings
    assert any(w.startswith("Apatinib held from 2026-12-20 until recovery (label rule apatinib/grade-3-4 (PARTIAL: a flagged assumption")
               for w in warnings)


def test_bevacizumab_hold_applied_holds_its_doses_in_place_until_restarted(tmp_path):
    from regimen.course import record

    path = course_file(tmp_path, "NCT05760430", "control", "72 kg")
    for activity in ("ctace", "atezolizumab", "bevacizumab"):
        regimen_record(path, "given", activity, "2026-12-01" if activity == "ctace" else "2026-12-08")
    record(path, "lab", "proteinuria", when=D("2026-12-20"), value="2.4 g/24h", today=D("2026-12-20"))
    apply(path, toxicity(load_course(path), drug="bevacizumab", lab="proteinuria", on=D("2026-12-20")), today=D("2026-12-20"))
    plan = replan(load_course(path), today=D("2026-12-21"), horizon="8w")
    # q3w from 2026-12-08: 12-29 and 01-19 fall in the hold; atezolizumab goes on, bevacizumab is held beside it
    assert [(str(e.date), e.status) for e in plan.for_activity("bevacizumab")][1:3] == [("2026-12-29", "held"), ("2027-01-19", "held")]
    assert [(str(e.date), e.status) for e in plan.for_activity("atezolizumab")][1:3] == [("2026-12-29", "planned"), ("2027-01-19", "planned")]
    regimen_record(path, "restarted", "bevacizumab", "2027-01-19")  # proteinuria below 2 g/24 h again
    plan = replan(load_course(path), today=D("2027-01-19"), horizon="8w")
    assert [(str(e.date), e.status) for e in plan.for_activity("bevacizumab")][1:3] == [("2026-12-29", "held"), ("2027-01-19", "planned")]


# ---- findings of the user walkthrough ------------------------------------------------------------

def test_an_adverse_event_before_day_0_is_refused_up_front_and_nothing_is_written(tmp_path):
    path = course_file(tmp_path, *LENVATINIB, "72 kg")  # day 0 is 2026-12-01
    before = path.read_bytes()
    for extra in ((), ("--apply",)):
        done = run_cli("toxicity", path, "--drug", "lenvatinib", "--ae", "diarrhea", "--grade", "3", "--date", "2026-11-20",
                       "--today", "2026-12-01", *extra)
        assert done.exit_code == 2 and done.stdout == ""  # no recommendation shown
        assert done.stderr.strip().splitlines() == [
            "Error: --date: 2026-11-20 is before day 0 of the course (2026-12-01): an adverse event is answered from day 0 on; "
            "give a date on or after 2026-12-01"]
        assert path.read_bytes() == before
    with pytest.raises(InputError, match=r"2026-11-20 is before day 0 of the course \(2026-12-01\)"):
        toxicity(load_course(path), drug="lenvatinib", ae="diarrhea", grade=3, on="2026-11-20")
    # day 0 itself is the course's first day: answered
    assert ask(path, "2026-12-01", drug="lenvatinib", ae="diarrhea", grade=3)[0].action == "hold"


def regorafenib_at_80_mg(tmp_path: Path) -> Path:
    """Regorafenib 160 mg, then 120 mg after the 1st grade 2 HFSR (2026-12-10), then 80 mg after the 2nd (2026-12-15, restarted 12-22)."""
    path = course_file(tmp_path, "NCT05233358", "haic", "70 kg", '[choices]\nici = "sintilimab"\n')
    for day in ("2026-12-10", "2026-12-15"):
        apply(path, toxicity(load_course(path), drug="regorafenib", ae="hfsr", grade=2, on=D(day)), today=D(day))
    regimen_record(path, "restarted", "regorafenib", "2026-12-22")
    return path


def test_at_the_lowest_level_the_headline_says_discontinue_and_why(tmp_path):
    path = regorafenib_at_80_mg(tmp_path)
    # 3rd grade 2 HFSR at 80 mg: the rule says "hold, then one level lower", but 80 mg is the lowest level, and the
    # label says "Discontinue if 80 mg is not tolerated": what is done is discontinue, and the headline says so
    third = ask(path, "2026-12-26", drug="regorafenib", ae="hfsr", grade=2)[0]
    assert third.action == "discontinue"
    assert third.said[0].startswith("Regorafenib: discontinue permanently (80 mg is the lowest level, none lower; "
                                    "the rule asks: hold, then one level lower)")
    assert "then one level lower (rule" not in third.said[0]
    apply(path, toxicity(load_course(path), drug="regorafenib", ae="hfsr", grade=2, on=D("2026-12-26")), today=D("2026-12-26"))
    assert [r.date for r in load_course(path).records if r.type == "discontinued"] == [D("2026-12-26")]


def test_a_drug_already_discontinued_says_so_and_recommends_nothing(tmp_path):
    path = regorafenib_at_80_mg(tmp_path)
    apply(path, toxicity(load_course(path), drug="regorafenib", ae="hfsr", grade=2, on=D("2026-12-26")), today=D("2026-12-26"))
    # a later grade 3 HFSR (2027-01-02): regorafenib stopped on 2026-12-26, there is nothing to hold or reduce
    later = ask(path, "2027-01-02", drug="regorafenib", ae="hfsr", grade=3)[0]
    assert (later.action, later.chosen, later.next_dose, later.stopped) == (None, None, None, D("2026-12-26"))
    assert later.said == ("Regorafenib: already discontinued on 2026-12-26 in this course: no action to recommend",)
    shown = json.loads(run_cli("toxicity", path, "--drug", "regorafenib", "--ae", "hfsr", "--grade", "3", "--date", "2027-01-02",
                               "--today", "2027-01-02", "--format", "json").stdout)["drugs"][0]
    assert (shown["action"], shown["discontinued_on"]) == (None, "2026-12-26")
    before = path.read_bytes()
    done = run_cli("toxicity", path, "--drug", "regorafenib", "--ae", "hfsr", "--grade", "3", "--date", "2027-01-02",
                   "--today", "2027-01-02", "--apply")
    assert done.exit_code == 2 and "already discontinued on 2026-12-26" in done.stdout
    assert "apply: Regorafenib is already discontinued in this course (on 2026-12-26); nothing is recorded" in done.stderr
    assert path.read_bytes() == before
    # an event found before the stop (2026-12-24) is answered from the label as on that day: the stop came later
    earlier = ask(path, "2026-12-24", drug="regorafenib", ae="hfsr", grade=3)[0]
    assert earlier.stopped is None and earlier.chosen.rule.id == "hfsr-g3"


def test_the_next_dose_says_its_frequency_once(tmp_path):
    path = course_file(tmp_path, *LENVATINIB, "72 kg")
    regimen_record(path, "given", "lenvatinib", "2026-12-01")
    from regimen.course import record

    record(path, "level", "lenvatinib", when=D("2026-12-05"), level=3, today=D("2026-12-05"))  # 12 -> 8 -> 4 mg: level 3
    # grade 3 diarrhea at 4 mg daily: "resume one level lower", level 4 is 4 mg every other day
    found = ask(path, "2026-12-10", drug="lenvatinib", ae="diarrhea", grade=3)[0]
    assert found.next_dose == "4 mg qod"
    assert "  level 3 (4 mg) → level 4 (4 mg qod) when it resumes" in found.said
    assert not any("qod qod" in line for line in found.said)


def test_an_unattributed_event_names_each_drug_once(tmp_path):
    path = course_file(tmp_path, "NCT05233358", "haic", "70 kg", '[choices]\nici = "sintilimab"\n')
    # the HAIC arm gives fluorouracil twice (a bolus and a 46-hour infusion): named once, with its two activity ids
    answer = toxicity(load_course(path), ae="diarrhea", grade=3, on=D("2026-12-10"))
    with pytest.raises(InputError) as refused:
        apply(path, answer, today=D("2026-12-10"))
    message = str(refused.value)
    assert message.count("fluorouracil") == 3 and "fluorouracil, fluorouracil" not in message
    assert "fluorouracil (as fluorouracil_bolus or fluorouracil_infusion)" in message
    # --drug fluorouracil still means both activities; the activity id attributes it to one
    both = toxicity(load_course(path), drug="fluorouracil", ae="diarrhea", grade=3, on=D("2026-12-10"))
    assert [d.activity for d in both.drugs] == ["fluorouracil_bolus", "fluorouracil_infusion"]
    one = toxicity(load_course(path), drug="fluorouracil_bolus", ae="diarrhea", grade=3, on=D("2026-12-10"))
    assert [d.activity for d in one.drugs] == ["fluorouracil_bolus"]
