"""Reading input files: bounded, decoded, and TOML with located errors (every problem names the
file, the key path and the line). Shared by the protocol loader, the course loader and cohorts.

``read_text_file`` is the one way an input file is read: only a regular file (never a device, a
FIFO or a folder: ``/dev/zero`` would be read until memory runs out), at most ``limit`` bytes,
refused before parsing; UTF-8 with or without a byte-order mark, UTF-16 and UTF-32 with one;
anything else is refused naming the file and the offset of the first byte that does not decode.
"""

from __future__ import annotations

import codecs
import os
import re
import stat
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .errors import InputError, ProtocolError, ProtocolErrors, did_you_mean, one_line, shown

__all__ = ["CSV_LIMIT", "MAX_DEPTH", "TEXT_LIMIT", "TOML_LIMIT", "TomlFile", "decode_text", "line_index", "read_file_bytes", "read_text_file",
           "read_toml"]

TOML_LIMIT = 1 << 20  # 1 MiB: the largest shipped protocol is about 20 KB, a long course file far less
CSV_LIMIT = 50 << 20  # 50 MiB: about 600,000 cohort rows
TEXT_LIMIT = 10_000  # characters in one text value (a title, a quotation of the record, a note, a reason)
MAX_DEPTH = 32  # tables and arrays nested deeper than any real file (ours reach 5); tomllib recurses per level
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))  # UTF-32 LE starts like UTF-16 LE: test it first


def read_text_file(path: str | Path, what: str, limit: int) -> str:
    """The text of the regular file ``path`` (``what`` names it in messages: "protocol file"),
    refused with an InputError naming the file if it is not a regular file, is over ``limit``
    bytes, or is not text in one of the accepted encodings."""
    return decode_text(read_file_bytes(path, what, limit), str(path))


def open_text_stream(path: str | Path, what: str, limit: int):
    """The regular file ``path`` as a text stream read as it is consumed (memory stays flat), with
    the checks of ``read_text_file``; the encoding is chosen by byte-order mark (UTF-8 without one).
    A byte that does not decode surfaces as UnicodeDecodeError while reading: see ``undecodable``."""
    import io

    raw = os.fdopen(_open_regular(str(path), what, limit), "rb")
    head = raw.peek(4)[:4]
    encoding = next((enc for bom, enc in _BOMS if head.startswith(bom)), "utf-8")
    return io.TextIOWrapper(raw, encoding=encoding, errors="strict", newline="")


def _open_regular(name: str, what: str, limit: int) -> int:
    """A file descriptor for ``name``, refused unless it is a regular file of at most ``limit`` bytes."""
    try:  # O_NONBLOCK: opening a FIFO must not wait for a writer; we refuse it below anyway
        fd = os.open(name, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        raise InputError(name, f"cannot read this {what}: {exc.strerror}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise InputError(name, f"is not a regular file (a device, FIFO or folder); give a {what}")
        if info.st_size > limit:
            raise InputError(name, f"is {info.st_size:,} bytes; a {what} may be at most {limit:,} bytes")
    except BaseException:
        os.close(fd)
        raise
    return fd


def undecodable(name: str, exc: UnicodeDecodeError, line: int) -> InputError:
    """The one-line error for a byte that does not decode, found while streaming near ``line``."""
    return InputError(name, f"is not {exc.encoding.upper().replace('-SIG', '')} text: a byte near line {line} does not decode; save it as UTF-8")


def read_file_bytes(path: str | Path, what: str, limit: int) -> bytes:
    """The bytes of the regular file ``path``, with the checks of ``read_text_file`` but the encoding's."""
    name = str(path)
    fd = _open_regular(name, what, limit)
    try:
        with os.fdopen(os.dup(fd), "rb") as stream:
            data = stream.read(limit + 1)  # the file may have grown since fstat
    except OSError as exc:
        raise InputError(name, f"cannot read this {what}: {exc.strerror}") from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise InputError(name, f"is over {limit:,} bytes; a {what} may be at most {limit:,} bytes")
    return data


def decode_text(data: bytes, name: str) -> str:
    """``data`` as text: UTF-8 (a byte-order mark dropped), or UTF-16/32 by their mark; else an
    InputError naming ``name`` and the offset of the first byte that does not decode."""
    encoding = next((enc for bom, enc in _BOMS if data.startswith(bom)), "utf-8")
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        byte = data[exc.start:exc.start + 1].hex()
        raise InputError(name, f"is not {encoding.upper().replace('-SIG', '')} text: byte 0x{byte} at offset {exc.start} does not decode; "
                               "save it as UTF-8") from None

_TYPE_NAMES = {str: "a string", list: "a list", dict: "a table", bool: "true or false", int: "a whole number"}


class TomlFile:
    """One file being read: its name for messages, a key-path -> line index, and the errors so far."""

    def __init__(self, name: str, text: str) -> None:
        self.name = name
        self.errors: list[ProtocolError] = []
        self.excused: list[tuple[str, str]] = []  # (key path, why a value outside its usual range is kept)
        self.lines = line_index(text)

    def error(self, path: str, message: str) -> None:
        self.errors.append(ProtocolError(one_line(message), file=self.name, path=one_line(path), line=self.line_of(path)))

    def excuse(self, path: str, message: str) -> None:
        """Keep a value outside its usual range because the file says why; plans using it warn."""
        self.excused.append((path, message))

    def line_of(self, path: str) -> int | None:
        while path:
            for candidate in (path, f"{path}[0]"):  # an array of tables is located by its first element
                if candidate in self.lines:
                    return self.lines[candidate]
            path = re.sub(r"(\[\d+\]|\.[^.\[]*)$", "", path) if ("." in path or "[" in path) else ""
        return None

    def table(self, data: Any, path: str, schema: Mapping[str, type], required: Iterable[str] = ()) -> dict[str, Any]:
        """Check keys and value types of one table; returns the keys that passed."""
        if not isinstance(data, dict):
            self.error(path, f"expected a table, got {shown(data)}")
            return {}
        good = {}
        for key, value in data.items():
            where = f"{path}.{key}" if path else key
            if key not in schema:
                self.error(where, f"unknown key {key!r}{did_you_mean(key, schema)}; accepted: {', '.join(schema)}")
            elif not isinstance(value, schema[key]):
                expected = schema[key] if isinstance(schema[key], tuple) else (schema[key],)
                names = " or ".join(_TYPE_NAMES.get(t, t.__name__) for t in expected)
                self.error(where, f"expected {names}, got {shown(value)}")
            elif long := _too_long(value):
                self.error(where, f"holds {long:,} characters of text; a text value may hold at most {TEXT_LIMIT:,}")
            elif control := _control(value):
                self.error(where, f"holds the control character {control}; text may hold printable characters, tabs and line breaks only")
            else:
                good[key] = value
        for key in required:
            if key not in data:
                self.error(path or key, f"missing required key {key!r}" if path else "missing required key")
        return good


def _too_long(value: Any) -> int:
    """The length of ``value``, or of its longest string item, when over TEXT_LIMIT; else 0."""
    items = value if isinstance(value, list) else [value]
    longest = max((len(item) for item in items if isinstance(item, str)), default=0)
    return longest if longest > TEXT_LIMIT else 0


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")  # C0, C1, separators, bidi overrides


def _control(value: Any) -> str:
    """The first control character in ``value`` (or its string items), escaped; else ""."""
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, str) and (match := _CONTROL.search(item)):
            return repr(match[0])[1:-1]
    return ""


def line_index(text: str) -> dict[str, int]:
    index: dict[str, int] = {}
    current, arrays = "", {}
    header = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
    key = re.compile(r'^\s*("[^"]*"|[A-Za-z0-9_-]+)\s*=')
    for number, line in enumerate(text.splitlines(), 1):
        if match := header.match(line):
            name = ".".join(part.strip().strip('"') for part in match[2].split("."))
            if match[1] == "[[":
                arrays[name] = arrays.get(name, -1) + 1
                name = f"{name}[{arrays[name]}]"
            current = name
            index.setdefault(current, number)
        elif match := key.match(line):
            index.setdefault(f"{current}.{match[1].strip(chr(34))}" if current else match[1].strip('"'), number)
    return index


def read_toml(text: str, name: str) -> dict[str, Any]:
    """Parse TOML text, turning a syntax error or nesting deeper than MAX_DEPTH into a located ProtocolErrors."""
    deep_at = _deep_line(text)
    too_deep = ProtocolErrors([ProtocolError(f"tables or arrays nested more than {MAX_DEPTH} deep; no regimen file needs that",
                                             file=name, line=deep_at)])
    if deep_at is not None:
        raise too_deep
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = re.search(r"\(at line (\d+), column (\d+)\)", message)
        line = int(match[1]) if match else None
        raise ProtocolErrors([ProtocolError(f"TOML syntax error: {message}", file=name, line=line)]) from None
    except RecursionError:  # pragma: no cover - _deep_line catches what tomllib recurses on
        raise too_deep from None
    if _depth(data) > MAX_DEPTH:  # dotted keys (a.b.c...) nest without brackets
        raise too_deep
    return data


_TOKENS = re.compile(r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\'|#[^\n]*|[\[\]{}]')


def _deep_line(text: str) -> int | None:
    """The line where brackets and braces outside strings and comments first nest past MAX_DEPTH."""
    depth = 0
    for token in _TOKENS.finditer(text):  # strings and comments are skipped whole
        char = token[0]
        if char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return text.count("\n", 0, token.start()) + 1
        elif char in "]}":
            depth = max(0, depth - 1)
    return None


def _depth(value: Any) -> int:
    """How deeply tables and arrays nest in parsed data, without recursion."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level + 1)
            if deepest > MAX_DEPTH:
                return deepest
            stack.extend((child, level + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest
