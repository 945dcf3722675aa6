"""CTCAE v5.0 grades for the laboratory terms the labels' dose rules use.

Every grade names its version, because boundaries move between versions (ANC 0.8 ×10⁹/L is
grade 3 in v5.0 and grade 2 in v6.0). Values arrive through ``labs.parse_lab`` (one parser, the
physiological bounds, SI or conventional units) and are graded in the analyte's canonical unit.

Boundaries exactly as CTCAE v5.0 writes them (NCI, 27 Nov 2017):

* decreased counts (neutrophils, platelets): grade 1 ``<LLN–t2``, grade 2 ``<t2–t3``, grade 3
  ``<t3–t4``, grade 4 ``<t4``: a value *at* a threshold belongs to the milder grade (ANC 1.0 is
  grade 2, 0.99 is grade 3);
* increased values (AST, ALT, bilirubin, ALP, creatinine) in multiples of the ULN: grade 1
  ``>ULN–a``, grade 2 ``>a–b``, grade 3 ``>b–c``, grade 4 ``>c``: a value at a multiple belongs to
  the milder grade (AST 3.0 × ULN is grade 1). Where the baseline was abnormal, the v5.0 rows
  grade in multiples of the baseline instead (AST/ALT grade 1 ``>1.5–3.0 × baseline``);
* proteinuria (adult, 24-hour urine): grade 1 ``<1.0 g/24 h``, grade 2 ``1.0–<3.5``, grade 3 ``≥3.5``.
"""

from __future__ import annotations

from typing import NamedTuple

from ..errors import InputError, LookupFailure
from ..labs import ANALYTES, LabValue, parse_lab, parse_uln
from ..units import format_number

__all__ = ["CTCAE_SOURCE", "CTCAE_VERSION", "TERMS", "Graded", "Term", "grade_lab", "grade_value"]

CTCAE_VERSION = "5.0"
CTCAE_SOURCE = ("National Cancer Institute. Common Terminology Criteria for Adverse Events (CTCAE) version 5.0. "
                "US Department of Health and Human Services, 27 November 2017. "
                "https://ctep.cancer.gov/protocoldevelopment/electronic_applications/docs/ctcae_v5_quick_reference_5x7.pdf")


class Term(NamedTuple):
    """One CTCAE v5.0 laboratory term: how its grades are bounded, and how sure the row is."""

    lab: str  # the analyte's name in labs.py
    term: str  # the CTCAE term
    way: str  # "decreased" (absolute thresholds, grade 1 below the LLN), "increased" (multiples of ULN), "absolute"
    thresholds: tuple[float, ...]  # t2, t3, t4 (decreased); a, b, c (increased); grade 2 and 3 starts (absolute)
    baseline: tuple[float, ...] = ()  # increased: grade 1 starts and a, b, c as multiples of an abnormal baseline
    status: str = "VERIFIED"
    source: str = ""


TERMS = {t.lab: t for t in (
    Term("anc", "Neutrophil count decreased", "decreased", (1.5, 1.0, 0.5),
         source="CTCAE v5.0; table copy techoverflow (v5)"),
    Term("platelets", "Platelet count decreased", "decreased", (75, 50, 25), status="PARTIAL",
         source="CTCAE v5.0; grade 1 seen (droracle), grades 2-4 the standard v5 values, consistent with PMC3675695"),
    Term("ast", "Aspartate aminotransferase increased", "increased", (3, 5, 20), (1.5, 3, 5, 20),
         source="CTCAE v5.0; World J Hepatol 2026 Table 1; PMC8807695"),
    Term("alt", "Alanine aminotransferase increased", "increased", (3, 5, 20), (1.5, 3, 5, 20),
         source="CTCAE v5.0; World J Hepatol 2026 Table 1; PMC8807695"),
    Term("tbil", "Blood bilirubin increased", "increased", (1.5, 3, 10), (1.0, 1.5, 3, 10),
         source="CTCAE v5.0; World J Hepatol 2026 Table 1; PMC8807695"),
    Term("alp", "Alkaline phosphatase increased", "increased", (2.5, 5, 20), (2.0, 2.5, 5, 20),
         source="CTCAE v5.0; World J Hepatol 2026 Table 1; PMC8807695"),
    Term("creatinine", "Creatinine increased", "increased", (1.5, 3, 6), status="UNVERIFIED",
         source="CTCAE v5.0 as commonly reproduced (>ULN-1.5, >1.5-3.0, >3.0-6.0, >6.0 x ULN); not seen in a retrieved copy"),
    Term("proteinuria", "Proteinuria", "absolute", (1.0, 3.5), status="PARTIAL",
         source="CTCAE v5.0 (adult, 24-hour urine); grade 3 seen (scilit), grades 1-2 the standard v5 wording"),
)}


class Graded(NamedTuple):
    """A lab value's CTCAE grade: ``grade`` is None where a limit it depends on was not given (``band`` says which)."""

    lab: str
    term: str
    grade: int | None
    band: str  # the band the value fell in, as CTCAE writes it
    value: str  # the value as given, and converted
    derivation: tuple[str, ...]
    status: str
    version: str = CTCAE_VERSION

    def describe(self) -> str:
        grade = f"grade {self.grade}" if self.grade is not None else "grade not determined"
        flag = "" if self.status == "VERIFIED" else f" [{self.status}: {TERMS[self.lab].source}]"
        return f"{self.term} (CTCAE v{self.version}): {grade}; {self.band}{flag}"


def _term(lab: str) -> Term:
    if lab not in TERMS:
        raise LookupFailure("lab to grade by CTCAE v5.0", lab, TERMS)
    return TERMS[lab]


def grade_lab(lab: str, value: str, *, uln: str | None = None, lln: str | None = None, baseline: str | None = None,
              option: str = "value") -> Graded:
    """The CTCAE v5.0 grade of a lab result given as text ("0.8 x10^9/L", "1500 /uL", "4.2 mg/dL").

    ``uln`` (needed for an increased value), ``lln`` (for grade 1 of a decreased count) and
    ``baseline`` (an increase from an abnormal baseline) go through the same parser and bounds.

    >>> grade_lab("anc", "0.8 x10^9/L").describe()
    'Neutrophil count decreased (CTCAE v5.0): grade 3; grade 3: <1.0–0.5 x10^9/L (0.5 ≤ value < 1.0)'
    """
    _term(lab)  # an unknown lab is refused before its value is read
    measured = parse_lab(lab, value, option)
    limit = parse_uln(lab, uln, "uln") if uln is not None else None
    low = parse_lab(lab, lln, "lln") if lln is not None else None
    base = parse_lab(lab, baseline, "baseline") if baseline is not None else None
    if low is not None and low.value <= 0:
        raise InputError("lln", f"{lln!r}: a lower limit of normal must be more than zero")
    return grade_value(lab, measured, uln=limit, lln=low, baseline=base)


def grade_value(lab: str, measured: LabValue, *, uln: LabValue | None = None, lln: LabValue | None = None,
                baseline: LabValue | None = None) -> Graded:
    """The grade of an already parsed value (canonical units), with its derivation."""
    term = _term(lab)
    unit = ANALYTES[lab].unit
    shown = measured.show(ANALYTES[lab])
    lines = [f"{term.term}: {shown}"]
    if term.way == "decreased":
        grade, band = _decreased(term, measured.value, lln.value if lln else None, unit)
        if lln is not None:
            lines.append(f"LLN {lln.show(ANALYTES[lab])}")
    elif term.way == "absolute":
        grade, band = _absolute(term, measured.value, unit)
    else:
        if uln is None:
            raise InputError("uln", f"{term.term} is graded in multiples of the upper limit of normal: give the ULN, "
                                    f"like {ANALYTES[lab].example}")
        grade, band, more = _increased(term, measured.value, uln, baseline)
        lines += more
    lines.append(f"CTCAE v{CTCAE_VERSION}: {band}")
    return Graded(lab, term.term, grade, band, shown, tuple(lines), term.status)


def _n(value: float) -> str:
    """A threshold as CTCAE writes it: one decimal below 10 (``1.0``, ``3.0 × ULN``), whole numbers above."""
    return f"{value:.1f}" if value < 10 and value == round(value, 1) else format_number(value, 3)


def _decreased(term: Term, value: float, lln: float | None, unit: str) -> tuple[int | None, str]:
    t2, t3, t4 = term.thresholds
    if value < t4:
        return 4, f"grade 4: <{_n(t4)} {unit}"
    if value < t3:
        return 3, f"grade 3: <{_n(t3)}–{_n(t4)} {unit} ({_n(t4)} ≤ value < {_n(t3)})"
    if value < t2:
        return 2, f"grade 2: <{_n(t2)}–{_n(t3)} {unit} ({_n(t3)} ≤ value < {_n(t2)})"
    if lln is None:
        return None, f"grade 0 or 1: {_n(t2)} {unit} or more is grade 1 only below the LLN (give the LLN)"
    if value < lln:
        return 1, f"grade 1: <LLN–{_n(t2)} {unit} ({_n(t2)} ≤ value < LLN {_n(lln)})"
    return 0, f"grade 0: at or above the LLN ({_n(lln)} {unit})"


def _absolute(term: Term, value: float, unit: str) -> tuple[int, str]:
    g2, g3 = term.thresholds
    if value >= g3:
        return 3, f"grade 3: ≥{_n(g3)} {unit}"
    if value >= g2:
        return 2, f"grade 2: {_n(g2)} to <{_n(g3)} {unit}"
    if value > 0:
        return 1, f"grade 1: <{_n(g2)} {unit}"
    return 0, f"grade 0: no protein ({_n(value)} {unit})"


def _increased(term: Term, value: float, uln: LabValue, baseline: LabValue | None) -> tuple[int, str, list[str]]:
    abnormal = baseline is not None and baseline.value > uln.value
    if baseline is not None and not term.baseline:
        raise InputError("baseline", f"{term.term} is graded here against the ULN only; its baseline rule is not encoded")
    reference, name = (baseline.value, "baseline") if abnormal else (uln.value, "ULN")
    multiple = round(value / reference, 9)  # a value and its limit converted alike: 1.8 / 1.2 mg/dL is 1.5 x ULN, not 1.5000000000000002
    unit = ANALYTES[term.lab].unit
    lines = [f"ULN {uln.show(ANALYTES[term.lab])}"]
    if baseline is not None:
        lines.append(f"baseline {baseline.show(ANALYTES[term.lab])}: " + ("above the ULN, so graded against the baseline (v5.0)" if abnormal
                                                                          else "normal, so graded against the ULN"))
    lines.append(f"{_n(value)} {unit} / {_n(reference)} {unit} = {format_number(multiple, 4)} × {name}")
    first, (a, b, c) = (term.baseline[0], term.baseline[1:]) if abnormal else (1.0, term.thresholds)
    low = "ULN" if not abnormal else _n(first)
    if multiple > c:
        return 4, f"grade 4: >{_n(c)} × {name}", lines
    if multiple > b:
        return 3, f"grade 3: >{_n(b)}–{_n(c)} × {name}", lines
    if multiple > a:
        return 2, f"grade 2: >{_n(a)}–{_n(b)} × {name}", lines
    if multiple > first:
        return 1, f"grade 1: >{low}–{_n(a)} × {name}", lines
    return 0, f"grade 0: not above {'the ULN' if not abnormal else _n(first) + ' × baseline'}", lines
