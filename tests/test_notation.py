"""Clinical notation prints every rule and parses it back to an equal rule."""

import pytest

import regimen
from regimen.notation import NotationError, format_rule, parse_rule
from regimen.rules import Anchor, CycleDays, Every, Rule, Span, Start

SHIPPED = [(p.id, arm.id, a.id, a.rule) for p in regimen.list_protocols() for arm in p.arms for a in arm.activities]


@pytest.mark.parametrize(("protocol", "arm", "activity", "rule"), SHIPPED, ids=[f"{p}/{a}/{x}" for p, a, x, _ in SHIPPED])
def test_round_trip_for_every_rule_in_every_shipped_protocol(protocol, arm, activity, rule):
    assert parse_rule(format_rule(rule)) == rule


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("+14d [12d..16d] after ctace", Rule(Start(Anchor("ctace"), 14, 12, 16))),
        ("q3w x6 from +0d after day0", Rule(Start(), Every(21), count=6)),
        ("d1-21 q28d from +7d [0d..14d] after haic", Rule(Start(Anchor("haic"), 7, 0, 14), CycleDays(tuple(range(1, 22)), 28))),
        ("d1,8,15 q28d from +0d after day0", Rule(Start(), CycleDays((1, 8, 15), 28))),
        ("qd from +0d after day0", Rule(Start(), Every(1))),
        ("qod x5 from +7d [0d..14d] after day0", Rule(Start(Anchor(), 7, 0, 14), Every(2), count=5)),
        ("q3w for 6mo from +5d [3d..7d] after ablation", Rule(Start(Anchor("ablation"), 5, 3, 7), Every(21), span=Span(6, "mo"))),
        ("+35d [28d..42d] after each tace", Rule(Start(Anchor("tace", each=True), 35, 28, 42))),
        ("+1d after haic#2", Rule(Start(Anchor("haic", nth=2), 1, 1, 1))),
    ],
)
def test_notation_means_what_a_clinician_reads(text, rule):
    assert parse_rule(text) == rule
    assert format_rule(rule) == text


@pytest.mark.parametrize(("loose", "canonical"), [("q21d from +2w after day0", "q3w from +14d after day0"), ("  QD  FROM +0D AFTER DAY0 ", "qd from +0d after day0")])
def test_equivalent_spellings_print_canonically(loose, canonical):
    assert format_rule(parse_rule(loose)) == canonical


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("q3w", "expected timing like"),
        ("+14d [15d..16d] after ctace", "the window [15d..16d] must contain the nominal offset +14d"),
        ("q3w x0 from +0d after day0", "a count limit must be at least 1"),
        ("d2-21 q28d from +0d after day0", "a cycle's first listed day must be d1"),
        ("d1-30 q28d from +0d after day0", "cycle days must lie between d1 and d28"),
        ("qd from +0d after each tace", "'each' anchors only a one-off event"),
    ],
)
def test_bad_notation_says_what_is_accepted(text, message):
    with pytest.raises(NotationError, match=None) as caught:
        parse_rule(text)
    assert message in str(caught.value)
