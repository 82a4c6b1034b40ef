"""The engine interface: what searching and indexing need from the index, whichever engine
holds it.

Everything above this line is ours and shared by the engines: the NLTK analysis (an engine
indexes the terms and positions :func:`~searchapp.text.analysed.analyse` gives, never its
own), the query language (parsed once by ``search`` into the tree of :mod:`.query`, which each
engine translates to its own), the ranking policy (synonyms, the all-words bonus, feedback),
snippets, highlighting and spelling suggestions. Below it, an :class:`Engine` stores documents
and answers a query with ranked hits, a total and facet counts.

Whoosh (:mod:`searchapp.engines.whoosh`) is the default and the reference; Xapian
(:mod:`searchapp.engines.xapian`) holds the same documents in one local database or in shards
on remote servers. Neither is imported here: :mod:`.registry` opens the one configured.
"""

from __future__ import annotations

import functools
from collections.abc import Hashable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal, Protocol

from ..text.article import Article
from ..text.entities import group_of
from ..text.tags import default_gazetteer
from . import query

# Bump whenever the fields or the analysis chain change: an index built with another version
# is rebuilt by the next reindex instead of being searched with mismatched terms.
SCHEMA_VERSION = 9

# The fields a query's words search, and the metadata fields a query may restrict
# (`source:bbc`, `tag:GRU`, `date:2017`, `lang:ru`): these filter the hits and never add to
# the score. ``lang`` is the article's language, an ISO 639-1 code (one term per document, none
# when unknown).
SEARCH_FIELDS = ("title", "body")
FILTER_FIELDS = ("source", "author", "tag", "date", "year", "entity", "lang")
# Facets of the entity field give each group's (searchapp.text.entities.GROUPS) most
# frequent values: ENTITY_FACET_TOP of them, by count then value (the same in every engine).
ENTITY_FACET_TOP = 50
# Each search field's exact forms (the words unstemmed, with counts, no positions): Term
# queries only, never named in the query text.
EXACT_FIELDS = {"title": "title_exact", "body": "body_exact"}

Sort = Literal["relevance", "newest", "oldest"]
SORTS: tuple[Sort, ...] = ("relevance", "newest", "oldest")


# -- searching --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Match:
    """One matching document: ``key`` addresses it within the :class:`View` that found it
    (a Whoosh document number, a Xapian document id), never across views."""

    key: Hashable
    score: float


@dataclass(frozen=True, slots=True)
class Found:
    """A search's answer: the number of matching documents, the best ``limit`` of them in
    order, the facet counts over all of them (None unless asked for), and whether the
    search stopped at its deadline (then all three may be incomplete)."""

    total: int
    matches: list[Match]
    # "source", "year", "tag", "entity", "lang", "month" -> value -> count (entity: see
    # ENTITY_FACET_TOP; lang: language codes, the unknown ones not counted; month: "YYYY-MM",
    # "" for the undated, see months_of)
    facets: dict[str, dict[Any, int]] | None = None
    timed_out: bool = False


class View(Protocol):
    """One consistent generation of the index, for one thread's request.

    Queries are the project's tree (:mod:`searchapp.engines.query`) over the fields of
    :data:`SEARCH_FIELDS` and :data:`FILTER_FIELDS`: Term, Phrase, And, Or, AndNot, AndMaybe,
    Not, Every, NullQuery, NumericRange/DateRange on ``date``/``year``, Term/Phrase (or a
    pattern) on metadata fields, and Term on the :data:`EXACT_FIELDS`. Word patterns and
    ranges on title and body are expanded before they reach the engine (through the
    vocabulary methods here), so an engine never sees Prefix, Wildcard, FuzzyTerm or
    TermRange there.
    """

    def generation(self) -> Hashable:
        """Changes whenever the documents do (a cache key for anything computed from them)."""
        ...

    def doc_count(self) -> int:
        """Documents in the index."""
        ...

    @property
    def partial(self) -> tuple[str, ...]:
        """The shards this view leaves out because they are down (configured to answer
        without them); empty when the view holds every document."""
        ...

    # Searching.

    def search(
        self,
        scored: query.Query,
        filter: query.Query | None,
        limit: int,
        *,
        sort: Sort = "relevance",
        facets: bool = False,
        deadline: float | None = None,
    ) -> Found:
        """Documents matching ``scored`` and ``filter`` (which restricts without scoring),
        BM25-ranked by ``scored`` (ties by id), or by date for ``newest``/``oldest``
        (undated articles last, ties by id). ``deadline``: a ``time.perf_counter()`` time
        after which the engine may stop and return what it has."""
        ...

    def scores(self, q: query.Query, keys: list[Hashable]) -> dict[Hashable, float]:
        """``q``'s scores for the documents ``keys`` (those it matches)."""
        ...

    def fields(self, key: Hashable) -> dict[str, Any]:
        """A matched document's stored fields (as
        :func:`searchapp.text.analysed.stored_fields` makes them)."""
        ...

    def document(self, article_id: str) -> dict[str, Any] | None:
        """The stored fields of the article with this id, or None."""
        ...

    def more_like(self, article_id: str, limit: int) -> list[Match] | None:
        """The ``limit`` documents most like this article (its body's key terms as a query),
        itself excluded; None if there is no such article."""
        ...

    # Term statistics (title and body stems), for suggestions and feedback.

    def doc_frequency(self, fieldname: str, text: str) -> int:
        """Documents holding the stem ``text`` in ``fieldname``."""
        ...

    def frequency(self, fieldname: str, text: str) -> float:
        """Occurrences of the stem ``text`` in ``fieldname`` over all documents."""
        ...

    def field_length(self, fieldname: str) -> float:
        """Terms of ``fieldname`` over all documents."""
        ...

    def terms_between(
        self, fieldname: str, start: str | None, end: str | None, startexcl: bool, endexcl: bool
    ) -> Iterator[str]:
        """The stems of ``fieldname`` in this range, in order (``title:[a TO c]``)."""
        ...

    # The unstemmed vocabulary (AnalysedArticle.words), for patterns and suggestions.

    def has_word(self, word: str) -> bool: ...

    def words_from(self, prefix: str) -> Iterator[str]:
        """The vocabulary's words starting with ``prefix``, in order."""
        ...

    def entity_values(self, prefix: str = "") -> Iterator[tuple[str, int]]:
        """The ``entity`` field's values starting with ``prefix`` ("person:"), in order, each
        with the number of documents that have it."""
        ...

    def languages(self) -> dict[str, int]:
        """Documents per language code (the ``lang`` field) over the whole index, the
        documents of unknown language left out. Cheap: read from the field's terms."""
        ...

    def words_within(self, word: str, maxdist: int, prefix: int) -> Iterator[str]:
        """The vocabulary's words within ``maxdist`` edits of ``word`` that share its first
        ``prefix`` characters (Levenshtein edits: what Whoosh's ``terms_within`` matches)."""
        ...


class Engine(Protocol):
    """One index, searched by any number of threads of one process."""

    def view(self) -> View:
        """This thread's view, moved to the newest generation if a reindex has committed
        one since. :class:`~searchapp.errors.EngineUnavailable` if a shard is down (and
        partial answers are not allowed)."""
        ...

    def close(self) -> None: ...


class Writer(Protocol):
    """One reindex's changes, none of them visible to searches until :meth:`commit`."""

    def built_by(self) -> str | None:
        """The :func:`index_version` the index was last committed with, None when
        it is new."""
        ...

    def generation(self) -> int:
        """The committed generation: the catalog is kept in step with it."""
        ...

    def doc_count(self) -> int:
        """Documents committed."""
        ...

    def expect(self, nbytes: int) -> None:
        """The run is about to read ``nbytes`` of files (an engine may start workers)."""
        ...

    def add(self, article: Article) -> None:
        """Index ``article``, its entities with the corrections the writer was opened with.
        (The caller deletes an earlier version first, unless the run is full.)"""
        ...

    def delete(self, article_id: str) -> None: ...

    def commit(self, version: str, *, full: bool) -> None:
        """Make the changes visible at once, marked as built by ``version``. ``full``: the
        documents added in this run are the whole index; drop every other one."""
        ...

    def cancel(self) -> None:
        """Drop the changes and release the index (also after a failed commit)."""
        ...


def months_of(day_counts: dict[int, int]) -> dict[str, int]:
    """Counts per day number (``date.toordinal``, 0 when undated) as counts per month,
    "YYYY-MM" ("" for the undated)."""
    months: dict[str, int] = {}
    for day, count in day_counts.items():
        month = _month_of(day)
        months[month] = months.get(month, 0) + count
    return months


# One entry per date the index holds (at most the days since 1900, ingest's earliest):
# strftime on each day of a facet cost about 1 ms a search over two years of articles.
@functools.cache
def _month_of(day: int) -> str:
    return date.fromordinal(day).strftime("%Y-%m") if day > 0 else ""


def top_entities(counts: dict[str, int]) -> dict[str, int]:
    """The entity facet's values to report: each group's ENTITY_FACET_TOP most frequent
    (ties by value), from the counts of every value."""
    by_group: dict[str, list[tuple[int, str]]] = {}
    for value, count in counts.items():
        if not value:  # Whoosh counts the documents without one under None
            continue
        by_group.setdefault(group_of(value.partition(":")[0]), []).append((-count, value))
    top: dict[str, int] = {}
    for pairs in by_group.values():
        pairs.sort()
        top.update((value, -negative) for negative, value in pairs[:ENTITY_FACET_TOP])
    return top


def index_version() -> str:
    """What the index must have been built by: the schema and the tag gazetteer (the
    analysis chain is part of the schema's version)."""
    return f"{SCHEMA_VERSION}-{default_gazetteer().digest[:12]}"
