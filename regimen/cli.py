"""The ``regimen`` command: a thin layer over the library. Each command parses its options, makes
one library call and renders the result. Any RegimenError becomes a one-line ``Error: ...`` on
stderr and exit status 2; exporters are imported only by the command that needs them.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Sequence
from datetime import time, timedelta
from pathlib import Path

import click

from . import __version__
from .errors import InputError, ProtocolErrors, RegimenError

FORMATS = ("table", "json", "csv", "ics")


class _Group(click.Group):
    """Turns every RegimenError into one line on stderr and exit status 2, never a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ProtocolErrors as exc:
            for problem in exc.errors:
                click.echo(f"Error: {problem.located()}", err=True)
            ctx.exit(2)
        except RegimenError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(2)
        except BrokenPipeError:  # the reader left (| head): stop quietly, as Python's docs advise
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            ctx.exit(1)
        except OSError as exc:
            click.echo(f"Error: {exc.filename or ''}: {exc.strerror}", err=True)
            ctx.exit(2)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="regimen")
@click.option("--protocols", "protocol_dirs", multiple=True, type=click.Path(file_okay=False),
              help=f"A folder of your own protocol files, searched before the shipped ones (repeatable; also ${'REGIMEN_PROTOCOLS'}).")
@click.pass_context
def main(ctx: click.Context, protocol_dirs: tuple[str, ...]) -> None:
    """Oncology trial regimens as patient dose and visit calendars.

    \b
    Example:
      regimen schedule NCT05760430 --arm experimental --start 2026-12-01 --weight "72 kg"
    """
    ctx.obj = {"dirs": protocol_dirs}


def _load(ctx: click.Context, ref: str):
    from .loader import load_protocol

    return load_protocol(ref, ctx.obj["dirs"])


@main.command("list")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_context
def list_command(ctx: click.Context, fmt: str) -> None:
    """List the protocols and their arms.

    \b
    Example:
      regimen list --format json
    """
    from .loader import list_protocols

    protocols = list_protocols(ctx.obj["dirs"])
    if fmt == "json":
        import json

        data = {"protocols": [
            {"id": p.id, "title": p.title, "sponsor": p.sponsor, "source": p.source,
             "arms": [{"id": a.id, "label": a.label} for a in p.arms]}
            for p in protocols
        ]}
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        from .export.text import protocols_table

        click.echo(protocols_table(protocols), nl=False)


@main.command()
@click.argument("protocol")
@click.option("--arm", help="Show one arm only.")
@click.pass_context
def show(ctx: click.Context, protocol: str, arm: str | None) -> None:
    """Show a protocol's arms, timing in clinical notation, doses, choices, assumptions and references.

    \b
    Example:
      regimen show NCT05233358 --arm haic
    """
    from .export.text import protocol_details

    click.echo(protocol_details(_load(ctx, protocol), arm), nl=False)


def _patient_options(func):
    options = [
        click.option("--arm", help="The arm id (see `regimen show PROTOCOL`)."),
        click.option("--weight", help='Body weight with its unit: "72 kg", "158.7 lb".'),
        click.option("--height", help='Height with its unit: "170 cm", "5 ft 7 in" (needed for mg/m² doses).'),
        click.option("--choose", "choices", multiple=True, metavar="NAME=VALUE",
                     help="Pick an option the record leaves open, e.g. ici=camrelizumab (repeatable)."),
        click.option("--level", "levels", multiple=True, metavar="ACTIVITY=N",
                     help="Dose reductions from the starting level, e.g. regorafenib=1 (repeatable)."),
        click.option("--bsa", "bsa_method", default="mosteller", show_default=True,
                     type=click.Choice(["mosteller", "dubois", "haycock", "gehan-george", "boyd"]),
                     help="BSA formula for mg/m² doses."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _pairs(values: Sequence[str], option: str, accepted: str) -> dict[str, str]:
    pairs = {}
    for value in values:
        name, sep, rest = value.partition("=")
        if not sep or not name.strip() or not rest.strip():
            raise InputError(option, f"{value!r} is not accepted; give {accepted}")
        pairs[name.strip()] = rest.strip()
    return pairs


def _levels(values: Sequence[str]) -> dict[str, int]:
    levels = {}
    for name, value in _pairs(values, "--level", "ACTIVITY=N, like regorafenib=1").items():
        if not value.isdigit():
            raise InputError("--level", f"{name}={value!r}: give the number of dose reductions, 0 or more, like regorafenib=1")
        levels[name] = int(value)
    return levels


def _plan(ctx: click.Context, protocol: str, arm: str, weight: str, height: str | None, start: str, *,
          pins: Sequence[str] = (), choices: Sequence[str] = (), levels: Sequence[str] = (),
          horizon: str | None = None, bsa_method: str = "mosteller", clinic=None):
    from .patient import Patient
    from .schedule import schedule

    patient = Patient.from_measurements(weight, height)
    return schedule(
        _load(ctx, protocol), arm, patient, start,
        pins=_pairs(pins, "--at", "ACTIVITY=YYYY-MM-DD, like pve=2026-12-15"),
        choices=_pairs(choices, "--choose", "NAME=VALUE, like ici=camrelizumab"),
        levels=_levels(levels), horizon=horizon, bsa_method=bsa_method, clinic=clinic,
    )


@main.command()
@click.argument("protocol", required=False)
@_patient_options
@click.option("--start", metavar="YYYY-MM-DD", help="Day 0 of the arm (e.g. the day of cTACE).")
@click.option("--course", "course_file", type=click.Path(exists=True, dir_okay=False),
              help="Re-plan a recorded course (it carries the protocol, arm, day 0 and measurements).")
@click.option("--at", "pins", multiple=True, metavar="ACTIVITY=YYYY-MM-DD",
              help="Pin the first occurrence of an anchored activity inside its window (repeatable).")
@click.option("--horizon", metavar="SPAN|DATE",
              help="How far to plan: 24w, 180d, 6mo, 2y or a date. Default: bounded activities to their end, open-ended ones 24 weeks.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write to this file instead of standard output.")
@click.option("--time", "clinic_time", metavar="HH:MM", help="ics: time clinic events at this local time (home dosing stays all-day).")
@click.option("--tz", help="ics: IANA time zone for --time, e.g. Asia/Shanghai (default: this machine's zone).")
@click.option("--remind", metavar="SPAN", help="ics: a reminder this long before each event, e.g. 1d, 2h, 30m.")
@click.option("--label", help="ics: the calendar's name. Nothing identifies the patient unless you put it here.")
@click.option("--clinic-days", metavar="DAYS", help="Days the clinic is open, e.g. mon-fri: clinic events on other days move inside their windows.")
@click.option("--holidays", "country", metavar="COUNTRY", help="Also close on this country's public holidays (ISO code, e.g. CN).")
@click.pass_context
def schedule(ctx: click.Context, protocol: str | None, arm: str | None, weight: str | None, height: str | None,
             choices: tuple[str, ...], levels: tuple[str, ...], bsa_method: str, start: str | None, course_file: str | None,
             pins: tuple[str, ...], horizon: str | None, fmt: str, output: str | None, clinic_time: str | None,
             tz: str | None, remind: str | None, label: str | None, clinic_days: str | None, country: str | None) -> None:
    """Expand an arm into a patient's dose and visit calendar, or re-plan a recorded course.

    \b
    Examples:
      regimen schedule NCT05760430 --arm experimental --start 2026-12-01 --weight "72 kg"
      regimen schedule NCT05233358 --arm haic --start 2026-12-01 --weight "70 kg" --height "170 cm" \\
          --choose ici=camrelizumab --horizon 24w --format ics --time 09:00 --tz Asia/Shanghai -o plan.ics
      regimen schedule --course P-0042.toml --format ics -o P-0042.ics
    """
    if fmt != "ics":
        for name, value in (("--time", clinic_time), ("--tz", tz), ("--remind", remind), ("--label", label)):
            if value is not None:
                raise InputError(name, f"applies to --format ics only (this is --format {fmt})")
    baseline = sequence = None
    clinic = None
    if clinic_days or country:
        from .clinic import Clinic

        clinic = Clinic.parse(clinic_days, country)
    if course_file:
        given = [n for n, v in (("PROTOCOL", protocol), ("--arm", arm), ("--weight", weight), ("--height", height),
                                ("--start", start), ("--choose", choices), ("--level", levels), ("--at", pins)) if v]
        if given:
            raise InputError("--course", f"the course file carries the protocol, arm, day 0, measurements and choices; drop {', '.join(given)}")
        from .course import load_course
        from .history import replan

        course = load_course(course_file)
        plan = replan(course, horizon=horizon, protocol_dirs=ctx.obj["dirs"], bsa_method=bsa_method, clinic=clinic)
        if fmt == "ics" and course.records:
            baseline = replan(course.baseline(), horizon=horizon, protocol_dirs=ctx.obj["dirs"], bsa_method=bsa_method,
                              clinic=clinic)
            sequence = len(course.records)
    else:
        missing = [n for n, v in (("PROTOCOL", protocol), ("--arm", arm), ("--start", start), ("--weight", weight)) if not v]
        if missing:
            raise InputError(missing[0], f"is required (or give --course FILE); missing: {', '.join(missing)}")
        plan = _plan(ctx, protocol, arm, weight, height, start, pins=pins, choices=choices, levels=levels,
                     horizon=horizon, bsa_method=bsa_method, clinic=clinic)
    if fmt == "json":
        from .export.json import dumps

        text = dumps(plan)
    elif fmt == "csv":
        from .export.csv import dumps as csv_dumps

        text = csv_dumps(plan, bom=output is not None)
    elif fmt == "ics":
        from .export.ics import dumps as ics_dumps

        text = ics_dumps(plan, at=_clock(clinic_time), tz=tz, remind=_span(remind), label=label,
                         baseline=baseline, sequence=sequence or 0)
    else:
        from .export.text import plan_table

        text = plan_table(plan)
    _emit(text, output, binary=fmt in ("csv", "ics"))


@main.command()
@click.argument("protocol")
@_patient_options
@click.pass_context
def dose(ctx: click.Context, protocol: str, arm: str, weight: str, height: str | None, choices: tuple[str, ...],
         levels: tuple[str, ...], bsa_method: str) -> None:
    """Every drug's dose per administration, with its derivation and what to take or prepare.

    \b
    Example:
      regimen dose NCT05233358 --arm haic --weight "70 kg" --height "170 cm" --choose regorafenib_start=120mg
    """
    from .export.text import dose_sheet
    from .patient import Patient
    from .schedule import doses

    for name, value in (("--arm", arm), ("--weight", weight)):
        if not value:
            raise InputError(name, "is required")
    sheet = doses(_load(ctx, protocol), arm, Patient.from_measurements(weight, height),
                  choices=_pairs(choices, "--choose", "NAME=VALUE, like ici=camrelizumab"), levels=_levels(levels),
                  bsa_method=bsa_method)
    click.echo(dose_sheet(sheet), nl=False)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
def validate(files: tuple[str, ...]) -> None:
    """Check protocol files: every problem in every file, each with file:line.

    \b
    Example:
      regimen validate protocols/*.toml my-site/NCT01234567.toml
    """
    from .loader import validate_files

    problems = validate_files(files)
    for problem in problems:
        click.echo(f"Error: {problem.located()}", err=True)
    if problems:
        sys.exit(2)
    click.echo(f"{len(files)} protocol file{'s' if len(files) != 1 else ''} valid")


@main.command()
@click.argument("patients", type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["json", "csv", "ics"]), default="json", show_default=True,
              help="json: one plan per line (JSON Lines); csv: one row per event; ics: one file per patient into -o DIR.")
@click.option("-o", "--output", type=click.Path(), help="A file (json, csv) or a folder (ics). Default: standard output.")
@click.option("--horizon", metavar="SPAN|DATE", help="For rows without a horizon column (default as for schedule).")
@click.option("--jobs", type=click.IntRange(1, 64), default=1, show_default=True, help="Worker processes.")
@click.option("--strict", is_flag=True, help="Stop at the first bad row instead of reporting it and going on.")
@click.pass_context
def cohort(ctx: click.Context, patients: str, fmt: str, output: str | None, horizon: str | None, jobs: int, strict: bool) -> None:
    """Plan every patient in a CSV (one row each), streaming: memory stays flat.

    \b
    Columns: id (a pseudonym), protocol, arm, start, weight; optional height, horizon,
    at:ACTIVITY (a pinned date), level:ACTIVITY (dose reductions); any other column is a choice.
    \b
    Example:
      regimen cohort patients.csv --format csv -o plans.csv --jobs 2
    """
    from . import cohort as cohort_lib
    from .export import render

    work = {"json": render.json_line, "csv": render.csv_rows, "ics": render.ics_file}[fmt]
    if fmt == "ics" and not output:
        raise InputError("--output", "--format ics writes one file per patient: give a folder with -o DIR")
    sink = render.Sink(fmt, output)
    with Path(patients).open(newline="", encoding="utf-8-sig") as stream:
        rows = cohort_lib.read_rows(stream)
        results = cohort_lib.process(rows, work, jobs=jobs, protocol_dirs=ctx.obj["dirs"], horizon=horizon)
        failed = _drain(results, sink.write, strict, _count_rows(patients))
    sink.close()
    _finish_rows(sink.written, failed, "plan")


@main.command()
@click.argument("patients", type=click.Path(exists=True, dir_okay=False))
@click.option("--from", "first", required=True, metavar="YYYY-MM-DD", help="First day of the forecast.")
@click.option("--to", "last", required=True, metavar="YYYY-MM-DD", help="Last day of the forecast (inclusive).")
@click.option("--by", type=click.Choice(["week", "month"]), default="week", show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "csv"]), default="table", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to this file instead of standard output.")
@click.option("--plot", type=click.Path(dir_okay=False), metavar="FILE.png", help="A bar chart per drug over time (needs matplotlib).")
@click.option("--jobs", type=click.IntRange(1, 64), default=1, show_default=True, help="Worker processes.")
@click.option("--strict", is_flag=True, help="Stop at the first bad row.")
@click.pass_context
def supply(ctx: click.Context, patients: str, first: str, last: str, by: str, fmt: str, output: str | None,
           plot: str | None, jobs: int, strict: bool) -> None:
    """Forecast each drug's total mg and the vials or tablets to dispense, per week or month.

    \b
    Vials are whole per administration; what a dose leaves in a vial is counted as waste.
    Conditional events are not counted.
    \b
    Example:
      regimen supply patients.csv --from 2027-01-01 --to 2027-06-30 --by month
    """
    from functools import partial

    from . import cohort as cohort_lib
    from . import supply as supply_lib
    from .export import render
    from .schedule import parse_date

    start, end = parse_date(first, "--from"), parse_date(last, "--to")
    if end < start:
        raise InputError("--to", f"{end.isoformat()} is before --from {start.isoformat()}")
    if plot:
        render.check_plotting()
    totals = supply_lib.Supply(start, end, by)
    work = partial(supply_lib.for_patient, first=start, last=end, by=by)
    with Path(patients).open(newline="", encoding="utf-8-sig") as stream:
        rows = cohort_lib.starting_by(cohort_lib.read_rows(stream), end)
        results = cohort_lib.process(rows, work, jobs=jobs, protocol_dirs=ctx.obj["dirs"], horizon=end.isoformat(),
                                     override_horizon=True)
        written = []
        failed = _drain(results, lambda result: (written.append(1), totals.add(result.value)), strict, _count_rows(patients))
    lines = list(totals.lines())
    text = render.supply_csv(lines) if fmt == "csv" else render.supply_table(lines, start, end, by)
    _emit(text, output, binary=fmt == "csv")
    if plot:
        render.plot_supply(lines, plot)
        click.echo(f"wrote {plot}", err=True)
    _finish_rows(len(written), failed, "patient")


@main.command()
@click.argument("course_file", metavar="COURSE", type=click.Path(exists=True, dir_okay=False))
@click.argument("kind", metavar="TYPE", type=click.Choice(["given", "rescheduled", "held", "skipped", "level", "discontinued",
                                                             "restarted", "confirmed", "ruled_out", "weight", "height"]))
@click.argument("activity", required=False)
@click.option("--date", "when", metavar="YYYY-MM-DD", help="When it happened (or, for rescheduled, the new date).")
@click.option("--from", "first", metavar="YYYY-MM-DD", help="held: the first day held.")
@click.option("--to", "last", metavar="YYYY-MM-DD", help="held: the last day held.")
@click.option("--occurrence", type=click.IntRange(1), help="Which occurrence (default: the next unrecorded one).")
@click.option("--dose", help='given: the dose actually given, e.g. "200 mg".')
@click.option("--level", "level", type=click.IntRange(1), help="level: the new dose level (1 = starting level).")
@click.option("--value", help='weight or height: the measurement, e.g. "68 kg".')
@click.option("--reason", help="Why (kept in the file).")
@click.pass_context
def record(ctx: click.Context, course_file: str, kind: str, activity: str | None, when: str | None, first: str | None,
           last: str | None, occurrence: int | None, dose: str | None, level: int | None, value: str | None,
           reason: str | None) -> None:
    """Append what happened to a course file, safely: a contradictory entry is refused, and the
    write is atomic, so an earlier entry is never lost.

    \b
    Examples:
      regimen record P-0042.toml given camrelizumab --date 2027-01-05 --dose "216 mg"
      regimen record P-0042.toml held apatinib --from 2027-01-10 --to 2027-01-19 --reason "grade 3 hypertension"
      regimen record P-0042.toml weight --date 2027-02-01 --value "68 kg"
    """
    from functools import partial

    from .course import append_record, record_text
    from .history import check_new_record
    from .schedule import parse_date

    measurement = kind in ("weight", "height")
    if measurement and (activity or not value or not when):
        raise InputError("--value", f"record {kind} --date YYYY-MM-DD --value \"...\" (no activity)")
    if not measurement and not activity:
        raise InputError("ACTIVITY", f"a {kind} event needs the activity it is about, e.g. camrelizumab")
    if kind == "held" and not (first and last):
        raise InputError("--from", "a hold needs --from and --to")
    if kind not in ("held", "skipped", "ruled_out") and not when:
        raise InputError("--date", f"a {kind} event needs --date YYYY-MM-DD")
    if kind == "level" and level is None:
        raise InputError("--level", "a level event needs --level N (1 = starting level)")
    dates = {name: parse_date(v, name) if v else None for name, v in (("--date", when), ("--from", first), ("--to", last))}
    block = record_text(kind, activity, when=dates["--date"], first=dates["--from"], last=dates["--to"], occurrence=occurrence,
                        dose=dose, level=level, reason=reason, value=value)
    append_record(course_file, block, partial(check_new_record, protocol_dirs=ctx.obj["dirs"]))
    click.echo(f"recorded in {course_file}: {block.strip().splitlines()[-1] if measurement else kind + ' ' + (activity or '')}", err=True)


@main.command("check")
@click.option("--course", "course_file", required=True, type=click.Path(exists=True, dir_okay=False), help="The course file.")
@click.option("--on", "day", metavar="YYYY-MM-DD", help="The day to check (default: today).")
@click.pass_context
def check_command(ctx: click.Context, course_file: str, day: str | None) -> None:
    """Do the latest labs allow each event due on a day? Lists missing and failing labs, with
    values converted across units; exit status 1 when something due is not cleared.

    \b
    Example:
      regimen check --course P-0042.toml --on 2027-01-12
    """
    from datetime import date as date_type

    from .course import load_course
    from .export.text import gate_report
    from .history import check
    from .schedule import parse_date

    on = parse_date(day, "--on") if day else date_type.today()
    course = load_course(course_file)
    plan, checks, upcoming = check(course, on, protocol_dirs=ctx.obj["dirs"])
    click.echo(gate_report(course.patient, plan, on, checks, upcoming), nl=False)
    if not all(c.cleared for c in checks):
        sys.exit(1)


def _count_rows(path: str) -> int | None:
    """Data rows in the file, for a progress bar on a terminal; None when nobody is watching."""
    if not sys.stderr.isatty():
        return None
    with Path(path).open("rb") as stream:
        return max(0, sum(1 for _ in stream) - 1)


def _drain(results, write, strict: bool, total: int | None) -> int:
    from .cohort import RowError

    failed = 0
    bar = click.progressbar(length=total, file=sys.stderr, label="planning") if total else None
    try:
        for result in results:
            if bar:
                bar.update(1)
            if isinstance(result, RowError):
                failed += 1
                click.echo(f"Error: {result}", err=True)
                if strict:
                    raise SystemExit(2)
            else:
                write(result)
    finally:
        if bar:
            bar.render_finish()
    return failed


def _finish_rows(done: int, failed: int, what: str) -> None:
    if failed:
        click.echo(f"Error: {failed} row{'s' if failed != 1 else ''} failed; {done} {what}{'s' if done != 1 else ''} done", err=True)
        sys.exit(2)


def _clock(text: str | None) -> time | None:
    if text is None:
        return None
    match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", text.strip())
    if not match:
        raise InputError("--time", f"{text!r} is not a clock time; give HH:MM in 24-hour time, like 09:00")
    return time(int(match[1]), int(match[2]))


def _span(text: str | None) -> timedelta | None:
    if text is None:
        return None
    match = re.fullmatch(r"(\d+)\s*(d|h|m)", text.strip().lower())
    if not match or int(match[1]) == 0:
        raise InputError("--remind", f"{text!r} is not accepted; give a span like 1d, 2h or 30m")
    unit = {"d": "days", "h": "hours", "m": "minutes"}[match[2]]
    return timedelta(**{unit: int(match[1])})


def _emit(text: str, output: str | None, *, binary: bool) -> None:
    if output is None:
        if binary:  # keep CRLF line ends exactly as RFC 5545 / RFC 4180 want them
            sys.stdout.buffer.write(text.encode("utf-8"))
            sys.stdout.flush()
        else:
            click.echo(text, nl=False)
        return
    from .export.render import atomic_path

    path = Path(output)
    tmp = atomic_path(path)
    try:  # a regular file is written beside the target, then renamed: a reader never sees half a file
        tmp.write_bytes(text.encode("utf-8"))
        if tmp != path:
            tmp.replace(path)
    except OSError as exc:
        if tmp != path:
            tmp.unlink(missing_ok=True)
        raise InputError("--output", f"cannot write {str(path)!r}: {exc.strerror}") from None
    click.echo(f"wrote {path}", err=True)


if __name__ == "__main__":  # pragma: no cover
    main()
