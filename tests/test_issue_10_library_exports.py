"""Issue #10: the library gives what the CLI gives, byte for byte, and shows itself briefly."""

from __future__ import annotations

from datetime import date

import pytest
from click.testing import CliRunner

import regimen
from regimen import InputError, LookupFailure
from regimen.cli import main

ARGS = ["NCT05233358", "--arm", "haic", "--start", "2026-12-01", "--weight", "70 kg", "--height", "170 cm", "--horizon", "12w"]


@pytest.fixture(scope="module")
def plan():
    patient = regimen.Patient.from_measurements("70 kg", "170 cm")
    return regimen.schedule("NCT05233358", "haic", patient, "2026-12-01", horizon="12w")


def cli(*extra: str) -> bytes:
    result = CliRunner().invoke(main, ["schedule", *ARGS, *extra])
    assert result.exit_code == 0, result.stderr
    return result.stdout_bytes


def test_to_json_csv_and_ics_are_the_cli_bytes(plan):
    assert plan.to_json().encode() == cli("--format", "json")
    assert plan.to_csv().encode() == cli("--format", "csv")
    assert plan.to_ics().encode() == cli("--format", "ics")
    timed = plan.to_ics(time="09:00", tz="Asia/Shanghai", remind="1d", label="Clinic 3")
    assert timed.encode() == cli("--format", "ics", "--time", "09:00", "--tz", "Asia/Shanghai", "--remind", "1d", "--label", "Clinic 3")
    assert plan.to_csv(bom=True).startswith("\ufeffkey,")


def test_to_ics_checks_its_options_by_their_names(plan):
    with pytest.raises(InputError, match=r"^time: '9am' is not a clock time; give HH:MM in 24-hour time, like 09:00"):
        plan.to_ics(time="9am")
    with pytest.raises(InputError, match=r"^tz: sets the zone of time"):
        plan.to_ics(tz="Asia/Shanghai")
    with pytest.raises(InputError, match=r"^remind: '99999d' is not accepted; give a span from 1m to 4 weeks"):
        plan.to_ics(remind="99999d")


def test_a_misspelt_activity_is_a_lookup_failure_not_none():
    patient = regimen.Patient.from_measurements("72 kg")
    plan = regimen.schedule("NCT05760430", "experimental", patient, "2026-12-01")
    with pytest.raises(LookupFailure, match=r"unknown activity in arm experimental 'apatinb' \(did you mean \"apatinib\"\?\)"):
        plan.dose("apatinb")
    assert plan.dose("pve") is None  # a procedure has no dose
    assert plan.dose("apatinib").text == "250 mg"


def test_reprs_are_one_short_line():
    patient = regimen.Patient.from_measurements("72 kg")
    plan = regimen.schedule("NCT05760430", "experimental", patient, "2026-12-01", horizon="24w")
    assert repr(plan) == "<Plan NCT05760430/experimental 2026-12-01..2027-05-17: 174 events, 7 warnings>"  # issue 16: visits, the contraception end
    assert repr(plan.protocol) == "<Protocol NCT05760430 v1.0.0: arms experimental, control>"
    assert repr(plan.arm) == "<Arm experimental: 6 activities (ctace, pve, camrelizumab, apatinib, imaging, survival)>"
    assert repr(plan.arm.activity("camrelizumab")) == "<Activity camrelizumab: drug, q3w from +7d [3d..14d] after ctace>"
    assert repr(plan.for_activity("camrelizumab")[0]) == "<Event NCT05760430/experimental/camrelizumab/1 2026-12-08 216 mg>"
    assert repr(plan.dose("camrelizumab")) == "<Dose 216 mg (per_kg)>"
    assert repr(regimen.doses("NCT05760430", "experimental", patient)) == \
        "<DoseSheet NCT05760430/experimental: camrelizumab 216 mg, apatinib 250 mg>"


# The functions of __all__; the values below them
@pytest.mark.parametrize("name", sorted(regimen.__all__))
def test_every_public_name_has_a_docstring_of_its_own(name):
    doc = (getattr(regimen, name).__doc__ or "").strip()
    assert doc and not doc.startswith(f"{name}("), f"{name} has no docstring (or only the generated signature)"


VALUES = ["Activity", "Arm", "Assumption", "Choice", "Course", "Dose", "DoseSheet", "Event", "InputError", "LookupFailure", "Patient",
          "Plan", "Protocol", "ProtocolError", "ProtocolErrors", "RegimenError", "ScheduleError"]


@pytest.mark.parametrize("name", VALUES)
def test_every_public_value_has_a_docstring_and_is_named_in_the_module_map(name):
    doc = (getattr(regimen, name).__doc__ or "").strip()
    assert doc and not doc.startswith(f"{name}("), f"{name} has no docstring (or only the generated signature)"
    assert f"``{name}``" in regimen.__doc__  # help(regimen) says where to look


def test_help_of_the_package_fits_in_200_lines():
    import pydoc

    text = pydoc.render_doc(regimen, renderer=pydoc.plaintext)
    assert len(text.splitlines()) <= 200
    assert "schedule(" in text and "Plan" in text


def test_check_is_a_library_call_with_a_typed_result(tmp_path):
    from conftest import COURSE_HEAD

    path = tmp_path / "P-0001.toml"
    path.write_text(COURSE_HEAD.replace("NCT05760430", "NCT05233358").replace('"experimental"', '"haic"') + 'height = "170 cm"\n')
    report = regimen.check(regimen.load_course(path), date(2026, 12, 1))
    assert [c.event.name for c in report.checks] == ["HAIC"] and not report.cleared  # no labs recorded: missing
    assert report.checks[0].results[0].lab is None
