"""Laboratory values and proceed-if gates.

Each analyte has one canonical unit; values in other units are converted, counts by their power
of ten and concentrations through pint, using the analyte's molar mass where mass and amount
meet (bilirubin 584.66 g/mol: 1 mg/dL = 17.1 µmol/L; creatinine 113.12 g/mol: 1 mg/dL = 88.4 µmol/L).
A criterion may be relative to the upper limit of normal ("2 x ULN"), which the lab result
then has to carry.

Every value must lie in its analyte's physiological bounds (``Analyte.bounds``, in the canonical
unit, each with its source): a negative, infinite or absurd value is refused with the accepted
range, never compared with a gate it would clear. An upper limit of normal must be more than zero.
"""

from __future__ import annotations

import math
import re
from typing import NamedTuple

from .errors import InputError, shown
from .units import convert, format_number

__all__ = ["ANALYTES", "GATE_SCOPE_WORDS", "ULN_MULTIPLE", "Criterion", "LabValue", "gates_text", "parse_criterion", "parse_lab", "parse_uln"]


class Analyte(NamedTuple):
    name: str
    kind: str  # count, molar, mass, enzyme, urine24
    unit: str  # canonical, for display
    molar_mass: float | None = None  # g/mol, where mass and amount units meet
    example: str = ""
    bounds: tuple[float, float] = (0.0, math.inf)  # accepted values, canonical unit, inclusive


# Bounds: the widest values reported in people, with a margin; a result outside is a typo or a unit slip.
ANALYTES = {a.name: a for a in (
    # neutrophils: 0 in agranulocytosis; leukaemoid reactions reach about 100 x10^9/L (Sakka 2006, Clin Lab Haem)
    Analyte("anc", "count", "x10^9/L", example='"1.5 x10^9/L" or "1500 /uL"', bounds=(0, 200)),
    # platelets: 0 to about 2,000 x10^9/L in extreme thrombocytosis (Schafer 2004, NEJM 350:1211)
    Analyte("platelets", "count", "x10^9/L", example='"120 x10^9/L" or "120000 /uL"', bounds=(0, 3000)),
    # leukocytes: hyperleukocytosis in leukaemia passes 100 and rarely 500 x10^9/L (Ganzel 2012, Blood Rev)
    Analyte("wbc", "count", "x10^9/L", example='"4.5 x10^9/L"', bounds=(0, 1000)),
    # total bilirubin: acute liver failure reaches about 50 mg/dL (855 umol/L); the assay's linear range ends near 1,000
    Analyte("tbil", "molar", "umol/L", 584.66, '"25 umol/L" or "1.5 mg/dL"', bounds=(0, 1500)),
    # creatinine: untreated end-stage renal failure reaches about 20-30 mg/dL (1,770-2,650 umol/L)
    Analyte("creatinine", "molar", "umol/L", 113.12, '"80 umol/L" or "0.9 mg/dL"', bounds=(1, 4000)),
    # albumin: below 10 g/L only in extreme nephrotic states; above 60 g/L only by dehydration or error (reference 35-50 g/L)
    Analyte("albumin", "mass", "g/L", example='"35 g/L" or "3.5 g/dL"', bounds=(1, 80)),
    # aminotransferases and alkaline phosphatase, U/L (1 ukat/L = 60 U/L): ischaemic hepatitis and paracetamol injury
    # reach about 10,000-20,000 U/L; ALP passes 3,000 U/L only in extreme cholestasis or bone disease
    Analyte("ast", "enzyme", "U/L", example='"45 U/L" or "0.75 ukat/L"', bounds=(0, 50000)),
    Analyte("alt", "enzyme", "U/L", example='"45 U/L" or "0.75 ukat/L"', bounds=(0, 50000)),
    Analyte("alp", "enzyme", "U/L", example='"120 U/L" or "2 ukat/L"', bounds=(0, 20000)),
    # urine protein over 24 hours: nephrotic-range losses pass 3.5 and rarely 30 g/24 h
    Analyte("proteinuria", "urine24", "g/24h", example='"2.4 g/24h" or "2400 mg/24h"', bounds=(0, 50)),
    # INR: a ratio with no unit, about 0.8-1.2 in health; warfarin excess and liver failure reach 10-20, analysers report to about 20
    Analyte("inr", "ratio", "", example='"1.1"', bounds=(0.5, 20)),
)}
ULN_MULTIPLE = (0.1, 100.0)  # "2 x ULN": criteria in use run from 1 to 5 x ULN (CTCAE v5)

_COUNT_9 = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(?:[x×*]\s*10\s*\^?\s*9|×\s*10⁹|e9|G)\s*/\s*L\s*", re.I)
_ENZYME = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(I?U|[uµμ]kat)\s*/\s*L\s*", re.I)
_URINE_24H = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(m?g)\s*/\s*(?:24\s*h(?:ours?)?|d|day)\s*", re.I)
_COUNT_UL = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(?:cells\s*)?/\s*(?:[uµμ]L|mm3|mm\^3|mm³)\s*", re.I)


class LabValue(NamedTuple):
    value: float  # in the analyte's canonical unit
    text: str

    def show(self, analyte: Analyte) -> str:
        canonical = f"{format_number(self.value, 2)} {analyte.unit}".rstrip()
        return canonical if self.text.replace(" ", "").lower() == canonical.replace(" ", "").lower() else f"{self.text} = {canonical}"


def parse_lab(name: str, text: str, option: str) -> LabValue:
    """A lab result in its analyte's canonical unit, inside the analyte's physiological bounds.
    Where ``option`` names an upper limit of normal (ends in "uln"), the rules of ``parse_uln`` apply."""
    analyte = ANALYTES.get(name)
    if analyte is None:
        raise InputError(option, f"unknown lab {shown(name)}; known: {', '.join(ANALYTES)}")
    raw = str(text).strip()
    value = _value(analyte, raw, option)
    low, high = analyte.bounds
    if option.lower().endswith("uln") and value <= 0:
        raise InputError(option, f"{shown(raw)}: an upper limit of normal must be more than zero")
    if not (math.isfinite(value) and low <= value <= high):
        canonical = f" ({format_number(value, 3)} {analyte.unit})" if math.isfinite(value) and not _same(raw, value, analyte) else ""
        raise InputError(option, f"{shown(raw)}{canonical} is outside the physiological range of {name}: "
                                 f"{format_number(low, 3)}–{format_number(high, 3)} {analyte.unit}".rstrip())
    return LabValue(value, raw)


def parse_uln(name: str, text: str, option: str) -> LabValue:
    """An upper limit of normal: a lab value that must be more than zero."""
    return parse_lab(name, text, option if option.lower().endswith("uln") else f"{option} uln")


def _value(analyte: Analyte, raw: str, option: str) -> float:
    bad = InputError(option, f"{shown(raw)} is not a value for {analyte.name}; give one like {analyte.example}")
    if analyte.kind == "count":
        if match := _COUNT_9.fullmatch(raw):
            return float(match[1])
        if match := _COUNT_UL.fullmatch(raw):
            return float(match[1]) / 1000
        raise bad
    if analyte.kind == "enzyme":  # catalytic activity: U/L (= IU/L), or ukat/L (1 ukat/L = 60 U/L)
        if match := _ENZYME.fullmatch(raw):
            return float(match[1]) * (60 if match[2].lower().endswith("kat") else 1)
        raise bad
    if analyte.kind == "urine24":  # a 24-hour urine collection: g/24h (= g/day) or mg/24h
        if match := _URINE_24H.fullmatch(raw):
            return float(match[1]) / (1000 if match[2].lower() == "mg" else 1)
        raise bad
    if analyte.kind == "ratio":  # INR: a bare number
        if not re.fullmatch(r"\d+(?:\.\d+)?", raw):
            raise bad
        return float(raw)
    number, _, unit = raw.partition(" ")
    try:
        amount = float(number)
    except ValueError:
        raise bad from None
    if not unit:
        raise InputError(option, f"{shown(raw)} has no unit; give a value for {analyte.name} like {analyte.example}")
    if not math.isfinite(amount):
        raise InputError(option, f"{shown(raw)} is not a finite number; give a value like {analyte.example}")
    if analyte.kind == "mass":
        value = convert(amount, unit, "g/L")
    elif "mol" in unit:
        value = convert(amount, unit, "umol/L")
    else:  # mass concentration of a molar analyte: mg/L divided by g/mol is mmol/L
        per_litre = convert(amount, unit, "mg/L")
        value = None if per_litre is None else per_litre / (analyte.molar_mass or 1) * 1000
    if value is None:  # a unit of the wrong dimension for this analyte (a mass, a count, a length)
        raise bad
    return value


def _same(raw: str, value: float, analyte: Analyte) -> bool:
    return raw.replace(" ", "").lower() == f"{format_number(value, 3)}{analyte.unit}".replace(" ", "").lower()


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
        multiple, (low, high) = float(match[1]), ULN_MULTIPLE
        if not low <= multiple <= high:
            raise InputError(option, f"{shown(text.strip())}: a multiple of the upper limit of normal must lie in "
                                     f"{format_number(low)}–{format_number(high)} x ULN")
        return Criterion(lab, op, multiple, True, text.strip())
    return Criterion(lab, op, parse_lab(lab, text, option).value, False, text.strip())


GATE_SCOPE_WORDS = {"each": "every occurrence", "first": "the first occurrence only", "cycle": "day 1 of each cycle"}


def gates_text(criteria: tuple[Criterion, ...], lookback: int, scope: str | None = None) -> str:
    """``anc ≥ 1.2 x10^9/L, platelets ≥ 60 x10^9/L within 7 days before``, and with ``scope`` which
    occurrences they apply to (``; every occurrence``)."""
    listed = ", ".join(c.describe() for c in criteria)
    return f"{listed} within {lookback} days before" + (f"; {GATE_SCOPE_WORDS.get(scope, scope)}" if scope else "")
