"""-o's suffix names the format (#12 walkthrough): a nurse typing `-o calendar.pdf` gets a PDF, never a text table."""

from __future__ import annotations

from conftest import run_cli

HAIC = ("schedule", "NCT05233358", "--arm", "haic", "--start", "2026-12-01", "--weight", "70 kg", "--height", "170 cm", "--horizon", "4w")


def test_the_suffix_picks_the_format_when_none_is_given(tmp_path):
    for name, starts in (("c.pdf", b"%PDF-"), ("c.html", b"<!DOCTYPE html>"), ("c.ics", b"BEGIN:VCALENDAR"), ("c.json", b"{")):
        result = run_cli(*HAIC, "-o", tmp_path / name)
        assert result.exit_code == 0, result.stderr
        assert (tmp_path / name).read_bytes().lstrip(b"\xef\xbb\xbf").startswith(starts), name


def test_a_suffix_naming_another_format_is_refused_and_nothing_is_written(tmp_path):
    result = run_cli(*HAIC, "--format", "csv", "-o", tmp_path / "c.ics")
    assert result.exit_code == 2
    assert result.stderr.strip().endswith("is named as ics but --format is csv; give --format ics or another file name")
    assert not (tmp_path / "c.ics").exists()


def test_fhir_goes_to_a_json_file_and_an_unknown_suffix_keeps_the_table(tmp_path):
    assert run_cli(*HAIC, "--format", "fhir", "-o", tmp_path / "p.fhir.json").exit_code == 0
    assert run_cli(*HAIC, "-o", tmp_path / "plan.out").exit_code == 0
    assert (tmp_path / "plan.out").read_text(encoding="utf-8").startswith("NCT05233358, arm haic: day 0")
