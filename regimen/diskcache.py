"""A small on-disk cache of values that are costly to compute on every start (validated protocols,
unit factors), so a command need not parse the same TOML or build pint's registry each time.

Safe by construction: an entry is found by a SHA-256 of everything its value depends on (the
caller's inputs, such as a protocol file's bytes, plus this Python's version and the size and
modification time of every file of the installed ``regimen`` package and of pint's package file,
the same test Python uses for its own bytecode cache), so changed inputs or a changed program
never find an old entry. Any problem at all (no cache folder, a folder another user could write,
a damaged or foreign entry) means the value is computed as if there were no cache, silently. The
folder is ``$REGIMEN_CACHE``, else ``$XDG_CACHE_HOME/regimen`` or ``~/.cache/regimen``;
``REGIMEN_CACHE=off`` turns the cache off. Deleting the folder at any time is safe.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import sys
from functools import cache
from pathlib import Path

__all__ = ["read", "write"]

_FORMAT = b"regimen cache 1\0"


@cache
def _folder() -> Path | None:
    chosen = os.environ.get("REGIMEN_CACHE")
    if chosen and chosen.lower() in ("off", "0", "no", "false"):
        return None
    if chosen:
        return Path(chosen)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path("~/.cache").expanduser(), "regimen")


@cache
def _fingerprint() -> bytes:
    """What identifies this program: Python's version and the (path, size, mtime) of every file of the package and of pint's."""
    digest = hashlib.sha256(sys.version.encode())
    todo = [Path(__file__).parent]
    try:
        import importlib.util

        spec = importlib.util.find_spec("pint")
        if spec and spec.origin:
            todo.append(Path(spec.origin))
    except (ImportError, ValueError):
        pass
    while todo:
        path = todo.pop()
        if path.is_dir():
            todo += sorted(entry for entry in path.iterdir() if entry.name != "__pycache__")
        else:
            stat = path.stat()
            digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
    return digest.digest()


def _entry(kind: str, parts: tuple[bytes, ...]) -> Path | None:
    folder = _folder()
    if folder is None:
        return None
    digest = hashlib.sha256(_FORMAT + _fingerprint() + kind.encode() + b"\0")
    for part in parts:
        digest.update(len(part).to_bytes(8, "big") + part)
    return folder / kind / f"{digest.hexdigest()}.pickle"


def _trusted(folder: Path) -> bool:
    """Only a folder of this user's, which no one else can write into (its entries are unpickled)."""
    if not hasattr(os, "getuid"):
        return True
    stat = folder.stat()
    return stat.st_uid == os.getuid() and not stat.st_mode & 0o022


def read(kind: str, *parts: bytes):
    """The value stored for exactly these inputs and this program, or None (never an error)."""
    try:
        entry = _entry(kind, parts)
        if entry is None or not entry.is_file() or not _trusted(entry.parent):
            return None
        return pickle.loads(entry.read_bytes())
    except Exception:
        return None


def write(kind: str, value, *parts: bytes) -> None:
    """Keep ``value`` for the next start; nothing happens if it cannot be written."""
    temporary = None
    try:
        entry = _entry(kind, parts)
        if entry is None:
            return
        entry.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not _trusted(entry.parent):
            return
        temporary = entry.with_name(f"{entry.name}.{os.getpid()}.tmp")
        temporary.write_bytes(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        temporary.replace(entry)
        _prune(entry.parent)
    except Exception:  # a read-only home, a full disk: no cache, same results
        if temporary is not None:
            with contextlib.suppress(OSError):
                temporary.unlink(missing_ok=True)


_KEEP = 256  # entries of a kind; a user's edits or a test suite's generated files leave one each


def _prune(folder: Path) -> None:
    """Past ``_KEEP`` entries, the oldest go (any is safe to lose: it is computed again when needed)."""
    entries = list(folder.glob("*.pickle"))
    if len(entries) <= _KEEP:
        return
    dated = sorted(entries, key=lambda path: path.stat().st_mtime_ns)
    for path in dated[: len(entries) - _KEEP // 2]:
        with contextlib.suppress(OSError):
            path.unlink()
