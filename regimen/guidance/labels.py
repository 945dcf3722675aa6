"""Label dose-modification rules as cited data: one file per drug, ``protocols/labels/<drug>.toml``,
matched to a protocol's ``[drugs.<drug>]`` by its id (shipped in the wheel as ``regimen/protocols/labels``;
the protocol search path reads only the ``*.toml`` directly in each folder, so it never sees them).

A label file::

    drug = "regorafenib"
    name = "Regorafenib (Stivarga)"
    ctcae = "5.0"                       # the CTCAE version its grades mean
    reductions = true                   # false: the label allows no dose reduction (antibodies)
    none = "..."                        # with no rules: why the file has none
    general = { text = "...", source = "asco-irae", status = "VERIFIED" }   # named, flagged, where no rule matches

    [[references]]                      # full citations: the package carries them
    id = "stivarga-hcp"; authors = "..."; title = "..."; source = "..."; year = "2020"; url = "https://..."

    [[lowest]]                          # a reduction due at the lowest level
    band = "below 60 kg"                # optional: one weight band
    action = "discontinue"; quote = "..."; source = "..."; status = "VERIFIED"

    [rules.hfsr-g2-first]
    event = "Palmar-plantar erythrodysesthesia syndrome"   # a CTCAE v5.0 term or a named group
    grades = [2]
    occurrence = "first"                # first, recurrent, any, or a number
    at_level = "120 mg"                 # optional: only at this level; band = "below 60 kg" likewise
    action = "reduce"                   # continue, hold, reduce, discontinue
    to = "120 mg"                       # reduce / hold: the level after ("lower" = one level down; "same")
    resume = "grade 1 or less"          # hold: the resume condition, as the label words it
    resume_grade = 1                    # hold: resume at this grade or less (where the label says so)
    min_hold = "7d"; limit = "12w"; limit_from = "last dose"; after_limit = "discontinue"
    when = [{ lab = ["ast", "alt"], above = "3 x ULN" }, { lab = "tbil", above = "2 x ULN" }]
    quote = "..."; source = "stivarga-hcp"; status = "VERIFIED"

Every rule is checked, each problem located (file:line, key path): unknown keys with a "did you
mean", events that are neither a term nor a group, levels the protocol's dose does not have, a
reduce action in a drug without reductions, sources that are not references.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

from ..errors import ProtocolError, ProtocolErrors, shown
from ..labs import ANALYTES, Criterion, parse_criterion
from ..model import Protocol
from ..tomlfile import TOML_LIMIT, TomlFile, decode_text, read_file_bytes, read_toml
from .terms import ALIASES, GROUPS

__all__ = ["ACTIONS", "Label", "LabelRule", "Lowest", "Reference", "check_label", "label_dir", "load_label", "load_label_file"]

ACTIONS = ("continue", "hold", "reduce", "discontinue")
STATUSES = ("VERIFIED", "PARTIAL", "UNVERIFIED")
STRICTNESS = {"continue": 0, "reduce": 1, "hold": 2, "discontinue": 3}

_TOP = {"drug": str, "name": str, "ctcae": str, "reductions": bool, "none": str, "general": dict, "references": list,
        "lowest": list, "rules": dict, "notes": list}
_REF = {"id": str, "authors": str, "title": str, "source": str, "year": str, "url": str}
_GENERAL = {"text": str, "source": str, "status": str}
_LOWEST = {"band": str, "action": str, "quote": str, "source": str, "status": str}
_RULE = {"event": str, "grades": list, "occurrence": (str, int), "at_level": str, "band": str, "action": str, "to": str,
         "resume": str, "resume_grade": int, "min_hold": str, "limit": str, "limit_from": str, "after_limit": str,
         "when": list, "quote": str, "source": str, "status": str, "note": str}
_WHEN = {"lab": (str, list), "above": str, "below": str, "min": str, "max": str}
_DAYS = re.compile(r"(\d+)\s*(d|w)")


class Reference(NamedTuple):
    id: str
    authors: str
    title: str
    source: str
    year: str
    url: str

    def citation(self) -> str:
        return f"{self.authors.rstrip('.')}. {self.title.rstrip('.')}. {self.source}, {self.year}. {self.url}"


class General(NamedTuple):
    text: str
    source: str
    status: str


class Lowest(NamedTuple):
    band: str | None
    action: str
    quote: str
    source: str
    status: str


class LabelRule(NamedTuple):
    """One label rule; ``when`` holds lab conditions, each met by any of its labs."""

    id: str
    drug: str
    event: str
    grades: tuple[int, ...]
    occurrence: str | int  # "first", "recurrent", "any" or a number
    action: str
    quote: str
    source: str
    status: str
    at_level: str | None = None
    band: str | None = None
    to: str | None = None
    resume: str = ""
    resume_grade: int | None = None
    min_hold: int | None = None  # days
    limit: int | None = None  # days
    limit_from: str = "last dose"
    after_limit: str | None = None
    when: tuple[tuple[tuple[str, ...], Criterion], ...] = ()
    note: str = ""
    line: int | None = None

    @property
    def verified(self) -> bool:
        return self.status == "VERIFIED"


class Label(NamedTuple):
    drug: str
    name: str
    ctcae: str
    reductions: bool
    rules: tuple[LabelRule, ...]
    references: tuple[Reference, ...]
    lowest: tuple[Lowest, ...] = ()
    none: str = ""
    general: General | None = None
    path: str = ""

    def reference(self, ref: str) -> Reference | None:
        return next((r for r in self.references if r.id == ref), None)


@cache
def label_dir() -> Path:
    from ..protocol.origin import shipped_dir

    return shipped_dir() / "labels"


def load_label(drug: str) -> Label | None:
    """The shipped label file of ``drug`` (a protocol's ``[drugs.X]`` id), or None when there is none."""
    path = label_dir() / f"{drug}.toml"
    return load_label_file(path) if re.fullmatch(r"[A-Za-z0-9._-]{1,64}", drug) and path.is_file() else None


@cache
def load_label_file(path: Path) -> Label:
    """Read and check one label file; every problem at once, located."""
    text = decode_text(read_file_bytes(path, "label file", TOML_LIMIT), str(path))
    name = f"labels/{path.name}"
    file = TomlFile(name, text)
    label = _build(file, read_toml(text, name), str(path))
    if file.errors:
        raise ProtocolErrors(sorted(file.errors, key=lambda e: (e.line is None, e.line or 0)))
    return label


def _build(file: TomlFile, data: dict[str, Any], path: str) -> Label:
    top = file.table(data, "", _TOP, ("drug", "name", "ctcae", "reductions", "references"))
    refs = []
    for i, item in enumerate(top.get("references", [])):
        good = file.table(item, f"references[{i}]", _REF, tuple(_REF))
        if len(good) == len(_REF):
            refs.append(Reference(**good))
    ids = {r.id for r in refs}
    if top.get("ctcae", "5.0") != "5.0":
        file.error("ctcae", f"rules are graded by CTCAE v5.0 here, got {shown(top.get('ctcae'))}")
    reductions = top.get("reductions", True)
    general = None
    if "general" in top:
        good = file.table(top["general"], "general", _GENERAL, tuple(_GENERAL))
        _cited(file, "general", good, ids)
        general = General(**good) if len(good) == 3 else None
    lowest = []
    for i, item in enumerate(top.get("lowest", [])):
        good = file.table(item, f"lowest[{i}]", _LOWEST, ("action", "quote", "source", "status"))
        _cited(file, f"lowest[{i}]", good, ids)
        if good.get("action") not in (None, "discontinue", "continue"):
            file.error(f"lowest[{i}].action", f"at the lowest level a label can only say discontinue or continue, got {shown(good['action'])}")
        if {"action", "quote", "source", "status"} <= good.keys():
            lowest.append(Lowest(good.get("band"), good["action"], good["quote"], good["source"], good["status"]))
    rules = tuple(r for rid, item in top.get("rules", {}).items() if (r := _rule(file, top.get("drug", ""), rid, item, ids, reductions)))
    if not rules and not top.get("none"):
        file.error("rules", "a label file without rules must say why under none = \"...\"")
    if not reductions and lowest:
        file.error("lowest", "a drug without reductions has no lowest level")
    return Label(top.get("drug", ""), top.get("name", ""), top.get("ctcae", "5.0"), reductions, rules, tuple(refs), tuple(lowest),
                 top.get("none", ""), general, path)


def _cited(file: TomlFile, path: str, good: dict, ids: set[str]) -> None:
    if "status" in good and good["status"] not in STATUSES:
        file.error(f"{path}.status", f"expected one of {', '.join(STATUSES)}, got {shown(good['status'])}")
    if "source" in good and good["source"] not in ids:
        file.error(f"{path}.source", f"{shown(good['source'])} is not a reference id of this file; known: {', '.join(sorted(ids)) or 'none'}")


def _days(file: TomlFile, path: str, text: str | None) -> int | None:
    if text is None:
        return None
    match = _DAYS.fullmatch(text.strip())
    if not match or int(match[1]) < 1 or int(match[1]) > 730:
        file.error(path, f"expected a span like \"7d\" or \"12w\" (1 day to 2 years), got {shown(text)}")
        return None
    return int(match[1]) * (7 if match[2] == "w" else 1)


def _rule(file: TomlFile, drug: str, rid: str, item: Any, ids: set[str], reductions: bool) -> LabelRule | None:
    path = f"rules.{rid}"
    good = file.table(item, path, _RULE, ("event", "action", "quote", "source", "status"))
    _cited(file, path, good, ids)
    event, action = good.get("event"), good.get("action")
    if event is not None and event not in ALIASES and event not in GROUPS:
        from ..errors import did_you_mean

        file.error(f"{path}.event", f"{shown(event)} is neither a CTCAE v5.0 term nor a group{did_you_mean(event, [*ALIASES, *GROUPS])}")
    if action is not None and action not in ACTIONS:
        file.error(f"{path}.action", f"expected one of {', '.join(ACTIONS)}, got {shown(action)}")
    grades = tuple(good.get("grades", ()))
    if not grades and not good.get("when"):
        file.error(path, "a rule needs grades = [...] or lab conditions when = [...]")
    if any(not isinstance(g, int) or not 1 <= g <= 5 for g in grades):
        file.error(f"{path}.grades", f"CTCAE grades are 1 to 5, got {shown(list(grades))}")
    occurrence = good.get("occurrence", "any")
    if not (occurrence in ("first", "recurrent", "any") or (isinstance(occurrence, int) and occurrence >= 1)):
        file.error(f"{path}.occurrence", f"expected first, recurrent, any or a number from 1, got {shown(occurrence)}")
    to = good.get("to")
    lowers = action == "reduce" or (to not in (None, "same"))
    if lowers and not reductions:
        file.error(f"{path}.{'action' if action == 'reduce' else 'to'}", f"{drug} has no dose reductions (reductions = false): "
                                                                       "a rule can hold or discontinue it, never reduce it")
    if action in ("continue", "discontinue") and to is not None:
        file.error(f"{path}.to", f"a {action} rule changes no level")
    if action != "hold" and ("resume" in good or "resume_grade" in good or "min_hold" in good):
        file.error(path, "resume, resume_grade and min_hold belong to a hold")
    if action == "hold" and not good.get("resume"):
        file.error(f"{path}.resume", "a hold needs its resume condition, as the label words it (or \"not stated in the retrieved label\")")
    if good.get("limit_from", "last dose") not in ("last dose", "event"):
        file.error(f"{path}.limit_from", f"expected \"last dose\" or \"event\", got {shown(good['limit_from'])}")
    if good.get("after_limit") not in (None, "discontinue"):
        file.error(f"{path}.after_limit", f"expected discontinue, got {shown(good['after_limit'])}")
    when = _when(file, path, good.get("when", []))
    if not {"event", "action", "quote", "source", "status"} <= good.keys() or action not in ACTIONS:
        return None
    return LabelRule(rid, drug, event, grades, occurrence, action, good["quote"], good["source"], good["status"], good.get("at_level"),
                     good.get("band"), to, good.get("resume", ""), good.get("resume_grade"), _days(file, f"{path}.min_hold", good.get("min_hold")),
                     _days(file, f"{path}.limit", good.get("limit")), good.get("limit_from", "last dose"), good.get("after_limit"),
                     when, good.get("note", ""), file.line_of(path))


def _when(file: TomlFile, path: str, items: list) -> tuple[tuple[tuple[str, ...], Criterion], ...]:
    out = []
    for i, item in enumerate(items):
        where = f"{path}.when[{i}]"
        good = file.table(item, where, _WHEN, ("lab",))
        labs = tuple([good["lab"]] if isinstance(good.get("lab"), str) else good.get("lab", []))
        ops = [op for op in ("above", "below", "min", "max") if op in good]
        if len(ops) != 1:
            file.error(where, "give exactly one of above, below, min, max")
            continue
        if not labs or any(lab not in ANALYTES for lab in labs):
            file.error(f"{where}.lab", f"expected labs of {', '.join(ANALYTES)}, got {shown(list(labs))}")
            continue
        try:
            out.append((labs, parse_criterion(labs[0], ops[0], good[ops[0]], f"{where}.{ops[0]}")))
        except Exception as exc:  # an InputError from the one lab parser, said where it is
            file.error(f"{where}.{ops[0]}", getattr(exc, "detail", str(exc)))
    return tuple(out)


def check_label(label: Label, protocol: Protocol) -> list[ProtocolError]:
    """The label's levels and bands against every activity of ``protocol`` that gives its drug."""
    problems = []
    for arm in protocol.arms:
        for activity in arm.activities:
            if activity.drug != label.drug or activity.dose is None:
                continue
            spec = activity.dose
            texts = {_compact(str(level)) for level in spec.levels} | {_compact(str(level)) for band in spec.bands for level in band.levels}
            bands = {band.describe() for band in spec.bands}
            for rule in label.rules:
                for key in ("at_level", "to"):
                    value = getattr(rule, key)
                    if value is not None and value not in ("lower", "same") and _compact(value) not in texts:
                        problems.append(ProtocolError(f"{value!r} is not a dose level of {arm.id}.{activity.id} in {protocol.id} "
                                                      f"({spec.describe()})", file=f"labels/{label.drug}.toml",
                                                      path=f"rules.{rule.id}.{key}", line=rule.line))
                if rule.band is not None and rule.band not in bands:
                    problems.append(ProtocolError(f"{rule.band!r} is not a weight band of {arm.id}.{activity.id} in {protocol.id}",
                                                  file=f"labels/{label.drug}.toml", path=f"rules.{rule.id}.band", line=rule.line))
            for low in label.lowest:
                if low.band is not None and low.band not in bands:
                    problems.append(ProtocolError(f"{low.band!r} is not a weight band of {arm.id}.{activity.id} in {protocol.id}",
                                                  file=f"labels/{label.drug}.toml", path="lowest.band"))
    return problems


def _compact(text: str) -> str:
    return "".join(text.split()).lower()
