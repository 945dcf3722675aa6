"""Issue 13: cohorts at sponsor scale. The fast paths must write what the plain exporters write.

* JSON Lines and CSV written straight from a plan's compact runs are the exporters' bytes, for
  every shipped arm, weights either side of a weight band, any day 0 and horizon, and re-planned
  courses (which take the plain path);
* ``--jobs 2`` writes the same bytes and reports the same bad rows as ``--jobs 1``, every format;
* a cohort's protocols are loaded once per run, a misspelt one's error too;
* ``supply`` counts a row from the timeline it shares with like rows: the same totals as each
  row's own plan, the administrations equal to the expanded dates counted by hand;
* ``--format parquet`` holds one typed row per event, read back equal to the JSON plan.
No test is timed: the figures are in the issue's closing note.
"""

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from conftest import run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import regimen
from regimen import cohort
from regimen.course import parse_course
from regimen.export import compact
from regimen.export import csv as csv_export
from regimen.export import json as json_export
from regimen.supply import Supply, for_row, periods, summarize

ROOT = Path(__file__).resolve().parents[1]

ARMS = [("NCT05760430", "experimental"), ("NCT05760430", "control"), ("NCT05233358", "haic"), ("NCT05233358", "tace"),
        ("ablation-lenvatinib-pd1", "experimental"), ("ablation-lenvatinib-pd1", "comparator"), ("NCT06187961", "conversion"),
        ("NCT06592612", "sbrt"), ("NCT06592612", "control")]


def _same_bytes(plan, patient_id="P-1"):
    assert compact.json_line(plan, {"id": patient_id}) == json_export.line(plan, {"id": patient_id})
    assert compact.csv_rows(plan, (patient_id,)) == "".join(csv_export.rows(plan, (patient_id,)))


@pytest.mark.parametrize(("protocol", "arm"), ARMS)
@pytest.mark.parametrize("weight", ["55 kg", "72.5 kg"])  # lenvatinib's band is 60 kg: qod below in the ablation trial
def test_compact_lines_are_the_exporters_bytes(protocol, arm, weight):
    plan = regimen.schedule(protocol, arm, regimen.Patient.from_measurements(weight, "168 cm"), "2027-01-04", horizon="2y")
    assert len(plan) > 1
    _same_bytes(plan)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(ARMS), st.decimals("38", "140", places=3), st.integers(0, 700), st.sampled_from(["4w", "12w", "1y", "2y", "2028-03-31"]))
def test_compact_lines_equal_the_exporters_for_any_patient(arm, weight, offset, horizon):
    """Property: for any weight, day 0 and horizon, the fast lines are the exporters' bytes."""
    start = date(2026, 12, 1) + timedelta(days=offset)
    try:
        plan = regimen.schedule(arm[0], arm[1], regimen.Patient.from_measurements(f"{weight} kg", "170 cm"), start, horizon=horizon)
    except regimen.RegimenError:  # a horizon date before day 0
        return
    _same_bytes(plan)


def test_lines_with_text_beyond_ascii_are_the_exporters_utf8(tmp_path):
    """The fast lines hold non-ASCII text as its UTF-8 bytes until the end: names, notes and the
    title with characters under 256 (é, ×, µ) and beyond (≥, α, an emoji) come out as the
    exporters' UTF-8, never as Latin-1 bytes."""
    text = (ROOT / "protocols" / "NCT05760430.toml").read_text(encoding="utf-8")
    for plain, fancy in [('name = "Apatinib"', 'name = "Apatinib — ≥ 60 kg é×µ α 💊"'),
                         ('name = "Camrelizumab"', 'name = "Camrelizumab (café)"'),
                         ("a missed dose is not made up", "a missed dose is not made up × µ ≥"),
                         ('title = "The Synergistic', 'title = "Ünïcode — The Synergistic')]:
        assert plain in text
        text = text.replace(plain, fancy)
    path = tmp_path / "NCT05760430.toml"
    path.write_text(text, encoding="utf-8")
    plan = regimen.schedule(regimen.load_file(path), "experimental", regimen.Patient.from_measurements("61 kg"), "2027-01-04", horizon="12w")
    line = compact.json_bytes(plan, {"id": "P-1"})
    assert line == (json_export.line(plan, {"id": "P-1"}) + "\n").encode("utf-8")
    assert "Apatinib — ≥ 60 kg é×µ α 💊" in line.decode("utf-8") and "café" in line.decode("utf-8")
    rows = compact.csv_bytes(plan, ("P-1",))
    assert rows == "".join(csv_export.rows(plan, ("P-1",))).encode("utf-8")
    lead = ("Pé-1", "site Zürich")  # a library caller's lead cells, not only a cohort's ASCII pseudonym
    assert compact.csv_bytes(plan, lead) == "".join(csv_export.rows(plan, lead)).encode("utf-8")
    assert rows.decode("utf-8").count(",apatinib,Apatinib — ≥ 60 kg é×µ α 💊,") == sum(e.activity == "apatinib" for e in plan.events)


def test_a_replanned_course_writes_the_same_bytes():
    """Records (a late cTACE, a held week of apatinib) take explain's path: still the exporters' bytes."""
    text = ('patient = "P-0001"\nprotocol = "NCT05760430"\narm = "experimental"\nstart = 2026-12-01\n\n'
            '[[measurements]]\ndate = 2026-11-28\nweight = "72 kg"\n\n'
            '[[events]]\ntype = "given"\nactivity = "ctace"\ndate = 2026-12-02\n\n'
            '[[events]]\ntype = "held"\nactivity = "apatinib"\nfrom = 2026-12-20\nto = 2026-12-27\nreason = "grade 3 hypertension"\n')
    plan = regimen.replan(parse_course(text), horizon="20w", today=date(2027, 1, 10))
    assert any(event.status == "held" for event in plan.events)
    _same_bytes(plan)


ROWS = """id,protocol,arm,start,weight,height,horizon
P01,NCT05760430,experimental,2027-01-04,72 kg,170 cm,1y
P02,NCT05233358,haic,2027-01-05,64.25 kg,161 cm,1y
P03,NCT05760430,control,2027-01-06,72,170 cm,1y
P04,ablation-lenvatinib-pd1,experimental,2027-01-07,55 kg,,1y
P04,ablation-lenvatinib-pd1,experimental,2027-01-07,56 kg,,1y
P06,NCT0576043,experimental,2027-01-07,56 kg,,1y
P07,NCT06592612,sbrt,2027-01-08,80 kg,180 cm,1y
P08,NCT06187961,conversion,2027-01-09,70 kg,175 cm,1y
"""  # P03: a weight without its unit; the second P04: a repeated id; P06: a misspelt protocol


@pytest.fixture
def patients(tmp_path):
    path = tmp_path / "patients.csv"
    path.write_text(ROWS)
    return path


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_two_workers_write_the_same_bytes_and_report_the_same_rows(patients, fmt):
    one, two = (run_cli("cohort", patients, "--format", fmt, "--jobs", jobs) for jobs in ("1", "2"))
    assert one.exit_code == two.exit_code == 2
    assert one.stdout_bytes == two.stdout_bytes and len(one.stdout_bytes) > 100_000
    assert one.stderr == two.stderr
    assert one.stderr.splitlines()[:3] == [
        "Error: row 4 (P03): weight: '72' has no unit; give a weight with its unit, like \"72 kg\" or \"158.7 lb\"",
        "Error: row 6 (P04): id: 'P04' is also the id of row 5; each patient needs an id of their own",
        "Error: row 7 (P06): unknown protocol 'NCT0576043' (did you mean \"NCT05760430\"?); known: NCT05233358, NCT05760430, "
        "NCT06187961, NCT06592612, ablation-lenvatinib-pd1"]
    assert one.stderr.splitlines()[-1] == "Error: 3 rows failed; 5 plans done"


def test_two_workers_write_the_same_calendars(patients, tmp_path):
    for jobs in ("1", "2"):
        assert run_cli("cohort", patients, "--format", "ics", "-o", tmp_path / jobs, "--jobs", jobs).exit_code == 2
    names = sorted(p.name for p in (tmp_path / "1").iterdir())
    assert names == ["P01.ics", "P02.ics", "P04.ics", "P07.ics", "P08.ics"]
    assert all((tmp_path / "1" / n).read_bytes() == (tmp_path / "2" / n).read_bytes() for n in names)


def test_workers_writing_calendars_never_write_through_a_symbolic_link(patients, tmp_path):
    """With --jobs 2 the workers write the calendar files themselves; a link in the folder where
    P07's calendar would go is refused there too, and what it points to is left as it was."""
    folder, victim = tmp_path / "ics", tmp_path / "victim.txt"
    folder.mkdir()
    victim.write_text("keep me")
    (folder / "P07.ics").symlink_to(victim)
    result = run_cli("cohort", patients, "--format", "ics", "-o", folder, "--jobs", "2")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1].endswith("ics/P07.ics' is a symbolic link; it is not written through")
    assert victim.read_text() == "keep me"
    assert (folder / "P07.ics").is_symlink() and not list(folder.glob(".*.tmp"))


def test_strict_with_two_workers_stops_at_the_first_bad_row_and_writes_no_calendar_after_it(patients, tmp_path):
    result = run_cli("cohort", patients, "--format", "ics", "-o", tmp_path / "ics", "--jobs", "2", "--strict")
    assert result.exit_code == 2 and result.stderr.count("Error:") == 1 and "row 4 (P03)" in result.stderr
    assert sorted(p.name for p in (tmp_path / "ics").iterdir()) == ["P01.ics", "P02.ics"]


def test_strict_with_two_workers_stops_at_the_first_bad_row(patients):
    result = run_cli("cohort", patients, "--jobs", "2", "--strict")
    assert result.exit_code == 2
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == ["P01", "P02"]
    assert result.stderr.count("Error:") == 1


def test_protocols_are_loaded_once_a_run(monkeypatch):
    import regimen.loader

    calls = []
    real = regimen.loader.load_protocol
    monkeypatch.setattr(regimen.loader, "load_protocol", lambda ref, dirs=(): (calls.append(ref), real(ref, dirs))[1])
    lines = ["id,protocol,arm,start,weight,horizon"]
    lines += [f"P{i},{'NCT05760430' if i % 3 else 'NCT0576043'},control,2027-01-04,{60 + i} kg,4w" for i in range(30)]
    results = list(cohort.process(cohort.read_rows(iter(line + "\n" for line in lines)), lambda pid, plan: len(plan)))
    assert sorted(calls) == ["NCT0576043", "NCT05760430"]  # 30 rows, two names: two loads
    errors = {r.message for r in results if isinstance(r, cohort.RowError)}
    assert len(errors) == 1 and "unknown protocol 'NCT0576043'" in errors.pop()
    assert sum(isinstance(r, cohort.CohortResult) for r in results) == 20


# -- supply from shared timelines -----------------------------------------------------------

SUPPLY_ROWS = [("ablation-lenvatinib-pd1", "experimental", "2027-01-04", w) for w in ("52.5 kg", "59.9 kg", "60 kg", "74.2 kg")] + \
    [("NCT05233358", "haic", "2027-01-04", w) for w in ("48 kg", "66.6 kg")] + [("NCT06592612", "sbrt", "2027-01-11", "81 kg")] + \
    [("NCT05760430", "experimental", day, "70.3 kg") for day in ("2027-01-04", "2027-01-04", "2027-02-01")]


def test_supply_from_shared_timelines_equals_each_rows_own_plan():
    first, last = date(2027, 1, 1), date(2027, 12, 31)
    by_plan, by_row = Supply(first, last, "month"), Supply(first, last, "month")
    protocols = cohort.Protocols()
    plans = []
    for protocol, arm, start, weight in SUPPLY_ROWS:
        row = {"id": "P", "protocol": protocol, "arm": arm, "start": start, "weight": weight, "height": "165 cm"}
        given_ = cohort.row_inputs(row, protocols, last.isoformat(), True, False)
        plans.append(given_.plan())
        by_plan.add(summarize(plans[-1], first, last, "month"))
        by_row.add_row(for_row("P", given_, first=first, last=last, by="month"))
    planned, counted = list(by_plan.lines()), list(by_row.lines())
    assert [(x.start, x.drug, x.administrations, x.units, x.unknown_units) for x in planned] == \
        [(x.start, x.drug, x.administrations, x.units, x.unknown_units) for x in counted]
    assert [x.total_mg for x in planned] == pytest.approx([x.total_mg for x in counted], abs=0.011)  # sums in another order
    # by hand: lenvatinib's administrations in March 2027 are the expanded dates counted one by one
    march = next((a, b) for a, b in periods(first, last, "month") if a.month == 3)
    expected = sum(march[0] <= day <= march[1] for plan in plans if plan.arm.id == "experimental" and plan.protocol.id.startswith("ablation")
                   for day in plan.dates("lenvatinib"))
    assert expected > 31  # four patients, some daily, some every other day
    assert next(x.administrations for x in counted if x.drug == "lenvatinib" and x.start == march[0]) == expected


# -- parquet ----------------------------------------------------------------------------------


def test_parquet_rows_read_back_equal_the_json_plans(patients, tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    out = tmp_path / "plans.parquet"
    result = run_cli("cohort", patients, "--format", "parquet", "-o", out)
    assert result.exit_code == 2 and result.stderr.splitlines()[-1] == "Error: 3 rows failed; 5 plans done"
    table = pq.read_table(out)
    assert str(table.schema.field("date").type) == "date32[day]" and str(table.schema.field("dose").type) == "double"
    assert str(table.schema.field("study_day").type) == "int32"
    plans = {line["id"]: line for line in map(json.loads, run_cli("cohort", patients).stdout.splitlines())}
    assert table.num_rows == sum(len(plan["events"]) for plan in plans.values())
    rows = table.to_pylist()
    for patient in ("P01", "P04", "P07"):
        mine = [r for r in rows if r["patient_id"] == patient]
        events = plans[patient]["events"]
        assert [(r["key"], r["date"].isoformat(), r["earliest"].isoformat(), r["latest"].isoformat(), r["status"]) for r in mine] == \
            [(e["key"], e["date"], e["earliest"], e["latest"], e["status"]) for e in events]
        assert [(r["dose"], r["dose_unit"], r["cycle"], r["cycle_day"], r["occurrence"]) for r in mine] == \
            [(e["dose"] and e["dose"]["amount"], e["dose"] and e["dose"]["unit"], e["cycle"], e["day"], e["occurrence"]) for e in events]
    # by hand: P01's cTACE is day 0 (2027-01-04); apatinib starts 7 days after it (window 3 to 14 days), 250 mg
    first = next(r for r in rows if r["key"] == "NCT05760430/experimental/apatinib/1" and r["patient_id"] == "P01")
    assert (first["date"], first["study_day"], first["earliest"], first["latest"], first["dose"], first["dose_unit"]) == \
        (date(2027, 1, 11), 7, date(2027, 1, 7), date(2027, 1, 18), 250.0, "mg")


def test_parquet_is_deterministic_in_row_groups_and_the_same_with_two_workers(patients, tmp_path, monkeypatch):
    pq = pytest.importorskip("pyarrow.parquet")
    from regimen.export import parquet

    run_cli("cohort", patients, "--format", "parquet", "-o", tmp_path / "a.parquet")
    run_cli("cohort", patients, "--format", "parquet", "-o", tmp_path / "b.parquet", "--jobs", "2")
    assert (tmp_path / "a.parquet").read_bytes() == (tmp_path / "b.parquet").read_bytes()
    meta = pq.ParquetFile(tmp_path / "a.parquet").metadata
    assert meta.created_by.startswith("parquet-cpp-arrow version") and meta.num_row_groups == 1
    monkeypatch.setattr(parquet, "GROUP", 300)  # a row group every ~300 events (1,606 in all): memory stays flat
    run_cli("cohort", patients, "--format", "parquet", "-o", tmp_path / "c.parquet")
    small = pq.ParquetFile(tmp_path / "c.parquet")
    assert small.metadata.num_row_groups > 3
    assert small.read().equals(pq.read_table(tmp_path / "a.parquet"))


def test_parquet_needs_a_file_and_the_extra(patients, tmp_path, monkeypatch):
    result = run_cli("cohort", patients, "--format", "parquet")
    assert (result.exit_code, result.stderr) == (2, "Error: --output: --format parquet writes a binary file: give it with -o FILE.parquet\n")
    import sys

    monkeypatch.setitem(sys.modules, "pyarrow", None)  # as if the extra were not installed
    result = run_cli("cohort", patients, "--format", "parquet", "-o", tmp_path / "p.parquet")
    assert (result.exit_code, result.stderr) == (2, "Error: --format: parquet needs the parquet extra: pip install 'regimen-calendar[parquet]'\n")
    assert list(tmp_path.iterdir()) == [patients]


def test_what_rows_share_is_worked_out_once_and_never_mixes_up_their_choices():
    """A cohort's rows share the arm's shape (activities as chosen, warnings) and each flat or
    ladder dose; a row's own choices, dose level and weight still decide its plan, in any order."""
    def plan(weight, **choices):
        return regimen.schedule("NCT05233358", "haic", regimen.Patient.from_measurements(weight, "170 cm"), "2027-01-04",
                                choices=choices, horizon="12w")

    def drugs(p):
        return sorted({e.drug for e in p.events if e.drug})

    first = plan("70 kg", ici="camrelizumab", regorafenib_start="80mg")
    second = plan("50 kg", ici="atezolizumab")
    again = plan("70 kg", ici="camrelizumab", regorafenib_start="80mg")
    assert "camrelizumab" in drugs(first) and "atezolizumab" not in drugs(first)
    assert "atezolizumab" in drugs(second) and "camrelizumab" not in drugs(second)
    assert again.to_json() == first.to_json()
    # camrelizumab 3 mg/kg × 70 kg = 210 mg; regorafenib 80 mg chosen, 160 mg (the default) for the other row
    dose = {e.drug: e.dose.amount for e in first.events if e.dose}
    assert dose["camrelizumab"] == 210 and dose["regorafenib"] == 80
    assert {e.drug: e.dose.amount for e in second.events if e.dose}["regorafenib"] == 160
    assert any("ici = atezolizumab (as chosen)" in w for w in second.warnings)
    assert not any("ici = atezolizumab" in w for w in first.warnings)
    for _ in range(2):  # a bad choice is refused every time, not only the first
        with pytest.raises(regimen.RegimenError, match="nivolumab"):
            plan("70 kg", ici="nivolumab")
