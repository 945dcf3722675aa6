"""The schedule command: one patient's dose and visit calendar, or a re-planned course, in every format."""

from __future__ import annotations

import os

import click

from ..errors import InputError
from . import main
from .output import FORMATS, VERBOSE, clock, emit, say_warnings, span, today, view
from .plan import FHIR_VERSION, fhir_version_of, patient_options, plan_for


@main.command(short_help="A patient's dose and visit calendar, or a re-planned course.")
@click.argument("protocol", required=False)
@patient_options
@click.option("--start", metavar="YYYY-MM-DD", help="Day 0 of the arm (e.g. the day of cTACE), within 5 years of today.")
@click.option("--allow-past", is_flag=True, help="Accept a day 0 more than 5 years ago (planning a past course on purpose).")
@click.option("--course", "course_file", type=click.Path(exists=True, dir_okay=False),
              help="Re-plan a recorded course (it carries the protocol, arm, day 0 and measurements).")
@click.option("--at", "pins", multiple=True, metavar="ACTIVITY=YYYY-MM-DD",
              help="Pin the first occurrence of an anchored activity inside its window (repeatable).")
@click.option("--horizon", metavar="SPAN|DATE",
              help="How far to plan: 24w, 180d, 6mo, 2y or a date. Default: bounded activities to their end, open-ended ones 24 weeks.")
@click.option("--format", "fmt", type=click.Choice((*FORMATS, "fhir")), default="table", show_default=True)
@FHIR_VERSION
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write to this file instead of standard output.")
@click.option("--time", "clinic_time", metavar="HH:MM", help="ics: time clinic events at this local time (home dosing stays all-day).")
@click.option("--tz", help="ics: IANA time zone for --time, e.g. Asia/Shanghai (default: this machine's zone).")
@click.option("--remind", metavar="SPAN", help="ics: a reminder this long before each event, e.g. 1d, 2h, 30m.")
@click.option("--label", help="ics: the calendar's name. Nothing identifies the patient unless you put it here.")
@click.option("--replaces", type=click.Path(dir_okay=False), metavar="OLD.ics",
              help="ics with --course: the last export of this calendar; changed events get a higher SEQUENCE, vanished ones are cancelled.")
@click.option("--clinic-days", metavar="DAYS", help="Days the clinic is open, e.g. mon-fri: clinic events on other days move inside their windows.")
@click.option("--holidays", "country", metavar="COUNTRY", help="Also close on this country's public holidays (ISO code, e.g. CN).")
@click.option("--today", "today_text", metavar="YYYY-MM-DD",
              help="With --course: today's date (default: the system date); past planned events never recorded show as overdue.")
@VERBOSE
@click.pass_context
def schedule(ctx: click.Context, protocol: str | None, arm: str | None, weight: str | None, height: str | None,
             choices: tuple[str, ...], levels: tuple[str, ...], bsa_method: str, start: str | None, allow_past: bool,
             course_file: str | None,
             pins: tuple[str, ...], horizon: str | None, fmt: str, output: str | None, clinic_time: str | None,
             tz: str | None, remind: str | None, label: str | None, clinic_days: str | None, country: str | None,
             today_text: str | None, replaces: str | None, fhir_version: str | None, verbose: bool = False) -> None:
    """Expand an arm into a patient's dose and visit calendar, or re-plan a recorded course.

    \b
    Examples:
      regimen schedule NCT05760430 --arm experimental --start 2026-12-01 --weight "72 kg"
      regimen schedule NCT05233358 --arm haic --start 2026-12-01 --weight "70 kg" --height "170 cm" \\
          --choose ici=camrelizumab --horizon 24w --format ics --time 09:00 --tz Asia/Shanghai -o plan.ics
      regimen schedule --course P-0042.toml --format ics -o P-0042.ics
      regimen schedule --course P-0042.toml --format fhir -o P-0042.fhir.json
    """
    version = fhir_version_of(fmt, fhir_version)
    if replaces is not None and not (course_file and fmt == "ics"):
        raise InputError("--replaces", "applies to --course with --format ics only")
    if fmt != "ics":
        for name, value in (("--time", clinic_time), ("--tz", tz), ("--remind", remind), ("--label", label)):
            if value is not None:
                raise InputError(name, f"applies to --format ics only (this is --format {fmt})")
    if tz is not None and clinic_time is None:
        raise InputError("--tz", "sets the zone of --time; give --time HH:MM too, or drop --tz (all-day events have no zone)")
    calendar: dict = {}
    identity: dict = {}  # fhir with --course: its pseudonym, calendar id (the resource ids derive from it) and reasons
    clinic = None
    if clinic_days or country:
        from ..clinic import Clinic

        clinic = Clinic.parse(clinic_days, country)
    if course_file:
        given = [n for n, v in (("PROTOCOL", protocol), ("--arm", arm), ("--weight", weight), ("--height", height),
                                ("--start", start), ("--allow-past", allow_past), ("--choose", choices), ("--level", levels),
                                ("--at", pins)) if v]
        if given:
            raise InputError("--course", f"the course file carries the protocol, arm, day 0, measurements and choices; drop {', '.join(given)}")
        from ..course import load_course, replan

        course = load_course(course_file)
        plan = replan(course, horizon=horizon, today=today(today_text), protocol_dirs=ctx.obj["dirs"], bsa_method=bsa_method,
                      clinic=clinic)
        identity = {"course": course}
        if fmt == "ics":
            calendar = course_calendar(course, replaces, horizon=horizon, protocol_dirs=ctx.obj["dirs"], bsa_method=bsa_method,
                                       clinic=clinic)
    else:
        if today_text:
            raise InputError("--today", "applies with --course only")
        missing = [n for n, v in (("PROTOCOL", protocol), ("--arm", arm), ("--start", start), ("--weight", weight)) if not v]
        if missing:
            raise InputError(missing[0], f"is required (or give --course FILE); missing: {', '.join(missing)}")
        plan = plan_for(ctx, protocol, arm, weight, height, start, pins=pins, choices=choices, levels=levels,
                     horizon=horizon, bsa_method=bsa_method, clinic=clinic, allow_past=allow_past)
    if fmt == "json":
        from ..export.json import dumps

        text = dumps(plan)
    elif fmt == "csv":
        from ..export.csv import dumps as csv_dumps

        text = csv_dumps(plan, bom=output is not None, comments=output is not None)
    elif fmt == "ics":
        from ..export.ics import dumps as ics_dumps

        text = ics_dumps(plan, at=clock(clinic_time), tz=tz, remind=span(remind), label=label, **calendar)
    elif fmt == "fhir":
        from ..export.fhir import plan_dumps

        text = plan_dumps(plan, version, **identity)
    else:
        from ..export.text import plan_table

        text = plan_table(plan, today=today(today_text) if course_file else None, view=view(ctx, verbose, output=output))
    if fmt in ("csv", "ics", "fhir"):  # their readers may never show the warnings: the terminal always does
        from ..protocol.origin import notice

        say_warnings([line for line in (notice(plan.protocol),) if line] + list(plan.warnings), plan.protocol, ctx=ctx, verbose=verbose)
    emit(text, output, binary=fmt in ("csv", "ics"))


def course_calendar(course, replaces: str | None, **options) -> dict:
    """What a course's calendar export needs beyond the plan: its calendar id, DTSTAMP, and how to
    number SEQUENCE (the previous export, or the course's revision against its day-0 plan), with
    the keys still planned past the horizon, which are not cancelled."""
    from datetime import timedelta

    from ..course import replan
    from ..inputs import last_day, parse_horizon

    end = parse_horizon(options["horizon"], course.start) if options.get("horizon") else course.start + timedelta(weeks=24)
    longer = replan(course, **{**options, "horizon": min(end + timedelta(days=730), last_day(course.start))})
    found: dict = {"calendar": course.calendar or None, "later": frozenset(e.key for e in longer.events if e.date > end)}
    if course.changed is not None and not os.environ.get("SOURCE_DATE_EPOCH"):
        found["stamp"] = course.changed
    if replaces is not None:
        from ..tomlfile import TOML_LIMIT, read_text_file

        found["previous"] = read_text_file(replaces, "calendar file", TOML_LIMIT * 16)
    elif course.records:
        found["baseline"] = replan(course.baseline(), **options)
        found["sequence"] = max(course.revision, len(course.records))
    return found
