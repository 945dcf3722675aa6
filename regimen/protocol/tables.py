"""Protocol files' tables -> model values: the only place that knows the files' key names.

Each table's keys and value types are checked, every problem reported to the file being read
(``TomlFile.error``) with its key path, so that a file's problems are all reported at once.
"""

from __future__ import annotations

import re
from typing import Any

from ..dosing import Product
from ..errors import InputError, did_you_mean, shown
from ..inputs import parse_measurement
from ..model import DELAY_SCOPES, GATE_SCOPES, KINDS, STATUSES, Activity, Arm, Assumption, Choice, Contraception, Drug, Option, Protocol, Reference, Washout
from ..notation import NotationError, parse_rule
from ..rules import DAY0, Rule, Start
from ..tomlfile import TomlFile as _File
from . import plausible
from .calendar import read_calendar
from .checks import cross_check
from .quantities import plausible_value, read_days, read_dose, read_lab_criterion, read_mass, read_percent, short
from .screening import read_screening

__all__ = ["build"]

_TOP = {"id": str, "title": str, "sponsor": str, "source": str, "record_date": str, "version": str,
        "record": str, "notes": list, "references": list, "assumptions": dict, "drugs": dict,
        "choices": dict, "arms": dict, "weight_change": str, "screening": dict, "calendar": dict}
_TOP_REQUIRED = ("id", "title", "sponsor", "source", "record_date", "version", "arms")
_REFERENCE = {"id": str, "citation": str, "url": str}
_ASSUMPTION = {"text": str, "source": str, "status": str, "short": str}
_DRUG = {"name": str, "form": str, "strengths": list, "source": str, "range_reason": str, "washout": dict,
         "contraception": dict, "concentration": str}
_CONCENTRATION = re.compile(r"\s*(\d{1,4}(?:\.\d{1,3})?)\s*mg\s*/\s*mL\s*")
_CONTRACEPTION = {"after": str, "source": str, "assumptions": list}
_WASHOUT = {"before": str, "after": str, "source": str, "note": str, "assumptions": list}
_CHOICE = {"label": str, "options": dict, "default": str, "assumptions": list}
_ARM = {"label": str, "type": str, "day0": str, "record": str, "activities": dict, "after_surgery": str}
_ACTIVITY = {"name": str, "kind": str, "timing": str, "drug": str, "route": str, "dose": dict, "duration": str,
             "condition": str, "when": dict, "given_after": str, "notes": list, "assumptions": list,
             "on_delay": str, "max_delay": str, "recalculate": bool, "gates": list, "gate_lookback": str,
             "gate_scope": str, "range_reason": str}
_GATE = {"lab": str, "min": str, "max": str, "below": str, "above": str}
_FORMS = ("tablet", "capsule", "vial")
SAFE_ID = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,62}[A-Za-z0-9])?")  # names a file, a key part, a URL part


def build(file: _File, data: dict[str, Any], resolved: str) -> Protocol | None:
    top = file.table(data, "", _TOP, _TOP_REQUIRED)
    references = tuple(_reference(file, item, f"references[{i}]") for i, item in enumerate(top.get("references", [])))
    assumptions = tuple(_assumption(file, key, value) for key, value in top.get("assumptions", {}).items())
    drugs = tuple(_drug(file, key, value) for key, value in top.get("drugs", {}).items())
    choices = tuple(_choice(file, key, value) for key, value in top.get("choices", {}).items())
    arms = tuple(_arm(file, key, value) for key, value in top.get("arms", {}).items())
    if "arms" in top and not arms:
        file.error("arms", "a protocol needs at least one arm")
    weight_change = read_percent(file, "weight_change", top["weight_change"], "weight_change") if "weight_change" in top else 10.0
    for key in ("id", "version"):
        if key in top:
            _safe_id(file, key, top[key], "the protocol's " + key)
    for table in ("assumptions", "drugs", "choices", "arms"):
        for key in top.get(table, {}):
            _safe_id(file, f"{table}.{key}", key, f"a key of [{table}]")
    protocol = Protocol(
        id=top.get("id", ""), title=top.get("title", ""), sponsor=top.get("sponsor", ""), source=top.get("source", ""),
        record_date=top.get("record_date", ""), version=top.get("version", ""), arms=tuple(a for a in arms if a),
        references=tuple(r for r in references if r), assumptions=tuple(a for a in assumptions if a),
        choices=tuple(c for c in choices if c), drugs=tuple(d for d in drugs if d),
        notes=_texts(file, "notes", top.get("notes", [])), path=resolved, weight_change=weight_change or 10.0,
        screening=read_screening(file, top["screening"]) if "screening" in top else None,
        calendar=read_calendar(file, top["calendar"]) if "calendar" in top else None,
    )
    cross_check(file, protocol)
    return _with_excused(file, protocol)


def _safe_id(file: _File, path: str, value: str, what: str) -> None:
    if not SAFE_ID.fullmatch(value) or ".." in value:
        file.error(path, f"{what} {shown(value)} must be 1 to 64 letters, digits, '.', '_' or '-', starting and ending "
                         "with a letter or digit, so that it can name a file")


def _texts(file: _File, path: str, items: list[Any]) -> tuple[str, ...]:
    """A list of text values (notes): every item must be a string."""
    for i, item in enumerate(items):
        if not isinstance(item, str):
            file.error(f"{path}[{i}]", f"expected a string, got {shown(item)}")
    return tuple(item for item in items if isinstance(item, str))


def _with_excused(file: _File, protocol: Protocol) -> Protocol:
    """Each value kept outside its usual range by a ``range_reason`` becomes an assumption of the
    activities it affects, so that every plan using it warns (through the assumption warnings)."""
    if not file.excused:
        return protocol
    added, arms = [], []
    for path, message in file.excused:
        added.append(Assumption(f"range:{path}", message, "the protocol file's range_reason", "UNVERIFIED"))
    for arm in protocol.arms:
        activities = []
        for activity in arm.activities:
            mine = f"arms.{arm.id}.activities.{activity.id}."
            drug = f"drugs.{activity.drug}." if activity.drug else None
            extra = tuple(a.id for a, (path, _) in zip(added, file.excused, strict=True)
                          if path.startswith(mine) or (drug and path.startswith(drug)))
            activities.append(activity._replace(assumptions=activity.assumptions + extra) if extra else activity)
        arms.append(arm._replace(activities=tuple(activities)))
    return protocol._replace(arms=tuple(arms), assumptions=protocol.assumptions + tuple(added))


def _reference(file: _File, data: Any, path: str) -> Reference | None:
    good = file.table(data, path, _REFERENCE, ("id", "citation"))
    return Reference(good["id"], good["citation"], good.get("url", "")) if {"id", "citation"} <= good.keys() else None


def _assumption(file: _File, key: str, data: Any) -> Assumption | None:
    path = f"assumptions.{key}"
    good = file.table(data, path, _ASSUMPTION, ("text", "source", "status"))
    status = good.get("status")
    if status is not None and status not in STATUSES:
        file.error(f"{path}.status", f"expected one of {', '.join(STATUSES)}, got {shown(status)}")
        return None
    short = good.pop("short", "")
    if short and (len(short) > SHORT_LIMIT or not short.isprintable() or short != short.strip()):
        file.error(f"{path}.short", f"expected one line of at most {SHORT_LIMIT} characters (the warning's one-line form), "
                                    f"got {shown(short)}")
        short = ""  # reported; the assumption itself stands, so nothing else is reported for it
    return Assumption(key, good["text"], good["source"], status, short) if len(good) == 3 else None


SHORT_LIMIT = 60  # an assumption's one-line form: "! assumption ID [STATUS]: SHORT" within 100 columns


def _drug(file: _File, key: str, data: Any) -> Drug | None:
    path = f"drugs.{key}"
    good = file.table(data, path, _DRUG, ("name",))
    product = None
    if "form" in good or "strengths" in good:
        form = good.get("form", "")
        if form not in _FORMS:
            file.error(f"{path}.form", f"expected one of {', '.join(_FORMS)}, got {shown(form)}")
        reason = good.get("range_reason")
        strengths = [plausible_value(file, f"{path}.strengths[{i}]", "strength", read_mass(file, f"{path}.strengths[{i}]", s), reason)
                     for i, s in enumerate(good.get("strengths", []))]
        if not strengths:
            file.error(f"{path}.strengths", 'expected a list of strengths like ["40 mg"]')
        concentration = _concentration(file, path, good, form)
        if form in _FORMS and strengths and None not in strengths:
            product = Product(form, tuple(sorted(strengths, reverse=True)), good.get("source", ""),  # type: ignore[arg-type]
                              concentration)
    washout = _washout(file, f"{path}.washout", good["washout"]) if "washout" in good else None
    contraception = _contraception(file, f"{path}.contraception", good["contraception"]) if "contraception" in good else None
    return Drug(key, good["name"], product, washout, contraception) if "name" in good else None


def _concentration(file: _File, path: str, good: dict[str, Any], form: str) -> float | None:
    """``concentration = "50 mg/mL"``: a vial of solution, prepared as a volume (5-FU)."""
    if "concentration" not in good:
        return None
    match = _CONCENTRATION.fullmatch(str(good["concentration"]))
    if not match or not 0 < float(match[1]) <= 1000:
        file.error(f"{path}.concentration", f'expected a concentration like "50 mg/mL" (above 0, at most 1000), got {shown(good["concentration"])}')
        return None
    if form != "vial":
        file.error(f"{path}.concentration", f"a concentration applies to a vial of solution, not a {shown(form)}")
        return None
    return float(match[1])


def _contraception(file: _File, path: str, data: Any) -> Contraception | None:
    """``contraception = { after = "6mo" | "90d", source = "the record's words", assumptions = [...] }``."""
    good = file.table(data, path, _CONTRACEPTION, ("after", "source"))
    match = re.fullmatch(r"\s*(\d{1,3})\s*(mo|d|w)\s*", good.get("after", ""))
    if "after" in good and not match:
        file.error(f"{path}.after", f'expected a period like "6mo", "90d" or "12w", got {shown(good["after"])}')
    if not match or "source" not in good:
        return None
    count = int(match[1])
    months, days = (count, 0) if match[2] == "mo" else (0, count * (7 if match[2] == "w" else 1))
    if (months or days) < 1:
        file.error(f"{path}.after", "a contraception period lasts at least 1 day")
        return None
    return Contraception(months, days, good["source"], _texts(file, f"{path}.assumptions", good.get("assumptions", [])))


def _washout(file: _File, path: str, data: Any) -> Washout | None:
    """``washout = { before = "28d", after = "28d", source = "...", note = "...", assumptions = [...] }``."""
    good = file.table(data, path, _WASHOUT, ("before", "after", "source"))
    days = {key: read_days(file, f"{path}.{key}", good[key], "28d") for key in ("before", "after") if key in good}
    if None in days.values() or len(days) < 2 or "source" not in good:
        return None
    return Washout(days["before"], days["after"], good["source"], good.get("note", ""),
                   _texts(file, f"{path}.assumptions", good.get("assumptions", [])))


def _choice(file: _File, key: str, data: Any) -> Choice | None:
    path = f"choices.{key}"
    good = file.table(data, path, _CHOICE, ("label", "options", "default"))
    for option_id, label in good.get("options", {}).items():
        if not isinstance(label, str):
            file.error(f"{path}.options.{option_id}", f"expected the option's label, a string, got {shown(label)}")
    options = tuple(Option(k, v) for k, v in good.get("options", {}).items() if isinstance(v, str))
    if "options" in good and not options:
        file.error(f"{path}.options", "a choice needs at least one option")
    default = good.get("default")
    if default is not None and options and default not in {o.id for o in options}:
        file.error(f"{path}.default", f"{shown(default)} is not one of the options{did_you_mean(default, [o.id for o in options])}: {', '.join(o.id for o in options)}")
    if not {"label", "options", "default"} <= good.keys():
        return None
    return Choice(key, good["label"], options, default, _texts(file, f"{path}.assumptions", good.get("assumptions", [])))


def _arm(file: _File, key: str, data: Any) -> Arm | None:
    path = f"arms.{key}"
    good = file.table(data, path, _ARM, ("label", "type", "day0", "activities"))
    activities = []
    for order, (activity_id, value) in enumerate(good.get("activities", {}).items()):
        activities.append(_activity(file, f"{path}.activities.{activity_id}", activity_id, value, order))
    if "activities" in good and not good["activities"]:
        file.error(f"{path}.activities", "an arm needs at least one activity")
    if not {"label", "type", "day0"} <= good.keys():
        return None
    after = good.get("after_surgery", "restart")
    if after not in ("restart", "stop"):
        file.error(f"{path}.after_surgery", f"expected restart (each drug after its washout) or stop (treatment ends with "
                                            f"resection), got {shown(after)}")
    return Arm(key, good["label"], good["type"], tuple(activities), good["day0"], good.get("record", ""), after)


def _activity(file: _File, path: str, activity_id: str, data: Any, order: int) -> Activity:
    good = file.table(data, path, _ACTIVITY, ("name", "kind", "timing"))
    if not re.fullmatch(r"[a-z][a-z0-9_]*", activity_id) or activity_id == DAY0:
        file.error(path, f"activity id {shown(activity_id)} must be lower case letters, digits and _, starting with a letter, and not day0")
    kind = good.get("kind")
    if kind is not None and kind not in KINDS:
        file.error(f"{path}.kind", f"expected one of {', '.join(KINDS)}, got {shown(kind)}")
    rule = None
    if "timing" in good and short(file, f"{path}.timing", good["timing"], 'timing like "q3w x6 from +0d after day0"'):
        try:
            rule = parse_rule(good["timing"])
        except NotationError as exc:
            file.error(f"{path}.timing", str(exc))
    for problem in plausible.rule_findings(rule) if rule else ():  # the file is refused; the rule is kept for the cross-checks
        file.error(f"{path}.timing", problem)
    dose = read_dose(file, f"{path}.dose", good["dose"]) if "dose" in good else None
    if dose is not None and rule is not None and rule.pattern is not None and plausible.daily_share(rule.pattern) > 1 / 7:
        _check_daily(file, f"{path}.dose", dose, good["dose"].get("range_reason"))
    if "dose" in good and kind != "drug":
        file.error(f"{path}.dose", f"only a drug has a dose; this activity is a {kind}")
    if kind == "drug" and "drug" not in good:
        file.error(path, "a drug activity needs drug = \"<id from [drugs]>\"")
    duration = None
    if "duration" in good and short(file, f"{path}.duration", good["duration"], 'a duration like "46 h"'):
        try:
            duration = parse_measurement(good["duration"], "duration", "duration").value
        except InputError as exc:
            file.error(f"{path}.duration", exc.detail)
        duration = plausible_value(file, f"{path}.duration", "duration", duration, good.get("range_reason"))
    when = []
    for name, values in good.get("when", {}).items():
        values = values if isinstance(values, list) else [values]
        if not values or not all(isinstance(v, str) for v in values):
            file.error(f"{path}.when.{name}", f"expected an option id or a list of them, got {shown(values)}")
        when.append((name, tuple(v for v in values if isinstance(v, str))))
    on_delay = good.get("on_delay")
    if on_delay is not None and on_delay not in DELAY_SCOPES:
        file.error(f"{path}.on_delay", f"expected one of {', '.join(DELAY_SCOPES)}, got {shown(on_delay)}")
    max_delay = read_days(file, f"{path}.max_delay", good["max_delay"], "30d") if "max_delay" in good else None
    gates = tuple(g for i, item in enumerate(good.get("gates", [])) if (g := _gate(file, f"{path}.gates[{i}]", item)))
    lookback = read_days(file, f"{path}.gate_lookback", good["gate_lookback"], "7d") if "gate_lookback" in good else None
    if gates and "gate_lookback" not in good:
        file.error(f"{path}.gates", 'gates need gate_lookback, the days before the event in which a lab result counts, like "7d"')
    gate_scope = good.get("gate_scope", "each")
    if gate_scope not in GATE_SCOPES:
        file.error(f"{path}.gate_scope", f"expected one of {', '.join(GATE_SCOPES)} (which occurrences the gates apply to), got {shown(gate_scope)}")
    # An activity with errors is still returned (with a placeholder rule) so that the cross-checks
    # report its other problems too; the file as a whole is rejected anyway.
    return Activity(
        id=activity_id, name=good.get("name", activity_id), kind=str(kind), rule=rule or Rule(Start()), order=order,
        drug=good.get("drug"),
        route=good.get("route"), dose=dose, duration_hours=duration, condition=good.get("condition"), when=tuple(when),
        given_after=good.get("given_after"), notes=_texts(file, f"{path}.notes", good.get("notes", [])),
        assumptions=_texts(file, f"{path}.assumptions", good.get("assumptions", [])), on_delay=on_delay, max_delay=max_delay,
        recalculate=good.get("recalculate", True), gates=gates, gate_lookback=lookback or 0, gate_scope=gate_scope,
    )


def _check_daily(file: _File, path: str, dose, reason: str | None) -> None:
    """A home dose (given on more days than one a week) in mg must be a plausible amount for one day:
    the flat dose, or each level."""
    levels = [*dose.levels, *(level for band in dose.bands for level in band.levels)]
    amounts = [dose.amount] if dose.basis == "flat" else [level.amount for level in levels]
    for amount in dict.fromkeys(amounts):
        plausible_value(file, path, "per_day", amount, reason)


def _gate(file: _File, path: str, data: Any):
    good = file.table(data, path, _GATE, ("lab",))
    return read_lab_criterion(file, path, good, "a gate needs")

