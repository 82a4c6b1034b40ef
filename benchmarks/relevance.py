"""Ranking quality on classic IR test collections, next to plain Whoosh.

Reads the Cranfield, CISI and Medline collections (SMART format, see the README beside them),
indexes each once with ``searchapp`` and once with a plain Whoosh schema (``StemmingAnalyzer``,
``BM25F``, OR-ed fields), runs every judged query as a user would type it, and reports
nDCG@10, MAP (AP over the top 100), P@10 and R@100 computed by ``ir-measures``.

Usage::

    python benchmarks/relevance.py --collections ../shared/ircollections
        [--only cran,cisi,med] [--max-queries N] [--configs baseline,or_bonus,and_fallback]
        [--bonus 0.5,1,2] [--title-boost 1,2,3] [--json out.json]

``--bonus`` runs or_bonus once per ``ALL_WORDS_BONUS`` value, ``--title-boost`` runs each of
our modes once per title boost (``FIELD_BOOSTS["title"]``).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from whoosh import fields, index, scoring
from whoosh.analysis import StemmingAnalyzer
from whoosh.qparser import MultifieldParser, OrGroup

from searchapp import schema as searchapp_schema
from searchapp import search as searchapp_search
from searchapp.corpus import Skipped
from searchapp.errors import QueryError
from searchapp.indexer import reindex
from searchapp.search import SearchEngine

DEPTH = 100  # documents retrieved per query: MAP and R@100 are computed over these
MEASURE_NAMES = ("nDCG@10", "MAP", "P@10", "R@100")
OUR_MODES = ("or_bonus", "and_fallback")
CONFIG_NAMES = ("baseline", *OUR_MODES)

Qrels = dict[str, dict[str, int]]  # query id -> document id -> relevance (> 0 only)


# -- SMART records ---------------------------------------------------------------------------

# A tag line: ".I 12", ".W", ".T " (CISI leaves a trailing space). Text lines never match,
# because a tag is one capital letter followed by nothing but whitespace or the record number.
_TAG = re.compile(r"^\.([A-Z])(?:\s+(\S*))?\s*$")


@dataclass(frozen=True, slots=True)
class SmartRecord:
    """One ``.I`` record: its number as written and the text of each tag (lines kept)."""

    number: str
    fields: dict[str, str]

    def get(self, tag: str) -> str:
        return self.fields.get(tag, "")


@dataclass(frozen=True, slots=True)
class Document:
    id: str
    title: str  # one line, may be empty (Medline has none)
    text: str

    def file_text(self) -> str:
        """The document as a searchapp source file: ``TITLE``, a blank line, ``TEXT``.

        The title loses its final full stop (Cranfield's end in " ."), or searchapp would
        take the first paragraph for a sentence and make a title of its own.
        """
        title = self.title.rstrip(" .")
        return "\n\n".join(part for part in (title, self.text) if part) + "\n"


@dataclass(frozen=True, slots=True)
class Query:
    id: str  # the id the judgments use
    number: str  # the .I number as written in the query file
    text: str  # one line, as a user would paste it


def read_smart(path: Path) -> list[SmartRecord]:
    """The records of a SMART file, in file order.

    A tag already seen in the same record is taken for a stray line of text and continues the
    current field: Cranfield 240, 576 and 578 have ``.A``, ``.B``, ``.W`` lines inside their
    abstracts, and CISI repeats ``.A`` once per author.
    """
    records: list[SmartRecord] = []
    number: str | None = None
    lines: dict[str, list[str]] = {}
    current: list[str] | None = None

    def flush() -> None:
        if number is not None:
            fields = {tag: "\n".join(text).strip("\n") for tag, text in lines.items()}
            records.append(SmartRecord(number, fields))

    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        line = line.rstrip()
        match = _TAG.match(line)
        if match and match.group(1) == "I":
            flush()
            number, lines, current = match.group(2) or "", {}, None
        elif match:
            if match.group(1) not in lines and number is not None:
                current = lines.setdefault(match.group(1), [])
            # else a stray tag line inside a field: dropped, and the field goes on
        elif current is not None:
            current.append(line)
    flush()
    return records


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _number(text: str) -> str:
    """A document or query number as the judgments write it ("001" -> "1")."""
    return str(int(text))


def read_documents(path: Path) -> list[Document]:
    """Documents with their ``.T`` title and ``.W`` text; authors and references are left out."""
    return [
        Document(_number(r.number), _one_line(r.get("T")), r.get("W").strip())
        for r in read_smart(path)
    ]


def read_queries(path: Path, *, by_position: bool = False) -> list[Query]:
    """Queries with their ``.W`` text on one line.

    ``by_position``: the judgments number the queries 1, 2, 3… in file order whatever their
    ``.I`` (Cranfield's run 001, 002, 004, 008…).
    """
    return [
        Query(str(position) if by_position else _number(r.number), r.number, _one_line(r.get("W")))
        for position, r in enumerate(read_smart(path), start=1)
    ]


def _read_qrels(path: Path, parse_line: Callable[[list[str]], tuple[str, str, int]]) -> Qrels:
    qrels: Qrels = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            query_id, doc_id, relevance = parse_line(line.split())
            if relevance > 0:  # CISI lists some pairs twice: keep the highest grade
                judged = qrels.setdefault(_number(query_id), {})
                doc_id = _number(doc_id)
                judged[doc_id] = max(relevance, judged.get(doc_id, 0))
    return qrels


def read_cran_qrels(path: Path) -> Qrels:
    """``query doc code``: codes 1 (complete answer) … 4 (minimal interest) are relevant and
    graded 4 … 1 for nDCG; -1 (no interest) is not relevant."""
    return _read_qrels(path, lambda f: (f[0], f[1], 5 - int(f[2]) if int(f[2]) > 0 else 0))


def read_cisi_qrels(path: Path) -> Qrels:
    """``query doc 0 0.000000``: every listed pair is relevant."""
    return _read_qrels(path, lambda f: (f[0], f[1], 1))


def read_med_qrels(path: Path) -> Qrels:
    """``query 0 doc 1``."""
    return _read_qrels(path, lambda f: (f[0], f[2], int(f[3])))


# -- collections -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CollectionSpec:
    name: str
    documents: str  # paths relative to the collections folder
    queries: str
    qrels: str
    read_qrels: Callable[[Path], Qrels]
    queries_by_position: bool = False


COLLECTIONS = {
    spec.name: spec
    for spec in (
        CollectionSpec(
            "cran",
            "cran/cran.all.1400",
            "cran/cran.qry",
            "cran/cranqrel",
            read_cran_qrels,
            queries_by_position=True,
        ),
        CollectionSpec("cisi", "cisi/CISI.ALL", "cisi/CISI.QRY", "cisi/CISI.REL", read_cisi_qrels),
        CollectionSpec("med", "med/MED.ALL", "med/MED.QRY", "med/MED.REL", read_med_qrels),
    )
}


@dataclass(slots=True)
class Collection:
    name: str
    documents: list[Document]
    queries: list[Query]  # judged queries only, in file order
    qrels: Qrels  # for those queries only
    unjudged: list[Query]  # left out of every average
    unknown_docs: int  # judgments naming a document the collection does not have


def load_collection(root: Path, spec: CollectionSpec, max_queries: int | None = None) -> Collection:
    """Documents, judged queries (the first ``max_queries`` of them) and their judgments."""
    documents = read_documents(root / spec.documents)
    queries = read_queries(root / spec.queries, by_position=spec.queries_by_position)
    qrels = spec.read_qrels(root / spec.qrels)
    judged = [q for q in queries if qrels.get(q.id)]
    unjudged = [q for q in queries if not qrels.get(q.id)]
    if max_queries is not None:
        judged = judged[:max_queries]
    doc_ids = {d.id for d in documents}
    kept = {q.id: qrels[q.id] for q in judged}
    unknown = sum(1 for docs in kept.values() for doc_id in docs if doc_id not in doc_ids)
    return Collection(spec.name, documents, judged, kept, unjudged, unknown)


# -- configurations --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Config:
    mode: str  # "baseline" or one of our operators
    bonus: float | None = None  # ALL_WORDS_BONUS for this run (None: the module's value)
    title_boost: float | None = None  # FIELD_BOOSTS["title"] for this run

    @property
    def label(self) -> str:
        parts = [self.mode]
        if self.bonus is not None:
            parts.append(f"b={self.bonus:g}")
        if self.title_boost is not None:
            parts.append(f"t={self.title_boost:g}")
        return " ".join(parts)


def expand_configs(
    modes: Sequence[str], bonuses: Sequence[float] = (), title_boosts: Sequence[float] = ()
) -> list[Config]:
    """One configuration per mode and experiment value (the bonus only matters to or_bonus)."""
    configs = []
    for mode in modes:
        if mode == "baseline":
            configs.append(Config(mode))
            continue
        for title_boost in title_boosts or [None]:
            for bonus in (bonuses if mode == "or_bonus" else ()) or [None]:
                configs.append(Config(mode, bonus, title_boost))
    return configs


@contextmanager
def patched(config: Config) -> Iterator[None]:
    """Our ranking knobs set for one run and restored after it."""
    saved_bonus = searchapp_search.ALL_WORDS_BONUS
    saved_boosts = dict(searchapp_schema.FIELD_BOOSTS)
    try:
        if config.bonus is not None:
            searchapp_search.ALL_WORDS_BONUS = config.bonus
        if config.title_boost is not None:
            # Changed in place: searchapp.search holds the same dict under its own name.
            searchapp_schema.FIELD_BOOSTS["title"] = config.title_boost
        yield
    finally:
        searchapp_search.ALL_WORDS_BONUS = saved_bonus
        searchapp_schema.FIELD_BOOSTS.clear()
        searchapp_schema.FIELD_BOOSTS.update(saved_boosts)


# -- indexing and running --------------------------------------------------------------------


def build_our_index(documents: Sequence[Document], root: Path) -> tuple[Path, list[Skipped]]:
    """Write the documents as ``<id>.txt`` files and reindex them; the index and any skips."""
    seeds = root / "docs"
    seeds.mkdir(parents=True)
    for doc in documents:
        (seeds / f"{doc.id}.txt").write_text(doc.file_text(), encoding="utf-8")
    skipped: list[Skipped] = []
    reindex(seeds, root / "index", full=True, on_skip=skipped.append)
    return root / "index", skipped


def _baseline_schema() -> fields.Schema:
    return fields.Schema(
        id=fields.ID(stored=True, unique=True),
        title=fields.TEXT(analyzer=StemmingAnalyzer()),
        body=fields.TEXT(analyzer=StemmingAnalyzer()),
    )


def build_baseline_index(documents: Sequence[Document], index_dir: Path) -> Path:
    index_dir.mkdir(parents=True)
    writer = index.create_in(str(index_dir), _baseline_schema()).writer()
    for doc in documents:
        writer.add_document(id=doc.id, title=doc.title, body=doc.text)
    writer.commit()
    return index_dir


@dataclass(slots=True)
class Run:
    rankings: dict[str, list[str]] = field(default_factory=dict)  # query id -> doc ids, best first
    query_errors: dict[str, str] = field(default_factory=dict)  # QueryError: counted as no hits
    crashes: dict[str, str] = field(default_factory=dict)  # any other exception: a bug
    seconds: float = 0.0


def run_baseline(index_dir: Path, queries: Sequence[Query]) -> Run:
    run = Run()
    started = time.perf_counter()
    ix = index.open_dir(str(index_dir))
    parser = MultifieldParser(["title", "body"], ix.schema, group=OrGroup)
    with ix.searcher(weighting=scoring.BM25F()) as searcher:
        for q in queries:
            hits = searcher.search(parser.parse(q.text), limit=DEPTH)
            run.rankings[q.id] = [hit["id"] for hit in hits]
    run.seconds = time.perf_counter() - started
    return run


def run_ours(index_dir: Path, queries: Sequence[Query], config: Config) -> Run:
    run = Run()
    started = time.perf_counter()
    with patched(config):
        engine = SearchEngine(index_dir, operator=config.mode)
        try:
            for q in queries:
                try:
                    ranked = engine.ranked(q.text, limit=DEPTH)
                except QueryError as exc:
                    run.query_errors[q.id] = exc.message
                    ranked = []
                except Exception as exc:  # a bug in our engine: recorded and reported
                    run.crashes[q.id] = f"{type(exc).__name__}: {exc}"
                    ranked = []
                run.rankings[q.id] = [doc_id for doc_id, _score in ranked]
        finally:
            engine.close()
    run.seconds = time.perf_counter() - started
    return run


# -- metrics ---------------------------------------------------------------------------------


def evaluate(qrels: Qrels, rankings: dict[str, list[str]]) -> dict[str, dict[str, float]]:
    """Per judged query: each of :data:`MEASURE_NAMES`; a query with no hits scores 0."""
    # Imported here so the collection readers (and their tests) work without ir-measures.
    import ir_measures
    from ir_measures import AP, P, Qrel, R, ScoredDoc, nDCG

    measures = {nDCG @ 10: "nDCG@10", AP @ DEPTH: "MAP", P @ 10: "P@10", R @ DEPTH: "R@100"}
    qrel_list = [Qrel(q, d, rel) for q, docs in qrels.items() for d, rel in docs.items()]
    # trec_eval orders by score and breaks ties by document id: scores from the rank keep
    # exactly the order our engine returned.
    run_list = [
        ScoredDoc(q, doc_id, float(DEPTH - rank))
        for q, doc_ids in rankings.items()
        if q in qrels
        for rank, doc_id in enumerate(doc_ids[:DEPTH])
    ]
    per_query = {q: dict.fromkeys(MEASURE_NAMES, 0.0) for q in qrels}
    for metric in ir_measures.iter_calc(list(measures), qrel_list, run_list):
        per_query[metric.query_id][measures[metric.measure]] = float(metric.value)
    return per_query


def mean(per_query: dict[str, dict[str, float]]) -> dict[str, float]:
    n = len(per_query) or 1
    return {m: sum(v[m] for v in per_query.values()) / n for m in MEASURE_NAMES}


# -- the whole evaluation --------------------------------------------------------------------


@dataclass(slots=True)
class Row:
    collection: str
    config: str
    queries: int
    means: dict[str, float]
    query_errors: int
    seconds: float


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def evaluate_collection(
    collection: Collection, configs: Sequence[Config], workdir: Path
) -> tuple[list[Row], dict[str, Any]]:
    """Index once per engine, run every configuration; table rows and the JSON report."""
    report: dict[str, Any] = {
        "documents": len(collection.documents),
        "queries": [q.id for q in collection.queries],
        "unjudged_queries": [q.id for q in collection.unjudged],
        "judgments_for_unknown_documents": collection.unknown_docs,
        "configs": {},
    }
    started = time.perf_counter()
    ours_dir, skipped = build_our_index(collection.documents, workdir / "ours")
    report["index_seconds"] = {"ours": time.perf_counter() - started}
    report["skipped_documents"] = [f"{s.path}: {s.reason}" for s in skipped]
    if any(c.mode == "baseline" for c in configs):
        started = time.perf_counter()
        baseline_dir = build_baseline_index(collection.documents, workdir / "baseline")
        report["index_seconds"]["baseline"] = time.perf_counter() - started

    rows = []
    for config in configs:
        _progress(f"{collection.name}: {config.label}")
        if config.mode == "baseline":
            run = run_baseline(baseline_dir, collection.queries)
        else:
            run = run_ours(ours_dir, collection.queries, config)
        per_query = evaluate(collection.qrels, run.rankings)
        means = mean(per_query)
        rows.append(
            Row(
                collection.name,
                config.label,
                len(per_query),
                means,
                len(run.query_errors),
                run.seconds,
            )
        )
        report["configs"][config.label] = {
            "mean": means,
            "per_query": per_query,
            "query_errors": run.query_errors,
            "crashes": run.crashes,
            "seconds": run.seconds,
        }
    return rows, report


def format_table(rows: Sequence[Row]) -> str:
    width = max([len("config"), *(len(r.config) for r in rows)]) + 2
    header = f"{'collection':<12}{'config':<{width}}{'queries':>7}  " + "".join(
        f"{m:<9}" for m in MEASURE_NAMES
    )
    lines = [header + f"{'QueryError':>10}  {'time':>7}"]
    for r in rows:
        metrics = "".join(f"{r.means[m]:<9.4f}" for m in MEASURE_NAMES)
        lines.append(
            f"{r.collection:<12}{r.config:<{width}}{r.queries:>7}  {metrics}"
            f"{r.query_errors:>10}  {r.seconds:>6.1f}s"
        )
    return "\n".join(lines)


def format_notes(reports: dict[str, dict[str, Any]], queries_by: dict[str, dict]) -> list[str]:
    """What the table leaves out: unjudged queries, query errors, crashes, skipped files."""
    notes = []
    for name, report in reports.items():
        unjudged = report["unjudged_queries"]
        seconds = ", ".join(f"{k} {v:.1f} s" for k, v in report["index_seconds"].items())
        notes.append(
            f"{name}: {report['documents']} documents, indexed in {seconds}; "
            f"{len(report['queries'])} judged queries evaluated; {len(unjudged)} left out for "
            f"lack of judgments" + (f" ({', '.join(unjudged)})" if unjudged else "")
        )
        if report["judgments_for_unknown_documents"]:
            notes.append(
                f"  {report['judgments_for_unknown_documents']} judgments name a document "
                "the collection does not have"
            )
        for skip in report["skipped_documents"]:
            notes.append(f"  searchapp skipped {skip}")
        # Configurations usually refuse the same queries: one line per distinct set.
        refused: dict[tuple[tuple[str, str], ...], list[str]] = {}
        for label, result in report["configs"].items():
            if result["query_errors"]:
                refused.setdefault(tuple(result["query_errors"].items()), []).append(label)
        for errors, labels in refused.items():
            notes.append(
                f"  {', '.join(labels)}: {len(errors)} queries raised QueryError (counted as no "
                "hits): " + "; ".join(f"{q}: {msg}" for q, msg in errors)
            )
        for label, result in report["configs"].items():
            for q, msg in result["crashes"].items():
                notes.append(
                    f"  BUG {label}: query {q} raised {msg}; query text: {queries_by[name][q]!r}"
                )
    return notes


def _csv(kind: Callable[[str], Any]) -> Callable[[str], list[Any]]:
    return lambda text: [kind(part.strip()) for part in text.split(",") if part.strip()]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--collections", type=Path, required=True, help="folder holding cran/, cisi/, med/"
    )
    parser.add_argument("--only", type=_csv(str), default=list(COLLECTIONS))
    parser.add_argument(
        "--max-queries", type=int, default=None, help="the first N judged queries of each"
    )
    parser.add_argument("--configs", type=_csv(str), default=list(CONFIG_NAMES))
    parser.add_argument("--bonus", type=_csv(float), default=[], help="ALL_WORDS_BONUS values")
    parser.add_argument("--title-boost", type=_csv(float), default=[], help="title boosts")
    parser.add_argument("--json", type=Path, default=None, help="write every number here")
    args = parser.parse_args(argv)
    for name in args.only:
        if name not in COLLECTIONS:
            parser.error(f"unknown collection {name!r}; known: {', '.join(COLLECTIONS)}")
    for name in args.configs:
        if name not in CONFIG_NAMES:
            parser.error(f"unknown config {name!r}; known: {', '.join(CONFIG_NAMES)}")
    if args.max_queries is not None and args.max_queries < 1:
        parser.error("--max-queries must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the evaluation; 1 when a query crashed our engine (a bug), else 0."""
    args = parse_args(argv)
    started = time.perf_counter()
    configs = expand_configs(args.configs, args.bonus, args.title_boost)
    rows: list[Row] = []
    reports: dict[str, dict[str, Any]] = {}
    queries_by: dict[str, dict[str, str]] = {}
    with tempfile.TemporaryDirectory(prefix="relevance-") as tmp:
        for name in args.only:
            _progress(f"{name}: reading and indexing")
            collection = load_collection(args.collections, COLLECTIONS[name], args.max_queries)
            queries_by[name] = {q.id: q.text for q in collection.queries}
            collection_rows, reports[name] = evaluate_collection(
                collection, configs, Path(tmp) / name
            )
            rows.extend(collection_rows)
    seconds = time.perf_counter() - started

    print(format_table(rows))
    print()
    for note in format_notes(reports, queries_by):
        print(note)
    print(f"total time: {seconds:.1f} s")
    if args.json:
        settings = {
            "depth": DEPTH,
            "all_words_bonus": searchapp_search.ALL_WORDS_BONUS,
            "field_boosts": dict(searchapp_schema.FIELD_BOOSTS),
            "max_queries": args.max_queries,
        }
        payload = {"settings": settings, "seconds": seconds, "collections": reports}
        args.json.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    crashed = any(r["crashes"] for rep in reports.values() for r in rep["configs"].values())
    return 1 if crashed else 0


if __name__ == "__main__":
    sys.exit(main())
