"""Issue #15, item 10: the fuzz suite's other inputs, beside the option fuzz of
``test_issue_10_fuzz_cli.py`` and the value mutations of ``test_issue_15_hostile_*.py``:

* cohort rows: a patients CSV whose header and cells are mutated (formula payloads, control
  characters, quotes, oversized cells, duplicate ids and columns);
* raw bytes: shipped protocol files, test course files and a cohort CSV with bytes flipped,
  inserted, deleted, truncated or the whole file re-encoded (UTF-16 with and without a BOM,
  Latin-1, a BOM on UTF-8);
* odd environments, in subprocesses held to 10 s and 1 GiB: ``LANG`` / ``LC_ALL``, ``TZ``,
  ``PYTHONIOENCODING`` and ``PYTHONUTF8`` varied; the output bytes never change with them.

Every case passes the per-case checks of ``tests/fuzzing.py``. The summary line counts the cases.
And the checks themselves are tested: each one refuses what it is there to catch.
"""

from __future__ import annotations

import csv
import io
import itertools
import os
import random
import resource
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from contextlib import chdir, suppress
from pathlib import Path

import pytest
from conftest import COURSE_HEAD, HERE
from fuzzing import LIMIT_BYTES, LIMIT_SECONDS, SEED, check_output, fuzz, invoke_checked
from hypothesis import given
from hypothesis import strategies as st

import regimen

SHIPPED = sorted((HERE.parent / "protocols").glob("*.toml"))
COURSES = sorted((HERE / "courses").glob("*.toml"))
COLUMNS = ("id", "protocol", "arm", "start", "weight", "height", "horizon", "ici", "at:pve", "level:regorafenib")
ROWS = (  # valid rows: each plans
    {"id": "P1", "protocol": "NCT05760430", "arm": "experimental", "start": "2026-12-01", "weight": "72 kg"},
    {"id": "P2", "protocol": "NCT05233358", "arm": "haic", "start": "2026-12-05", "weight": "65 kg", "height": "165 cm",
     "ici": "atezolizumab", "level:regorafenib": "2"},
    {"id": "P-3", "protocol": "NCT05760430", "arm": "experimental", "start": "2026-12-03", "weight": "160 lb", "at:pve": "2026-12-18",
     "horizon": "8w"},
    {"id": "P4", "protocol": "ablation-lenvatinib-pd1", "arm": "experimental", "start": "2026-12-02", "weight": "58 kg"},
)
FORMULAS = ["=1+1", '=HYPERLINK("http://example.com","x")', "+1", "-1+2", "@SUM(A1)", "\t=1", "\r=1", "=cmd|' /C calc'!A0",
            "-", "+", "@", "=", "-5 mg", "+41 kg"]
ODD = ["", " ", '"', '""', ",", "\n", "\r\n", "\x00", "\x1b[31m", "\u202e", "é", "√≥±", "72 kg\n=1", "P1", "P1 ", "x" * 140_000,
       "2026-02-30", "9999-12-31", "1e309 kg", "nan kg", "-72 kg", "720 kg", "0 cm", "NCT05233358", "haic", "tace", "99999999d"]
CELL = st.one_of(st.sampled_from(FORMULAS + ODD), st.text(st.characters(blacklist_categories=("Cs",)), max_size=16))


# -- the checks refuse what they are there to catch ------------------------------------------


@pytest.mark.parametrize(("text", "kind"), [
    ('{"dose": NaN}', "json"), ('{"a": 1}\n{"dose": Infinity}\n', "jsonl"), ("{", "json"),
    ("key,name\r\nx,=1+1\r\n", "csv"), ("key,name\r\nx,@SUM(A1)\r\n", "csv"), ("key,name\r\nx,\"\t=1\"\r\n", "csv"),
    ("BEGIN:VCALENDAR\r\nATTENDEE:mailto:x@example.com\r\nEND:VCALENDAR\r\n", "ics"),
    ("BEGIN:VCALENDAR\r\nSUMMARY:a\nDTSTART:20261201\r\nEND:VCALENDAR\r\n", "ics"),
    ("BEGIN:VCALENDAR\r\nSUMMARY:a\rb\r\nEND:VCALENDAR\r\n", "ics"), ("BEGIN:VCALENDAR\nEND:VCALENDAR\n", "ics"),
])
def test_each_check_refuses_what_it_is_there_to_catch(text, kind):
    with pytest.raises((AssertionError, ValueError)):
        check_output(text, kind)


@pytest.mark.parametrize(("text", "kind"), [
    ('{"dose": 216.0, "note": "NaN"}', "json"), ("key,amount,name\r\nx,-5,'=1+1\r\n", "csv"),
    ("BEGIN:VCALENDAR\r\nSUMMARY:a long line folded \r\n here\r\nX-REGIMEN-KEY:a/b/1\r\nEND:VCALENDAR\r\n", "ics"),
])
def test_the_checks_pass_what_the_exporters_rightly_write(text, kind):
    check_output(text, kind)


# -- cohort rows -----------------------------------------------------------------------------


@st.composite
def cohorts(draw) -> tuple[str, list[str]]:
    """A patients CSV (valid rows with a few cells, or the header, mutated) and a command over it."""
    header = list(COLUMNS)
    for _ in range(draw(st.integers(0, 1))):
        at = draw(st.integers(0, len(header) - 1))
        header[at] = draw(st.sampled_from([*FORMULAS, "id", "arm", "", "level:nothing", "at:", "ici", draw(CELL)]))
    rows = [{**draw(st.sampled_from(ROWS)), "id": f"P{n}"} for n in range(draw(st.integers(1, 4)))]  # ids unique unless mutated
    for _ in range(draw(st.integers(0, 3))):
        draw(st.sampled_from(rows))[draw(st.sampled_from(COLUMNS))] = draw(CELL)
    out = io.StringIO()
    if draw(st.booleans()):
        writer = csv.writer(out, lineterminator=draw(st.sampled_from(["\r\n", "\n"])))
        writer.writerow(header)
        writer.writerows([[row.get(column, "") for column in COLUMNS] for row in rows])
    else:  # written by hand, unquoted: commas and newlines in cells break the rows
        out.write("\n".join(",".join([*header] if i < 0 else [row.get(c, "") for c in COLUMNS]) for i, row in
                            zip(range(-1, len(rows)), [{}, *rows], strict=True)) + "\n")
    command = draw(st.sampled_from([
        ["cohort", "patients.csv", "--format", "json"], ["cohort", "patients.csv", "--format", "csv"],
        ["cohort", "patients.csv", "--format", "csv", "-o", "plans.csv"], ["cohort", "patients.csv", "--format", "json", "-o", "plans.jsonl"],
        ["cohort", "patients.csv", "--format", "ics", "-o", "calendars"], ["cohort", "patients.csv", "--strict", "--format", "ics", "-o", "calendars"],
        ["supply", "patients.csv", "--from", "2026-12-01", "--to", "2027-01-31", "--format", "csv"],
        ["validate", "patients.csv"],
    ]))
    return out.getvalue(), command


@pytest.mark.fuzz
def test_mutated_cohort_rows_never_make_a_traceback_a_formula_or_a_broken_file(record_property):
    outcomes: list[int] = []

    @fuzz(800)
    @given(cohorts())
    def check(case: tuple[str, list[str]]) -> None:
        text, command = case
        with tempfile.TemporaryDirectory() as folder, chdir(folder):
            Path("patients.csv").write_text(text, encoding="utf-8", newline="")
            outcomes.append(invoke_checked(command, Path(folder), unchanged=("patients.csv",)).exit_code)

    check()
    record_property("fuzz_cases", len(outcomes))
    assert outcomes.count(0) >= len(outcomes) // 5, "most cases never reach planning: the fuzz tests the parser only"
    assert outcomes.count(2) >= len(outcomes) // 5, "few cases are refused: the mutations are too tame"


# -- raw bytes -------------------------------------------------------------------------------


COHORT_BYTES = b"id,protocol,arm,start,weight,height\nP1,NCT05760430,experimental,2026-12-01,72 kg,\n" \
               b"P2,NCT05233358,haic,2026-12-05,65 kg,165 cm\n"
FILES = {**{f"protocol {p.name}": p.read_bytes() for p in SHIPPED}, **{f"course {p.name}": p.read_bytes() for p in COURSES},
         "cohort patients.csv": COHORT_BYTES}
RE_ENCODINGS = ("utf-16", "utf-16-le", "utf-16-be", "utf-32", "latin-1", "cp1252", "utf-8-sig", "gb18030")


@st.composite
def mangled(draw) -> tuple[str, bytes]:
    name = draw(st.sampled_from(sorted(FILES)))
    data = FILES[name]
    for _ in range(draw(st.integers(1, 3))):
        how = draw(st.sampled_from(["flip", "flip", "insert", "delete", "truncate", "duplicate", "re-encode"]))
        at = draw(st.integers(0, len(data)))
        if how == "flip" and at < len(data):
            data = data[:at] + bytes([draw(st.integers(0, 255))]) + data[at + 1:]
        elif how == "insert":
            data = data[:at] + draw(st.one_of(st.binary(min_size=1, max_size=8), st.sampled_from(
                [b"\x00", b"\xff\xfe", b"\xef\xbb\xbf", b"\xc3", b"\xed\xa0\x80", b"\r", b"[", b'"', b"\n[[events]]\n"]))) + data[at:]
        elif how == "delete":
            data = data[:at] + data[at + draw(st.integers(1, 64)):]
        elif how == "truncate":
            data = data[:at]
        elif how == "duplicate":
            data = data[:at] + data[at:at + draw(st.integers(1, 400))] * 2 + data[at + 400:]
        else:
            with suppress(UnicodeDecodeError, UnicodeEncodeError):
                data = data.decode("utf-8").encode(draw(st.sampled_from(RE_ENCODINGS)))
    return name, data


@pytest.mark.fuzz
def test_raw_bytes_in_protocol_course_and_cohort_files_are_refused_in_one_line_or_planned(record_property):
    accepted: list[str] = []
    cases = 0
    patient = regimen.Patient.from_measurements("72 kg", "170 cm")

    @fuzz(900)
    @given(mangled())
    def check(case: tuple[str, bytes]) -> None:
        nonlocal cases
        cases += 1
        name, data = case
        kind, file = name.split(" ")
        with tempfile.TemporaryDirectory() as folder, chdir(folder):
            Path(file).write_bytes(data)
            if kind == "protocol":
                result = invoke_checked(["validate", file], Path(folder))
                if result.exit_code == 0:  # accepted: it must plan every arm for ten years, or refuse in one line
                    accepted.append(name)
                    protocol = regimen.load_file(file)
                    for arm in protocol.arms:
                        with suppress(regimen.RegimenError):
                            regimen.schedule(protocol, arm.id, patient, "2026-12-01", horizon="10y")
            elif kind == "course":
                for command in (["schedule", "--course", file, "--today", "2027-01-12", "--format", "json"],
                                ["record", file, "weight", "--date", "2027-01-12", "--value", "70 kg", "--today", "2027-01-12"]):
                    if invoke_checked(command, Path(folder), unchanged=(file,)).exit_code == 0:
                        accepted.append(name)
            elif invoke_checked(["cohort", file, "--format", "csv"], Path(folder), unchanged=(file,)).exit_code == 0:
                accepted.append(name)

    check()
    record_property("fuzz_cases", cases)
    print(f"raw bytes: {len(accepted)} of {cases} mangled files still accepted")
    assert {name.split()[0] for name in accepted} == {"protocol", "course", "cohort"}, "no mangled file of some kind is ever accepted"


# -- odd environments, in subprocesses held to 10 s and 1 GiB ----------------------------------


PLAN = ["schedule", "NCT05233358", "--arm", "haic", "--start", "2026-12-01", "--weight", "72 kg", "--height", "170 cm", "--horizon", "12w"]
ENV_COMMANDS = {
    "table": PLAN,
    "json": [*PLAN, "--format", "json"],
    "csv with holidays": ["schedule", "NCT06187961", "--arm", "conversion", "--start", "2027-01-25", "--weight", "72 kg", "--height",
                          "170 cm", "--horizon", "12w", "--clinic-days", "mon-fri", "--holidays", "CN", "--format", "csv"],
    "ics in a DST zone": [*PLAN, "--format", "ics", "--time", "09:00", "--tz", "America/New_York", "--remind", "1d", "--label", "Clinic ≥ 3"],
    "dose": ["dose", "NCT05233358", "--arm", "haic", "--weight", "72 kg", "--height", "170 cm"],
    "show": ["show", "NCT05760430"],
    "check": ["check", "--course", "course.toml", "--today", "2026-12-20"],
    "cohort": ["cohort", "patients.csv", "--format", "csv"],
    "refused": ["dose", "NCT05233358", "--arm", "haic", "--weight", "72 kg√", "--height", "170 cm"],
}
LOCALES = [None, "C", "POSIX", "C.UTF-8", "en_US.UTF-8", "tr_TR.UTF-8", "de_DE.ISO-8859-1", "zh_CN.GB18030", "ja_JP.eucJP", "xx_XX.bogus"]
ENCODINGS = [None, "utf-8", "latin-1", "ascii", "cp1252", "ascii:strict", "utf-16"]
ZONES = [None, "UTC", "America/New_York", "Pacific/Kiritimati", "Asia/Kathmandu", "Mars/Olympus", "EST5EDT", "Asia/Shanghai"]
VARIANTS = int(os.environ.get("FUZZ_ENVIRONMENTS", 12))  # per command, beside its baseline


def _limits() -> None:  # in the child, before exec: 1 GiB of address space, 10 s of CPU (the wall clock is the timeout)
    resource.setrlimit(resource.RLIMIT_AS, (LIMIT_BYTES, LIMIT_BYTES))
    resource.setrlimit(resource.RLIMIT_CPU, (LIMIT_SECONDS, LIMIT_SECONDS + 1))


def _run(argv: list[str], folder: Path, env: dict[str, str | None]) -> tuple[int, bytes, bytes]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANG", "PYTHON", "TZ", "REGIMEN"))}
    base["SOURCE_DATE_EPOCH"] = "1796083200"  # 2026-12-01T00:00:00Z: DTSTAMP fixed, so runs compare byte for byte
    base.update({k: v for k, v in env.items() if v is not None})
    try:
        done = subprocess.run([sys.executable, "-m", "regimen", *argv], cwd=folder, env=base, capture_output=True,
                              timeout=LIMIT_SECONDS, preexec_fn=_limits, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail(f"regimen {argv} took over {LIMIT_SECONDS} s with {env}")
    return done.returncode, done.stdout, done.stderr


@pytest.mark.fuzz
@pytest.mark.skipif(sys.platform == "win32", reason="resource limits and locales are POSIX")
def test_the_locale_zone_and_stdout_encoding_never_change_the_output_or_crash(tmp_path, record_property):
    (tmp_path / "course.toml").write_text(COURSE_HEAD, encoding="utf-8")
    (tmp_path / "patients.csv").write_bytes(COHORT_BYTES)
    draw = random.Random(int(SEED) if SEED is not None else 15)
    variants = [{"LANG": draw.choice(LOCALES), "LC_ALL": draw.choice(LOCALES), "TZ": draw.choice(ZONES),
                 "PYTHONIOENCODING": draw.choice(ENCODINGS), "PYTHONUTF8": draw.choice([None, "0", "1"])} for _ in range(VARIANTS)]
    baseline_env = {"LANG": "C.UTF-8", "TZ": "UTC"}
    jobs = [(name, env) for name in ENV_COMMANDS for env in [baseline_env, *variants]]
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda job: _run(ENV_COMMANDS[job[0]], tmp_path, job[1]), jobs))
    for name, group in itertools.groupby(zip(jobs, results, strict=True), key=lambda pair: pair[0][0]):
        (_, (status, stdout, stderr)), *others = list(group)
        assert status in ((2,) if name == "refused" else (0, 1)), (name, status, stderr[-400:])
        for (_, env), (other_status, other_out, other_err) in others:
            assert b"Traceback" not in other_err, (name, env, other_err[-400:])
            assert other_status == status, (name, env, other_status, other_err[-400:])
            assert other_out == stdout, (name, env, "the output bytes changed")  # UTF-8 always, whatever the locale
            if name == "refused":  # standard error follows the terminal's encoding, escaping what it cannot show
                message = other_err.decode((env["PYTHONIOENCODING"] or "utf-8").split(":")[0], "replace")
                assert message.count("\n") == 1 and message.startswith("Error: --weight: "), (name, env, message)
    record_property("fuzz_cases", len(jobs))


# -- the defects this suite found, each kept fixed ---------------------------------------------


def test_course_new_refuses_an_empty_weight_in_one_line_naming_the_weight(tmp_path):
    """Found by the option fuzz: ``--weight ""`` gave two errors, one of them about the course file it never wrote."""
    with chdir(tmp_path):
        result = invoke_checked(["course", "new", "P1.toml", "--protocol", "NCT05760430", "--arm", "experimental",
                                 "--start", "2026-12-01", "--weight", ""], tmp_path)
    assert result.exit_code == 2
    assert result.stderr == 'Error: weight: is empty; give a weight with its unit, like "72 kg" or "158.7 lb"\n'
    assert not (tmp_path / "P1.toml").exists()


def _bare(env: dict[str, str]) -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", ""), "SOURCE_DATE_EPOCH": "1796083200", **env}


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX locales")
def test_an_argument_is_read_as_utf8_under_a_c_locale_without_utf8_mode(tmp_path):
    """Found by the environment fuzz: with LC_ALL=C and PYTHONUTF8=0 Python decodes "≥" in --label
    as ASCII escapes, and writing the calendar raised UnicodeEncodeError."""
    argv = [sys.executable, "-m", "regimen", *PLAN, "--format", "ics", "--label", "Clinic ≥ 3"]
    done = subprocess.run(argv, env=_bare({"LC_ALL": "C", "PYTHONUTF8": "0"}), capture_output=True, timeout=LIMIT_SECONDS, check=False)
    assert done.returncode == 0, done.stderr[-300:]
    assert "X-WR-CALNAME:Clinic ≥ 3\r\n".encode() in done.stdout
    not_utf8 = [sys.executable.encode(), b"-m", b"regimen", b"dose", b"NCT05233358", b"--arm", b"haic", b"--weight", b"72 \xff kg"]
    done = subprocess.run(not_utf8, env=_bare({"LC_ALL": "C", "PYTHONUTF8": "0"}), capture_output=True, timeout=LIMIT_SECONDS, check=False)
    assert (done.returncode, done.stderr) == (2, b"Error: an argument is not UTF-8 text\n")


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX locales")
def test_a_cohort_streamed_to_standard_output_is_utf8_whatever_pythonioencoding(tmp_path):
    """Found by the environment fuzz: ``cohort`` wrote its rows through the text stream, so
    PYTHONIOENCODING=utf-16 gave UTF-16 (and latin-1 would fail on a ≥ in a note)."""
    (tmp_path / "patients.csv").write_bytes(COHORT_BYTES)
    argv = [sys.executable, "-m", "regimen", "cohort", "patients.csv", "--format", "csv"]
    plain, wide = (subprocess.run(argv, cwd=tmp_path, env=_bare(env), capture_output=True, timeout=LIMIT_SECONDS, check=True).stdout
                   for env in ({}, {"PYTHONIOENCODING": "utf-16"}))
    assert wide == plain and plain.startswith(b"patient_id,key,date,")
