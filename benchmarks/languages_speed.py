"""What languages cost (part of `make bench`): a full reindex of the generated corpus of
English news sentences with every article taken as English (``SEARCHAPP_LANGUAGE=en``: no
detection, today's analysis) and with each article's language detected and its words
analysed by it, in one run; then the keyword searches' latency with the query analysed in
every language of the index and across scripts, and without (the rewrite turned off).

The reindexes run as child processes (``searchapp reindex --full``), as in speed.py,
alternately without and with detection, ``--repeat`` times each, the best of each counting;
the searches run in process on one engine, every query once as a warm-up in each mode, then
ROUNDS timed passes in which each query is searched without and with, in turns (which comes
first alternating), so that drift and the machine's other load fall on both alike.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from functools import partial
from pathlib import Path
from typing import Any

from benchmarks.corpus import add_corpus_options, corpus_files, generate
from benchmarks.speed import ROUNDS, alternately, build_queries, quantiles, run_child
from searchapp.search import parsing
from searchapp.text.analysed import LANGUAGE_ENV


def reindex(corpus_dir: Path, index_dir: Path, detect: bool) -> float:
    command = [sys.executable, "-m", "searchapp.cli", "reindex", "--full"]
    command += ["--seeds", str(corpus_dir), "--index", str(index_dir)]
    saved = os.environ.pop(LANGUAGE_ENV, None)
    if not detect:
        os.environ[LANGUAGE_ENV] = "en"
    try:
        return run_child(command).seconds
    finally:
        os.environ.pop(LANGUAGE_ENV, None)
        if saved is not None:
            os.environ[LANGUAGE_ENV] = saved


@contextmanager
def _without_languages() -> Iterator[None]:
    """The query as it was before languages: no per-language stems, no transliteration."""
    saved = parsing.in_every_language, parsing.transliterate
    parsing.in_every_language = lambda q, text, keys: q
    parsing.transliterate = lambda *args: None
    try:
        yield
    finally:
        parsing.in_every_language, parsing.transliterate = saved


def keyword_latency(index_dir: Path, queries: list[str]) -> dict[str, Any]:
    """The keyword searches' quantiles without and with the query in every language, each
    query timed both ways in turn on one engine, and the index's languages."""
    from searchapp.search import SearchEngine

    engine = SearchEngine(index_dir)
    samples: dict[bool, list[float]] = {False: [], True: []}

    def timed(text: str, languages: bool) -> float:
        engine.forget_queries()
        with nullcontext() if languages else _without_languages():
            started = time.perf_counter()
            engine.search(text)
            return (time.perf_counter() - started) * 1000

    try:
        for text in queries:
            timed(text, False)
            timed(text, True)
        for round_ in range(ROUNDS):
            for number, text in enumerate(queries):
                first = (round_ + number) % 2 == 1
                for languages in (first, not first):
                    samples[languages].append(timed(text, languages))
        return {
            "index_languages": sorted(engine.view().languages()),
            "without": quantiles(samples[False]),
            "with": quantiles(samples[True]),
        }
    finally:
        engine.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_corpus_options(parser)
    parser.add_argument("--repeat", type=int, default=2, help="reindexes of each kind")
    parser.add_argument(
        "--queries-only", action="store_true", help="one reindex (detecting), then searches"
    )
    parser.add_argument(
        "--index", type=Path, help="keep the detected index here (and reuse it if it is there)"
    )
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    corpus = generate(args.size, args.seed, args.root, args.data)
    queries = build_queries(corpus_files(corpus), args.seed)["keywords"]
    result: dict[str, Any] = {"articles": args.size}
    with tempfile.TemporaryDirectory(dir=args.work) as work:
        index_dir = args.index or Path(work) / "index"
        english = partial(reindex, corpus.folder, Path(work) / "english", False)
        reused = args.queries_only and args.index is not None and args.index.is_dir()
        offs, ons = (
            ([], [])
            if reused
            else alternately(
                None if args.queries_only else english,
                partial(reindex, corpus.folder, index_dir, True),
                args.repeat,
            )
        )
        if not reused:
            result["reindex_runs_s"] = {"english": offs, "detected": ons}
            result["reindex_detected_s"] = round(min(ons), 1)
        if offs:
            result["reindex_english_s"] = round(min(offs), 1)
            result["languages_share"] = round((min(ons) - min(offs)) / min(offs), 3)
        latency = keyword_latency(index_dir, queries)
        result["index_languages"] = latency["index_languages"]
        result["keywords_without_languages_ms"] = latency["without"]
        result["keywords_with_languages_ms"] = latency["with"]
    print(f"Languages at {args.size:,} articles:")
    if offs:
        print(
            f"  full reindex  all taken as English {result['reindex_english_s']:.1f} s, "
            f"detected and analysed by language {result['reindex_detected_s']:.1f} s "
            f"(+{100 * result['languages_share']:.1f}%; the budget is +20%)"
        )
    print(f"  the index's languages  {', '.join(result['index_languages'])}")
    off_q = result["keywords_without_languages_ms"]
    on_q = result["keywords_with_languages_ms"]
    change = 100 * (on_q["p95"] - off_q["p95"]) / off_q["p95"]
    print(
        f"  keyword search  p50 {off_q['p50']:.1f} -> {on_q['p50']:.1f} ms, "
        f"p95 {off_q['p95']:.1f} -> {on_q['p95']:.1f} ms with the query in every language "
        f"({change:+.1f}% at p95; the budget is +5% at 100,000)"
    )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
