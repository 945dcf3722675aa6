"""``regimen screen``: a course's eligibility conditions and the range of day 0 they allow."""

from __future__ import annotations

import sys

import click

from . import main
from .output import VERBOSE, emit, today, view


@main.command("screen", short_help="Check a course's screening conditions and the range of day 0 every window allows (exit 1 if not all met).")
@click.argument("course_file", metavar="COURSE", type=click.Path(exists=True, dir_okay=False))
@click.option("--today", "today_text", metavar="YYYY-MM-DD", help="Today's date (default: the system date): what is recorded up to it counts.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@VERBOSE
@click.pass_context
def screen_command(ctx: click.Context, course_file: str, today_text: str | None, fmt: str, verbose: bool = False) -> None:
    """Each screening condition of the course's protocol, met / not met / missing, with the dates used,
    and the earliest and the latest day 0 on which every time window holds. Exit status 1 unless all are met.

    \b
    Example:
      regimen record P-0042.toml prior pregnancy-test --date 2026-11-24 --value negative
      regimen screen P-0042.toml --today 2026-11-26
    """
    from ..course import load_course
    from ..export.clinical import dumps, screen_dict, screen_text
    from ..guidance.screening import screen

    report = screen(load_course(course_file), today(today_text), protocol_dirs=ctx.obj["dirs"])
    emit(dumps(screen_dict(report)) if fmt == "json" else screen_text(report, view(ctx, verbose)), None, binary=False)
    if not report.met:
        sys.exit(1)
