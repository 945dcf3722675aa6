"""The pharmacist's dose sheet: every drug's dose with its derivation, as JSON, CSV, HTML or PDF.

>>> import regimen
>>> patient = regimen.Patient.from_measurements(weight="70 kg", height="170 cm")
>>> sheet = regimen.dose_sheet("NCT05233358", "haic", patient, printed="2026-12-01")
>>> [(d["name"], d["dose"]["value"]) for d in sheet.data()["drugs"]][:2]
[('Oxaliplatin', 154.54), ('Leucovorin', 727.25)]
>>> sheet.to_html().startswith("<!DOCTYPE html>")
True
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any, NamedTuple

from ...errors import InputError
from ...patient import Patient
from ...plan import DoseSheet

__all__ = ["PrintedDoseSheet", "dose_sheet", "printed_date"]


class PrintedDoseSheet(NamedTuple):
    """A :class:`~regimen.plan.DoseSheet` with what its printed forms add: the BSA method the doses
    used and the date printed on it. ``data()`` is the structured sheet; ``to_json()``, ``to_csv()``,
    ``to_html()`` and ``to_pdf()`` render it."""

    sheet: DoseSheet
    bsa_method: str
    printed: date

    def data(self) -> dict[str, Any]:
        from .data import sheet_dict

        return sheet_dict(self.sheet, self.bsa_method, self.printed.isoformat())

    def to_json(self) -> str:
        """Strict JSON (no NaN), numbers as numbers each with its unit; see ``schema/dose-sheet.schema.json``."""
        return json.dumps(self.data(), indent=2, ensure_ascii=False, allow_nan=False) + "\n"

    def to_csv(self, *, bom: bool = False) -> str:
        """One row per drug (RFC 4180, CRLF), typed columns, no cell a spreadsheet runs as a formula."""
        from .table import dumps

        return ("\ufeff" if bom else "") + dumps(self.data())

    def to_html(self) -> str:
        """One self-contained page (inline CSS, no script, no network), printable on A4 and Letter."""
        from .html import page

        return page(self.data())

    def to_pdf(self) -> bytes:
        """The HTML page as a PDF (needs the ``pdf`` extra)."""
        from ..pdf import pdf_bytes

        return pdf_bytes(self.to_html())


def dose_sheet(protocol, arm: str, patient: Patient, *, choices: Mapping[str, str] | None = None,
               levels: Mapping[str, int] | None = None, bsa_method: str = "mosteller",
               printed: date | str | None = None) -> PrintedDoseSheet:
    """The pharmacist's dose sheet for ``patient`` on ``arm`` (the arguments of :func:`regimen.doses`),
    dated ``printed`` (default: :func:`printed_date`)."""
    from ...schedule import doses

    sheet = doses(protocol, arm, patient, choices=choices, levels=levels, bsa_method=bsa_method)
    return PrintedDoseSheet(sheet, bsa_method, printed_date(printed))


def printed_date(value: date | str | None = None, option: str = "printed") -> date:
    """The date printed on a sheet: ``value`` if given, else ``SOURCE_DATE_EPOCH``'s day (UTC), else
    today, so that the same inputs print the same sheet."""
    from ... import inputs

    if value is not None:
        return inputs.parse_date(value, option)
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        try:
            return datetime.fromtimestamp(int(epoch), tz=UTC).date()
        except (ValueError, OverflowError, OSError):
            raise InputError("SOURCE_DATE_EPOCH", f"{epoch!r} is not a Unix timestamp in whole seconds") from None
    return inputs.today()
