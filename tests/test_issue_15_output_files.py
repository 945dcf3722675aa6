"""Issue 15: files the project writes are atomic, keep their permissions, leave nothing behind,
never go through a symbolic link, never overwrite one patient's calendar with another's, and
every I/O error names its file."""

import errno
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import run_cli

from regimen.errors import InputError
from regimen.files import AtomicFile

SCHEDULE = ["schedule", "NCT05760430", "--arm", "experimental", "--start", "2026-12-01", "--weight", "72 kg", "--horizon", "4w"]
ROWS = "id,protocol,arm,start,weight\nP001,NCT05760430,experimental,2026-12-01,72 kg\n"



def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "ics"])
def test_an_existing_files_permission_bits_are_kept(tmp_path, fmt):
    target = tmp_path / "plan.out"
    target.write_text("old")
    target.chmod(0o640)
    assert run_cli(*SCHEDULE, "--format", fmt, "-o", target).exit_code == 0
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert target.read_text(encoding="utf-8-sig") != "old"
    assert _leftovers(tmp_path) == []


def test_a_new_file_gets_the_umasks_permissions_not_the_temporary_files(tmp_path):
    mask = os.umask(0o027)
    try:
        assert run_cli(*SCHEDULE, "-o", tmp_path / "new.txt").exit_code == 0
    finally:
        os.umask(mask)
    assert stat.S_IMODE((tmp_path / "new.txt").stat().st_mode) == 0o640


def test_a_full_disk_names_the_file_and_leaves_the_old_one_and_no_temporary_file(tmp_path, monkeypatch):
    target = tmp_path / "plan.ics"
    target.write_text("the old calendar")

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    result = run_cli(*SCHEDULE, "--format", "ics", "-o", target)
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines()[-1] == f"Error: --output: cannot write '{target}': No space left on device"
    assert target.read_text() == "the old calendar"
    assert _leftovers(tmp_path) == []


def test_an_error_while_writing_removes_the_temporary_file(tmp_path):
    target = tmp_path / "x.csv"
    with pytest.raises(RuntimeError), AtomicFile(target) as stream:
        stream.write(b"half")
        raise RuntimeError("the renderer failed")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full")
def test_a_full_device_is_named_in_the_error():
    result = run_cli(*SCHEDULE, "-o", "/dev/full")
    assert result.stderr.strip() == "Error: --output: cannot write '/dev/full': No space left on device"


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full")
@pytest.mark.parametrize("command", [SCHEDULE, [*SCHEDULE, "--format", "ics"], ["list"], ["show", "NCT05760430"],
                                     ["dose", "NCT05760430", "--arm", "experimental", "--weight", "72 kg"]])
def test_a_full_standard_output_says_so_in_one_line(command):
    with Path("/dev/full").open("w") as full:
        done = subprocess.run([sys.executable, "-m", "regimen", *command], stdout=full, stderr=subprocess.PIPE, text=True, check=False)
    assert (done.returncode, done.stderr.splitlines()[-1]) == (2, "Error: --output: cannot write standard output: No space left on device")
    assert all(line.startswith("! ") for line in done.stderr.splitlines()[:-1])  # the warnings, for csv and ics


def test_strict_stop_leaves_no_output_and_no_temporary_file(tmp_path):
    patients = tmp_path / "patients.csv"
    patients.write_text(ROWS + "P002,NCT05760430,experimental,2026-12-01,72\n")
    out = tmp_path / "plans.csv"
    result = run_cli("cohort", patients, "--format", "csv", "-o", out, "--strict")
    assert result.exit_code == 2
    assert not out.exists()
    assert _leftovers(tmp_path) == []


def test_an_output_folder_that_is_a_symbolic_link_is_refused(tmp_path):
    patients = tmp_path / "patients.csv"
    patients.write_text(ROWS)
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "link").symlink_to(real)
    result = run_cli("cohort", patients, "--format", "ics", "-o", tmp_path / "link")
    assert result.exit_code == 2
    assert "is a symbolic link; give the folder's real path" in result.stderr
    assert list(real.iterdir()) == []


def test_a_symbolic_link_inside_the_folder_is_never_written_through(tmp_path):
    patients = tmp_path / "patients.csv"
    patients.write_text(ROWS)
    folder = tmp_path / "ics"
    folder.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    (folder / "P001.ics").symlink_to(victim)
    result = run_cli("cohort", patients, "--format", "ics", "-o", folder)
    assert result.exit_code == 2
    assert "is a symbolic link; it is not written through" in result.stderr
    assert victim.read_text() == "keep me"


def test_a_symbolic_link_as_the_output_file_is_refused(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    (tmp_path / "plan.csv").symlink_to(victim)
    result = run_cli(*SCHEDULE, "--format", "csv", "-o", tmp_path / "plan.csv")
    assert result.exit_code == 2 and "is a symbolic link" in result.stderr
    assert victim.read_text() == "keep me"


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_duplicate_patient_id_never_overwrites_the_first_patients_calendar(tmp_path, jobs):
    patients = tmp_path / "patients.csv"
    patients.write_text(ROWS + "P001,NCT05760430,control,2026-12-05,65 kg\np001,NCT05760430,control,2026-12-05,65 kg\n")
    folder = tmp_path / "ics"
    result = run_cli("cohort", patients, "--format", "ics", "-o", folder, "--jobs", jobs)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [  # p001 is refused before anything is planned or written: it differs only in case
        "Error: row 3 (P001): id: 'P001' is also the id of row 2; each patient needs an id of their own",
        "Error: row 4 (p001): id: 'p001' differs only in case from the id of row 2; each patient needs an id of their own "
        "(ids name calendar files, and some systems do not tell P-1.ics from p-1.ics)",
        "Error: 2 rows failed; 1 plan done",
    ]
    assert "NCT05760430 Experimental" in (folder / "P001.ics").read_text()
    assert sorted(p.name for p in folder.iterdir()) == ["P001.ics"]


def test_atomic_file_errors_name_the_option_and_the_file(tmp_path):
    with pytest.raises(InputError, match=r"--plot: cannot write '.*/missing/x.png': No such file or directory"), AtomicFile(tmp_path / "missing" / "x.png", "--plot"):
        pass


def test_ids_differing_only_in_case_are_two_patients_where_no_file_is_named_after_them(tmp_path):
    """JSON, CSV and supply name no file after an id, so case-sensitive pseudonyms (aB3x, Ab3x)
    stay two patients there; only .ics files are refused such a pair (see above)."""
    patients = tmp_path / "patients.csv"
    patients.write_text("id,protocol,arm,start,weight,horizon\naB3x,NCT05760430,control,2026-12-05,65 kg,4w\n"
                        "Ab3x,NCT05760430,control,2026-12-05,66 kg,4w\n")
    result = run_cli("cohort", patients)
    assert result.exit_code == 0, result.stderr
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == ["aB3x", "Ab3x"]
    refused = run_cli("cohort", patients, "--format", "ics", "-o", tmp_path / "ics")
    assert refused.exit_code == 2 and "'Ab3x' differs only in case from the id of row 2" in refused.stderr


def test_a_stopped_worker_removes_its_own_temporary_file_never_its_parents(tmp_path):
    """A worker stopped mid-write (SIGTERM: no ``with`` block ends) removes the temporary file it
    was writing; the parent's temporary file (the output the workers write into) stays."""
    import os

    from regimen.files import discard_pending

    with AtomicFile(tmp_path / "out.jsonl") as stream:
        stream.write(b"parent's bytes")
        pid = os.fork()
        if pid == 0:  # the worker: writes a calendar, is stopped in the middle
            code = 0
            try:
                child = AtomicFile(tmp_path / "P01.ics")
                child.__enter__().write(b"BEGIN:VCALENDAR")
                discard_pending()
                code = 0 if [p.name for p in tmp_path.iterdir() if ".P01.ics." in p.name] == [] else 3
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        assert len(_leftovers(tmp_path)) == 1  # the parent's own, still being written
    assert (tmp_path / "out.jsonl").read_bytes() == b"parent's bytes" and _leftovers(tmp_path) == []
