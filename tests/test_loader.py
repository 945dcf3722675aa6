"""Protocol files: invalid fixtures paired with their expected messages, and contract tests."""

from pathlib import Path

import pytest
from conftest import INVALID

import regimen
from regimen import LookupFailure, ProtocolErrors
from regimen.loader import validate_files

FIXTURES = sorted(INVALID.glob("*.toml"))


@pytest.mark.parametrize("fixture", FIXTURES, ids=[f.stem for f in FIXTURES])
def test_invalid_protocol_reports_every_problem_at_once(fixture: Path, monkeypatch):
    monkeypatch.chdir(INVALID)
    expected = fixture.with_suffix(".expected").read_text(encoding="utf-8").splitlines()
    assert [e.located() for e in validate_files([fixture.name])] == expected
    with pytest.raises(ProtocolErrors):
        regimen.load_file(fixture.name)


def test_every_fixture_has_its_expected_message():
    assert {f.stem for f in FIXTURES} == {f.stem for f in INVALID.glob("*.expected")}


def test_shipped_protocols_are_all_valid():
    shipped = Path(regimen.__file__).resolve().parent.parent / "protocols"
    assert validate_files(sorted(shipped.glob("*.toml"))) == []


PROTOCOLS = regimen.list_protocols()


def test_the_five_trials_and_their_nine_arms_ship():
    assert {p.id: [a.id for a in p.arms] for p in PROTOCOLS} == {
        "NCT05233358": ["haic", "tace"],
        "NCT05760430": ["experimental", "control"],
        "NCT06187961": ["conversion"],
        "NCT06592612": ["sbrt", "control"],
        "ablation-lenvatinib-pd1": ["experimental", "comparator"],
    }


@pytest.mark.parametrize("protocol", PROTOCOLS, ids=[p.id for p in PROTOCOLS])
def test_every_protocol_is_cited(protocol):
    assert protocol.title and protocol.sponsor and protocol.source and protocol.record_date and protocol.version
    assert any(r.id == "record" for r in protocol.references)
    for assumption in protocol.assumptions:
        assert assumption.source and assumption.status in ("VERIFIED", "PARTIAL", "UNVERIFIED", "NONE")


@pytest.mark.parametrize("protocol", PROTOCOLS, ids=[p.id for p in PROTOCOLS])
def test_every_drug_activity_has_a_declared_dose_basis(protocol):
    for arm in protocol.arms:
        for activity in arm.activities:
            if activity.kind == "drug":
                assert activity.dose is not None and activity.dose.basis in ("flat", "per_kg", "per_m2", "dose_level", "weight_band")


def test_protocols_load_by_exact_id_or_by_path():
    with pytest.raises(LookupFailure, match=r'unknown protocol .nct05760430. \(did you mean "NCT05760430"\?\)'):
        regimen.load_protocol("nct05760430")  # issue 15: one protocol per id, matched exactly
    path = regimen.load_protocol("NCT05760430").path
    assert regimen.load_protocol(path).id == "NCT05760430"


def test_unknown_protocol_suggests_the_closest():
    with pytest.raises(LookupFailure, match=r'unknown protocol .NCT05760431. \(did you mean "NCT05760430"\?\)'):
        regimen.load_protocol("NCT05760431")


def test_own_protocol_folders_are_searched(tmp_path, monkeypatch):
    (tmp_path / "mine.toml").write_text((INVALID.parent / "valid" / "minimal.toml").read_text())
    monkeypatch.setenv("REGIMEN_PROTOCOLS", str(tmp_path))
    assert "MINE-1" in [p.id for p in regimen.list_protocols()]
