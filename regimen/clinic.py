"""Clinic days: which days a clinic is open (weekdays, less public holidays from the ``holidays``
package), and the nearest open day inside an event's window."""

from __future__ import annotations

import re
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

from .errors import InputError

__all__ = ["Clinic"]

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class Clinic:
    """Open on ``weekdays`` (0 = Monday) except the public holidays of ``country``."""

    def __init__(self, weekdays: frozenset[int], country: str | None = None) -> None:
        self.weekdays, self.country = weekdays, country

    @classmethod
    def parse(cls, days: str | None, country: str | None) -> Clinic:
        """``days`` like "mon-fri" or "mon,wed,fri" (default every day); ``country`` an ISO code like CN."""
        weekdays = frozenset(range(7)) if not days else _weekdays(days)
        if country:
            country = country.strip().upper()
            _holidays(country, 2000)  # refuse an unknown country now, with the accepted form
        return cls(weekdays, country)

    def closed(self, day: date) -> str | None:
        """Why the clinic is closed on ``day`` (a weekday name or a holiday's name), or None."""
        if day.weekday() not in self.weekdays:
            return NAMES[day.weekday()]
        if self.country:
            return _holidays(self.country, day.year).get(day)
        return None

    def nearest_open(self, day: date, earliest: date, latest: date) -> date | None:
        """The open day nearest ``day`` within earliest..latest (the earlier one on a tie)."""
        for distance in range((latest - earliest).days + 1):
            for candidate in (day - timedelta(days=distance), day + timedelta(days=distance)):
                if earliest <= candidate <= latest and not self.closed(candidate):
                    return candidate
        return None


def _weekdays(text: str) -> frozenset[int]:
    found: set[int] = set()
    for part in text.lower().replace(" ", "").split(","):
        match = re.fullmatch(r"([a-z]{3})(?:-([a-z]{3}))?", part)
        if not match or match[1] not in DAYS or (match[2] and match[2] not in DAYS):
            raise InputError("--clinic-days", f"{text!r} is not accepted; give days like mon-fri or mon,wed,fri")
        first, last = DAYS.index(match[1]), DAYS.index(match[2] or match[1])
        found.update(range(first, last + 1) if first <= last else [*range(first, 7), *range(last + 1)])
    return frozenset(found)


@lru_cache(maxsize=64)
def _holidays(country: str, year: int) -> dict[date, str]:
    """The country's public holidays in ``year``, named in English where the package has English
    names, else in the country's default language: never in the language of this machine's locale
    (``holidays`` follows LANG by default, so the same plan would warn in Chinese on one machine)."""
    import holidays

    try:
        entity = _country_class(country) or (lambda **options: holidays.country_holidays(country, **options))
        probe = entity()
        language = "en_US" if "en_US" in probe.supported_languages else probe.default_language
        return dict(entity(years=year, language=language).items())
    except NotImplementedError:
        raise InputError("--holidays", f"{country!r} is not a country the holidays package knows; give an ISO code like CN, US or GB") from None


def _country_class(code: str):
    """The holidays class of one country, loaded from its own module: ``holidays.country_holidays``
    imports the ``holidays.countries`` package, which imports all 250 countries (most of the cost of
    ``--holidays``). The same class ``country_holidays`` would call; None (use it) if this version of
    the package is laid out otherwise or the code is not a country's."""
    try:
        import importlib.util
        import sys

        from holidays.registry import COUNTRIES

        module = next((name for name, entities in COUNTRIES.items() if code in entities), None)
        if module is None:
            return None
        qualified = f"holidays.countries.{module}"
        if "holidays.countries" in sys.modules or qualified in sys.modules:
            return getattr(importlib.import_module(qualified), code)
        spec = importlib.util.find_spec("holidays")
        path = Path(spec.origin).parent / "countries" / f"{module}.py"  # type: ignore[union-attr, arg-type]
        loaded = importlib.util.spec_from_file_location(qualified, path)
        found = importlib.util.module_from_spec(loaded)  # type: ignore[arg-type]
        loaded.loader.exec_module(found)  # type: ignore[union-attr]
        return getattr(found, code)
    except Exception:
        return None
