"""Export speed (part of `make bench-100k`): ``/api/search/export`` of every hit of a broad
query over the generated corpus (``benchmarks/corpus.py``), streamed through the WSGI app
in this process as a server thread would stream it, and the process's memory meanwhile.

- rows/s of CSV and JSON Lines exports of a query every article matches (100,000 hits at
  100,000 articles: the issue asks for at least 5,000 rows/s), and of a one-word query,
  whose top hits feedback reorders; the time to the first byte (the search);
- the same broad query with a date filter keeping about a tenth of the hits, to compare:
  memory should not grow with the number of hits exported. For each export the RSS is
  sampled every few milliseconds (growth = highest sample minus the RSS at the start of the
  request) and, in a second pass, tracemalloc's peak of Python allocations above the start.

The index is built by ``searchapp reindex --full`` in a child process (as benchmarks/speed.py
does) unless ``--index`` names one already built from the same corpus.

Usage::

    python -m benchmarks.export_speed [--size 100000] [--seed 1] [--index DIR]
        [--root data/bench] [--data data] [--work DIR] [--json out.json]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path
from typing import Any

from werkzeug.test import EnvironBuilder, run_wsgi_app

from benchmarks.corpus import add_corpus_options, generate
from benchmarks.speed import run_child
from searchapp.web import create_app

# Every generated article has one of these words (all 100,000 of the 100,000-article corpus).
BROAD = (
    "said OR people OR year OR new OR time OR state OR government OR president OR last OR one "
    "OR police OR bank OR news OR told"
)
ONE_WORD = "said"  # 98% of the articles; 1-3 words: its top hits are reordered by feedback
# About a tenth of the corpus's two years of dates.
TENTH = {"from": "2016-01-01", "to": "2016-03-13"}
TARGET_ROWS_PER_S = 5000
SAMPLE_S = 0.005  # RSS sampling interval
_PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024


def rss_kib() -> int:
    """This process's resident set size now."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * _PAGE_KIB


class RssSampler:
    """The highest RSS seen while it runs, sampled every :data:`SAMPLE_S` seconds."""

    def __init__(self) -> None:
        self.start = self.peak = rss_kib()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(SAMPLE_S):
            self.peak = max(self.peak, rss_kib())

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_kib())


def stream(app, query: dict[str, str], on_first_byte=None) -> dict[str, Any]:
    """One export, read to the end as a WSGI server would: rows, bytes, seconds.
    ``on_first_byte`` is called when the first piece arrives (the search is done)."""
    environ = EnvironBuilder(path="/api/search/export", query_string=query).get_environ()
    started = time.perf_counter()
    app_iter, status, headers = run_wsgi_app(app, environ, buffered=False)
    first_byte = None
    size = 0
    try:
        for piece in app_iter:
            if first_byte is None:
                first_byte = time.perf_counter() - started
                if on_first_byte is not None:
                    on_first_byte()
            size += len(piece)
    finally:
        if hasattr(app_iter, "close"):
            app_iter.close()
    seconds = time.perf_counter() - started
    if not status.startswith("200"):
        raise RuntimeError(f"export {query} answered {status}")
    rows = int(headers["X-Total-Count"])
    return {
        "rows": rows,
        "mb": round(size / 1e6, 1),
        "seconds": round(seconds, 2),
        "first_byte_s": round(first_byte or seconds, 3),
        "rows_per_s": round(rows / seconds),
    }


def measure_rss(app, query: dict[str, str]) -> dict[str, Any]:
    """Speed of one export, and how far the process's RSS rose while it ran."""
    gc.collect()
    with RssSampler() as rss:
        result = stream(app, query)
    result["rss_start_mb"] = round(rss.start / 1024, 1)
    result["rss_growth_mb"] = round((rss.peak - rss.start) / 1024, 1)
    return result


def measure_python(app, query: dict[str, str]) -> dict[str, float]:
    """tracemalloc's peaks of Python allocations (numpy's included) above the start: while
    the search ranks the hits (to the first byte), then while the rows stream."""
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        peaks: dict[str, float] = {}

        def searched() -> None:
            peaks["search_peak_mb"] = round((tracemalloc.get_traced_memory()[1] - base) / 1e6, 1)
            tracemalloc.reset_peak()

        stream(app, query, searched)
        peaks["stream_peak_mb"] = round((tracemalloc.get_traced_memory()[1] - base) / 1e6, 1)
        return peaks
    finally:
        tracemalloc.stop()


EXPORTS = {
    "broad, csv": {"q": BROAD, "format": "csv"},
    "broad, jsonl": {"q": BROAD, "format": "jsonl"},
    "one word, csv": {"q": ONE_WORD, "format": "csv"},
    "broad, a tenth, csv": {"q": BROAD, "format": "csv", **TENTH},
}


def run(index_dir: Path) -> dict[str, Any]:
    app = create_app({"INDEX_DIR": index_dir, "RATE_LIMIT": "off"})
    try:
        stream(app, {"q": ONE_WORD, "format": "csv", "from": "2016-01-01", "to": "2016-01-03"})
        results: dict[str, dict[str, Any]] = {}
        # The tenth first and again last: memory that only grows would show there. All the
        # RSS runs first: tracemalloc's own tables would count in the RSS of later ones.
        order = [("broad, a tenth, csv", "broad, a tenth, csv")]
        order += [(f"{n} (again)" if n in dict(order) else n, n) for n in EXPORTS]
        for label, name in order:
            _progress(f"export: {label}")
            results[label] = measure_rss(app, EXPORTS[name])
        for label, name in order:
            _progress(f"export: {label}, with tracemalloc")
            results[label].update(measure_python(app, EXPORTS[name]))
        return {"documents": app.extensions["searchapp"].document_count(), "exports": results}
    finally:
        app.extensions["searchapp"].close()


def format_result(result: dict[str, Any]) -> str:
    lines = [f"{result['documents']} articles: /api/search/export through the WSGI app"]
    for name, r in result["exports"].items():
        lines.append(
            f"  {name:<26} {r['rows']:>7} rows {r['mb']:6.1f} MB in {r['seconds']:6.2f} s: "
            f"{r['rows_per_s']:>6} rows/s (first byte {r['first_byte_s'] * 1000:.0f} ms); "
            f"RSS {r['rss_start_mb']:.0f} MB, growth {r['rss_growth_mb']:+.1f} MB; Python "
            f"peak searching {r['search_peak_mb']:.1f} MB, streaming {r['stream_peak_mb']:.1f} MB"
        )
    big = [r["rows_per_s"] for r in result["exports"].values() if r["rows"] >= 100_000]
    if big:
        slowest = min(big)
        verdict = "meets" if slowest >= TARGET_ROWS_PER_S else "MISSES"
        lines.append(
            f"  slowest export of 100,000+ rows: {slowest} rows/s ({verdict} "
            f"the {TARGET_ROWS_PER_S} rows/s target)"
        )
    return "\n".join(lines)


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    add_corpus_options(parser, size=100_000, work="where the index is built")
    parser.add_argument("--index", type=Path, default=None, help="an index of the corpus")
    parser.add_argument("--json", type=Path, default=None, help="write every number here")
    args = parser.parse_args(argv)
    corpus = generate(args.size, args.seed, args.root, args.data)
    with tempfile.TemporaryDirectory(dir=args.work, prefix="export-") as work:
        index_dir = args.index
        if index_dir is None:
            index_dir = Path(work) / "index"
            _progress(f"{args.size}: full reindex")
            command = [sys.executable, "-m", "searchapp.cli", "reindex", "--full"]
            command += ["--seeds", str(corpus.folder), "--index", str(index_dir)]
            run_child(command)
        result = run(index_dir)
    result["size"] = args.size
    print(format_result(result), flush=True)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
