"""Commands about protocols and one patient's plan: list, show, dose, validate, explain (schedule is in schedule.py)."""

from __future__ import annotations

import sys
from collections.abc import Sequence

import click

from ..errors import InputError
from . import error, load, main
from .output import VERBOSE, emit, emit_bytes, format_for, pairs, refuse_pdf_to_terminal, today, view
from .output import levels as parse_levels


@main.command("list", short_help="List the protocols and their arms.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_context
def list_command(ctx: click.Context, fmt: str) -> None:
    """List the protocols and their arms.

    \b
    Example:
      regimen list --format json
    """
    from ..loader import list_protocols

    protocols = list_protocols(ctx.obj["dirs"])
    if fmt == "json":
        import json

        from ..export.json import file_dict

        data = {"protocols": [
            {"id": p.id, "title": p.title, "sponsor": p.sponsor, "source": p.source,
             "arms": [{"id": a.id, "label": a.label} for a in p.arms], **file_dict(p)}
            for p in protocols
        ]}
        emit(json.dumps(data, indent=2, ensure_ascii=False) + "\n", None, binary=False)
    else:
        from ..export.text import protocols_table

        emit(protocols_table(protocols, view(ctx)), None, binary=False)


FHIR_VERSION = click.option("--fhir-version", "fhir_version", type=click.Choice(["R4", "R5"], case_sensitive=False),
                            help="fhir: the FHIR release to write (default R4).")


def fhir_version_of(fmt: str, version: str | None) -> str:
    if version is not None and fmt != "fhir":
        raise InputError("--fhir-version", f"applies to --format fhir only (this is --format {fmt})")
    return (version or "R4").upper()


@main.command(short_help="Show a protocol: timing, doses, choices, assumptions.")
@click.argument("protocol")
@click.option("--arm", help="Show one arm only.")
@click.option("--format", "fmt", type=click.Choice(["table", "fhir"]), default="table", show_default=True,
              help="fhir: a FHIR Bundle with one PlanDefinition per arm and its ActivityDefinitions.")
@FHIR_VERSION
@click.pass_context
def show(ctx: click.Context, protocol: str, arm: str | None, fmt: str, fhir_version: str | None) -> None:
    """Show a protocol's arms, timing in clinical notation, doses, choices, assumptions and references.

    \b
    Examples:
      regimen show NCT05233358 --arm haic
      regimen show NCT05233358 --arm haic --format fhir --fhir-version R5
    """
    version = fhir_version_of(fmt, fhir_version)
    if fmt == "fhir":
        from ..export.fhir import protocol_dumps

        emit(protocol_dumps(load(ctx, protocol), arm, version), None, binary=False)
        return
    from ..export.text import protocol_details

    emit(protocol_details(load(ctx, protocol), arm), None, binary=False)


def patient_options(func):
    options = [
        click.option("--arm", help="The arm id (see `regimen show PROTOCOL`)."),
        click.option("--weight", help='Body weight with its unit: "72 kg", "158.7 lb".'),
        click.option("--height", help='Height with its unit: "170 cm", "5 ft 7 in" (needed for mg/m² doses).'),
        click.option("--choose", "choices", multiple=True, metavar="NAME=VALUE",
                     help="Pick an option the record leaves open, e.g. ici=camrelizumab (repeatable)."),
        click.option("--level", "levels", multiple=True, metavar="ACTIVITY=N",
                     help="Dose level N, 1 = the protocol's highest dose, e.g. regorafenib=2 for 120 mg (repeatable)."),
        click.option("--bsa", "bsa_method", default="mosteller", show_default=True,
                     type=click.Choice(["mosteller", "dubois", "haycock", "gehan-george", "boyd"]),
                     help="BSA formula for mg/m² doses."),
    ]
    for option in reversed(options):
        func = option(func)
    return func



def plan_for(ctx: click.Context, protocol: str, arm: str, weight: str, height: str | None, start: str, *,
          pins: Sequence[str] = (), choices: Sequence[str] = (), levels: Sequence[str] = (),
          horizon: str | None = None, bsa_method: str = "mosteller", clinic=None, allow_past: bool = False):
    from ..patient import Patient
    from ..schedule import schedule

    patient = Patient.from_measurements(weight, height)
    return schedule(
        load(ctx, protocol), arm, patient, start,
        pins=pairs(pins, "--at", "ACTIVITY=YYYY-MM-DD, like pve=2026-12-15"),
        choices=pairs(choices, "--choose", "NAME=VALUE, like ici=camrelizumab"),
        levels=parse_levels(levels), horizon=horizon, bsa_method=bsa_method, clinic=clinic, allow_past=allow_past,
    )


@main.command(short_help="Each drug's dose, with its derivation and what to take or prepare.")
@click.argument("protocol")
@patient_options
@VERBOSE
@click.option("--format", "fmt", type=click.Choice(["table", "html", "json", "csv", "pdf"]),
              help="html/pdf: the pharmacist's printable sheet with signature lines; json/csv: one structured row per drug "
                   "(default: from -o's suffix, else table).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to this file (needed for pdf on a terminal).")
@click.option("--today", "today_text", metavar="YYYY-MM-DD", help="The date printed on the sheet (default: SOURCE_DATE_EPOCH's day, else today).")
@click.pass_context
def dose(ctx: click.Context, protocol: str, arm: str, weight: str, height: str | None, choices: tuple[str, ...],
         levels: tuple[str, ...], bsa_method: str, fmt: str | None, output: str | None, today_text: str | None,
         verbose: bool = False) -> None:
    """Every drug's dose per administration, with its derivation and what to take or prepare.

    \b
    Examples:
      regimen dose NCT05233358 --arm haic --weight "70 kg" --height "170 cm" --choose regorafenib_start=120mg
      regimen dose NCT05233358 --arm haic --weight "70 kg" --height "170 cm" --format html -o dose-sheet.html
    """
    from ..export.dosesheet import dose_sheet, printed_date
    from ..patient import Patient

    for name, value in (("--arm", arm), ("--weight", weight)):
        if not value:
            raise InputError(name, "is required")
    fmt = format_for(fmt, output, ("table", "html", "json", "csv", "pdf"))
    refuse_pdf_to_terminal(fmt, output)
    sheet = dose_sheet(load(ctx, protocol), arm, Patient.from_measurements(weight, height),
                       choices=pairs(choices, "--choose", "NAME=VALUE, like ici=camrelizumab"), levels=parse_levels(levels),
                       bsa_method=bsa_method, printed=printed_date(today_text, "--today") if today_text else None)
    if fmt == "table":
        from ..export.text import dose_sheet as text_sheet

        emit(text_sheet(sheet.sheet, view(ctx, verbose, output=output)), output, binary=False)
    elif fmt == "pdf":
        emit_bytes(sheet.to_pdf(), output)
    else:
        text = sheet.to_csv(bom=output is not None) if fmt == "csv" else sheet.to_html() if fmt == "html" else sheet.to_json()
        emit(text, output, binary=fmt == "csv")  # a CSV file starts with the byte-order mark spreadsheets need for ² and ×



@main.command(short_help="Check protocol files: every problem at once, each with file:line.")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
def validate(files: tuple[str, ...]) -> None:
    """Check protocol files: every problem in every file, each with file:line.

    \b
    Example:
      regimen validate protocols/*.toml my-site/NCT01234567.toml
    """
    from ..loader import validate_files

    problems = validate_files(files)
    for problem in problems:
        error(problem.located())
    if problems:
        sys.exit(2)
    emit(f"{len(files)} protocol file{'s' if len(files) != 1 else ''} valid\n", None, binary=False)


@main.command(short_help="How an event's date is derived: rule, anchor, window and every shift.")
@click.argument("first", metavar="[PROTOCOL]")
@click.argument("second", required=False, metavar="EVENT")
@patient_options
@click.option("--start", metavar="YYYY-MM-DD", help="Day 0 of the arm (with PROTOCOL).")
@click.option("--allow-past", is_flag=True, help="Accept a day 0 more than 5 years ago.")
@click.option("--course", "course_file", type=click.Path(exists=True, dir_okay=False), help="Explain an event of a recorded course.")
@click.option("--at", "pins", multiple=True, metavar="ACTIVITY=YYYY-MM-DD", help="Pin an anchored activity's first occurrence (repeatable).")
@click.option("--horizon", metavar="SPAN|DATE", help="How far to plan (as for schedule).")
@click.option("--clinic-days", metavar="DAYS", help="Days the clinic is open, e.g. mon-fri.")
@click.option("--holidays", "country", metavar="COUNTRY", help="Also close on this country's public holidays, e.g. CN.")
@click.option("--today", "today_text", metavar="YYYY-MM-DD", help="With --course: today's date (default: the system date).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_context
def explain(ctx: click.Context, first: str, second: str | None, arm: str | None, weight: str | None, height: str | None,
            choices: tuple[str, ...], levels: tuple[str, ...], bsa_method: str, start: str | None, allow_past: bool,
            course_file: str | None, pins: tuple[str, ...], horizon: str | None, clinic_days: str | None, country: str | None,
            today_text: str | None, fmt: str) -> None:
    """Explain an event's date: its rule, the anchor it counts from (with that anchor's actual date),
    the nominal date and window, and every shift (a record, a hold, a surgery washout, a closed
    clinic day or holiday), then its dose's derivation. EVENT is ACTIVITY/N, e.g. atezolizumab/3.

    \b
    Examples:
      regimen explain --course P-0042.toml atezolizumab/3
      regimen explain NCT05760430 atezolizumab/2 --arm control --start 2027-03-29 --weight "72 kg" --clinic-days mon-fri --holidays CN
    """
    from ..explain import explain as explain_event
    from ..explain import explain_text

    args = (first,) if second is None else (first, second)
    clinic = None
    if clinic_days or country:
        from ..clinic import Clinic

        clinic = Clinic.parse(clinic_days, country)
    if course_file:
        if len(args) != 1 or any((arm, weight, height, start, allow_past, choices, levels, pins)):
            raise InputError("--course", "the course file carries the protocol, arm, day 0 and measurements: give only EVENT")
        from ..course import load_course, replan

        plan = replan(load_course(course_file), horizon=horizon, today=today(today_text), protocol_dirs=ctx.obj["dirs"],
                      bsa_method=bsa_method, clinic=clinic)
    else:
        if len(args) != 2 or today_text:
            raise InputError("EVENT", "give PROTOCOL EVENT with --arm, --start and --weight, or --course FILE EVENT (--today goes with --course)")
        missing = [n for n, v in (("--arm", arm), ("--start", start), ("--weight", weight)) if not v]
        if missing:
            raise InputError(missing[0], f"is required with PROTOCOL (or give --course FILE); missing: {', '.join(missing)}")
        plan = plan_for(ctx, args[0], arm, weight, height, start, pins=pins, choices=choices, levels=levels, horizon=horizon,
                     bsa_method=bsa_method, clinic=clinic, allow_past=allow_past)
    event, derivation = explain_event(plan, args[-1])
    if fmt == "json":
        import json

        from ..export.json import dose_dict

        data = {"key": event.key, "name": event.name, "date": event.date.isoformat(), "status": event.status,
                "derivation": derivation.as_dict(), "dose": dose_dict(event.dose) if event.dose else None}
        emit(json.dumps(data, indent=2, ensure_ascii=False) + "\n", None, binary=False)
    else:
        emit(explain_text(plan, event, derivation), None, binary=False)
