"""Issue 13: with ``--jobs 2`` and a real output (a file, a pipe) the workers write their rows
themselves, in turn, straight to the output's file descriptor. What lands must be the bytes of
``--jobs 1``, the bad rows reported the same (one line each, exit 2), ``--strict`` writing nothing
after the first bad row, ``-o FILE`` all or nothing, and a failed write one line, not a traceback.

These run the command as a process (click's test runner has no file descriptor behind its
standard output, so it takes the path that sends the bytes back to the parent). No test is timed.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from regimen.workers import can_write_in_turn

pytestmark = pytest.mark.skipif(not can_write_in_turn(), reason="workers write in turn only where processes fork")

BAD = {5: "72", 19: "heavy kg"}  # row index -> a weight that is refused (no unit; not a number)


def _cohort(path: Path, count: int = 30) -> Path:
    """Two-year plans (some 770 KB of JSON each, so a chunk holds a handful of rows and the workers
    take many turns); rows 7 and 21 of the file (indexes 5 and 19: line 1 is the header) are bad."""
    lines = ["id,protocol,arm,start,weight,horizon"]
    for i in range(count):
        weight = BAD.get(i, f"{50 + i} kg")
        lines.append(f"P{i:03d},NCT05760430,experimental,2027-01-{1 + i % 28:02d},{weight},104w")
    path.write_text("\n".join(lines) + "\n")
    return path


def _run(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "regimen", "cohort", *map(str, args)], capture_output=True, timeout=300)


@pytest.fixture(scope="module")
def patients(tmp_path_factory):
    return _cohort(tmp_path_factory.mktemp("cohort") / "patients.csv")


def _errors(result) -> list[str]:
    return result.stderr.decode().splitlines()


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_workers_writing_a_file_write_the_bytes_of_one_process(patients, tmp_path, fmt):
    one = _run(patients, "--format", fmt, "--jobs", "1", "-o", tmp_path / "one")
    two = _run(patients, "--format", fmt, "--jobs", "2", "-o", tmp_path / "two")
    assert one.returncode == two.returncode == 2
    assert (tmp_path / "one").read_bytes() == (tmp_path / "two").read_bytes()
    assert _errors(one) == _errors(two) == [
        "Error: row 7 (P005): weight: '72' has no unit; give a weight with its unit, like \"72 kg\" or \"158.7 lb\"",
        _errors(one)[1],  # the second bad row's message, whatever its wording: the same with two workers
        "Error: 2 rows failed; 28 plans done"]
    assert _errors(one)[1].startswith("Error: row 21 (P019): weight:")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one", "two"]  # no temporary file left behind


def test_workers_writing_a_pipe_write_every_good_row_in_order(patients):
    one, two = _run(patients, "--jobs", "1"), _run(patients, "--jobs", "2")
    assert one.stdout == two.stdout
    ids = [json.loads(line)["id"] for line in two.stdout.splitlines()]
    assert ids == [f"P{i:03d}" for i in range(30) if i not in BAD]  # 28 plans, the bad rows 5 and 19 left out
    assert _errors(one) == _errors(two)


def test_strict_workers_write_nothing_after_the_first_bad_row(patients):
    two = _run(patients, "--jobs", "2", "--strict")
    assert two.returncode == 2
    assert [json.loads(line)["id"] for line in two.stdout.splitlines()] == ["P000", "P001", "P002", "P003", "P004"]
    assert _errors(two) == [_errors(_run(patients, "--jobs", "1", "--strict"))[0]] and "row 7 (P005)" in _errors(two)[0]


def test_strict_to_a_file_leaves_nothing(patients, tmp_path):
    assert _run(patients, "--jobs", "2", "--strict", "-o", tmp_path / "plans.jsonl").returncode == 2
    assert list(tmp_path.iterdir()) == []


def test_a_full_disk_is_one_line_as_with_one_process(patients):
    full = Path("/dev/full")
    if not full.exists():
        pytest.skip("no /dev/full here")
    one, two = _run(patients, "--jobs", "1", "-o", full), _run(patients, "--jobs", "2", "-o", full)
    assert one.returncode == two.returncode == 2
    assert _errors(one) == _errors(two) == ["Error: --output: cannot write '/dev/full': No space left on device"]


def test_a_reader_that_stops_early_is_one_line_from_a_worker(patients):
    # the parent writes the first plan (some 770 KB) itself; the reader takes 2 MB and closes the
    # pipe, so the write that fails is a worker's
    process = subprocess.Popen([sys.executable, "-m", "regimen", "cohort", str(patients), "--jobs", "2"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    assert len(process.stdout.read(2_000_000)) == 2_000_000
    process.stdout.close()
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=300) == 2
    assert stderr.splitlines() == ["Error: --output: cannot write 'standard output': Broken pipe"]


@pytest.mark.parametrize("fork", [True, False], ids=["workers write", "no fork: bytes sent back"])
def test_the_library_path_writes_through_the_sink_as_one_process(patients, tmp_path, monkeypatch, fork):
    import regimen.workers
    from regimen import cohort
    from regimen.export import render

    if not fork:  # a platform that spawns: the rendered bytes come back to the parent, as before
        monkeypatch.setattr(regimen.workers, "can_write_in_turn", lambda: False)

    written_by_workers = []

    def plans(jobs: int) -> tuple[bytes, list[str]]:
        target, failed = tmp_path / f"jobs{jobs}.jsonl", []
        with render.Sink("json", str(target)) as sink, cohort.open_patients(str(patients)) as stream:
            out = sink.direct() if jobs > 1 else None
            for result in cohort.process(cohort.read_rows(stream), render.json_line, jobs=jobs, out=out):
                if isinstance(result, cohort.RowError):
                    failed.append(str(result))
                else:
                    if result.value is None:  # already in the file: a worker wrote it
                        written_by_workers.append(result.id)
                    sink.write(result)
        return target.read_bytes(), failed

    one, two = plans(1), plans(2)
    assert one == two and len(one[1]) == 2 and one[1][0].startswith("row 7 (P005)")
    # the parent plans P000 itself, and writes what follows a bad row in its chunk; workers the rest
    assert (len(written_by_workers) > 10) if fork else written_by_workers == []
    assert "P000" not in written_by_workers


def _slow_small(item: int) -> tuple[int, int]:
    """Work that takes a while and returns almost nothing (as a worker writing a calendar file does)."""
    import os
    import time

    time.sleep(0.02)
    return item, os.getpid()


def test_small_results_of_slow_work_are_still_shared_between_the_workers():
    """Chunks are sized by time as well as by bytes: 20 ms rows of a few bytes each go out a
    handful at a time (0.1 s of work a chunk), not all at once to whichever worker asks next, and
    come back in order."""
    from regimen.workers import ordered

    results = list(ordered(_slow_small, range(100), 2))
    assert [item for item, _ in results] == list(range(100))
    by_worker = {pid: sum(1 for _, p in results if p == pid) for _, pid in results}
    # sized by bytes alone: 8 and 92 (two first chunks of 4, then all the rest); a worker starting
    # even 0.7 s late (a loaded machine) still gets some 30 of the 2 s of work
    assert len(by_worker) == 2 and min(by_worker.values()) >= 20, by_worker


def test_a_chunk_holds_a_tenth_of_a_second_of_work_and_four_mb_of_the_heaviest_rows():
    from regimen.workers import PACE, TARGET, Pace

    pace = Pace()
    # 4 rows of 1 KB in 0.2 s (50 ms a row): 0.1 s of work is 2 rows
    assert pace.next(4, 4_000, 0.2) == int(PACE / 0.05) == 2
    pace = Pace()
    # 2 ms a row, 300 KB a row (CSV of a two-year plan): 4 MB is 13 rows, 0.1 s would be 50
    assert pace.next(4, 4 * 300_000, 0.008) == TARGET // 300_000 == 13
    # then ten-year plans of 3.9 MB each: one row at a time, though the average row is lighter
    assert pace.next(1, 3_900_000, 0.03) == 1
    assert Pace().next(10, 0, 0.0) == 512  # nothing measured to go by: the most a chunk holds


def test_sigterm_stops_the_parent_and_its_workers_and_leaves_no_temporary_file(tmp_path):
    """`kill`, `timeout` or a cancelled CI job (SIGTERM) ends a --jobs 2 run as Ctrl-C does: one
    line ("Aborted!"), status 1, no traceback, no half file and no worker left running."""
    import signal
    import time

    patients = _cohort(tmp_path / "patients.csv", 400)
    out = tmp_path / "plans.jsonl"
    process = subprocess.Popen([sys.executable, "-m", "regimen", "cohort", str(patients), "-o", str(out), "--jobs", "2"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
    deadline, workers = time.monotonic() + 120, []
    while process.poll() is None and time.monotonic() < deadline and not (len(workers) == 2 and list(tmp_path.glob(".plans.jsonl.*.tmp"))):
        time.sleep(0.05)  # until the output is being written by both workers
        workers = [int(pid) for pid in children.read_text().split()] if children.exists() else []
    if process.poll() is not None:
        pytest.skip("the run ended before it could be stopped")
    time.sleep(0.3)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 1
    assert stderr.decode().splitlines()[-1] == "Aborted!" and "Traceback" not in stderr.decode()
    assert list(tmp_path.iterdir()) == [patients] or sorted(p.name for p in tmp_path.iterdir()) == ["patients.csv"]
    time.sleep(0.5)
    assert workers and not [pid for pid in workers if Path(f"/proc/{pid}").exists()
                            and "Z" not in Path(f"/proc/{pid}/stat").read_text().split()[2]]  # each worker gone


_LOG: list[int] = []  # the log file's descriptor, set before the pool forks


def _logged_line(number: int) -> bytes:
    """Row ``number``, rendered: row 0 takes a second, the others none; each says when it is rendered."""
    import os
    import time

    if number == 0:
        time.sleep(1.0)
    os.write(_LOG[0], f"rendered {number}\n".encode())
    return f"row {number}\n".encode()


def test_a_worker_renders_on_while_the_chunk_before_its_own_is_still_unwritten(tmp_path):
    """Chunk 0 (rows 0-3) takes a second to render. The other worker renders chunk 1 and, without
    waiting for chunk 0 to be written, chunks 2 and 3: its writer thread waits for the turn, not
    the worker. The rows still land in row order."""
    import os

    from regimen.workers import in_turn

    log = tmp_path / "log"
    _LOG[:] = [os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND)]
    try:
        def write(pieces):
            for piece in pieces:
                os.write(_LOG[0], piece)

        results = list(in_turn(_logged_line, range(40), 2, write, lambda line: line, lambda line: None))
    finally:
        os.close(_LOG.pop())
    lines = log.read_text().splitlines()
    assert [line for line in lines if line.startswith("row ")] == [f"row {n}" for n in range(40)]
    assert lines.index("rendered 12") < lines.index("row 0")  # chunk 3 (rows 12-15) before chunk 0 is out
    assert len(results) == 40


def test_a_writer_that_raises_is_one_error_not_a_hang():
    """A writer that fails in any way ends the run with one error (in a process of its own, with a
    time limit: a writer thread that died silently would leave the parent waiting for ever)."""
    script = """
from regimen.errors import InputError
from regimen.workers import in_turn

def write(pieces):
    raise ValueError("the disk said no")

try:
    list(in_turn(lambda n: b"row\\n", range(50), 2, write, lambda line: line, lambda line: None))
except InputError as exc:
    print(exc)
"""
    shown = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert "cannot write the output: the disk said no" in shown.stdout, shown.stderr


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="per-thread signal masks are read from Linux's /proc")
def test_a_workers_writer_thread_leaves_sigterm_to_the_main_thread():
    """The pool stops its workers with SIGTERM, whose handler only the main thread runs: delivered
    to the writer thread instead, it left the main thread waiting for a task for ever (a hung
    --jobs 2 run, one time in four). The writer thread must block it; the main thread must not."""
    script = """
import os, pathlib, threading
from regimen import workers
workers._start_in_turn(len, (None, None, None, None, None, None))
def blocked(tid):
    mask = next(line for line in pathlib.Path(f"/proc/self/task/{tid}/status").read_text().splitlines() if line.startswith("SigBlk:"))
    return bool(int(mask.split()[1], 16) & (1 << 14))  # SIGTERM is signal 15
main = threading.main_thread().native_id
others = [int(t) for t in os.listdir("/proc/self/task") if int(t) != main]
print(blocked(main), [blocked(t) for t in others])
os._exit(0)
"""
    shown = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert shown.stdout.split("\n")[0] == "False [True]", shown.stderr
