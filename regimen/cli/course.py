"""Commands about a recorded course: course new / migrate, record, check."""

from __future__ import annotations

import sys

import click

from ..errors import InputError, one_line
from . import main
from .output import emit, today

RECORD_TYPES = ("given", "rescheduled", "held", "skipped", "level", "discontinued", "restarted", "confirmed", "ruled_out",
                "weight", "height", "lab", "prior", "finding", "undo")


@main.command(short_help="Record what happened in a course file (checked, atomic, under a lock).")
@click.argument("course_file", metavar="COURSE", type=click.Path(exists=True, dir_okay=False))
@click.argument("kind", metavar="TYPE", type=click.Choice(RECORD_TYPES))
@click.argument("activity", required=False)
@click.option("--date", "when", metavar="YYYY-MM-DD", help="When it happened (or, for rescheduled, the new date).")
@click.option("--from", "first", metavar="YYYY-MM-DD", help="held, or given / skipped home doses over days: the first day.")
@click.option("--to", "last", metavar="YYYY-MM-DD", help="held, or given / skipped home doses over days: the last day.")
@click.option("--occurrence", type=click.IntRange(1),
              help="Which occurrence (default: a clinic event's next one not yet given or skipped; for home dosing the first dose, "
                   "then the dose planned on --date).")
@click.option("--dose", help='given: the dose actually given, e.g. "200 mg".')
@click.option("--level", "level", type=click.IntRange(1), help="level: the new dose level, 1 = the protocol's highest dose (as in --level and JSON).")
@click.option("--value", help='weight, height or lab: the value, e.g. "68 kg" or "1.2 mg/dL".')
@click.option("--uln", help='lab: the upper limit of normal, e.g. "21 umol/L" (needed for criteria such as "< 2 x ULN").')
@click.option("--reason", help="Why (kept in the file).")
@click.option("--today", "today_text", metavar="YYYY-MM-DD", help="Today's date (default: the system date); nothing given may be after it.")
@click.pass_context
def record(ctx: click.Context, course_file: str, kind: str, activity: str | None, when: str | None, first: str | None,
           last: str | None, occurrence: int | None, dose: str | None, level: int | None, value: str | None, uln: str | None,
           reason: str | None, today_text: str | None) -> None:
    """Append what happened to a course file: checked against every course rule, resolved to its
    occurrence, written atomically under a lock. Then the changes in the next 4 weeks are listed.

    \b
    Record types, each with an example:
      given        record P-0042.toml given camrelizumab --date 2027-01-05 --dose "216 mg"
                   record P-0042.toml given apatinib --from 2026-12-08 --to 2027-01-04   (home doses, from a diary)
      rescheduled  record P-0042.toml rescheduled camrelizumab --occurrence 3 --date 2027-01-28
      held         record P-0042.toml held apatinib --from 2027-01-10 --to 2027-01-19 --reason "grade 3 hypertension"
      skipped      record P-0042.toml skipped haic --occurrence 2 --reason "platelets 45"
      level        record P-0042.toml level lenvatinib --date 2027-01-20 --level 2
      discontinued record P-0042.toml discontinued camrelizumab --date 2027-02-01 --reason "immune hepatitis"
      restarted    record P-0042.toml restarted regorafenib --date 2027-01-04
      confirmed    record P-0042.toml confirmed tace_repeat --date 2027-01-14
      ruled_out    record P-0042.toml ruled_out tace_repeat --reason "no viable tumour"
      weight       record P-0042.toml weight --date 2027-02-01 --value "68 kg"
      height       record P-0042.toml height --date 2026-11-30 --value "170 cm"
      lab          record P-0042.toml lab tbil --date 2027-01-04 --value "25 umol/L" --uln "21 umol/L"
      prior        record P-0042.toml prior radiotherapy --from 2026-10-20 --to 2026-11-10   (before day 0; also
                   local-treatment, surgery, trial-drug, antiplatelet, growth-factor, transfusion, one day with --date)
                   record P-0042.toml prior pregnancy-test --date 2026-11-24 --value negative
      finding      record P-0042.toml finding ecog --date 2026-11-26 --value 1   (ecog 0-5; ascites none|mild|moderate;
                   encephalopathy none|grade-1-2|grade-3-4)
      undo         record P-0042.toml undo   (removes the last record, shown first)
    """
    from ..inputs import parse_date

    dirs = ctx.obj["dirs"]
    if kind == "undo":
        from ..course import undo

        if any((activity, when, first, last, occurrence, dose, level, value, uln, reason)):
            raise InputError("undo", "takes no activity or options: it removes the last record")
        removed, _ = undo(course_file, protocol_dirs=dirs)
        click.echo(f"removed from {course_file}:\n" + "\n".join(f"  {line}" for line in removed.splitlines()), err=True)
        return
    measurement = kind in ("weight", "height")
    if measurement and (activity or not value or not when):
        raise InputError("--value", f'record {kind} --date YYYY-MM-DD --value "..." (no activity)')
    if kind == "lab" and (not activity or not value or not when):
        raise InputError("--value", 'record lab NAME --date YYYY-MM-DD --value "..." [--uln "..."], NAME one of anc, platelets, wbc, '
                                    "tbil, creatinine, albumin, ast, alt, alp, inr")
    if kind == "prior" and bool(when) == bool(first or last):
        raise InputError("--date", "a prior event takes --date (one day) or --from and --to (a treatment over days)")
    if kind == "prior" and (first or last) and not (first and last):
        raise InputError("--from", "a prior treatment over days takes both --from and --to")
    if kind == "finding" and (not when or value is None):
        raise InputError("--value", "record finding NAME --date YYYY-MM-DD --value V, NAME one of ecog, ascites, encephalopathy")
    if not measurement and not activity:
        raise InputError("ACTIVITY", f"a {kind} event needs the activity it is about, e.g. camrelizumab")
    if kind == "held" and not (first and last):
        raise InputError("--from", "a hold needs --from and --to")
    if kind in ("given", "skipped") and (first or last):
        if not (first and last) or when or occurrence:
            raise InputError("--from", f"{kind} home doses over days take --from and --to (no --date or --occurrence)")
    elif kind not in ("held", "skipped", "ruled_out", "prior") and not when:
        raise InputError("--date", f"a {kind} event needs --date YYYY-MM-DD")
    if kind == "level" and level is None:
        raise InputError("--level", "a level event needs --level N (1 = the protocol's highest dose)")
    for name, given, allowed in (("--dose", dose, ("given",)), ("--level", level, ("level",)), ("--uln", uln, ("lab",)),
                                 ("--value", value, ("weight", "height", "lab", "prior", "finding")),
                                 ("--from", first, ("held", "given", "skipped", "prior")), ("--to", last, ("held", "given", "skipped", "prior")),
                                 ("--occurrence", occurrence, ("given", "skipped", "rescheduled"))):
        if given is not None and kind not in allowed:
            raise InputError(name, f"does not apply to a {kind} record (only to {', '.join(allowed)})")
    dates = {name: parse_date(v, name) if v else None for name, v in (("--date", when), ("--from", first), ("--to", last))}
    from ..course import record as record_lib

    try:
        done = record_lib(course_file, kind, activity, when=dates["--date"], first=dates["--from"], last=dates["--to"],
                          occurrence=occurrence, dose=dose, level=level, reason=reason, value=value, uln=uln,
                          today=today(today_text), protocol_dirs=dirs)
    except InputError as exc:
        if exc.option in ("value", "uln", "dose", "weight", "height"):  # the library names its parameter; say the option
            raise InputError("--uln" if exc.option == "uln" else "--dose" if exc.option == "dose" else "--value", exc.detail) from None
        raise
    click.echo(f"recorded in {course_file}: {_said(done.course, kind)}", err=True)
    for warning in done.warnings:
        click.echo(f"! {warning}", err=True)
    if done.changes:
        click.echo("next 4 weeks:\n" + "\n".join(f"  {line}" for line in done.changes), err=True)
    else:
        click.echo("next 4 weeks: no planned event changes", err=True)


@main.group(short_help="Start a course file, or move it to a new protocol version.")
def course() -> None:
    """Start a patient's course file, or move it to a new protocol version.

    \b
    Examples:
      regimen course new P-0042.toml --protocol NCT05760430 --arm experimental --start 2026-12-01 --weight "72 kg"
      regimen course migrate P-0042.toml --on 2027-03-01
    """


@course.command("new")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--protocol", required=True, help="The protocol id, e.g. NCT05760430.")
@click.option("--arm", required=True, help="The arm id (see `regimen show PROTOCOL`).")
@click.option("--start", required=True, metavar="YYYY-MM-DD", help="Day 0 of the arm (e.g. the day of cTACE).")
@click.option("--weight", required=True, help='Body weight with its unit: "72 kg".')
@click.option("--height", help='Height with its unit: "170 cm" (needed for mg/m² doses).')
@click.option("--weighed", metavar="YYYY-MM-DD", help="When weight and height were measured (default: day 0).")
@click.option("--patient", help="The pseudonym (default: the file name without .toml); never a name.")
@click.option("--choose", "choices", multiple=True, metavar="NAME=VALUE", help="An option the record leaves open (repeatable).")
@click.pass_context
def course_new(ctx: click.Context, file: str, protocol: str, arm: str, start: str, weight: str, height: str | None,
               weighed: str | None, patient: str | None, choices: tuple[str, ...]) -> None:
    """Write a new course file, pinned to the protocol's current version; never overwrites.

    \b
    Example:
      regimen course new P-0042.toml --protocol NCT05760430 --arm experimental --start 2026-12-01 --weight "72 kg"
    """
    from ..course import new_course
    from .output import pairs

    made = new_course(file, protocol=protocol, arm=arm, start=start, weight=weight, height=height, patient=patient,
                      choices=pairs(choices, "--choose", "NAME=VALUE, like ici=camrelizumab"), weighed=weighed,
                      protocol_dirs=ctx.obj["dirs"])
    click.echo(f"wrote {one_line(file)}: {made.patient}, {made.protocol} arm {made.arm}, day 0 {made.start}", err=True)


@course.command("migrate")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--on", "day", required=True, metavar="YYYY-MM-DD", help="From this day the plan follows the current protocol file.")
@click.option("--reason", help="Why (kept in the file), e.g. the amendment's number.")
@click.pass_context
def course_migrate(ctx: click.Context, file: str, day: str, reason: str | None) -> None:
    """Move a course to the protocol file's current version from a date (recorded in the course).

    \b
    Example:
      regimen course migrate P-0042.toml --on 2027-03-01 --reason "amendment 3"
    """
    from ..course import migrate
    from ..inputs import parse_date

    _, changed = migrate(file, parse_date(day, "--on"), reason=reason, protocol_dirs=ctx.obj["dirs"])
    click.echo(f"migrated {file} from {day}:\n" + "\n".join(f"  {line}" for line in changed), err=True)


class _WithLabNames(click.Command):
    """A command whose help ends with the lab names, looked up only when the help is shown."""

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        from ..labs import ANALYTES

        self.epilog = "Labs: " + ", ".join(ANALYTES) + " (as in the course file's [[labs]] name)."
        super().format_epilog(ctx, formatter)


@main.command("check", cls=_WithLabNames)
@click.option("--course", "course_file", required=True, type=click.Path(exists=True, dir_okay=False), help="The course file.")
@click.option("--on", "--today", "day", metavar="YYYY-MM-DD", help="The day to check (default: today); --today is the same.")
@click.pass_context
def check_command(ctx: click.Context, course_file: str, day: str | None) -> None:
    """Do the latest labs allow each event due on a day? Lists missing and failing labs, with
    values converted across units; exit status 1 when something due is not cleared.

    \b
    Example:
      regimen check --course P-0042.toml --on 2027-01-12
    """
    from .. import inputs
    from ..course import check, load_course
    from ..export.text import gate_report
    from ..inputs import parse_date

    on = parse_date(day, "--on") if day else inputs.today()
    course = load_course(course_file)
    report = check(course, on, protocol_dirs=ctx.obj["dirs"])
    emit(gate_report(course.patient, report.plan, on, report.checks, report.upcoming), None, binary=False)
    if not report.cleared:
        sys.exit(1)



def _said(course, kind: str) -> str:
    """The record just written, in words."""
    if kind in ("weight", "height"):
        m = course.measurements[-1]
        return f"{kind} {getattr(m, kind)} on {m.date}"
    if kind == "lab":
        lab = course.labs[-1]
        return f"{lab.name} {lab.text} on {lab.date}"
    if kind in ("prior", "finding"):
        return (course.priors if kind == "prior" else course.findings)[-1].describe()
    return course.records[-1].describe()
