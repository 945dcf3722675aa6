"""A course's recorded labs graded by CTCAE v5.0, each against its own ULN and the patient's baseline."""

from __future__ import annotations

from datetime import date

from ..clinical.ctcae import TERMS, Graded, grade_value
from ..labs import ANALYTES, LabValue

__all__ = ["grade_course"]


def grade_course(course, on: date | None = None) -> list[tuple[date, Graded]]:
    """Every recorded result of a CTCAE-graded lab up to ``on`` (all when None), in date order.

    An increased value needs its recorded ULN (a result without one is graded as "not determined");
    the baseline is the latest result of the same lab on or before day 0, used where it was abnormal."""
    rows = []
    for lab in sorted(course.labs, key=lambda x: (x.date, x.name)):
        if lab.name not in TERMS or (on is not None and lab.date > on):
            continue
        unit = ANALYTES[lab.name].unit
        uln = LabValue(lab.uln, f"{lab.uln:g} {unit}") if lab.uln else None
        if TERMS[lab.name].way == "increased" and uln is None:
            rows.append((lab.date, Graded(lab.name, TERMS[lab.name].term, None, "no ULN recorded with this result: record it with uln = \"...\"",
                                          lab.text, (f"{lab.name}: {lab.text}",), TERMS[lab.name].status)))
            continue
        base = [x for x in course.labs if x.name == lab.name and x.date <= course.start and x is not lab]
        baseline = None
        if base and TERMS[lab.name].baseline and lab.date > course.start:
            first = max(base, key=lambda x: x.date)
            baseline = LabValue(first.value, first.text)
        rows.append((lab.date, grade_value(lab.name, LabValue(lab.value, lab.text), uln=uln, baseline=baseline)))
    return rows
