"""The start-up cache of issue #13 (regimen/diskcache.py): content-addressed, never stale, silent on
any problem. Each check runs whole `regimen` processes with the cache in a folder of the test's own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SHIPPED = Path(__file__).resolve().parent.parent / "protocols" / "NCT05760430.toml"


def regimen(cache: Path | str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "REGIMEN_CACHE": str(cache)}
    return subprocess.run([sys.executable, "-m", "regimen", *args], capture_output=True, text=True, env=env, timeout=120)


def test_an_edited_protocol_file_is_read_again_even_with_the_same_time_stamp(tmp_path):
    mine = tmp_path / "trial.toml"
    mine.write_text(SHIPPED.read_text())
    first = regimen(tmp_path / "cache", "show", str(mine))
    assert first.returncode == 0 and "NCT05760430: The Synergistic Effect" in first.stdout
    stamp = mine.stat()
    mine.write_text(SHIPPED.read_text().replace('title = "The Synergistic', 'title = "Edited: The Synergistic', 1))
    os.utime(mine, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))  # same time stamp: only the bytes tell
    second = regimen(tmp_path / "cache", "show", str(mine))
    assert second.returncode == 0 and "NCT05760430: Edited: The Synergistic Effect" in second.stdout


def test_damaged_entries_are_ignored_silently(tmp_path):
    plan = ("schedule", "NCT05760430", "--arm", "experimental", "--start", "2026-12-01", "--weight", "160 lb", "--format", "json")
    clean = regimen("off", *plan)
    assert clean.returncode == 0
    regimen(tmp_path / "cache", *plan)
    entries = list((tmp_path / "cache").rglob("*.pickle"))
    assert {path.parent.name for path in entries} == {"protocols", "units"}
    for path in entries:
        path.write_bytes(b"not a pickle")
    again = regimen(tmp_path / "cache", *plan)
    assert (again.returncode, again.stdout, again.stderr) == (0, clean.stdout, clean.stderr)


def test_off_writes_nothing_and_a_warm_start_needs_no_pint(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    env = {**os.environ, "REGIMEN_CACHE": "off", "HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache")}
    subprocess.run([sys.executable, "-m", "regimen", "list"], check=True, capture_output=True, env=env)
    assert not (home / ".cache").exists()
    # 160 lb = 72.5747792 kg (0.45359237 kg a pound); camrelizumab 3 mg/kg of it = 217.72 mg
    code = ("import sys, regimen; p = regimen.Patient.from_measurements('160 lb'); "
            "print(dict(regimen.doses('NCT05760430', 'experimental', p).doses)['camrelizumab'].text, 'pint' in sys.modules)")
    cold = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**env, "REGIMEN_CACHE": str(tmp_path / "c")})
    warm = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**env, "REGIMEN_CACHE": str(tmp_path / "c")})
    assert cold.stdout.split() == ["217.72", "mg", "True"], cold.stderr  # the first start asked pint
    assert warm.stdout.split() == ["217.72", "mg", "False"], warm.stderr  # the same dose; pint never imported
