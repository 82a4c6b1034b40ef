"""Crash safety and concurrency, end to end, with real processes and a real served app.

- ``searchapp reindex`` SIGKILLed over and over (after random delays, and at chosen points of
  the commit) while ``searchapp serve`` answers: every answer comes from a whole committed
  index, no process of a killed run is left behind, and the next plain reindex (no lock
  removed by hand) ends with exactly the documents on disk.
- Reindexes alternating between two folder states while client threads search the served app:
  no errors, every answer from one state.

The random delays come from a seed printed by the test (``-s`` shows it); set
``SEARCHAPP_CRASH_SEED`` to repeat a run's choices (the timing of a loaded machine still varies).
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from contextlib import closing
from dataclasses import dataclass, field
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import urlencode

import psutil
from whoosh.filedb.filestore import FileStorage

from searchapp.engines.whoosh.storage import open_index
from searchapp.engines.workers import PARALLEL_MIN_BYTES
from searchapp.ingest.catalog import CATALOG_FILE
from searchapp.web import create_app
from tests.conftest import serve_in_thread
from tests.system.served import free_port, searchapp_command

# Every document holds this word (added and changed ones several times, so that they rank
# first): its total is the number of documents, its top hits show the latest revisions.
MARK = "zebulon"
SYLLABLES = "ka lo mi ne ru ta vo shi ber dan gol pra sto vik zel mur pon tek".split()
# Marks the processes of the reindexes a test starts, inherited by their fork server and
# workers, so that leftovers are found among the machine's other processes.
RUN_TOKEN_ENV = "SEARCHAPP_TEST_RUN_TOKEN"
WAIT_S = 60  # the most any single reindex, request or shutdown may take before the test fails

# Runs `python -c REINDEX MIN_BYTES KILL_AT NTH reindex ...`: the real command, with workers
# from MIN_BYTES of text to read (the test's corpus is a quarter of the 4 MB that a real run needs,
# so that a run takes 1-3 s, not 5-10 s, on a loaded 2-core machine: full runs still use workers,
# incremental ones not), and unless KILL_AT is "-", SIGKILLed by itself at the NTH call of
# KILL_AT ("module:attribute"), to hit moments too short for a random delay.
REINDEX = """
import importlib, os, signal, sys
import searchapp.engines.workers
searchapp.engines.workers.PARALLEL_MIN_BYTES = int(sys.argv.pop(1))
target, nth = sys.argv.pop(1), int(sys.argv.pop(1))
if target != "-":
    module, _, attribute = target.partition(":")
    owner = importlib.import_module(module)
    *parents, name = attribute.split(".")
    for parent in parents:
        owner = getattr(owner, parent)
    real, calls = getattr(owner, name), []

    def kill_at_nth_call(*args, **kwargs):
        calls.append(1)
        if len(calls) == nth:
            os.kill(os.getpid(), signal.SIGKILL)
        return real(*args, **kwargs)

    setattr(owner, name, kill_at_nth_call)
from searchapp.cli import main
main()
"""
WORKER_MIN_BYTES = 800_000
# (target, call, full run, what the moment is)
KILL_POINTS = [
    ("searchapp.engines.whoosh.writer:_Workers.finish", 1, True, "workers still writing"),
    ("searchapp.engines.whoosh.writer:_commit", 1, False, "vocabulary committed, index not"),
    ("whoosh.index:clean_files", 2, False, "index TOC renamed, old segments not yet deleted"),
    (
        "searchapp.engines.whoosh.writer:mark_current",
        1,
        False,
        "index committed, version and catalog not",
    ),
    ("searchapp.ingest.catalog:Catalog.commit", 1, False, "index committed, catalog not"),
]


# -- the folder -------------------------------------------------------------------------------


class Folder:
    """A seeds folder of plain-text articles and what the index should hold for it: each
    file's id (its name) and title (which changes with every revision of the file)."""

    def __init__(self, root: Path, rng: random.Random, body_chars: int) -> None:
        self.root, self.rng, self.body_chars = root, rng, body_chars
        self.titles: dict[str, str] = {}
        self.revisions: dict[str, int] = {}
        self.next_number = 0
        root.mkdir(parents=True, exist_ok=True)

    def _word(self) -> str:
        return "".join(self.rng.choice(SYLLABLES) for _ in range(self.rng.randint(2, 4)))

    def write(self, doc_id: str, marks: int = 1) -> None:
        revision = self.revisions.get(doc_id, 0) + 1
        title = f"Report {doc_id} revision {revision}"
        sentences, size = [], 0
        while size < self.body_chars:
            words = " ".join(self._word() for _ in range(self.rng.randint(8, 16)))
            sentences.append(f"{words.capitalize()}.")
            size += len(sentences[-1]) + 1
        body = " ".join(sentences)
        (self.root / f"{doc_id}.txt").write_text(f"{title}\n\n{body} {' '.join([MARK] * marks)}\n")
        self.titles[doc_id], self.revisions[doc_id] = title, revision

    def add(self, count: int, marks: int = 1) -> None:
        for _ in range(count):
            self.write(f"doc{self.next_number:05d}", marks)
            self.next_number += 1

    def change(self, count: int, marks: int = 1) -> None:
        for doc_id in self.rng.sample(sorted(self.titles), count):
            self.write(doc_id, marks)

    def remove(self, count: int) -> None:
        for doc_id in self.rng.sample(sorted(self.titles), count):
            (self.root / f"{doc_id}.txt").unlink()
            del self.titles[doc_id]

    def state(self) -> dict[str, str]:
        return dict(self.titles)

    def size(self) -> int:
        return sum(path.stat().st_size for path in self.root.iterdir())


def consistent(answer: dict, states: list[dict[str, str]]) -> bool:
    """Whether a search answer for MARK comes from one of ``states``: its total is that
    state's number of documents (unless the search ran out of time) and each hit is one of the
    state's documents with the state's title."""
    hits = [(hit["id"], hit["title"]) for hit in answer["results"]]
    return any(
        (answer["timed_out"] or answer["total"] == len(state))
        and all(state.get(doc_id) == title for doc_id, title in hits)
        for state in states
    )


# -- processes --------------------------------------------------------------------------------


def environment(token: str | None = None) -> dict[str, str]:
    env = dict(os.environ, SEARCHAPP_RATE_LIMIT="off")
    if token:
        env[RUN_TOKEN_ENV] = token
    return env


def marked_processes(token: str) -> list[psutil.Process]:
    """Live processes carrying ``token`` in their environment (a run's fork server, resource
    tracker and workers inherit it)."""
    found = []
    for process in psutil.process_iter():
        try:
            if process.environ().get(RUN_TOKEN_ENV) == token and process.status() != "zombie":
                found.append(process)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return found


def wait_until_gone(token: str, timeout: float) -> list[psutil.Process]:
    """The processes still carrying ``token`` after up to ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while (left := marked_processes(token)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


def end_processes(processes: list[psutil.Process]) -> None:
    """SIGKILL these processes (a failed test's leftovers, started by the test)."""
    for process in processes:
        try:
            process.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(processes, timeout=WAIT_S)


def get_json(port: int, path: str, **params: object) -> tuple[int, dict]:
    connection = HTTPConnection("127.0.0.1", port, timeout=WAIT_S)
    try:
        connection.request("GET", f"{path}?{urlencode(params)}" if params else path)
        response = connection.getresponse()
        body = response.read()
        return response.status, json.loads(body) if body else {}
    finally:
        connection.close()


def wait_for_server(port: int, server: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + WAIT_S
    while True:
        try:
            if get_json(port, "/api/health")[0] == 200:
                return
        except OSError:
            pass
        assert server is None or server.poll() is None, "the server exited"
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.1)


@dataclass
class Poller:
    """A thread searching MARK on the server until stopped, keeping every answer and error."""

    port: int
    answers: list[dict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        while not self.stop.wait(0.05):  # leaves the reindexes most of the machine
            try:
                status, answer = get_json(self.port, "/api/search", q=MARK, per_page=50)
            except Exception as exc:  # any failure fails the test
                self.errors.append(repr(exc))
                continue
            if status == 200:
                self.answers.append(answer)
            else:
                self.errors.append(f"{status}: {answer}")


# -- the index on disk ------------------------------------------------------------------------


def generation(index_dir: Path) -> int:
    """The latest committed generation of the index (-1: none yet)."""
    names = os.listdir(index_dir) if index_dir.is_dir() else []
    tocs = [re.fullmatch(r"_MAIN_(\d+)\.toc", name) for name in names]
    return max((int(match.group(1)) for match in tocs if match), default=-1)


def catalog_generation(index_dir: Path) -> int | None:
    """The index generation the catalog was last committed with (opening it rolls back the
    transaction of a killed run, as the next reindex would)."""
    with closing(sqlite3.connect(index_dir / CATALOG_FILE)) as db:
        row = db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
    return int(row[0]) if row else None


def indexed(index_dir: Path) -> list[tuple[str, str]]:
    """Each indexed document's id and title (a list: a document indexed twice shows)."""
    with open_index(index_dir).searcher() as searcher:
        return sorted((f["id"], f["title"]) for f in searcher.all_stored_fields())


def lock_is_free(index_dir: Path) -> bool:
    """Whether a reindex could take the index's write lock now (an flock, which the kernel
    releases with the last descriptor of the process holding it)."""
    lock = FileStorage(str(index_dir)).lock("MAIN_WRITELOCK")
    if not lock.acquire():
        return False
    lock.release()
    return True


def leftover_files(index_dir: Path) -> list[str]:
    """Files of segments that the latest table of contents does not list, a writer's temporary
    folder, a catalog transaction's journal."""
    live = {segment.segment_id() for segment in open_index(index_dir)._segments()}
    names = [(re.match(r"(MAIN_[0-9a-z]+)\.", name), name) for name in os.listdir(index_dir)]
    return sorted(
        name
        for match, name in names
        if (match and match.group(1) not in live) or name in ("MAIN.tmp", f"{CATALOG_FILE}-journal")
    )


# -- SIGKILL ----------------------------------------------------------------------------------


@dataclass
class Kill:
    full: bool
    point: tuple[str, int, bool, str] | None  # a KILL_POINTS entry, or None: a random delay
    delay: float = 0.0
    outcome: str = ""

    def __str__(self) -> str:
        kind = "full" if self.full else "incremental"
        when = f"at {self.point[0]}" if self.point else f"after {self.delay:.2f} s"
        return f"({kind}) killed {when}: {self.outcome}"


def kill_plan(rng: random.Random, random_kills: int) -> list[Kill]:
    """The runs: every KILL_POINTS moment once, and random delays in full (worker) and
    incremental (in-process) runs, in a seeded order."""
    plan = [Kill(full=point[2], point=point) for point in KILL_POINTS]
    for number in range(random_kills):
        full = number % 3 == 0
        # A full run takes 1-3 s here, an incremental one under 1 s (0.4 s of it start-up).
        plan.append(Kill(full, None, rng.uniform(0.2, 2.0) if full else rng.uniform(0.1, 0.9)))
    rng.shuffle(plan)
    return plan


def run_and_kill(kill: Kill, seeds: Path, index_dir: Path, token: str, log: Path) -> None:
    """One reindex, SIGKILLed at its kill point or after its delay; says what it hit."""
    args = ["reindex", "--seeds", str(seeds), "--index", str(index_dir)]
    args += ["--full"] if kill.full else []
    target, nth = kill.point[:2] if kill.point else ("-", 0)
    command = [sys.executable, "-c", REINDEX, str(WORKER_MIN_BYTES), target, str(nth), *args]
    before = generation(index_dir)
    with log.open("ab") as output:
        process = subprocess.Popen(
            command, env=environment(token), stdout=output, stderr=subprocess.STDOUT
        )
    workers = 0
    if kill.point is None:
        try:
            process.wait(timeout=kill.delay)
        except subprocess.TimeoutExpired:
            try:  # the fork server's children, if any
                workers = sum(
                    "forkserver" in " ".join(child.cmdline())
                    for child in psutil.Process(process.pid).children(recursive=True)
                )
            except psutil.Error:
                pass
            process.send_signal(signal.SIGKILL)
    returncode = process.wait(timeout=WAIT_S)
    assert returncode in (0, -signal.SIGKILL), f"reindex failed: see {log}"
    after = generation(index_dir)
    if returncode == 0:
        kill.outcome = "finished before the kill"
    elif kill.point is not None:
        kill.outcome = kill.point[3]
    elif after == before:
        kill.outcome = "before the index commit" + (
            f" ({workers - 1} workers running)" if workers > 1 else ""
        )
    elif catalog_generation(index_dir) != after:
        kill.outcome = "between the index commit and the catalog's"
    else:
        kill.outcome = "after both commits"


def test_sigkilled_reindexes_never_break_the_served_index(tmp_path: Path) -> None:
    seed = int(os.environ.get("SEARCHAPP_CRASH_SEED", random.randrange(2**32)))
    print(f"\nSEARCHAPP_CRASH_SEED={seed}")
    rng = random.Random(seed)
    started = time.monotonic()
    seeds, index_dir, log = tmp_path / "seeds", tmp_path / "index", tmp_path / "reindex.log"
    server_log = tmp_path / "server.log"
    folder = Folder(seeds, rng, body_chars=2500)
    folder.add(420)
    # Full runs write in worker processes, incremental ones in-process.
    assert folder.size() > WORKER_MIN_BYTES * 1.2 and PARALLEL_MIN_BYTES > WORKER_MIN_BYTES
    token = uuid.uuid4().hex
    build = Kill(full=True, point=None, delay=WAIT_S)
    run_and_kill(build, seeds, index_dir, token, log)
    assert build.outcome == "finished before the kill"
    states = [folder.state()]

    port = free_port()
    with server_log.open("wb") as server_output:
        server = subprocess.Popen(
            [*searchapp_command(), "serve", "--port", str(port), "--threads", "4"]
            + ["--index", str(index_dir), "--seeds", str(seeds)],
            env=environment(),
            stdout=subprocess.DEVNULL,
            stderr=server_output,
        )
    poller = Poller(port)
    polling = threading.Thread(target=poller.run)
    plan = kill_plan(rng, random_kills=10)
    try:
        wait_for_server(port, server)
        polling.start()
        for number, kill in enumerate(plan):
            # Changes between runs: some files added, changed and removed, the new revisions
            # ranked first by MARK.
            folder.add(rng.randint(3, 15), marks=6)
            folder.change(rng.randint(3, 15), marks=6)
            folder.remove(rng.randint(3, 12))
            states.append(folder.state())
            run_and_kill(kill, seeds, index_dir, token, log)
            left = wait_until_gone(token, timeout=10)
            assert not left, f"run {number} left processes behind: {left}"
            assert lock_is_free(index_dir)  # nothing to remove by hand
            print(f"{time.monotonic() - started:5.1f} s: run {number:2} {kill}")

        folder.add(5, marks=6)
        folder.remove(5)
        states.append(folder.state())
        final = subprocess.run(
            [*searchapp_command(), "reindex", "--seeds", str(seeds), "--index", str(index_dir)],
            env=environment(token),
            capture_output=True,
            timeout=WAIT_S,
        )
        assert final.returncode == 0, final.stderr.decode()
        print(f"{time.monotonic() - started:5.1f} s: {final.stdout.decode().strip()}")
        assert wait_until_gone(token, timeout=10) == []
        status, last = get_json(port, "/api/search", q=MARK, per_page=100)
        assert status == 200 and consistent(last, [folder.state()])
    finally:
        poller.stop.set()
        if polling.is_alive():
            polling.join(timeout=WAIT_S)
        server.terminate()
        try:
            server.wait(timeout=WAIT_S)
        finally:
            end_processes(marked_processes(token))

    assert poller.errors == [], server_log.read_text()
    assert len(poller.answers) > len(plan)
    wrong = [a for a in poller.answers if not consistent(a, states)]
    assert wrong == [], f"{len(wrong)} answers from no committed state, e.g. {wrong[0]}"
    assert indexed(index_dir) == sorted(folder.state().items())  # exactly the files on disk
    assert leftover_files(index_dir) == []  # a killed run's files went with the next commit


# -- concurrent searches ----------------------------------------------------------------------


def test_concurrent_searches_during_reindexes_see_one_whole_state(tmp_path: Path) -> None:
    rng = random.Random(6)
    seeds, index_dir = tmp_path / "seeds", tmp_path / "index"
    folder = Folder(seeds, rng, body_chars=1500)
    folder.add(150)
    state_a = folder.state()
    paths_a = {path.name: path.read_bytes() for path in seeds.iterdir()}
    # State B: some files gone, some new, some rewritten, all ranked first by MARK.
    folder.remove(20)
    folder.add(30, marks=6)
    folder.change(20, marks=6)
    state_b = folder.state()
    paths_b = {path.name: path.read_bytes() for path in seeds.iterdir()}
    assert len(state_a) != len(state_b)

    def switch_to(paths: dict[str, bytes]) -> None:
        """Make the folder hold ``paths``, leaving alike files untouched."""
        for path in seeds.iterdir():
            if path.name not in paths:
                path.unlink()
            elif path.read_bytes() != paths[path.name]:
                path.write_bytes(paths[path.name])
        for name, data in paths.items():
            if not (seeds / name).exists():
                (seeds / name).write_bytes(data)

    command = [*searchapp_command(), "reindex", "--seeds", str(seeds), "--index", str(index_dir)]
    switch_to(paths_a)
    subprocess.run(command, env=environment(), check=True, timeout=WAIT_S, capture_output=True)

    app = create_app({"INDEX_DIR": index_dir, "SEEDS_DIR": seeds, "RATE_LIMIT": "off"})
    reindexes = 0
    reindex_errors: list[str] = []
    stop = threading.Event()

    def reindex_loop() -> None:
        nonlocal reindexes
        while not stop.is_set():
            switch_to(paths_b if reindexes % 2 == 0 else paths_a)
            # Every third run rebuilds: all the old segments' files go at its commit.
            full = ["--full"] if reindexes % 3 == 2 else []
            done = subprocess.run(
                command + full, env=environment(), timeout=WAIT_S, capture_output=True
            )
            if done.returncode != 0:
                reindex_errors.append(done.stderr.decode())
                return
            reindexes += 1

    answers: list[dict] = []
    errors: list[str] = []

    def client(number: int) -> None:
        params = [
            {"q": MARK, "per_page": 50},
            {"q": MARK, "per_page": 20, "sort": "newest"},
            {"q": f"{MARK} revision", "per_page": 10, "page": 2},
        ][number % 3]
        while not stop.wait(0.03):  # many requests, but the reindexes get on too
            try:
                status, answer = get_json(port, "/api/search", **params)
            except Exception as exc:  # any failure fails the test
                errors.append(repr(exc))
                continue
            if status != 200:
                errors.append(f"{status}: {answer}")
            elif params["q"] == MARK:
                answers.append(answer)

    reindexing = threading.Thread(target=reindex_loop)
    clients = [threading.Thread(target=client, args=(n,)) for n in range(6)]
    started = time.monotonic()
    with serve_in_thread(app, threads=6) as port:
        try:
            wait_for_server(port)
            reindexing.start()
            for thread in clients:
                thread.start()
            while (reindexes < 6 or len(answers) < 200) and not reindex_errors:
                took = time.monotonic() - started
                assert took < 120, f"{reindexes} reindexes, {len(answers)} answers in {took:.0f} s"
                time.sleep(0.1)
        finally:
            stop.set()
            for thread in [reindexing, *clients]:
                if thread.is_alive():
                    thread.join(timeout=WAIT_S)
    app.extensions["searchapp"].close()

    print(f"\n{reindexes} reindexes, {len(answers)} answers, {time.monotonic() - started:.1f} s")
    assert reindex_errors == []
    assert errors == []
    wrong = [a for a in answers if not consistent(a, [state_a, state_b])]
    assert wrong == [], f"{len(wrong)} of {len(answers)} answers mix states, e.g. {wrong[0]}"
    # Both states were served: the searches did run while the index changed.
    assert {len(state_a), len(state_b)} <= {a["total"] for a in answers}
