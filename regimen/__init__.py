"""regimen: oncology trial regimens as cited event rules, expanded into patient dose and visit calendars.

>>> import regimen
>>> patient = regimen.Patient.from_measurements(weight="72 kg")
>>> plan = regimen.schedule("NCT05760430", "experimental", patient, "2026-12-01")
>>> plan.dates("pve")
[datetime.date(2026, 12, 15)]
>>> plan.dose("camrelizumab").text
'216 mg'
"""

from __future__ import annotations

from .dosing import Dose
from .errors import InputError, LookupFailure, ProtocolError, ProtocolErrors, RegimenError, ScheduleError
from .inputs import parse_horizon
from .loader import list_protocols, load_file, load_protocol, validate_files
from .model import Activity, Arm, Assumption, Choice, Protocol
from .notation import format_rule, parse_rule
from .patient import Patient, bsa, cockcroft_gault
from .plan import DoseSheet, Event, Plan
from .schedule import doses, schedule

__all__ = [
    "Activity", "Arm", "Assumption", "Choice", "Course", "Dose", "DoseSheet", "Event", "InputError", "LookupFailure", "Patient", "Plan",
    "Protocol", "ProtocolError", "ProtocolErrors", "RegimenError", "ScheduleError", "bsa", "cockcroft_gault", "doses",
    "format_rule", "list_protocols", "load_course", "load_file", "load_protocol", "parse_horizon", "parse_rule", "replan", "schedule",
    "validate_files",
]
__version__ = "0.1.0"

_LAZY = {"Course": ".course", "load_course": ".course", "replan": ".course"}


def __getattr__(name: str):
    """Course support loads on first use, keeping `regimen schedule`'s start-up lean."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module 'regimen' has no attribute {name!r}")
