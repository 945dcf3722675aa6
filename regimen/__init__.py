"""regimen: oncology trial regimens as cited event rules, expanded into patient dose and visit calendars.

>>> import regimen
>>> patient = regimen.Patient.from_measurements(weight="72 kg")
>>> plan = regimen.schedule("NCT05760430", "experimental", patient, "2026-12-01")
>>> plan.dates("pve")
[datetime.date(2026, 12, 15)]
>>> plan.dose("camrelizumab").text
'216 mg'

Functions (``__all__``): plan with ``schedule`` and ``doses``; follow a patient with ``load_course``,
``replan`` and ``check``; ``explain`` an event's date; read protocols with ``load_protocol``, ``list_protocols``, ``load_file`` and
``validate_files``; liver scores with ``child_pugh`` and ``albi``; ``screen`` a course's eligibility
windows; ``parse_rule``/``format_rule`` for timing notation, ``parse_horizon``, ``bsa``,
``cockcroft_gault``; adverse events with ``grade_lab`` and ``grade_course`` (CTCAE v5.0), ``toxicity`` (what
the label asks for) and ``apply_toxicity`` (record it); ``dose_sheet``: the pharmacist's printable dose sheet
(``to_html()``, ``to_json()``, ``to_csv()``, ``to_pdf()``).

Values (import them by name; ``help(regimen.Plan)`` and so on for each):

* ``Patient``: measurements with units, checked for plausibility; ``Patient.from_measurements(...)``.
* ``Plan``: a patient's calendar (``events``, ``dates()``, ``dose()``, ``to_json()``, ``to_csv()``, ``to_ics()``, ``to_fhir()``);
  ``Event``: one dated occurrence; ``DoseSheet``: every drug's dose, from ``doses``.
* ``Dose``: one administration's dose with its derivation.
* ``Protocol``, ``Arm``, ``Activity``, ``Choice``, ``Assumption``: a cited protocol, as values (``Protocol.to_fhir()``).
* ``Course``: one patient's recorded course (``load_course``).
* Errors: ``RegimenError`` and its subclasses ``InputError``, ``LookupFailure``, ``ProtocolError``,
  ``ProtocolErrors``, ``ScheduleError``; every message names what was wrong and what is accepted.
"""

from __future__ import annotations

from .dosing import Dose as Dose
from .errors import InputError as InputError
from .errors import LookupFailure as LookupFailure
from .errors import ProtocolError as ProtocolError
from .errors import ProtocolErrors as ProtocolErrors
from .errors import RegimenError as RegimenError
from .errors import ScheduleError as ScheduleError
from .explain import explain  # eager: the function, not the module of the same name
from .inputs import parse_horizon
from .loader import list_protocols, load_file, load_protocol, validate_files
from .model import Activity as Activity
from .model import Arm as Arm
from .model import Assumption as Assumption
from .model import Choice as Choice
from .model import Protocol as Protocol
from .notation import format_rule, parse_rule
from .patient import Patient as Patient
from .patient import bsa, cockcroft_gault
from .plan import DoseSheet as DoseSheet
from .plan import Event as Event
from .plan import Plan as Plan
from .schedule import doses, schedule

# The functions: help(regimen) stays a short map (the values above are documented on their own, and
# re-exported with "as" so type checkers treat them as public).
__all__ = ["albi", "apply_toxicity", "bsa", "check", "child_pugh", "cockcroft_gault", "dose_sheet", "doses", "explain", "format_rule", "grade_course",
           "grade_lab", "list_protocols", "load_course", "load_file", "load_protocol", "parse_horizon", "parse_rule", "replan", "schedule",
           "screen", "toxicity", "validate_files"]
__version__ = "0.1.0"

_LAZY = {"Course": ".course", "load_course": ".course", "replan": ".course", "check": ".course", "grade_lab": ".clinical.ctcae",
         "grade_course": ".guidance.grading", "toxicity": ".guidance.toxicity", "apply_toxicity": ".guidance.toxicity",
         "child_pugh": ".clinical.scores", "albi": ".clinical.scores", "screen": ".guidance.screening", "dose_sheet": ".export.dosesheet"}


def __getattr__(name: str):
    """Course support loads on first use, keeping `regimen schedule`'s start-up lean."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module 'regimen' has no attribute {name!r}")
