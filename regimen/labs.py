"""Laboratory values and proceed-if gates.

Each analyte has one canonical unit; values in other units are converted, counts by their power
of ten and concentrations through pint, using the analyte's molar mass where mass and amount
meet (bilirubin 584.66 g/mol: 1 mg/dL = 17.1 µmol/L; creatinine 113.12 g/mol: 1 mg/dL = 88.4 µmol/L).
A criterion may be relative to the upper limit of normal ("2 x ULN"), which the lab result
then has to carry.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from .errors import InputError
from .units import convert, format_number

__all__ = ["ANALYTES", "GATE_SCOPE_WORDS", "Criterion", "LabValue", "gates_text", "parse_criterion", "parse_lab"]


class Analyte(NamedTuple):
    name: str
    kind: str  # count, molar, mass
    unit: str  # canonical, for display
    molar_mass: float | None = None  # g/mol, where mass and amount units meet
    example: str = ""


ANALYTES = {a.name: a for a in (
    Analyte("anc", "count", "x10^9/L", example='"1.5 x10^9/L" or "1500 /uL"'),
    Analyte("platelets", "count", "x10^9/L", example='"120 x10^9/L" or "120000 /uL"'),
    Analyte("wbc", "count", "x10^9/L", example='"4.5 x10^9/L"'),
    Analyte("tbil", "molar", "umol/L", 584.66, '"25 umol/L" or "1.5 mg/dL"'),
    Analyte("creatinine", "molar", "umol/L", 113.12, '"80 umol/L" or "0.9 mg/dL"'),
    Analyte("albumin", "mass", "g/L", example='"35 g/L" or "3.5 g/dL"'),
)}

_COUNT_9 = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(?:[x×*]\s*10\s*\^?\s*9|×\s*10⁹|e9|G)\s*/\s*L\s*", re.I)
_COUNT_UL = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(?:cells\s*)?/\s*(?:[uµμ]L|mm3|mm\^3|mm³)\s*", re.I)


class LabValue(NamedTuple):
    value: float  # in the analyte's canonical unit
    text: str

    def show(self, analyte: Analyte) -> str:
        canonical = f"{format_number(self.value, 2)} {analyte.unit}"
        return canonical if self.text.replace(" ", "").lower() == canonical.replace(" ", "").lower() else f"{self.text} = {canonical}"


def parse_lab(name: str, text: str, option: str) -> LabValue:
    analyte = ANALYTES.get(name)
    if analyte is None:
        raise InputError(option, f"unknown lab {name!r}; known: {', '.join(ANALYTES)}")
    raw = str(text).strip()
    bad = InputError(option, f"{raw!r} is not a {name} value; give one like {analyte.example}")
    if analyte.kind == "count":
        if match := _COUNT_9.fullmatch(raw):
            return LabValue(float(match[1]), raw)
        if match := _COUNT_UL.fullmatch(raw):
            return LabValue(float(match[1]) / 1000, raw)
        raise bad
    number, _, unit = raw.partition(" ")
    try:
        amount = float(number)
    except ValueError:
        raise bad from None
    if not unit:
        raise InputError(option, f"{raw!r} has no unit; give a {name} value like {analyte.example}")
    if analyte.kind == "mass":
        value = convert(amount, unit, "g/L")
    elif "mol" in unit:
        value = convert(amount, unit, "umol/L")
    else:  # mass concentration of a molar analyte: mg/L divided by g/mol is mmol/L
        value = convert(amount, unit, "mg/L") / analyte.molar_mass * 1000
    if value is None:
        raise bad
    return LabValue(value, raw)


class Criterion(NamedTuple):
    """``lab op value``: op is min (>=), max (<=), below (<) or above (>); ``uln`` is a multiple of ULN."""

    lab: str
    op: str
    value: float
    uln: bool
    text: str

    def passes(self, measured: float, uln: float | None) -> bool | None:
        if self.uln and uln is None:
            return None
        limit = self.value * uln if self.uln else self.value
        return {"min": measured >= limit, "max": measured <= limit, "below": measured < limit, "above": measured > limit}[self.op]

    def describe(self) -> str:
        symbol = {"min": "≥", "max": "≤", "below": "<", "above": ">"}[self.op]
        return f"{self.lab} {symbol} {self.text}"


def parse_criterion(lab: str, op: str, text: str, option: str) -> Criterion:
    if match := re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*[x×*]\s*ULN\s*", text, re.I):
        return Criterion(lab, op, float(match[1]), True, text.strip())
    return Criterion(lab, op, parse_lab(lab, text, option).value, False, text.strip())


GATE_SCOPE_WORDS = {"each": "every occurrence", "first": "the first occurrence only", "cycle": "day 1 of each cycle"}


def gates_text(criteria: tuple[Criterion, ...], lookback: int, scope: str | None = None) -> str:
    """``anc ≥ 1.2 x10^9/L, platelets ≥ 60 x10^9/L within 7 days before``, and with ``scope`` which
    occurrences they apply to (``; every occurrence``)."""
    listed = ", ".join(c.describe() for c in criteria)
    return f"{listed} within {lookback} days before" + (f"; {GATE_SCOPE_WORDS.get(scope, scope)}" if scope else "")
