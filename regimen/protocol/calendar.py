"""How long each clinic activity lasts on a calendar: a protocol's ``[calendar]`` table.

::

    [calendar]
    default_duration = "60 min"                   # procedures and visits with no stated time
    assumptions = ["calendar-default-duration"]   # the default is an assumption: the calendar says so

    [calendar.activities.atezolizumab]
    duration = ["60 min", "30 min"]   # first occurrence, then every later one (the last repeats)
    source = "Tecentriq label: first infusion over 60 min, later ones over 30 min (reference atezolizumab-label)"

    [calendar.activities.camrelizumab]
    duration = "60 min"
    assumptions = ["camrelizumab-infusion-time"]  # an UNVERIFIED time: only as an assumption

Each activity entry needs a ``source`` or ``assumptions``. An activity without an entry lasts its
own ``duration`` (the 46-h 5-FU pump) or the default. A protocol without ``[calendar]`` gets
:data:`PACKAGE_DEFAULT_HOURS`, which a timed calendar states in each event it applies to.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from ..errors import InputError, shown
from ..inputs import parse_measurement
from ..tomlfile import TomlFile as _File
from .quantities import plausible_value, short

__all__ = ["PACKAGE_DEFAULT_HOURS", "PACKAGE_DEFAULT_NOTE", "ActivityDuration", "Durations", "read_calendar"]

PACKAGE_DEFAULT_HOURS = 1.0
PACKAGE_DEFAULT_NOTE = ("regimen's default of 60 min: the protocol states no duration for this activity "
                        "(no [calendar] table); check the time with the clinic")
_CALENDAR = {"default_duration": str, "assumptions": list, "activities": dict}
_ENTRY = {"duration": (str, list), "source": str, "assumptions": list}


class ActivityDuration(NamedTuple):
    """One activity's calendar duration in hours per occurrence (the last repeats), with its source."""

    hours: tuple[float, ...]
    source: str = ""
    assumptions: tuple[str, ...] = ()

    def of(self, occurrence: int) -> float:
        return self.hours[min(max(occurrence, 1), len(self.hours)) - 1]


class Durations(NamedTuple):
    """A protocol's calendar durations: per activity id, and the default with its assumptions."""

    default_hours: float
    assumptions: tuple[str, ...] = ()
    activities: tuple[tuple[str, ActivityDuration], ...] = ()

    def entry(self, activity: str) -> ActivityDuration | None:
        return dict(self.activities).get(activity)


def read_calendar(file: _File, data: Any) -> Durations | None:
    good = file.table(data, "calendar", _CALENDAR, ("default_duration",))
    default = _hours(file, "calendar.default_duration", good["default_duration"]) if "default_duration" in good else None
    assumptions = _texts(file, "calendar.assumptions", good.get("assumptions", []))
    activities = []
    for key, value in good.get("activities", {}).items():
        path = f"calendar.activities.{key}"
        entry = file.table(value, path, _ENTRY, ("duration",))
        raw = entry.get("duration", [])
        items = raw if isinstance(raw, list) else [raw]
        if "duration" in entry and not items:
            file.error(f"{path}.duration", 'expected a duration like "30 min" or a list of them, one per occurrence')
        hours = [_hours(file, f"{path}.duration", item) for item in items]
        if "source" not in entry and not entry.get("assumptions"):
            file.error(path, "a calendar duration needs source = \"...\" (with its reference) or assumptions = [...]")
        if items and all(h is not None for h in hours):
            activities.append((key, ActivityDuration(tuple(hours), entry.get("source", ""),  # type: ignore[arg-type]
                                                     _texts(file, f"{path}.assumptions", entry.get("assumptions", [])))))
    if default is None:
        return None
    return Durations(default, assumptions, tuple(activities))


def _hours(file: _File, path: str, text: Any) -> float | None:
    if not isinstance(text, str):
        file.error(path, f'expected a duration like "30 min", got {shown(text)}')
        return None
    if not short(file, path, text, 'a duration like "30 min"'):
        return None
    try:
        value = parse_measurement(text, "duration", path).value
    except InputError as exc:
        file.error(path, exc.detail)
        return None
    return plausible_value(file, path, "duration", value)


def _texts(file: _File, path: str, items: list) -> tuple[str, ...]:
    if not all(isinstance(item, str) for item in items):
        file.error(path, f"expected a list of assumption ids, got {shown(items)}")
        return ()
    return tuple(items)
