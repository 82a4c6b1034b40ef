"""Worker processes shared by the engines' writers: how many a run gets, and how each dies
with the reindex that started it."""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os

# Runs reading at least this much text write in worker processes (one per core, at most
# MAX_WORKERS); smaller runs stay in-process, where starting workers would cost more.
PARALLEL_MIN_BYTES = 4_000_000
MAX_WORKERS = 4


def worker_count(nbytes: int) -> int:
    """Worker processes for a run that reads ``nbytes`` of files: one per core (at most
    MAX_WORKERS), or 0 for a small run or a single core, which stays in-process."""
    procs = min(len(os.sched_getaffinity(0)), MAX_WORKERS)
    return procs if procs > 1 and nbytes >= PARALLEL_MIN_BYTES else 0


def exit_with_parent() -> None:
    """Ends this worker as soon as the reindex that started it dies.

    A killed reindex (SIGKILL, OOM) runs no clean-up: its workers would wait on the job queue
    for ever (each holds both ends of its pipes, so they never see end-of-file), and keep the
    fork server and the resource tracker alive with them. The parent's sentinel, a pipe whose
    other end only the parent holds, turns readable when it dies, however it dies."""
    parent = multiprocessing.parent_process()
    if parent is not None:
        multiprocessing.connection.wait([parent.sentinel])
        os._exit(1)  # nothing to clean: the run is lost, the index untouched
