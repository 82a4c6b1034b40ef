"""What alerts cost (part of `make bench`; `make bench-100k` at 100,000): an index of the
generated corpus but its last ``--new`` articles, ``--searches`` saved searches (the
benchmark's keyword queries), then the new articles arriving and one incremental reindex
(:func:`searchapp.watch.update`), whose report times the reindex and the alerts apart.

The working folder holds hard links to the corpus's files (copies where the file system
has none), so the corpus itself is never changed. The first index is built by a child
process (``searchapp reindex --full``), as in speed.py; the incremental reindex runs in
process, ``--repeat`` times (the new files taken out and the index brought back in between),
and the best run counts.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.corpus import corpus_files, generate
from benchmarks.speed import build_queries, run_child
from searchapp.search import Filters
from searchapp.watch import SavedSearches, update


def _place(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def measure(size: int, new: int, searches: int, repeat: int, seed: int, work: Path) -> dict:
    corpus = generate(size, seed, Path("data/bench"), Path("data"))
    files = corpus_files(corpus)
    old, arriving = files[:-new], files[-new:]
    queries = build_queries(files, seed)["keywords"][:searches]
    folder, index = work / "articles", work / "index"
    for path in old:
        _place(path, folder / path.relative_to(corpus.folder))
    command = [sys.executable, "-m", "searchapp.cli", "reindex", "--full"]
    first = run_child([*command, "--seeds", str(folder), "--index", str(index)]).seconds
    with SavedSearches(index) as store:
        for number, text in enumerate(queries):
            store.add(f"search-{number}", text, Filters())
    snapshot = work / "index-before"
    shutil.copytree(index, snapshot)
    runs = []
    for _ in range(repeat):
        for path in arriving:
            _place(path, folder / path.relative_to(corpus.folder))
        result = update(folder, index)
        runs.append(
            {
                "reindex_s": round(result.reindex.seconds, 3),
                "alerts_s": round(result.alerts.seconds, 3),
                "checked": result.alerts.checked,
                "new_matches": sum(result.alerts.new.values()),
            }
        )
        for path in arriving:  # back to the index before the arrival
            (folder / path.relative_to(corpus.folder)).unlink()
        shutil.rmtree(index)
        shutil.copytree(snapshot, index)
    best = min(runs, key=lambda run: run["reindex_s"] + run["alerts_s"])
    return {
        "articles": size,
        "new": new,
        "saved_searches": len(queries),
        "first_reindex_s": round(first, 1),
        "runs": runs,
        "best": best,
        "alerts_share": round(best["alerts_s"] / best["reindex_s"], 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--new", type=int, default=1_000, help="articles arriving")
    parser.add_argument("--searches", type=int, default=20, help="saved searches")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", type=Path, default=Path("data/bench"), help="where to build")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=args.work, prefix="alerts-") as work:
        result: dict[str, Any] = measure(
            args.size, args.new, args.searches, args.repeat, args.seed, Path(work)
        )
    best = result["best"]
    print(
        f"Alerts at {result['articles']:,} articles: {result['saved_searches']} saved searches "
        f"over {best['checked']:,} new articles took {best['alerts_s']:.2f} s "
        f"({best['new_matches']:,} new matches), the incremental reindex "
        f"{best['reindex_s']:.2f} s: "
        f"{100 * result['alerts_share']:.1f}% of it (budget 10%)"
    )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
