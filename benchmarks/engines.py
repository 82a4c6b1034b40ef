"""Whoosh against Xapian: indexing throughput and search latency on the same corpus.

For each size it generates (or reuses) the corpus of ``benchmarks/corpus.py`` and, for each
engine setup, runs a full ``reindex`` in process (the same code ``searchapp reindex`` runs)
and times searches through :class:`searchapp.search.SearchEngine` (parsing, ranking, facets,
snippets: what the API answers) for the query sets of ``benchmarks/speed.py``: 1-3 keywords,
10-20 word questions and 2-3 word phrases, p50/p95/p99 over three passes after a warm-up one.

The setups: ``whoosh`` (the default engine), ``xapian`` (one local database) and
``xapian-3`` (three shards served by ``xapian-tcpsrv`` on 127.0.0.1, started and stopped
here). Indexes are built under ``--work`` and deleted after each setup unless ``--keep``.

Usage::

    python -m benchmarks.engines [--sizes 10000,100000] [--setups whoosh,xapian,xapian-3]
        [--seed 1] [--root data/bench] [--work DIR] [--keep] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from benchmarks.corpus import corpus_files, generate
from benchmarks.speed import QUERY_KINDS, build_queries, folder_size, latencies
from searchapp.config import EngineConfig
from searchapp.engines.xapian.cluster import start_cluster
from searchapp.reindex import reindex
from searchapp.search import SearchEngine

SETUPS = ("whoosh", "xapian", "xapian-3")
SHARDS = 3


@contextmanager
def engine_setup(name: str, work: Path) -> Iterator[EngineConfig]:
    """The engine configuration of setup ``name``, with its shard servers running."""
    if name == "xapian-3":
        with start_cluster(work / "shards", SHARDS) as cluster:
            yield cluster.config()
    else:
        yield EngineConfig(name)


def measure(name: str, folder: Path, articles: int, queries: dict[str, list[str]], work: Path):
    """Index ``folder`` with setup ``name`` and time the query set on it."""
    index_dir = work / "index"
    with engine_setup(name, work) as config:
        started = time.perf_counter()
        report = reindex(folder, index_dir, full=True, engine=config, on_skip=lambda _: None)
        seconds = time.perf_counter() - started
        engine = SearchEngine(index_dir, config=config)
        try:

            def search(text: str) -> float:
                began = time.perf_counter()
                engine.search(text)
                return (time.perf_counter() - began) * 1000

            timed = latencies(search, queries)
        finally:
            engine.close()
    return {
        "documents": report.documents,
        "index_s": seconds,
        "docs_per_s": articles / seconds,
        "index_mb": folder_size(work) / 1e6,
        "latency_ms": timed,
    }


def format_result(size: int, results: dict[str, dict[str, Any]]) -> str:
    lines = [f"{size:,} articles", ""]
    header = f"{'setup':10} {'index s':>9} {'docs/s':>8} {'index MB':>9}"
    header += "".join(f" {kind + ' p50/p95 ms':>24}" for kind in QUERY_KINDS)
    lines.append(header)
    for name, r in results.items():
        row = f"{name:10} {r['index_s']:9.1f} {r['docs_per_s']:8.0f} {r['index_mb']:9.0f}"
        for kind in QUERY_KINDS:
            q = r["latency_ms"][kind]
            row += f" {q['p50']:>11.1f} / {q['p95']:<10.1f}"
        lines.append(row)
    return "\n".join(lines)


def _csv(kind):
    return lambda text: [kind(part.strip()) for part in text.split(",") if part.strip()]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--sizes", type=_csv(int), default=[10_000])
    parser.add_argument("--setups", type=_csv(str), default=list(SETUPS))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--root", type=Path, default=Path("data/bench"), help="corpus cache")
    parser.add_argument("--data", type=Path, default=Path("data"), help="news wheel cache")
    parser.add_argument("--work", type=Path, default=None, help="where indexes are built")
    parser.add_argument("--keep", action="store_true", help="keep the indexes built")
    parser.add_argument("--json", type=Path, default=None, help="write every number here")
    args = parser.parse_args(argv)
    for name in args.setups:
        if name not in SETUPS:
            parser.error(f"unknown setup {name!r}; known: {', '.join(SETUPS)}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    report: dict[str, Any] = {}
    work_root = Path(tempfile.mkdtemp(prefix="engines-", dir=args.work))
    try:
        for size in args.sizes:
            corpus = generate(size, args.seed, args.root, args.data)
            queries = build_queries(corpus_files(corpus), args.seed)
            results: dict[str, dict[str, Any]] = {}
            for name in args.setups:
                print(f"[{size:,}] {name}: indexing and searching", file=sys.stderr, flush=True)
                work = work_root / f"{size}-{name}"
                results[name] = measure(name, corpus.folder, size, queries, work)
                if not args.keep:
                    shutil.rmtree(work, ignore_errors=True)
            print(format_result(size, results), flush=True)
            report[str(size)] = {"results": results, "queries": queries}
            if args.json:
                args.json.parent.mkdir(parents=True, exist_ok=True)
                args.json.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    finally:
        if not args.keep:
            shutil.rmtree(work_root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
