"""A patient's course: what actually happened, kept in a TOML file a nurse can read and edit.

::

    patient = "P-0042"                 # a pseudonym: letters, digits, '.', '_', '-'; never a name
    protocol = "NCT05760430"
    arm = "experimental"
    start = 2026-12-01                 # day 0
    [choices]                          # as --choose
    [pins]                             # as --at

    [[measurements]]
    date = 2026-11-28
    weight = "80 kg"
    height = "170 cm"

    [[events]]
    type = "given"                     # given, rescheduled, held, skipped, level, discontinued,
    activity = "camrelizumab"          # restarted, confirmed, ruled_out, ae
    date = 2026-12-08
    occurrence = 1                     # given, rescheduled, skipped: which occurrence (default: the next)
    dose = "216 mg"                    # given: the dose actually given (optional)

``held`` takes ``from`` and ``to``, or, held until recovery (``toxicity --apply``), ``from`` and the label's
``resume`` condition (with its time ``limit``): a later ``restarted`` ends it; ``level`` takes ``level``
(1 = starting level); ``ae`` (an adverse event attributed to a drug) takes ``date``, ``term`` (CTCAE v5.0)
and ``grade``; a record set by a label rule names it (``rule``), and records written together share a
``group`` that ``undo`` takes back whole. Every event may carry a ``reason``. Events are kept in the
order they were recorded. A ``surgery`` (a resection) has a ``date`` and no activity,
and ``planned = true`` while it is still to come: it holds each drug for its label washout.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any, NamedTuple

from ..errors import InputError, ProtocolErrors
from ..inputs import PSEUDONYM, parse_date, parse_measurement
from ..tomlfile import TomlFile, read_toml
from ..units import Measured, format_number

__all__ = ["EVENT_TYPES", "PSEUDONYM", "Course", "Lab", "Measurement", "Pin", "Record", "load_course", "parse_course", "read_course_text"]

EVENT_TYPES = ("given", "rescheduled", "held", "skipped", "level", "discontinued", "restarted", "confirmed", "ruled_out", "ae", "surgery")

_TOP = {"patient": str, "protocol": str, "arm": str, "start": (str, date), "horizon": str, "choices": dict, "pins": dict,
        "measurements": list, "labs": list, "events": list, "calendar": str, "pin": dict, "migrations": list,
        "revision": int, "changed": datetime, "prior": list, "findings": list}
_PIN = {"version": str, "sha256": str, "activities": dict}
_LAB = {"date": (str, date), "name": str, "value": str, "uln": str}
_MEASUREMENT = {"date": (str, date), "weight": str, "height": str}
_EVENT = {"type": str, "activity": str, "date": (str, date), "occurrence": int, "from": (str, date), "to": (str, date),
          "dose": str, "level": int, "reason": str,
          "term": str, "grade": int, "rule": str, "resume": str, "limit": (str, date), "group": str,
          "planned": bool}  # ae and what a label rule set; planned: a surgery still to come
_NEEDS = {
    "given": ("date",), "rescheduled": ("date",), "skipped": (), "held": ("from", "to"), "level": ("date", "level"),
    "discontinued": ("date",), "restarted": ("date",), "confirmed": ("date",), "ruled_out": (), "ae": ("date", "term", "grade"), "surgery": ("date",),
}


class Measurement(NamedTuple):
    date: date
    weight: Measured | None
    height: Measured | None


class Lab(NamedTuple):
    """A laboratory result: ``value`` and ``uln`` in the analyte's canonical unit (see labs.py)."""

    date: date
    name: str
    value: float
    text: str
    uln: float | None = None


class Record(NamedTuple):
    """One recorded event, as written in the course file (``index`` is its place in the file)."""

    index: int
    type: str
    activity: str
    date: date | None = None
    occurrence: int | None = None
    until: date | None = None  # held: the last day held
    dose: float | None = None  # given: mg actually given
    level: int | None = None  # level: 1 = starting level
    reason: str = ""
    term: str = ""  # ae: the CTCAE v5.0 term
    grade: int | None = None  # ae: its CTCAE v5.0 grade
    rule: str = ""  # held, level, discontinued set by a label rule: "drug/rule-id"
    resume: str = ""  # held until recovery: the label's resume condition
    limit: date | None = None  # held until recovery: the day the label's time limit expires
    group: str = ""  # records written together (toxicity --apply): undo takes them back together
    planned: bool = False  # surgery: still to come

    @property
    def open(self) -> bool:
        """A hold until recovery: no last day; a later ``restarted`` ends it."""
        return self.type == "held" and self.until is None

    def describe(self) -> str:
        when = f"from {self.date} to {self.until}" if self.until else f"on {self.date}" if self.date else ""
        which = f" #{self.occurrence}" if self.occurrence else ""
        if self.type == "level":
            text = f"level {self.level} for {self.activity} from {self.date}"
        elif self.type == "ae":
            text = f"adverse event {self.term} grade {self.grade} ({self.activity}) on {self.date}"
        elif self.open:
            text = f"held {self.activity} from {self.date} until recovery" + (f": resume when {self.resume}" if self.resume else "")
        elif self.type == "surgery":
            text = f"surgery {'planned ' if self.planned else ''}{when}"
        else:
            text = f"{self.type} {self.activity}{which}" + (f" ({format_number(self.dose)} mg)" if self.dose is not None else "") + f" {when}"
        return text.strip() + (f" ({self.reason})" if self.reason else "")


class Pin(NamedTuple):
    """The protocol a course was made on: its version, content hash, and each activity's fingerprint."""

    version: str
    sha256: str
    activities: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Course:
    """One patient's course as recorded: day 0, choices, measurements, labs and events, and the
    protocol version it is pinned to. Read with :func:`load_course`; re-plan with ``regimen.replan``."""

    patient: str
    protocol: str
    arm: str
    start: date
    choices: tuple[tuple[str, str], ...] = ()
    pins: tuple[tuple[str, date], ...] = ()
    measurements: tuple[Measurement, ...] = ()
    records: tuple[Record, ...] = ()
    horizon: str | None = None
    path: str = ""
    labs: tuple[Lab, ...] = ()
    calendar: str = ""  # a random identifier made with the course: calendar UIDs derive from it, never from the pseudonym
    pin: Pin | None = None  # the protocol version the course follows (set by ``course new`` and ``course migrate``)
    migrations: tuple[tuple[date, str, str], ...] = ()  # (from date, old version, new version)
    revision: int = 0  # raised by every write of regimen's (record, undo, migrate): a calendar's SEQUENCE never goes down
    changed: datetime | None = None  # when regimen last wrote the file (UTC): a calendar's DTSTAMP
    priors: tuple = ()  # [[prior]]: what happened before day 0 (course/prior.py)
    findings: tuple = ()  # [[findings]]: ECOG, ascites, encephalopathy on a day (course/prior.py)

    def latest_lab(self, name: str, on: date, lookback: int) -> Lab | None:
        """The latest ``name`` result from the ``lookback`` days up to ``on``."""
        found = [lab for lab in self.labs if lab.name == name and 0 <= (on - lab.date).days <= lookback]
        return max(found, key=lambda lab: lab.date) if found else None

    def baseline(self) -> Course:
        """The same course with nothing recorded: the plan as it was first made."""
        return replace(self, records=())

    def for_activity(self, activity: str) -> list[Record]:
        return [r for r in self.records if r.activity == activity]

    def measured(self, kind: str, on: date) -> tuple[Measured, date] | None:
        """The latest ``weight`` or ``height`` measured on or before ``on``, with its date."""
        found = None
        for m in sorted(self.measurements, key=lambda m: m.date):
            value = getattr(m, kind)
            if m.date <= on and value is not None:
                found = (value, m.date)
        return found

    def weights(self) -> Iterator[tuple[date, Measured]]:
        for m in sorted(self.measurements, key=lambda m: m.date):
            if m.weight is not None:
                yield m.date, m.weight


def load_course(path: str | Path) -> Course:
    """Read and parse a course file (see :func:`parse_course`)."""
    if not isinstance(path, str | os.PathLike):
        raise InputError("path", f"expected a course file's path, got {type(path).__name__}")
    path = Path(path)
    return parse_course(read_course_text(path), str(path))


def parse_course(text: str, name: str = "course.toml") -> Course:
    """Read a course file's text; every problem is reported at once, located."""
    data = read_toml(text, name)
    file = TomlFile(name, text)
    top = file.table(data, "", _TOP, ("patient", "protocol", "arm", "start", "measurements"))
    patient = top.get("patient", "")
    if patient and not PSEUDONYM.fullmatch(patient):
        file.error("patient", f"{patient!r} is not accepted: give a pseudonym of letters, digits, '.', '_' and '-' "
                              "(at most 64, no spaces), never a name")
    start = _date(file, "start", top.get("start"))
    measurements = tuple(m for i, item in enumerate(top.get("measurements", [])) if (m := _measurement(file, i, item)))
    if "measurements" in top and not any(m.weight for m in measurements):
        file.error("measurements", 'at least one measurement needs a weight, like weight = "72 kg"')
    records = tuple(r for i, item in enumerate(top.get("events", [])) if (r := _record(file, i, item)))
    labs = tuple(lab for i, item in enumerate(top.get("labs", [])) if (lab := _lab(file, i, item)))
    pins = tuple((k, d) for k, v in top.get("pins", {}).items() if (d := _date(file, f"pins.{k}", v)))
    pin = None
    if "pin" in top:
        good = file.table(top["pin"], "pin", _PIN, ("version", "sha256"))
        if {"version", "sha256"} <= good.keys():
            pin = Pin(good["version"], good["sha256"], tuple(sorted((k, str(v)) for k, v in good.get("activities", {}).items())))
    migrations = []
    for i, item in enumerate(top.get("migrations", [])):
        good = file.table(item, f"migrations[{i}]", {"date": (str, date), "from": str, "to": str, "reason": str}, ("date", "from", "to"))
        if (when := _date(file, f"migrations[{i}].date", good.get("date"))) and {"from", "to"} <= good.keys():
            migrations.append((when, good["from"], good["to"]))
    calendar = top.get("calendar", "")
    if calendar and not re.fullmatch(r"[0-9a-f]{32}", calendar):
        file.error("calendar", f"expected the 32 hex digits that `regimen course new` writes, got {calendar[:40]!r}")
    revision = top.get("revision", 0)
    if revision < 0:
        file.error("revision", f"expected a count of regimen's writes, 0 or more, got {revision}")
    changed = top.get("changed")
    if changed is not None and changed.tzinfo is None:
        file.error("changed", "expected a UTC time like 2026-12-01T09:30:00Z")
    from .prior import read_findings, read_priors

    priors, findings = read_priors(file, top.get("prior", []), _date), read_findings(file, top.get("findings", []), _date)
    if file.errors:
        raise ProtocolErrors(sorted(file.errors, key=lambda e: (e.line is None, e.line or 0)))
    return Course(patient, top["protocol"], top["arm"], start, tuple((k, str(v)) for k, v in top.get("choices", {}).items()),
                  pins, measurements, records, top.get("horizon"), name, labs, calendar, pin, tuple(migrations), revision, changed, priors, findings)


def _date(file: TomlFile, path: str, value: Any) -> date | None:
    """A date through the one date parser (ISO, no time of day, within 1900–2100); an error is recorded, located."""
    if value is None:
        return None
    try:
        return parse_date(value, path)
    except InputError as exc:
        text = value.strip() if isinstance(value, str) else value
        file.error(path, exc.detail if isinstance(value, date) else f"expected a date like 2026-12-01, got {text!r}")
        return None


def _measurement(file: TomlFile, index: int, item: Any) -> Measurement | None:
    path = f"measurements[{index}]"
    good = file.table(item, path, _MEASUREMENT, ("date",))
    values = {}
    for kind in ("weight", "height"):
        if kind in good:
            try:
                values[kind] = parse_measurement(good[kind], kind, f"{path}.{kind}")
            except InputError as exc:
                file.error(f"{path}.{kind}", exc.detail)
    when = _date(file, f"{path}.date", good.get("date"))
    return Measurement(when, values.get("weight"), values.get("height")) if when else None


def _lab(file: TomlFile, index: int, item: Any) -> Lab | None:
    from ..labs import parse_lab, parse_uln

    path = f"labs[{index}]"
    good = file.table(item, path, _LAB, ("date", "name", "value"))
    when = _date(file, f"{path}.date", good.get("date"))
    if not {"name", "value"} <= good.keys():
        return None
    try:
        value = parse_lab(good["name"], good["value"], f"{path}.value")
        uln = parse_uln(good["name"], good["uln"], f"{path}.uln").value if "uln" in good else None
    except InputError as exc:
        file.error(f"{path}.{exc.option.rsplit('.', 1)[-1]}", exc.detail)
        return None
    return Lab(when, good["name"], value.value, value.text, uln) if when else None


def _record(file: TomlFile, index: int, item: Any) -> Record | None:
    path = f"events[{index}]"
    surgery = isinstance(item, dict) and item.get("type") == "surgery"  # concerns every drug: no activity
    good = file.table(item, path, _EVENT, ("type",) if surgery else ("type", "activity"))
    kind = good.get("type")
    if kind is not None and kind not in EVENT_TYPES:
        file.error(f"{path}.type", f"expected one of {', '.join(EVENT_TYPES)}, got {kind!r}")
        return None
    if kind == "surgery":
        return _surgery(file, index, good)
    if "planned" in good:
        file.error(f"{path}.planned", f"planned belongs to a surgery, not to a {kind} event")
    if kind is None or "activity" not in good:
        return None
    ranged = kind == "held" or (kind in ("given", "skipped") and ("from" in good or "to" in good))
    open_hold = kind == "held" and "to" not in good and "resume" in good  # held until recovery: the label's resume condition instead of a last day
    for needed in (("from",) if open_hold else ("from", "to")) if ranged else _NEEDS[kind]:
        if needed not in good:
            file.error(path, f"a {kind} event needs {needed}" + (" (or, held until recovery, resume = \"...\")" if needed == "to" else ""))
    for key in ("term", "grade"):
        if key in good and kind != "ae":
            file.error(f"{path}.{key}", f"{key} belongs to an ae (adverse event) record, not to {kind}")
    if ("resume" in good or "limit" in good) and kind != "held":
        file.error(path, f"resume and limit belong to a held record, not to {kind}")
    grade = good.get("grade")
    if grade is not None and not 1 <= grade <= 5:
        file.error(f"{path}.grade", f"CTCAE grades are 1 to 5, got {grade}")
    if ranged and "date" in good:
        file.error(f"{path}.date", f"a {kind} event over days takes from and to, not date")
    if not ranged and ("from" in good or "to" in good):
        file.error(path, f"from and to belong to held, or to given / skipped home doses over days, not to {kind}")
    first = _date(file, f"{path}.from", good.get("from")) if ranged else _date(file, f"{path}.date", good.get("date"))
    until = _date(file, f"{path}.to", good.get("to")) if ranged else None
    if ranged and kind != "held" and "occurrence" in good:
        file.error(f"{path}.occurrence", "a record over days covers every dose planned in them; it takes no occurrence")
    if first and until and until < first:
        file.error(f"{path}.to", f"{until} is before from = {first}")
    dose = None
    if "dose" in good:
        try:
            dose = parse_measurement(good["dose"], "mass", f"{path}.dose").value
        except InputError as exc:
            file.error(f"{path}.dose", exc.detail)
    level = good.get("level")
    if level is not None and level < 1:
        file.error(f"{path}.level", f"dose levels start at 1 (the starting level), got {level}")
    occurrence = good.get("occurrence")
    if occurrence is not None and occurrence < 1:
        file.error(f"{path}.occurrence", f"occurrences start at 1, got {occurrence}")
    limit = _date(file, f"{path}.limit", good.get("limit"))
    return Record(index, kind, good["activity"], first, occurrence, until, dose, level, good.get("reason", ""), good.get("term", ""),
                  grade, good.get("rule", ""), good.get("resume", ""), limit, good.get("group", ""))


def _surgery(file: TomlFile, index: int, good: dict[str, Any]) -> Record | None:
    """A surgery: a date, no activity (it concerns every drug), ``planned`` while still to come."""
    path = f"events[{index}]"
    for key in ("activity", "from", "to", "occurrence", "dose", "level"):
        if key in good:
            file.error(f"{path}.{key}", f"a surgery takes date, planned and reason only, not {key}: it holds every drug by its washout")
    if "date" not in good:
        file.error(path, "a surgery event needs date")
    when = _date(file, f"{path}.date", good.get("date"))
    return Record(index, "surgery", "", when, reason=good.get("reason", ""), planned=good.get("planned", False)) if when else None


def read_course_text(path: Path) -> str:
    """A course file's text: a regular file (never a device or FIFO) of at most 1 MiB, UTF-8 or
    UTF-16/32 with a byte-order mark."""
    from ..tomlfile import TOML_LIMIT, read_text_file

    return read_text_file(path, "course file", TOML_LIMIT)
