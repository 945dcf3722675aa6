"""VTIMEZONE from yearly RRULE STANDARD/DAYLIGHT rules for a plan's years only (RFC 5545), as
major calendar servers emit them: read right by ical.js, vobject and libical alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard

from ..errors import InputError

__all__ = ["time_zone", "vtimezone"]


def vtimezone(name: str, first_year: int, last_year: int) -> Timezone:
    """The VTIMEZONE of ``name`` for ``first_year`` to ``last_year`` only (RFC 5545 §3.6.5): one
    STANDARD or DAYLIGHT component per recurring transition, as an RRULE ending with the last
    year, each DTSTART the onset in the local time before the change; the change in force on
    1 January of the first year (from the year before) is included, so every event has an offset."""
    zone = time_zone(name)
    earlier = _transitions(zone, first_year - 1, first_year - 1)[-1:]  # the change in force on 1 January of the first year
    transitions = earlier + _transitions(zone, first_year, last_year)
    timezone = Timezone()
    timezone.add("tzid", name)
    if not transitions:  # no change in these years: one STANDARD component says the offset
        start = datetime(first_year, 1, 1)
        offset = start.replace(tzinfo=zone).utcoffset()
        timezone.add_component(_observance(TimezoneStandard, start, offset, offset, start.replace(tzinfo=zone).tzname()))
        return timezone
    groups: dict[tuple, list[tuple[datetime, datetime]]] = {}
    for onset, utc, before, after, tzname, dst in transitions:
        groups.setdefault((dst, before, after, tzname, onset.month, _byday(onset), onset.time()), []).append((onset, utc))
    for (dst, before, after, tzname, month, byday, _), onsets in groups.items():
        component = _observance(TimezoneDaylight if dst else TimezoneStandard, onsets[0][0], before, after, tzname)
        if len(onsets) > 1:
            component.add("rrule", {"freq": "yearly", "bymonth": month, "byday": byday, "until": onsets[-1][1]})
        timezone.add_component(component)
    return timezone


def _observance(kind, onset: datetime, before: timedelta, after: timedelta, tzname: str | None):
    component = kind()
    component.add("dtstart", onset)
    component.add("tzoffsetfrom", before)
    component.add("tzoffsetto", after)
    if tzname:
        component.add("tzname", tzname)
    return component


def _transitions(zone, first_year: int, last_year: int) -> list[tuple]:
    """(local onset before the change, UTC instant, offset before, offset after, name after, is DST)
    for every change of UTC offset from ``first_year`` to ``last_year``."""
    found = []
    day = datetime(first_year, 1, 1, tzinfo=UTC)
    end = datetime(last_year + 1, 1, 1, tzinfo=UTC)
    while day < end:
        nxt = day + timedelta(days=1)
        if day.astimezone(zone).utcoffset() != nxt.astimezone(zone).utcoffset():
            low, high = day, nxt  # the change lies in (low, high]: halve to the second
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                if middle.astimezone(zone).utcoffset() == low.astimezone(zone).utcoffset():
                    low = middle
                else:
                    high = middle
            instant = high.replace(microsecond=0)
            before, local = low.astimezone(zone).utcoffset(), instant.astimezone(zone)
            onset = (instant + before).replace(tzinfo=None)
            found.append((onset, instant, before, local.utcoffset(), local.tzname(), bool(local.dst())))
        day = nxt
    return found


def _byday(day: datetime) -> str:
    """The RRULE BYDAY of ``day`` in its month: "2SU" (second Sunday), or "-1SU" for the last."""
    code = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")[day.weekday()]
    if (day + timedelta(days=7)).month != day.month:
        return f"-1{code}"
    return f"{(day.day - 1) // 7 + 1}{code}"


def time_zone(name: str):
    """The IANA time zone ``name``; an InputError naming --tz when it is unknown."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError("--tz", f"{name!r} is not a known time zone; give an IANA name like Asia/Shanghai or Europe/London") from None
