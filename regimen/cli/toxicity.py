"""Commands about adverse events: grade (CTCAE v5.0 lab grades) and toxicity (what the label asks for)."""

from __future__ import annotations

import click

from ..errors import InputError
from . import main
from .output import emit, today, view


@main.command(short_help="A lab value's CTCAE v5.0 grade, with the band it fell in.")
@click.argument("lab", required=False)
@click.argument("value", required=False)
@click.option("--uln", help='The upper limit of normal, e.g. "40 U/L" (needed for AST, ALT, bilirubin, ALP, creatinine).')
@click.option("--lln", help='The lower limit of normal, e.g. "2 x10^9/L" (grade 1 of a decreased count).')
@click.option("--baseline", help="The patient's baseline value: an abnormal baseline is graded against itself (CTCAE v5.0).")
@click.option("--course", "course_file", type=click.Path(exists=True, dir_okay=False), help="Grade every recorded lab of a course file.")
@click.option("--on", "day", metavar="YYYY-MM-DD", help="With --course: grade the labs recorded up to this day (default: all).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def grade(lab: str | None, value: str | None, uln: str | None, lln: str | None, baseline: str | None, course_file: str | None,
          day: str | None, fmt: str) -> None:
    """Grade a lab value by CTCAE v5.0 (every grade names its version: v6.0 moved boundaries).

    \b
    Labs: anc, platelets, ast, alt, tbil, alp, creatinine, proteinuria; values in SI or conventional units.
    Examples:
      regimen grade anc "0.8 x10^9/L"
      regimen grade anc "1500 /uL" --lln "2 x10^9/L"
      regimen grade ast "180 U/L" --uln "40 U/L"
      regimen grade tbil "2.5 mg/dL" --uln "21 umol/L" --format json
      regimen grade --course P-0042.toml
    """
    from ..clinical.ctcae import grade_lab
    from ..export.toxicity import grades_json, grades_text

    if course_file is not None:
        if lab or value or uln or lln or baseline:
            raise InputError("--course", "grades the course's recorded labs, each with its own ULN: give no LAB, VALUE or limits with it")
        from ..course import load_course
        from ..guidance.grading import grade_course
        from ..inputs import parse_date

        rows = [(str(when), graded) for when, graded in grade_course(load_course(course_file), parse_date(day, "--on") if day else None)]
    else:
        if not lab or not value:
            raise InputError("LAB", 'give a lab and its value, like: regimen grade anc "0.8 x10^9/L" (or --course FILE)')
        if day is not None:
            raise InputError("--on", "applies only with --course")
        rows = [(None, grade_lab(lab, value, uln=uln, lln=lln, baseline=baseline))]
    emit(grades_json(rows) if fmt == "json" else grades_text(rows), None, binary=False)


@main.command(short_help="What the label asks for after an adverse event, given the course's history (--apply records it).")
@click.argument("course_file", metavar="COURSE", type=click.Path(exists=True, dir_okay=False))
@click.option("--drug", help="The drug the event is attributed to (a drug or activity id of the arm); without it, every drug's rule.")
@click.option("--ae", help='The adverse event: a CTCAE v5.0 term or its short name ("hfsr", "pneumonitis", "neutropenia").')
@click.option("--grade", "grade_", type=click.IntRange(1, 5), help="Its CTCAE v5.0 grade, 1 to 5.")
@click.option("--lab", help="Instead of --ae and --grade: grade the latest recorded result of this lab (anc, platelets, ast, alt, tbil, alp, ...).")
@click.option("--date", "on", metavar="YYYY-MM-DD", help="When the event was found (default: today).")
@click.option("--apply", "do_apply", is_flag=True, help="Record it: the ae, and the hold, level or discontinuation the label rule asks for.")
@click.option("--today", "today_text", metavar="YYYY-MM-DD", help="Today's date (default: the system date).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_context
def toxicity(ctx: click.Context, course_file: str, drug: str | None, ae: str | None, grade_: int | None, lab: str | None,
             on: str | None, do_apply: bool, today_text: str | None, fmt: str) -> None:
    """What the drug's label asks for at this grade, given the course's history: the occurrence
    (counted from earlier recorded adverse events), the current and next dose level with its dose,
    the resume condition and any time limit, each with its source. Where no rule matches, it says
    so and names the general rule, flagged; it never invents an action.

    \b
    Examples:
      regimen toxicity P-0042.toml --drug regorafenib --ae hfsr --grade 2 --date 2027-01-05
      regimen toxicity P-0042.toml --drug regorafenib --lab ast --date 2027-01-05
      regimen toxicity P-0042.toml --drug atezolizumab --ae pneumonitis --grade 2 --date 2027-01-05 --apply
    """
    from ..course import load_course
    from ..export.toxicity import answer_json, answer_text
    from ..guidance.toxicity import apply_toxicity
    from ..guidance.toxicity import toxicity as answer_for
    from ..inputs import parse_date

    now = today(today_text)
    day = parse_date(on, "--date") if on else now
    if day > now:
        raise InputError("--date", f"{day} is after today ({now}): an adverse event is answered once it is found")
    answer = answer_for(load_course(course_file), drug=drug, ae=ae, grade=grade_, lab=lab, on=day, protocol_dirs=ctx.obj["dirs"])
    emit(answer_json(answer) if fmt == "json" else answer_text(answer, view(ctx)), None, binary=False)
    if do_apply:
        done = apply_toxicity(course_file, answer, today=now, protocol_dirs=ctx.obj["dirs"])
        click.echo(f"recorded in {course_file}:", err=True)
        for record in done.course.records[-done.block.count("[[events]]"):]:
            click.echo(f"  {record.describe()}", err=True)
        for warning in done.warnings:
            click.echo(f"! {warning}", err=True)
        click.echo("next 4 weeks:\n" + "\n".join(f"  {line}" for line in done.changes) if done.changes else "next 4 weeks: no planned event changes",
                   err=True)
