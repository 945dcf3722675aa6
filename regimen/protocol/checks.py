"""Cross-checks over a whole protocol: anchors and their cycles, references to undeclared
drugs, choices and assumptions, and assumptions declared but never used."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ..dosing import DoseSpec
from ..errors import did_you_mean
from ..model import Arm, Choice, Protocol
from ..rules import DAY0
from ..tomlfile import TomlFile as _File

__all__ = ["cross_check"]


def cross_check(file: _File, protocol: Protocol) -> None:
    assumptions = {a.id for a in protocol.assumptions}
    used: set[str] = set()
    drugs = {d.id for d in protocol.drugs}
    choices = {c.id: c for c in protocol.choices}

    def check_assumptions(path: str, ids: Iterable[str]) -> None:
        for assumption in ids:
            used.add(assumption)
            if assumption not in assumptions:
                file.error(path, f"unknown assumption {assumption!r}{did_you_mean(assumption, assumptions)}; declare it under [assumptions.{assumption}]")

    for choice in protocol.choices:
        check_assumptions(f"choices.{choice.id}.assumptions", choice.assumptions)
    for drug in protocol.drugs:
        if drug.washout is not None:  # said by a plan with a planned surgery (guidance/washout.py)
            check_assumptions(f"drugs.{drug.id}.washout.assumptions", drug.washout.assumptions)
        if drug.contraception is not None:  # said by the plan's contraception milestone (guidance/contraception.py)
            check_assumptions(f"drugs.{drug.id}.contraception.assumptions", drug.contraception.assumptions)
    for arm in protocol.arms:
        ids = [a.id for a in arm.activities]
        for activity in arm.activities:
            path = f"arms.{arm.id}.activities.{activity.id}"
            anchor = activity.anchor
            if anchor != DAY0 and anchor not in ids:
                file.error(f"{path}.timing", f"anchored to {anchor!r}, which is not an activity of arm {arm.id}{did_you_mean(anchor, ids)}; known: {', '.join(ids)}")
            if activity.given_after and activity.given_after not in ids:
                file.error(f"{path}.given_after", f"unknown activity {activity.given_after!r}{did_you_mean(activity.given_after, ids)}")
            if activity.drug and activity.drug not in drugs:
                file.error(f"{path}.drug", f"unknown drug {activity.drug!r}{did_you_mean(activity.drug, drugs)}; declare it under [drugs.{activity.drug}]")
            check_assumptions(f"{path}.assumptions", activity.assumptions)
            for name, values in activity.when:
                _check_choice_values(file, f"{path}.when.{name}", choices, name, values)
            ladder_choice = activity.dose.choice if activity.dose else None
            if ladder_choice:
                _check_ladder_choice(file, f"{path}.dose.choice", choices, ladder_choice, activity.dose)  # type: ignore[arg-type]
        _check_cycles(file, arm)
    screening = protocol.screening
    if screening is not None:
        check_assumptions("screening.assumptions", screening.assumptions)
        for rule in screening.rules:
            check_assumptions(f"screening.rules.{rule.id}.assumptions", rule.assumptions)
    if protocol.calendar is not None:  # said by a timed calendar's events (export/ics_visits.py)
        _check_calendar(file, protocol, check_assumptions)
    for unused in sorted(assumptions - used):
        file.error(f"assumptions.{unused}", "declared but never used; reference it from the activity or choice it applies to, or remove it")


def _check_calendar(file: _File, protocol: Protocol, check_assumptions) -> None:
    check_assumptions("calendar.assumptions", protocol.calendar.assumptions)
    ids = sorted({a.id for arm in protocol.arms for a in arm.activities})
    for activity, entry in protocol.calendar.activities:
        if activity not in ids:
            file.error(f"calendar.activities.{activity}", f"unknown activity {activity!r}{did_you_mean(activity, ids)}; known: {', '.join(ids)}")
        check_assumptions(f"calendar.activities.{activity}.assumptions", entry.assumptions)


def _check_choice_values(file: _File, path: str, choices: Mapping[str, Choice], name: str, values: tuple[str, ...]) -> None:
    if name not in choices:
        file.error(path, f"unknown choice {name!r}{did_you_mean(name, choices)}; declare it under [choices.{name}]")
        return
    options = [o.id for o in choices[name].options]
    for value in values:
        if value not in options:
            file.error(path, f"{value!r} is not an option of choice {name}{did_you_mean(value, options)}: {', '.join(options)}")


def _check_ladder_choice(file: _File, path: str, choices: Mapping[str, Choice], name: str, ladder: DoseSpec) -> None:
    if name not in choices:
        file.error(path, f"unknown choice {name!r}{did_you_mean(name, choices)}; declare it under [choices.{name}]")
        return
    for option in choices[name].options:
        if ladder.index_of(option.id) is None:
            file.error(f"choices.{name}.options.{option.id}", f"option {option.id!r} is not one of the dose levels {ladder.describe()}")


def _check_cycles(file: _File, arm: Arm) -> None:
    edges = {a.id: a.anchor for a in arm.activities if a.anchor != DAY0}
    reported: set[str] = set()
    for start in edges:
        seen, node = [start], edges.get(start)
        while node is not None and node not in seen:
            seen.append(node)
            node = edges.get(node)
        if node is not None and node not in reported:
            loop = [*seen[seen.index(node):], node]
            reported.update(loop)
            file.error(f"arms.{arm.id}.activities.{node}.timing", f"anchors form a cycle: {' -> '.join(loop)}")

