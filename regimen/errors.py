"""The one exception tree of ``regimen``.

::

    RegimenError                    anything a user can cause; the CLI prints it on one line, exit 2
    ├── InputError                  a patient measurement, date or option is wrong
    ├── LookupFailure               an unknown protocol, arm, activity or choice ("did you mean")
    ├── ProtocolError               one located problem in a protocol file
    │   └── ProtocolErrors          every problem found in one or more files, reported at once
    └── ScheduleError               the inputs are valid alone but not together (a pin outside its window)

Every message names what was wrong and what is accepted.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

__all__ = [
    "InputError",
    "LookupFailure",
    "ProtocolError",
    "ProtocolErrors",
    "RegimenError",
    "ScheduleError",
    "did_you_mean",
    "one_line",
    "shown",
]


class RegimenError(Exception):
    """Root of every error that bad input can cause."""


class InputError(RegimenError, ValueError):
    """A patient measurement, date or option value that is not accepted.

    ``option`` names where the value came from (``--weight``, ``weight``), so the message reads
    ``--weight: "72" has no unit; give a weight with its unit, like "72 kg" or "158.7 lb"``.
    """

    def __init__(self, option: str, message: str) -> None:
        self.option = option
        self.detail = message
        super().__init__(f"{option}: {message}")


class LookupFailure(RegimenError, LookupError):
    """An unknown protocol, arm, activity or choice."""

    def __init__(self, what: str, name: str, known: Iterable[str]) -> None:
        known = sorted(known)
        self.what, self.name, self.known = what, name, tuple(known)
        hint = did_you_mean(name, known)
        listing = ", ".join(known) if known else "none"
        super().__init__(f"unknown {what} {name!r}{hint}; known: {listing}")

    def __str__(self) -> str:  # LookupError would otherwise repr() the message
        return str(self.args[0])


class ProtocolError(RegimenError):
    """One problem in a protocol file, located by file, key path and (where known) line."""

    def __init__(self, message: str, *, file: str = "", path: str = "", line: int | None = None) -> None:
        self.message, self.file, self.path, self.line = message, file, path, line
        super().__init__(self.located())

    def located(self) -> str:
        where = self.file
        if self.line is not None:
            where = f"{where}:{self.line}"
        parts = [p for p in (where, self.path) if p]
        return ": ".join([*parts, self.message])


class ProtocolErrors(ProtocolError):
    """Every problem found while validating; the message lists them all, one a line."""

    def __init__(self, errors: Sequence[ProtocolError]) -> None:
        self.errors = tuple(errors)
        first = self.errors[0]
        super().__init__(first.message, file=first.file, path=first.path, line=first.line)
        self.args = ("\n".join(e.located() for e in self.errors),)

    def __str__(self) -> str:
        count = len(self.errors)
        head = f"{count} problem{'s' if count != 1 else ''} in protocol data:\n" if count > 1 else ""
        return head + str(self.args[0])


class ScheduleError(RegimenError):
    """Inputs that are each valid but cannot make a plan together.

    ``option``, when given, names the parameter at fault (``pins.pve``); the message then starts with it.
    """

    def __init__(self, message: str, *, option: str | None = None) -> None:
        self.option, self.detail = option, message
        super().__init__(f"{option}: {message}" if option else message)


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """``'; did you mean "x"?'`` for the closest known name, or ``""``."""
    import difflib  # only when an error is being reported

    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f' (did you mean "{close[0]}"?)' if close else ""


SHOWN_WIDTH = 80  # characters of a bad value echoed in a message; the rest is counted, not shown


def shown(value: object, width: int = SHOWN_WIDTH) -> str:
    """``repr(value)``, cut to about ``width`` characters so a hostile value cannot flood a message.

    >>> print(shown("x" * 200)[-18:])
    … (202 characters)
    """
    text = repr(value)
    return text if len(text) <= width else f"{text[:width]}… ({len(text)} characters)"


def one_line(text: str) -> str:
    """``text`` with every control or line-separating character escaped (``\\x1e``), so that a
    hostile value echoed in a message can neither break it into lines nor hide part of it."""
    import unicodedata

    return "".join(c if c == " " or unicodedata.category(c) not in ("Cc", "Cf", "Zl", "Zp") else repr(c)[1:-1] for c in text)
