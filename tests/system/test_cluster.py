"""A Xapian cluster of real xapian-tcpsrv servers on loopback, end to end: `searchapp cluster`
and the settings it prints, which `reindex`, `search` and `serve` use unchanged, and its
servers gone when it is killed outright; `reshard` and a reindex after adding a shard; a shard
down as the web app answers it (503 naming it, or a partial answer). Every server is stopped by
PID."""

from __future__ import annotations

import json
import os
import queue
import signal
import socket
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from searchapp.config import EngineConfig
from searchapp.engines.xapian.cluster import start_cluster
from searchapp.engines.xapian.writer import shard_of
from searchapp.errors import EngineUnavailable
from searchapp.reindex import reindex
from searchapp.search import SearchEngine
from searchapp.web import create_app
from tests.conftest import VALID_FIXTURES, needs_program, stored_documents
from tests.system.served import Server, searchapp_command

pytestmark = needs_program("xapian-tcpsrv", "xapian-tools")


def free_ports(count: int) -> int:
    """The first of ``count`` consecutive free ports of 127.0.0.1."""
    for base in range(41_000, 60_000, 97):
        sockets = []
        try:
            for port in range(base, base + count):
                s = socket.socket()
                sockets.append(s)
                s.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for s in sockets:
                s.close()
    raise RuntimeError("no free ports")


def read_settings(process: subprocess.Popen[str], seconds: float = 30) -> tuple[list[int], dict]:
    """The PIDs and `export NAME=value` lines the cluster command prints at start."""
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(
        target=lambda: [lines.put(line) for line in process.stdout], daemon=True
    ).start()
    deadline = time.monotonic() + seconds
    pids: list[int] = []
    settings: dict[str, str] = {}
    while "SEARCHAPP_WRITERS" not in settings:
        try:
            line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise AssertionError(f"no settings printed; so far {pids} {settings}") from None
        if "PIDs [" in line:
            pids = json.loads(line[line.index("[") : line.index("]") + 1])
        if line.startswith("export "):
            name, _, value = line.removeprefix("export ").strip().partition("=")
            settings[name] = value
    return pids, settings


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_cluster_serves_reindex_search_and_serve(tmp_path: Path, corpus_dir: Path, monkeypatch):
    first = free_ports(6)
    command = searchapp_command("cluster", "--folder", str(tmp_path / "shards"))
    process = subprocess.Popen([*command, "--port", str(first)], stdout=subprocess.PIPE, text=True)
    try:
        pids, settings = read_settings(process)
        assert len(pids) == 6 and all(alive(pid) for pid in pids)
        shards = [f"127.0.0.1:{port}" for port in range(first, first + 3)]
        assert settings == {
            "SEARCHAPP_ENGINE": "xapian",
            "SEARCHAPP_SHARDS": ",".join(shards),
            "SEARCHAPP_WRITERS": ",".join(f"127.0.0.1:{p}" for p in range(first + 3, first + 6)),
        }
        for name, value in settings.items():
            monkeypatch.setenv(name, value)
        index_dir = tmp_path / "catalog"
        reindex = [*searchapp_command("reindex"), "--seeds", str(corpus_dir)]
        done = subprocess.run(
            [*reindex, "--index", str(index_dir)], capture_output=True, text=True, check=True
        )
        assert f"Rebuilt the Xapian shards {', '.join(shards)} from" in done.stdout
        assert f"{VALID_FIXTURES} documents" in done.stdout
        # The shards hold the articles; the index folder only the reindex catalog.
        assert not (index_dir / "xapian").exists()
        assert sum(1 for _ in (tmp_path / "shards").glob("shard-*/*.glass")) > 0
        found = subprocess.run(
            [*searchapp_command("search", "spies", "--json"), "--index", str(index_dir)],
            capture_output=True,
            text=True,
            check=True,
        )
        page = json.loads(found.stdout)
        assert page["total"] >= 1 and page["partial"] == []
        with Server(index_dir, corpus_dir, threads=2, log=tmp_path / "serve.log") as server:
            with urllib.request.urlopen(f"{server.url}/api/search?q=spies", timeout=10) as r:
                served = json.load(r)
            with urllib.request.urlopen(f"{server.url}/api/health", timeout=10) as r:
                assert json.load(r)["documents"] == VALID_FIXTURES
        assert [h["id"] for h in served["results"]] == [h["id"] for h in page["results"]]
        assert "serving the Xapian shards" in (tmp_path / "serve.log").read_text()
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    assert not any(alive(pid) for pid in pids)


def running(pid: int) -> bool:
    """Alive and not a zombie: an orphan's new parent (PID 1 here) may never reap it."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat[stat.rindex(")") + 2] not in "ZX"


def test_servers_exit_when_the_cluster_command_is_killed_outright(tmp_path: Path):
    command = searchapp_command("cluster", "--folder", str(tmp_path / "shards"))
    process = subprocess.Popen(
        [*command, "--port", str(free_ports(6))], stdout=subprocess.PIPE, text=True
    )
    pids: list[int] = []
    try:
        pids, _ = read_settings(process)
        assert len(pids) == 6 and all(running(pid) for pid in pids)
        process.kill()  # no handler runs: the servers must go by themselves
        process.wait(timeout=10)
        deadline = time.monotonic() + 10
        while any(running(pid) for pid in pids) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [pid for pid in pids if running(pid)] == []
    finally:
        process.kill()
        process.wait(timeout=10)
        for pid in pids:
            if running(pid):
                os.kill(pid, signal.SIGKILL)


def test_reshard_moves_an_index_to_more_shards(tmp_path: Path, corpus_dir: Path, monkeypatch):
    index_dir = tmp_path / "catalog"
    with start_cluster(tmp_path / "two", 2) as two, start_cluster(tmp_path / "three", 3) as three:
        for name, value in cluster_settings(two).items():
            monkeypatch.setenv(name, value)
        reindex(corpus_dir, index_dir)
        before = [(h.id, h.score) for h in SearchEngine(index_dir).search("russia").hits]
        new = cluster_settings(three)
        done = subprocess.run(
            [
                *searchapp_command("reshard", "--index", str(index_dir)),
                *("--shards", new["SEARCHAPP_SHARDS"], "--writers", new["SEARCHAPP_WRITERS"]),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        assert f"Copied {VALID_FIXTURES} articles into 3 shards" in done.stdout
        assert f"export SEARCHAPP_SHARDS={new['SEARCHAPP_SHARDS']}" in done.stdout
        for name, value in new.items():
            monkeypatch.setenv(name, value)
        engine = SearchEngine(index_dir)
        assert [(h.id, h.score) for h in engine.search("russia").hits] == before
        engine.close()
        # Each article on the shard its id routes to, once.
        for shard, address in enumerate(three.shards):
            only = EngineConfig("xapian", shards=(address,))
            ids = {d["id"] for d in stored_documents(index_dir, only)}
            assert ids and all(shard_of(i, 3) == shard for i in ids)
        # The catalog still describes the index: nothing to redo.
        report = reindex(corpus_dir, index_dir)
        assert not report.full and report.unchanged == VALID_FIXTURES


def cluster_settings(cluster) -> dict[str, str]:
    return {
        "SEARCHAPP_ENGINE": "xapian",
        "SEARCHAPP_SHARDS": ",".join(map(str, cluster.shards)),
        "SEARCHAPP_WRITERS": ",".join(map(str, cluster.writers)),
    }


def test_a_reindex_after_adding_a_shard_rebuilds_and_rebalances(tmp_path: Path, corpus_dir: Path):
    index_dir = tmp_path / "catalog"
    with start_cluster(tmp_path / "shards", 3) as three:
        two = EngineConfig("xapian", shards=three.shards[:2], writers=three.writers[:2])
        reindex(corpus_dir, index_dir, engine=two)
        on_two = {d["id"] for d in stored_documents(index_dir, two)}
        report = reindex(corpus_dir, index_dir, engine=three.config())
        assert report.full  # the shard count changed: every article goes where it now routes
        for shard, address in enumerate(three.shards):
            only = EngineConfig("xapian", shards=(address,))
            ids = [d["id"] for d in stored_documents(index_dir, only)]
            assert ids and all(shard_of(i, 3) == shard for i in ids)
        everything = [d["id"] for d in stored_documents(index_dir, three.config())]
        assert sorted(everything) == sorted(on_two) and len(everything) == VALID_FIXTURES


def test_a_shard_down_is_a_503_naming_it_or_a_partial_answer(tmp_path: Path, corpus_dir: Path):
    index_dir = tmp_path / "catalog"
    with start_cluster(tmp_path / "shards", 3) as cluster:
        reindex(corpus_dir, index_dir, engine=cluster.config())
        apps = {
            partial: create_app(
                {
                    "TESTING": True,
                    "INDEX_DIR": index_dir,
                    "RATE_LIMIT": "off",
                    "ENGINE": {
                        "name": "xapian",
                        "shards": ",".join(map(str, cluster.shards)),
                        "timeout_ms": 500,
                        "connect_timeout_ms": 500,
                        "partial": partial,
                    },
                }
            )
            for partial in (False, True)
        }
        clients = {partial: app.test_client() for partial, app in apps.items()}
        whole = clients[True].get("/api/search?q=russia").get_json()
        assert whole["partial"] == [] and whole["total"] > 0
        cluster.signal_shard(1, signal.SIGKILL)
        down = str(cluster.shards[1])
        started = time.monotonic()
        answer = clients[False].get("/api/search?q=russia")
        assert answer.status_code == 503
        assert down in answer.get_json()["error"]
        page = clients[False].get("/search?q=russia")
        assert page.status_code == 503 and down in page.get_data(as_text=True)
        left = clients[True].get("/api/search?q=russia")
        assert left.status_code == 200 and left.get_json()["partial"] == [down]
        assert 0 < left.get_json()["total"] < whole["total"]
        html = clients[True].get("/search?q=russia").get_data(as_text=True)
        assert f"Part of the index is not answering (shard {down})" in html
        assert time.monotonic() - started < 10  # never a hang
        for app in apps.values():
            app.extensions["searchapp"].close()


def test_a_writer_down_fails_the_reindex_naming_it_and_the_index_keeps_serving(
    tmp_path: Path, corpus_dir: Path
):
    index_dir = tmp_path / "catalog"
    with start_cluster(tmp_path / "shards", 3) as cluster:
        config = cluster.config(timeout_ms=500, connect_timeout_ms=500)
        reindex(corpus_dir, index_dir, engine=config)
        before = stored_documents(index_dir, config)
        (corpus_dir / "new.txt").write_text("A new headline\n\nAbout the GRU and its hackers.")
        writer = [s for s in cluster.servers if s.writable and s.shard == 2][0]
        os.killpg(writer.process.pid, signal.SIGKILL)
        with pytest.raises(EngineUnavailable, match=str(writer.address)):
            reindex(corpus_dir, index_dir, engine=config)
        assert stored_documents(index_dir, config) == before
