"""A protocol's screening rules: the eligibility conditions with a time relation to day 0, and the
lab, score and finding thresholds, each with its verbatim quote from the trial record.

::

    [screening]
    counts_to = "the first dose of study treatment, read as day 0 (the first HAIC)"
    assumptions = ["screen-boundary"]        # readings that apply to every rule
    not_checked = ["HBV DNA within 28 days ..."]   # stated conditions no course record holds yet
    none = "..."                              # where the record states no time condition: say so

    [screening.rules.radiotherapy]
    kind = "none-within"     # no such prior event in the window before day 0
    event = "radiotherapy"   # a prior event type ([[prior]] in a course)
    span = "3w"              # d, w (7 days) or mo (a calendar month)
    min_days = 10            # optional: excluded only if the event covers at least this many days of the window
    before = "labs"          # optional: the window ends at the screening labs' draw, not day 0
    quote = "Received radiotherapy within 3 weeks prior to the first dose of study treatment."

    [screening.rules.pregnancy-test]
    kind = "within"          # a prior event (a test) in the window, with value
    event = "pregnancy-test"
    value = "negative"
    span = "7d"
    applies = "women of childbearing age"

    [screening.rules.anc]    # a lab threshold, drawn within span before day 0 (span optional)
    kind = "lab"
    lab = "anc"
    min = "1.5 x10^9/L"      # or max, below, above, as in gates
    span = "7d"

    [screening.rules.child-pugh]
    kind = "score"
    score = "child-pugh"
    classes = ["A"]          # or max = 7 (points)

    [screening.rules.ecog]
    kind = "finding"
    finding = "ecog"
    max = 1

    [screening.rules.progression]
    kind = "not-within-after"   # between two prior events: progression not within 3 months after first-line therapy
    event = "progression"
    after = "systemic-therapy"
    span = "3mo"

Every rule may carry ``assumptions`` (ids of [assumptions.*]) and needs its ``quote``.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from ..clinical.findings import ASCITES, ECOG, ENCEPHALOPATHY
from ..errors import did_you_mean, shown
from ..tomlfile import TomlFile as _File

__all__ = ["FINDINGS", "PRIOR_TYPES", "RULE_KINDS", "Rule", "Screening", "Span", "read_screening"]

PRIOR_TYPES = ("radiotherapy", "local-treatment", "surgery", "trial-drug", "antiplatelet", "growth-factor", "transfusion",
               "pregnancy-test", "systemic-therapy", "progression")  # the last two: first-line therapy, and the progression after it
FINDINGS = {"ecog": ECOG, "ascites": ASCITES, "encephalopathy": ENCEPHALOPATHY}
RULE_KINDS = ("within", "none-within", "lab", "score", "finding", "not-within-after")
_TOP = {"counts_to": str, "assumptions": list, "not_checked": list, "none": str, "rules": dict}
_RULE = {"kind": str, "label": str, "event": str, "after": str, "value": str, "span": str, "min_days": int, "before": str,
         "applies": str, "lab": str, "min": str, "max": (str, int), "below": str, "above": str, "score": str, "classes": list,
         "finding": str, "quote": str, "assumptions": list}
_NEEDS = {"within": ("event", "span"), "none-within": ("event", "span"), "lab": ("lab",), "score": ("score",),
          "finding": ("finding", "max"), "not-within-after": ("event", "after", "span")}
SCORES = ("child-pugh",)
_SPAN = re.compile(r"([1-9]\d{0,2})(d|w|mo)")


class Span(NamedTuple):
    """A span of ``count`` days, weeks (7 days) or calendar months."""

    count: int
    unit: str  # d, w, mo

    def text(self) -> str:
        word = {"d": "day", "w": "week", "mo": "month"}[self.unit]
        return f"{self.count} {word}{'s' if self.count != 1 else ''}"

    def back(self, day):
        """``day`` minus this span (a month is a calendar month: 12-31 minus 1 month is 11-30)."""
        from datetime import timedelta

        if self.unit == "mo":
            from dateutil.relativedelta import relativedelta

            return day - relativedelta(months=self.count)
        return day - timedelta(days=self.count * (7 if self.unit == "w" else 1))

    def forward(self, day):
        from datetime import timedelta

        if self.unit == "mo":
            from dateutil.relativedelta import relativedelta

            return day + relativedelta(months=self.count)
        return day + timedelta(days=self.count * (7 if self.unit == "w" else 1))


class Rule(NamedTuple):
    id: str
    kind: str
    label: str
    quote: str
    event: str = ""
    after: str = ""
    value: str = ""
    span: Span | None = None
    min_days: int = 1
    before: str = "day0"  # day0, or labs: the window ends at the screening labs' draw
    applies: str = ""
    criterion: Any = None  # labs.Criterion, for a lab rule
    score: str = ""
    classes: tuple[str, ...] = ()
    max: int | None = None  # score points, or the finding's highest accepted grade
    finding: str = ""
    assumptions: tuple[str, ...] = ()

    def describe(self) -> str:
        """The rule in words: ``no radiotherapy within 3 weeks before day 0``."""
        span = self.span.text() if self.span else ""
        before = "the screening labs" if self.before == "labs" else "day 0"
        if self.kind == "within":
            return f"{self.event} {self.value} within {span} before day 0".replace("  ", " ") + (f" ({self.applies})" if self.applies else "")
        if self.kind == "none-within":
            days = f" for {self.min_days} days" if self.min_days > 1 else ""
            return f"no {self.event}{days} within {span} before {before}"
        if self.kind == "lab":
            return self.criterion.describe() + (f" within {span} before day 0" if span else " (no window stated)")
        if self.kind == "score":
            return f"{self.score} " + (f"class {' or '.join(self.classes)}" if self.classes else f"at most {self.max} points")
        if self.kind == "finding":
            return f"{self.finding} at most {self.max}"
        return f"no {self.event} within {span} after {self.after}"

    @property
    def timed(self) -> bool:
        """Whether the rule bounds day 0 (a window counted to day 0)."""
        return self.span is not None and self.kind in ("within", "none-within", "lab") and self.before == "day0"


class Screening(NamedTuple):
    counts_to: str
    rules: tuple[Rule, ...]
    assumptions: tuple[str, ...] = ()
    not_checked: tuple[str, ...] = ()
    none: str = ""


def read_screening(file: _File, data: Any) -> Screening | None:
    """The ``[screening]`` table, every problem recorded on ``file`` with its key path."""
    good = file.table(data, "screening", _TOP, ("counts_to", "rules"))
    rules = tuple(r for key, value in good.get("rules", {}).items() if (r := _rule(file, key, value)))
    texts = {}
    for key in ("assumptions", "not_checked"):
        items = good.get(key, [])
        for i, item in enumerate(items):
            if not isinstance(item, str):
                file.error(f"screening.{key}[{i}]", f"expected a string, got {shown(item)}")
        texts[key] = tuple(i for i in items if isinstance(i, str))
    declared = [r for r in good.get("rules", {}).values() if isinstance(r, dict)]  # as written: a rule with an error still counts
    if not any("span" in r or r.get("kind") in ("within", "none-within", "not-within-after") for r in declared) and not good.get("none"):
        file.error("screening.none", "no rule has a time relation to day 0: say so with none = \"...\" (what the record states)")
    if "counts_to" not in good:
        return None
    return Screening(good["counts_to"], rules, texts["assumptions"], texts["not_checked"], good.get("none", ""))


def _rule(file: _File, key: str, data: Any) -> Rule | None:
    path = f"screening.rules.{key}"
    good = file.table(data, path, _RULE, ("kind", "quote"))
    kind = good.get("kind")
    if kind not in RULE_KINDS:
        if kind is not None:
            file.error(f"{path}.kind", f"expected one of {', '.join(RULE_KINDS)}, got {shown(kind)}{did_you_mean(str(kind), RULE_KINDS)}")
        return None
    for needed in _NEEDS[kind]:
        if needed not in good:
            file.error(path, f"a {kind} rule needs {needed}")
    for name in ("event", "after"):
        if name in good and good[name] not in PRIOR_TYPES:
            file.error(f"{path}.{name}", f"unknown prior event {shown(good[name])}{did_you_mean(good[name], PRIOR_TYPES)}; known: {', '.join(PRIOR_TYPES)}")
    span = _span(file, f"{path}.span", good["span"]) if "span" in good else None
    if good.get("before", "day0") not in ("day0", "labs"):
        file.error(f"{path}.before", f"expected day0 or labs, got {shown(good['before'])}")
    if good.get("min_days", 1) < 1:
        file.error(f"{path}.min_days", f"expected 1 or more days, got {good['min_days']}")
    criterion = _criterion(file, path, good) if kind == "lab" else None
    if kind == "score" and good.get("score") not in SCORES:
        file.error(f"{path}.score", f"expected one of {', '.join(SCORES)}, got {shown(good.get('score'))}")
    if kind == "score" and ("classes" in good) == ("max" in good):
        file.error(path, "a score rule takes classes (like [\"A\"]) or max (points), one of them")
    if kind == "finding" and good.get("finding") not in FINDINGS:
        file.error(f"{path}.finding", f"expected one of {', '.join(FINDINGS)}, got {shown(good.get('finding'))}")
    highest = good.get("max")
    if highest is not None and kind != "lab" and not isinstance(highest, int):
        file.error(f"{path}.max", f"expected a whole number, got {shown(highest)}")
    if file.errors and any(e.path.startswith(path) for e in file.errors):
        return None
    return Rule(key, kind, good.get("label", key), good["quote"], good.get("event", ""), good.get("after", ""), good.get("value", ""),
                span, good.get("min_days", 1), good.get("before", "day0"), good.get("applies", ""), criterion, good.get("score", ""),
                tuple(str(c) for c in good.get("classes", [])), highest if kind != "lab" else None, good.get("finding", ""),
                tuple(str(a) for a in good.get("assumptions", [])))


def _span(file: _File, path: str, text: str) -> Span | None:
    match = _SPAN.fullmatch(text.strip())
    if not match:
        file.error(path, f'expected a span like "7d", "3w" or "3mo" (a week is 7 days, a month a calendar month), got {shown(text)}')
        return None
    return Span(int(match[1]), match[2])


def _criterion(file: _File, path: str, good: dict[str, Any]):
    from .quantities import read_lab_criterion

    return read_lab_criterion(file, path, good, "a lab rule needs")
