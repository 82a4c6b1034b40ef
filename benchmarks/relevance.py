"""Ranking quality on classic IR test collections, next to plain Whoosh.

Reads the Cranfield, CISI and Medline collections (SMART format, see the README beside them),
indexes each with ``searchapp`` and with a plain Whoosh schema (``StemmingAnalyzer``, ``BM25F``,
OR-ed fields), runs every judged query twice, as written (a 10-20 word question) and cut to
its three most specific words (a keyword search), and reports nDCG@10, MAP (AP over the top
100), P@10 and R@100 computed by ``ir-measures``.

A fourth collection, ``names``: the 3,824 world-news articles (``make news``) read as searchapp
reads the CSV, and the judged name queries of ``benchmarks/names.toml`` (people,
organisations, places; see ``benchmarks/names.py`` for how they were judged), run as typed.
searchapp indexes the CSV itself; the baseline indexes the articles searchapp's reader gives.
Without the CSV the collection is skipped with a note.

Usage::

    python benchmarks/relevance.py --collections ../shared/ircollections
        [--only cran,cisi,med,names] [--news data/news/NewsArticles.csv]
        [--names benchmarks/names.toml]
        [--max-queries N] [--no-baseline] [--json out.json]
        [--engines whoosh,xapian]
        [--k1 0.9,1.5] [--b 0.5] [--title-boost 1] [--all-words-bonus 0,2]
        [--proximity 0.5] [--proximity-slop 2] [--synonym-weight 0] [--operator and_fallback]
        [--stemmer porter,lancaster] [--stopwords whoosh,none] [--grid]

Each value given runs searchapp's defaults with that one setting changed; ``--grid`` runs
every combination instead. ``--engines`` runs each of searchapp's configurations on each
engine (Xapian: a local database), labelled ``@xapian``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import sys
import tempfile
import time
import tomllib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from dataclasses import fields as dataclass_fields
from pathlib import Path
from typing import Any

from whoosh import fields, index, scoring
from whoosh.analysis import STOP_WORDS, StemmingAnalyzer
from whoosh.qparser import MultifieldParser, OrGroup

from searchapp.config import ENGINES, EngineConfig
from searchapp.errors import QueryError
from searchapp.ingest.discover import Skipped
from searchapp.ingest.readers import parse_file
from searchapp.reindex import reindex, text_key
from searchapp.search import DEFAULT_RANKING, ENGINE_RANKINGS, OPERATORS, Ranking, SearchEngine
from searchapp.text import analysis
from searchapp.text.article import url_key

DEPTH = 100  # documents retrieved per query: MAP and R@100 are computed over these
MEASURE_NAMES = ("nDCG@10", "MAP", "P@10", "R@100")

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
    # The file searchapp indexes as it is (the news CSV), instead of one file per document.
    source: Path | None = None
    # Entries of ``source`` its reader leaves out (for both indexes): "path: reason".
    source_skips: list[str] = field(default_factory=list)
    kinds: tuple[str, ...] = ("questions", "keywords")  # the query sets run

    def keyword_queries(self) -> list[Query]:
        """Each judged query cut to what a searcher would type: see :func:`keywords`."""
        frequency = document_frequencies(self.documents)
        return [replace(q, text=keywords(q.text, frequency)) for q in self.queries]

    def query_sets(self) -> dict[str, list[Query]]:
        """The queries of each kind run: as written and as keywords, or names as typed."""
        if self.kinds == NAME_KINDS:
            return {"names": self.queries}
        return {"questions": self.queries, "keywords": self.keyword_queries()}


def load_collection(root: Path, spec: CollectionSpec, max_queries: int | None = None) -> Collection:
    """Documents, judged queries (the first ``max_queries`` of them) and their judgments."""
    documents = read_documents(root / spec.documents)
    queries = read_queries(root / spec.queries, by_position=spec.queries_by_position)
    qrels = spec.read_qrels(root / spec.qrels)
    return _judged(spec.name, documents, queries, qrels, max_queries)


def _judged(
    name: str,
    documents: list[Document],
    queries: list[Query],
    qrels: Qrels,
    max_queries: int | None,
    **extra: Any,
) -> Collection:
    """The collection of the queries with judgments (the first ``max_queries``), counting the
    unjudged ones and the judgments of documents it doesn't have."""
    judged = [q for q in queries if qrels.get(q.id)]
    unjudged = [q for q in queries if not qrels.get(q.id)]
    if max_queries is not None:
        judged = judged[:max_queries]
    doc_ids = {d.id for d in documents}
    kept = {q.id: qrels[q.id] for q in judged}
    unknown = sum(1 for docs in kept.values() for doc_id in docs if doc_id not in doc_ids)
    return Collection(name, documents, judged, kept, unjudged, unknown, **extra)


# -- the news collection and its judged names ------------------------------------------------

NAMES = "names"
NAME_KINDS = ("names",)
NEWS_CSV = Path("data/news/NewsArticles.csv")
NAMES_TOML = Path(__file__).resolve().with_name("names.toml")


def read_news(path: Path) -> tuple[list[Document], list[str]]:
    """The articles of the news CSV as searchapp indexes them: its CSV reader's articles (ids
    ``<file name without suffix>-<article_id>``), less the ones a reindex keeps out as
    duplicates of an earlier one (same url or same text); and the reader's skipped rows."""
    parsed = parse_file(path.read_bytes(), path.name, path.stem)
    documents: list[Document] = []
    claimed: set[str] = set()
    for article in parsed.articles:
        keys = [k for k in (url_key(article.url), text_key(article)) if k is not None]
        if any(k in claimed for k in keys):
            continue
        claimed.update(keys)
        documents.append(Document(article.id, article.title, article.body))
    return documents, [f"{s.path}: {s.reason}" for s in parsed.skipped]


def read_names(path: Path) -> tuple[list[Query], Qrels]:
    """The judged name queries of ``benchmarks/names.toml``: id, text as typed, judgments."""
    with path.open("rb") as file:
        data = tomllib.load(file)
    queries = [Query(q["id"], q["id"], q["text"]) for q in data.get("query", [])]
    qrels = {
        q["id"]: {doc: int(grade) for doc, grade in q.get("judgments", {}).items() if grade > 0}
        for q in data.get("query", [])
    }
    return queries, qrels


def load_names(news: Path, names: Path = NAMES_TOML, max_queries: int | None = None) -> Collection:
    """The news articles and the judged name queries (the first ``max_queries`` of them)."""
    documents, skips = read_news(news)
    queries, qrels = read_names(names)
    return _judged(
        NAMES,
        documents,
        queries,
        qrels,
        max_queries,
        source=news,
        source_skips=skips,
        kinds=NAME_KINDS,
    )


# -- keyword queries -------------------------------------------------------------------------

KEYWORDS = 3  # words per keyword query


def document_frequencies(documents: Sequence[Document]) -> Counter[str]:
    """How many documents hold each word (normalised, unstemmed, no stopwords)."""
    frequency: Counter[str] = Counter()
    for doc in documents:
        frequency.update(analysis.vocabulary(f"{doc.title}\n{doc.text}"))
    return frequency


def keywords(text: str, frequency: Counter[str]) -> str:
    """The query's ``KEYWORDS`` most specific words (fewest documents, at least one), in their
    order in the query and as written: the words an expert would type into a search box.

    "what similarity laws must be obeyed when constructing aeroelastic models of heated high
    speed aircraft" becomes "aeroelastic heated aircraft" on Cranfield.
    """
    words: dict[str, tuple[int, str]] = {}  # normalised word -> (position, as written)
    for position, (token, _start, _end) in enumerate(analysis.tokenize(text, spans=False)):
        word = analysis.normalize(token)
        if frequency[word] and word not in words:
            words[word] = (position, token)
    chosen = sorted(words, key=lambda w: (frequency[w], words[w][0]))[:KEYWORDS]
    return " ".join(words[w][1] for w in sorted(chosen, key=lambda w: words[w][0]))


# -- configurations --------------------------------------------------------------------------

# Ranking parameters a run may vary, with the type of their values.
RANKING_KNOBS: dict[str, Callable[[str], Any]] = {
    "operator": str,
    "all_words_bonus": float,
    "all_words_max": int,
    "title_boost": float,
    "k1": float,
    "b": float,
    "proximity": float,
    "proximity_slop": int,
    "name_weight": float,
    "name_slop": int,
    "exact_weight": float,
    "exact_name_weight": float,
    "synonym_weight": float,
    "feedback_docs": int,
    "feedback_terms": int,
    "feedback_weight": float,
    "feedback_max_words": int,
}
# Analysis (index-time) parameters: each distinct pair is indexed separately.
ANALYSIS_KNOBS: dict[str, Callable[[str], Any]] = {"stemmer": str, "stopwords": str}


def stopword_lists() -> dict[str, frozenset[str]]:
    return {
        "ours": analysis.STOPWORDS,  # searchapp/data/stopwords.txt
        "whoosh": frozenset(STOP_WORDS),  # Whoosh's StemmingAnalyzer list, as the baseline
        "none": frozenset(),
    }


@dataclass(frozen=True, slots=True)
class Config:
    """One way of ranking: the plain Whoosh baseline, or searchapp with these settings."""

    label: str
    ranking: Ranking | None  # None: the baseline
    stemmer: str = analysis.STEMMER
    stopwords: str = "ours"
    engine: str = "whoosh"  # searchapp's engine (a local database for Xapian)

    @property
    def analysis_key(self) -> tuple[str, str, str]:
        """What the index depends on: one is built per key."""
        return self.stemmer, self.stopwords, self.engine


BASELINE = Config("baseline", None)
DEFAULT = Config("searchapp", DEFAULT_RANKING)


def _with(config: Config, changes: dict[str, Any]) -> Config:
    ranking_changes = {k: v for k, v in changes.items() if k in RANKING_KNOBS}
    analysis_changes = {k: v for k, v in changes.items() if k in ANALYSIS_KNOBS}
    label = " ".join(
        f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in changes.items()
    )
    assert config.ranking is not None
    return replace(
        config,
        label=label,
        ranking=replace(config.ranking, **ranking_changes),
        **analysis_changes,
    )


def expand_configs(
    variations: dict[str, list[Any]],
    *,
    grid: bool = False,
    baseline: bool = True,
    engines: Sequence[str] = ("whoosh",),
) -> list[Config]:
    """The baseline, searchapp's defaults, and the variations: one configuration per value,
    the rest at their defaults; with ``grid``, one per combination of values. Each of
    searchapp's configurations once per engine, labelled ``@engine`` but for Whoosh."""
    configs = ([BASELINE] if baseline else []) + [DEFAULT]
    if grid and variations:
        names = list(variations)
        combos = itertools.product(*(variations[n] for n in names))
        changes = [dict(zip(names, combo, strict=True)) for combo in combos]
    else:
        changes = [{name: v} for name, values in variations.items() for v in values]
    for change in changes:
        config = _with(DEFAULT, change)
        if config.ranking != DEFAULT.ranking or config.analysis_key != DEFAULT.analysis_key:
            configs.append(config)
    ours = [c for c in configs if c.ranking is not None]
    kept = [c for c in configs if c.ranking is None or "whoosh" in engines]
    for engine in engines:
        if engine != "whoosh":
            kept += [_on_engine(c, engine) for c in ours]
    return kept


def _on_engine(config: Config, engine: str) -> Config:
    """``config`` on another engine: that engine's defaults, with the same settings changed."""
    assert config.ranking is not None
    changed = {
        f.name: getattr(config.ranking, f.name)
        for f in dataclass_fields(Ranking)
        if getattr(config.ranking, f.name) != getattr(DEFAULT_RANKING, f.name)
    }
    ranking = replace(ENGINE_RANKINGS[engine], **changed)
    return replace(config, label=f"{config.label}@{engine}", ranking=ranking, engine=engine)


# -- indexing and running --------------------------------------------------------------------


def build_our_index(
    documents: Sequence[Document], root: Path, engine: str = "whoosh", source: Path | None = None
) -> tuple[Path, list[Skipped]]:
    """Write the documents as ``<id>.txt`` files and reindex them; the index and any skips.
    With ``source``, that file alone is indexed as it is (linked into the seeds folder).
    Analysis variants must be in effect (:func:`analysis.variant`) while this runs."""
    seeds = root / "docs"
    seeds.mkdir(parents=True)
    if source is not None:
        (seeds / source.name).symlink_to(source.resolve())
    else:
        for doc in documents:
            (seeds / f"{doc.id}.txt").write_text(doc.file_text(), encoding="utf-8")
    skipped: list[Skipped] = []
    config = EngineConfig(engine)
    reindex(seeds, root / "index", full=True, on_skip=skipped.append, engine=config)
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


def run_ours(
    index_dir: Path, queries: Sequence[Query], ranking: Ranking, engine_name: str = "whoosh"
) -> Run:
    run = Run()
    started = time.perf_counter()
    engine = SearchEngine(index_dir, ranking, config=EngineConfig(engine_name))
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


QUERY_KINDS = ("questions", "keywords", *NAME_KINDS)


@dataclass(slots=True)
class Row:
    collection: str
    kind: str  # one of QUERY_KINDS
    config: str
    queries: int
    means: dict[str, float]
    query_errors: int
    seconds: float
    # Two-sided paired t-test of per-query nDCG@10 against the baseline (None: no baseline,
    # or this is the baseline): below 0.05, the difference is unlikely to be chance.
    p_value: float | None = None


def paired_p_value(
    ours: dict[str, dict[str, float]], baseline: dict[str, dict[str, float]]
) -> float:
    """The p-value of a paired t-test of nDCG@10 over the same queries; 1.0 if identical."""
    from scipy.stats import ttest_rel

    queries = sorted(ours)
    a = [ours[q]["nDCG@10"] for q in queries]
    b = [baseline[q]["nDCG@10"] for q in queries]
    if a == b:
        return 1.0
    return float(ttest_rel(a, b).pvalue)


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def evaluate_collection(
    collection: Collection, configs: Sequence[Config], workdir: Path
) -> tuple[list[Row], dict[str, Any]]:
    """Index once per analysis variant, run every configuration on each kind of queries
    (questions and keywords, or names); table rows and the JSON report."""
    queries = collection.query_sets()
    report: dict[str, Any] = {
        "documents": len(collection.documents),
        "queries": [q.id for q in collection.queries],
    }
    if "keywords" in queries:
        report["keyword_queries"] = {q.id: q.text for q in queries["keywords"]}
    else:
        report["query_texts"] = {q.id: q.text for q in collection.queries}
    report |= {
        "unjudged_queries": [q.id for q in collection.unjudged],
        "judgments_for_unknown_documents": collection.unknown_docs,
        "index_seconds": {},
        "skipped_documents": {},
        "configs": {},
    }
    if collection.source is not None:
        report["source"] = str(collection.source)
        report["source_skips"] = collection.source_skips
    runs: dict[tuple[str, str], Run] = {}  # (config label, query kind) -> run
    if any(c.ranking is None for c in configs):
        started = time.perf_counter()
        baseline_dir = build_baseline_index(collection.documents, workdir / "baseline")
        report["index_seconds"]["baseline"] = time.perf_counter() - started
        for kind, kind_queries in queries.items():
            runs[BASELINE.label, kind] = run_baseline(baseline_dir, kind_queries)
    ours = [c for c in configs if c.ranking is not None]
    for key in dict.fromkeys(c.analysis_key for c in ours):
        stemmer, stopwords, engine = key
        name = f"{stemmer}-{stopwords}-{engine}"
        with analysis.variant(stemmer, stopword_lists()[stopwords]):
            started = time.perf_counter()
            index_dir, skipped = build_our_index(
                collection.documents, workdir / name, engine, collection.source
            )
            report["index_seconds"][name] = time.perf_counter() - started
            expected = set(collection.source_skips)  # the reader's, left out of both indexes
            report["skipped_documents"][name] = [
                text for s in skipped if (text := f"{s.path}: {s.reason}") not in expected
            ]
            for config in (c for c in ours if c.analysis_key == key):
                _progress(f"{collection.name}: {config.label}")
                assert config.ranking is not None
                for kind, kind_queries in queries.items():
                    runs[config.label, kind] = run_ours(
                        index_dir, kind_queries, config.ranking, engine
                    )

    rows = []
    per_query_of: dict[tuple[str, str], dict[str, dict[str, float]]] = {}
    for config in configs:
        report["configs"][config.label] = {}
        for kind in queries:
            run = runs[config.label, kind]
            per_query = per_query_of[config.label, kind] = evaluate(collection.qrels, run.rankings)
            baseline = per_query_of.get((BASELINE.label, kind))
            p_value = None
            if baseline is not None and config.ranking is not None:
                p_value = paired_p_value(per_query, baseline)
            means = mean(per_query)
            rows.append(
                Row(
                    collection.name,
                    kind,
                    config.label,
                    len(per_query),
                    means,
                    len(run.query_errors),
                    run.seconds,
                    p_value,
                )
            )
            report["configs"][config.label][kind] = {
                "mean": means,
                "p_value_vs_baseline": p_value,
                "per_query": per_query,
                "query_errors": run.query_errors,
                "crashes": run.crashes,
                "seconds": run.seconds,
            }
    return rows, report


def format_table(rows: Sequence[Row]) -> str:
    width = max([len("config"), *(len(r.config) for r in rows)]) + 2
    header = (
        f"{'collection':<12}{'queries':<11}{'config':<{width}}{'n':>4}  "
        + "".join(f"{m:<9}" for m in MEASURE_NAMES)
        + f"{'p':<7}{'QueryError':>10}  {'time':>7}"
    )
    lines = [header]
    for r in rows:
        metrics = "".join(f"{r.means[m]:<9.4f}" for m in MEASURE_NAMES)
        p_value = "-" if r.p_value is None else f"{r.p_value:.3f}"
        lines.append(
            f"{r.collection:<12}{r.kind:<11}{r.config:<{width}}{r.queries:>4}  {metrics}"
            f"{p_value:<7}{r.query_errors:>10}  {r.seconds:>6.1f}s"
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
        if report.get("source_skips"):
            notes.append(
                f"  {len(report['source_skips'])} rows of {report['source']} have no usable "
                "article (its reader's skips; in neither index)"
            )
        if report["judgments_for_unknown_documents"]:
            notes.append(
                f"  {report['judgments_for_unknown_documents']} judgments name a document "
                "the collection does not have"
            )
        for skip in dict.fromkeys(
            s for skips in report["skipped_documents"].values() for s in skips
        ):
            notes.append(f"  searchapp skipped {skip}")
        # Configurations usually refuse the same queries: one line per distinct set.
        refused: dict[tuple[tuple[str, str], ...], list[str]] = {}
        for label, kinds in report["configs"].items():
            for kind, result in kinds.items():
                if result["query_errors"]:
                    key = tuple(result["query_errors"].items())
                    refused.setdefault(key, []).append(f"{label} ({kind})")
        for errors, labels in refused.items():
            notes.append(
                f"  {', '.join(labels)}: {len(errors)} queries raised QueryError (counted as no "
                "hits): " + "; ".join(f"{q}: {msg}" for q, msg in errors)
            )
        for label, kinds in report["configs"].items():
            for kind, result in kinds.items():
                for q, msg in result["crashes"].items():
                    notes.append(
                        f"  BUG {label} ({kind}): query {q} raised {msg}; "
                        f"query text: {queries_by[name][q]!r}"
                    )
    return notes


def _csv(kind: Callable[[str], Any]) -> Callable[[str], list[Any]]:
    return lambda text: [kind(part.strip()) for part in text.split(",") if part.strip()]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--collections", type=Path, required=True, help="folder holding cran/, cisi/, med/"
    )
    parser.add_argument("--only", type=_csv(str), default=[*COLLECTIONS, NAMES])
    parser.add_argument(
        "--news",
        type=Path,
        default=NEWS_CSV,
        help=f"the news CSV of the names collection (make news; default {NEWS_CSV})",
    )
    parser.add_argument(
        "--names", type=Path, default=NAMES_TOML, help="the judged name queries (TOML)"
    )
    parser.add_argument(
        "--max-queries", type=int, default=None, help="the first N judged queries of each"
    )
    parser.add_argument("--no-baseline", action="store_true", help="skip plain Whoosh")
    parser.add_argument(
        "--engines",
        type=_csv(str),
        default=["whoosh"],
        help="searchapp's engines to run every configuration on (whoosh,xapian)",
    )
    parser.add_argument(
        "--grid", action="store_true", help="every combination of the values given below"
    )
    for name, kind in {**RANKING_KNOBS, **ANALYSIS_KNOBS}.items():
        parser.add_argument(
            f"--{name.replace('_', '-')}",
            dest=name,
            type=_csv(kind),
            default=[],
            help=f"values of {name} to try, comma-separated",
        )
    parser.add_argument("--json", type=Path, default=None, help="write every number here")
    args = parser.parse_args(argv)
    for name in args.only:
        if name not in COLLECTIONS and name != NAMES:
            known = ", ".join([*COLLECTIONS, NAMES])
            parser.error(f"unknown collection {name!r}; known: {known}")
    for name in args.engines:
        if name not in ENGINES:
            parser.error(f"unknown engine {name!r}; known: {', '.join(ENGINES)}")
    choices = {
        "operator": OPERATORS,
        "stemmer": tuple(analysis.STEMMERS),
        "stopwords": tuple(stopword_lists()),
    }
    for name, known in choices.items():
        for value in getattr(args, name):
            if value not in known:
                parser.error(f"unknown {name} {value!r}; known: {', '.join(known)}")
    if args.max_queries is not None and args.max_queries < 1:
        parser.error("--max-queries must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the evaluation; 1 when a query crashed our engine (a bug), else 0."""
    args = parse_args(argv)
    started = time.perf_counter()
    variations = {
        name: getattr(args, name)
        for name in {**RANKING_KNOBS, **ANALYSIS_KNOBS}
        if getattr(args, name)
    }
    configs = expand_configs(
        variations, grid=args.grid, baseline=not args.no_baseline, engines=args.engines
    )
    rows: list[Row] = []
    reports: dict[str, dict[str, Any]] = {}
    queries_by: dict[str, dict[str, str]] = {}
    with tempfile.TemporaryDirectory(prefix="relevance-") as tmp:
        for name in args.only:
            if name == NAMES and not args.news.is_file():
                print(
                    f"names: skipped, no news collection at {args.news} (run `make news`)",
                    file=sys.stderr,
                    flush=True,
                )
                continue
            _progress(f"{name}: reading and indexing")
            if name == NAMES:
                collection = load_names(args.news, args.names, args.max_queries)
            else:
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
    print(f"searchapp = the defaults: {DEFAULT_RANKING}, stemmer {analysis.STEMMER}")
    print("p: paired t-test of per-query nDCG@10 against the baseline (two-sided)")
    print(f"total time: {seconds:.1f} s")
    if args.json:
        settings = {
            "depth": DEPTH,
            "defaults": asdict(DEFAULT_RANKING),
            "configs": {
                c.label: {
                    "ranking": asdict(c.ranking) if c.ranking else None,
                    "stemmer": c.stemmer,
                    "stopwords": c.stopwords,
                    "engine": c.engine,
                }
                for c in configs
            },
            "max_queries": args.max_queries,
        }
        payload = {"settings": settings, "seconds": seconds, "collections": reports}
        args.json.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    crashed = any(
        result["crashes"]
        for report in reports.values()
        for kinds in report["configs"].values()
        for result in kinds.values()
    )
    return 1 if crashed else 0


if __name__ == "__main__":
    sys.exit(main())
