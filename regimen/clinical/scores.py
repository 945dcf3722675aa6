"""Liver scores: Child-Pugh (Pugh 1973) and ALBI (Johnson 2015), each with its derivation.

Values come in with their units through the one lab parser (``regimen.labs.parse_lab``: bilirubin
in mg/dL or µmol/L, albumin in g/dL or g/L, INR a bare number), inside each analyte's
physiological bounds. Nothing is rounded: the unrounded value is compared with each cut-off.

Child-Pugh bands (Pugh RNH et al., Br J Surg 1973; the INR column is the modern substitute for the
paper's prothrombin time, 1-4 / 4-6 / >6 seconds prolonged):

=================  ===========================  ==========================  =======================
item               1 point                      2 points                    3 points
=================  ===========================  ==========================  =======================
total bilirubin    < 2 mg/dL  (< 34 µmol/L)     2-3 mg/dL  (34-51 µmol/L)   > 3 mg/dL  (> 51 µmol/L)
albumin            > 3.5 g/dL (> 35 g/L)        2.8-3.5 g/dL (28-35 g/L)    < 2.8 g/dL (< 28 g/L)
INR                < 1.7                        1.7-2.3                     > 2.3
ascites            none                         mild                        moderate (to severe)
encephalopathy     none                         grade 1-2                   grade 3-4
=================  ===========================  ==========================  =======================

Boundary readings: the outer bands are strict ("< 2", "> 3"), so the middle band holds both of
its ends: bilirubin 2.0 and 3.0 mg/dL score 2 points, albumin 3.5 and 2.8 g/dL score 2, INR 1.7 and
2.3 score 2. Bilirubin given in a mass unit is compared with the mg/dL cut-offs, in a molar unit
with the µmol/L cut-offs the source prints beside them (34 and 51, the rounded conversions of
34.2 and 51.3): the two printed tables differ only for 34.0-34.2 and 51.0-51.3 µmol/L, and each
unit follows its own table exactly. Albumin is converted to g/L (exactly 10 g/L per g/dL).
Classes: A = 5-6 points, B = 7-9, C = 10-15. Some texts (Harrison's) use 30 g/L instead of 28 for
albumin; this module uses Pugh's 2.8 g/dL.

ALBI (Johnson PJ et al., J Clin Oncol 2015;33:550): 0.66 × log10(bilirubin µmol/L) − 0.085 ×
albumin g/L; grade 1 if ≤ −2.60, grade 2 if > −2.60 and ≤ −1.39, grade 3 if > −1.39, applied to
the unrounded score (−2.596 is grade 2, though it rounds to −2.60).
"""

from __future__ import annotations

import math
from typing import NamedTuple

from ..errors import InputError, shown
from ..labs import ANALYTES, parse_lab
from ..units import convert, format_number
from .findings import ASCITES, ENCEPHALOPATHY

__all__ = ["ASCITES", "CITATIONS", "ENCEPHALOPATHY", "Albi", "ChildPugh", "Item", "albi", "albi_grade", "child_pugh", "child_pugh_class"]

CITATIONS = {
    "pugh": ("Pugh RNH, Murray-Lyon IM, Dawson JL, Pietroni MC, Williams R. Transection of the oesophagus for bleeding "
             "oesophageal varices. Br J Surg. 1973;60(8):646-649. https://doi.org/10.1002/bjs.1800600817"),
    "albi": ("Johnson PJ, Berhane S, Kagebayashi C, et al. Assessment of liver function in patients with hepatocellular "
             "carcinoma: a new evidence-based approach - the ALBI grade. J Clin Oncol. 2015;33(6):550-558. "
             "https://doi.org/10.1200/JCO.2014.57.9151"),
}


class Item(NamedTuple):
    """One Child-Pugh item: the value as given (and converted), its points, and the band it fell in."""

    name: str
    value: str
    points: int
    band: str


class ChildPugh(NamedTuple):
    items: tuple[Item, ...]
    total: int
    grade: str  # the class: A, B or C
    derivation: tuple[str, ...]


class Albi(NamedTuple):
    score: float  # unrounded
    grade: int
    bilirubin: float  # µmol/L
    albumin: float  # g/L
    derivation: tuple[str, ...]


def _band(value: float, low: float, high: float, rising: bool) -> int:
    """Points for a value against a middle band closed at both ends: ``[low, high]`` is 2 points."""
    if low <= value <= high:
        return 2
    return 1 if (value < low) == rising else 3


def _amount(text: str, unit: str) -> float | None:
    """A lab text (already checked by parse_lab) in ``unit``, converted exactly; None if it is not in a unit of that dimension."""
    number, _, given = text.strip().partition(" ")
    return convert(float(number), given.strip(), unit) if given.strip() else None


def _bilirubin(text: object, option: str) -> tuple[float, Item]:
    """Bilirubin in µmol/L and its Child-Pugh item, banded in the unit it was given in."""
    lab = parse_lab("tbil", _text(text, option, "tbil"), option)
    number, mg_dl = float(lab.text.split()[0]), _amount(lab.text, "mg/dL")
    if mg_dl is not None:
        value = lab.text if mg_dl == number else f"{lab.text} = {format_number(mg_dl, 3)} mg/dL"
        points = _band(mg_dl, 2.0, 3.0, rising=True)
        band = ["< 2 mg/dL", "2–3 mg/dL, 2.0 and 3.0 included", "> 3 mg/dL"][points - 1]
    else:
        value = lab.text if lab.value == number else f"{lab.text} = {format_number(lab.value, 2)} µmol/L"
        points = _band(lab.value, 34.0, 51.0, rising=True)
        band = ["< 34 µmol/L", "34–51 µmol/L, 34 and 51 included", "> 51 µmol/L"][points - 1]
    return lab.value, Item("bilirubin", value, points, band)


def _albumin(text: object, option: str) -> tuple[float, Item]:
    lab = parse_lab("albumin", _text(text, option, "albumin"), option)
    shown_value = lab.show(ANALYTES["albumin"])
    points = _band(lab.value, 28.0, 35.0, rising=False)
    band = ["> 3.5 g/dL = 35 g/L", "2.8–3.5 g/dL = 28–35 g/L, both included", "< 2.8 g/dL = 28 g/L"][points - 1]
    return lab.value, Item("albumin", shown_value, points, band)


def _inr(text: object, option: str) -> Item:
    lab = parse_lab("inr", _text(text, option, "inr"), option)
    points = _band(lab.value, 1.7, 2.3, rising=True)
    band = ["< 1.7", "1.7–2.3, both included", "> 2.3"][points - 1]
    return Item("INR", lab.text, points, band)


def _text(value: object, option: str, lab: str) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool) and lab != "inr":
        raise InputError(option, f"{value!r} has no unit; give a value like {ANALYTES[lab].example}")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return format_number(float(value), 9)
    if not isinstance(value, str):
        raise InputError(option, f"expected text like {ANALYTES[lab].example}, got {type(value).__name__}")
    return value


def _finding(value: object, option: str, accepted: tuple[str, ...], name: str) -> Item:
    if value not in accepted:
        raise InputError(option, f"{shown(value)} is not accepted; give one of {', '.join(accepted)}")
    points = accepted.index(value) + 1
    return Item(name, str(value), points, "")


def child_pugh_class(total: int) -> str:
    """A for 5–6 points, B for 7–9, C for 10–15."""
    return "A" if total <= 6 else "B" if total <= 9 else "C"


def child_pugh(bilirubin: object, albumin: object, inr: object, ascites: object, encephalopathy: object) -> ChildPugh:
    """The Child-Pugh score and class (see the module's doc for each band and boundary).

    >>> result = child_pugh("1.1 mg/dL", "3.6 g/dL", "1.1", "none", "none")
    >>> result.total, result.grade
    (5, 'A')
    """
    items = (_bilirubin(bilirubin, "bilirubin")[1], _albumin(albumin, "albumin")[1], _inr(inr, "inr"),
             _finding(ascites, "ascites", ASCITES, "ascites"), _finding(encephalopathy, "encephalopathy", ENCEPHALOPATHY, "encephalopathy"))
    total = sum(item.points for item in items)
    grade = child_pugh_class(total)
    lines = [f"{item.name} {item.value}: {item.points} point{'s' if item.points > 1 else ''}" + (f" ({item.band})" if item.band else "")
             for item in items]
    lines += [f"total {' + '.join(str(i.points) for i in items)} = {total} points: class {grade} (A 5–6, B 7–9, C 10–15)",
              "bands: Pugh 1973, the middle band including both of its ends; INR replaces the paper's prothrombin time",
              f"source: {CITATIONS['pugh']}"]
    return ChildPugh(items, total, grade, tuple(lines))


def albi_grade(score: float) -> int:
    """ALBI grade of an unrounded score: 1 if ≤ −2.60, 2 if ≤ −1.39, else 3."""
    return 1 if score <= -2.60 else 2 if score <= -1.39 else 3


def albi(bilirubin: object, albumin: object) -> Albi:
    """The ALBI score (unrounded) and grade.

    >>> result = albi("10 umol/L", "45 g/L")
    >>> round(result.score, 3), result.grade
    (-3.165, 1)
    """
    umol, bili_item = _bilirubin(bilirubin, "bilirubin")
    grams, alb_item = _albumin(albumin, "albumin")
    if umol <= 0:
        raise InputError("bilirubin", f"{shown(bili_item.value)}: ALBI takes the logarithm of bilirubin, which must be more than 0")
    score = 0.66 * math.log10(umol) - 0.085 * grams
    grade = albi_grade(score)
    lines = (f"bilirubin {format_number(umol, 4)} µmol/L (from {bili_item.value}), albumin {format_number(grams, 4)} g/L (from {alb_item.value})",
             f"ALBI = 0.66 × log10({format_number(umol, 4)}) − 0.085 × {format_number(grams, 4)} = {score!r}",
             f"grade {grade} (1 if ≤ −2.60; 2 if > −2.60 and ≤ −1.39; 3 if > −1.39; the unrounded score is compared)",
             f"source: {CITATIONS['albi']}")
    return Albi(score, grade, umol, grams, lines)
