"""How a watched folder takes a burst of files: how many reindexes it gives, and how long until
every file is searchable.

A :class:`~searchapp.watch.folder.FolderWatcher` with its real debounce times (1 s quiet,
10 s at most) watches a temporary folder already holding ``--existing`` articles; then
``--files`` articles of real news sentences (:mod:`benchmarks.corpus`) are written into it,
as fast as possible or at ``--rate`` files a second. Measured: the time to write them, the
reindexes they gave (and the articles and seconds of each), and the time from the first file
written to the last one searchable (polled every 20 ms through
:class:`~searchapp.search.SearchEngine`, a new view of the newest generation each time).

Usage: ``python -m benchmarks.watch_burst [--files 1000] [--existing 0] [--rate 0]
[--data data] [--json data/bench/watch-burst.json]``
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
from pathlib import Path

from benchmarks.corpus import build_pool, make_article
from benchmarks.indexing import news_rows
from searchapp.config import EngineConfig
from searchapp.search import SearchEngine
from searchapp.watch import Update
from searchapp.watch.folder import MAX_DELAY_S, QUIET_S, FolderWatcher

SEED = 7
POLL_S = 0.02
TIMEOUT_S = 600.0


def run(files: int, existing: int, rate: float, data_dir: Path) -> dict:
    pool = build_pool(news_rows(data_dir))
    engine = EngineConfig.load()
    with tempfile.TemporaryDirectory(prefix="watch-burst-") as tmp:
        seeds, index = Path(tmp, "seeds"), Path(tmp, "index")
        seeds.mkdir()
        for number in range(existing):
            _write(seeds, *make_article(pool, SEED, number))
        updates: list[tuple[float, Update]] = []
        errors: list[str] = []
        changed = threading.Event()

        def on_update(updated: Update) -> None:
            updates.append((time.perf_counter(), updated))
            changed.set()

        watcher = FolderWatcher(
            seeds, index, engine=engine, on_update=on_update, on_error=errors.append
        )
        with watcher:
            while not updates:  # the initial reindex
                changed.wait(1.0)
            initial = updates[0][1].reindex.seconds
            articles = [make_article(pool, SEED, existing + n) for n in range(files)]
            started = time.perf_counter()
            for n, (relpath, text) in enumerate(articles):
                if rate:
                    time.sleep(max(0.0, started + n / rate - time.perf_counter()))
                _write(seeds, relpath, text)
            written = time.perf_counter() - started
            searcher = SearchEngine(index, config=engine)
            try:
                while searcher.document_count() < existing + files:
                    assert time.perf_counter() - started < TIMEOUT_S, "never all searchable"
                    time.sleep(POLL_S)
                searchable = time.perf_counter() - started
                # The last file written, found by a search of its headline's words.
                last = articles[-1][1].split("\n", 1)[0]
                assert searcher.search(last, per_page=100).total >= 1
            finally:
                searcher.close()
        bursts = [u for t, u in updates[1:]]
    return {
        "files": files,
        "existing": existing,
        "rate": rate or None,
        "quiet_s": QUIET_S,
        "max_delay_s": MAX_DELAY_S,
        "initial_reindex_s": round(initial, 3),
        "write_s": round(written, 3),
        "reindexes": len(bursts),
        "added": [u.reindex.added for u in bursts],
        "reindex_s": [round(u.reindex.seconds, 3) for u in bursts],
        "all_searchable_s": round(searchable, 3),
        "errors": errors,
    }


def _write(seeds: Path, relpath: str, text: str) -> None:
    path = seeds / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=1000, help="files in the burst")
    parser.add_argument("--existing", type=int, default=0, help="articles already indexed")
    parser.add_argument("--rate", type=float, default=0.0, help="files a second (0: at once)")
    parser.add_argument("--data", type=Path, default=Path("data"), help="the news CSV's cache")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    figures = run(args.files, args.existing, args.rate, args.data)
    print(
        f"{figures['files']} files ({figures['existing']} already indexed, written in "
        f"{figures['write_s']:.2f} s{f' at {args.rate:g}/s' if args.rate else ''}): "
        f"{figures['reindexes']} reindex{'es' if figures['reindexes'] != 1 else ''} "
        f"(articles {figures['added']}, {figures['reindex_s']} s), all searchable "
        f"{figures['all_searchable_s']:.2f} s after the first was written"
    )
    if figures["errors"]:
        print("errors:", *figures["errors"], sep="\n  ")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
