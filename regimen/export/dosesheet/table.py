"""A dose sheet as CSV: one row per drug, numbers in their own typed columns (unit in the column
name), text cells guarded against formula injection by :func:`regimen.export.csv.safe_cell`."""

from __future__ import annotations

import csv
import io
from typing import Any

from ..csv import safe_cell

__all__ = ["COLUMNS", "dumps"]

COLUMNS = (
    "protocol", "arm", "activity", "name", "drug", "route", "basis", "prescribed", "weight_kg", "height_cm",
    "bsa_m2", "bsa_method", "formula", "unrounded_mg", "cap_mg", "capped", "rounding", "dose_mg", "dose_text",
    "frequency", "level", "take", "prepare", "volume_ml", "left_over", "left_over_unit", "product_source", "assumptions",
)


def dumps(data: dict[str, Any]) -> str:
    """The CSV text of :func:`regimen.export.dosesheet.data.sheet_dict`'s data."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for drug in data["drugs"]:
        writer.writerow([_cell(value) for value in _row(data, drug)])
    return out.getvalue()


def _row(data: dict[str, Any], drug: dict[str, Any]) -> tuple:
    steps = {step["step"]: step for step in drug["steps"]}
    cap = steps.get("cap")
    left = drug["left_over"]
    product = drug["product"]
    return (
        data["protocol"]["id"], data["arm"]["id"], drug["activity"], drug["name"], drug["drug"], drug["route"], drug["basis"],
        drug["prescribed"], steps["weight"]["value"] if "weight" in steps else None,
        steps["height"]["value"] if "height" in steps else None, steps["bsa"]["value"] if "bsa" in steps else None,
        steps["bsa"]["method"] if "bsa" in steps else None, drug["formula"], drug["unrounded"]["value"],
        cap["value"] if cap else None, cap["applied"] if cap else None, drug["rounding"], drug["dose"]["value"],
        drug["dose"]["text"], drug["frequency"], drug["level"], drug["take"], drug["prepare"],
        drug["volume"]["value"] if drug["volume"] else None, left["value"] if left else None, left["unit"] if left else None,
        product["source"] if product else None, " ".join(drug["assumptions"]),
    )


def _cell(value: object) -> object:
    """Numbers as numbers, booleans as true/false, nothing as an empty cell, text guarded."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    return safe_cell(" ".join(str(value).split()))
