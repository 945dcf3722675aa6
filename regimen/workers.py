"""Work over many items in worker processes, results in the items' order, memory bounded.

Items go to the workers in chunks, at most two chunks per worker in flight: the parent only sends
items and receives each chunk's results (rendered bytes, small summaries), in order. A chunk's
size follows what was measured so far: about ``TARGET`` bytes of results, so a cohort of ten-year
plans sends a row or two at a time, and about ``PACE`` seconds of work, so the workers share the
rows evenly however small their results (a calendar file a worker writes itself comes back as its
name: sized by bytes alone, chunks of ``MOST`` rows would leave one worker waiting on the other).

``in_turn`` (where processes fork) goes further: the workers write their rendered bytes to the
output's file descriptor themselves, taking turns in chunk order, and the parent gets only small
summaries back, so a 772 KB JSON line never crosses a pipe nor the parent's GIL. Each worker
writes from a thread of its own, so it renders its next chunk while it waits for its turn.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from time import perf_counter
from typing import Any

__all__ = ["PACE", "TARGET", "Pace", "can_write_in_turn", "in_turn", "ordered", "roomy_heap"]

TARGET = 4 << 20  # bytes of results per chunk: at most 2 * jobs + 1 chunks are held (20 MB at --jobs 2)
PACE = 0.1  # seconds of a worker's work per chunk: sending one costs well under a millisecond
FIRST, MOST = 4, 512  # rows in the first chunk (nothing measured yet) and in any chunk

_task: Callable[[Any], Any] | None = None  # the worker's task, set once when it starts
_turns: Any = None  # with in_turn: (write, payload, stamp, turn, its condition, failure, the parent's wake-up pipe), set once
_queue: Any = None  # with in_turn: the worker's rendered chunks, for its writer thread


def _start(task: Callable[[Any], Any]) -> None:
    global _task
    _task = task
    _exit_cleanly_when_stopped()


def _exit_cleanly_when_stopped() -> None:
    """The pool stops its workers with SIGTERM (after the last chunk, or when the parent fails):
    remove the temporary file of a calendar being written, then exit at once. (Not ``sys.exit``:
    unwinding would flush streams whose locks another thread of the parent may have held when it
    forked, and the worker would wait on them for ever.)"""
    import os
    import signal

    from .files import discard_pending

    def stopped(number, frame) -> None:
        discard_pending()
        os._exit(1)

    signal.signal(signal.SIGTERM, stopped)
    try:  # Linux: the worker is sent SIGTERM too when its parent dies (killed, not stopped by the pool)
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # no prctl (macOS): the pool's own SIGTERM still stops it
        pass
    if os.getppid() == 1:  # the parent died before that took hold
        os._exit(1)


def _run(items: list) -> tuple[float, list]:
    """The chunk's results, and the seconds they took."""
    assert _task is not None
    began = perf_counter()
    results = [_task(item) for item in items]
    return perf_counter() - began, results


class Pace:
    """The next chunk's size from what the chunks so far held, weighed and took: ``TARGET`` bytes
    at the heaviest rows' bytes a row seen yet (a cohort whose later plans are longer never sends
    hundreds of them at once), ``PACE`` seconds at the rows' average time, 1 to ``MOST`` rows."""

    def __init__(self) -> None:
        self.rows, self.seconds, self.heaviest = 0, 0.0, 0.0

    def next(self, rows: int, weight: int, seconds: float) -> int:
        self.rows, self.seconds = self.rows + rows, self.seconds + seconds
        self.heaviest = max(self.heaviest, weight / max(1, rows))
        by_bytes = int(TARGET / self.heaviest) if self.heaviest > 0 else MOST
        by_time = int(PACE * self.rows / self.seconds) if self.seconds > 0 else MOST
        return max(1, min(MOST, by_bytes, by_time))


def ordered(task: Callable[[Any], Any], items: Iterable, jobs: int, size: Callable[[Any], int] = lambda result: 256) -> Iterator:
    """``task(item)`` for every item, in order, over ``jobs`` worker processes; ``size(result)`` is
    a result's bytes, which sizes the chunks."""
    import multiprocessing

    items = iter(items)
    pending: deque = deque()
    pace, chunk = Pace(), FIRST
    with multiprocessing.Pool(jobs, initializer=_start, initargs=(task,)) as pool:
        def fill() -> None:
            while len(pending) < 2 * jobs and (batch := list(islice(items, chunk))):
                pending.append(pool.apply_async(_run, (batch,)))

        fill()
        while pending:
            seconds, done = pending.popleft().get()
            chunk = pace.next(len(done), sum(size(result) for result in done), seconds)
            fill()  # the workers go on while the parent writes these
            yield from done


def can_write_in_turn() -> bool:
    """Whether workers can write to the parent's output themselves: they must inherit its file
    descriptor, which only a forked process does (elsewhere ``ordered`` sends the bytes back)."""
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


FAILED = -1  # the turn after a write failed: nobody writes again


def _start_in_turn(task: Callable[[Any], Any], turns: tuple) -> None:
    global _task, _turns, _queue
    _task, _turns = task, turns
    _exit_cleanly_when_stopped()
    import queue
    import threading

    _queue = queue.SimpleQueue()
    # the writer starts with SIGTERM (and SIGINT) blocked: they must reach the main thread, which
    # alone runs the handler that exits (delivered to the writer, SIGTERM left the main thread
    # waiting for a task for ever)
    import signal

    mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    threading.Thread(target=_writer, args=(_queue, turns), daemon=True).start()
    signal.pthread_sigmask(signal.SIG_SETMASK, mask)


def _writer(chunks: Any, turns: tuple) -> None:
    """The worker's writer thread: each rendered chunk written when its turn comes (the worker is
    rendering its next chunk meanwhile), the turn passed on, or a failure recorded for the parent."""
    write, _, _, turn, ready, failure, wake = turns
    while True:
        index, pieces, whole = chunks.get()
        with ready:
            ready.wait_for(lambda mine=2 * index: turn.value in (mine, FAILED))
            if turn.value == FAILED:
                continue
        try:
            problem = write(pieces)
        except Exception as exc:  # (``write`` says why it could not write; anything else must not hang the parent)
            problem = f"cannot write the output: {exc}"
        with ready:
            if problem is not None:
                failure.value = problem.encode("utf-8")[: len(failure) - 1]  # (a path is at most 4 KB)
                turn.value = FAILED
            else:  # the parent writes a chunk's rest (from its first bad row) at turn 2k + 1
                turn.value = 2 * index + (2 if whole else 1)
            ready.notify_all()
        os.write(wake, b".")  # one byte a chunk: the parent reads it before it re-reads the turn


def _run_in_turn(index: int, items: list) -> tuple[int, int, list, float]:
    """Chunk ``index``'s results, rendered here; their payloads (up to the first result that has
    none) go to this worker's writer thread, which writes them when the turn comes."""
    assert _task is not None and _turns is not None
    _, payload, stamp, *_ = _turns
    began = perf_counter()
    results = [_task(item) for item in items]
    seconds = perf_counter() - began
    pieces = []
    for result in results:
        piece = payload(result)
        if piece is None:
            break
        pieces.append(piece)
    done = len(pieces)
    # one write for the chunk: the writer thread needs the GIL back from this thread (rendering on)
    # after every system call, and holds the turn meanwhile
    _queue.put((index, [b"".join(pieces)] if pieces else [], done == len(results)))
    return done, sum(map(len, pieces)), [stamp(result) for result in results[:done]] + results[done:], seconds


def in_turn(task: Callable[[Any], Any], items: Iterable, jobs: int, write: Callable[[list[bytes]], str | None],
            payload: Callable[[Any], bytes | None], stamp: Callable[[Any], Any], size: Callable[[Any], int] = lambda result: 256) -> Iterator:
    """Like ``ordered``, but forked workers write their results themselves, in order, taking turns.

    Chunk k's worker renders it and hands the ``payload`` bytes of its results to its writer
    thread, which waits until chunks before k are written, calls ``write`` and passes the turn on;
    the worker renders its next chunk meanwhile, and the parent gets ``stamp(result)`` (a small
    summary) for those rows once they are written. From a result with no payload on (a bad row),
    the chunk's results go back whole, the parent writes them (through the same ``write``) and
    passes the turn on when it is asked for the next result, so ``--strict`` stops before anything
    after the bad row is written. ``write`` returns None, or why the output could not be written
    (raised here).
    """
    import multiprocessing

    context = multiprocessing.get_context("fork")
    turn, ready, failure = context.RawValue("q", 0), context.Condition(), context.RawArray("c", 16384)
    # The parent never waits on ``ready``: SIGTERM or Ctrl-C raised inside a multiprocessing
    # Condition's wait leaves its lock half taken (a traceback instead of "Aborted!"). It reads the
    # byte chunk k's writer puts in a pipe once chunk k is written (or failed) instead: one byte a
    # chunk, read in chunk order, so the pipe never holds more than one.
    woken, wake = os.pipe()
    try:
        yield from _in_turn(context, task, items, jobs, (write, payload, stamp, turn, ready, failure, wake), woken, size)
    finally:
        os.close(woken)
        os.close(wake)


def _in_turn(context: Any, task: Callable[[Any], Any], items: Iterable, jobs: int, turns: tuple, woken: int,
             size: Callable[[Any], int]) -> Iterator:
    from .errors import InputError

    _, _, _, turn, ready, failure, _ = turns
    items = iter(items)
    pending: deque = deque()
    sent, pace, chunk = 0, Pace(), FIRST
    with context.Pool(jobs, initializer=_start_in_turn, initargs=(task, turns)) as pool:
        def fill() -> None:
            nonlocal sent
            while len(pending) < 2 * jobs and (batch := list(islice(items, chunk))):
                pending.append((sent, pool.apply_async(_run_in_turn, (sent, batch))))
                sent += 1

        fill()
        while pending:
            index, job = pending.popleft()
            done, written, results, seconds = job.get()
            chunk = pace.next(len(results), written + sum(size(result) for result in results[done:]), seconds)
            fill()
            os.read(woken, 1)  # chunk k's rows are in the output (or failed) before the parent hears of them
            while not (turn.value > 2 * index or turn.value == FAILED):  # (never: the byte comes after the turn)
                os.read(woken, 1)
            if turn.value == FAILED:
                raise InputError("--output", failure.value.decode("utf-8", "ignore"))
            yield from results
            if done < len(results):  # the parent has written the rest: the next chunk's turn
                with ready:
                    turn.value = 2 * index + 2
                    ready.notify_all()


def roomy_heap() -> None:
    """Let glibc's heap keep what a row frees for the next row, instead of handing it back.

    A two-year plan's JSON line is some 772 KB; by default glibc maps each such block anew and
    unmaps it when freed (or trims its heap back), so every row faults its pages in again: a third
    of ``--jobs 1``'s time went to the kernel. Blocks under 32 MB now come from the heap, and the
    heap keeps up to 64 MB free at its top (the bound on what this costs). Elsewhere: nothing.
    """
    import sys

    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    m_trim_threshold, m_mmap_threshold = -1, -3  # glibc's malloc.h
    mallopt(m_mmap_threshold, 32 << 20)
    mallopt(m_trim_threshold, 64 << 20)
