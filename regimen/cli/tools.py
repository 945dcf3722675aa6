"""Clinical tools: ``regimen score child-pugh|albi``."""

from __future__ import annotations

import click

from . import main
from .output import emit

_FORMAT = click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
_COURSE = click.option("--course", "course_file", type=click.Path(exists=True, dir_okay=False),
                       help="Score a course's latest recorded values instead (the dates used are shown).")
_TODAY = click.option("--today", "today_text", metavar="YYYY-MM-DD", help="With --course: score the values recorded up to this day.")


@main.group(short_help="Liver scores: Child-Pugh (Pugh 1973) and ALBI (Johnson 2015), with their derivations.")
def score() -> None:
    """Liver scores, each with the points per item and its derivation.

    \b
    Examples:
      regimen score child-pugh --bilirubin "1.1 mg/dL" --albumin "3.6 g/dL" --inr 1.1 --ascites none --encephalopathy none
      regimen score albi --bilirubin "17 umol/L" --albumin "40 g/L" --format json
    """


@score.command("child-pugh")
@click.option("--bilirubin", help='Total bilirubin with its unit: "1.1 mg/dL" or "19 umol/L".')
@click.option("--albumin", help='Albumin with its unit: "3.6 g/dL" or "36 g/L".')
@click.option("--inr", help="INR, a number: 1.1.")
@click.option("--ascites", type=click.Choice(["none", "mild", "moderate"]), help="none, mild, or moderate (to severe).")
@click.option("--encephalopathy", type=click.Choice(["none", "grade-1-2", "grade-3-4"]), help="Hepatic encephalopathy grade.")
@_COURSE
@_TODAY
@_FORMAT
def child_pugh_command(bilirubin: str | None, albumin: str | None, inr: str | None, ascites: str | None, encephalopathy: str | None,
                       course_file: str | None, today_text: str | None, fmt: str) -> None:
    """The Child-Pugh score and class: bilirubin < 2 / 2–3 / > 3 mg/dL, albumin > 3.5 / 2.8–3.5 / < 2.8 g/dL,
    INR < 1.7 / 1.7–2.3 / > 2.3, ascites and encephalopathy; each middle band includes both ends.

    \b
    Example:
      regimen score child-pugh --bilirubin "2 mg/dL" --albumin "3.5 g/dL" --inr 1.7 --ascites none --encephalopathy none
      regimen score child-pugh --course P-0042.toml --today 2026-11-30
    """
    from ..clinical.scores import child_pugh

    values = {"bilirubin": bilirubin, "albumin": albumin, "inr": inr, "ascites": ascites, "encephalopathy": encephalopathy}
    heading = ""
    if course_file:
        values, heading = _from_course(course_file, today_text, values, "child-pugh")
    _show(_scored(child_pugh, values), fmt, heading)


@score.command("albi")
@click.option("--bilirubin", help='Total bilirubin with its unit: "17 umol/L" or "1 mg/dL".')
@click.option("--albumin", help='Albumin with its unit: "40 g/L" or "4 g/dL".')
@_COURSE
@_TODAY
@_FORMAT
def albi_command(bilirubin: str | None, albumin: str | None, course_file: str | None, today_text: str | None, fmt: str) -> None:
    """The ALBI score, 0.66 × log10(bilirubin µmol/L) − 0.085 × albumin g/L, and its grade
    (1 if ≤ −2.60, 2 if ≤ −1.39, else 3), unrounded.

    \b
    Example:
      regimen score albi --bilirubin "17.1 umol/L" --albumin "40 g/L"
    """
    from ..clinical.scores import albi

    values = {"bilirubin": bilirubin, "albumin": albumin}
    heading = ""
    if course_file:
        values, heading = _from_course(course_file, today_text, values, "albi")
    _show(_scored(albi, values), fmt, heading)


def _scored(function, values: dict):
    """The library call, its parameter names said as the options (``--bilirubin``)."""
    from ..errors import InputError

    absent = [name for name, value in values.items() if value is None]
    if absent:
        raise InputError(f"--{absent[0]}", f"is needed (missing: {', '.join('--' + a for a in absent)})")
    try:
        return function(**values)
    except InputError as exc:
        if exc.option in values:
            raise InputError(f"--{exc.option}", exc.detail) from None
        raise


def _from_course(course_file: str, today_text: str | None, given: dict, which: str) -> tuple[dict, str]:
    from ..course import load_course
    from ..errors import InputError
    from ..guidance.screening import score_inputs
    from .output import today

    if any(v is not None for v in given.values()):
        raise InputError("--course", "takes the values from the course; give either --course or the values, not both")
    on = today(today_text)
    values, used = score_inputs(load_course(course_file), on, which)
    return values, f"values recorded up to {on}: " + "; ".join(used)


def _show(result, fmt: str, heading: str) -> None:
    from ..export.clinical import dumps, score_dict, score_text

    if fmt == "json":
        data = score_dict(result)
        emit(dumps({"values_used": heading, **data} if heading else data), None, binary=False)
    else:
        emit(score_text(result, heading), None, binary=False)
