"""Protocol files (TOML) -> Protocol values: reading files, and finding them on the search path.
The tables and their key names are ``regimen.protocol``'s.

Validation collects every problem in a file before raising, each located by file, key path and
line: unknown keys (with a "did you mean"), missing keys, bad quantities and timing, anchors to
activities that do not exist, anchor cycles, and references to undeclared drugs, choices and
assumptions. See README "Writing a protocol file" for the format.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from . import diskcache
from .errors import InputError, LookupFailure, ProtocolError, ProtocolErrors, RegimenError
from .model import Protocol
from .protocol.origin import is_shipped, shipped_dir
from .tomlfile import TOML_LIMIT, decode_text, read_file_bytes, read_toml
from .tomlfile import TomlFile as _File

__all__ = ["ENV_VAR", "list_protocols", "load_file", "load_protocol", "protocol_dirs", "validate_files"]

ENV_VAR = "REGIMEN_PROTOCOLS"



def load_file(path: str | Path) -> Protocol:
    """Read and validate one protocol file; raises ProtocolErrors listing every problem."""
    if not isinstance(path, str | os.PathLike):
        raise InputError("path", f"expected a protocol file's path, got {type(path).__name__}")
    path = Path(path)
    try:
        stat = path.stat()
    except OSError as exc:
        raise ProtocolError(f"cannot read the file: {exc.strerror}", file=str(path)) from None
    resolved = path.resolve()
    return _load_cached(str(resolved), stat.st_mtime_ns, path.name if is_shipped(resolved, resolved=True) else str(path))


@lru_cache(maxsize=64)
def _load_cached(resolved: str, mtime_ns: int, name: str) -> Protocol:
    try:
        data = read_file_bytes(resolved, "protocol file", TOML_LIMIT)
        text = decode_text(data, resolved)
    except InputError as exc:
        raise ProtocolError(exc.detail, file=name) from None
    where = (resolved.encode(), name.encode(), data)
    cached = diskcache.read("protocols", *where)  # the same bytes, path and program as a file checked before
    if type(cached) is Protocol and cached.path == resolved:
        return cached
    protocol = _built(data, text, resolved, name)
    diskcache.write("protocols", protocol, *where)
    return protocol


def _built(data: bytes, text: str, resolved: str, name: str) -> Protocol:
    from .protocol.tables import build  # only when the cache has no such file: reading the tables loads most of regimen

    file = _File(name, text)
    protocol = build(file, read_toml(text, name), resolved)
    if file.errors:
        raise ProtocolErrors(sorted(file.errors, key=lambda e: (e.line is None, e.line or 0)))
    assert protocol is not None
    if is_shipped(resolved, resolved=True):
        return protocol
    import hashlib  # only for a user's file, whose outputs name it with its hash

    return protocol._replace(sha256=hashlib.sha256(data).hexdigest())


# ---- finding protocols -------------------------------------------------------------------------

def protocol_dirs(extra: Iterable[str | Path] = ()) -> list[Path]:
    """Where protocols are looked for: ``extra``, then $REGIMEN_PROTOCOLS, then the shipped ones."""
    dirs = [Path(d) for d in extra]
    dirs += [Path(d) for d in os.environ.get(ENV_VAR, "").split(os.pathsep) if d]
    dirs.append(shipped_dir())
    return dirs


def _files(dirs: Iterable[Path]) -> list[Path]:
    """Every ``*.toml`` on the search path, once each (a folder named twice is searched once)."""
    files: dict[Path, None] = {}
    for folder in dirs:
        if not folder.is_dir():
            raise InputError("--protocols", f"{str(folder)!r} is not a folder of protocol files")
        base = folder.resolve()
        files.update((base / path.name, None) for path in sorted(folder.glob("*.toml")))
    return list(files)


def _index(dirs: Iterable[Path]) -> dict[str, list[Path]]:
    """Protocol id -> every file on the search path that declares it."""
    index: dict[str, list[Path]] = {}
    for path in _files(dirs):
        index.setdefault(_declared_id(str(path), path.stat().st_mtime_ns), []).append(path)
    return index


@lru_cache(maxsize=256)
def _declared_id(path: str, mtime_ns: int) -> str:
    """The ``id`` a file declares, read without validating the rest; its file name if unreadable."""
    try:
        text = decode_text(read_file_bytes(path, "protocol file", TOML_LIMIT), path)
        head = text.split("\n[", 1)[0]  # top-level keys come before the first table
        found = None if '"""' in head or "'''" in head else _ID.search(head)  # a multi-line string could hold such a line
        declared = found[1] if found else tomllib.loads(text).get("id")  # the plain form costs a regex, any other a parse
    except (RegimenError, tomllib.TOMLDecodeError, RecursionError):
        declared = None
    return declared if isinstance(declared, str) and declared else Path(path).stem


_ID = re.compile(r'^id\s*=\s*"([A-Za-z0-9._-]+)"\s*(?:#.*)?$', re.M)


def _duplicate(protocol_id: str, paths: list[Path]) -> ProtocolError:
    listing = " and ".join(str(p) for p in paths)
    return ProtocolError(f"protocol id {protocol_id!r} is defined by more than one file on the search path: {listing}; "
                         "remove or rename one, so that the id names one protocol", file=str(paths[-1]))


def list_protocols(extra: Iterable[str | Path] = ()) -> list[Protocol]:
    """Every protocol on the search path, sorted by id; a protocol id defined twice is an error."""
    for protocol_id, paths in _index(protocol_dirs(extra)).items():
        if len(paths) > 1:
            raise _duplicate(protocol_id, paths)
    found: dict[str, Protocol] = {}
    for path in _files(protocol_dirs(extra)):
        protocol = load_file(path)
        if protocol.id in found:  # pragma: no cover - _index saw the same ids
            raise _duplicate(protocol.id, [Path(found[protocol.id].path), path])
        found[protocol.id] = protocol
    return sorted(found.values(), key=lambda p: p.id)


def load_protocol(ref: str | Path, extra: Iterable[str | Path] = ()) -> Protocol:
    """A protocol by its exact id (``NCT05760430``) or by the path of a ``.toml`` file.

    An id is one protocol: two files on the search path declaring it are an error naming both;
    an id that differs only in case is unknown, with a "did you mean".
    """
    text = str(ref)
    if text.endswith(".toml") or os.sep in text or (os.altsep and os.altsep in text):
        return load_file(text)
    index = _index(protocol_dirs(extra))
    paths = index.get(text)
    if paths is None:
        failure = LookupFailure("protocol", text, index)
        same = [known for known in index if known.lower() == text.lower()]
        if same and "did you mean" not in str(failure):  # ids match exactly: say which one differs only in case
            failure.args = (f'unknown protocol {text!r} (did you mean "{same[0]}"? ids match exactly, case too); known: {", ".join(sorted(index))}',)
        raise failure
    if len(paths) > 1:
        raise _duplicate(text, paths)
    protocol = load_file(paths[0])
    if protocol.id != text:  # the quick read of the id was fooled (an "id = ..." line inside a multi-line string)
        raise LookupFailure("protocol", text, {p: None for p in index if p != text})
    return protocol


def validate_files(paths: Iterable[str | Path]) -> list[ProtocolError]:
    """Every problem in every file (an empty list when all are valid); one path alone is one file."""
    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    if paths is None or not hasattr(paths, "__iter__"):
        raise InputError("paths", f"expected protocol file paths, got {type(paths).__name__}")
    problems: list[ProtocolError] = []
    for path in paths:
        try:
            load_file(path)
        except ProtocolErrors as exc:
            problems.extend(exc.errors)
        except ProtocolError as exc:
            problems.append(exc)
    return problems
