"""Quantities in protocol files: doses, dose levels, weight bands, rounding, days and percentages,
each checked and reported to the file being read (``TomlFile.error``) with its key path."""

from __future__ import annotations

import itertools
import re
from typing import Any

from ..dosing import Band, DoseSpec, Level, RoundToStep, RoundToStrengths
from ..errors import InputError, did_you_mean, shown
from ..inputs import parse_measurement, parse_per
from ..notation import NotationError, parse_pattern
from ..patient import BSA_METHODS
from ..tomlfile import TomlFile as _File
from . import plausible

__all__ = ["QUANTITY_LIMIT", "plausible_value", "read_days", "read_dose", "read_lab_criterion", "read_mass", "read_percent", "read_weight", "short"]

QUANTITY_LIMIT = 100  # characters in a quantity or a timing rule ("2400 mg/m2", "d1-21 q28d from +7d [0d..14d] after haic")
_DOSE = {"flat": str, "per_kg": str, "per_m2": str, "levels": list, "by_weight": list, "max": str,
         "rounding": dict, "bsa": str, "choice": str, "range_reason": str}
_BASES = ("flat", "per_kg", "per_m2", "levels", "by_weight")
_BAND = {"from": str, "below": str, "levels": list}
_ROUNDING = {"step": str, "strengths": bool, "tolerance": str}


def read_dose(file: _File, path: str, data: Any) -> DoseSpec | None:
    good = file.table(data, path, _DOSE)
    bases = [b for b in _BASES if b in good]
    if len(bases) != 1:
        file.error(path, f"declare exactly one dose basis ({', '.join(_BASES)}), got {', '.join(bases) or 'none'}")
        return None
    basis = bases[0]
    where = f"{path}.{basis}"
    reason = good.get("range_reason")
    extras: dict[str, Any] = {}
    if "max" in good:
        extras["max"] = plausible_value(file, f"{path}.max", "max", read_mass(file, f"{path}.max", good["max"]), reason)
    if "rounding" in good:
        extras["rounding"] = read_rounding(file, f"{path}.rounding", good["rounding"], reason)
    if "bsa" in good and basis != "per_m2":
        file.error(f"{path}.bsa", "a BSA method only applies to a per_m2 dose")
    if "choice" in good and basis != "levels":
        file.error(f"{path}.choice", "a choice of starting level only applies to a levels dose")
    try:
        if basis == "flat":
            amount = plausible_value(file, where, "flat", read_mass(file, where, good[basis]), reason)
            return DoseSpec.flat(amount, **extras) if amount is not None else None
        if basis in ("per_kg", "per_m2") and not short(file, where, good[basis], f"a dose like \"3 mg/{basis[4:]}\""):
            return None
        if basis == "per_kg":
            rate = plausible_value(file, where, "per_kg", parse_per(good[basis], "kg", where), reason)
            return DoseSpec.per_kg(rate, **extras) if rate is not None else None
        if basis == "per_m2":
            method = good.get("bsa")
            if method is not None and method not in BSA_METHODS:
                file.error(f"{path}.bsa", f"unknown BSA method {shown(method)}{did_you_mean(method, BSA_METHODS)}; accepted: {', '.join(BSA_METHODS)}")
            rate = plausible_value(file, where, "per_m2", parse_per(good[basis], "m2", where), reason)
            return DoseSpec.per_m2(rate, method, **extras) if rate is not None else None
    except InputError as exc:
        file.error(where, exc.detail)
        return None
    if basis == "levels":
        levels = read_levels(file, where, good[basis], reason)
        return DoseSpec.ladder(levels, good.get("choice"), **extras) if levels else None
    bands = read_bands(file, where, good[basis], reason)
    return DoseSpec.by_weight(bands, **extras) if bands else None


def plausible_value(file: _File, path: str, kind: str, value: float | None, reason: str | None = None) -> float | None:
    """``value`` if it lies in its plausible range (or is kept by ``reason``), else None, reported."""
    if value is None:
        return None
    finding = plausible.check(kind, value)
    if finding is None:
        return value
    if finding.excusable and reason:
        file.excuse(path, f"{finding.message}; kept because: {reason}")
        return value
    hint = '; if it is right, say why with range_reason = "..." in this table' if finding.excusable else ""
    file.error(path, finding.message + hint)
    return None


def short(file: _File, path: str, text: Any, example: str) -> bool:
    """Whether ``text`` is short enough to be a quantity or a rule (else reported, not echoed)."""
    if len(str(text)) <= QUANTITY_LIMIT:
        return True
    file.error(path, f"expected {example}, got {shown(text)}")
    return False


def read_levels(file: _File, path: str, items: list[Any], reason: str | None = None) -> tuple[Level, ...]:
    levels = []
    for i, item in enumerate(items):
        match = re.fullmatch(r"\s*([-+\d.eE]+\s*[a-zA-Zµμ]+)\s*(.*?)\s*", str(item)) if isinstance(item, str) and len(item) <= QUANTITY_LIMIT else None
        if not match:
            file.error(f"{path}[{i}]", f'expected a dose level like "8 mg" or "4 mg qod", got {shown(item)}')
            continue
        amount = plausible_value(file, f"{path}[{i}]", "flat", read_mass(file, f"{path}[{i}]", match[1]), reason)
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
    if len(levels) != len(items):
        return ()
    for i, (higher, lower) in enumerate(itertools.pairwise(levels), 1):
        if lower.amount * plausible.daily_share(lower.pattern) >= higher.amount * plausible.daily_share(higher.pattern):
            file.error(f"{path}[{i}]", f"dose levels must decrease from the starting dose: level {i + 1} ({lower}) is not less than level {i} ({higher})")
            return ()
    return tuple(levels)


def read_bands(file: _File, path: str, items: list[Any], reason: str | None = None) -> tuple[Band, ...]:
    bands = []
    for i, item in enumerate(items):
        where = f"{path}[{i}]"
        good = file.table(item, where, _BAND, ("levels",))
        lower = plausible_value(file, f"{where}.from", "weight", read_weight(file, f"{where}.from", good["from"])) if "from" in good else None
        upper = plausible_value(file, f"{where}.below", "weight", read_weight(file, f"{where}.below", good["below"])) if "below" in good else None
        levels = read_levels(file, f"{where}.levels", good.get("levels", []), reason)
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


def read_rounding(file: _File, path: str, data: Any, reason: str | None = None) -> RoundToStep | RoundToStrengths | None:
    good = file.table(data, path, _ROUNDING)
    if "step" in good and "strengths" not in good:
        step = plausible_value(file, f"{path}.step", "step", read_mass(file, f"{path}.step", good["step"]), reason)
        return RoundToStep(step) if step else None
    if good.get("strengths") is True and "step" not in good:
        tolerance = read_percent(file, f"{path}.tolerance", good.get("tolerance", ""), "tolerance")
        return None if tolerance is None else RoundToStrengths(tolerance)
    file.error(path, 'expected rounding = { step = "5 mg" } or { strengths = true, tolerance = "10%" }')
    return None


def read_days(file: _File, path: str, text: str, example: str) -> int | None:
    """A number of days or weeks ("30d", "2w") in days."""
    match = re.fullmatch(r"\s*(\d{1,9})\s*([dw])\s*", text)
    if match:
        days = plausible_value(file, path, "days", int(match[1]) * (7 if match[2] == "w" else 1))
        return None if days is None else int(days)
    file.error(path, f'expected a number of days or weeks like "{example}", got {shown(text)}')
    return None


def read_percent(file: _File, path: str, text: str, kind: str) -> float | None:
    """A percentage ("10%") that must lie in RANGES[kind]."""
    match = re.fullmatch(r"\s*(\d{1,9}(?:\.\d{1,9})?)\s*%\s*", text)
    if match:
        return plausible_value(file, path, kind, float(match[1]))
    file.error(path, f'expected a percentage like "10%", got {shown(text)}')
    return None


def read_mass(file: _File, path: str, text: Any) -> float | None:
    return read_measure(file, path, text, "mass")


def read_weight(file: _File, path: str, text: Any) -> float | None:
    return read_measure(file, path, text, "weight")


def read_measure(file: _File, path: str, text: Any, kind: str) -> float | None:
    if not short(file, path, text, f"a {kind} like \"{'1200 mg' if kind == 'mass' else '60 kg'}\""):
        return None
    try:
        return parse_measurement(str(text), kind, path).value
    except InputError as exc:
        file.error(path, exc.detail)
        return None



def read_lab_criterion(file: _File, path: str, good: dict[str, Any], needs: str):
    """A lab threshold (a HAIC gate, a screening lab rule): ``lab`` one of the known analytes and
    exactly one of min, max, below, above as text, parsed with the lab's units and bounds.
    ``needs`` starts the message when the operators are wrong ("a gate needs")."""
    from ..labs import ANALYTES, parse_criterion

    ops = [op for op in ("min", "max", "below", "above") if op in good]
    if len(ops) != 1 or not isinstance(good[ops[0]], str):
        file.error(path, f"{needs} exactly one of min, max, below, above, as text; got {', '.join(ops) or 'none'}")
        return None
    lab = good.get("lab", "")
    if lab not in ANALYTES:
        file.error(f"{path}.lab", f"unknown lab {shown(lab)}{did_you_mean(lab, ANALYTES)}; known: {', '.join(ANALYTES)}")
        return None
    try:
        return parse_criterion(lab, ops[0], good[ops[0]], f"{path}.{ops[0]}")
    except InputError as exc:
        file.error(f"{path}.{ops[0]}", exc.detail)
        return None
