"""Reading TOML input files with located errors: every problem names the file, the key path and
the line. Shared by the protocol loader and the course loader."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from typing import Any

from .errors import ProtocolError, ProtocolErrors, did_you_mean

__all__ = ["TomlFile", "line_index", "read_toml"]

_TYPE_NAMES = {str: "a string", list: "a list", dict: "a table", bool: "true or false", int: "a whole number"}


class TomlFile:
    """One file being read: its name for messages, a key-path -> line index, and the errors so far."""

    def __init__(self, name: str, text: str) -> None:
        self.name = name
        self.errors: list[ProtocolError] = []
        self.lines = line_index(text)

    def error(self, path: str, message: str) -> None:
        self.errors.append(ProtocolError(message, file=self.name, path=path, line=self.line_of(path)))

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
            self.error(path, f"expected a table, got {data!r}")
            return {}
        good = {}
        for key, value in data.items():
            where = f"{path}.{key}" if path else key
            if key not in schema:
                self.error(where, f"unknown key {key!r}{did_you_mean(key, schema)}; accepted: {', '.join(schema)}")
            elif not isinstance(value, schema[key]):
                expected = schema[key] if isinstance(schema[key], tuple) else (schema[key],)
                names = " or ".join(_TYPE_NAMES.get(t, t.__name__) for t in expected)
                self.error(where, f"expected {names}, got {value!r}")
            else:
                good[key] = value
        for key in required:
            if key not in data:
                self.error(path or key, f"missing required key {key!r}" if path else "missing required key")
        return good


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
    """Parse TOML text, turning a syntax error into a located ProtocolErrors."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = re.search(r"\(at line (\d+), column (\d+)\)", message)
        line = int(match[1]) if match else None
        raise ProtocolErrors([ProtocolError(f"TOML syntax error: {message}", file=name, line=line)]) from None
