"""What schedule() and doses() share: the arm's choices resolved (a choice that changes nothing is
an error naming what it depends on), its activities chosen, dose levels checked, each drug's dose
computed once, and the plan's warnings about choices and assumptions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date
from typing import NamedTuple

from .dosing import Dose
from .errors import InputError, ScheduleError
from .inputs import parse_date
from .model import Activity, Arm, Protocol
from .patient import Patient
from .rules import Rule

__all__ = ["Prepared", "as_mapping", "prepare", "resolve_pins"]


class Prepared(NamedTuple):
    protocol: Protocol
    arm: Arm
    activities: list[Activity]
    resolved: dict[str, tuple[str, bool]]
    rules: dict[str, Rule]
    doses: dict[str, Dose]
    warnings: tuple[str, ...]

    @property
    def choice_rows(self) -> tuple[tuple[str, str, bool], ...]:
        return tuple((name, value, default) for name, (value, default) in self.resolved.items())


def prepare(protocol: Protocol | str, arm: str, patient: Patient, choices: Mapping[str, str] | None,
           levels: Mapping[str, int] | None, bsa_method: str) -> Prepared:
    """What schedule() and doses() share: arguments checked, choices resolved, activities chosen, doses computed once."""
    if isinstance(protocol, str):
        from .loader import load_protocol

        protocol = load_protocol(protocol)
    elif not isinstance(protocol, Protocol):
        raise InputError("protocol", f"expected a Protocol or a protocol id like \"NCT05760430\", got {type(protocol).__name__}")
    for name, value, kind, expected in (("arm", arm, str, 'an arm id like "experimental"'),
                                        ("patient", patient, Patient, 'a Patient, like Patient.from_measurements(weight="72 kg")'),
                                        ("bsa_method", bsa_method, str, 'a BSA formula\'s name like "mosteller"')):
        if not isinstance(value, kind):
            raise InputError(name, f"expected {expected}, got {type(value).__name__}")
    choices = as_mapping(choices, "choices", str)
    levels = as_mapping(levels, "levels", int)
    the_arm, activities, resolved, warnings = _shape(protocol, arm, choices, levels)
    rules, doses_by_id = {}, {}
    for activity in activities:
        rules[activity.id], dose = _dose_and_rule(protocol, activity, patient, resolved, levels, bsa_method)
        if dose is not None:
            doses_by_id[activity.id] = dose
    return Prepared(protocol, the_arm, list(activities), dict(resolved), rules, doses_by_id, warnings)  # copies: the shape is shared


_SHAPES: dict[tuple, tuple] = {}  # (protocol id, arm, choices, levels) -> (protocol, shape): a cohort's rows share a few


def _shape(protocol: Protocol, arm: str, choices: dict[str, str], levels: dict[str, int]) -> tuple:
    """What of a plan does not depend on the patient: the arm, its activities as chosen, the choices
    that matter (resolved) and the plan's warnings; the choices and levels checked. Kept per
    protocol, arm, choices and levels (a bad one raises each time: nothing is kept for it)."""
    key = (id(protocol), arm, tuple(sorted(choices.items())), tuple(sorted(levels.items())))
    found = _SHAPES.get(key)
    if found is not None and found[0] is protocol:
        return found[1]
    the_arm = protocol.arm(arm)
    resolved = protocol.resolve_choices(the_arm, choices)
    chosen = {name: value for name, (value, _) in resolved.items()}
    activities = tuple(a for a in the_arm.activities if a.applies(chosen))
    for name in choices:
        if not _matters(name, the_arm, activities, chosen):
            raise InputError("choices", f"{name} = {choices[name]} changes nothing on arm {the_arm.id} as chosen: "
                                        f"{_depends(name, the_arm, chosen)}")
    resolved = {name: value for name, value in resolved.items() if _matters(name, the_arm, activities, chosen)}
    _check_levels(levels, the_arm)
    shape = (the_arm, activities, resolved, tuple(_plan_warnings(protocol, activities, resolved)))
    if len(_SHAPES) >= 64:  # (as many protocols as the loader keeps: no more are held alive here)
        _SHAPES.clear()
    _SHAPES[key] = (protocol, shape)
    return shape


def _matters(name: str, arm: Arm, included: Sequence[Activity], chosen: Mapping[str, str]) -> bool:
    """Whether a choice can change this plan: it picks a dose level, or decides between activities."""
    if any(a.dose is not None and a.dose.choice == name for a in included):
        return True
    # it decides between activities: one of them applies for some value of this choice
    return any(activity.applies({**chosen, name: value}) for activity in arm.activities
               for choice, values in activity.when if choice == name for value in values)


def _depends(name: str, arm: Arm, chosen: Mapping[str, str]) -> str:
    """Which other choice keeps ``name`` from mattering, said as the condition to set."""
    users = [a for a in arm.activities if any(c == name for c, _ in a.when) or (a.dose is not None and a.dose.choice == name)]
    needed = sorted({(c, " or ".join(v)) for a in users for c, v in a.when if c != name and chosen.get(c) not in v})
    if not needed:
        return "no activity it picks is in the plan"
    return "it applies only when " + " and ".join(f"{c} = {v} (now {chosen.get(c, 'unset')})" for c, v in needed)


def _dose_and_rule(protocol: Protocol, activity: Activity, patient: Patient,
                   resolved: Mapping[str, tuple[str, bool]], levels: Mapping[str, int], bsa: str) -> tuple[Rule, Dose | None]:
    if activity.dose is None:
        return activity.rule, None
    level = 0
    if activity.dose.choice:
        level = activity.dose.index_of(resolved[activity.dose.choice][0]) or 0
    if activity.id in levels:
        level = levels[activity.id] - 1  # dose level N of the protocol's ladder, 1 = its highest dose
    product = protocol.drug(activity.drug).product if activity.drug else None
    dose = activity.dose.compute(patient, product=product, bsa=bsa, level=level, drug=activity.name)
    rule = activity.rule
    if dose.pattern is not None and rule.pattern is not None and dose.pattern != rule.pattern:
        rule = replace(rule, pattern=dose.pattern)
    return rule, dose


def _plan_warnings(protocol: Protocol, activities: Sequence[Activity], resolved: Mapping[str, tuple[str, bool]]) -> list[str]:
    ids: dict[str, None] = {}
    for name, (_, is_default) in resolved.items():
        if is_default:
            for assumption in protocol.choice(name).assumptions:
                ids.setdefault(assumption)
    for activity in activities:
        for assumption in activity.assumptions:
            ids.setdefault(assumption)
    notes = []
    for name, (value, is_default) in resolved.items():
        choice = protocol.choice(name)
        how = "the documented default" if is_default else "as chosen"
        notes.append(f"choice {name} = {value} ({how}): {choice.option(value).label}")
    conditional = sorted({a.name for a in activities if a.condition})
    if conditional:
        notes.append(f"conditional events are planned but not certain: {', '.join(conditional)}")
    return notes + [protocol.assumption(i).warning() for i in ids]


def as_mapping(value: object, name: str, kind: type | None = None) -> dict:
    """``value`` as a dict of names to ``kind`` values (None: no mapping given), or an InputError naming ``name``."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InputError(name, f"expected a mapping of names to values, like {{\"ici\": \"camrelizumab\"}}, got {type(value).__name__}")
    for key, item in value.items():
        if not isinstance(key, str) or (kind is not None and (not isinstance(item, kind) or isinstance(item, bool))):
            raise InputError(f"{name}.{key}", f"{item!r} is not accepted; give {'a number' if kind is int else 'text'}")
    return dict(value)


def resolve_pins(pins: Mapping[str, date | str], arm: Arm, included: set[str]) -> dict[str, date]:
    result = {}
    for activity_id, value in pins.items():
        arm.activity(activity_id)
        if activity_id not in included:
            raise ScheduleError("this activity is not part of the plan with the chosen options", option=f"pins.{activity_id}")
        result[activity_id] = parse_date(value, f"pins.{activity_id}")
    return result


def _check_levels(levels: Mapping[str, int], arm: Arm) -> None:
    for activity_id, level in levels.items():
        activity = arm.activity(activity_id)
        if activity.dose is None or not activity.dose.reducible:
            raise InputError(f"levels.{activity_id}", f"{activity.name} has no dose levels to reduce "
                                                       f"(doses: {activity.dose.describe() if activity.dose else 'none'})")
        if level < 1:
            raise InputError(f"levels.{activity_id}", f"{level!r}: give a dose level, 1 = the highest ({activity.dose.describe()})")
