"""A cache of validated protocols, so a command does not parse and check the same TOML on every start.

Safe by construction: an entry is found by a SHA-256 of everything the parsed protocol depends on
(the file's bytes, its resolved path and shown name, this Python's version, and the size and
modification time of every file of the installed ``regimen`` package and of pint's package file,
the same test Python uses for its own bytecode cache), so a changed file or a changed program
never finds an old entry. Only protocols that passed every check are stored. Any problem at all
(no cache folder, a folder another user could write, a damaged or foreign entry) means the file is
parsed as if there were no cache, silently. The folder is ``$REGIMEN_CACHE``, else
``$XDG_CACHE_HOME/regimen`` or ``~/.cache/regimen``; ``REGIMEN_CACHE=off`` turns the cache off.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
from functools import cache
from pathlib import Path

__all__ = ["load", "store"]

_FORMAT = b"regimen protocol cache 1\0"


@cache
def _folder() -> Path | None:
    chosen = os.environ.get("REGIMEN_CACHE")
    if chosen and chosen.lower() in ("off", "0", "no", "false"):
        return None
    if not chosen:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        chosen = os.path.join(base, "regimen")
    return Path(chosen, "protocols")


@cache
def _fingerprint() -> bytes:
    """What identifies this program: Python's version and the (path, size, mtime) of every file of the package."""
    digest = hashlib.sha256(sys.version.encode())
    todo = [os.path.dirname(os.path.dirname(os.path.abspath(__file__)))]
    try:
        import importlib.util

        spec = importlib.util.find_spec("pint")
        todo.append(spec.origin if spec and spec.origin else "")
    except (ImportError, ValueError):
        todo.append("")
    while todo:
        path = todo.pop()
        if os.path.isdir(path):
            with os.scandir(path) as entries:
                todo += sorted(entry.path for entry in entries if entry.name != "__pycache__")
        elif path:
            stat = os.stat(path)
            digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
    return digest.digest()


def _entry(data: bytes, resolved: str, name: str) -> Path | None:
    folder = _folder()
    if folder is None:
        return None
    key = hashlib.sha256(_FORMAT + _fingerprint() + f"{resolved}\0{name}\0".encode() + data).hexdigest()
    return folder / f"{key}.pickle"


def _trusted(folder: Path) -> bool:
    """Only a folder of this user's, which no one else can write into (its entries are unpickled)."""
    stat = folder.stat()
    return stat.st_uid == os.getuid() and not stat.st_mode & 0o022 if hasattr(os, "getuid") else True


def load(data: bytes, resolved: str, name: str, kind: type):
    """The protocol stored for exactly these bytes, path and name, or None (never an error)."""
    try:
        entry = _entry(data, resolved, name)
        if entry is None or not entry.is_file() or not _trusted(entry.parent):
            return None
        protocol = pickle.loads(entry.read_bytes())
        return protocol if type(protocol) is kind and protocol.path == resolved else None
    except Exception:  # noqa: BLE001 - a cache never fails a command: parse the file instead
        return None


def store(data: bytes, resolved: str, name: str, protocol) -> None:
    """Keep a validated protocol for the next start; nothing happens if it cannot be written."""
    try:
        entry = _entry(data, resolved, name)
        if entry is None:
            return
        entry.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not _trusted(entry.parent):
            return
        temporary = entry.with_name(f"{entry.name}.{os.getpid()}.tmp")
        temporary.write_bytes(pickle.dumps(protocol, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(temporary, entry)
    except Exception:  # noqa: BLE001 - a read-only home, a full disk: no cache, same result
        try:
            temporary.unlink(missing_ok=True)  # type: ignore[possibly-undefined]
        except Exception:  # noqa: BLE001
            pass
