"""Protocols as values: a cited Protocol holds Arms, each a tuple of Activities. No I/O here.

Only ``loader.py`` knows the TOML key names; these classes are built through it or directly in
code. Everything is immutable: a change makes a new value with ``_replace``. They are NamedTuples:
records with no validation of their own, cheap to define at import (see the commit on cold start).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple, TypeVar

from .dosing import DoseSpec, Product
from .errors import LookupFailure
from .rules import Rule

__all__ = ["KINDS", "STATUSES", "Activity", "Arm", "Assumption", "Choice", "Contraception", "Drug", "Option", "Protocol", "Reference", "Washout"]

KINDS = ("drug", "procedure", "assessment")
STATUSES = ("VERIFIED", "PARTIAL", "UNVERIFIED", "NONE")
DELAY_SCOPES = ("this", "cycle", "all")
GATE_SCOPES = ("each", "first", "cycle")  # every occurrence, the first only (a start criterion), each cycle's day 1
T = TypeVar("T")


class Reference(NamedTuple):
    id: str
    citation: str
    url: str = ""


class Assumption(NamedTuple):
    """A number or choice the trial record does not state, with where our value comes from.

    ``status`` is the verification status of that source (VERIFIED: seen in a retrieved source;
    PARTIAL: the core number seen, some detail secondary; UNVERIFIED: not confirmed), or
    ``NONE`` for a placeholder with no published source.
    """

    id: str
    text: str
    source: str
    status: str
    short: str = ""  # the one-line form a terminal shows (``short`` in the file; else the text's first clause)

    def warning(self) -> str:
        return f"assumption {self.id}: {self.text} (source: {self.source}; {self.status})"


class Option(NamedTuple):
    id: str
    label: str


class Choice(NamedTuple):
    """A decision the record leaves to the investigator, with a documented default."""

    id: str
    label: str
    options: tuple[Option, ...]
    default: str
    assumptions: tuple[str, ...] = ()

    def option(self, value: str) -> Option:
        key = _compact(value)
        for option in self.options:
            if _compact(option.id) == key:
                return option
        raise LookupFailure(f"value for choice {self.id}", value, [o.id for o in self.options])


class Washout(NamedTuple):
    """A drug's gaps around elective surgery, from its label: the last dose at least ``before`` days
    before the surgery, a restart no earlier than ``after`` days after it."""

    before: int
    after: int
    source: str
    note: str = ""  # a condition beside the days, such as "and the wound has healed"
    assumptions: tuple[str, ...] = ()  # where a gap is not the label's


class Contraception(NamedTuple):
    """How long after the last dose the record asks for contraception: calendar ``months`` or ``days``."""

    months: int
    days: int
    source: str
    assumptions: tuple[str, ...] = ()


class Drug(NamedTuple):
    id: str
    name: str
    product: Product | None = None
    washout: Washout | None = None
    contraception: Contraception | None = None


class Activity(NamedTuple):
    """Something that happens to the patient on a schedule: a drug, a procedure or an assessment."""

    id: str
    name: str
    kind: str
    rule: Rule
    order: int = 0
    drug: str | None = None
    route: str | None = None
    dose: DoseSpec | None = None
    duration_hours: float | None = None
    condition: str | None = None
    when: tuple[tuple[str, tuple[str, ...]], ...] = ()
    given_after: str | None = None
    notes: tuple[str, ...] = ()
    assumptions: tuple[str, ...] = ()
    on_delay: str | None = None  # this, cycle or all: what a delay moves (default: all; this for home dosing)
    max_delay: int | None = None  # days an occurrence may slip before the activity stops
    recalculate: bool = True  # whether a weight change recalculates the dose
    gates: tuple = ()  # labs.Criterion: proceed only if every one passes
    gate_lookback: int = 0  # days before the event in which a lab result counts (required with gates)
    gate_scope: str = "each"  # which occurrences the gates apply to: GATE_SCOPES

    @property
    def anchor(self) -> str:
        return self.rule.start.anchor.activity

    def applies(self, choices: Mapping[str, str]) -> bool:
        return all(_compact(choices.get(name, "")) in {_compact(v) for v in values} for name, values in self.when)

    def __repr__(self) -> str:
        from .notation import format_rule

        return f"<Activity {self.id}: {self.kind}, {format_rule(self.rule)}>"


class Arm(NamedTuple):
    """One arm of a trial: its activities in same-day order, and what its day 0 is."""

    id: str
    label: str
    type: str
    activities: tuple[Activity, ...]
    day0: str = "the arm's first treatment day"
    record: str = ""
    after_surgery: str = "restart"  # or "stop": the arm's treatment ends with resection (guidance/washout.py)

    def activity(self, activity_id: str) -> Activity:
        return _find(self.activities, activity_id, f"activity in arm {self.id}")

    def __repr__(self) -> str:
        return f"<Arm {self.id}: {len(self.activities)} activities ({', '.join(a.id for a in self.activities)})>"

    def choice_ids(self) -> tuple[str, ...]:
        """The protocol choices this arm's activities depend on, in first-use order."""
        seen: dict[str, None] = {}
        for activity in self.activities:
            for name, _ in activity.when:
                seen.setdefault(name)
            choice = activity.dose.choice if activity.dose else None
            if choice:
                seen.setdefault(choice)
        return tuple(seen)


class Protocol(NamedTuple):
    """One trial's regimens, with the citations and assumptions behind every number."""

    id: str
    title: str
    sponsor: str
    source: str
    record_date: str
    version: str
    arms: tuple[Arm, ...]
    references: tuple[Reference, ...] = ()
    assumptions: tuple[Assumption, ...] = ()
    choices: tuple[Choice, ...] = ()
    drugs: tuple[Drug, ...] = ()
    notes: tuple[str, ...] = ()
    path: str = ""
    weight_change: float = 10.0  # % change in weight that recalculates weight-based doses
    sha256: str = ""  # of the file's bytes, for a protocol read from a user's folder (outputs name it)
    screening: object = None  # protocol.screening.Screening: the eligibility windows and thresholds, or None
    calendar: object = None  # protocol.calendar.Durations: how long each clinic activity lasts on a calendar, or None

    def arm(self, arm_id: str) -> Arm:
        return _find(self.arms, arm_id, f"arm of {self.id}")

    def __repr__(self) -> str:
        return f"<Protocol {self.id} v{self.version}: arms {', '.join(a.id for a in self.arms)}>"

    def choice(self, choice_id: str) -> Choice:
        return _find(self.choices, choice_id, f"choice of {self.id}")

    def to_fhir(self, arm: str | None = None, version: str = "R4") -> str:
        """The protocol as ``regimen show PROTOCOL --format fhir`` prints it: a FHIR Bundle of one
        PlanDefinition (and its ActivityDefinitions) per arm, or of ``arm``'s only."""
        from .export.fhir import protocol_dumps

        return protocol_dumps(self, arm, version)

    def assumption(self, assumption_id: str) -> Assumption:
        return _find(self.assumptions, assumption_id, f"assumption of {self.id}")

    def drug(self, drug_id: str) -> Drug:
        return _find(self.drugs, drug_id, f"drug of {self.id}")

    def resolve_choices(self, arm: Arm, given: Mapping[str, str] | None = None) -> dict[str, tuple[str, bool]]:
        """Each choice the arm uses -> (option id, whether the documented default was taken because none was given)."""
        given = dict(given or {})
        used = arm.choice_ids()
        for name in given:
            if name not in used:
                known = used or ("(this arm has no choices)",)
                raise LookupFailure(f"choice for arm {arm.id}", name, known)
        resolved: dict[str, tuple[str, bool]] = {}
        for name in used:
            choice = self.choice(name)
            if name in given:
                option = choice.option(given[name])
                resolved[name] = (option.id, False)  # chosen, even when it is the default: no assumption is made
            else:
                resolved[name] = (choice.default, True)
        return resolved


def _find(items: tuple[T, ...], wanted: str, what: str) -> T:
    """The item whose ``id`` is ``wanted``, or a LookupFailure listing the known ids."""
    for item in items:
        if item.id == wanted:  # type: ignore[attr-defined]
            return item
    raise LookupFailure(what, wanted, [item.id for item in items])  # type: ignore[attr-defined]


def _compact(text: str) -> str:
    return "".join(str(text).lower().split())
