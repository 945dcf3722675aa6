"""Quantities in protocol files: doses, dose levels, weight bands, rounding, days and percentages,
each checked and reported to the file being read (``TomlFile.error``) with its key path."""

from __future__ import annotations

import itertools
import re
from typing import Any

from ..dosing import Band, DoseSpec, Level, RoundToStep, RoundToStrengths
from ..errors import InputError, did_you_mean
from ..notation import NotationError, parse_pattern
from ..patient import BSA_METHODS
from ..tomlfile import TomlFile as _File
from ..units import parse_measurement, parse_per

__all__ = ["read_days", "read_dose", "read_mass", "read_percent", "read_weight"]

_DOSE = {"flat": str, "per_kg": str, "per_m2": str, "levels": list, "by_weight": list, "max": str,
         "rounding": dict, "bsa": str, "choice": str}
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
    extras: dict[str, Any] = {}
    if "max" in good:
        extras["max"] = read_mass(file, f"{path}.max", good["max"])
    if "rounding" in good:
        extras["rounding"] = read_rounding(file, f"{path}.rounding", good["rounding"])
    if "bsa" in good and basis != "per_m2":
        file.error(f"{path}.bsa", "a BSA method only applies to a per_m2 dose")
    if "choice" in good and basis != "levels":
        file.error(f"{path}.choice", "a choice of starting level only applies to a levels dose")
    try:
        if basis == "flat":
            amount = read_mass(file, where, good[basis])
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
        levels = read_levels(file, where, good[basis])
        return DoseSpec.ladder(levels, good.get("choice"), **extras) if levels else None
    bands = read_bands(file, where, good[basis])
    return DoseSpec.by_weight(bands, **extras) if bands else None


def read_levels(file: _File, path: str, items: list[Any]) -> tuple[Level, ...]:
    levels = []
    for i, item in enumerate(items):
        match = re.fullmatch(r"\s*([-+\d.]+\s*[a-zA-Zµμ]+)\s*(.*?)\s*", str(item))
        if not match:
            file.error(f"{path}[{i}]", f'expected a dose level like "8 mg" or "4 mg qod", got {item!r}')
            continue
        amount = read_mass(file, f"{path}[{i}]", match[1])
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


def read_bands(file: _File, path: str, items: list[Any]) -> tuple[Band, ...]:
    bands = []
    for i, item in enumerate(items):
        where = f"{path}[{i}]"
        good = file.table(item, where, _BAND, ("levels",))
        lower = read_weight(file, f"{where}.from", good["from"]) if "from" in good else None
        upper = read_weight(file, f"{where}.below", good["below"]) if "below" in good else None
        levels = read_levels(file, f"{where}.levels", good.get("levels", []))
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


def read_rounding(file: _File, path: str, data: Any) -> RoundToStep | RoundToStrengths | None:
    good = file.table(data, path, _ROUNDING)
    if "step" in good and "strengths" not in good:
        step = read_mass(file, f"{path}.step", good["step"])
        return RoundToStep(step) if step else None
    if good.get("strengths") is True and "step" not in good:
        tolerance = read_percent(file, f"{path}.tolerance", good.get("tolerance", ""))
        return None if tolerance is None else RoundToStrengths(tolerance)
    file.error(path, 'expected rounding = { step = "5 mg" } or { strengths = true, tolerance = "10%" }')
    return None


def read_days(file: _File, path: str, text: str, example: str) -> int | None:
    """A number of days or weeks ("30d", "2w") in days."""
    match = re.fullmatch(r"\s*(\d+)\s*([dw])\s*", text)
    if match:
        return int(match[1]) * (7 if match[2] == "w" else 1)
    file.error(path, f'expected a number of days or weeks like "{example}", got {text!r}')
    return None


def read_percent(file: _File, path: str, text: str) -> float | None:
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*%\s*", text)
    if match:
        return float(match[1])
    file.error(path, f'expected a percentage like "10%", got {text!r}')
    return None


def read_mass(file: _File, path: str, text: Any) -> float | None:
    return read_measure(file, path, text, "mass")


def read_weight(file: _File, path: str, text: Any) -> float | None:
    return read_measure(file, path, text, "weight")


def read_measure(file: _File, path: str, text: Any, kind: str) -> float | None:
    try:
        return parse_measurement(str(text), kind, path).value
    except InputError as exc:
        file.error(path, exc.detail)
        return None

