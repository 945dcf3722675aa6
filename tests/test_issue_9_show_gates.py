"""Issue #9 item 5: `regimen show` says what must be drawn before each gated activity, how late it may
slip and how long it runs, so a coordinator need not run `check` to know it."""

from click.testing import CliRunner

from regimen.cli import main


def show(*args: str) -> list[str]:
    result = CliRunner().invoke(main, ["show", *args], catch_exceptions=False)
    assert result.exit_code == 0
    return result.output.splitlines()


def block(lines: list[str], activity: str) -> list[str]:
    """The activity's line and the indented lines under it."""
    start = next(i for i, line in enumerate(lines) if line.startswith(f"  {activity} "))
    out = [lines[start]]
    for line in lines[start + 1:]:
        if not line.startswith("  " + " " * 22):
            break
        out.append(line.strip())
    return out


def test_haic_lists_its_four_lab_gates_lookback_and_max_delay():
    assert block(show("NCT05233358", "--arm", "haic"), "haic")[1:] == [
        "q3w x6 from +0d after day0",
        "max_delay: 30 days (later than this, HAIC stops)",
        "labs before: anc ≥ 1.2 x10^9/L, platelets ≥ 60 x10^9/L, tbil ≤ 30 umol/L, albumin ≥ 30 g/L within 7 days before; "
        "every occurrence",
    ]


def test_infusion_duration_is_a_line():
    assert "duration: 46 h" in block(show("NCT06187961"), "fluorouracil_infusion")


def test_a_start_criterion_says_it_applies_to_the_first_dose_only():
    assert block(show("ablation-lenvatinib-pd1", "--arm", "experimental"), "lenvatinib")[-1] == (
        "labs before: tbil < 2 x ULN within 7 days before; the first occurrence only")


def test_an_activity_without_gates_gets_no_new_lines():
    assert block(show("NCT05760430", "--arm", "experimental"), "camrelizumab")[1:] == ["q3w from +7d [3d..14d] after ctace"]
