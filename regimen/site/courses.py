"""Many course files, one at a time: the paths named (files, or folders of ``*.toml``), each loaded
and re-planned lazily; a file that fails is a :class:`Failed` with its path and reason while the
others go on. Each protocol is loaded once (the loader caches it by path and mtime)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from functools import partial
from itertools import islice
from pathlib import Path
from typing import Any, NamedTuple

from ..course import Course, load_course, replan
from ..errors import InputError, RegimenError
from ..plan import Plan

__all__ = ["Failed", "Replanned", "calendar_id", "course_files", "each_course", "replanned"]

_BATCH = 64  # course files handed to each worker at a time: bounds memory, keeps them busy


class Replanned(NamedTuple):
    """One course and its re-planned plan."""

    path: str
    course: Course
    plan: Plan


class Failed(NamedTuple):
    """A course file that could not be loaded or re-planned, and why (one line)."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


def course_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Each named file, and each folder's ``*.toml`` files in name order (not recursive)."""
    for given in paths:
        path = Path(given)
        if path.is_dir():
            yield from sorted(p for p in path.glob("*.toml") if p.is_file())
        elif path.is_file():
            yield path
        else:
            raise InputError("COURSES", f"{str(path)!r} is neither a course file nor a folder of them")


def replanned(paths: Iterable[str | Path], *, horizon: date, today: date, protocol_dirs: Iterable[str] = ()
              ) -> Iterator[Replanned | Failed]:
    """Every course re-planned to ``horizon`` as of ``today``, lazily, in path order."""
    dirs = tuple(protocol_dirs)
    for path in paths:
        try:
            course = load_course(path)
            plan = replan(course, horizon=horizon, today=today, protocol_dirs=dirs)
        except RegimenError as exc:
            yield Failed(str(path), _one_line(exc, str(path)))
            continue
        except (OSError, UnicodeDecodeError) as exc:
            yield Failed(str(path), getattr(exc, "strerror", None) or str(exc))
            continue
        yield Replanned(str(path), course, plan)


def each_course(paths: Iterable[str | Path], work: Callable[[Replanned], Any], *, horizon: date, today: date,
                protocol_dirs: Iterable[str] = (), jobs: int = 1) -> Iterator[Any | Failed]:
    """``work(course)`` for every course re-planned to ``horizon`` as of ``today``, in path order,
    ``jobs`` processes at a time; only ``work``'s (small) results cross processes. ``work`` must be
    a module-level function, or a partial of one, when ``jobs`` > 1."""
    task = partial(_one, work, horizon, today, tuple(protocol_dirs))
    paths = iter(paths)
    if jobs <= 1:
        yield from map(task, paths)
        return
    import multiprocessing

    with multiprocessing.Pool(jobs) as pool:
        while batch := [str(p) for p in islice(paths, _BATCH * jobs)]:
            yield from pool.imap(task, batch, chunksize=max(1, _BATCH // 4))


def _one(work: Callable[[Replanned], Any], horizon: date, today: date, dirs: tuple[str, ...], path: str | Path) -> Any | Failed:
    for item in replanned((path,), horizon=horizon, today=today, protocol_dirs=dirs):
        return item if isinstance(item, Failed) else work(item)
    raise AssertionError("replanned yields one item a path")  # pragma: no cover


def calendar_id(course: Course) -> str:
    """What a course's calendar UIDs derive from: its random ``calendar`` id, else a hash of its
    absolute path and pseudonym (never the pseudonym alone)."""
    if course.calendar:
        return course.calendar
    where = str(Path(course.path).resolve()) if course.path else ""  # the same file gives the same UIDs from any folder
    return hashlib.sha256(f"{where}\0{course.patient}".encode()).hexdigest()[:32]


def _one_line(exc: RegimenError, path: str) -> str:
    """The reason on one line, without the path the report already names (a file's first problem,
    and how many more)."""
    lines = [re.sub(r"^(\d+): ", r"line \1: ", line.removeprefix(f"{path}:").strip()) for line in str(exc).strip().splitlines()]
    if len(lines) > 1 and lines[0].endswith("in protocol data:"):
        lines = lines[1:]
    return lines[0] + (f" (and {len(lines) - 1} more)" if len(lines) > 1 else "")
