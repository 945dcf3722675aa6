"""The schedule command: one patient's dose and visit calendar, or a re-planned course, in every format."""

from __future__ import annotations

import os

import click

from ..errors import InputError
from . import main
from .output import FORMATS, VERBOSE, emit, emit_bytes, format_for, refuse_pdf_to_terminal, say_warnings, span, today, view
from .plan import FHIR_VERSION, fhir_version_of, patient_options, plan_for

PRINTED = ("html", "pdf")  # the printable calendar (export/html), which takes --time and --label too
CHOICES = (*FORMATS, "fhir", *PRINTED)


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
@click.option("--format", "fmt", type=click.Choice(CHOICES),
              help="html: a printable month calendar with diary cards (pdf: the same, as PDF; needs -o or a pipe). "
                   "Default: the one -o's suffix names (.pdf, .html, .ics, .csv, .json), else table.")
@FHIR_VERSION
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write to this file instead of standard output.")
@click.option("--time", "clinic_time", multiple=True, metavar="[ACTIVITY=]HH:MM",
              help="ics (html, pdf: one time for all): time clinic events at this local time, per activity (haic=08:00) or for the rest (default=09:00, or "
                   "just 09:00); repeatable. Each lasts its protocol's duration; same-day ones never share a start.")
@click.option("--dose-time", "dose_time", multiple=True, metavar="[DRUG=]HH:MM",
              help="ics: time home doses at this local time (08:00, or per drug apatinib=08:00), so reminders ring then; "
                   "repeatable. Without it home dosing is all-day.")
@click.option("--separate", is_flag=True, help="ics: one event per drug, instead of one visit event per day listing them.")
@click.option("--tz", help="ics: IANA time zone for --time and --dose-time, e.g. Asia/Shanghai (default: this machine's zone, "
                           "refused when it is UTC: give --tz UTC if UTC is meant).")
@click.option("--remind", metavar="SPAN", help="ics: a reminder this long before each event, e.g. 1d, 2h, 30m.")
@click.option("--label", help="ics: the calendar's name; html, pdf: the heading of every page. Nothing identifies the patient unless you put it here.")
@click.option("--replaces", metavar="OLD.ics",
              help="ics: the last export of this calendar (refused if it is not); changed events get a higher SEQUENCE, vanished ones are cancelled.")
@click.option("--clinic-days", metavar="DAYS", help="Days the clinic is open, e.g. mon-fri: clinic events on other days move inside their windows.")
@click.option("--holidays", "country", metavar="COUNTRY", help="Also close on this country's public holidays (ISO code, e.g. CN).")
@click.option("--today", "today_text", metavar="YYYY-MM-DD",
              help="With --course: today's date (default: the system date); past planned events never recorded show as overdue.")
@VERBOSE
@click.pass_context
def schedule(ctx: click.Context, protocol: str | None, arm: str | None, weight: str | None, height: str | None,
             choices: tuple[str, ...], levels: tuple[str, ...], bsa_method: str, start: str | None, allow_past: bool,
             course_file: str | None,
             pins: tuple[str, ...], horizon: str | None, fmt: str | None, output: str | None, clinic_time: tuple[str, ...],
             dose_time: tuple[str, ...], separate: bool,
             tz: str | None, remind: str | None, label: str | None, clinic_days: str | None, country: str | None,
             today_text: str | None, replaces: str | None, fhir_version: str | None, verbose: bool = False) -> None:
    """Expand an arm into a patient's dose and visit calendar, or re-plan a recorded course.

    \b
    Examples:
      regimen schedule NCT05760430 --arm experimental --start 2026-12-01 --weight "72 kg"
      regimen schedule NCT05233358 --arm haic --start 2026-12-01 --weight "70 kg" --height "170 cm" \\
          --choose ici=camrelizumab --horizon 24w --format ics --time haic=08:00 --time default=09:00 \\
          --dose-time 08:00 --tz Asia/Shanghai -o plan.ics
      regimen schedule --course P-0042.toml --format ics -o P-0042.ics
      regimen schedule --course P-0042.toml --format fhir -o P-0042.fhir.json
    """
    fmt = format_for(fmt, output, CHOICES)
    version = fhir_version_of(fmt, fhir_version)
    if fmt != "ics":
        for name, value in (("--time", clinic_time), ("--dose-time", dose_time), ("--separate", separate), ("--tz", tz),
                            ("--remind", remind), ("--label", label), ("--replaces", replaces)):
            if value not in (None, (), False) and not (fmt in PRINTED and name in ("--time", "--label")):
                raise InputError(name, f"applies to --format ics only (this is --format {fmt})")
    refuse_pdf_to_terminal(fmt, output)
    if tz is not None and not clinic_time and not dose_time:
        raise InputError("--tz", "sets the zone of --time and --dose-time; give --time HH:MM too, or drop --tz (all-day events have no zone)")
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
        if replaces is not None:  # a plain plan: every event of the old file not in this one is cancelled
            calendar = previous_export(replaces)
    if fmt == "json":
        from ..export.json import dumps

        text = dumps(plan)
    elif fmt == "csv":
        from ..export.csv import dumps as csv_dumps

        text = csv_dumps(plan, bom=output is not None, comments=output is not None)
    elif fmt == "ics":
        from ..export.ics import calendar_notes
        from ..export.ics import dumps as ics_dumps
        from ..export.ics_visits import activity_times

        times, dose_times = activity_times(clinic_time, "--time", plan), activity_times(dose_time, "--dose-time", plan)
        text = ics_dumps(plan, tz=tz, remind=span(remind), label=label, times=times, dose_times=dose_times, separate=separate,
                         **calendar)
        for note in calendar_notes(plan, tz=tz, timed=bool(times), dose_times=dose_times, remind=span(remind)):
            click.echo(f"! {note}", err=True)
    elif fmt == "fhir":
        from ..export.fhir import plan_dumps

        text = plan_dumps(plan, version, **identity)
    elif fmt in PRINTED:
        from ..export.html import calendar_html

        text = calendar_html(plan, at=printed_time(clinic_time, plan), label=label, today=today(today_text) if course_file else None)
    else:
        from ..export.text import plan_table

        text = plan_table(plan, today=today(today_text) if course_file else None, view=view(ctx, verbose, output=output))
    if fmt in ("csv", "ics", "fhir", *PRINTED):  # their readers may never show the warnings: the terminal always does
        from ..protocol.origin import notice

        say_warnings([line for line in (notice(plan.protocol),) if line] + list(plan.warnings), plan.protocol, ctx=ctx, verbose=verbose)
    if fmt == "pdf":
        from ..export.pdf import pdf_bytes

        emit_bytes(pdf_bytes(text), output)
    else:
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
        found.update(previous_export(replaces))
    elif course.records:
        found["baseline"] = replan(course.baseline(), **options)
        found["sequence"] = max(course.revision, len(course.records))
    return found


def previous_export(replaces: str) -> dict:
    """``--replaces OLD.ics``: its text and name for ``ics.dumps``; a folder, a missing or unreadable
    file is refused on one line naming --replaces, like every other file regimen reads."""
    from ..tomlfile import TOML_LIMIT, read_text_file

    try:
        return {"previous": read_text_file(replaces, "calendar file", TOML_LIMIT * 16), "previous_name": replaces}
    except InputError as exc:
        raise InputError("--replaces", f"{replaces} {exc.detail}") from None


def printed_time(values: tuple[str, ...], plan):
    """The one clinic time a printed calendar shows (``--time 09:00``); per-activity times are for ics."""
    if not values:
        return None
    from ..export.ics_visits import activity_times

    times = activity_times(values, "--time", plan)
    if set(times) != {"default"}:
        raise InputError("--time", "html and pdf take one time for every clinic event, like --time 09:00; per-activity times are for --format ics")
    return times["default"]
