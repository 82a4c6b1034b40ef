"""Load test: locust against ``searchapp serve`` on 127.0.0.1, bounded in time.

It starts ``searchapp serve`` on a free port of 127.0.0.1 over an index (by default the
3,824-article news collection that ``make news`` fetches and indexes), with the API rate limit
off, and waits for ``/api/health``. It builds the query set from the articles in the seeds
folder with the speed benchmark's generator (keywords across the frequency range, 10-20 word
questions, quoted phrases; :func:`benchmarks.speed.build_queries`) plus misspelt keywords, sends
one request of each kind untimed (first-use loading), then runs ``benchmarks/locustfile.py``
headless in a subprocess for ``--run-time`` with ``--users`` users (no think time: each sends
its next request when the last is answered). Then it stops the server and prints requests,
failures, requests/s and p50/p95/p99 latency for all searches together, per kind of request,
and for all requests; the percentiles are exact, from a log of every request.

It exits 1 if any request failed (any status but 200) or locust itself failed.

Usage::

    python -m benchmarks.load [--index data/news-index] [--seeds data/news] [--run-time 60s]
        [--users 8] [--threads 8] [--seed 1] [--json data/load.json]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from benchmarks.speed import Server, build_queries, quantiles
from searchapp.errors import CorpusError
from searchapp.ingest.discover import discover
from searchapp.ingest.readers import read_source

LOCUSTFILE = Path(__file__).with_name("locustfile.py")
QUERIES_ENV, LOG_ENV = "SEARCHAPP_LOAD_QUERIES", "SEARCHAPP_LOAD_LOG"  # read by the locustfile
MISSPELLINGS = 20
SEARCH_ROW, TOTAL_ROW = "search (all kinds)", "all requests"
_DURATION = re.compile(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s?)?")


def duration(text: str) -> int:
    """Seconds in a locust-style duration: ``60``, ``60s``, ``2m``, ``1h30m``."""
    match = _DURATION.fullmatch(text.strip())
    if not match or not any(match.groups()):
        raise argparse.ArgumentTypeError(f"not a duration: {text!r} (e.g. 60s, 2m)")
    hours, minutes, seconds = (int(g or 0) for g in match.groups())
    total = hours * 3600 + minutes * 60 + seconds
    if total < 1:
        raise argparse.ArgumentTypeError("the run time must be at least 1 s")
    return total


# -- queries -----------------------------------------------------------------------------------


def article_files(seeds_dir: Path, folder: Path) -> list[Path]:
    """Every article in ``seeds_dir`` (any format searchapp reads), written to ``folder`` as a
    text file laid out as :func:`build_queries` expects: headline, dateline, paragraphs."""
    sources, _ = discover(seeds_dir)
    files = []
    for source in sources:
        try:
            parsed = read_source(source)
        except CorpusError:
            continue  # the reindex skips it too
        for article in parsed.articles if parsed else ():
            path = folder / f"{len(files):06d}.txt"
            day = article.published.isoformat() if article.published else ""
            path.write_text(f"{article.title}\n\n{day}\n\n{article.body}\n", encoding="utf-8")
            files.append(path)
    return files


def misspell(word: str, rng: random.Random) -> str:
    """``word`` with two neighbouring letters after the first swapped ("sanctions" →
    "sacntions"), the kind of typo "Did you mean" is for."""
    i = rng.randrange(1, len(word) - 2)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def write_queries(seeds_dir: Path, path: Path, seed: int) -> dict[str, list[str]]:
    """The load test's query set from the articles in ``seeds_dir``, written to ``path`` as
    JSON: ``keywords``, ``questions`` and ``phrases`` as the speed benchmark makes them, and
    ``misspellings`` of keywords of five letters or more."""
    with tempfile.TemporaryDirectory(prefix="load-queries-") as tmp:
        files = article_files(seeds_dir, Path(tmp))
        if not files:
            raise SystemExit(f"no readable articles in {seeds_dir} to make queries from")
        queries = build_queries(files, seed)
    rng = random.Random(f"misspellings:{seed}")
    words = sorted({w for q in queries["keywords"] for w in q.split() if len(w) >= 5})
    picked = rng.sample(words, min(MISSPELLINGS, len(words)))
    queries["misspellings"] = [misspell(w, rng) for w in picked] or queries["keywords"]
    path.write_text(json.dumps(queries, indent=2) + "\n", encoding="utf-8")
    return queries


# -- the server --------------------------------------------------------------------------------


def _get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.load(response)


@contextmanager
def served(index_dir: Path, seeds_dir: Path, threads: int, log: Path) -> Iterator[tuple[str, int]]:
    """The speed benchmark's :class:`~benchmarks.speed.Server` (127.0.0.1, rate limit off),
    output to ``log``; yields its address and document count once it answers."""
    with Server(index_dir, seeds_dir, threads, log) as server:
        yield server.url, _get_json(f"{server.url}/api/health")["documents"]


def warm_up(url: str, queries: dict[str, list[str]]) -> None:
    """One untimed request of each kind, so that first-use loading is not in the figures."""
    for kind in ("keywords", "questions", "phrases", "misspellings"):
        _get_json(f"{url}/api/search?" + urllib.parse.urlencode({"q": queries[kind][0]}))
    with urllib.request.urlopen(f"{url}/search?q={urllib.parse.quote(queries['keywords'][0])}"):
        pass


# -- locust and its figures --------------------------------------------------------------------


def run_locust(url: str, args: argparse.Namespace, work: Path, queries: Path) -> int:
    """Locust headless against ``url`` in a subprocess; its exit code (output in
    ``work/locust.out``, stats CSVs as ``work/locust_*.csv``, every request in
    ``work/requests.tsv``)."""
    command = [
        sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--host", url,
        "--users", str(args.users), "--spawn-rate", str(args.users),
        "--run-time", f"{args.run_time}s", "--csv", str(work / "locust"), "--only-summary",
    ]  # fmt: skip
    env = {**os.environ, QUERIES_ENV: str(queries), LOG_ENV: str(work / "requests.tsv")}
    with (work / "locust.out").open("wb") as out:
        # Bounded twice: locust's --run-time, and a timeout should it hang.
        done = subprocess.run(
            command, stdout=out, stderr=subprocess.STDOUT, env=env, timeout=args.run_time + 120
        )
    return done.returncode


def figures(samples: Sequence[tuple[float, float, bool]], seconds: float) -> dict[str, Any]:
    """Requests, failures, requests/s and p50/p95/p99 ms of (start, ms, failed) samples."""
    result: dict[str, Any] = {
        "requests": len(samples),
        "failures": sum(failed for _, _, failed in samples),
        "requests_per_s": len(samples) / seconds,
    }
    if samples:
        result.update({f"{k}_ms": v for k, v in quantiles([ms for _, ms, _ in samples]).items()})
    return result


def summarize(log: Path) -> dict[str, Any]:
    """The figures per request name, for all searches and for all requests, from the locust
    file's request log; rates over the time from the first request's start to the last's end."""
    by_name: dict[str, list[tuple[float, float, bool]]] = {}
    if log.exists():
        for line in log.read_text(encoding="utf-8").splitlines():
            name, start, ms, failed = line.split("\t")
            by_name.setdefault(name, []).append((float(start), float(ms), failed == "1"))
    every = [s for samples in by_name.values() for s in samples]
    if not every:
        return {"seconds": 0.0, "requests": {}, "search": figures([], 1), "total": figures([], 1)}
    seconds = max(start + ms / 1000 for start, ms, _ in every) - min(s for s, _, _ in every)
    searches = [s for name in by_name if name.startswith("search") for s in by_name[name]]
    return {
        "seconds": seconds,
        "requests": {name: figures(by_name[name], seconds) for name in sorted(by_name)},
        "search": figures(searches, seconds),
        "total": figures(every, seconds),
    }


def failure_reasons(work: Path) -> list[str]:
    """Locust's own account of failed requests: "name: error (count)"."""
    path = work / "locust_failures.csv"
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as file:
        return [f"{r['Name']}: {r['Error']} ({r['Occurrences']})" for r in csv.DictReader(file)]


def format_report(report: dict[str, Any]) -> str:
    def row(label: str, f: dict[str, Any]) -> str:
        quantile_columns = "".join(f"{f.get(f'{q}_ms', 0):8.1f}" for q in ("p50", "p95", "p99"))
        return (
            f"{label:<22}{f['requests']:>9}{f['failures']:>10}{f['requests_per_s']:>9.1f}"
            f"{quantile_columns}"
        )

    load = ", ".join(f"{x:.2f}" for x in report["load_average_before"])
    lines = [
        f"Load test: {report['users']} users without think time for {report['run_time_s']} s "
        f"against searchapp serve ({report['server_threads']} threads) on 127.0.0.1",
        f"index {report['index']}: {report['documents']} documents; "
        f"{report['cpus']} CPUs, load average before {load}",
        "",
        f"{'request':<22}{'requests':>9}{'failures':>10}{'req/s':>9}"
        f"{'p50':>8}{'p95':>8}{'p99':>8} ms",
        row(SEARCH_ROW, report["search"]),
    ]
    searches = [name for name in report["requests"] if name.startswith("search")]
    others = [name for name in report["requests"] if name not in searches]
    lines += [row(f"  {name}", report["requests"][name]) for name in searches]
    lines += [row(name, report["requests"][name]) for name in others]
    lines.append(row(TOTAL_ROW, report["total"]))
    lines.append(
        f"{report['total']['failures']} failures in {report['total']['requests']} requests over "
        f"{report['seconds']:.1f} s (locust exit code {report['locust_exit_code']})"
    )
    lines += [f"  failed: {reason}" for reason in report["failure_reasons"]]
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--index", type=Path, default=Path("data/news-index"))
    parser.add_argument("--seeds", type=Path, default=Path("data/news"), help="for the queries")
    parser.add_argument("--run-time", type=duration, default=60, help="e.g. 60s, 2m (default 60s)")
    parser.add_argument("--users", type=int, default=8, help="concurrent locust users")
    parser.add_argument("--threads", type=int, default=8, help="the server's waitress threads")
    parser.add_argument("--seed", type=int, default=1, help="for the query set")
    parser.add_argument("--json", type=Path, default=None, help="write the figures here")
    args = parser.parse_args(argv)
    if args.users < 1 or args.threads < 1:
        parser.error("--users and --threads must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if not args.index.is_dir():
        raise SystemExit(f"no index at {args.index} (`make news` builds the news one)")
    with tempfile.TemporaryDirectory(prefix="load-") as tmp:
        work = Path(tmp)
        queries = write_queries(args.seeds, work / "queries.json", args.seed)
        with served(args.index, args.seeds, args.threads, work / "server.log") as (url, documents):
            warm_up(url, queries)
            load_average = os.getloadavg()
            exit_code = run_locust(url, args, work, work / "queries.json")
        report = {
            "users": args.users,
            "run_time_s": args.run_time,
            "server_threads": args.threads,
            "index": str(args.index),
            "documents": documents,
            "cpus": os.cpu_count(),
            "load_average_before": load_average,
            "locust_exit_code": exit_code,
            **summarize(work / "requests.tsv"),
            "failure_reasons": failure_reasons(work),
        }
        print(format_report(report), flush=True)
        if exit_code and not report["total"]["failures"]:  # locust broke, not the server
            print((work / "locust.out").read_text(encoding="utf-8", errors="replace")[-3000:])
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    failed = exit_code or report["total"]["failures"] or not report["search"]["requests"]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
