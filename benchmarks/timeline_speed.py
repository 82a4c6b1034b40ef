"""What the timeline of hits costs (part of `make bench`, and of `make bench-100k`): the
keyword searches' latency with the month facet and its histogram (as shipped) and without
them, on the served engine and through the app's JSON API and results page.

"Without" counts every other facet but not the day column the month facet is made of, so the
histogram is empty: the page draws no chart and the API's histogram has no months. "With" is
the app as it is: the month facet counted over every hit, the histogram built with its gaps
filled, and then written as JSON or drawn as the page's SVG. The two are measured in pairs,
each query once without and once with (in alternating order), the caches of feedback terms
and suggestions forgotten before every search, after one warm-up pass of each, so drift on a
busy machine falls on both alike; the figures are p50 and p95 of each, and the median of the
paired differences. The histogram's own work (building it from the month facet, laying out
and drawing the chart, its JSON) is also timed alone per query, and for a synthetic twenty
years of months.

The index is built with `searchapp reindex --full` in a child process unless ``--index``
names one already built from the same corpus.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from benchmarks.corpus import add_corpus_options, corpus_files, generate
from benchmarks.speed import build_queries, quantiles, run_child
from searchapp.engines.whoosh import vectorized
from searchapp.search.timeline import histogram
from searchapp.web import create_app
from searchapp.web.timeline import chart

ROUNDS = 5  # timed passes over the query set, each query once without and once with
BUDGET_MS = 5.0  # the issue's: at most 5 ms more at p95, at 100,000 articles


@contextmanager
def months_counted(on: bool) -> Iterator[None]:
    """The month facet counted (as shipped) or not: without the day column the engine's
    month facet is empty, so is the histogram, and the page draws no chart."""
    original = vectorized.facet_counts

    def without_days(searcher, ids, columns, keywords, lists=()):
        counted = original(searcher, ids, tuple(c for c in columns if c != "day"), keywords, lists)
        return {**counted, "day": {}}

    if not on:
        vectorized.facet_counts = without_days
    try:
        yield
    finally:
        vectorized.facet_counts = original


def paired(
    run: Callable[[str], None], forget: Callable[[], None], queries: list[str], rounds: int
) -> dict[str, Any]:
    """``run`` over ``queries`` without and with the month facet, in pairs (see above)."""
    for on in (False, True):
        with months_counted(on):
            for text in queries:
                run(text)
    samples: dict[bool, list[float]] = {False: [], True: []}
    differences = []
    for round_number in range(rounds):
        for number, text in enumerate(queries):
            order = (False, True) if (round_number + number) % 2 == 0 else (True, False)
            took = {}
            for on in order:
                with months_counted(on):
                    forget()
                    started = time.perf_counter()
                    run(text)
                    took[on] = (time.perf_counter() - started) * 1000
                samples[on].append(took[on])
            differences.append(took[True] - took[False])
    without, with_ = quantiles(samples[False]), quantiles(samples[True])
    return {
        "without_ms": without,
        "with_ms": with_,
        "p95_added_ms": with_["p95"] - without["p95"],
        "median_paired_added_ms": statistics.median(differences),
    }


def histogram_alone(app, month_facets: list[dict[str, int]]) -> dict[str, Any]:
    """The histogram's own work per search: built from the month facet, laid out, drawn as
    the page's SVG (the macro), and written as JSON."""
    macro = app.jinja_env.get_template("_timeline.html").module.timeline
    samples: dict[str, list[float]] = {"build": [], "draw": [], "json": []}
    with app.test_request_context("/search?q=x"):
        search_url = app.jinja_env.globals["search_url"]
        for _ in range(ROUNDS):
            for months in month_facets:
                started = time.perf_counter()
                built = histogram(months)
                built_at = time.perf_counter()
                macro(built, search_url(**{"from": None, "to": None}))
                drawn_at = time.perf_counter()
                json.dumps(built.to_dict())
                done = time.perf_counter()
                samples["build"].append((built_at - started) * 1000)
                samples["draw"].append((drawn_at - built_at) * 1000)
                samples["json"].append((done - drawn_at) * 1000)
    return {name: quantiles(values) for name, values in samples.items()}


def twenty_years(app) -> dict[str, float]:
    """The same work for 240 months, every one with hits (the most bars a chart can have
    over twenty years)."""
    months = {f"{2000 + i // 12:04d}-{i % 12 + 1:02d}": 1 + i % 17 for i in range(240)}
    months[""] = 12
    result = histogram_alone(app, [months])
    result["bars"] = len(chart(histogram(months)).bars)
    return result


def month_facet(page) -> dict[str, int]:
    months = {m.month: m.count for m in page.histogram.months if m.count}
    if page.histogram.undated:
        months[""] = page.histogram.undated
    return months


def measure(index_dir: Path, queries: list[str], rounds: int) -> dict[str, Any]:
    app = create_app({"TESTING": True, "INDEX_DIR": index_dir, "RATE_LIMIT": "off"})
    engine = app.extensions["searchapp"]
    client = app.test_client()

    def search(text: str) -> None:
        engine.search(text)

    def api(text: str) -> None:
        response = client.get("/api/search", query_string={"q": text})
        assert response.status_code == 200, response.get_data(as_text=True)

    def page(text: str) -> None:
        response = client.get("/search", query_string={"q": text})
        assert response.status_code == 200, response.get_data(as_text=True)

    try:
        pages = [engine.search(text) for text in queries]
        result: dict[str, Any] = {
            "months_per_search": statistics.median(len(p.histogram.months) for p in pages),
            "hits_per_search": statistics.median(p.total for p in pages),
            "search": paired(search, engine.forget_queries, queries, rounds),
            "api": paired(api, engine.forget_queries, queries, rounds),
            "page": paired(page, engine.forget_queries, queries, rounds),
            "histogram_alone_ms": histogram_alone(app, [month_facet(p) for p in pages]),
            "twenty_years_alone_ms": twenty_years(app),
        }
    finally:
        engine.close()
    return result


def report(result: dict[str, Any]) -> str:
    lines = [
        f"Timeline at {result['articles']:,} articles "
        f"(median {result['hits_per_search']:,.0f} hits and {result['months_per_search']:.0f} "
        "months per keyword search):"
    ]
    for name, label in (
        ("search", "keyword search"),
        ("api", "GET /api/search"),
        ("page", "GET /search (page)"),
    ):
        r = result[name]
        lines.append(
            f"  {label:20} p50 {r['without_ms']['p50']:.1f} -> {r['with_ms']['p50']:.1f} ms, "
            f"p95 {r['without_ms']['p95']:.1f} -> {r['with_ms']['p95']:.1f} ms "
            f"(+{r['p95_added_ms']:.2f} ms at p95, median pair +{r['median_paired_added_ms']:.2f}"
            f" ms; the budget is +{BUDGET_MS:.0f} ms at 100,000)"
        )
    for key, label in (
        ("histogram_alone_ms", "per search"),
        ("twenty_years_alone_ms", "240 months"),
    ):
        alone = result[key]
        lines.append(
            f"  histogram alone, {label:10} build p95 {alone['build']['p95']:.3f} ms, "
            f"SVG {alone['draw']['p95']:.3f} ms, JSON {alone['json']['p95']:.3f} ms"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_corpus_options(parser, work="where the index is built")
    parser.add_argument("--index", type=Path, default=None, help="an index of the corpus")
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    corpus = generate(args.size, args.seed, args.root, args.data)
    queries = build_queries(corpus_files(corpus), args.seed)["keywords"]
    with tempfile.TemporaryDirectory(dir=args.work) as work:
        index_dir = args.index
        result: dict[str, Any] = {"articles": args.size}
        if index_dir is None:
            index_dir = Path(work) / "index"
            command = [sys.executable, "-m", "searchapp.cli", "reindex", "--full"]
            command += ["--seeds", str(corpus.folder), "--index", str(index_dir)]
            result["reindex_s"] = round(run_child(command).seconds, 1)
        result.update(measure(index_dir, queries, args.rounds))
    print(report(result))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
