"""Commands about a recorded course: record and check."""

from __future__ import annotations

import sys

import click

from ..errors import InputError
from . import main


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

    from ..course import append_record, check_new_record, record_text
    from ..inputs import parse_date

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

    from ..course import check, load_course
    from ..export.text import gate_report
    from ..inputs import parse_date

    on = parse_date(day, "--on") if day else date_type.today()
    course = load_course(course_file)
    plan, checks, upcoming = check(course, on, protocol_dirs=ctx.obj["dirs"])
    click.echo(gate_report(course.patient, plan, on, checks, upcoming), nl=False)
    if not all(c.cleared for c in checks):
        sys.exit(1)

