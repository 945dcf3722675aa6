"""Issue 15: output to a terminal or pipe whose encoding is not UTF-8 never crashes, and
holiday names in warnings do not follow the machine's locale.

Standard output always gets UTF-8 bytes (the README's "Limits and safety" says so); before,
``PYTHONIOENCODING=latin-1 regimen dose ...`` died with UnicodeEncodeError on "√".
"""

import os
import subprocess
import sys

import pytest

COMMANDS = {
    "dose": ["dose", "NCT05233358", "--arm", "haic", "--weight", "70 kg", "--height", "170 cm"],
    "list": ["list"],
    "list json": ["list", "--format", "json"],
    "show": ["show", "NCT05760430"],
    "schedule json": ["schedule", "NCT05760430", "--arm", "experimental", "--start", "2026-12-01", "--weight", "72 kg", "--format", "json"],
    "schedule": ["schedule", "NCT05760430", "--arm", "experimental", "--start", "2026-12-01", "--weight", "72 kg"],
}


def _regimen(args, **env):
    return subprocess.run([sys.executable, "-m", "regimen", *args], capture_output=True, check=False, env={**os.environ, **env})


@pytest.mark.parametrize(("name", "encoding"), [*((name, "latin-1") for name in sorted(COMMANDS)), ("dose", "ascii")])
def test_a_non_utf8_standard_output_gets_utf8_bytes_and_no_traceback(name, encoding):
    done = _regimen(COMMANDS[name], PYTHONIOENCODING=encoding)
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    assert b"Traceback" not in done.stderr
    done.stdout.decode("utf-8")  # valid UTF-8, whatever the locale said


def test_the_dose_sheet_keeps_its_symbols_in_utf8():
    done = _regimen(COMMANDS["dose"], PYTHONIOENCODING="latin-1")
    assert "√" in done.stdout.decode("utf-8")


def test_holiday_names_are_english_whatever_the_locale():
    code = ("from datetime import date; from regimen.clinic import Clinic; "
            "print(Clinic.parse('mon-fri', 'CN').closed(date(2027, 2, 8)))")
    names = {locale: subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                                    env={**os.environ, "LANG": locale, "LC_ALL": locale, "LANGUAGE": locale.split(".")[0]}).stdout.strip()
             for locale in ("zh_CN.UTF-8", "C.UTF-8", "en_US.UTF-8")}
    assert set(names.values()) == {"Chinese New Year (Spring Festival)"}, names
