"""Units: the one pint registry, built lazily from ``units.txt``, and conversion between unit names.

Only this module touches pint. It never hands text to pint's expression parser (which evaluates
``72**2`` and crashes on ``kg)``): a unit such as ``mg/dL`` or ``kg/m2`` is read here, term by term,
into names and powers, and each name is looked up on its own. ``regimen.inputs`` reads the numbers
and the parts of a measurement; everything past it works in plain floats in canonical units (kg for
body weight, cm for height, mg for doses, hours for durations).
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    import pint

__all__ = ["Measured", "UnitProblem", "convert", "factor", "format_number", "unit_names"]

_DEFINITIONS = Path(__file__).with_name("units.txt")


class Measured(NamedTuple):
    """A parsed measurement: its value in the canonical unit and the text it came from."""

    value: float
    unit: str
    text: str

    def __str__(self) -> str:
        canonical = f"{format_number(self.value, 3)} {self.unit}"
        return canonical if _same(self.text, canonical) else f"{self.text} = {canonical}"


class UnitProblem(ValueError):
    """A unit that cannot be used: ``reason`` is "unknown" (``unit`` is the bad part) or "dimension"."""

    def __init__(self, reason: str, unit: str) -> None:
        self.reason, self.unit = reason, unit
        super().__init__(f"{reason} unit {unit!r}")


@cache
def registry() -> pint.UnitRegistry:
    """The program's one unit registry, built once from ``units.txt``.

    pint's plain facet is all we use (look up and convert): it builds in about 8 ms where the full
    UnitRegistry with the same file takes about 20 ms, and the default registry most of a second.
    """
    try:
        from pint.facets.plain import PlainRegistry
    except ImportError:  # pragma: no cover - an older or reorganised pint
        from pint import UnitRegistry as PlainRegistry

    return PlainRegistry(str(_DEFINITIONS), cache_folder=None)


_TERM = re.compile(r"([^\W\d_²³]+)(?:\s*(?:\*\*|\^)\s*(-?[1-3])(?!\d)|([²³])|([23])(?!\d))?")
_OPERATOR = re.compile(r"\s*([/*·⋅])\s*|\s+")
_SUPERSCRIPT = {"²": 2, "³": 3}


@lru_cache(maxsize=1024)
def unit_names(text: str) -> tuple[tuple[str, int], ...]:
    """``"mg/dL"`` -> ``(("milligram", 1), ("deciliter", -1))``: names and powers, never evaluated.

    A term is a unit name with an optional power 1–3 (``m2``, ``m²``, ``m^2``, ``m**2``); terms are
    joined by ``*``, ``·``, a space, or ``/`` (which divides by the term after it). A name is looked
    up as written, then in lower case (``KG``, ``LB``, ``CM``); a name that could be two units
    (``min``: minute or milli-inch) is the one without a prefix.
    """
    powers: dict[str, int] = {}
    pos, sign = 0, 1
    text = text.strip()
    while True:
        term = _TERM.match(text, pos)
        if not term:
            raise UnitProblem("unknown", text[pos:] or text)
        power = int(term[2] or _SUPERSCRIPT.get(term[3] or "", 0) or term[4] or 1)
        name = _lookup(term[1])
        powers[name] = powers.get(name, 0) + sign * power
        pos = term.end()
        if pos == len(text):
            return tuple((name, power) for name, power in powers.items() if power)
        operator = _OPERATOR.match(text, pos)
        if not operator or operator.end() == len(text):
            raise UnitProblem("unknown", text[pos:].strip() or text)
        sign = -1 if operator[1] == "/" else 1
        pos = operator.end()


@lru_cache(maxsize=512)
def _lookup(name: str) -> str:
    ureg = registry()
    for candidate in dict.fromkeys((name, name.lower())):
        found = {(prefix, unit) for prefix, unit, _ in ureg.parse_unit_name(candidate)}
        plain = {pair for pair in found if not pair[0]} or found
        if len(plain) == 1:
            prefix, unit = plain.pop()
            return prefix + unit
        if plain:
            raise UnitProblem("unknown", name)  # two prefixed readings and no plain one: never guess
    raise UnitProblem("unknown", name)


@lru_cache(maxsize=1024)
def factor(unit: str, to: str) -> float:
    """How many ``to`` one ``unit`` is (``factor("lb", "kg") == 0.45359237``); raises UnitProblem.

    The factors pint gave on earlier starts are kept on disk (``regimen.diskcache``: keyed by
    ``units.txt``'s bytes and the installed program), so a start that meets only units seen before
    never builds the registry, nor imports pint.
    """
    known = _known()
    if (unit, to) in known:
        return known[(unit, to)]
    value = _pint_factor(unit, to)
    if len(known) < _KEEP:  # the common units; a fuzzer's thousands of odd ones are not kept
        known[(unit, to)] = value
        from . import diskcache

        diskcache.write("units", dict(known), _DEFINITIONS.read_bytes())
    return value


_KEEP = 256


@cache
def _known() -> dict[tuple[str, str], float]:
    try:
        from . import diskcache

        stored = diskcache.read("units", _DEFINITIONS.read_bytes())
        if isinstance(stored, dict) and all(type(k) is tuple and type(v) is float for k, v in stored.items()):
            return stored
    except OSError:
        pass
    return {}


def _pint_factor(unit: str, to: str) -> float:
    import pint
    from pint.util import UnitsContainer

    ureg = registry()
    source, target = UnitsContainer(dict(unit_names(unit))), UnitsContainer(dict(unit_names(to)))
    try:
        return float(ureg.Quantity(1.0, source).to(target).magnitude)
    except pint.errors.DimensionalityError:
        raise UnitProblem("dimension", unit) from None


def convert(amount: float, unit: str, to: str) -> float | None:
    """``amount`` in ``unit`` expressed in ``to`` (e.g. mg/dL to mg/L), or None if it cannot be."""
    try:
        return amount * factor(unit, to)
    except UnitProblem:
        return None


def format_number(value: float, places: int = 2) -> str:
    """``216.0 -> "216"``, ``154.5393 -> "154.54"``: at most ``places`` decimals, no trailing zeros."""
    text = f"{value:.{places}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _same(text: str, canonical: str) -> bool:
    return text.replace(" ", "").lower() == canonical.replace(" ", "").lower()
