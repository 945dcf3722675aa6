"""Protocol files (TOML) -> Protocol values: reading files, and finding them on the search path.
The tables and their key names are ``regimen.protocol``'s.

Validation collects every problem in a file before raising, each located by file, key path and
line: unknown keys (with a "did you mean"), missing keys, bad quantities and timing, anchors to
activities that do not exist, anchor cycles, and references to undeclared drugs, choices and
assumptions. See README "Writing a protocol file" for the format.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from .errors import InputError, LookupFailure, ProtocolError, ProtocolErrors
from .model import Protocol
from .protocol.tables import build
from .tomlfile import TOML_LIMIT, read_text_file, read_toml
from .tomlfile import TomlFile as _File

__all__ = ["ENV_VAR", "list_protocols", "load_file", "load_protocol", "protocol_dirs", "validate_files"]

ENV_VAR = "REGIMEN_PROTOCOLS"



def load_file(path: str | Path) -> Protocol:
    """Read and validate one protocol file; raises ProtocolErrors listing every problem."""
    path = Path(path)
    try:
        stat = path.stat()
    except OSError as exc:
        raise ProtocolError(f"cannot read the file: {exc.strerror}", file=str(path)) from None
    return _load_cached(str(path.resolve()), stat.st_mtime_ns, _display_name(path))


@lru_cache(maxsize=64)
def _load_cached(resolved: str, mtime_ns: int, name: str) -> Protocol:
    try:
        text = read_text_file(resolved, "protocol file", TOML_LIMIT)
    except InputError as exc:
        raise ProtocolError(exc.detail, file=name) from None
    data = read_toml(text, name)
    file = _File(name, text)
    protocol = build(file, data, resolved)
    if file.errors:
        raise ProtocolErrors(sorted(file.errors, key=lambda e: (e.line is None, e.line or 0)))
    assert protocol is not None
    return protocol


def _display_name(path: Path) -> str:
    packaged = protocol_dirs()[-1]
    try:
        path.resolve().relative_to(packaged.resolve())
        return path.name
    except ValueError:
        return str(path)


# ---- finding protocols -------------------------------------------------------------------------

def protocol_dirs(extra: Iterable[str | Path] = ()) -> list[Path]:
    """Where protocols are looked for: ``extra``, then $REGIMEN_PROTOCOLS, then the shipped ones."""
    dirs = [Path(d) for d in extra]
    dirs += [Path(d) for d in os.environ.get(ENV_VAR, "").split(os.pathsep) if d]
    here = Path(__file__).resolve().parent
    shipped = here / "protocols"  # inside an installed wheel
    dirs.append(shipped if shipped.is_dir() else here.parent / "protocols")
    return dirs


def _files(dirs: Iterable[Path]) -> list[Path]:
    files = []
    for folder in dirs:
        if not folder.is_dir():
            raise InputError("--protocols", f"{str(folder)!r} is not a folder of protocol files")
        files.extend(sorted(folder.glob("*.toml")))
    return files


def list_protocols(extra: Iterable[str | Path] = ()) -> list[Protocol]:
    """Every protocol on the search path, sorted by id; a protocol id defined twice is an error."""
    found: dict[str, Protocol] = {}
    for path in _files(protocol_dirs(extra)):
        protocol = load_file(path)
        if protocol.id in found:
            raise ProtocolError(f"protocol id {protocol.id!r} is also defined in {found[protocol.id].path}", file=str(path))
        found[protocol.id] = protocol
    return sorted(found.values(), key=lambda p: p.id)


def load_protocol(ref: str | Path, extra: Iterable[str | Path] = ()) -> Protocol:
    """A protocol by id (``NCT05760430``, any case) or by the path of a ``.toml`` file."""
    text = str(ref)
    if text.endswith(".toml") or os.sep in text:
        return load_file(text)
    dirs = protocol_dirs(extra)
    for folder in dirs:
        candidate = folder / f"{text}.toml"
        if candidate.is_file():
            return load_file(candidate)
    known = {}
    for path in _files(dirs):
        protocol = load_file(path)
        if protocol.id.lower() == text.lower():
            return protocol
        known[protocol.id] = path
    raise LookupFailure("protocol", text, known)


def validate_files(paths: Iterable[str | Path]) -> list[ProtocolError]:
    """Every problem in every file (an empty list when all are valid)."""
    problems: list[ProtocolError] = []
    for path in paths:
        try:
            load_file(path)
        except ProtocolErrors as exc:
            problems.extend(exc.errors)
        except ProtocolError as exc:
            problems.append(exc)
    return problems
