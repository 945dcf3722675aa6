"""Issue #10: PyPI's `regimen` is someone else's; we ship as `regimen-calendar`, still `import regimen`."""

from __future__ import annotations

import tomllib
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).parent.parent


def test_the_distribution_is_regimen_calendar_and_the_command_stays_regimen():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["name"] == "regimen-calendar"
    assert project["scripts"] == {"regimen": "regimen.cli:main"}
    assert metadata.distribution("regimen-calendar").metadata["Name"] == "regimen-calendar"


def test_the_readme_installs_the_new_name():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "pip install regimen-calendar" in readme
    assert "'regimen[plot]'" not in readme
