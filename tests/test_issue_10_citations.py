"""Issue #10: the installed package's citations are self-contained.

Users of the installed package have no ``../shared/`` folder, so nothing shipped may point to it,
and every source a protocol names must be a full reference inside the protocol file itself.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = [ROOT / "regimen", ROOT / "protocols"]
PROTOCOLS = sorted((ROOT / "protocols").glob("*.toml"))
YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")


def _shipped_files() -> list[Path]:
    return [p for d in SHIPPED for p in d.rglob("*") if p.is_file() and "__pycache__" not in p.parts]


def test_there_are_protocols_and_shipped_files() -> None:
    assert len(PROTOCOLS) >= 5
    assert any(p.suffix == ".py" for p in _shipped_files())


@pytest.mark.parametrize("path", _shipped_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_pointer_outside_the_package(path: Path) -> None:
    text = path.read_text(encoding="utf-8", errors="replace")
    for needle in ("clinical-facts", "shared/", "seeds/"):
        assert needle not in text, f"{path.relative_to(ROOT)} mentions {needle!r}"


def _load(path: Path) -> dict:
    return tomllib.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", PROTOCOLS, ids=lambda p: p.name)
def test_references_are_full(path: Path) -> None:
    refs = _load(path).get("references", [])
    assert refs, f"{path.name} has no [[references]]"
    ids = [r.get("id", "") for r in refs]
    assert all(ids) and len(ids) == len(set(ids)), f"{path.name}: reference ids must be unique and non-empty"
    assert "record" in ids
    for ref in refs:
        citation = ref.get("citation", "").strip()
        assert citation, f"{path.name}: reference {ref['id']} has no citation"
        assert YEAR.search(citation) or "undated" in citation, f"{path.name}: reference {ref['id']} gives no 4-digit year"
        if "url" in ref:
            assert ref["url"].startswith("http"), f"{path.name}: reference {ref['id']} url {ref['url']!r}"


@pytest.mark.parametrize("path", PROTOCOLS, ids=lambda p: p.name)
def test_sourced_assumptions_name_a_reference_or_a_year(path: Path) -> None:
    data = _load(path)
    ids = [r["id"] for r in data.get("references", [])]
    for name, assumption in data.get("assumptions", {}).items():
        if assumption["status"] not in ("VERIFIED", "PARTIAL"):
            continue
        source = assumption["source"]
        named = any(re.search(rf"(?<![\w-]){re.escape(i)}(?![\w-])", source) for i in ids)
        assert named or YEAR.search(source), f"{path.name}: assumption {name} cites neither a reference id nor a year: {source!r}"
