"""Measurements at the boundary: the one pint registry, built lazily from ``units.txt``.

Only this module touches pint. Everything past it works in plain floats in canonical units
(kg for body weight, cm for height, mg for doses, hours for durations), so a dose costs no pint
operation once its inputs are parsed.

Compound lengths such as ``"5 ft 7 in"`` are summed part by part (pint alone would read them as
a product); a bare number is refused, because a weight without its unit is never guessed.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from .errors import InputError

if TYPE_CHECKING:
    import pint

__all__ = ["KINDS", "Measured", "format_number", "parse_measurement", "parse_per"]

_DEFINITIONS = Path(__file__).with_name("units.txt")


class Kind(NamedTuple):
    """What a measurement is: its canonical unit and an example for error messages."""

    name: str
    unit: str
    example: str


KINDS = {
    "weight": Kind("weight", "kg", '"72 kg" or "158.7 lb"'),
    "height": Kind("height", "cm", '"170 cm" or "5 ft 7 in"'),
    "mass": Kind("mass", "mg", '"1200 mg" or "0.25 g"'),
    "duration": Kind("duration", "h", '"46 h" or "30 min"'),
}


class Measured(NamedTuple):
    """A parsed measurement: its value in the canonical unit and the text it came from."""

    value: float
    unit: str
    text: str

    def __str__(self) -> str:
        canonical = f"{format_number(self.value, 3)} {self.unit}"
        return canonical if _same(self.text, canonical) else f"{self.text} = {canonical}"


@cache
def registry() -> pint.UnitRegistry:
    """The program's one unit registry, built once from ``units.txt``.

    pint's plain facet is all we use (parse and convert): it builds in about 8 ms where the full
    UnitRegistry with the same file takes about 20 ms, and the default registry most of a second.
    """
    try:
        from pint.facets.plain import PlainRegistry
    except ImportError:  # pragma: no cover - an older or reorganised pint
        from pint import UnitRegistry as PlainRegistry

    return PlainRegistry(str(_DEFINITIONS), cache_folder=None)


_PART = re.compile(r"\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([^\d\s+-][^\d]*?)?\s*(?=[-+]?[\d.]|$)")


def _parts(text: str) -> list[tuple[float, str | None]]:
    parts, pos = [], 0
    while pos < len(text):
        match = _PART.match(text, pos)
        if not match or match.end() == pos:
            return []
        number, unit = match.groups()
        parts.append((float(number), unit.strip() if unit else None))
        pos = match.end()
    return parts


def _normalise(unit: str) -> str:
    unit = unit.replace("²", "**2").replace("³", "**3").replace("^", "**")
    return re.sub(r"\b(c?m)([23])\b", r"\1**\2", unit)


@lru_cache(maxsize=4096)
def parse_measurement(text: str, kind: str, option: str) -> Measured:
    """Parse ``text`` as a ``kind`` measurement (see ``KINDS``) into its canonical unit.

    >>> parse_measurement("5 ft 7 in", "height", "--height").value
    170.18
    """
    spec = KINDS[kind]
    raw = str(text).strip()
    parts = _parts(raw)
    if not parts:
        raise InputError(option, f"{raw!r} is not a {kind}; give a {kind} with its unit, like {spec.example}")
    if any(unit is None for _, unit in parts):
        raise InputError(option, f"{raw!r} has no unit; give a {kind} with its unit, like {spec.example}")
    total = 0.0
    for number, unit in parts:
        total += _convert(number, unit or "", spec, raw, option)
    if total < 0 or any(number < 0 for number, _ in parts):
        raise InputError(option, f"{raw!r} is negative; a {kind} must be positive, like {spec.example}")
    return Measured(round(total, 9), spec.unit, raw)


def _convert(number: float, unit: str, spec: Kind, raw: str, option: str) -> float:
    import pint

    ureg = registry()
    try:
        return float(ureg.Quantity(number, _normalise(unit)).to(spec.unit).magnitude)
    except pint.errors.DimensionalityError:
        raise InputError(option, f"{raw!r} is not a {spec.name}; give a {spec.name} with its unit, like {spec.example}") from None
    except (pint.errors.UndefinedUnitError, AttributeError, TypeError, ValueError, SyntaxError):
        raise InputError(option, f"{raw!r}: unknown unit {unit!r}; give a {spec.name} like {spec.example}") from None


_PER = {"kg": ("weight", "mg/kg"), "m2": ("area", "mg/m2")}


@lru_cache(maxsize=1024)
def parse_per(text: str, per: str, option: str) -> float:
    """Parse a dose rate such as ``"3 mg/kg"`` (per="kg") or ``"85 mg/m2"`` (per="m2") into mg per unit.

    The basis is declared by the caller, never inferred from the unit: pint would call mg/kg
    dimensionless.
    """
    raw = str(text).strip()
    example = f'"3 {_PER[per][1]}"' if per == "kg" else f'"85 {_PER[per][1]}"'
    numerator, slash, denominator = raw.rpartition("/")
    if not slash:
        raise InputError(option, f'expected a dose per {"kilogram" if per == "kg" else "square metre"} like {example}, got {raw!r}')
    amount = parse_measurement(numerator, "mass", option).value
    import pint

    ureg = registry()
    try:
        scale = ureg.Quantity(1, _normalise(denominator.strip())).to("kg" if per == "kg" else "m**2").magnitude
    except (pint.errors.DimensionalityError, pint.errors.UndefinedUnitError, AttributeError, TypeError, ValueError, SyntaxError):
        raise InputError(option, f"expected a dose per {'kilogram' if per == 'kg' else 'square metre'} like {example}, got {raw!r}") from None
    return amount / float(scale)


@lru_cache(maxsize=256)
def convert(amount: float, unit: str, to: str) -> float | None:
    """``amount`` in ``unit`` expressed in ``to`` (e.g. mg/dL to mg/L), or None if pint cannot."""
    import pint

    try:
        return float(registry().Quantity(amount, _normalise(unit)).to(_normalise(to)).magnitude)
    except (pint.errors.DimensionalityError, pint.errors.UndefinedUnitError, AttributeError, TypeError, ValueError, SyntaxError):
        return None


def format_number(value: float, places: int = 2) -> str:
    """``216.0 -> "216"``, ``154.5393 -> "154.54"``: at most ``places`` decimals, no trailing zeros."""
    text = f"{value:.{places}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _same(text: str, canonical: str) -> bool:
    return text.replace(" ", "").lower() == canonical.replace(" ", "").lower()
