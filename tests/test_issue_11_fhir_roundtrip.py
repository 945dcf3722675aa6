"""Issue #11: the PlanDefinition's timing elements alone give back the plan's dates, for every arm.

The expander below is written from the FHIR elements, not from regimen's rules: ``relatedAction``
(``after-start``/``before-start``, ``offsetDuration``, regimen's ``anchor-occurrence`` for "each" and
"the Nth"), ``timingTiming.repeat`` (``period`` days, ``count``, ``boundsDuration`` in days or calendar
months, repeats strictly before its end), ``timing-daysOfCycle`` on the child of a cycle and regimen's
``visit-months`` (visits at calendar months after the start, each counted from the start); the
applicability conditions are evaluated for the plan's choices (``%ici = 'sintilimab'``) and the
patient's weight (``%weight >= 60 'kg'``), and ``exactly-one`` picks a weight band. The record's own
words (``text/plain``) do not remove a date: such events are planned, marked conditional.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from itertools import product
from urllib.parse import unquote

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given, settings
from hypothesis import strategies as st

import regimen
from regimen.errors import InputError
from regimen.export.fhir import protocol_bundle
from regimen.loader import list_protocols

PROTOCOLS = {p.id: p for p in list_protocols(())}
ARMS = [(p.id, a.id) for p in PROTOCOLS.values() for a in p.arms]
DAYS_OF_CYCLE = "http://hl7.org/fhir/StructureDefinition/timing-daysOfCycle"
OCCURRENCE = "https://regimen.invalid/fhir/StructureDefinition/anchor-occurrence"
VISIT_MONTHS = "https://regimen.invalid/fhir/StructureDefinition/visit-months"
ATOM = re.compile(r"%(?:`(?P<quoted>[^`]+)`|(?P<name>\w+)) = '(?P<value>(?:[^'\\]|\\.)*)'")
WEIGHT = re.compile(r"%weight (?P<op>>=|<) (?P<kg>[0-9.]+) 'kg'")


def holds(condition: dict, choices: dict[str, str], weight: float) -> bool:
    expression = condition["expression"]
    if expression["language"] != "text/fhirpath":
        return True  # a finding in the record's words: the event is planned, marked conditional
    for conjunct in expression["expression"].split(" and "):
        options = conjunct.strip("()").split(" or ")
        if not any(_atom(option, choices, weight) for option in options):
            return False
    return True


def _atom(text: str, choices: dict[str, str], weight: float) -> bool:
    if found := ATOM.fullmatch(text):
        return choices.get(found["quoted"] or found["name"]) == found["value"].replace("\\'", "'")
    found = WEIGHT.fullmatch(text)
    assert found, f"not an expression this expander reads: {text}"
    kg = float(found["kg"])
    return weight >= kg if found["op"] == ">=" else weight < kg


def activity_of(action: dict) -> str | None:
    """The activity an action defines, from its (or its first descendant's) ActivityDefinition URL."""
    canonical = action.get("definitionCanonical")
    if canonical:
        path = canonical.split("|")[0].split("/ActivityDefinition/")[1].split("/")
        return unquote(path[2])
    return next((found for child in action.get("action", ()) if (found := activity_of(child))), None)


def expand(definition: dict, day0: date, horizon: date, choices: dict[str, str], weight: float,
           bounded_to_end: bool = False) -> dict[str, list[date]]:
    """Each activity's dates up to ``horizon``; with ``bounded_to_end`` (a plan made without a horizon),
    an action that ends by itself (once, a count, a bound) runs to its end, an open-ended one to ``horizon``."""
    actions = {action["id"]: action for action in definition["action"]}
    memo: dict[str, list[date]] = {}

    def applies(action: dict) -> bool:
        if not all(holds(c, choices, weight) for c in action.get("condition", ())):
            return False
        children = [c for c in action.get("action", ()) if "definitionCanonical" in c or "action" in c]
        if action.get("selectionBehavior") == "exactly-one":
            assert sum(applies(c) for c in children) == 1, action["id"]
        return all(applies(c) for c in children if action.get("selectionBehavior") != "exactly-one")

    def dates(action_id: str) -> list[date]:
        if action_id == "day0":
            return [day0]
        if action_id not in memo:
            action = actions[action_id]
            memo[action_id] = occurrences(action) if applies(action) else []
        return memo[action_id]

    def occurrences(action: dict) -> list[date]:
        timing = action.get("timingTiming", {}).get("repeat", {})
        ends_itself = not timing or "count" in timing or "boundsDuration" in timing
        until = day0 + timedelta(days=3652 * 2) if bounded_to_end and ends_itself else horizon
        start = next(r for r in action["relatedAction"] if r["relationship"] in ("after-start", "before-start"))
        offset = start["offsetDuration"]["value"] * (-1 if start["relationship"] == "before-start" else 1)
        anchor = dates(start.get("actionId") or start["targetId"])
        occurrence = next((e for e in start.get("extension", ()) if e["url"] == OCCURRENCE), {})
        if occurrence.get("valueCode") == "each":
            return [d + timedelta(days=offset) for d in anchor if d + timedelta(days=offset) <= until]
        nth = occurrence.get("valueInteger", 1)
        if len(anchor) < nth:
            return []
        return repeat(action, anchor[nth - 1] + timedelta(days=offset), until)

    def repeat(action: dict, first: date, until: date) -> list[date]:
        visits = next((e for e in action.get("extension", ()) if e["url"] == VISIT_MONTHS), None)
        if visits is not None:  # calendar months after the start, each counted from the start
            months = [part["valueInteger"] for part in visits["extension"] if part["url"] == "month"]
            return [d for m in months if (d := first + relativedelta(months=m)) <= until]
        timing = action.get("timingTiming", {}).get("repeat")
        if timing is None:
            return [first] if first <= until else []
        assert timing["periodUnit"] == "d" and timing["frequency"] == 1
        end = None
        if "boundsDuration" in timing:
            bound = timing["boundsDuration"]
            end = first + (timedelta(days=bound["value"]) if bound["code"] == "d" else relativedelta(months=bound["value"]))
        cycle = next((c for c in action.get("action", ()) for e in c.get("extension", ()) if e["url"] == DAYS_OF_CYCLE), None)
        cycle_days = [d["valueInteger"] for d in cycle["extension"][0]["extension"]] if cycle else [1]
        found, index = [], 0
        while timing.get("count") is None or index < timing["count"]:
            day1 = first + timedelta(days=index * timing["period"])
            if day1 > until or (end is not None and day1 >= end):
                break
            found += [d for n in cycle_days if (d := day1 + timedelta(days=n - 1)) <= until and (end is None or d < end)]
            index += 1
        return found

    result = {}
    for action_id, action in actions.items():
        activity = activity_of(action)
        if activity is not None:
            result[activity] = sorted(dates(action_id))
    return result


def variants(protocol_id: str, arm_id: str) -> list[dict[str, str]]:
    """No choice (the defaults), then every combination of the options of the choices the arm uses
    that regimen accepts (it refuses a choice that changes nothing, such as pd1 without regorafenib_pd1)."""
    protocol = PROTOCOLS[protocol_id]
    names = protocol.arm(arm_id).choice_ids()
    found: list[dict[str, str]] = [{}]
    for combination in product(*([o.id for o in protocol.choice(name).options] for name in names)):
        choices = dict(zip(names, combination, strict=True))
        try:
            regimen.doses(protocol, arm_id, regimen.Patient.from_measurements("72 kg", "170 cm"), choices=choices)
        except InputError:
            continue
        found.append(choices)
    return found


def check_round_trip(protocol_id: str, arm_id: str, start: str, weight: str, choices: dict[str, str], version: str,
                     horizon: str | None = None) -> int:
    patient = regimen.Patient.from_measurements(weight, "170 cm")
    plan = regimen.schedule(protocol_id, arm_id, patient, start, choices=choices, horizon=horizon)
    definition = protocol_bundle(PROTOCOLS[protocol_id], arm_id, version)["entry"][0]["resource"]
    expanded = expand(definition, plan.start, plan.horizon_end, {n: v for n, v, _ in plan.choices}, patient.weight_kg,
                      bounded_to_end=not plan.horizon_given)
    for activity in plan.arm.activities:
        assert expanded.get(activity.id, []) == plan.dates(activity.id), (protocol_id, arm_id, choices, activity.id)
    return sum(len(v) for v in expanded.values())


@pytest.mark.parametrize("version", ["R4", "R5"])
@pytest.mark.parametrize("weight", ["55 kg", "72 kg"])  # both sides of lenvatinib's 60 kg band
@pytest.mark.parametrize(("protocol_id", "arm_id"), ARMS)
def test_the_plan_definition_gives_back_every_date_of_the_plan(protocol_id, arm_id, weight, version):
    total = sum(check_round_trip(protocol_id, arm_id, "2026-12-01", weight, choices, version) for choices in variants(protocol_id, arm_id))
    assert total > 0


def test_the_expander_reads_cycles_windows_and_each_by_hand():
    # NCT05233358 TACE arm, day 0 = 2026-12-01: regorafenib d1-21 q28d from +7d after TACE, so cycle 1 is
    # 2026-12-08..2026-12-28 and cycle 2 starts 2027-01-05; imaging +35d after TACE = 2027-01-05.
    definition = protocol_bundle(PROTOCOLS["NCT05233358"], "tace")["entry"][0]["resource"]
    dates = expand(definition, date(2026, 12, 1), date(2027, 1, 31), {"ici": "sintilimab"}, 72)
    assert dates["regorafenib"][:21] == [date(2026, 12, 8) + timedelta(days=n) for n in range(21)]
    assert dates["regorafenib"][21] == date(2027, 1, 5)
    assert dates["imaging"] == [date(2027, 1, 5)]
    assert "camrelizumab" not in dates or dates["camrelizumab"] == []  # only when ici = camrelizumab


@settings(max_examples=40, deadline=None, derandomize=True)
@given(arm=st.sampled_from(ARMS), days=st.integers(-300, 300), kg=st.integers(40, 110),
       horizon=st.sampled_from([None, "8w", "30w", "2y"]), version=st.sampled_from(["R4", "R5"]))
def test_the_round_trip_holds_for_any_day0_weight_and_horizon(arm, days, kg, horizon, version):
    start = (date(2026, 12, 1) + timedelta(days=days)).isoformat()
    check_round_trip(*arm, start, f"{kg} kg", {}, version, horizon)
