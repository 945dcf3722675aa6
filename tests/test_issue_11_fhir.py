"""Issue #11: protocols as FHIR PlanDefinitions, patient plans as dated, dosed CarePlans.

Every Bundle (every arm, a fresh plan and a recorded course, R4 and R5) parses with fhir.resources;
each code with a required binding is in the spec's value set (listed below with its page); every
reference and canonical resolves inside the Bundle; the RequestGroup's dates are the JSON plan's,
event for event; the doses are the plan's, in UCUM mg; ids are the .ics UIDs' UUIDs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date

import pytest
from conftest import COURSE_HEAD, run_cli, run_readme_block
from fhir.resources.bundle import Bundle as BundleR5
from fhir.resources.R4B.bundle import Bundle as BundleR4

import regimen
from regimen.course import parse_course, replan
from regimen.errors import InputError
from regimen.export.fhir import plan_bundle, protocol_bundle
from regimen.export.ids import calendar_id, uid_for
from regimen.loader import list_protocols, load_protocol

ARMS = [(p.id, a.id) for p in list_protocols(()) for a in p.arms]
PARSERS = {"R4": BundleR4, "R5": BundleR5}

# A course: camrelizumab #1 given at 210 mg (planned 3 mg/kg x 72 kg = 216 mg), #2 skipped,
# apatinib held 2026-12-10..2026-12-12 (3 dose-days not taken). Day 0 = cTACE on 2026-11-03.
COURSE = COURSE_HEAD.replace("start = 2026-12-01", "start = 2026-11-03") + """
[[events]]
type = "given"
activity = "camrelizumab"
date = 2026-11-10
dose = "210 mg"

[[events]]
type = "skipped"
activity = "camrelizumab"
occurrence = 2
reason = "infusion reaction"

[[events]]
type = "held"
activity = "apatinib"
from = 2026-11-20
to = 2026-11-22
reason = "grade 3 hypertension"
"""

# The value sets of the required bindings, from the spec pages named beside each: SPEC/R4/valueset-NAME.html
# and SPEC/R5/valueset-NAME.html with SPEC = https://hl7.org/fhir (R4 4.0.1, R5 5.0.0); where the two differ
# both are listed. The R5 additions to a set (bundle-type subscription-notification, care-plan-intent
# directive, ...) are left out: regimen writes none of them, and a code it wrote outside the R4 set would fail here.
REQUEST_STATUS = {"draft", "active", "on-hold", "revoked", "completed", "entered-in-error", "unknown"}  # SPEC/R4/valueset-request-status.html
REQUEST_INTENT = {"proposal", "plan", "directive", "order", "original-order", "reflex-order", "filler-order", "instance-order",
                  "option"}  # SPEC/R4/valueset-request-intent.html
RELATIONSHIP = {"before-start", "before", "before-end", "concurrent-with-start", "concurrent", "concurrent-with-end",
                "after-start", "after", "after-end"}  # SPEC/R4/valueset-action-relationship-type.html (R4; R5 keeps these)
COMMON = {
    "Bundle.type": {"document", "message", "transaction", "transaction-response", "batch", "batch-response", "history",
                    "searchset", "collection"},  # SPEC/R4/valueset-bundle-type.html
    "Bundle.entry.request.method": {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"},  # SPEC/R4/valueset-http-verb.html
    "PlanDefinition.status": {"draft", "active", "retired", "unknown"},  # SPEC/R4/valueset-publication-status.html
    "ActivityDefinition.status": {"draft", "active", "retired", "unknown"},
    "ActivityDefinition.kind": {"Appointment", "AppointmentResponse", "CarePlan", "Claim", "CommunicationRequest", "Contract",
                                "DeviceRequest", "EnrollmentRequest", "ImmunizationRecommendation", "MedicationRequest",
                                "NutritionOrder", "ServiceRequest", "SupplyRequest", "Task", "VisionPrescription"},  # SPEC/R4/valueset-request-resource-types.html
    "PlanDefinition.action.relatedAction.relationship": RELATIONSHIP,
    # SPEC/R4/valueset-action-selection-behavior.html
    "PlanDefinition.action.selectionBehavior": {"any", "all", "all-or-none", "exactly-one", "at-most-one", "one-or-more"},
    "PlanDefinition.action.condition.kind": {"applicability", "start", "stop"},  # SPEC/R4/valueset-action-condition-kind.html
    "PlanDefinition.action.timingTiming.repeat.periodUnit": {"s", "min", "h", "d", "wk", "mo", "a"},  # SPEC/R4/valueset-units-of-time.html
    "MedicationRequest.dosageInstruction.timing.repeat.durationUnit": {"s", "min", "h", "d", "wk", "mo", "a"},
    "PlanDefinition.relatedArtifact.type": {"documentation", "justification", "citation", "predecessor", "successor",
                                            "derived-from", "depends-on", "composed-of"},  # SPEC/R4/valueset-related-artifact-type.html
    "CarePlan.status": REQUEST_STATUS,
    "CarePlan.intent": {"proposal", "plan", "order", "option"},  # SPEC/R4/valueset-care-plan-intent.html
    "ServiceRequest.status": REQUEST_STATUS,
    "ServiceRequest.intent": REQUEST_INTENT,
    "MedicationRequest.intent": {"proposal", "plan", "order", "original-order", "reflex-order", "filler-order", "instance-order",
                                  "option"},  # SPEC/R4/valueset-medicationrequest-intent.html
    "MedicationAdministration.status": {"in-progress", "not-done", "on-hold", "completed", "entered-in-error", "stopped",
                                         "unknown"},  # SPEC/R4/valueset-medication-admin-status.html
}
REQUIRED = {
    "R4": {**COMMON, "RequestGroup.status": REQUEST_STATUS, "RequestGroup.intent": REQUEST_INTENT,
           "RequestGroup.action.condition.kind": {"applicability", "start", "stop"},
           # https://hl7.org/fhir/R4/valueset-medicationrequest-status.html
           "MedicationRequest.status": {"active", "on-hold", "cancelled", "completed", "entered-in-error", "stopped", "draft", "unknown"}},
    "R5": {**COMMON, "RequestOrchestration.status": REQUEST_STATUS, "RequestOrchestration.intent": REQUEST_INTENT,
           "RequestOrchestration.action.condition.kind": {"applicability", "start", "stop"},
           # https://hl7.org/fhir/R5/valueset-medicationrequest-status.html
           "MedicationRequest.status": {"active", "on-hold", "ended", "stopped", "completed", "cancelled", "entered-in-error", "draft", "unknown"}},
}


def fresh(protocol_id: str, arm: str, weight: str = "72 kg"):
    patient = regimen.Patient.from_measurements(weight, "170 cm")
    return regimen.schedule(protocol_id, arm, patient, "2026-12-01")


@pytest.fixture(scope="module")
def course_plan():
    return replan(parse_course(COURSE), today=date(2026, 12, 1))


def bundles(course_plan) -> Iterator[tuple[str, str, dict]]:
    for protocol_id, arm in ARMS:
        for version in ("R4", "R5"):
            yield f"{protocol_id}/{arm} definitions", version, protocol_bundle(load_protocol(protocol_id), arm, version)
            yield f"{protocol_id}/{arm} plan", version, plan_bundle(fresh(protocol_id, arm), version)
    for version in ("R4", "R5"):
        yield "course", version, plan_bundle(course_plan, version, patient="P-0001", calendar="c0ffee")


def coded(value, path: str) -> Iterator[tuple[str, object]]:
    """(path, value) for every leaf; list indices dropped and nested actions flattened (action.action -> action)."""
    if isinstance(value, dict):
        for key, child in value.items():
            if key == "resource" and isinstance(child, dict) and "resourceType" in child:
                yield from coded(child, child["resourceType"])
                continue
            inner = f"{path}.{key}"
            while ".action.action" in inner:
                inner = inner.replace(".action.action", ".action")
            yield from coded(child, inner)
    elif isinstance(value, list):
        for child in value:
            yield from coded(child, path)
    else:
        yield path, value


def test_every_bundle_parses_with_fhir_resources(course_plan):
    count = 0
    for name, version, bundle in bundles(course_plan):
        parsed = PARSERS[version].model_validate(bundle)
        assert len(parsed.entry) == len(bundle["entry"]), name
        count += 1
    assert count == 4 * len(ARMS) + 2


def test_every_required_binding_holds_a_code_of_its_value_set(course_plan):
    seen: dict[str, set[str]] = {"R4": set(), "R5": set()}
    for name, version, bundle in bundles(course_plan):
        for path, value in coded(bundle, "Bundle"):
            allowed = REQUIRED[version].get(path)
            if allowed is not None:
                assert value in allowed, (name, version, path, value)
                seen[version].add(path)
    for version in ("R4", "R5"):  # the check reached every binding it lists
        assert seen[version] == set(REQUIRED[version]), set(REQUIRED[version]) - seen[version]


def test_every_reference_canonical_and_related_action_resolves_inside_the_bundle(course_plan):
    for name, _, bundle in bundles(course_plan):
        full = {e["fullUrl"]: e["resource"]["resourceType"] for e in bundle["entry"]}
        assert len(full) == len(bundle["entry"]), name  # no two entries share a fullUrl
        canonicals = {f"{e['resource']['url']}|{e['resource']['version']}" for e in bundle["entry"] if "url" in e["resource"]}
        for entry in bundle["entry"]:
            for path, value in coded(entry["resource"], entry["resource"]["resourceType"]):
                if path.endswith(".reference"):
                    assert value in full, (name, path, value)
                if path.endswith(("instantiatesCanonical", "definitionCanonical")):
                    assert value in canonicals, (name, path, value)
            if entry["resource"]["resourceType"] == "PlanDefinition":
                ids = {a["id"] for a in walk_actions(entry["resource"]["action"])}
                targets = [r.get("actionId", r.get("targetId")) for a in walk_actions(entry["resource"]["action"])
                           for r in a.get("relatedAction", ())]
                assert targets and set(targets) <= ids, (name, set(targets) - ids)


def walk_actions(actions: list[dict]) -> Iterator[dict]:
    for action in actions:
        yield action
        yield from walk_actions(action.get("action", ()))


def by_key(bundle: dict) -> dict[str, dict]:
    """Each request (Medication- or ServiceRequest) by its event key."""
    found = {}
    for entry in bundle["entry"]:
        resource = entry["resource"]
        if resource["resourceType"] in ("MedicationRequest", "ServiceRequest"):
            found[resource["identifier"][0]["value"]] = resource
    return found


def dated_actions(bundle: dict, kind: str) -> list[tuple[str, str, tuple[str, str] | None]]:
    """(event key, date, window) of each RequestGroup action, in order."""
    requests = {f"urn:uuid:{e['resource']['id']}": e["resource"] for e in bundle["entry"]}
    group = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind)
    rows = []
    for action in group["action"]:
        window = (action["timingPeriod"]["start"], action["timingPeriod"]["end"]) if "timingPeriod" in action else None
        leaf = action["action"][0] if window else action
        request = requests[leaf["resource"]["reference"]]
        rows.append((request["identifier"][0]["value"], leaf["timingDateTime"], window))
    return rows


@pytest.mark.parametrize(("protocol_id", "arm"), ARMS)
def test_the_request_groups_dates_are_the_json_plans_event_for_event(protocol_id, arm):
    plan = fresh(protocol_id, arm)
    events = json.loads(plan.to_json())["events"]
    expected = [(e["key"], e["date"], (e["earliest"], e["latest"]) if e["earliest"] != e["latest"] else None) for e in events]
    assert dated_actions(plan_bundle(plan, "R4"), "RequestGroup") == expected
    assert dated_actions(plan_bundle(plan, "R5"), "RequestOrchestration") == expected


@pytest.mark.parametrize(("protocol_id", "arm"), ARMS)
def test_each_dose_is_the_plans_in_ucum_mg_with_its_derivation_as_text(protocol_id, arm):
    plan = fresh(protocol_id, arm)
    requests = by_key(plan_bundle(plan))
    for event in json.loads(plan.to_json())["events"]:
        request = requests[event["key"]]
        if event["kind"] != "drug":
            assert request["resourceType"] == "ServiceRequest" and request["occurrenceDateTime"] == event["date"]
            continue
        assert request["resourceType"] == "MedicationRequest"
        dosage = request["dosageInstruction"][0]
        assert dosage["timing"]["event"] == [event["date"]]
        assert dosage["doseAndRate"][0]["doseQuantity"] == {"value": event["dose"]["amount"], "unit": "mg",
                                                            "system": "http://unitsofmeasure.org", "code": "mg"}
        assert dosage["text"] == "; ".join(event["dose"]["derivation"])
        assert [note["text"] for note in request.get("note", ())] == event["notes"]


def test_camrelizumab_is_3_mg_per_kg_of_72_kg_on_day_7_by_body_weight():
    # 3 mg/kg x 72 kg = 216 mg; first dose 7 days after cTACE on 2026-12-01 = 2026-12-08 (window 12-04..12-15)
    bundle = plan_bundle(fresh("NCT05760430", "experimental"))
    request = by_key(bundle)["NCT05760430/experimental/camrelizumab/1"]
    dosage = request["dosageInstruction"][0]
    assert dosage["doseAndRate"][0]["doseQuantity"]["value"] == 216
    assert dosage["timing"]["event"] == ["2026-12-08"]
    assert dosage["route"]["coding"][0]["code"] == "47625008"  # SNOMED CT intravenous route
    basis = request["extension"][0]
    assert basis["url"] == "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-normalization-basis"
    assert basis["valueCodeableConcept"]["coding"][0]["code"] == "363804004"  # body weight
    rows = {key: (when, window) for key, when, window in dated_actions(bundle, "RequestGroup")}
    assert rows["NCT05760430/experimental/camrelizumab/1"] == ("2026-12-08", ("2026-12-04", "2026-12-15"))


def test_a_course_gives_administrations_for_given_held_and_skipped_doses(course_plan):
    bundle = plan_bundle(course_plan, "R4", patient="P-0001", calendar="c0ffee")
    given = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "MedicationAdministration"]
    rows = {(r["identifier"][0]["value"], r["effectiveDateTime"]): r for r in given}
    first = rows[("NCT05760430/experimental/camrelizumab/1", "2026-11-10")]
    assert first["status"] == "completed" and first["dosage"]["dose"]["value"] == 210  # given 210 mg
    request = by_key(bundle)["NCT05760430/experimental/camrelizumab/1"]
    assert request["status"] == "completed"
    assert request["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] == 216  # planned 3 mg/kg x 72 kg
    second = next(r for (key, _), r in rows.items() if key == "NCT05760430/experimental/camrelizumab/2")
    assert second["status"] == "not-done" and second["statusReason"][0]["coding"][0]["code"] == "skipped"
    held = sorted(when for (key, when), r in rows.items() if key.startswith("NCT05760430/experimental/apatinib/")
                  and r["status"] == "not-done")
    assert held == ["2026-11-20", "2026-11-21", "2026-11-22"]
    assert all(rows[(k, w)]["statusReason"][0]["coding"][0]["code"] == "held" for (k, w) in rows if w in held and "apatinib" in k)


def test_the_course_gives_its_pseudonym_calendar_and_recorded_reasons(course_plan):
    course = parse_course(COURSE)
    bundle = plan_bundle(course_plan, course=course)
    assert bundle == plan_bundle(course_plan, patient="P-0001", calendar=course.calendar or None, course=course)
    reasons = {(r["identifier"][0]["value"], r["effectiveDateTime"]): r["statusReason"][0]["text"]
               for r in (e["resource"] for e in bundle["entry"]) if r["resourceType"] == "MedicationAdministration" and "statusReason" in r}
    assert reasons[("NCT05760430/experimental/camrelizumab/2", "2026-12-01")] == (
        "Skipped: this occurrence is not given (recorded in the course): infusion reaction")
    held = [text for (key, _), text in reasons.items() if "apatinib" in key]
    assert held == ["Held: not given on this date (recorded in the course): grade 3 hypertension"] * 3
    with pytest.raises(InputError, match="Course"):
        plan_bundle(course_plan, course="P-0001.toml")


def test_the_patient_is_a_pseudonym_and_never_a_name(course_plan):
    bundle = plan_bundle(course_plan, patient="P-0001", calendar="c0ffee")
    patient = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient")
    assert set(patient) == {"resourceType", "id", "identifier"}
    assert patient["identifier"] == [{"system": "https://regimen.invalid/fhir/patient-pseudonym", "value": "P-0001"}]
    assert not [path for path, _ in coded(bundle, "Bundle") if path.endswith(".name")]
    with pytest.raises(InputError, match="pseudonym"):
        plan_bundle(course_plan, patient="Jane Doe")


def test_same_inputs_same_bytes_and_ids_are_the_ics_uids(course_plan):
    plan = fresh("NCT05233358", "haic")
    assert plan.to_fhir() == plan.to_fhir() and plan.to_fhir("R5") == plan.to_fhir("R5")
    for key, request in by_key(plan_bundle(plan)).items():
        assert uid_for(key, calendar_id(plan)) == f"{request['id']}@regimen"


def test_a_replanned_course_keeps_the_ids_of_what_it_updates(course_plan):
    before = by_key(plan_bundle(replan(parse_course(COURSE_HEAD.replace("start = 2026-12-01", "start = 2026-11-03")),
                                       today=date(2026, 12, 1)), patient="P-0001", calendar="c0ffee"))
    after = by_key(plan_bundle(course_plan, patient="P-0001", calendar="c0ffee"))
    # the given dose is the same resource, updated from active to completed
    key = "NCT05760430/experimental/camrelizumab/1"
    assert before[key]["id"] == after[key]["id"] and (before[key]["status"], after[key]["status"]) == ("active", "completed")
    assert {k: r["id"] for k, r in before.items() if k in after} == {k: r["id"] for k, r in after.items() if k in before}


def test_the_plan_definition_speaks_the_issue_elements():
    bundle = protocol_bundle(load_protocol("NCT06187961"), "conversion")
    definition = bundle["entry"][0]["resource"]
    assert definition["type"]["coding"][0]["code"] == "clinical-protocol" and definition["version"] == "1.0.0"
    artifacts = {a["label"]: a for a in definition["relatedArtifact"]}
    assert artifacts["trial-record"]["url"] == "https://clinicaltrials.gov/study/NCT06187961"
    assert artifacts["haic-cycles"]["type"] == "documentation"
    assert artifacts["haic-cycles"]["extension"][0]["valueCode"] == "PARTIAL"
    actions = {a["id"]: a for a in walk_actions(definition["action"])}
    assert actions["haic"]["timingTiming"]["repeat"] == {"count": 6, "frequency": 1, "period": 21, "periodUnit": "d"}  # q3w x6
    oxaliplatin = actions["oxaliplatin"]["relatedAction"][0]
    assert oxaliplatin["extension"][0]["valueCode"] == "each" and oxaliplatin["actionId"] == "haic"
    assert actions["leucovorin"]["relatedAction"][1] == {"actionId": "oxaliplatin", "relationship": "after-end"}
    lenvatinib = actions["lenvatinib"]  # +1d [0d..7d] after haic, 8 mg below 60 kg, 12 mg from 60 kg
    assert lenvatinib["relatedAction"][0]["offsetDuration"]["value"] == 1
    window = lenvatinib["relatedAction"][0]["extension"][0]["valueRange"]
    assert (window["low"]["value"], window["high"]["value"]) == (0, 7)
    assert lenvatinib["selectionBehavior"] == "exactly-one"
    assert [b["condition"][0]["expression"]["expression"] for b in lenvatinib["action"]] == ["%weight < 60 'kg'", "%weight >= 60 'kg'"]
    doses = {r["title"]: r["dosage"][0]["doseAndRate"][0]["doseQuantity"]["value"] for r in
             (e["resource"] for e in bundle["entry"]) if r["resourceType"] == "ActivityDefinition" and r["title"].startswith("Lenvatinib")}
    assert doses == {"Lenvatinib, below 60 kg": 8, "Lenvatinib, 60 kg or more": 12}
    assert actions["cadonilimab"]["condition"][0]["expression"]["expression"] == "%cadonilimab = '15mgkg_q3w'"
    regorafenib = protocol_bundle(load_protocol("NCT05233358"), "tace")["entry"][0]["resource"]
    cycle = {a["id"]: a for a in walk_actions(regorafenib["action"])}["regorafenib-days"]  # d1-21 q28d
    assert cycle["extension"][0]["url"] == "http://hl7.org/fhir/StructureDefinition/timing-daysOfCycle"
    assert [d["valueInteger"] for d in cycle["extension"][0]["extension"]] == list(range(1, 22))


def test_the_library_calls_and_their_refusals():
    protocol = load_protocol("NCT05760430")
    assert json.loads(protocol.to_fhir("control", version="R5"))["entry"][0]["resource"]["resourceType"] == "PlanDefinition"
    assert len([e for e in json.loads(protocol.to_fhir())["entry"] if e["resource"]["resourceType"] == "PlanDefinition"]) == 2
    with pytest.raises(InputError, match="R4 or R5"):
        fresh("NCT05760430", "control").to_fhir("R3")
    with pytest.raises(regimen.LookupFailure):
        protocol.to_fhir("nope")


def test_the_cli_writes_fhir_and_refuses_the_option_elsewhere(tmp_path):
    shown = run_cli("show", "NCT05760430", "--arm", "control", "--format", "fhir", "--fhir-version", "r5")
    assert shown.exit_code == 0 and json.loads(shown.stdout)["resourceType"] == "Bundle"
    out = tmp_path / "plan.json"
    written = run_cli("schedule", "NCT05760430", "--arm", "control", "--start", "2026-12-01", "--weight", "72 kg",
                      "--format", "fhir", "-o", out)
    assert written.exit_code == 0 and json.loads(out.read_text(encoding="utf-8"))["type"] == "transaction"
    assert "! assumption" in written.stderr  # the warnings reach the terminal, as for csv and ics
    refused = run_cli("schedule", "NCT05760430", "--arm", "control", "--start", "2026-12-01", "--weight", "72 kg",
                      "--fhir-version", "R5")
    assert refused.exit_code == 2 and refused.stderr.strip().splitlines() == [
        "Error: --fhir-version: applies to --format fhir only (this is --format table)"]


def test_the_export_imports_no_fhir_library():
    code = ("import sys, regimen; p = regimen.Patient.from_measurements('72 kg', '170 cm');"
            "plan = regimen.schedule('NCT05233358', 'haic', p, '2026-12-01'); plan.to_fhir(); plan.protocol.to_fhir();"
            "assert not [m for m in sys.modules if m.startswith(('fhir', 'icalendar'))], sorted(sys.modules)")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_readme_fhir_block_runs_as_shown(tmp_path, monkeypatch):
    assert run_readme_block("fhir", tmp_path, monkeypatch) == 4


def test_the_care_plan_runs_to_the_end_of_its_bounded_activities():
    # lenvatinib qd for 6 months from 2026-12-06 (+5d after ablation on 2026-12-01): last dose 2027-06-05,
    # past the 24-week default horizon (2027-05-17) that cuts only open-ended activities; the last
    # event is the third imaging, 194 days after ablation: 2026-12-01 + 194 d = 2027-06-13
    bundle = plan_bundle(fresh("ablation-lenvatinib-pd1", "experimental"))
    careplan = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "CarePlan")
    assert careplan["period"] == {"start": "2026-12-01", "end": "2027-06-13"}
    assert careplan["instantiatesCanonical"] == ["https://regimen.invalid/fhir/PlanDefinition/ablation-lenvatinib-pd1/experimental|1.0.0"]
    assert any("lenvatinib-six-months" in note["text"] for note in careplan["note"])  # the plan's warnings come along


def test_two_processes_with_different_hash_seeds_write_the_same_bytes():
    argv = [sys.executable, "-m", "regimen", "schedule", "NCT06187961", "--arm", "conversion", "--start", "2026-12-01",
            "--weight", "58 kg", "--height", "165 cm", "--format", "fhir", "--fhir-version", "R5"]
    outputs = [subprocess.run(argv, check=True, capture_output=True, env={**os.environ, "PYTHONHASHSEED": seed}).stdout
               for seed in ("1", "2")]
    assert outputs[0] == outputs[1] and b'"RequestOrchestration"' in outputs[0]
