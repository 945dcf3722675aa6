"""Issue #10: arbitrary text in every option of every command never reaches the user as a traceback.

For each command, Hypothesis spoils up to three of its parameters (options, arguments, the group's
--protocols) with nasty or arbitrary text and gives the others valid values or leaves them out; the
command runs through click's CliRunner in a fresh folder. Whatever it is given: no exception escapes
but SystemExit, the exit status is 0, 1 or 2, and a refusal (status 2) is one ``Error: ...`` line on
stderr (a cohort's bad rows, validated files and protocol-file problems are each one such line).
Every case also passes issue #15's per-case checks (``tests/fuzzing.py``): within 10 s and 1 GiB,
strict JSON, no formula cell, no injected .ics property or bare CR/LF, no temporary file, and a
refused ``record`` (or ``course migrate``) leaves the course byte-identical.
The examples are derandomized, so CI runs the same 800 per command (15,200 over 19 commands) every time (FUZZ_EXAMPLES sets the count
per command, for a longer local run; FUZZ_SEED draws other cases).
"""

from __future__ import annotations

import os
import tempfile
from contextlib import chdir
from pathlib import Path
from typing import NamedTuple

import pytest
from conftest import COURSE_HEAD
from fuzzing import fuzz, invoke_checked
from hypothesis import given, settings
from hypothesis import strategies as st

from regimen.cli import main

SHIPPED = Path(__file__).parent.parent / "protocols"
OLD_ICS = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//EN\r\nBEGIN:VEVENT\r\nUID:a@x\r\nDTSTAMP:20261201T000000Z\r\n" \
          "X-REGIMEN-KEY:NCT05760430/experimental/pve/1\r\nDTSTART;VALUE=DATE:20261215\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
COHORT = "id,protocol,arm,start,weight,height\nP1,NCT05760430,experimental,2026-12-01,72 kg,\nP2,NCT05233358,haic,2026-12-05,65 kg,165 cm\n"
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", 800))  # per command

NASTY = ["", " ", "-", "--", "--weight", "-1", "0", "1", "99999999999999999999", "1e309", "nan", "\x00", "72 kg\x00", "\n",
         "é", "²", "72**2 kg", "72 / 0 kg", "72 kg)", "72,5 kg", "5'7\"", "72 kg/m2", "72000 mg", "1926-12-01", "2100-12-31",
         "9999-12-31", "0001-01-01", "2026-02-30", "99999999d", "100y", "0w", "x=y", "=", "a=", "=b", "pve=", "..", ".",
         "CON", "a" * 300, "{", "[labs]", "%s", "{0}", "\\", "'", '"', "Asia/Shanghai", "Mars/Olympus", "25:00", "09:00"]

text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=24)
nasty = st.one_of(st.sampled_from(NASTY), text)


class Value(NamedTuple):
    """An option's or argument's valid values (empty for a flag); ``needed`` ones are usually given."""

    valid: tuple[str, ...] = ()
    needed: bool = False


def v(*valid: str, needed: bool = False) -> Value:
    return Value(valid, needed)


FLAG = Value()


class Command(NamedTuple):
    arguments: tuple[Value, ...]  # positional, in order
    options: dict[str, Value]


# valid values fit together: NCT05233358's TACE arm takes these choices, level and pin
PROTOCOL = v("NCT05233358", needed=True)
PATIENT_OPTIONS = {"--arm": v("tace", needed=True), "--weight": v("72 kg", "160 LB", "12 st 3 lb", needed=True),
                   "--height": v("170 cm", "5 ft 7 in"), "--choose": v("ici=atezolizumab", "regorafenib_start=120mg"),
                   "--level": v("regorafenib=1"), "--bsa": v("mosteller", "dubois")}
DATE = ("2026-12-01", "2026-12-15", "2027-01-12")

COMMANDS = {
    "list": Command((), {"--format": v("table", "json")}),
    "show": Command((v("NCT05760430", "NCT05233358", needed=True),), {"--arm": v("haic", "tace"), "--format": v("table", "fhir"),
                                                                      "--fhir-version": v("R4", "R5")}),
    "schedule": Command((PROTOCOL,), {
        **PATIENT_OPTIONS, "--start": v(*DATE, needed=True), "--allow-past": FLAG, "--course": v("course.toml"),
        "--at": v("imaging=2027-01-08"), "--horizon": v("12w", "2y", "2027-06-01"),
        "--format": v("ics", "ics", "table", "json", "csv", "fhir"), "--fhir-version": v("R4", "R5"), "-o": v("out.txt"),
        "--time": v("09:00", "tace=08:00", "default=09:00"), "--dose-time": v("08:00", "regorafenib=08:00"), "--separate": FLAG,
        "--tz": v("Asia/Shanghai", "UTC"),
        "--remind": v("1d", "30m"), "--label": v("Clinic"), "--clinic-days": v("mon-fri", "mon,wed"), "--holidays": v("CN", "US"),
        "--today": v(*DATE), "--replaces": v("old.ics"), "--verbose": FLAG}),
    "dose": Command((PROTOCOL,), {**PATIENT_OPTIONS, "--format": v("table", "html", "json", "csv", "pdf"), "-o": v("out.txt", "sheet.html"),
                                  "--today": v(*DATE), "--verbose": FLAG}),
    "validate": Command((v(str(SHIPPED / "NCT05760430.toml"), "course.toml", "patients.csv", needed=True),), {}),
    "cohort": Command((v("patients.csv", needed=True),), {
        "--format": v("json", "csv", "ics"), "-o": v("out", "out.csv"), "--horizon": v("8w", "2027-01-01"), "--jobs": v("1"),
        "--strict": FLAG, "--allow-past": FLAG}),
    "supply": Command((v("patients.csv", needed=True),), {
        "--courses": FLAG, "--today": v("2027-01-12"), "--from": v(*DATE, needed=True), "--to": v("2027-01-31", needed=True), "--by": v("week", "month"),
        "--format": v("table", "csv"), "-o": v("out.csv"), "--plot": v("plot.png"), "--jobs": v("1"), "--strict": FLAG}),
    "record": Command((v("course.toml", needed=True), v("given", "held", "weight", "level", "skipped", "lab", "undo", "restarted",
                                                       "prior", "finding", "surgery", needed=True),
                                 v("camrelizumab", "apatinib", "pve", "tbil", "radiotherapy", "pregnancy-test", "ecog")), {
        "--date": v(*DATE, needed=True), "--from": v(*DATE), "--to": v("2026-12-20"), "--occurrence": v("1", "2"),
        "--dose": v("216 mg"), "--level": v("1", "2"), "--value": v("68 kg", "1.1 mg/dL", "negative", "1"), "--uln": v("1.2 mg/dL"),
        "--reason": v("grade 3 hypertension"), "--today": v("2027-01-12"), "--planned": FLAG}),
    "course new": Command((v("new.toml", needed=True),), {
        "--protocol": v("NCT05760430", "NCT05233358", needed=True), "--arm": v("experimental", "control", needed=True),
        "--start": v(*DATE, needed=True), "--weight": v("72 kg", needed=True), "--height": v("170 cm"), "--weighed": v("2026-11-30"),
        "--patient": v("P-0001"), "--choose": v("ici=atezolizumab")}),
    "course migrate": Command((v("course.toml", needed=True),), {"--on": v(*DATE, needed=True), "--reason": v("amendment 2")}),
    "explain": Command((v("NCT05233358", needed=True), v("tace/1", "regorafenib/3", needed=True)), {
        **PATIENT_OPTIONS, "--start": v(*DATE, needed=True), "--allow-past": FLAG, "--course": v("course.toml"),
        "--at": v("imaging=2027-01-08"), "--horizon": v("12w", "2027-06-01"), "--clinic-days": v("mon-fri"), "--holidays": v("CN"),
        "--today": v(*DATE), "--format": v("table", "json")}),
    "check": Command((), {"--course": v("course.toml", needed=True), "--today": v(*DATE)}),
    "due": Command((v("course.toml", "courses", needed=True),), {
        "--from": v(*DATE), "--to": v("2027-01-31"), "--today": v(*DATE), "--jobs": v("1"), "--format": v("table", "csv", "json", "ics"),
        "-o": v("out.txt")}),
    "deviations": Command((v("course.toml", "courses", needed=True),), {
        "--today": v(*DATE), "--jobs": v("1"), "--format": v("table", "csv", "json"), "-o": v("out.txt")}),
    "grade": Command((v("anc", "ast", "tbil", needed=True), v("0.8 x10^9/L", "180 U/L", "2.5 mg/dL", needed=True)), {
        "--uln": v("40 U/L", "1.2 mg/dL"), "--lln": v("2 x10^9/L"), "--baseline": v("60 U/L"), "--course": v("course.toml"),
        "--on": v(*DATE), "--format": v("table", "json")}),
    "toxicity": Command((v("course.toml", needed=True),), {
        "--drug": v("apatinib", "camrelizumab", needed=True), "--ae": v("hypertension", "pneumonitis", needed=True),
        "--grade": v("2", "3", needed=True), "--lab": v("anc"), "--date": v(*DATE), "--apply": FLAG, "--today": v("2027-01-12"),
        "--format": v("table", "json")}),
    # issue 16: screening and liver scores
    "screen": Command((v("course.toml", needed=True),), {"--today": v(*DATE), "--format": v("table", "json"), "--verbose": FLAG}),
    "score child-pugh": Command((), {
        "--bilirubin": v("1.1 mg/dL", "34 umol/L", needed=True), "--albumin": v("3.5 g/dL", "28 g/L", needed=True),
        "--inr": v("1.7", "2.3", needed=True), "--ascites": v("none", "mild", "moderate", needed=True),
        "--encephalopathy": v("none", "grade-1-2", "grade-3-4", needed=True), "--course": v("course.toml"), "--today": v(*DATE),
        "--format": v("table", "json")}),
    "score albi": Command((), {"--bilirubin": v("17.1 umol/L", "1 mg/dL", needed=True), "--albumin": v("40 g/L", "4 g/dL", needed=True),
                               "--course": v("course.toml"), "--today": v(*DATE), "--format": v("table", "json")}),
}

FILES = {"--course", "-o", "--plot", "--protocols", "--replaces", "validate", "cohort", "supply", "record", "course new",
         "course migrate", "due", "deviations", "screen"}  # kept inside the example's folder

# Crashes found by this test in modules this issue does not own, each with its reason:
# (command, option, the exception's type name, reason). None open today.
KNOWN_FAILURES: list[tuple[str, str, str, str]] = []


def _relative(value: str) -> str:
    """A path inside the example's folder, whatever the text: no root, no parent, no drive."""
    if value.startswith(str(SHIPPED)):
        return value
    return value.replace("\\", "_").lstrip("/").replace("..", "_") or "_"


@st.composite
def invocations(draw, name: str) -> list[str]:
    """One command line: up to three of its parameters get nasty text, the others valid values or none."""
    command = COMMANDS[name]
    slots = [*(f"#{i}" for i in range(len(command.arguments))), *command.options, "--protocols"]
    fuzzed = draw(st.sets(st.sampled_from(slots), max_size=3))  # none: a valid line

    def value(slot: str, spec: Value) -> str:
        if slot in fuzzed or not spec.valid:
            return draw(nasty)
        return draw(st.sampled_from(spec.valid))

    argv = ["--protocols", _relative(value("--protocols", v("protocols")))] if "--protocols" in fuzzed else []
    argv += name.split()  # a group's subcommand: course new
    for index, spec in enumerate(command.arguments):
        slot = f"#{index}"
        if slot in fuzzed or spec.needed or draw(st.booleans()):
            text = value(slot, spec)
            argv.append(_relative(text) if name in FILES and index == 0 else text)
    for option, spec in command.options.items():
        if option in fuzzed:
            times = draw(st.sampled_from([1, 1, 1, 2]))  # now and then twice
        elif spec.needed:
            times = int(draw(st.integers(0, 9)) > 0)
        else:
            times = int(draw(st.integers(0, 7)) == 0)
        for _ in range(times):
            if spec is FLAG:
                argv.append(option)
                continue
            text = value(option, spec)
            if option == "--jobs" and text.strip().isdecimal() and int(text) > 1:
                text = "1"  # worker processes cost ~0.1 s each; tests/test_cohort.py covers --jobs 2
            argv += [option, _relative(text) if option in FILES else text]
    if name == "schedule":  # calendar options go with --format ics, a zone with a time: keep valid lines valid
        if any(o in argv for o in ("--time", "--dose-time", "--separate", "--tz", "--remind", "--label")) and "--format" not in argv:
            argv += ["--format", "ics"]
        if "--tz" in argv and "--time" not in argv and "--dose-time" not in argv:
            argv += ["--time", "09:00"]
        if ("--time" in argv or "--dose-time" in argv) and "--tz" not in argv:
            argv += ["--tz", "UTC"]  # a machine in UTC refuses --time without --tz (issue 12)
    if name in ("schedule", "show") and "--fhir-version" in argv and "--format" not in argv:  # it goes with --format fhir
        argv += ["--format", "fhir"]
        for option in ("--today", "--replaces"):  # they go with --course: left out of a valid plain line
            while option in argv and option not in fuzzed and "--course" not in argv:
                at = argv.index(option)
                del argv[at:at + 2]
    return argv


def _known(name: str, argv: list[str], exception: BaseException) -> bool:
    return any(command == name and option in argv and type(exception).__name__ == kind for command, option, kind, _ in KNOWN_FAILURES)


def run_and_check(name: str, argv: list[str]) -> int | None:
    """One case in a fresh folder holding a course, an old calendar, a courses folder and a cohort."""
    with tempfile.TemporaryDirectory() as folder, chdir(folder):
        Path("course.toml").write_text(COURSE_HEAD, encoding="utf-8")
        Path("old.ics").write_text(OLD_ICS, encoding="utf-8")
        Path("courses").mkdir()
        Path("courses/P-0002.toml").write_text(COURSE_HEAD.replace("P-0001", "P-0002"), encoding="utf-8")
        Path("patients.csv").write_text(COHORT, encoding="utf-8")
        Path("protocols").mkdir()
        result = invoke_checked(argv, Path(folder), unchanged=("course.toml",), known=lambda exc: _known(name, argv, exc))
    return None if result.exception is not None and not isinstance(result.exception, SystemExit) else result.exit_code


@pytest.mark.fuzz
@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_no_text_in_any_option_makes_a_traceback(name, record_property):
    cases = 0

    @fuzz(EXAMPLES)
    @given(invocations(name))
    def check(argv: list[str]) -> None:
        nonlocal cases
        cases += 1
        run_and_check(name, argv)

    check()
    record_property("fuzz_cases", cases)


def test_the_fuzz_reaches_past_the_option_parsing():
    """Most examples change one to three options, so many plans are still made: the fuzz is not all refusals."""
    outcomes = []

    @settings(max_examples=200, derandomize=True, deadline=None, database=None)
    @given(invocations("schedule"))
    def check(argv: list[str]) -> None:
        outcomes.append(run_and_check("schedule", argv))

    check()
    assert outcomes.count(0) >= 20, outcomes


@pytest.mark.parametrize(("name", "argv"), [
    ("schedule", ["schedule", "NCT05760430", "--arm", "experimental", "--start", "2026-12-01", "--weight", "72**2 kg"]),
    ("schedule", ["schedule", "NCT05760430", "--arm", "experimental", "--start", "2026-12-01", "--weight", "72 kg", "--horizon", "99999999d"]),
    ("dose", ["dose", "NCT05760430", "--arm", "experimental", "--weight", "5'7\""]),
])
def test_the_issues_crashes_are_refusals_now(name, argv):
    run_and_check(name, argv)


def test_every_option_of_every_command_is_fuzzed():
    commands = {}
    for name, command in main.commands.items():
        subcommands = getattr(command, "commands", None)
        commands.update({f"{name} {sub}": c for sub, c in subcommands.items()} if subcommands else {name: command})
    assert sorted(COMMANDS) == sorted(commands)
    for name, command in commands.items():
        options = {max(p.opts, key=len) if p.opts[0] != "-o" else "-o" for p in command.params if p.param_type_name == "option"}
        arguments = [p for p in command.params if p.param_type_name == "argument"]
        assert options == set(COMMANDS[name].options), name
        assert len(arguments) == len(COMMANDS[name].arguments), name
