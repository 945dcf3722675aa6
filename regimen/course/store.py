"""Writing a course file: a record's TOML block (``record_text``), and every change made safely
(``rewrite``, ``append_record``): under a lock on the file's folder, checked before it is written,
written atomically, with the file's ``revision`` and ``changed`` stamped (``stamped``). Reading and
parsing are in ``file``; nothing here parses TOML itself.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

from .file import Course, parse_course, read_course_text

__all__ = ["append_record", "record_text", "rewrite", "stamped"]


def record_text(kind: str, activity: str | None = None, *, when: date | None = None, first: date | None = None,
                last: date | None = None, occurrence: int | None = None, dose: str | None = None, level: int | None = None,
                reason: str | None = None, value: str | None = None, uln: str | None = None, extra: dict | None = None, planned: bool = False) -> str:
    """One ``[[events]]`` (or ``[[measurements]]`` for weight and height) block of TOML."""
    import json

    def q(text: str) -> str:
        return json.dumps(text, ensure_ascii=False)  # a TOML basic string

    if kind in ("prior", "finding"):
        from .prior import finding_text, prior_text

        if kind == "finding":
            return finding_text(activity or "", when=when, value=value)
        return prior_text(activity or "", when=when, first=first, last=last, value=value, reason=reason)
    if kind in ("weight", "height"):
        return f"\n[[measurements]]\ndate = {when}\n{kind} = {q(value or '')}\n"
    if kind == "lab":
        return f"\n[[labs]]\ndate = {when}\nname = {q(activity or '')}\nvalue = {q(value or '')}\n" + (f"uln = {q(uln)}\n" if uln else "")
    lines = ["", "[[events]]", f"type = {q(kind)}"] + ([f"activity = {q(activity or '')}"] if kind != "surgery" else [])
    if first is not None or last is not None:  # held, or given / skipped home doses over days; held until recovery has no last day
        lines += [f"from = {first}", *([f"to = {last}"] if last is not None else [])]
    elif when is not None:
        lines.append(f"date = {when}")
    if occurrence is not None:
        lines.append(f"occurrence = {occurrence}")
    if dose is not None:
        lines.append(f"dose = {q(dose)}")
    if level is not None:
        lines.append(f"level = {level}")
    if planned:
        lines.append("planned = true")
    if reason:
        lines.append(f"reason = {q(reason)}")
    for key, item in (extra or {}).items():  # ae term and grade; a label rule's name, resume condition, time limit and group
        if item is not None and item != "":
            lines.append(f"{key} = {item if isinstance(item, int | date) else q(str(item))}")
    return "\n".join(lines) + "\n"


def append_record(path: str | Path, block: str, check=None) -> Course:
    """Append ``block`` to a course file safely (see :func:`rewrite`); ``check(before, after)`` may refuse it."""
    return rewrite(path, lambda old: old + ("" if old.endswith("\n") or not old else "\n") + block, check)


def rewrite(path: str | Path, change, check=None) -> Course:
    """Change a course file's text safely: under a lock on its folder (two writers never lose a
    record), the new text is parsed and checked first, then written through ``files.AtomicFile``
    (beside the file, flushed to disk, the file's permission bits, renamed over it), so an
    interrupted write leaves the previous file whole. A symlinked course updates its target."""
    import os

    from ..files import AtomicFile

    path = Path(os.path.realpath(path))
    with _locked(path.parent):
        old = read_course_text(path)
        new = stamped(change(old), parse_course(old, str(path)).revision + 1)
        course = parse_course(new, str(path))
        if check is not None:
            check(parse_course(old, str(path)), course)
        with AtomicFile(path, "course", text=True) as stream:
            stream.write(new)
    return course


_REVISION = re.compile(r"^(revision|changed) = .*\n", re.M)


def stamped(text: str, revision: int, when: datetime | None = None) -> str:
    """``text`` with its top-level ``revision`` and ``changed`` set (after ``start``, before any table)."""
    when = (when or datetime.now(UTC)).replace(microsecond=0)
    cut = re.search(r"^\[", text, re.M)
    head, rest = (text[:cut.start()], text[cut.start():]) if cut else (text, "")
    head = _REVISION.sub("", head)
    lines = f"revision = {revision}\nchanged = {when.strftime('%Y-%m-%dT%H:%M:%SZ')}\n"
    at = re.search(r"^start = .*\n", head, re.M)
    head = head[:at.end()] + lines + head[at.end():] if at else head.rstrip("\n") + "\n" + lines
    return head + rest


class _locked:
    """An exclusive lock on a folder (flock where the platform has it), so concurrent writers take turns."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.fd = folder, None

    def __enter__(self):
        import os

        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows: no advisory locks on folders
            return self
        self.fd = os.open(self.folder, os.O_RDONLY)
        fcntl.flock(self.fd, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc) -> None:
        import os

        if self.fd is not None:
            os.close(self.fd)  # closing releases the lock
