"""What entities cost (part of `make bench`; `make bench-entities-100k` for the facets at
100,000): a full reindex of the generated corpus with entity extraction turned off
(``extract = false`` in its entities.toml) and on, in one run, and the keyword searches'
latency with and without the entity facets, on the index that has them.

The reindexes run as child processes (``searchapp reindex --full``), as in speed.py,
alternately without and with entities, ``--repeat`` times each (the best of each counts: a
reindex's time varies by several per cent from run to run); the
searches run in process on the served engine, every query once as a warm-up, then ROUNDS
timed passes. "Without entity facets" counts every other facet but skips the entity field.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from functools import partial
from pathlib import Path
from typing import Any

from benchmarks.corpus import add_corpus_options, corpus_files, generate
from benchmarks.speed import alternately, build_queries, run_child, search_latency
from searchapp.engines.whoosh import vectorized


def reindex(corpus_dir: Path, index_dir: Path, extract: bool) -> float:
    settings = corpus_dir / "entities.toml"
    if extract:
        settings.unlink(missing_ok=True)
    else:
        settings.write_text("extract = false\n", encoding="utf-8")
    try:
        command = [sys.executable, "-m", "searchapp.cli", "reindex", "--full"]
        command += ["--seeds", str(corpus_dir), "--index", str(index_dir)]
        return run_child(command).seconds
    finally:
        settings.unlink(missing_ok=True)


def keyword_latency(index_dir: Path, queries: list[str], entity_facets: bool) -> dict[str, Any]:
    original = vectorized.facet_counts

    def without_entities(searcher, ids, columns, keywords, lists=()):
        return {"entity": {}, **original(searcher, ids, columns, keywords, ())}

    if not entity_facets:
        vectorized.facet_counts = without_entities
    try:
        return search_latency(index_dir, queries)
    finally:
        vectorized.facet_counts = original


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_corpus_options(parser)
    parser.add_argument(
        "--facets-only", action="store_true", help="one reindex (with entities), then searches"
    )
    parser.add_argument("--repeat", type=int, default=2, help="reindexes of each kind")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    corpus = generate(args.size, args.seed, args.root, args.data)
    queries = build_queries(corpus_files(corpus), args.seed)["keywords"]
    result: dict[str, Any] = {"articles": args.size}
    with tempfile.TemporaryDirectory(dir=args.work) as work:
        index_dir = Path(work) / "index"
        without = partial(reindex, corpus.folder, Path(work) / "without", False)
        offs, ons = alternately(
            None if args.facets_only else without,
            partial(reindex, corpus.folder, index_dir, True),
            args.repeat,
        )
        on = min(ons)
        result["reindex_with_entities_s"] = round(on, 1)
        result["reindex_runs_s"] = {"without": offs, "with": ons}
        if not args.facets_only:
            off = min(offs)
            result["reindex_without_entities_s"] = round(off, 1)
        if not args.facets_only:
            result["extraction_share"] = round((on - off) / off, 3)
        result["keywords_without_entity_facets_ms"] = keyword_latency(index_dir, queries, False)
        result["keywords_with_entity_facets_ms"] = keyword_latency(index_dir, queries, True)
    print(f"Entities at {args.size:,} articles:")
    if not args.facets_only:
        print(
            f"  full reindex  without entities {result['reindex_without_entities_s']:.1f} s, "
            f"with {result['reindex_with_entities_s']:.1f} s "
            f"(+{100 * result['extraction_share']:.1f}%; the budget is +25%)"
        )
    off_q = result["keywords_without_entity_facets_ms"]
    on_q = result["keywords_with_entity_facets_ms"]
    print(
        f"  keyword search  p50 {off_q['p50']:.1f} -> {on_q['p50']:.1f} ms, "
        f"p95 {off_q['p95']:.1f} -> {on_q['p95']:.1f} ms with the entity facets "
        f"(+{on_q['p95'] - off_q['p95']:.1f} ms at p95; the budget is +10 ms at 100,000)"
    )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
