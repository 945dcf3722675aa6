"""The patient: measurements with their units, checked for plausibility, and the body-size formulas.

Formulas (all VERIFIED against globalrph.com/bsa2.htm, harderworld.com BSA references and
calculators.im for BSA; medicalalgorithms.com, Taber's and rxkinetics for Cockcroft–Gault):

- BSA, Mosteller (default): Mosteller RD. Simplified calculation of body-surface area.
  N Engl J Med 1987;317:1098. BSA = sqrt(H cm x W kg / 3600).
- BSA, DuBois & DuBois: DuBois D, DuBois EF. Arch Intern Med 1916;17:863.
- BSA, Haycock: Haycock GB et al. J Pediatr 1978;93:62.
- BSA, Gehan & George: Gehan EA, George SL. Cancer Chemother Rep 1970;54:225.
- BSA, Boyd: Boyd E, 1935 (weight in grams).
- Creatinine clearance: Cockcroft DW, Gault MH. Nephron 1976;16:31.

No BSA cap is applied unless a protocol sets one.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from .errors import InputError, LookupFailure
from .inputs import BOUNDS, parse_height, parse_weight, within_bounds
from .units import Measured

__all__ = ["BSA_METHODS", "Patient", "bsa", "cockcroft_gault"]

AGE_RANGE = (18, 120)


class BsaMethod(NamedTuple):
    name: str
    formula: str
    source: str
    compute: Callable[[float, float], float]  # (height cm, weight kg) -> m²


def _boyd(height: float, weight: float) -> float:
    grams = weight * 1000
    return 0.0003207 * height**0.3 * grams ** (0.7285 - 0.0188 * math.log10(grams))


BSA_METHODS = {
    m.name: m
    for m in (
        BsaMethod("mosteller", "√(height cm × weight kg / 3600)", "Mosteller, NEJM 1987;317:1098",
                  lambda h, w: math.sqrt(h * w / 3600)),
        BsaMethod("dubois", "0.007184 × height^0.725 × weight^0.425", "DuBois & DuBois, Arch Intern Med 1916;17:863",
                  lambda h, w: 0.007184 * h**0.725 * w**0.425),
        BsaMethod("haycock", "0.024265 × height^0.3964 × weight^0.5378", "Haycock, J Pediatr 1978;93:62",
                  lambda h, w: 0.024265 * h**0.3964 * w**0.5378),
        BsaMethod("gehan-george", "0.0235 × height^0.42246 × weight^0.51456", "Gehan & George, Cancer Chemother Rep 1970;54:225",
                  lambda h, w: 0.0235 * h**0.42246 * w**0.51456),
        BsaMethod("boyd", "0.0003207 × height^0.3 × weight_g^(0.7285 − 0.0188 × log10 weight_g)", "Boyd 1935",
                  _boyd),
    )
}


def bsa_method(name: str) -> BsaMethod:
    key = name.strip().lower().replace("_", "-").replace(" ", "-")
    if key in ("gehan", "gehan-and-george", "gehangeorge"):
        key = "gehan-george"
    if key == "du-bois":
        key = "dubois"
    try:
        return BSA_METHODS[key]
    except KeyError:
        raise LookupFailure("BSA method", name, BSA_METHODS) from None


def bsa(height_cm: float, weight_kg: float, method: str = "mosteller") -> float:
    """Body-surface area in m², unrounded: ``bsa(170, 72)`` is √(170 × 72 / 3600) = 1.8439 m²."""
    return bsa_method(method).compute(_positive(height_cm, "height_cm"), _positive(weight_kg, "weight_kg"))


def cockcroft_gault(age: float, weight_kg: float, creatinine_mg_dl: float, female: bool) -> float:
    """Creatinine clearance in mL/min, not normalised to 1.73 m²; × 0.85 if female."""
    if not AGE_RANGE[0] <= _positive(age, "age") <= AGE_RANGE[1]:
        raise InputError("age", f"{age!r} is outside the accepted age range {AGE_RANGE[0]}–{AGE_RANGE[1]} years")
    if not isinstance(female, bool):
        raise InputError("female", f"expected True or False, got {female!r}")
    value = (140 - age) * _positive(weight_kg, "weight_kg") / (72 * _positive(creatinine_mg_dl, "creatinine_mg_dl"))
    return value * 0.85 if female else value


def _positive(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
        raise InputError(name, f"expected a positive number, got {value!r}")
    return value


@dataclass(frozen=True, slots=True)
class Patient:
    """A patient's measurements. Holds no name: an identifier, if any, is the caller's pseudonym.

    Build one with ``Patient.from_measurements(weight="72 kg", height="170 cm")``; the fields hold
    parsed, bounded measurements, so ``Patient(weight=72)`` is refused at once.
    """

    weight: Measured
    height: Measured | None = None
    sex: str | None = None
    age: int | None = None

    def __post_init__(self) -> None:
        _check_field(self.weight, "weight")
        if self.height is not None:
            _check_field(self.height, "height")
        if self.sex not in (None, "female", "male"):
            raise InputError("sex", f"{self.sex!r} is not accepted; use female or male")
        if self.age is not None and (type(self.age) is not int or not AGE_RANGE[0] <= self.age <= AGE_RANGE[1]):
            raise InputError("age", f"{self.age!r} is not an age in whole years {AGE_RANGE[0]}–{AGE_RANGE[1]}")

    @classmethod
    def from_measurements(
        cls,
        weight: str,
        height: str | None = None,
        *,
        sex: str | None = None,
        age: int | str | None = None,
        prefix: str = "",
    ) -> Patient:
        """Build a patient from text such as ``weight="72 kg", height="5 ft 7 in"`` (see ``regimen.inputs``).

        ``prefix`` goes before each parameter name in error messages (``measurements.weight``).
        """
        w = parse_weight(weight, f"{prefix}weight")
        h = None
        if height is not None and not (isinstance(height, str) and not height.strip()):
            h = parse_height(height, f"{prefix}height")
        return cls(w, h, _sex(sex, f"{prefix}sex"), _age(age, f"{prefix}age"))

    @property
    def weight_kg(self) -> float:
        return self.weight.value

    @property
    def height_cm(self) -> float | None:
        return self.height.value if self.height else None

    def describe(self) -> str:
        parts = [f"weight {self.weight}"]
        if self.height:
            parts.append(f"height {self.height}")
        return ", ".join(parts)


def _check_field(value: object, kind: str) -> None:
    unit = BOUNDS[kind].unit
    if not isinstance(value, Measured) or value.unit != unit:
        raise InputError(kind, f"{value!r} is not a measured {kind}; use Patient.from_measurements({kind}=\"...\") to read one with its unit")
    within_bounds(value, kind, kind)


def _sex(value: str | None, option: str) -> str | None:
    if value is None or value == "":
        return None
    key = str(value).strip().lower()
    mapping = {"f": "female", "female": "female", "m": "male", "male": "male"}
    if key not in mapping:
        raise InputError(option, f"{value!r} is not accepted; use female or male")
    return mapping[key]


def _age(value: int | str | None, option: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        age = int(str(value).strip())
    except ValueError:
        raise InputError(option, f"{value!r} is not an age in whole years, like 64") from None
    if not AGE_RANGE[0] <= age <= AGE_RANGE[1]:
        raise InputError(option, f"{age} is outside the accepted age range {AGE_RANGE[0]}–{AGE_RANGE[1]} years")
    return age
