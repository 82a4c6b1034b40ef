"""The speed harness (benchmarks/speed.py): its parts, and one tiny run end to end."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import types
from pathlib import Path

import pytest

from benchmarks import corpus as bench_corpus
from benchmarks import speed
from benchmarks.tests.test_bench_corpus import FAKE_ROWS as ROWS
from searchapp.text.analysis import STOPWORDS


@pytest.fixture
def tiny_corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> bench_corpus.Corpus:
    monkeypatch.setattr(bench_corpus, "news_rows", lambda data_dir: ROWS)
    return bench_corpus.generate(40, 3, tmp_path / "bench", tmp_path / "data")


def test_quantiles_nearest_rank() -> None:
    samples = [float(n) for n in range(1, 101)]  # 1 … 100 ms
    assert speed.quantiles(samples) == {"p50": 50.5, "p95": 95.0, "p99": 99.0}
    assert speed.quantiles([7.0]) == {"p50": 7.0, "p95": 7.0, "p99": 7.0}


def test_queries_are_searchable_text(tiny_corpus: bench_corpus.Corpus) -> None:
    queries = speed.build_queries(bench_corpus.corpus_files(tiny_corpus), seed=3)
    assert set(queries) == set(speed.QUERY_KINDS)
    assert all(len(queries[kind]) == speed.QUERIES_PER_KIND for kind in speed.QUERY_KINDS)
    for text in queries["keywords"]:
        assert 1 <= len(text.split()) <= 3
        assert not set(text.split()) & STOPWORDS
    for text in queries["questions"]:
        assert 10 <= len(text.split()) <= 20
        assert not speed._SYNTAX.search(text)
    for text in queries["phrases"]:
        assert text.startswith('"') and text.endswith('"')
        assert 2 <= len(text.strip('"').split()) <= 3
    # The same seed gives the same queries: runs are comparable.
    assert speed.build_queries(bench_corpus.corpus_files(tiny_corpus), seed=3) == queries


def test_changed_files_are_restored(tiny_corpus: bench_corpus.Corpus) -> None:
    files = bench_corpus.corpus_files(tiny_corpus)
    before = {path: path.read_bytes() for path in files}
    with speed.changed(files, 5, seed=1):
        assert sum(path.read_bytes() != before[path] for path in files) == 5
    assert {path: path.read_bytes() for path in files} == before


def test_child_run_reports_time_and_memory(tmp_path: Path) -> None:
    run = speed.run_child(speed.searchapp_command("--help"))
    assert "reindex" in run.output
    assert run.seconds > 0 and run.peak_rss_mb > 1
    with pytest.raises(RuntimeError, match="failed"):
        speed.run_child(speed.searchapp_command("reindex", "--seeds", str(tmp_path / "none")))


def test_child_run_sums_the_memory_of_the_whole_process_tree() -> None:
    # A child holding ~60 MB whose own child holds ~400 MB, both alive for a second. wait4's
    # figure also counts the memory of the process that forked, so run_child runs in a small
    # process of its own, not in this one (hundreds of MB late in a full test run).
    code = (
        "import subprocess, sys, time; b = bytearray(60 << 20); "
        "p = subprocess.Popen([sys.executable, '-c', "
        "'import time; b = bytearray(400 << 20); time.sleep(1.5)']); "
        "time.sleep(1.5); p.wait()"
    )
    measure = (
        "import dataclasses, json, sys; from benchmarks import speed; "
        "run = speed.run_child([sys.executable, '-c', sys.argv[1]]); "
        "print(json.dumps(dataclasses.asdict(run)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", measure, code], capture_output=True, text=True, check=True
    ).stdout
    run = speed.ChildRun(**json.loads(out))
    assert 400 < run.peak_rss_mb < 455  # wait4: the largest single process
    assert run.peak_tree_mb > 460  # both together


@pytest.mark.skipif(
    not Path("/proc/self/smaps_rollup").exists(), reason="needs Linux's /proc/PID/smaps_rollup"
)
def test_child_run_counts_pages_shared_after_fork_once() -> None:
    # ~150 MB, then a forked copy that only sleeps: RSS would count the pages twice.
    code = (
        "import os, time\nb = bytearray(150 << 20)\npid = os.fork()\n"
        "if pid == 0:\n    time.sleep(1.5)\n    os._exit(0)\n"
        "time.sleep(1.5)\nos.waitpid(pid, 0)\n"
    )
    run = speed.run_child([sys.executable, "-c", code])
    assert 140 < run.peak_tree_mb < 240


@pytest.fixture
def tiny_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whole benchmark runs made small: the fake news rows, one round, three queries a kind."""
    monkeypatch.setattr(bench_corpus, "news_rows", lambda data_dir: ROWS)
    monkeypatch.setattr(speed, "ROUNDS", 1)
    monkeypatch.setattr(speed, "QUERIES_PER_KIND", 3)


def test_tiny_run_end_to_end(tmp_path: Path, tiny_runs: None) -> None:
    out = tmp_path / "speed.json"
    code = speed.main(
        ["--sizes", "30", "--seconds", "0.5", "--clients", "2", "--seed", "3"]
        + ["--root", str(tmp_path / "bench"), "--data", str(tmp_path / "data")]
        + ["--work", str(tmp_path), "--json", str(out), "--rss-queries", "12"]
        + ["--png", str(tmp_path / "latency.png")]
    )
    assert code == 0
    [result] = json.loads(out.read_text())
    memory = result["ours"]["memory"]
    assert memory["queries"] == 12 and memory["errors"] == 0
    if memory["idle_mb"] is not None:  # Linux
        assert 0 < memory["idle_mb"] and memory["growth_mb"] == pytest.approx(
            memory["end_mb"] - memory["start_mb"]
        )
    assert [s["queries"] for s in memory["samples"]] == [0, 2, 4, 6, 8, 10, 12]
    assert_png(tmp_path / "latency.png")
    assert result["articles"] == 30
    ours, baseline = result["ours"], result["baseline"]
    assert ours["docs_per_s"] > 0 and baseline["docs_per_s"] > 0
    for kind in speed.QUERY_KINDS:
        assert 0 < ours["latency_ms"][kind]["p50"] <= ours["latency_ms"][kind]["p99"]
        assert result["ratios"][f"{kind}_p95_latency"] > 0
    assert ours["throughput"]["errors"] == 0 and ours["throughput"]["requests_per_s"] > 0
    # The corpus is back as generated: the next run reuses it.
    again = bench_corpus.generate(30, 3, tmp_path / "bench", tmp_path / "data")
    assert again.bytes == result["corpus_mb"] * 1e6


def test_run_without_the_baseline(
    tmp_path: Path,
    tiny_runs: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(speed, "plain_whoosh_index", None)  # calling it would fail the run
    out = tmp_path / "speed.json"
    code = speed.main(
        ["--sizes", "20", "--seconds", "0.3", "--clients", "1", "--no-baseline"]
        + ["--root", str(tmp_path / "bench"), "--data", str(tmp_path / "data")]
        + ["--work", str(tmp_path), "--json", str(out), "--rss-queries", "0"]
    )
    assert code == 0
    [result] = json.loads(out.read_text())
    assert result["baseline"] == {} and result["ratios"] == {}
    assert result["ours"]["docs_per_s"] > 0
    printed = capsys.readouterr().out
    assert "(no baseline run)" in printed and "p95 ratio" not in printed


# -- server memory, plots, profiles ------------------------------------------------------------

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_rss_is_read_from_proc() -> None:
    mine = speed.rss_mb(os.getpid())
    if not Path("/proc/self/status").exists():
        assert mine is None
        return
    assert mine is not None and mine > 1
    assert speed.rss_mb(2**22 + 12345) is None  # above Linux's largest pid: no such process


class FakeServer:
    """Stands in for speed.Server: answers in process and records what was searched."""

    def __init__(self) -> None:
        self.process = types.SimpleNamespace(pid=os.getpid())
        self.searched: list[str] = []
        self.lock = threading.Lock()

    def search(self, text: str) -> float:
        with self.lock:
            self.searched.append(text)
        if text == "bad":
            raise RuntimeError("HTTP 500")
        return 1.0


def test_memory_is_sampled_at_even_intervals_while_the_queries_cycle() -> None:
    server = FakeServer()
    memory = speed.memory_under_load(server, ["a", "b", "bad"], count=25, clients=2, samples=5)
    assert sorted(server.searched) == sorted(["a", "b", "bad"] * 8 + ["a"])
    assert [s["queries"] for s in memory["samples"]] == [0, 5, 10, 15, 20, 25]
    assert memory["queries"] == 25 and memory["errors"] == 8
    if speed.rss_mb(os.getpid()) is not None:
        rss = [s["rss_mb"] for s in memory["samples"]]
        assert memory["start_mb"] == rss[0] and memory["end_mb"] == rss[-1]
        assert memory["max_mb"] == max(rss)
        assert memory["growth_mb"] == pytest.approx(rss[-1] - rss[0])


def fake_result(articles: int, slower: float) -> dict:
    latency = {kind: {"p50": 10.0 * slower, "p95": 30.0 * slower} for kind in speed.QUERY_KINDS}
    return {
        "articles": articles,
        "ours": {"latency_ms": latency},
        "baseline": {"latency_ms": latency},
    }


def assert_png(path: Path) -> None:
    assert path.read_bytes()[:8] == PNG_SIGNATURE
    from PIL import Image

    with Image.open(path) as image:
        image.verify()
        assert image.size[0] > image.size[1] > 100  # three panels side by side


def test_plot_from_json_results(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first, second = tmp_path / "speed-a.json", tmp_path / "speed-b.json"
    first.write_text(json.dumps([fake_result(10_000, 1), fake_result(100_000, 9)]))
    ours_only = fake_result(1_000_000, 8) | {"baseline": {}}  # a --no-baseline run
    second.write_text(json.dumps([fake_result(100_000, 3), ours_only]))
    # Sizes in order, a later file's figures replacing an earlier one's.
    results = speed.load_results([first, second])
    assert [r["articles"] for r in results] == [10_000, 100_000, 1_000_000]
    assert results[1]["ours"]["latency_ms"]["keywords"]["p50"] == 30.0
    png = tmp_path / "docs" / "latency.png"
    assert speed.main(["--plot", str(first), str(second), "--png", str(png)]) == 0
    assert f"wrote {png}" in capsys.readouterr().out
    assert_png(png)


def test_profile_names_the_hot_functions(
    tmp_path: Path, tiny_runs: None, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "bench"
    code = speed.main(
        ["--profile", "--profile-articles", "20", "--seed", "3", "--root", str(root)]
        + ["--data", str(tmp_path / "data"), "--work", str(tmp_path)]
    )
    assert code == 0
    printed = capsys.readouterr().out
    for part, function in (("reindex", "reindex"), ("search", "search")):
        assert f"{part}: hot spots by own time (20 articles)" in printed
        text = (root / f"profile-{part}.txt").read_text()
        assert function in text
        assert "<html" in (root / f"profile-{part}.html").read_text().lower()
    # Hot spots are listed as "seconds  function  file:line".
    spots = speed.hot_spots((root / "profile-search.txt").read_text())
    assert spots and all(re.match(r"\s*\d+\.\d+\s+\S", line) for line in spots)
