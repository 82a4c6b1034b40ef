"""The speed harness (benchmarks/speed.py): its parts, and one tiny run end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import corpus as bench_corpus
from benchmarks import speed
from searchapp.analysis import STOPWORDS

from .test_bench_corpus import FAKE_ROWS as ROWS


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


def test_tiny_run_end_to_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bench_corpus, "news_rows", lambda data_dir: ROWS)
    monkeypatch.setattr(speed, "ROUNDS", 1)
    monkeypatch.setattr(speed, "QUERIES_PER_KIND", 3)
    out = tmp_path / "speed.json"
    code = speed.main(
        ["--sizes", "30", "--seconds", "0.5", "--clients", "2", "--seed", "3"]
        + ["--root", str(tmp_path / "bench"), "--data", str(tmp_path / "data")]
        + ["--work", str(tmp_path), "--json", str(out)]
    )
    assert code == 0
    [result] = json.loads(out.read_text())
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
