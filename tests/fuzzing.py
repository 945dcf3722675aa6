"""What every fuzz case must satisfy (issue #15, item 10), shared by the fuzz tests.

Per case: no traceback; exit status 0, 1 or 2; within 10 s, and the whole test process never
past 1 GiB (a peak no single case can exceed either); every JSON output strict JSON (no NaN or
Infinity); no CSV cell a spreadsheet would run as a formula; no .ics property the exporter does
not write (an injected one) and no bare CR or LF; no temporary file left behind.

Replaying: the suites are derandomized, so CI runs the same cases every time. ``FUZZ_SEED=N``
draws other cases (Hypothesis's seed, and the seed of the environment sampler); a failure
prints that seed and the case, and ``FUZZ_SEED=N`` replays it. ``FUZZ_EXAMPLES`` sets the
number of cases of the option fuzz per command.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import resource
import sys
import time
import traceback
from pathlib import Path

from hypothesis import HealthCheck, seed, settings

SEED = os.environ.get("FUZZ_SEED")
LIMIT_SECONDS = 10
LIMIT_BYTES = 1 << 30  # 1 GiB

# Every property name the .ics exporter writes (a calendar with times, a zone, alarms, a label,
# cancellations and a course); anything else in an output is an injected property.
ICS_PROPERTIES = frozenset((
    "BEGIN", "END", "VERSION", "PRODID", "NAME", "X-WR-CALNAME", "UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "DESCRIPTION",
    "CATEGORIES", "STATUS", "SEQUENCE", "TRANSP", "ACTION", "TRIGGER", "EXDATE", "RRULE", "RDATE", "TZID", "TZNAME",
    "TZOFFSETFROM", "TZOFFSETTO", "X-REGIMEN-ACTIVITY", "X-REGIMEN-KEY", "X-REGIMEN-MEMBERS"))
FORMULA = ("=", "+", "-", "@", "\t", "\r")
TEMPORARY = re.compile(r"\.tmp|~$|^\.#|\.lock$")


def fuzz_settings(examples: int, **extra) -> settings:
    """Hypothesis settings for a fuzz suite: the same cases every run unless FUZZ_SEED is set."""
    return settings(max_examples=examples, derandomize=SEED is None, deadline=None, database=None, print_blob=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much,
                                           HealthCheck.function_scoped_fixture], **extra)


def fuzz(examples: int, **extra):
    """Decorator: ``fuzz_settings`` plus FUZZ_SEED when given."""
    def wrap(test):
        test = fuzz_settings(examples, **extra)(test)
        return seed(int(SEED))(test) if SEED is not None else test
    return wrap


def peak_bytes() -> int:
    """This process's peak resident memory so far (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def _no_constants(name: str):
    raise AssertionError(f"JSON output holds {name}, which strict JSON does not allow")


def strict_json(text: str) -> None:
    """One JSON document, or JSON Lines, with no NaN or Infinity."""
    text = text.strip()
    if not text:
        return
    try:
        json.loads(text, parse_constant=_no_constants)
    except json.JSONDecodeError:
        for line in text.splitlines():
            json.loads(line, parse_constant=_no_constants)


def _number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def no_formula_cells(text: str) -> None:
    """No cell a spreadsheet would run: a cell starting with = + - @ tab or CR is a number or was quoted with '."""
    lines = [line for line in text.splitlines(keepends=True) if not line.startswith("#")]  # the warnings' comment lines
    for row in csv.reader(io.StringIO("".join(lines).lstrip("\ufeff"))):
        for cell in row:
            assert not (cell.startswith(FORMULA) and not _number(cell)), f"CSV cell runs as a formula: {cell[:80]!r}"


def clean_ics(text: str) -> None:
    """CRLF line ends only, no bare CR or LF, and only properties the exporter writes."""
    if not text:
        return
    assert text.endswith("\r\n"), "an .ics output must end with CRLF"
    body = text[:-2]
    for line in body.split("\r\n"):
        assert "\r" not in line and "\n" not in line, f"bare CR or LF in .ics line {line[:80]!r}"
    for line in body.replace("\r\n ", "").replace("\r\n\t", "").split("\r\n"):
        name = re.match(r"[A-Za-z0-9-]+", line)
        assert name and line[name.end():name.end() + 1] in (":", ";"), f"not an .ics content line: {line[:80]!r}"
        assert name.group().upper() in ICS_PROPERTIES, f"an .ics property the exporter does not write: {line[:80]!r}"


def check_output(text: str, kind: str) -> None:
    """``kind`` is json, jsonl, csv, ics or html."""
    if kind in ("json", "jsonl"):
        strict_json(text)
    elif kind == "csv":
        no_formula_cells(text)
    elif kind == "ics":
        clean_ics(text)
    elif kind == "html":
        self_contained_html(text)


def self_contained_html(text: str) -> None:
    """A whole page that runs nothing and loads nothing: every protocol value escaped by the exporter."""
    assert text.startswith("<!DOCTYPE html>") and text.rstrip().endswith("</html>"), "not a whole HTML page"
    lowered = text.lower()
    assert "<script" not in lowered and " src=" not in lowered and "<link" not in lowered, "a page that runs or loads something"


def output_kind(argv: list[str]) -> str | None:
    """The format a command line asks for on stdout, if one is checked."""
    formats = [argv[i + 1] for i, a in enumerate(argv[:-1]) if a == "--format"]
    kind = {"fhir": "json"}.get(formats[-1], formats[-1]) if formats else None  # a FHIR Bundle is JSON
    return kind if kind in ("json", "csv", "ics", "html") else None


def check_folder(folder: Path, before: dict[str, bytes]) -> None:
    """Every file written checks out by its suffix, and nothing temporary is left."""
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path.is_symlink():
            continue
        name = path.relative_to(folder).as_posix()
        assert not TEMPORARY.search(path.name), f"temporary file left behind: {name}"
        if before.get(name) == (data := path.read_bytes()):
            continue
        kind = path.suffix.lstrip(".")
        if kind in ("json", "jsonl", "csv", "ics", "html"):
            check_output(data.decode("utf-8"), kind)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file() and not p.is_symlink()}


def runner():
    from click.testing import CliRunner

    try:
        return CliRunner(mix_stderr=False)  # click 8.1
    except TypeError:
        return CliRunner()  # click 8.2+: stderr is always apart


MANY = ("cohort", "supply", "validate", "due", "deviations")  # rows and files: an Error line each, and what was written


def invoke_checked(argv: list[str], folder: Path, *, unchanged: tuple[str, ...] = (), env: dict | None = None, known=None):
    """Run ``regimen ARGV`` in ``folder`` (the current directory) and check every per-case rule.

    ``unchanged`` names files a refusal (exit 2) must leave byte-identical; ``known(exception)``
    may excuse a listed crash (it returns the result then). Returns click's Result.
    """
    import pytest

    from regimen.cli import main

    before = snapshot(folder)
    began = time.perf_counter()
    result = runner().invoke(main, argv, prog_name="regimen", env={"REGIMEN_PROTOCOLS": None, "SOURCE_DATE_EPOCH": None, **(env or {})})
    took = time.perf_counter() - began
    exception = result.exception
    if exception is not None and not isinstance(exception, SystemExit):
        if known is not None and known(exception):
            return result
        pytest.fail(f"regimen {' '.join(map(repr, argv))} raised\n{''.join(traceback.format_exception(exception))}")
    assert took < LIMIT_SECONDS, (argv, f"took {took:.1f} s")
    assert peak_bytes() < LIMIT_BYTES, (argv, f"the process reached {peak_bytes() >> 20} MiB")
    assert result.exit_code in (0, 1, 2), (argv, result.exit_code)
    kind = output_kind(argv)
    if kind and result.exit_code in (0, 1):
        if "-o" not in argv or result.stdout_bytes.strip():  # with -o the output is in the file (checked below), stdout empty
            check_output(result.stdout_bytes.decode("utf-8"), kind)  # .stdout would turn CRLF into LF
        if "-o" in argv and (out := folder / argv[argv.index("-o") + 1]).is_file() and out.suffix not in (".json", ".jsonl", ".csv", ".ics", ".html"):
            check_output(out.read_bytes().decode("utf-8"), kind)
    check_folder(folder, before)
    if result.exit_code == 2:
        many = bool(set(argv) & set(MANY))
        lines = [line for line in result.stderr.splitlines() if not (many and line.startswith("wrote "))]
        assert lines and all(line.startswith("Error: ") for line in lines), (argv, result.stderr)
        protocol_problems = all(re.match(r"Error: [^:]+\.toml(:\d+)?: ", line) for line in lines)  # every one, a line each
        if not many and not protocol_problems:
            assert len(lines) == 1, (argv, result.stderr)
        for name in unchanged:
            assert (folder / name).read_bytes() == before[name], (argv, f"a refusal changed {name}")
    return result
