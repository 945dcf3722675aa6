"""Issue 15: a CSV or .ics keeps the plan's warnings, so a reader who only sees the file sees them.

The CSV written with ``-o`` starts with one ``# warning`` line each; stderr always shows them
when writing CSV or .ics; each .ics event's DESCRIPTION carries the warnings about its activity.
"""

import csv
import io

import icalendar
from conftest import run_cli

SCHEDULE = ["schedule", "NCT05760430", "--arm", "experimental", "--start", "2026-12-01", "--weight", "72 kg"]
PVE = "assumption pve-window: PVE window of 12 to 16 days after cTACE"
SHORT_PVE = "assumption pve-window [NONE]: PVE 12–16 d after cTACE (record: 2 weeks)"  # the terminal's one-line form
START = "assumption systemic-start: First systemic dose 7 days after cTACE"
HORIZON = "no horizon given: open-ended activities (Camrelizumab, Apatinib, Response imaging (CT or MRI)) are shown for 24 weeks"



def test_the_csv_file_starts_with_the_warnings_as_comment_lines(tmp_path):
    target = tmp_path / "plan.csv"
    result = run_cli(*SCHEDULE, "--format", "csv", "-o", target)
    assert result.exit_code == 0
    text = target.read_text(encoding="utf-8-sig")
    comments = [line for line in text.splitlines() if line.startswith("#")]
    assert [c[:len("# ") + len(PVE)] for c in comments[:1]] == [f"# {PVE}"]
    assert any(c.startswith(f"# {START}") for c in comments) and any(c.startswith(f"# {HORIZON}") for c in comments)
    assert text.splitlines()[len(comments)].startswith("key,date,")
    body = "".join(line + "\n" for line in text.splitlines() if not line.startswith("#"))
    piped = run_cli(*SCHEDULE, "--format", "csv").stdout
    assert list(csv.DictReader(io.StringIO(body))) == list(csv.DictReader(io.StringIO(piped)))


def test_standard_output_csv_stays_plain_and_the_warnings_go_to_stderr():
    result = run_cli(*SCHEDULE, "--format", "csv")
    assert result.stdout.startswith("key,date,")
    # one line each (issue #12): an assumption by its id and short form, a notice about this plan whole
    assert f"! {SHORT_PVE}" in result.stderr.splitlines() and f"! {HORIZON}" in result.stderr
    assert f"! {PVE}" in run_cli(*SCHEDULE, "--format", "csv", "--verbose").stderr


def test_writing_an_ics_file_shows_the_warnings_on_stderr(tmp_path):
    result = run_cli(*SCHEDULE, "--format", "ics", "-o", tmp_path / "plan.ics")
    lines = result.stderr.splitlines()
    assert f"! {SHORT_PVE}" in lines and lines[-1] == f"wrote {tmp_path / 'plan.ics'}"


def _descriptions(tmp_path) -> dict[str, list[str]]:
    run_cli(*SCHEDULE, "--format", "ics", "-o", tmp_path / "plan.ics")
    calendar = icalendar.Calendar.from_ical((tmp_path / "plan.ics").read_bytes())
    found: dict[str, list[str]] = {}
    for event in calendar.walk("VEVENT"):
        found.setdefault(str(event["X-REGIMEN-ACTIVITY"]), []).append(str(event["DESCRIPTION"]))
    return found


def test_each_event_carries_the_warnings_about_its_activity(tmp_path):
    found = _descriptions(tmp_path)
    assert all(f"Warning: {PVE}" in d for d in found["pve"])
    assert all(f"Warning: {START}" in d and f"Warning: {HORIZON}" in d for d in found["camrelizumab"])
    assert all(f"Warning: {START}" in d and f"Warning: {HORIZON}" in d for d in found["apatinib"])
    assert not any("Warning:" in d for d in found["ctace"])  # no warning names cTACE's own timing
    assert not any(PVE in d for d in found["camrelizumab"])
