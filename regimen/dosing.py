"""Dose specifications and the doses they give a patient, each with its derivation.

A dose's basis is declared, exactly one of:

* :class:`Flat` (``1200 mg``), :class:`PerKg` (``3 mg/kg`` × actual body weight),
  :class:`PerM2` (``85 mg/m2`` × BSA, Mosteller unless stated),
* :class:`Ladder`: dose levels, highest first (regorafenib 160 → 120 → 80 mg), where a level may
  change the frequency too (lenvatinib ``4 mg qod``),
* :class:`WeightBands`: half-open weight bands ``[from, below)`` each with its own ladder, so
  60.0 kg falls in "60 kg or more" by construction.

A cap (``max``) and a rounding policy apply only where the protocol states them. Every
:class:`Dose` lists its derivation: the measurements used, the formula, the unrounded value and
any cap or rounding with its % change. Arithmetic is plain floats: pint is only used to parse.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from .errors import InputError
from .patient import Patient, bsa_method
from .rules import CycleDays, Every
from .strengths import covering, exact, nearest_combination
from .units import format_number as fmt

__all__ = ["BASES", "Band", "Dose", "DoseSpec", "Level", "Product", "RoundToStep", "RoundToStrengths"]

Pattern = Every | CycleDays


class Product(NamedTuple):
    """A marketed form of a drug: ``tablet``, ``capsule`` or ``vial``, and its strengths in mg; a
    solution's ``concentration`` (mg/mL) makes its vials volumes (5 g/100 mL) and its dose one too."""

    form: str
    strengths: tuple[float, ...]
    source: str = ""
    concentration: float | None = None  # mg/mL, for a vial of solution

    @property
    def oral(self) -> bool:
        return self.form in ("tablet", "capsule")


class RoundToStep(NamedTuple):
    """Round to the nearest multiple of ``step`` mg (only where the protocol says so)."""

    step: float

    def describe(self) -> str:
        return f"to the nearest {fmt(self.step)} mg"


class RoundToStrengths(NamedTuple):
    """Round to the nearest whole-unit combination of product strengths, if within ``tolerance`` %."""

    tolerance: float

    def describe(self) -> str:
        return f"to whole product units if within {fmt(self.tolerance)}%"


Rounding = RoundToStep | RoundToStrengths


class Dose(NamedTuple):
    """One administration's dose, and how it was reached."""

    amount: float
    basis: str
    derivation: tuple[str, ...]
    unrounded: float
    unit: str = "mg"
    pattern: Pattern | None = None
    level: int | None = None
    take: str | None = None
    preparation: str | None = None
    form: str | None = None  # tablet, capsule or vial, where the protocol lists the product
    units: tuple[tuple[float, int], ...] = ()  # (strength mg, count) per administration
    planned: float | None = None  # a recorded dose: what the plan said (``amount`` is what was given)

    @property
    def waste(self) -> float:
        """mg left over in opened vials per administration (0 for tablets and capsules)."""
        if self.form != "vial" or not self.units:
            return 0.0
        return round(sum(strength * count for strength, count in self.units) - self.amount, 6)

    @property
    def text(self) -> str:
        from .notation import format_pattern

        text = f"{fmt(self.amount)} {self.unit}"
        if self.planned is not None:
            off = (self.amount - self.planned) / self.planned * 100 if self.planned else float("inf")
            text += f" given (planned {fmt(self.planned)} {self.unit}, {off:+.1f}%)"
        return f"{text} {format_pattern(self.pattern)}" if self.pattern else text

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"<Dose {self.text} ({self.basis})>"


class Level(NamedTuple):
    """One dose level: an amount, and a frequency that replaces the activity's own (``4 mg qod``)."""

    amount: float
    pattern: Pattern | None = None

    def __str__(self) -> str:
        from .notation import format_pattern

        text = f"{fmt(self.amount)} mg"
        return f"{text} {format_pattern(self.pattern)}" if self.pattern else text


class Band(NamedTuple):
    """Weights in ``[lower, upper)`` kg (either end open) take this ladder."""

    lower: float | None
    upper: float | None
    levels: tuple[Level, ...]

    def contains(self, weight: float) -> bool:
        return (self.lower is None or weight >= self.lower) and (self.upper is None or weight < self.upper)

    def describe(self) -> str:
        if self.lower is None:
            return f"below {fmt(self.upper or 0)} kg"
        if self.upper is None:
            return f"{fmt(self.lower)} kg or more"
        return f"{fmt(self.lower)} kg or more and below {fmt(self.upper)} kg"


BASES = ("flat", "per_kg", "per_m2", "dose_level", "weight_band")


@dataclass(frozen=True, slots=True)
class DoseSpec:
    """How a protocol states a dose. Build one with a named constructor: ``DoseSpec.flat(1200)``,
    ``.per_kg(3)``, ``.per_m2(85)``, ``.ladder(levels)`` or ``.by_weight(bands)``."""

    basis: str
    amount: float = 0.0  # flat: mg; per_kg: mg/kg; per_m2: mg/m²
    levels: tuple[Level, ...] = ()
    bands: tuple[Band, ...] = ()
    choice: str | None = None  # a choice that picks the starting level of a ladder
    bsa_method: str | None = None  # per_m2: None means the plan's method (Mosteller unless chosen)
    max: float | None = None
    rounding: Rounding | None = None

    @classmethod
    def flat(cls, amount: float, **options) -> DoseSpec:
        return cls("flat", amount, **options)

    @classmethod
    def per_kg(cls, rate: float, **options) -> DoseSpec:
        return cls("per_kg", rate, **options)

    @classmethod
    def per_m2(cls, rate: float, bsa_method: str | None = None, **options) -> DoseSpec:
        return cls("per_m2", rate, bsa_method=bsa_method, **options)

    @classmethod
    def ladder(cls, levels: tuple[Level, ...], choice: str | None = None, **options) -> DoseSpec:
        return cls("dose_level", levels=tuple(levels), choice=choice, **options)

    @classmethod
    def by_weight(cls, bands: tuple[Band, ...], **options) -> DoseSpec:
        return cls("weight_band", bands=tuple(bands), **options)

    @property
    def reducible(self) -> bool:
        return self.basis in ("dose_level", "weight_band")

    @property
    def follows_weight(self) -> bool:
        """Whether the amount is computed from body size (and so may be recalculated)."""
        return self.basis in ("per_kg", "per_m2")

    def describe(self) -> str:
        if self.basis == "flat":
            return f"{fmt(self.amount)} mg"
        if self.basis == "per_kg":
            return f"{fmt(self.amount, 3)} mg/kg"
        if self.basis == "per_m2":
            return f"{fmt(self.amount, 3)} mg/m²"
        if self.basis == "dose_level":
            return " → ".join(str(level) for level in self.levels)
        return "; ".join(f"{band.describe()}: {' → '.join(map(str, band.levels))}" for band in self.bands)

    def band_for(self, weight: float) -> Band:
        return next(band for band in self.bands if band.contains(weight))

    def index_of(self, text: str) -> int | None:
        key = _compact(text)
        return next((i for i, level in enumerate(self.levels) if _compact(str(level)) == key), None)

    def compute(self, patient: Patient, *, product: Product | None = None, bsa: str = "mosteller",
                level: int = 0, drug: str = "drug") -> Dose:
        same = self.basis in _PATIENT_FREE
        if same:  # a flat dose or a ladder's level: the same Dose for every patient, derived once
            key = (id(self), id(product), level, drug)
            found = _SAME.get(key)
            if found is not None and found[0] is self and found[1] is product:
                return found[2]
        lines, raw, pattern = _RAW[self.basis](self, patient, bsa, level, drug)
        dose = _finish(self, raw, lines, product, pattern, level if self.reducible else None)
        if same:
            if len(_SAME) >= 4096:
                _SAME.clear()
            _SAME[key] = (self, product, dose)
        return dose


def _flat(spec: DoseSpec, patient: Patient, bsa: str, level: int, drug: str):
    return [f"flat dose: {fmt(spec.amount)} mg (does not depend on body size)"], spec.amount, None


def _per_kg(spec: DoseSpec, patient: Patient, bsa: str, level: int, drug: str):
    weight = patient.weight_kg
    raw = spec.amount * weight
    return [
        f"weight: {patient.weight} (actual body weight)",
        f"{fmt(spec.amount, 3)} mg/kg × {fmt(weight, 3)} kg = {fmt(raw, 4)} mg",
    ], raw, None


def _per_m2(spec: DoseSpec, patient: Patient, bsa: str, level: int, drug: str):
    if patient.height is None:
        raise InputError("height", f"the {drug} dose is {spec.describe()} and needs the patient's height, like \"170 cm\"")
    method = bsa_method(spec.bsa_method or bsa)
    area = method.compute(patient.height.value, patient.weight_kg)
    raw = spec.amount * area
    return [
        f"weight: {patient.weight}; height: {patient.height}",
        f"BSA ({method.name}, {method.formula}) = {fmt(area, 4)} m²",
        f"{fmt(spec.amount, 3)} mg/m² × {fmt(area, 4)} m² = {fmt(raw, 4)} mg",
    ], raw, None


def _ladder(spec: DoseSpec, patient: Patient, bsa: str, level: int, drug: str):
    chosen = _level(spec.levels, level, drug, "")
    return [f"dose level {level + 1} of {len(spec.levels)} ({spec.describe()}): {chosen}"], chosen.amount, chosen.pattern


def _bands(spec: DoseSpec, patient: Patient, bsa: str, level: int, drug: str):
    band = spec.band_for(patient.weight_kg)
    chosen = _level(band.levels, level, drug, f" for {band.describe()}")
    lines = [
        f"weight: {patient.weight}, which is {band.describe()}",
        f"band {band.describe()}: {' → '.join(map(str, band.levels))}",
        f"dose level {level + 1} of {len(band.levels)}: {chosen}",
    ]
    return lines, chosen.amount, chosen.pattern


_RAW = {"flat": _flat, "per_kg": _per_kg, "per_m2": _per_m2, "dose_level": _ladder, "weight_band": _bands}
_PATIENT_FREE = frozenset({"flat", "dose_level"})  # bases whose derivation reads nothing of the patient
_SAME: dict[tuple, tuple] = {}  # (id of spec, id of product, level, drug name) -> (spec, product, Dose): a cohort derives each once


def _level(levels: tuple[Level, ...], index: int, drug: str, where: str) -> Level:
    if not 0 <= index < len(levels):
        raise InputError(
            "levels", f"{drug} has {len(levels)} dose levels{where} (1 to {len(levels)}); level {index + 1} would mean discontinuing it"
        )
    return levels[index]


def _compact(text: str) -> str:
    return "".join(text.lower().split())


def _finish(spec: DoseSpec, raw: float, lines: list[str], product: Product | None,
            pattern: Pattern | None, level: int | None) -> Dose:
    amount = raw
    if spec.max is not None and amount > spec.max:
        lines.append(f"capped at the protocol maximum {fmt(spec.max)} mg: {fmt(amount, 4)} → {fmt(spec.max)} mg ({_change(amount, spec.max)})")
        amount = spec.max
    elif spec.max is not None:
        lines.append(f"protocol maximum {fmt(spec.max)} mg not reached")
    amount = _round(spec.rounding, amount, product, lines)
    if round(amount, 2) != amount:
        lines.append(f"stated to 0.01 mg: {fmt(amount, 2)} mg")
    take = preparation = None
    units: tuple[tuple[float, int], ...] = ()
    if product is not None:
        units, take, preparation = _units(product, amount)
        if take:
            lines.append(f"take: {take}")
        if preparation:
            lines.append(f"prepare: {preparation}")
    lines.append(f"dose: {fmt(amount)} mg per administration")
    return Dose(round(amount, 2), spec.basis, tuple(lines), raw, pattern=pattern, level=level,
                take=take, preparation=preparation, form=product.form if product else None, units=units)


def _round(rounding: Rounding | None, amount: float, product: Product | None, lines: list[str]) -> float:
    if rounding is None:
        lines.append("no rounding (the protocol states none)")
        return amount
    if isinstance(rounding, RoundToStep):
        rounded = round(amount / rounding.step) * rounding.step
    else:
        if product is None:
            lines.append("no rounding: the protocol rounds to product strengths but lists none for this drug")
            return amount
        rounded = nearest_combination(product.strengths, amount)
        if abs(rounded - amount) > amount * rounding.tolerance / 100:
            lines.append(f"not rounded: the nearest whole-unit dose {fmt(rounded)} mg is beyond {fmt(rounding.tolerance)}% ({_change(amount, rounded)})")
            return amount
    lines.append(f"rounded {rounding.describe()}: {fmt(amount, 4)} → {fmt(rounded)} mg ({_change(amount, rounded)})")
    return rounded


def _change(before: float, after: float) -> str:
    return f"{(after - before) / before * 100:+.2f}%"


def _units(product: Product, amount: float) -> tuple[tuple[tuple[float, int], ...], str | None, str | None]:
    """(strength, count) pairs for one administration, and the take / prepare text."""
    if product.oral:
        combo = exact(product.strengths, amount)
        if combo is None:
            return (), f"no whole number of {fmt_strengths(product)} {product.form}s makes {fmt(amount)} mg; ask the pharmacy", None
        return tuple(combo), _describe(combo, product.form), None
    combo = covering(product.strengths, amount)
    amount = round(amount, 2)  # the dose as stated, so that its volume and left-over are the stated dose's
    total = sum(strength * n for strength, n in combo)
    if product.concentration:
        return tuple(combo), None, volume_text(product, combo, amount)
    return tuple(combo), None, f"{_describe(combo, product.form)} ({fmt(total - amount)} mg left over)"


def volume_text(product: Product, combo: list[tuple[float, int]], amount: float) -> str:
    """A solution's preparation: ``87.27 mL of 50 mg/mL from 1 × 5 g/100 mL vial (12.73 mL left over)``
    (the dose and the vials' total, each divided by the concentration, to 0.01 mL)."""
    mg_per_ml = product.concentration or 1.0
    amount = round(amount, 2)
    left = sum(strength * n for strength, n in combo) - amount
    vials = " + ".join(f"{n} × {mass_text(s)}/{fmt(s / mg_per_ml)} mL vial{'s' if n != 1 else ''}" for s, n in combo)
    return f"{fmt(amount / mg_per_ml)} mL of {fmt(mg_per_ml)} mg/mL from {vials} ({fmt(left / mg_per_ml)} mL left over)"


def mass_text(mg: float) -> str:
    """``5000 -> "5 g"``, ``2500 -> "2.5 g"``, ``500 -> "500 mg"``: a vial's content as its label says it."""
    return f"{fmt(mg / 1000, 3)} g" if mg >= 1000 else f"{fmt(mg)} mg"


def fmt_strengths(product: Product) -> str:
    return "/".join(f"{fmt(s)} mg" for s in product.strengths)


def _describe(combo: list[tuple[float, int]], form: str) -> str:
    return " + ".join(f"{n} × {fmt(strength)} mg {form}{'s' if n != 1 else ''}" for strength, n in combo if n)
