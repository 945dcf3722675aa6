"""Commands over many patients: cohort and supply."""

from __future__ import annotations

import click

from ..errors import InputError
from . import main
from .output import count_rows, drain, emit, finish_rows


@main.command(short_help="Plan every patient of a CSV, streamed.")
@click.argument("patients", type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["json", "csv", "ics"]), default="json", show_default=True,
              help="json: one plan per line (JSON Lines); csv: one row per event; ics: one file per patient into -o DIR.")
@click.option("-o", "--output", type=click.Path(), help="A file (json, csv) or a folder (ics). Default: standard output.")
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
    Example:
      regimen cohort patients.csv --format csv -o plans.csv --jobs 2
    """
    from .. import cohort as cohort_lib
    from ..export import render
    from ..inputs import horizon_form

    if horizon is not None:
        horizon_form(horizon, "--horizon")  # once here, not once a row
    work = {"json": render.json_line, "csv": render.csv_rows, "ics": render.ics_file}[fmt]
    if fmt == "ics" and not output:
        raise InputError("--output", "--format ics writes one file per patient: give a folder with -o DIR")
    with cohort_lib.open_patients(patients) as stream, render.Sink(fmt, output) as sink:  # no half file on any exit
        rows = cohort_lib.read_rows(stream)
        results = cohort_lib.process(rows, work, jobs=jobs, protocol_dirs=ctx.obj["dirs"], horizon=horizon, allow_past=allow_past)
        failed = drain(results, sink.write, strict, count_rows(patients))
    finish_rows(sink.written, failed, "plan")


@main.command(short_help="Drug totals and vials or tablets to dispense, per week or month.")
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

    from .. import cohort as cohort_lib
    from .. import supply as supply_lib
    from ..export import render
    from ..inputs import parse_date

    start, end = parse_date(first, "--from"), parse_date(last, "--to")
    if end < start:
        raise InputError("--to", f"{end.isoformat()} is before --from {start.isoformat()}")
    if plot:
        render.check_plotting()
    totals = supply_lib.Supply(start, end, by)
    work = partial(supply_lib.for_patient, first=start, last=end, by=by)
    with cohort_lib.open_patients(patients) as stream:
        rows = cohort_lib.starting_by(cohort_lib.read_rows(stream), end)
        results = cohort_lib.process(rows, work, jobs=jobs, protocol_dirs=ctx.obj["dirs"], horizon=end.isoformat(),
                                     override_horizon=True)
        written = []
        failed = drain(results, lambda result: (written.append(1), totals.add(result.value)), strict, count_rows(patients))
    lines = list(totals.lines())
    text = render.supply_csv(lines) if fmt == "csv" else render.supply_table(lines, start, end, by)
    emit(text, output, binary=fmt == "csv")
    if plot:
        render.plot_supply(lines, plot)
        click.echo(f"wrote {plot}", err=True)
    finish_rows(len(written), failed, "patient")

