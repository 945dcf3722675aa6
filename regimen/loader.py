"""Protocol files (TOML) -> Protocol values; the only module that knows the files' key names.

Validation collects every problem in a file before raising, each located by file, key path and
line: unknown keys (with a "did you mean"), missing keys, bad quantities and timing, anchors to
activities that do not exist, anchor cycles, and references to undeclared drugs, choices and
assumptions. See README "Writing a protocol file" for the format.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from .dosing import Band, DoseSpec, Level, Product, RoundToStep, RoundToStrengths
from .errors import InputError, LookupFailure, ProtocolError, ProtocolErrors, did_you_mean
from .model import DELAY_SCOPES, KINDS, STATUSES, Activity, Arm, Assumption, Choice, Drug, Option, Protocol, Reference
from .notation import NotationError, parse_pattern, parse_rule
from .patient import BSA_METHODS
from .rules import DAY0, Rule, Start
from .tomlfile import TOML_LIMIT, read_text_file, read_toml
from .tomlfile import TomlFile as _File
from .units import parse_measurement, parse_per

__all__ = ["ENV_VAR", "list_protocols", "load_file", "load_protocol", "protocol_dirs", "validate_files"]

ENV_VAR = "REGIMEN_PROTOCOLS"

_TOP = {"id": str, "title": str, "sponsor": str, "source": str, "record_date": str, "version": str,
        "record": str, "notes": list, "references": list, "assumptions": dict, "drugs": dict,
        "choices": dict, "arms": dict, "weight_change": str}
_TOP_REQUIRED = ("id", "title", "sponsor", "source", "record_date", "version", "arms")
_REFERENCE = {"id": str, "citation": str, "url": str}
_ASSUMPTION = {"text": str, "source": str, "status": str}
_DRUG = {"name": str, "form": str, "strengths": list, "source": str}
_CHOICE = {"label": str, "options": dict, "default": str, "assumptions": list}
_ARM = {"label": str, "type": str, "day0": str, "record": str, "activities": dict}
_ACTIVITY = {"name": str, "kind": str, "timing": str, "drug": str, "route": str, "dose": dict, "duration": str,
             "condition": str, "when": dict, "given_after": str, "notes": list, "assumptions": list,
             "on_delay": str, "max_delay": str, "recalculate": bool, "gates": list, "gate_lookback": str}
_GATE = {"lab": str, "min": str, "max": str, "below": str, "above": str}
_DOSE = {"flat": str, "per_kg": str, "per_m2": str, "levels": list, "by_weight": list, "max": str,
         "rounding": dict, "bsa": str, "choice": str}
_BASES = ("flat", "per_kg", "per_m2", "levels", "by_weight")
_BAND = {"from": str, "below": str, "levels": list}
_ROUNDING = {"step": str, "strengths": bool, "tolerance": str}
_FORMS = ("tablet", "capsule", "vial")


def load_file(path: str | Path) -> Protocol:
    """Read and validate one protocol file; raises ProtocolErrors listing every problem."""
    path = Path(path)
    try:
        stat = path.stat()
    except OSError as exc:
        raise ProtocolError(f"cannot read the file: {exc.strerror}", file=str(path)) from None
    return _load_cached(str(path.resolve()), stat.st_mtime_ns, _display_name(path))


@lru_cache(maxsize=64)
def _load_cached(resolved: str, mtime_ns: int, name: str) -> Protocol:
    try:
        text = read_text_file(resolved, "protocol file", TOML_LIMIT)
    except InputError as exc:
        raise ProtocolError(exc.detail, file=name) from None
    data = read_toml(text, name)
    file = _File(name, text)
    protocol = _protocol(file, data, resolved)
    if file.errors:
        raise ProtocolErrors(sorted(file.errors, key=lambda e: (e.line is None, e.line or 0)))
    assert protocol is not None
    return protocol


def _display_name(path: Path) -> str:
    packaged = protocol_dirs()[-1]
    try:
        path.resolve().relative_to(packaged.resolve())
        return path.name
    except ValueError:
        return str(path)


def _protocol(file: _File, data: dict[str, Any], resolved: str) -> Protocol | None:
    top = file.table(data, "", _TOP, _TOP_REQUIRED)
    references = tuple(_reference(file, item, f"references[{i}]") for i, item in enumerate(top.get("references", [])))
    assumptions = tuple(_assumption(file, key, value) for key, value in top.get("assumptions", {}).items())
    drugs = tuple(_drug(file, key, value) for key, value in top.get("drugs", {}).items())
    choices = tuple(_choice(file, key, value) for key, value in top.get("choices", {}).items())
    arms = tuple(_arm(file, key, value) for key, value in top.get("arms", {}).items())
    if "arms" in top and not arms:
        file.error("arms", "a protocol needs at least one arm")
    weight_change = _percent(file, "weight_change", top["weight_change"]) if "weight_change" in top else 10.0
    protocol = Protocol(
        id=top.get("id", ""), title=top.get("title", ""), sponsor=top.get("sponsor", ""), source=top.get("source", ""),
        record_date=top.get("record_date", ""), version=top.get("version", ""), arms=tuple(a for a in arms if a),
        references=tuple(r for r in references if r), assumptions=tuple(a for a in assumptions if a),
        choices=tuple(c for c in choices if c), drugs=tuple(d for d in drugs if d),
        notes=tuple(str(n) for n in top.get("notes", [])), path=resolved, weight_change=weight_change,
    )
    _cross_check(file, protocol)
    return protocol


def _reference(file: _File, data: Any, path: str) -> Reference | None:
    good = file.table(data, path, _REFERENCE, ("id", "citation"))
    return Reference(good["id"], good["citation"], good.get("url", "")) if {"id", "citation"} <= good.keys() else None


def _assumption(file: _File, key: str, data: Any) -> Assumption | None:
    path = f"assumptions.{key}"
    good = file.table(data, path, _ASSUMPTION, ("text", "source", "status"))
    status = good.get("status")
    if status is not None and status not in STATUSES:
        file.error(f"{path}.status", f"expected one of {', '.join(STATUSES)}, got {status!r}")
        return None
    return Assumption(key, good["text"], good["source"], status) if len(good) == 3 else None


def _drug(file: _File, key: str, data: Any) -> Drug | None:
    path = f"drugs.{key}"
    good = file.table(data, path, _DRUG, ("name",))
    product = None
    if "form" in good or "strengths" in good:
        form = good.get("form", "")
        if form not in _FORMS:
            file.error(f"{path}.form", f"expected one of {', '.join(_FORMS)}, got {form!r}")
        strengths = [_mass(file, f"{path}.strengths", s) for s in good.get("strengths", [])]
        if not strengths:
            file.error(f"{path}.strengths", 'expected a list of strengths like ["40 mg"]')
        if form in _FORMS and strengths and None not in strengths:
            product = Product(form, tuple(sorted(strengths, reverse=True)), good.get("source", ""))  # type: ignore[arg-type]
    return Drug(key, good["name"], product) if "name" in good else None


def _choice(file: _File, key: str, data: Any) -> Choice | None:
    path = f"choices.{key}"
    good = file.table(data, path, _CHOICE, ("label", "options", "default"))
    options = tuple(Option(k, str(v)) for k, v in good.get("options", {}).items())
    if "options" in good and not options:
        file.error(f"{path}.options", "a choice needs at least one option")
    default = good.get("default")
    if default is not None and options and default not in {o.id for o in options}:
        file.error(f"{path}.default", f"{default!r} is not one of the options{did_you_mean(default, [o.id for o in options])}: {', '.join(o.id for o in options)}")
    if len(good) < 3:
        return None
    return Choice(key, good["label"], options, default, tuple(map(str, good.get("assumptions", []))))


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
    return Arm(key, good["label"], good["type"], tuple(activities), good["day0"], good.get("record", ""))


def _activity(file: _File, path: str, activity_id: str, data: Any, order: int) -> Activity:
    good = file.table(data, path, _ACTIVITY, ("name", "kind", "timing"))
    if not re.fullmatch(r"[a-z][a-z0-9_]*", activity_id) or activity_id == DAY0:
        file.error(path, f"activity id {activity_id!r} must be lower case letters, digits and _, starting with a letter, and not day0")
    kind = good.get("kind")
    if kind is not None and kind not in KINDS:
        file.error(f"{path}.kind", f"expected one of {', '.join(KINDS)}, got {kind!r}")
    rule = None
    if "timing" in good:
        try:
            rule = parse_rule(good["timing"])
        except NotationError as exc:
            file.error(f"{path}.timing", str(exc))
    dose = _dose(file, f"{path}.dose", good["dose"]) if "dose" in good else None
    if "dose" in good and kind != "drug":
        file.error(f"{path}.dose", f"only a drug has a dose; this activity is a {kind}")
    if kind == "drug" and "drug" not in good:
        file.error(path, "a drug activity needs drug = \"<id from [drugs]>\"")
    duration = None
    if "duration" in good:
        try:
            duration = parse_measurement(good["duration"], "duration", "duration").value
        except InputError as exc:
            file.error(f"{path}.duration", exc.detail)
    when = tuple((name, tuple(v) if isinstance(v, list) else (str(v),)) for name, v in good.get("when", {}).items())
    on_delay = good.get("on_delay")
    if on_delay is not None and on_delay not in DELAY_SCOPES:
        file.error(f"{path}.on_delay", f"expected one of {', '.join(DELAY_SCOPES)}, got {on_delay!r}")
    max_delay = _days(file, f"{path}.max_delay", good["max_delay"], "30d") if "max_delay" in good else None
    gates = tuple(g for i, item in enumerate(good.get("gates", [])) if (g := _gate(file, f"{path}.gates[{i}]", item)))
    lookback = _days(file, f"{path}.gate_lookback", good["gate_lookback"], "7d") if "gate_lookback" in good else None
    if gates and "gate_lookback" not in good:
        file.error(f"{path}.gates", 'gates need gate_lookback, the days before the event in which a lab result counts, like "7d"')
    # An activity with errors is still returned (with a placeholder rule) so that the cross-checks
    # report its other problems too; the file as a whole is rejected anyway.
    return Activity(
        id=activity_id, name=good.get("name", activity_id), kind=str(kind), rule=rule or Rule(Start()), order=order,
        drug=good.get("drug"),
        route=good.get("route"), dose=dose, duration_hours=duration, condition=good.get("condition"), when=when,
        given_after=good.get("given_after"), notes=tuple(map(str, good.get("notes", []))),
        assumptions=tuple(map(str, good.get("assumptions", []))), on_delay=on_delay, max_delay=max_delay,
        recalculate=good.get("recalculate", True), gates=gates, gate_lookback=lookback or 0,
    )


def _gate(file: _File, path: str, data: Any):
    from .labs import ANALYTES, parse_criterion

    good = file.table(data, path, _GATE, ("lab",))
    ops = [op for op in ("min", "max", "below", "above") if op in good]
    if len(ops) != 1:
        file.error(path, f"a gate needs exactly one of min, max, below, above; got {', '.join(ops) or 'none'}")
        return None
    lab = good.get("lab", "")
    if lab not in ANALYTES:
        file.error(f"{path}.lab", f"unknown lab {lab!r}{did_you_mean(lab, ANALYTES)}; known: {', '.join(ANALYTES)}")
        return None
    try:
        return parse_criterion(lab, ops[0], good[ops[0]], f"{path}.{ops[0]}")
    except InputError as exc:
        file.error(f"{path}.{ops[0]}", exc.detail)
        return None


def _dose(file: _File, path: str, data: Any) -> DoseSpec | None:
    good = file.table(data, path, _DOSE)
    bases = [b for b in _BASES if b in good]
    if len(bases) != 1:
        file.error(path, f"declare exactly one dose basis ({', '.join(_BASES)}), got {', '.join(bases) or 'none'}")
        return None
    basis = bases[0]
    where = f"{path}.{basis}"
    extras: dict[str, Any] = {}
    if "max" in good:
        extras["max"] = _mass(file, f"{path}.max", good["max"])
    if "rounding" in good:
        extras["rounding"] = _rounding(file, f"{path}.rounding", good["rounding"])
    if "bsa" in good and basis != "per_m2":
        file.error(f"{path}.bsa", "a BSA method only applies to a per_m2 dose")
    if "choice" in good and basis != "levels":
        file.error(f"{path}.choice", "a choice of starting level only applies to a levels dose")
    try:
        if basis == "flat":
            amount = _mass(file, where, good[basis])
            return DoseSpec.flat(amount, **extras) if amount is not None else None
        if basis == "per_kg":
            return DoseSpec.per_kg(parse_per(good[basis], "kg", where), **extras)
        if basis == "per_m2":
            method = good.get("bsa")
            if method is not None and method not in BSA_METHODS:
                file.error(f"{path}.bsa", f"unknown BSA method {method!r}{did_you_mean(method, BSA_METHODS)}; accepted: {', '.join(BSA_METHODS)}")
            return DoseSpec.per_m2(parse_per(good[basis], "m2", where), method, **extras)
    except InputError as exc:
        file.error(where, exc.detail)
        return None
    if basis == "levels":
        levels = _levels(file, where, good[basis])
        return DoseSpec.ladder(levels, good.get("choice"), **extras) if levels else None
    bands = _bands(file, where, good[basis])
    return DoseSpec.by_weight(bands, **extras) if bands else None


def _levels(file: _File, path: str, items: list[Any]) -> tuple[Level, ...]:
    levels = []
    for i, item in enumerate(items):
        match = re.fullmatch(r"\s*([-+\d.]+\s*[a-zA-Zµμ]+)\s*(.*?)\s*", str(item))
        if not match:
            file.error(f"{path}[{i}]", f'expected a dose level like "8 mg" or "4 mg qod", got {item!r}')
            continue
        amount = _mass(file, f"{path}[{i}]", match[1])
        pattern = None
        if match[2]:
            try:
                pattern = parse_pattern(match[2])
            except NotationError as exc:
                file.error(f"{path}[{i}]", str(exc))
                continue
        if amount is not None:
            levels.append(Level(amount, pattern))
    if not items:
        file.error(path, 'expected at least one dose level, like ["160 mg", "120 mg", "80 mg"]')
    return tuple(levels) if len(levels) == len(items) else ()


def _bands(file: _File, path: str, items: list[Any]) -> tuple[Band, ...]:
    bands = []
    for i, item in enumerate(items):
        where = f"{path}[{i}]"
        good = file.table(item, where, _BAND, ("levels",))
        lower = _weight(file, f"{where}.from", good["from"]) if "from" in good else None
        upper = _weight(file, f"{where}.below", good["below"]) if "below" in good else None
        levels = _levels(file, f"{where}.levels", good.get("levels", []))
        bands.append(Band(lower, upper, levels))
    if len(bands) < 2:
        file.error(path, "weight bands need at least two bands, from the lightest: [{below = \"60 kg\", ...}, {from = \"60 kg\", ...}]")
        return ()
    problems = []
    if bands[0].lower is not None:
        problems.append("the first band must have no 'from' (it covers every lighter weight)")
    if bands[-1].upper is not None:
        problems.append("the last band must have no 'below' (it covers every heavier weight)")
    for i, (left, right) in enumerate(itertools.pairwise(bands)):
        if left.upper is None or right.lower is None or left.upper != right.lower:
            problems.append(f"band {i + 1} must end ('below') where band {i + 2} starts ('from'), so no weight falls between or in both")
    for problem in problems:
        file.error(path, problem)
    return () if problems or any(not b.levels for b in bands) else tuple(bands)


def _rounding(file: _File, path: str, data: Any) -> RoundToStep | RoundToStrengths | None:
    good = file.table(data, path, _ROUNDING)
    if "step" in good and "strengths" not in good:
        step = _mass(file, f"{path}.step", good["step"])
        return RoundToStep(step) if step else None
    if good.get("strengths") is True and "step" not in good:
        tolerance = _percent(file, f"{path}.tolerance", good.get("tolerance", ""))
        return None if tolerance is None else RoundToStrengths(tolerance)
    file.error(path, 'expected rounding = { step = "5 mg" } or { strengths = true, tolerance = "10%" }')
    return None


def _days(file: _File, path: str, text: str, example: str) -> int | None:
    """A number of days or weeks ("30d", "2w") in days."""
    match = re.fullmatch(r"\s*(\d+)\s*([dw])\s*", text)
    if match:
        return int(match[1]) * (7 if match[2] == "w" else 1)
    file.error(path, f'expected a number of days or weeks like "{example}", got {text!r}')
    return None


def _percent(file: _File, path: str, text: str) -> float | None:
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*%\s*", text)
    if match:
        return float(match[1])
    file.error(path, f'expected a percentage like "10%", got {text!r}')
    return None


def _mass(file: _File, path: str, text: Any) -> float | None:
    return _measure(file, path, text, "mass")


def _weight(file: _File, path: str, text: Any) -> float | None:
    return _measure(file, path, text, "weight")


def _measure(file: _File, path: str, text: Any, kind: str) -> float | None:
    try:
        return parse_measurement(str(text), kind, path).value
    except InputError as exc:
        file.error(path, exc.detail)
        return None


def _cross_check(file: _File, protocol: Protocol) -> None:
    assumptions = {a.id for a in protocol.assumptions}
    used: set[str] = set()
    drugs = {d.id for d in protocol.drugs}
    choices = {c.id: c for c in protocol.choices}

    def check_assumptions(path: str, ids: Iterable[str]) -> None:
        for assumption in ids:
            used.add(assumption)
            if assumption not in assumptions:
                file.error(path, f"unknown assumption {assumption!r}{did_you_mean(assumption, assumptions)}; declare it under [assumptions.{assumption}]")

    for choice in protocol.choices:
        check_assumptions(f"choices.{choice.id}.assumptions", choice.assumptions)
    for arm in protocol.arms:
        ids = [a.id for a in arm.activities]
        for activity in arm.activities:
            path = f"arms.{arm.id}.activities.{activity.id}"
            anchor = activity.anchor
            if anchor != DAY0 and anchor not in ids:
                file.error(f"{path}.timing", f"anchored to {anchor!r}, which is not an activity of arm {arm.id}{did_you_mean(anchor, ids)}; known: {', '.join(ids)}")
            if activity.given_after and activity.given_after not in ids:
                file.error(f"{path}.given_after", f"unknown activity {activity.given_after!r}{did_you_mean(activity.given_after, ids)}")
            if activity.drug and activity.drug not in drugs:
                file.error(f"{path}.drug", f"unknown drug {activity.drug!r}{did_you_mean(activity.drug, drugs)}; declare it under [drugs.{activity.drug}]")
            check_assumptions(f"{path}.assumptions", activity.assumptions)
            for name, values in activity.when:
                _check_choice_values(file, f"{path}.when.{name}", choices, name, values)
            ladder_choice = activity.dose.choice if activity.dose else None
            if ladder_choice:
                _check_ladder_choice(file, f"{path}.dose.choice", choices, ladder_choice, activity.dose)  # type: ignore[arg-type]
        _check_cycles(file, arm)
    for unused in sorted(assumptions - used):
        file.error(f"assumptions.{unused}", "declared but never used; reference it from the activity or choice it applies to, or remove it")


def _check_choice_values(file: _File, path: str, choices: Mapping[str, Choice], name: str, values: tuple[str, ...]) -> None:
    if name not in choices:
        file.error(path, f"unknown choice {name!r}{did_you_mean(name, choices)}; declare it under [choices.{name}]")
        return
    options = [o.id for o in choices[name].options]
    for value in values:
        if value not in options:
            file.error(path, f"{value!r} is not an option of choice {name}{did_you_mean(value, options)}: {', '.join(options)}")


def _check_ladder_choice(file: _File, path: str, choices: Mapping[str, Choice], name: str, ladder: DoseSpec) -> None:
    if name not in choices:
        file.error(path, f"unknown choice {name!r}{did_you_mean(name, choices)}; declare it under [choices.{name}]")
        return
    for option in choices[name].options:
        if ladder.index_of(option.id) is None:
            file.error(f"choices.{name}.options.{option.id}", f"option {option.id!r} is not one of the dose levels {ladder.describe()}")


def _check_cycles(file: _File, arm: Arm) -> None:
    edges = {a.id: a.anchor for a in arm.activities if a.anchor != DAY0}
    reported: set[str] = set()
    for start in edges:
        seen, node = [start], edges.get(start)
        while node is not None and node not in seen:
            seen.append(node)
            node = edges.get(node)
        if node is not None and node not in reported:
            loop = [*seen[seen.index(node):], node]
            reported.update(loop)
            file.error(f"arms.{arm.id}.activities.{node}.timing", f"anchors form a cycle: {' -> '.join(loop)}")


# ---- finding protocols -------------------------------------------------------------------------

def protocol_dirs(extra: Iterable[str | Path] = ()) -> list[Path]:
    """Where protocols are looked for: ``extra``, then $REGIMEN_PROTOCOLS, then the shipped ones."""
    dirs = [Path(d) for d in extra]
    dirs += [Path(d) for d in os.environ.get(ENV_VAR, "").split(os.pathsep) if d]
    here = Path(__file__).resolve().parent
    shipped = here / "protocols"  # inside an installed wheel
    dirs.append(shipped if shipped.is_dir() else here.parent / "protocols")
    return dirs


def _files(dirs: Iterable[Path]) -> list[Path]:
    files = []
    for folder in dirs:
        if not folder.is_dir():
            raise InputError("--protocols", f"{str(folder)!r} is not a folder of protocol files")
        files.extend(sorted(folder.glob("*.toml")))
    return files


def list_protocols(extra: Iterable[str | Path] = ()) -> list[Protocol]:
    """Every protocol on the search path, sorted by id; a protocol id defined twice is an error."""
    found: dict[str, Protocol] = {}
    for path in _files(protocol_dirs(extra)):
        protocol = load_file(path)
        if protocol.id in found:
            raise ProtocolError(f"protocol id {protocol.id!r} is also defined in {found[protocol.id].path}", file=str(path))
        found[protocol.id] = protocol
    return sorted(found.values(), key=lambda p: p.id)


def load_protocol(ref: str | Path, extra: Iterable[str | Path] = ()) -> Protocol:
    """A protocol by id (``NCT05760430``, any case) or by the path of a ``.toml`` file."""
    text = str(ref)
    if text.endswith(".toml") or os.sep in text:
        return load_file(text)
    dirs = protocol_dirs(extra)
    for folder in dirs:
        candidate = folder / f"{text}.toml"
        if candidate.is_file():
            return load_file(candidate)
    known = {}
    for path in _files(dirs):
        protocol = load_file(path)
        if protocol.id.lower() == text.lower():
            return protocol
        known[protocol.id] = path
    raise LookupFailure("protocol", text, known)


def validate_files(paths: Iterable[str | Path]) -> list[ProtocolError]:
    """Every problem in every file (an empty list when all are valid)."""
    problems: list[ProtocolError] = []
    for path in paths:
        try:
            load_file(path)
        except ProtocolErrors as exc:
            problems.extend(exc.errors)
        except ProtocolError as exc:
            problems.append(exc)
    return problems
