"""The wheel carries every package and data file: pyproject.toml lists packages by name and data
files by pattern, so a new folder or file kind must be added there (a merge once dropped the label
files). Building a wheel is slow; these checks read the same lists."""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

ROOT = Path(__file__).parent.parent
SETUPTOOLS = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]


def test_every_package_folder_is_in_the_wheel():
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "regimen").rglob("__init__.py")}
    assert found | {"regimen.protocols"} == set(SETUPTOOLS["packages"])


def test_every_protocol_and_label_file_is_in_the_wheel():
    patterns = SETUPTOOLS["package-data"]["regimen.protocols"]
    shipped = [p.relative_to(ROOT / "protocols").as_posix() for p in (ROOT / "protocols").rglob("*") if p.is_file()]
    assert any("/" in name for name in shipped)  # protocols/labels/ exists
    missing = [name for name in shipped if not any(fnmatch.fnmatch(name, pattern) and name.count("/") == pattern.count("/") for pattern in patterns)]
    assert missing == []


def test_every_schema_and_definitions_file_is_in_the_wheel():
    patterns = SETUPTOOLS["package-data"]["regimen"]
    data = [p.relative_to(ROOT / "regimen").as_posix() for p in (ROOT / "regimen").rglob("*")
            if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts]
    assert [name for name in data if not any(fnmatch.fnmatch(name, pattern) for pattern in patterns)] == []
