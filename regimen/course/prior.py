"""What happened before day 0, and the clinical findings screening needs, in a course file.

::

    [[prior]]                          # a prior event: dated before day 0 by nature
    type = "radiotherapy"              # see PRIOR_TYPES
    from = 2026-10-20                  # a treatment over days: from and to (both included)
    to = 2026-11-10
    reason = "SBRT to a bone lesion"   # optional

    [[prior]]
    type = "pregnancy-test"
    date = 2026-11-24                  # a one-day event: date
    value = "negative"                 # pregnancy-test only: negative or positive

    [[findings]]                       # a clinical finding on a day
    date = 2026-11-26
    name = "ecog"                      # ecog (0-5), ascites (none, mild, moderate),
    value = "1"                        # encephalopathy (none, grade-1-2, grade-3-4)

The course rule "nothing dated before day 0" is about treatment records ([[events]]); these may
lie before it. Like every record they may not lie after today: they record what happened.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any, NamedTuple

from ..errors import InputError, shown
from ..protocol.screening import FINDINGS, PRIOR_TYPES
from ..tomlfile import TomlFile

__all__ = ["FINDINGS", "PRIOR_TYPES", "Finding", "Prior", "check_finding", "check_prior", "finding_text", "prior_text",
           "read_findings", "read_priors"]

TEST_VALUES = {"pregnancy-test": ("negative", "positive")}
_PRIOR = {"type": str, "date": (str, date), "from": (str, date), "to": (str, date), "value": str, "reason": str}
_FINDING = {"date": (str, date), "name": str, "value": str}


class Prior(NamedTuple):
    """A prior event over ``first``..``last`` (the same day for a one-day event)."""

    index: int
    type: str
    first: date
    last: date
    value: str = ""
    reason: str = ""

    def describe(self) -> str:
        when = f"on {self.first}" if self.first == self.last else f"from {self.first} to {self.last}"
        return f"prior {self.type} {when}" + (f": {self.value}" if self.value else "") + (f" ({self.reason})" if self.reason else "")


class Finding(NamedTuple):
    index: int
    date: date
    name: str
    value: str

    def describe(self) -> str:
        return f"finding {self.name} {self.value} on {self.date}"


def check_prior(kind: object, value: object, name: str = "ACTIVITY") -> None:
    """A prior event's type and value: the value only for a test, and a test needs one."""
    if kind not in PRIOR_TYPES:
        raise InputError(name, f"{shown(kind)} is not a prior event type; give one of {', '.join(PRIOR_TYPES)}")
    accepted = TEST_VALUES.get(str(kind))
    if accepted and value not in accepted:
        raise InputError("value", f"a {kind} needs its result: {' or '.join(accepted)}" + (f", got {shown(value)}" if value else ""))
    if not accepted and value is not None:
        raise InputError("value", f"a prior {kind} has no value (only {', '.join(TEST_VALUES)} has a result)")


def check_finding(name: object, value: object, option: str = "ACTIVITY") -> None:
    if name not in FINDINGS:
        raise InputError(option, f"{shown(name)} is not a finding; give one of {', '.join(FINDINGS)}")
    if value not in FINDINGS[str(name)]:
        raise InputError("value", f"{name} is one of {', '.join(FINDINGS[str(name)])}, got {shown(value)}")


def read_priors(file: TomlFile, items: list[Any], read_date) -> tuple[Prior, ...]:
    """The ``[[prior]]`` tables; every problem recorded on ``file``, located."""
    found = []
    for index, item in enumerate(items):
        path = f"prior[{index}]"
        good = file.table(item, path, _PRIOR, ("type",))
        ranged = "from" in good or "to" in good
        if ranged == ("date" in good) or (ranged and not {"from", "to"} <= good.keys()):
            file.error(path, "a prior event takes date (one day) or from and to (a treatment over days), not both")
            continue
        try:
            check_prior(good.get("type"), good.get("value"), f"{path}.type")
        except InputError as exc:
            file.error(f"{path}.value" if exc.option == "value" else f"{path}.type", exc.detail)
            continue
        first = read_date(file, f"{path}.{'from' if ranged else 'date'}", good.get("from" if ranged else "date"))
        last = read_date(file, f"{path}.to", good["to"]) if ranged else first
        if first and last and last < first:
            file.error(f"{path}.to", f"{last} is before from = {first}")
        elif first and last:
            found.append(Prior(index, good["type"], first, last, good.get("value", ""), good.get("reason", "")))
    return tuple(found)


def read_findings(file: TomlFile, items: list[Any], read_date) -> tuple[Finding, ...]:
    found = []
    for index, item in enumerate(items):
        path = f"findings[{index}]"
        good = file.table(item, path, _FINDING, ("date", "name", "value"))
        if len(good) < 3:
            continue
        try:
            check_finding(good["name"], good["value"], f"{path}.name")
        except InputError as exc:
            file.error(f"{path}.value" if exc.option == "value" else f"{path}.name", exc.detail)
            continue
        if when := read_date(file, f"{path}.date", good["date"]):
            found.append(Finding(index, when, good["name"], good["value"]))
    return tuple(found)


def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def prior_text(kind: str, *, when: date | None, first: date | None, last: date | None, value: str | None, reason: str | None) -> str:
    lines = ["", "[[prior]]", f"type = {_q(kind)}"]
    lines += [f"from = {first}", f"to = {last}"] if first is not None or last is not None else [f"date = {when}"]
    if value is not None:
        lines.append(f"value = {_q(value)}")
    if reason:
        lines.append(f"reason = {_q(reason)}")
    return "\n".join(lines) + "\n"


def finding_text(name: str, *, when: date | None, value: str | None) -> str:
    return f"\n[[findings]]\ndate = {when}\nname = {_q(name)}\nvalue = {_q(value or '')}\n"
