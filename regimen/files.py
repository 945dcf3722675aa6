"""Writing files: ``AtomicFile``, the one way the project writes a file (outputs, calendars, course files)."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path
from typing import IO

from .errors import InputError, shown

__all__ = ["AtomicFile", "Utf8Stdout", "discard_pending", "write_file"]

_PENDING: dict[str, int] = {}  # temporary files being written -> the process writing each (a fork inherits its parent's)


def discard_pending() -> None:
    """Remove the temporary files this process is writing (never its parent's, such as the output
    file the workers are writing into): what a worker stopped in the middle of a calendar file does
    before it exits (it is stopped by a signal, so no ``with`` block ends)."""
    me = os.getpid()
    for name, pid in list(_PENDING.items()):
        if pid == me:
            with contextlib.suppress(OSError):
                Path(name).unlink()
            del _PENDING[name]


class AtomicFile:
    """Writes ``target`` so that a reader never sees half a file and nothing is left behind.

    A regular file is written to a temporary name beside it (same folder: the rename is atomic),
    flushed to disk, given the permission bits of the file it replaces (else the umask's), and
    renamed into place; on any exit before that (an error, ``--strict``, a full disk, Ctrl-C) the
    temporary file is removed. A device or FIFO (``/dev/null``) is written directly, never
    replaced. A symbolic link is refused: the write would land somewhere the name does not say.
    Every OSError becomes an InputError naming ``target`` (``option`` says where it was given).
    """

    def __init__(self, target: str | Path, option: str = "--output", *, text: bool = False) -> None:
        self.target, self.option, self.text = Path(target), option, text
        self.tmp: Path | None = None
        self.stream: IO | None = None

    def __enter__(self) -> IO:
        try:
            info = self.target.lstat()
        except FileNotFoundError:
            info = None
        except OSError as exc:
            raise self._failure(exc) from None
        if info is not None and stat.S_ISLNK(info.st_mode):
            raise InputError(self.option, f"{shown(str(self.target))} is a symbolic link; give the file's real path")
        try:
            if info is not None and not stat.S_ISREG(info.st_mode):  # a device or a FIFO: write through it
                self.stream = self.target.open("w" if self.text else "wb", **({"encoding": "utf-8", "newline": ""} if self.text else {}))
                return self.stream
            fd, name = tempfile.mkstemp(dir=self.target.parent, prefix=f".{self.target.name}.", suffix=".tmp")
            self.tmp = Path(name)
            _PENDING[name] = os.getpid()
            os.fchmod(fd, stat.S_IMODE(info.st_mode) if info is not None else 0o666 & ~_umask())
            self.stream = os.fdopen(fd, "w" if self.text else "wb", **({"encoding": "utf-8", "newline": ""} if self.text else {}))
        except OSError as exc:
            self._discard()
            raise self._failure(exc) from None
        return self.stream

    def __exit__(self, kind, value, traceback) -> None:
        if kind is not None:
            self._discard()
            if isinstance(value, OSError):
                raise self._failure(value) from None
            return
        try:
            assert self.stream is not None
            self.stream.flush()
            if self.tmp is not None:
                os.fsync(self.stream.fileno())
            self.stream.close()
            if self.tmp is not None:
                self.tmp.replace(self.target)
                _PENDING.pop(str(self.tmp), None)
                self.tmp = None
        except OSError as exc:
            self._discard()
            raise self._failure(exc) from None

    def _discard(self) -> None:
        if self.stream is not None:
            with contextlib.suppress(OSError):  # the write already failed; the temporary file goes below
                self.stream.close()
        if self.tmp is not None:
            self.tmp.unlink(missing_ok=True)
            _PENDING.pop(str(self.tmp), None)
            self.tmp = None

    def _failure(self, exc: OSError) -> InputError:
        return InputError(self.option, f"cannot write {shown(str(self.target))}: {exc.strerror or exc}")


def write_file(target: str | Path, data: bytes, option: str = "--output") -> None:
    """``data`` into ``target`` through an AtomicFile."""
    with AtomicFile(target, option) as stream:
        stream.write(data)


class Utf8Stdout:
    """Standard output as a text stream that writes UTF-8 whatever the locale's encoding
    (``PYTHONIOENCODING=latin-1``, a C locale): the same bytes in every environment. A text-only
    stream (an embedding application's, click's test runner without a buffer) takes the text."""

    def __init__(self) -> None:
        import sys

        self.text = sys.stdout
        self.buffer = getattr(sys.stdout, "buffer", None)
        if self.buffer is not None:
            self.text.flush()

    def write(self, text: str) -> int:
        if self.buffer is None:
            return self.text.write(text)
        self.buffer.write(text.encode("utf-8"))
        return len(text)

    def flush(self) -> None:
        (self.text if self.buffer is None else self.buffer).flush()


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
