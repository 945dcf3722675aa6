"""Work over many items in worker processes, results in the items' order, memory bounded.

Items go to the workers in chunks, at most two chunks per worker in flight: the parent only sends
items and receives each chunk's results (rendered bytes, small summaries), in order. A chunk's
size follows the results' size measured so far (about ``TARGET`` bytes of results each), so a
cohort of ten-year plans sends a row or two at a time and one of small summaries hundreds.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import Any

__all__ = ["TARGET", "ordered", "roomy_heap"]

TARGET = 4 << 20  # bytes of results per chunk: a few chunks in flight stay well under 100 MB
FIRST, MOST = 4, 512  # rows in the first chunk (nothing measured yet) and in any chunk

_task: Callable[[Any], Any] | None = None  # the worker's task, set once when it starts


def _start(task: Callable[[Any], Any]) -> None:
    global _task
    _task = task


def _run(items: list) -> list:
    assert _task is not None
    return [_task(item) for item in items]


def ordered(task: Callable[[Any], Any], items: Iterable, jobs: int, size: Callable[[Any], int] = lambda result: 256) -> Iterator:
    """``task(item)`` for every item, in order, over ``jobs`` worker processes; ``size(result)`` is
    a result's bytes, which sizes the chunks."""
    import multiprocessing

    items = iter(items)
    pending: deque = deque()
    sent = results_seen = bytes_seen = 0
    chunk = FIRST
    with multiprocessing.Pool(jobs, initializer=_start, initargs=(task,)) as pool:
        def fill() -> None:
            nonlocal sent
            while len(pending) < 2 * jobs and (batch := list(islice(items, chunk))):
                pending.append(pool.apply_async(_run, (batch,)))
                sent += len(batch)

        fill()
        while pending:
            done = pending.popleft().get()
            results_seen += len(done)
            bytes_seen += sum(size(result) for result in done)
            chunk = max(1, min(MOST, TARGET * results_seen // max(1, bytes_seen)))
            fill()  # the workers go on while the parent writes these
            yield from done


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
