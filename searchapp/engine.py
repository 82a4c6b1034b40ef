"""The engine interface: what searching and indexing need from the index, whichever engine
holds it.

Everything above this line is ours and shared by the engines: the NLTK analysis (an engine
indexes the terms and positions :func:`analyse` gives, never its own), the query language
(parsed once by ``search.build_query`` into Whoosh query objects, which each engine translates
to its own), the ranking policy (synonyms, the all-words bonus, feedback), snippets,
highlighting and spelling suggestions. Below it, an :class:`Engine` stores documents and
answers a parsed query with ranked hits, a total and facet counts.

Whoosh (``searchapp.whoosh_engine``) is the default and the reference; Xapian
(``searchapp.xapian_engine``) holds the same documents in one local database or in shards on
remote servers.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

from whoosh import query

from . import analysis
from .config import EngineConfig
from .corpus import Article
from .schema import SCHEMA, SCHEMA_VERSION
from .tags import default_gazetteer

Sort = Literal["relevance", "newest", "oldest"]
SORTS: tuple[Sort, ...] = ("relevance", "newest", "oldest")


# -- documents --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AnalysedArticle:
    """An article with what our analysis makes of it: what every engine indexes.

    Stems map to their word positions (a compound join, "cyberattack", shares the position of
    its second half). Only a real headline is searched as the title: a title made from the
    first sentence is still stored and shown, but its words already count once in the body.
    """

    article: Article
    title_postings: dict[str, list[int]]  # empty unless the title is a real headline
    body_postings: dict[str, list[int]]
    tags: tuple[str, ...]  # gazetteer tags by canonical name
    words: frozenset[str]  # unstemmed vocabulary: what patterns and suggestions look up

    @property
    def day(self) -> int:
        """The publication date as a day number (``date.toordinal``), 0 when unknown."""
        published = self.article.published
        return published.toordinal() if published else 0

    @property
    def source_words(self) -> list[str]:
        """The `source:` words, unstemmed, in order (computed when asked: Whoosh's index
        analyses its metadata fields itself)."""
        return _metadata_words("source", self.article.source)

    @property
    def author_words(self) -> list[str]:
        return _metadata_words("author", self.article.author)

    @property
    def year(self) -> int | None:
        published = self.article.published
        return published.year if published else None

    def stored(self) -> dict[str, Any]:
        """The stored fields, as :meth:`View.fields` returns them."""
        return stored_fields(self.article, self.tags)


def stored_fields(article: Article, tags: tuple[str, ...] | list[str]) -> dict[str, Any]:
    """What an engine stores of an article and gives back for display: id, title, body,
    path, url, source, author, tag (comma-separated) and date (a ``date`` or None)."""
    return {
        "id": article.id,
        "title": article.title,
        "body": article.body,
        "path": article.path,
        "url": article.url,
        "source": article.source,
        "author": article.author,
        "tag": ",".join(tags),
        "date": article.published,
    }


def _metadata_words(fieldname: str, text: str) -> list[str]:
    # The field's own analyzer, which `source:` and `author:` queries go through too.
    return [token.text for token in SCHEMA[fieldname].analyzer(text)] if text else []


def analyse(article: Article) -> AnalysedArticle:
    """Everything an engine indexes of ``article``, from one pass of the analysis over the
    title and one over the body."""
    title_postings, title_words = analysis.positions_and_words(article.title)
    body_postings, body_words = analysis.positions_and_words(article.body)
    text = f"{article.title}\n{article.body}"
    words = title_words.then(body_words, len(article.title) + 1)  # the table of ``text``
    return AnalysedArticle(
        article=article,
        title_postings=title_postings if article.headline else {},
        body_postings=body_postings,
        tags=tuple(default_gazetteer().tags_for(text, words)),
        words=frozenset(words.vocabulary()),
    )


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
    facets: dict[str, dict[Any, int]] | None = None  # "source", "year", "tag" -> value -> count
    timed_out: bool = False


class View(Protocol):
    """One consistent generation of the index, for one thread's request.

    Queries are Whoosh query objects over the schema's fields (``searchapp.schema``): Term,
    Phrase, And, Or, AndNot, AndMaybe, Not, Every, NullQuery, NumericRange/DateRange on
    ``date``/``year``, and Term/Phrase on metadata fields. Word patterns and ranges on title
    and body are expanded before they reach the engine (through the vocabulary methods
    here), so an engine never sees Prefix, Wildcard, FuzzyTerm or TermRange there.
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
        """A matched document's stored fields (see :func:`stored_fields`)."""
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
        """Index ``article``. (The caller deletes an earlier version first, unless the run is
        full.)"""
        ...

    def delete(self, article_id: str) -> None: ...

    def commit(self, version: str, *, full: bool) -> None:
        """Make the changes visible at once, marked as built by ``version``. ``full``: the
        documents added in this run are the whole index; drop every other one."""
        ...

    def cancel(self) -> None:
        """Drop the changes and release the index (also after a failed commit)."""
        ...


def open_engine(
    config: EngineConfig, index_dir: Path, *, k1: float, b: float, **options: Any
) -> Engine:
    """The engine ``config`` names, searching the index in ``index_dir`` (or its shards) with
    BM25's ``k1`` and ``b``; ``options`` are the engine's own. The index is opened at the
    first :meth:`Engine.view`: :class:`~searchapp.errors.IndexMissing` if there is none."""
    if config.name == "xapian":
        from .xapian_engine import XapianEngine

        return XapianEngine(config, Path(index_dir), k1=k1, b=b, **options)
    from .whoosh_engine import WhooshEngine

    return WhooshEngine(Path(index_dir), k1=k1, b=b, **options)


def open_writer(config: EngineConfig, index_dir: Path) -> Writer:
    """A writer of the index ``config`` names, created empty when there is none yet;
    :class:`~searchapp.errors.IndexLocked` while another reindex writes it."""
    if config.name == "xapian":
        from .xapian_engine import XapianWriter

        return XapianWriter(config, Path(index_dir))
    from .indexer import WhooshWriter

    return WhooshWriter(Path(index_dir))


def index_version() -> str:
    """What the index must have been built by: the schema and the tag gazetteer (the
    analysis chain is part of the schema's version)."""
    return f"{SCHEMA_VERSION}-{default_gazetteer().digest[:12]}"
