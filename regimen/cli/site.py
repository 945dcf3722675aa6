"""Commands over many patients: cohort and supply (from a CSV or from course files), due and deviations."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..errors import InputError, one_line
from . import main
from .output import count_rows, drain, emit, finish_rows, today, view


@main.command(short_help="Plan every patient of a CSV, streamed.")
@click.argument("patients", type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["json", "csv", "ics", "parquet"]), default="json", show_default=True,
              help="json: one plan per line (JSON Lines); csv: one row per event; ics: one file per patient into -o DIR; "
                   "parquet: one typed row per event into -o FILE (needs the parquet extra).")
@click.option("-o", "--output", type=click.Path(), help="A file (json, csv, parquet) or a folder (ics). Default: standard output.")
@click.option("--horizon", metavar="SPAN|DATE", help="For rows without a horizon column (default as for schedule).")
@click.option("--jobs", type=click.IntRange(1, 64), default=1, show_default=True, help="Worker processes.")
@click.option("--strict", is_flag=True, help="Stop at the first bad row instead of reporting it and going on.")
@click.option("--allow-past", is_flag=True, help="Accept rows whose day 0 is more than 5 years ago.")
@click.pass_context
def cohort(ctx: click.Context, patients: str, fmt: str, output: str | None, horizon: str | None, jobs: int, strict: bool,
           allow_past: bool) -> None:
    """Plan every patient in a CSV (one row each), streaming: memory stays flat.

    \b
    Columns: id (a pseudonym), protocol, arm, start, weight; optional height, horizon,
    at:ACTIVITY (a pinned date), level:ACTIVITY (dose level, 1 = the highest); any other column is a choice.
    \b
    Examples:
      regimen cohort patients.csv --format csv -o plans.csv --jobs 2
      regimen cohort patients.csv --format parquet -o plans.parquet
    """
    from .. import cohort as cohort_lib
    from ..export import render
    from ..inputs import horizon_form

    if horizon is not None:
        horizon_form(horizon, "--horizon")  # once here, not once a row
    if fmt == "ics" and not output:
        raise InputError("--output", "--format ics writes one file per patient: give a folder with -o DIR")
    if fmt == "parquet":
        from ..export import parquet

        work, sink_of = parquet.plan_columns, lambda: parquet.ParquetSink(output)
    else:
        work, sink_of = {"json": render.json_line, "csv": render.csv_rows, "ics": render.ics_file}[fmt], lambda: render.Sink(fmt, output)
        if fmt == "ics" and jobs > 1 and not strict:  # each worker writes its calendars (--strict: in row order, here)
            from functools import partial

            work = partial(render.ics_into, output)
    with sink_of() as sink, cohort_lib.open_patients(patients) as stream:  # no half file on any exit
        rows = cohort_lib.read_rows(stream, fold_case=fmt == "ics")  # ids that name files: P-1 and p-1 are one file on some systems
        out = sink.direct() if jobs > 1 and fmt in ("json", "csv") else None  # the workers write their rows themselves
        results = cohort_lib.process(rows, work, jobs=jobs, protocol_dirs=ctx.obj["dirs"], horizon=horizon, allow_past=allow_past, out=out)
        failed = drain(results, sink.write, strict, count_rows(patients))
    finish_rows(sink.written, failed, "plan")


@main.command(short_help="Drug totals and vials or tablets to dispense, per week or month.")
@click.argument("inputs", metavar="PATIENTS.csv | --courses COURSES...", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--courses", "from_courses", is_flag=True,
              help="The inputs are course files or folders of them: supply for their re-planned future.")
@click.option("--today", "today_text", metavar="YYYY-MM-DD",
              help="With --courses: today's date (default: the system date); doses before it are past, not supply.")
@click.option("--from", "first", required=True, metavar="YYYY-MM-DD", help="First day of the forecast.")
@click.option("--to", "last", required=True, metavar="YYYY-MM-DD", help="Last day of the forecast (inclusive).")
@click.option("--by", type=click.Choice(["week", "month"]), default="week", show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "csv"]), default="table", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to this file instead of standard output.")
@click.option("--plot", type=click.Path(dir_okay=False), metavar="FILE.png", help="A bar chart per drug over time (needs matplotlib).")
@click.option("--jobs", type=click.IntRange(1, 64), default=1, show_default=True, help="Worker processes.")
@click.option("--strict", is_flag=True, help="Stop at the first bad row.")
@click.pass_context
def supply(ctx: click.Context, inputs: tuple[str, ...], from_courses: bool, today_text: str | None, first: str, last: str, by: str,
           fmt: str, output: str | None, plot: str | None, jobs: int, strict: bool) -> None:
    """Forecast each drug's total mg and the vials or tablets to dispense, per week or month,
    for a cohort CSV or (with --courses) for real courses: their re-planned future, at their
    current weights and dose levels.

    \b
    Vials are whole per administration; what a dose leaves in a vial is counted as waste.
    Conditional events are not counted.
    \b
    Examples:
      regimen supply patients.csv --from 2027-01-01 --to 2027-06-30 --by month
      regimen supply --courses courses/ --from 2027-01-11 --to 2027-02-07 --today 2027-01-11
    """
    from functools import partial

    from .. import cohort as cohort_lib
    from .. import supply as supply_lib
    from ..export import render
    from ..inputs import parse_date

    start, end = parse_date(first, "--from"), parse_date(last, "--to")
    if end < start:
        raise InputError("--to", f"{end.isoformat()} is before --from {start.isoformat()}")
    if plot:
        render.check_plotting()
    if from_courses:
        from ..site import supply_from_courses

        failures = Failures()
        totals = supply_from_courses(_course_files(inputs), start, end, by, today(today_text), protocol_dirs=ctx.obj["dirs"], jobs=jobs,
                                     failed=failures)
        _supply_out(totals, start, end, by, fmt, output, plot)
        failures.finish()
        return
    if today_text:
        raise InputError("--today", "applies with --courses only")
    if len(inputs) != 1 or Path(inputs[0]).is_dir():
        raise InputError("PATIENTS.csv", "give one cohort CSV, or --courses with course files or folders")
    patients = inputs[0]
    totals = supply_lib.Supply(start, end, by)
    work = partial(supply_lib.for_row, first=start, last=end, by=by)
    with cohort_lib.open_patients(patients) as stream:
        rows = cohort_lib.starting_by(cohort_lib.read_rows(stream), end)
        results = cohort_lib.process(rows, work, jobs=jobs, protocol_dirs=ctx.obj["dirs"], horizon=end.isoformat(),
                                     override_horizon=True, inputs=True)
        written = []
        failed = drain(results, lambda result: (written.append(1), totals.add_row(result.value)), strict, count_rows(patients))
    _supply_out(totals, start, end, by, fmt, output, plot)
    finish_rows(len(written), failed, "patient")


def _supply_out(totals, start, end, by: str, fmt: str, output: str | None, plot: str | None) -> None:
    from ..export import render

    lines = list(totals.lines())
    text = render.supply_csv(lines) if fmt == "csv" else render.supply_table(lines, start, end, by, view(None, output=output))
    emit(text, output, binary=fmt == "csv")
    if plot:
        render.plot_supply(lines, plot)
        click.echo(f"wrote {one_line(plot)}", err=True)


class Failures:
    """Reports each course file that failed (one ``Error:`` line) as it comes; exit 2 at the end if any did."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, failed) -> None:
        self.count += 1
        click.echo(f"Error: {failed}", err=True)

    def finish(self) -> None:
        if self.count:
            click.echo(f"Error: {self.count} course file{'s' if self.count != 1 else ''} failed", err=True)
            sys.exit(2)


def _course_files(paths: tuple[str, ...]):
    from ..site import course_files

    return course_files(paths)


def _window(first: str | None, last: str | None, today_text: str | None):
    from datetime import timedelta

    from ..inputs import parse_date

    now = today(today_text)
    start = parse_date(first, "--from") if first else now
    end = parse_date(last, "--to") if last else start + timedelta(days=7)
    if end < start:
        raise InputError("--to", f"{end.isoformat()} is before --from {start.isoformat()}")
    return start, end, now


COURSES = click.argument("courses", metavar="COURSES...", nargs=-1, required=True, type=click.Path(exists=True))
TODAY = click.option("--today", "today_text", metavar="YYYY-MM-DD", help="Today's date (default: the system date).")
JOBS = click.option("--jobs", type=click.IntRange(1, 64), default=1, show_default=True, help="Worker processes.")


@main.command(short_help="What is due across all patients this week, overdue first.")
@COURSES
@click.option("--from", "first", metavar="YYYY-MM-DD", help="First day (default: today).")
@click.option("--to", "last", metavar="YYYY-MM-DD", help="Last day, inclusive (default: 7 days after --from).")
@TODAY
@JOBS
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json", "ics"]), default="table", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to this file instead of standard output.")
@click.pass_context
def due(ctx: click.Context, courses: tuple[str, ...], first: str | None, last: str | None, today_text: str | None, jobs: int, fmt: str,
        output: str | None) -> None:
    """What is due across all patients: one row per patient-event, overdue first, with its window,
    dose, status (overdue, due, conditional) and the labs to draw before it.

    \b
    COURSES are course files or folders of them (*.toml). Home dosing is one row per patient and
    drug (and dose) in the window: "Apatinib PO qd, 8 doses". Overdue events are listed whenever they fell.
    \b
    Example:
      regimen due courses/ --today 2027-01-11 --to 2027-01-18 --format ics -o site-week.ics
      regimen due courses/ --jobs 2
    """
    from ..export import site as out
    from ..site import due as due_lib

    start, end, now = _window(first, last, today_text)
    failures = Failures()
    rows = due_lib(_course_files(courses), start, end, now, protocol_dirs=ctx.obj["dirs"], jobs=jobs, failed=failures)
    text = {"table": lambda: out.due_table(rows, start, end, now, view(ctx, output=output)), "csv": lambda: out.due_csv(rows),
            "json": lambda: out.due_json(rows, start, end, now), "ics": lambda: out.due_ics(rows, now)}[fmt]()
    emit(text, output, binary=fmt in ("csv", "ics"))
    failures.finish()


@main.command(short_help="What deviated from the protocol, with on-time rates.")
@COURSES
@TODAY
@JOBS
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to this file instead of standard output.")
@click.pass_context
def deviations(ctx: click.Context, courses: tuple[str, ...], today_text: str | None, jobs: int, fmt: str, output: str | None) -> None:
    """What deviated from the protocol up to today: events outside their windows, early doses,
    late cycle starts, doses more than 10% off plan, skipped or overdue events, missed home doses
    (per cycle); and events on time / total per patient and per protocol arm.

    \b
    The figures are data, not errors: the exit status is 0 (2 only when a course file fails to load).
    \b
    Example:
      regimen deviations courses/ --today 2027-01-11 --format csv -o deviations.csv
    """
    from ..export import site as out
    from ..site import deviations as deviations_lib

    now = today(today_text)
    failures = Failures()
    found, patients, arms = deviations_lib(_course_files(courses), now, protocol_dirs=ctx.obj["dirs"], jobs=jobs, failed=failures)
    text = {"table": lambda: out.deviations_table(found, patients, arms, now, view(ctx, output=output)), "csv": lambda: out.deviations_csv(found, patients, arms),
            "json": lambda: out.deviations_json(found, patients, arms, now)}[fmt]()
    emit(text, output, binary=fmt == "csv")
    failures.finish()

