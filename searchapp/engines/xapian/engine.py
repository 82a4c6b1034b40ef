"""The Xapian engine: the same documents as the Whoosh index, in one local database
(``<index>/xapian``) or in shards served by ``xapian-tcpsrv`` (see :mod:`searchapp.cluster`).

The only module that imports ``xapian``. Documents hold our own analysis (engine.analyse):

=================  ==========================================================================
title (headline)   ``S``\\ stem at each position + 1 (scored; counts in the document length)
body               the bare stem (our stems are lower case: no clash with the prefixes)
source / author    ``XSRC``/``A`` + word at its position, wdf 0: phrase-searchable, unscored
source_name        boolean ``XSN`` + outlet, and slot 2 (facet)
tag                boolean ``K`` + tag; slots 7+: one bit per gazetteer tag, 8 to a slot (facet)
year / day         boolean ``Y`` + year; slots 1 and 0 ``sortable_serialise`` (ranges, facet)
id                 boolean ``Q`` + id (replace and delete by it), slot 3 (ties)
sort keys          slots 4 and 5: day number then id, for newest/oldest (undated last in both)
lengths            slot 6: the title's and body's term counts (for the shard's totals)
vocabulary         boolean ``W`` + unstemmed word: patterns and suggestions, in every shard
presence           boolean ``XF`` + metadata field name, for ``Every(field)`` (``year:*``)
stored fields      ``set_data``: JSON of ``AnalysedArticle.stored()`` (date ISO) + headline
=================  ==========================================================================

Scores are Xapian's BM25 (k1, b; k2 = k3 = 0, no minimum length), whose document length is
title + body: see docs/xapian-spike.md for how that differs from Whoosh's per-field BM25.
Ties go by id, so a sharded index ranks exactly as one database of the same documents.

Each shard keeps a JSON state in its metadata (``STATE_KEY``): the generation, the version
that built it, its shard number and count, its title and body lengths (exact
``field_length``) and how many tag slots its documents use. The writer bumps the generation
of every shard at each commit, so a view's generation (the shards' generations) changes with
any commit. Commits of several shards are not atomic together: a reindex that dies between
them leaves shards of different generations, which :meth:`XapianWriter.generation` reports as
-1, so the reindex catalog no longer matches and the next reindex rebuilds fully.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import math
import multiprocessing
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Hashable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

import xapian

from ...config import EngineConfig, Shard
from ...errors import (
    ConfigError,
    EngineUnavailable,
    IndexLocked,
    IndexMissing,
    IndexOutdated,
    QueryError,
)
from ...text.analysed import AnalysedArticle, analyse
from ...text.article import Article
from ...text.tags import default_gazetteer
from .. import query
from ..base import Found, Match, Sort, index_version
from ..workers import exit_with_parent, worker_count

DATABASE_DIR = "xapian"  # the local database, in the index folder
STATE_KEY = "searchapp"  # each shard's metadata entry holding its _State

# Term prefixes (upper case, so never confused with a body stem).
TITLE, SOURCE, AUTHOR = "S", "XSRC", "A"
SOURCE_NAME, TAG, YEAR, ID, WORD, PRESENT = "XSN", "K", "Y", "Q", "W", "XF"
FIELD_PREFIXES = {"title": TITLE, "body": "", "source": SOURCE, "author": AUTHOR}
METADATA_WORD_FIELDS = ("source", "author")
PRESENCE_FIELDS = ("source", "author", "tag", "date", "year")

SLOT_DAY, SLOT_YEAR, SLOT_SOURCE, SLOT_ID, SLOT_NEWEST, SLOT_OLDEST, SLOT_LENGTHS = range(7)
# A document's tags as bits, one per gazetteer tag, TAG_BITS to a slot: a match spy per slot
# counts at most 2**TAG_BITS values, split into tags here. (A spy per i-th tag of a document
# took 20 spies, and each costs 2-3 ms on remote shards; all its tags in one value made one
# spy, but of thousands of combinations to read: 9 ms at 10,000 articles, 100 at 100,000.)
SLOT_TAGS = 7
TAG_BITS = 8

# Terms whose document counts a thread remembers (per generation) before starting afresh.
TERMFREQ_CACHE_SIZE = 50_000
# Sort keys: a 7-digit day number then the id, so the key's order is the date's, ties by id.
_LAST_DAY = date.max.toordinal()  # 3652059: "newest" counts days back from it
_UNDATED_LAST = 9_999_999  # "oldest" gives undated articles this day: after every real one

RELATED_TERMS = 12  # key terms of a more-like-this query (as Whoosh's engine)
MAX_EXPANSIONS = 1024  # words a metadata pattern (source:guard*) may expand to
MAX_TERM_BYTES = 245  # Xapian's limit on a term's length
# Writes wait longer than searches: a shard's commit of a big reindex takes a while.
WRITE_TIMEOUT_MS = 600_000
# In partial mode, a shard found down is left out this long before it is tried again (a
# stalled one costs timeout_ms per try).
DOWN_RETRY_SECONDS = 5.0

_CONTEXT = re.compile(r"remote:tcp\((.*):(\d+)\)")
T = TypeVar("T")


def shard_of(article_id: str, count: int) -> int:
    """The shard (0 to ``count - 1``) that holds an article: a hash of its id that is the
    same in every process and on every machine (never Python's salted ``hash``)."""
    return int.from_bytes(hashlib.sha1(article_id.encode("utf-8")).digest()[:8], "big") % count


def _term(prefix: str, text: str) -> str:
    """``prefix + text``, or, past Xapian's length limit (a long compound or outlet name),
    its start and a digest: the same text always gives the same term."""
    term = prefix + text
    if len(term) * 4 <= MAX_TERM_BYTES or len(term.encode("utf-8")) <= MAX_TERM_BYTES:
        return term
    head = text.encode("utf-8")[:180].decode("utf-8", "ignore")
    return f"{prefix}{head}#{hashlib.sha1(text.encode('utf-8')).hexdigest()}"


# -- documents --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Lengths:
    """Terms of the title and body fields (Whoosh's field lengths)."""

    title: int = 0
    body: int = 0

    def __add__(self, other: _Lengths) -> _Lengths:
        return _Lengths(self.title + other.title, self.body + other.body)

    def __sub__(self, other: _Lengths) -> _Lengths:
        return _Lengths(self.title - other.title, self.body - other.body)


def _add_postings(doc: xapian.Document, prefix: str, postings: dict[str, list[int]]) -> int:
    length = 0
    for stem, positions in postings.items():
        term = _term(prefix, stem)
        for pos in positions:
            doc.add_posting(term, pos + 1)
        length += len(positions)
    return length


def _document(analysed: AnalysedArticle) -> tuple[xapian.Document, _Lengths]:
    """The Xapian document of an analysed article (layout: module docstring)."""
    article = analysed.article
    doc = xapian.Document()
    lengths = _Lengths(
        _add_postings(doc, TITLE, analysed.title_postings),
        _add_postings(doc, "", analysed.body_postings),
    )
    for prefix, words in ((SOURCE, analysed.source_words), (AUTHOR, analysed.author_words)):
        for pos, word in enumerate(words, 1):
            doc.add_posting(_term(prefix, word), pos, 0)
    doc.add_boolean_term(_term(ID, article.id))
    doc.add_value(SLOT_ID, article.id)
    if article.source:
        doc.add_boolean_term(_term(SOURCE_NAME, article.source))
        doc.add_value(SLOT_SOURCE, article.source)
    masks: dict[int, int] = {}
    for tag in analysed.tags:
        doc.add_boolean_term(_term(TAG, tag))
        group, bit = divmod(_tag_numbers()[tag], TAG_BITS)
        masks[group] = masks.get(group, 0) | 1 << bit
    for group, mask in masks.items():
        doc.add_value(SLOT_TAGS + group, bytes([mask]))
    day = analysed.day
    if analysed.year is not None:
        doc.add_boolean_term(f"{YEAR}{analysed.year}")
        doc.add_value(SLOT_YEAR, xapian.sortable_serialise(analysed.year))
        doc.add_value(SLOT_DAY, xapian.sortable_serialise(day))
    doc.add_value(SLOT_NEWEST, f"{_LAST_DAY - day:07d}{article.id}")  # day 0: last
    doc.add_value(SLOT_OLDEST, f"{day or _UNDATED_LAST:07d}{article.id}")
    doc.add_value(SLOT_LENGTHS, f"{lengths.title} {lengths.body}")
    present = {
        "source": analysed.source_words,
        "author": analysed.author_words,
        "tag": analysed.tags,
        "date": analysed.year,
        "year": analysed.year,
    }
    for fieldname, value in present.items():
        if value:
            doc.add_boolean_term(PRESENT + fieldname)
    for word in analysed.words:
        # A word too long for a term (a long compound) is left out of the vocabulary.
        if len((WORD + word).encode("utf-8")) <= MAX_TERM_BYTES:
            doc.add_boolean_term(WORD + word)
    stored = analysed.stored()
    stored["date"] = article.published.isoformat() if article.published else None
    stored["headline"] = article.headline
    doc.set_data(json.dumps(stored, ensure_ascii=False))
    return doc, lengths


def _stored(data: bytes) -> dict[str, Any]:
    """A document's stored fields as :func:`engine.stored_fields` gives them."""
    fields = json.loads(data)
    fields.pop("headline", None)
    fields["date"] = date.fromisoformat(fields["date"]) if fields.get("date") else None
    return fields


def _article(data: bytes) -> Article:
    """The article a document was made from (for re-sharding)."""
    fields = json.loads(data)
    published = fields.get("date")
    return Article(
        id=fields["id"],
        title=fields["title"],
        body=fields["body"],
        path=fields["path"],
        headline=fields["headline"],
        published=date.fromisoformat(published) if published else None,
        source=fields["source"],
        author=fields["author"],
        url=fields["url"],
    )


def _lengths_value(doc: xapian.Document) -> _Lengths:
    title, body = doc.get_value(SLOT_LENGTHS).decode().split()
    return _Lengths(int(title), int(body))


@dataclass(frozen=True, slots=True)
class _State:
    """What a shard's metadata says about it (see the module docstring)."""

    generation: int = 0
    version: str | None = None
    shard: tuple[int, int] | None = None  # its number and the count it was built for
    lengths: _Lengths = _Lengths()

    @classmethod
    def read(cls, db: xapian.Database) -> _State:
        raw = db.get_metadata(STATE_KEY)
        if not raw:
            return cls()
        state = json.loads(raw)
        return cls(
            state["generation"],
            state["version"],
            tuple(state["shard"]) if state["shard"] else None,
            _Lengths(state["title"], state["body"]),
        )

    def dump(self) -> str:
        return json.dumps(
            {
                "generation": self.generation,
                "version": self.version,
                "shard": list(self.shard) if self.shard else None,
                "title": self.lengths.title,
                "body": self.lengths.body,
            }
        )


# -- query translation ------------------------------------------------------------------------


def _boolean(q: xapian.Query) -> xapian.Query:
    """Matches as ``q`` does, adding nothing to the score (metadata never does)."""
    return xapian.Query(xapian.Query.OP_SCALE_WEIGHT, q, 0.0)


def _first_day(at: datetime | None, exclusive: bool) -> int | None:
    """The first day whose midnight (the indexed time of a date) is in the range that starts
    at ``at``."""
    if at is None:
        return None
    day = at.date()
    midnight = datetime.combine(day, datetime.min.time())
    return day.toordinal() + (1 if at > midnight or (exclusive and at == midnight) else 0)


def _last_day(at: datetime | None, exclusive: bool) -> int | None:
    if at is None:
        return None
    day = at.date()
    midnight = datetime.combine(day, datetime.min.time())
    return day.toordinal() - (1 if exclusive and at == midnight else 0)


def _value_range(slot: int, low: int | None, high: int | None, fieldname: str) -> xapian.Query:
    if low is None and high is None:
        return _boolean(xapian.Query(PRESENT + fieldname))
    if low is not None and high is not None:
        if low > high:
            return xapian.Query.MatchNothing
        q = xapian.Query(
            xapian.Query.OP_VALUE_RANGE,
            slot,
            xapian.sortable_serialise(low),
            xapian.sortable_serialise(high),
        )
    elif low is not None:
        q = xapian.Query(xapian.Query.OP_VALUE_GE, slot, xapian.sortable_serialise(low))
    else:
        q = xapian.Query(xapian.Query.OP_VALUE_LE, slot, xapian.sortable_serialise(high))
    return _boolean(q)


def _numeric_range(q: query.NumericRange | query.DateRange) -> xapian.Query:
    if q.fieldname == "year":
        low = None if q.start is None else int(q.start) + (1 if q.startexcl else 0)
        high = None if q.end is None else int(q.end) - (1 if q.endexcl else 0)
        return _value_range(SLOT_YEAR, low, high, "year")
    if q.fieldname == "date":
        low, high = _first_day(q.start, q.startexcl), _last_day(q.end, q.endexcl)
        return _value_range(SLOT_DAY, low, high, "date")
    raise TypeError(f"no range on the {q.fieldname!r} field")


def _term_query(fieldname: str, text: Any) -> xapian.Query:
    if fieldname in ("title", "body"):
        return xapian.Query(_term(FIELD_PREFIXES[fieldname], text))
    if fieldname in METADATA_WORD_FIELDS:
        return _boolean(xapian.Query(_term(FIELD_PREFIXES[fieldname], text)))
    if fieldname == "source_name":
        return _boolean(xapian.Query(_term(SOURCE_NAME, text)))
    if fieldname == "tag":
        return _boolean(xapian.Query(_term(TAG, text)))
    if fieldname == "id":
        return _boolean(xapian.Query(_term(ID, text)))
    if fieldname == "year":
        year = int(text)
        return _boolean(xapian.Query(f"{YEAR}{year}"))
    if fieldname == "date" and isinstance(text, datetime):
        # A full timestamp: only articles dated that day at midnight (as Whoosh indexes them).
        if text != datetime.combine(text.date(), datetime.min.time()):
            return xapian.Query.MatchNothing
        day = text.toordinal()
        return _value_range(SLOT_DAY, day, day, "date")
    raise TypeError(f"no term query on the {fieldname!r} field")


def _phrase(q: query.Phrase) -> xapian.Query:
    prefix = FIELD_PREFIXES.get(q.fieldname)
    if prefix is None:
        raise TypeError(f"no phrase query on the {q.fieldname!r} field")
    terms = [_term(prefix, word) for word in q.words]
    if not terms:
        return xapian.Query.MatchNothing
    if len(terms) == 1:
        found = xapian.Query(terms[0])
    else:
        # Whoosh's slop is the largest gap between neighbours (1: adjacent); Xapian's window
        # spans the whole phrase: the same for two words, and for any phrase at slop 1.
        found = xapian.Query(xapian.Query.OP_PHRASE, terms, len(terms) + q.slop - 1)
    return _boolean(found) if q.fieldname in METADATA_WORD_FIELDS else found


class _Translator:
    """The query tree (:mod:`searchapp.engines.query`) to Xapian queries over one database
    (which a metadata pattern, ``source:guard*``, is expanded against)."""

    def __init__(self, db: xapian.Database, termfreq: Callable[[str], int]) -> None:
        self.db = db
        self.termfreq = termfreq
        self.documents = max(db.get_doccount(), 1)

    def _whoosh_idf(self, term: str) -> xapian.Query:
        """The title or body term scaled so its BM25 weight has Whoosh's idf,
        ``ln(N/(n+1)) + 1``, rather than Xapian's, ``ln((N-n+0.5)/(n+0.5))`` (halved towards
        1 below 2), which gives words in many documents next to nothing: ranking
        as the Whoosh engine does is worth 1-5% nDCG@10 on the IR collections."""
        documents = self.documents
        having = self.termfreq(term)
        if not having:
            return xapian.Query(term)
        ratio = (documents - having + 0.5) / (having + 0.5)
        xapian_idf = math.log(ratio if ratio >= 2 else ratio * 0.5 + 1)
        whoosh_idf = math.log(documents / (having + 1)) + 1
        return xapian.Query(
            xapian.Query.OP_SCALE_WEIGHT, xapian.Query(term), whoosh_idf / xapian_idf
        )

    def __call__(self, q: query.Query) -> xapian.Query:
        found = self._node(q)
        boost = getattr(q, "boost", 1.0)
        if boost != 1.0:
            found = xapian.Query(xapian.Query.OP_SCALE_WEIGHT, found, max(boost, 0.0))
        return found

    def _node(self, q: query.Query) -> xapian.Query:
        if q is query.NullQuery:
            return xapian.Query.MatchNothing
        if isinstance(q, query.Every):
            if q.fieldname in PRESENCE_FIELDS:
                return _boolean(xapian.Query(PRESENT + q.fieldname))
            return _boolean(xapian.Query.MatchAll)
        if isinstance(q, (query.NumericRange, query.DateRange)):
            return _numeric_range(q)
        if isinstance(q, (query.And, query.Or)):
            subqueries = [self(sub) for sub in q.subqueries]
            if not subqueries:
                return xapian.Query.MatchNothing
            op = xapian.Query.OP_AND if isinstance(q, query.And) else xapian.Query.OP_OR
            return xapian.Query(op, subqueries)
        if isinstance(q, query.AndNot):
            return xapian.Query(xapian.Query.OP_AND_NOT, self(q.a), self(q.b))
        if isinstance(q, query.AndMaybe):
            return xapian.Query(xapian.Query.OP_AND_MAYBE, self(q.a), self(q.b))
        if isinstance(q, query.Not):
            everything = _boolean(xapian.Query.MatchAll)
            return xapian.Query(xapian.Query.OP_AND_NOT, everything, self(q.query))
        if isinstance(q, (query.FuzzyTerm, query.Prefix, query.Wildcard, query.TermRange)):
            return self._pattern(q)
        if isinstance(q, query.Term):
            if q.fieldname in ("title", "body"):
                return self._whoosh_idf(_term(FIELD_PREFIXES[q.fieldname], q.text))
            return _term_query(q.fieldname, q.text)
        if isinstance(q, query.Phrase):
            return _phrase(q)
        raise TypeError(f"the Xapian engine cannot run {type(q).__name__} queries")

    def _pattern(self, q: query.Query) -> xapian.Query:
        """A pattern or range on ``source``/``author`` words, as the OR of the words it
        matches (patterns on title and body are expanded before they reach an engine)."""
        if q.fieldname not in METADATA_WORD_FIELDS:
            raise TypeError(f"{type(q).__name__} on {q.fieldname!r} must be expanded first")
        prefix = FIELD_PREFIXES[q.fieldname]
        if isinstance(q, query.FuzzyTerm):
            words = _terms_within(self.db, prefix, q.text, q.maxdist, q.prefixlength)
        elif isinstance(q, query.Prefix):
            words = _terms_from(self.db, prefix, q.text)
        elif isinstance(q, query.Wildcard):
            start = re.match(r"[^*?\[]*", q.text).group()
            pattern = re.compile(fnmatch.translate(q.text))
            words = (w for w in _terms_from(self.db, prefix, start) if pattern.match(w))
        else:
            words = _terms_between(self.db, prefix, q.start, q.end, q.startexcl, q.endexcl)
        terms = []
        for word in words:
            terms.append(_term(prefix, word))
            if len(terms) > MAX_EXPANSIONS:
                written = getattr(q, "text", None) or f"[{q.start} TO {q.end}]"
                raise QueryError(
                    f"{q.fieldname}:{written} matches more than {MAX_EXPANSIONS} different "
                    "words; make it more specific."
                )
        if not terms:
            return xapian.Query.MatchNothing
        return _boolean(xapian.Query(xapian.Query.OP_OR, terms))


# -- term lists -------------------------------------------------------------------------------


def _terms_from(db: xapian.Database, prefix: str, start: str) -> Iterator[str]:
    """The terms ``prefix + start…`` in order, without ``prefix``."""
    cut = len(prefix.encode("utf-8"))
    for item in db.allterms(prefix + start):
        yield item.term[cut:].decode("utf-8")


def _terms_between(
    db: xapian.Database,
    prefix: str,
    start: str | None,
    end: str | None,
    startexcl: bool,
    endexcl: bool,
) -> Iterator[str]:
    """The terms of a field (``prefix``) from ``start`` to ``end``, in order. The body has
    no prefix: the prefixed terms of the other fields are skipped."""
    cut = len(prefix.encode("utf-8"))
    items = db.allterms(prefix)
    try:
        item = items.skip_to(prefix + start) if start is not None else next(items)
        while True:
            term = item.term[cut:].decode("utf-8")
            if not prefix and term[:1].isascii() and term[:1].isupper():
                item = items.skip_to("[")  # past every prefixed term ("Z" < "[")
                continue
            if end is not None and (term > end or (endexcl and term == end)):
                return
            if not (startexcl and term == start):
                yield term
            item = next(items)
    except StopIteration:
        return


def _terms_within(
    db: xapian.Database, prefix: str, word: str, maxdist: int, prefixlength: int
) -> Iterator[str]:
    """The terms ``prefix + w`` with ``w`` within ``maxdist`` Levenshtein edits (insertions,
    deletions, substitutions) of ``word`` and sharing its first ``prefixlength`` characters,
    in order: the words Whoosh's ``terms_within`` gives."""
    start = word[: min(prefixlength, len(word))]
    for candidate in _terms_from(db, prefix, start):
        if abs(len(candidate) - len(word)) <= maxdist and within(word, candidate, maxdist):
            yield candidate


def within(a: str, b: str, maxdist: int) -> bool:
    """Whether ``a`` and ``b`` are at most ``maxdist`` Levenshtein edits apart (rows of the
    edit-distance table, given up once a whole row is over ``maxdist``)."""
    previous = list(range(len(b) + 1))
    for i, char in enumerate(a, 1):
        current = [i]
        for j, other in enumerate(b, 1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char != other))
            )
        if min(current) > maxdist:
            return False
        previous = current
    return previous[-1] <= maxdist


# -- searching --------------------------------------------------------------------------------


def _unavailable(name: str, exc: xapian.Error) -> EngineUnavailable:
    # Never exc.get_error_string(): it segfaults on errors without an errno (timeouts).
    return EngineUnavailable(
        f"Shard {name} is not answering ({exc.get_msg() or type(exc).__name__}); try again shortly."
    )


def _failed_shards(exc: xapian.Error, names: list[str]) -> list[str]:
    """The shard a network error names in its context ("remote:tcp(host:port)"), or all of
    ``names`` when it names none of them."""
    match = _CONTEXT.search(exc.get_context() or "")
    if match and f"{match.group(1)}:{match.group(2)}" in names:
        return [f"{match.group(1)}:{match.group(2)}"]
    return names


@dataclass(frozen=True, slots=True)
class _Source:
    """One database the engine searches: a name and how to open it."""

    name: str
    open: Callable[[], xapian.Database]


class _Connection:
    """One thread's open databases: each source's, combined into one."""

    def __init__(self, parts: list[tuple[str, xapian.Database, _State]], left_out: list[str]):
        self.db = xapian.Database()
        for _name, part, _state in parts:
            self.db.add_database(part)
        self.names = [name for name, _part, _state in parts]
        self.parts = [part for _name, part, _state in parts]
        self.states = [state for _name, _part, state in parts]
        self.left_out = tuple(left_out)
        self.ids: dict[int, str] = {}  # document id -> article id, as far as looked up
        self.view: XapianView | None = None  # the thread's view while nothing changes
        # Per generation: a term's document count (a round trip to every shard each).
        self.termfreqs: dict[str, int] = {}

    def termfreq(self, term: str) -> int:
        found = self.termfreqs.get(term)
        if found is None:
            if len(self.termfreqs) >= TERMFREQ_CACHE_SIZE:
                self.termfreqs.clear()
            found = self.termfreqs[term] = self.db.get_termfreq(term)
        return found

    def refresh(self) -> None:
        """Move to the newest committed generation of every part."""
        if self.db.reopen():
            self.states = [_State.read(part) for part in self.parts]
            self.ids.clear()
            self.termfreqs.clear()
            self.view = None

    def close(self) -> None:
        _close(self.db)


def _close(db: xapian.Database | None) -> None:
    try:
        if db is not None:
            db.close()
    except xapian.Error:
        pass  # a dead shard's connection: nothing left to close or release


class XapianEngine:
    """Searches a Xapian index: the database in ``index_dir / "xapian"``, or the shard servers
    ``config`` names (``xapian.remote_open`` each, combined), with BM25's ``k1`` and ``b``.

    Each thread has its own databases (a Xapian database is not thread-safe), moved to the
    newest generation at every :meth:`view`. A shard that is down or slower than
    ``config.timeout_ms`` makes views and searches raise
    :class:`~searchapp.errors.EngineUnavailable`, naming it; with ``config.partial`` they
    answer from the other shards instead (``View.partial``), trying it again after
    ``DOWN_RETRY_SECONDS``.
    """

    def __init__(
        self, config: EngineConfig, index_dir: Path, *, k1: float = 2.0, b: float = 0.75
    ) -> None:
        self.config = config
        self.index_dir = Path(index_dir)
        self.weighting = (k1, b)
        if config.shards:
            self._sources = [self._remote(shard) for shard in config.shards]
        else:
            self._sources = [_Source(str(self.index_dir / DATABASE_DIR), self._open_local)]
        self._lock = threading.Lock()
        self._local = threading.local()
        self._connections: set[_Connection] = set()
        self._down_until: dict[str, float] = {}  # shard -> when partial mode tries it again

    def _remote(self, shard: Shard) -> _Source:
        config = self.config

        def open_remote() -> xapian.Database:
            return xapian.remote_open(
                shard.host, shard.port, config.timeout_ms, config.connect_timeout_ms
            )

        return _Source(str(shard), open_remote)

    def _open_local(self) -> xapian.Database:
        path = self.index_dir / DATABASE_DIR
        try:
            return xapian.Database(str(path))
        except xapian.DatabaseNotFoundError:
            raise IndexMissing(
                f"No Xapian index in {path}; run `searchapp reindex` to build it."
            ) from None

    def view(self) -> XapianView:
        """This thread's view, on the newest generation of every shard: the same view
        object until a commit (or a shard failing) changes what it holds."""
        connection: _Connection | None = getattr(self._local, "connection", None)
        if connection is not None and self._retry_due(connection):
            self._drop(connection)  # a shard left out may be back: reconnect to all
            connection = None
        if connection is not None:
            try:
                connection.refresh()
            except xapian.NetworkTimeoutError as exc:
                connection = self._replace(connection, exc, reconnect=True)
            except xapian.NetworkError:
                # The server may just have closed an idle connection: reconnect once.
                self._drop(connection)
                connection = None
        if connection is None:
            connection = self._connect()
        if connection.view is None:  # a new connection, or a commit since the last view
            self._check_built(connection)
            connection.view = XapianView(self, connection)
        return connection.view

    def _check_built(self, connection: _Connection) -> None:
        """:class:`IndexMissing` before the first reindex, :class:`IndexOutdated` after one
        by another version (schema, analysis or tags), as the Whoosh engine says."""
        versions = {state.version for state in connection.states}
        where = "the Xapian shards" if self.config.shards else f"{self.index_dir}"
        if versions == {None}:
            raise IndexMissing(f"No index in {where} yet: run `searchapp reindex` to build it.")
        if versions != {index_version()}:
            raise IndexOutdated(
                f"The index in {where} was built by another version of searchapp or its tag "
                "list: run `searchapp reindex` to rebuild it."
            )

    def close(self) -> None:
        with self._lock:
            connections, self._connections = self._connections, set()
            self._local = threading.local()
        for connection in connections:
            connection.close()

    def _retry_due(self, connection: _Connection) -> bool:
        if not connection.left_out:
            return False
        now = time.monotonic()
        with self._lock:
            return any(self._down_until.get(name, 0.0) <= now for name in connection.left_out)

    def _connect(self) -> _Connection:
        """Open every source (in partial mode, those not known to be down, skipping those
        that fail), combined, as this thread's connection."""
        partial = self.config.partial
        parts: list[tuple[str, xapian.Database, _State]] = []
        left_out: list[str] = []
        now = time.monotonic()
        for source in self._sources:
            with self._lock:
                known_down = partial and self._down_until.get(source.name, 0.0) > now
            if known_down:
                left_out.append(source.name)
                continue
            part = None
            try:
                part = source.open()
                parts.append((source.name, part, _State.read(part)))
            except xapian.NetworkError as exc:
                self._mark_down(source.name)
                if not partial:
                    for opened in [p for _name, p, _state in parts] + [part]:
                        _close(opened)
                    raise _unavailable(source.name, exc) from None
                _close(part)
                left_out.append(source.name)
        if not parts:
            raise EngineUnavailable(
                f"No shard is answering ({', '.join(left_out)}); try again shortly."
            )
        connection = _Connection(parts, left_out)
        with self._lock:
            self._connections.add(connection)
        self._local.connection = connection
        return connection

    def _mark_down(self, name: str) -> None:
        with self._lock:
            self._down_until[name] = time.monotonic() + DOWN_RETRY_SECONDS

    def _drop(self, connection: _Connection) -> None:
        with self._lock:
            self._connections.discard(connection)
        if getattr(self._local, "connection", None) is connection:
            self._local.connection = None
        connection.close()

    def _replace(
        self, connection: _Connection, exc: xapian.NetworkError, *, reconnect: bool
    ) -> _Connection:
        """After a network error on ``connection`` (which is then unusable): in partial mode
        and if ``reconnect``, a new connection without the failed shard; else
        :class:`EngineUnavailable` naming it."""
        failed = _failed_shards(exc, connection.names)
        self._drop(connection)
        for name in failed:
            self._mark_down(name)
        if not (self.config.partial and reconnect):
            raise _unavailable(" or ".join(failed), exc) from None
        return self._connect()


class _BodyTerms(xapian.ExpandDecider):
    """Body stems only (every other field's terms have an upper-case prefix)."""

    def __call__(self, term: bytes) -> bool:
        return not term[:1].isupper()


class XapianView:
    """One thread's view of the index (see :class:`searchapp.engine.View`); ``Match.key``
    is the combined Xapian document id."""

    def __init__(self, engine: XapianEngine, connection: _Connection) -> None:
        self._engine = engine
        self._connection = connection

    def _call(self, operation: Callable[[_Connection], T], *, retry: bool = True) -> T:
        """``operation`` on this view's connection. A shard failing during it: in partial
        mode and if ``retry`` (no document ids of this connection are involved), once more
        without that shard; else EngineUnavailable."""
        connection = self._connection
        try:
            return operation(connection)
        except xapian.DatabaseModifiedError:
            # Two commits since this generation was opened (local): read the newest.
            connection.refresh()
            return operation(connection)
        except xapian.NetworkError as exc:
            self._connection = self._engine._replace(connection, exc, reconnect=retry)
            self._connection.view = self  # this view goes on, on the new connection
        try:
            return operation(self._connection)
        except xapian.NetworkError as exc:
            self._engine._replace(self._connection, exc, reconnect=False)
            raise  # not reached: _replace() raised

    def _iterate(self, terms: Callable[[xapian.Database], Iterator[str]]) -> Iterator[str]:
        connection = self._connection
        try:
            yield from terms(connection.db)
        except xapian.NetworkError as exc:
            self._engine._replace(connection, exc, reconnect=False)

    def generation(self) -> Hashable:
        connection = self._connection
        return tuple(
            (name, state.generation)
            for name, state in zip(connection.names, connection.states, strict=True)
        )

    def doc_count(self) -> int:
        return self._call(lambda c: c.db.get_doccount())

    @property
    def partial(self) -> tuple[str, ...]:
        return self._connection.left_out

    def _enquire(self, db: xapian.Database, q: xapian.Query) -> xapian.Enquire:
        k1, b = self._engine.weighting
        enquire = xapian.Enquire(db)
        enquire.set_weighting_scheme(xapian.BM25Weight(k1, 0.0, 0.0, b, 0.0))
        enquire.set_query(q)
        # Ties by id, not by document id: a sharded index interleaves those differently.
        enquire.set_sort_by_relevance_then_value(SLOT_ID, False)
        return enquire

    # -- searching ---------------------------------------------------------------------------

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
        """Every match is counted (exact total and facets). ``deadline`` becomes Xapian's
        time limit: past it Xapian still returns the true top ``limit`` but stops counting,
        and the answer says ``timed_out`` (its total an estimate, its facets partial)."""

        def run(connection: _Connection) -> Found:
            db = connection.db
            translate = _Translator(db, connection.termfreq)
            q = translate(scored)
            if filter is not None:
                q = xapian.Query(xapian.Query.OP_FILTER, q, translate(filter))
            enquire = self._enquire(db, q)
            if sort == "newest":
                enquire.set_sort_by_value(SLOT_NEWEST, False)
            elif sort == "oldest":
                enquire.set_sort_by_value(SLOT_OLDEST, False)
            spies: dict[str, xapian.ValueCountMatchSpy] = {}
            if facets:
                spies = {
                    "source": xapian.ValueCountMatchSpy(SLOT_SOURCE),
                    "year": xapian.ValueCountMatchSpy(SLOT_YEAR),
                }
                for group in range(_tag_slots()):
                    spies[f"tag {group}"] = xapian.ValueCountMatchSpy(SLOT_TAGS + group)
                for spy in spies.values():
                    enquire.add_matchspy(spy)
            if deadline is not None:
                enquire.set_time_limit(max(deadline - time.perf_counter(), 0.001))
            mset = enquire.get_mset(0, limit, db.get_doccount())
            matches = [Match(item.docid, item.weight) for item in mset]
            exact = mset.get_matches_lower_bound() == mset.get_matches_upper_bound()
            groups = _facet_counts(spies) if facets else None
            return Found(mset.get_matches_estimated(), matches, groups, not exact)

        return self._call(run)

    def scores(self, q: query.Query, keys: list[Hashable]) -> dict[Hashable, float]:
        if not keys:
            return {}

        def run(connection: _Connection) -> dict[Hashable, float]:
            db = connection.db
            ids = [self._article_id(connection, key) for key in keys]
            among = xapian.Query(xapian.Query.OP_OR, [_term(ID, i) for i in ids])
            # A filter: the documents' scores are those of the whole search.
            translate = _Translator(db, connection.termfreq)
            restricted = xapian.Query(xapian.Query.OP_FILTER, translate(q), among)
            mset = self._enquire(db, restricted).get_mset(0, len(keys))
            wanted = set(keys)
            return {item.docid: item.weight for item in mset if item.docid in wanted}

        return self._call(run, retry=False)

    def _article_id(self, connection: _Connection, key: Hashable) -> str:
        found = connection.ids.get(key)
        if found is None:
            found = connection.db.get_document(key).get_value(SLOT_ID).decode("utf-8")
            connection.ids[key] = found
        return found

    def fields(self, key: Hashable) -> dict[str, Any]:
        def run(connection: _Connection) -> dict[str, Any]:
            fields = _stored(connection.db.get_document(key).get_data())
            connection.ids[key] = fields["id"]
            return fields

        return self._call(run, retry=False)

    def document(self, article_id: str) -> dict[str, Any] | None:
        def run(connection: _Connection) -> dict[str, Any] | None:
            docid = _docid(connection.db, article_id)
            if docid is None:
                return None
            return _stored(connection.db.get_document(docid).get_data())

        return self._call(run)

    def more_like(self, article_id: str, limit: int) -> list[Match] | None:
        """The body's key terms (Xapian's Bo1 expansion over the article) as an OR query
        weighted by their scores, as Whoosh's engine does; the article itself excluded.
        Bo1 reads collection frequencies, which are exact over shards, so it needs no
        USE_EXACT_TERMFREQ (which would double its time on remote shards)."""

        def run(connection: _Connection) -> list[Match] | None:
            db = connection.db
            docid = _docid(db, article_id)
            if docid is None:
                return None
            enquire = self._enquire(db, xapian.Query.MatchNothing)
            enquire.set_expansion_scheme("bo1")
            relevant = xapian.RSet()
            relevant.add_document(docid)
            # The best key terms that some other article has (a word of this article alone
            # scores no other); when none has, as on a small folder, the best of those.
            ranked = list(enquire.get_eset(db.get_doclength(docid) + 1, relevant, 0, _BodyTerms()))
            shared = [t for t in ranked if db.get_termfreq(t.term) > 1]
            best = {t.term for t in ranked[:RELATED_TERMS]}
            key_terms = [t for t in shared if t.term in best] or shared[:RELATED_TERMS]
            if not key_terms:
                return []
            scale = xapian.Query.OP_SCALE_WEIGHT
            like = xapian.Query(
                xapian.Query.OP_OR,
                [xapian.Query(scale, xapian.Query(t.term), max(t.weight, 0)) for t in key_terms],
            )
            itself = xapian.Query(_term(ID, article_id))
            others = xapian.Query(xapian.Query.OP_AND_NOT, like, itself)
            enquire.set_query(others)
            return [Match(item.docid, item.weight) for item in enquire.get_mset(0, limit)]

        return self._call(run)

    # -- term statistics ---------------------------------------------------------------------

    def doc_frequency(self, fieldname: str, text: str) -> int:
        term = _term(FIELD_PREFIXES[fieldname], text)
        return self._call(lambda c: c.db.get_termfreq(term))

    def frequency(self, fieldname: str, text: str) -> float:
        term = _term(FIELD_PREFIXES[fieldname], text)
        return float(self._call(lambda c: c.db.get_collection_freq(term)))

    def field_length(self, fieldname: str) -> float:
        """Exact: each shard's writer keeps its title and body totals in its metadata."""
        return float(sum(getattr(s.lengths, fieldname) for s in self._connection.states))

    def terms_between(
        self, fieldname: str, start: str | None, end: str | None, startexcl: bool, endexcl: bool
    ) -> Iterator[str]:
        prefix = FIELD_PREFIXES[fieldname]
        return self._iterate(lambda db: _terms_between(db, prefix, start, end, startexcl, endexcl))

    # -- vocabulary --------------------------------------------------------------------------

    def has_word(self, word: str) -> bool:
        return self._call(lambda c: c.db.term_exists(_term(WORD, word)))

    def words_from(self, prefix: str) -> Iterator[str]:
        return self._iterate(lambda db: _terms_from(db, WORD, prefix))

    def words_within(self, word: str, maxdist: int, prefix: int) -> Iterator[str]:
        return self._iterate(lambda db: _terms_within(db, WORD, word, maxdist, prefix))


def _docid(db: xapian.Database, article_id: str) -> int | None:
    for item in db.postlist(_term(ID, article_id)):
        return item.docid
    return None


def _facet_counts(spies: dict[str, xapian.ValueCountMatchSpy]) -> dict[str, dict[Any, int]]:
    """Value -> count per facet; a tag slot's count of a set of bits goes to each tag."""
    groups: dict[str, dict[Any, int]] = {"source": {}, "year": {}, "tag": {}}
    names = default_gazetteer().names
    for name, spy in spies.items():
        for item in spy.values():
            if name == "year":
                values: list[Any] = [int(xapian.sortable_unserialise(item.term))]
            elif name == "source":
                values = [item.term.decode("utf-8")]
            else:  # "tag <group>"
                first = int(name.split()[1]) * TAG_BITS
                mask = item.term[0]
                values = [names[first + bit] for bit in range(TAG_BITS) if mask >> bit & 1]
            counts = groups[name.split()[0]]
            for value in values:
                counts[value] = counts.get(value, 0) + item.termfreq
    return groups


@lru_cache(maxsize=1)
def _tag_numbers() -> dict[str, int]:
    """Each gazetteer tag's bit (its place in the gazetteer, which index_version covers)."""
    return {name: number for number, name in enumerate(default_gazetteer().names)}


def _tag_slots() -> int:
    return -(-len(default_gazetteer().names) // TAG_BITS)


# -- writing ----------------------------------------------------------------------------------


# Articles per message to an analysis worker.
ANALYSIS_BATCH = 50
# A shard that holds no index yet (never built, or its first build died) serves nothing, so
# its build is committed as it goes, every so many documents (Xapian's own default): a
# writable server holds uncommitted changes in memory, about 66 KB per article here.
UNBUILT_COMMIT_EVERY = 10_000


def _analysed_document(article: Article) -> tuple[str, xapian.Document, _Lengths]:
    return (article.id, *_document(analyse(article)))


def _analysed_documents(batch: list[Article]) -> list[tuple[str, bytes, _Lengths]]:
    """An analysis worker's job: each article's document, serialised to cross processes."""
    found = []
    for article in batch:
        article_id, doc, lengths = _analysed_document(article)
        found.append((article_id, doc.serialise(), lengths))
    return found


def _exit_with_parent() -> None:
    threading.Thread(target=exit_with_parent, daemon=True).start()


class XapianWriter:
    """A reindex's writer (see :class:`searchapp.engine.Writer`): the local database,
    created when missing, or the shard writers ``config.writers`` names (``xapian-tcpsrv
    --writable``, in the order of ``config.shards``). Each article goes to shard
    :func:`shard_of` its id.

    Changes are made in a Xapian transaction per shard, so nothing is visible before
    :meth:`commit` and :meth:`cancel` drops them. A remote writable server, though, applies
    its changes every ``XAPIAN_FLUSH_THRESHOLD`` documents (10,000 by default) whatever the
    client's transaction: :mod:`searchapp.cluster` starts its writers with a threshold high
    enough for a whole reindex (changes held in the server's memory until the commit).

    A shard with no index yet is the exception: nobody searches it (its state says it was
    never built, so searches say the index is missing until the final commit writes that
    state), and its build is committed every ``UNBUILT_COMMIT_EVERY`` documents, so a first
    build of any size fits in the servers' memory.
    """

    def __init__(self, config: EngineConfig, index_dir: Path) -> None:
        self._workers: ProcessPoolExecutor | None = None  # analysis workers of a big run
        self._batch: list[Article] = []
        self._pending: deque[Future] = deque()
        self._in_flight = 0
        targets = _writer_targets(config, Path(index_dir))
        self._names = [name for name, _open in targets]
        self._dbs: list[xapian.WritableDatabase] = []
        for name, open_writable in targets:
            try:
                db = open_writable()
                db.begin_transaction(False)  # flushed at our commit, not before
            except xapian.DatabaseLockError:
                self.cancel()
                raise IndexLocked(
                    f"Another reindex is writing the index ({name}); wait for it to finish "
                    "and try again."
                ) from None
            except xapian.NetworkError as exc:
                self.cancel()
                raise _unavailable(name, exc) from None
            self._dbs.append(db)
        self._states = [self._guarded(i, lambda db: _State.read(db)) for i in range(len(targets))]
        # Written since the last commit, for each shard committed as it goes (None: at the end).
        self._uncommitted: list[int | None] = [
            0 if state.version is None else None for state in self._states
        ]
        self._count = sum(self._guarded(i, lambda db: db.get_doccount()) for i in self._indexes)
        generations = {state.generation for state in self._states}
        # Shards of different generations: a reindex died between their commits.
        self._generation = generations.pop() if len(generations) == 1 else -1
        self._added: list[set[str]] = [set() for _ in targets]  # id terms added by this run
        self._added_lengths = [_Lengths() for _ in targets]
        self._deleted_lengths = [_Lengths() for _ in targets]  # of every document deleted
        self._deleted_added = [_Lengths() for _ in targets]  # of those added by this run

    @property
    def _indexes(self) -> range:
        return range(len(self._names))

    def _guarded(self, shard: int, operation: Callable[[xapian.WritableDatabase], T]) -> T:
        try:
            return operation(self._dbs[shard])
        except xapian.NetworkError as exc:
            raise _unavailable(self._names[shard], exc) from None

    def built_by(self) -> str | None:
        """The version every shard was built by, None unless they all agree and were built
        for this shard count (a changed count calls for a full rebuild)."""
        count = len(self._states)
        versions = {state.version for state in self._states}
        placed = all(state.shard == (i, count) for i, state in enumerate(self._states))
        return versions.pop() if len(versions) == 1 and placed else None

    def generation(self) -> int:
        return self._generation

    def doc_count(self) -> int:
        return self._count

    def expect(self, nbytes: int) -> None:
        """A big run analyses its articles in worker processes, while this one writes the
        documents they send back (as many as half its time, when all in one process)."""
        procs = worker_count(nbytes)
        if procs:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload([__name__])
            self._workers = ProcessPoolExecutor(
                procs, mp_context=context, initializer=_exit_with_parent
            )
            self._in_flight = 2 * procs

    def add(self, article: Article) -> None:
        if self._workers is None:
            self._write(_analysed_document(article))
            return
        self._batch.append(article)
        if len(self._batch) >= ANALYSIS_BATCH:
            self._pending.append(self._workers.submit(_analysed_documents, self._batch))
            self._batch = []
            while len(self._pending) > self._in_flight:  # bounded: the reader streams
                self._write_all(self._pending.popleft().result())

    def _drain(self) -> None:
        """Write every document the workers have been sent, in the order they were added."""
        if self._batch:
            self._write_all(_analysed_documents(self._batch))
            self._batch = []
        while self._pending:
            self._write_all(self._pending.popleft().result())

    def _write_all(self, documents: list[tuple[str, bytes, _Lengths]]) -> None:
        for article_id, data, lengths in documents:
            self._write((article_id, xapian.Document.unserialise(data), lengths))

    def _write(self, document: tuple[str, xapian.Document, _Lengths]) -> None:
        article_id, doc, lengths = document
        shard = shard_of(article_id, len(self._dbs))
        id_term = _term(ID, article_id)
        self._guarded(shard, lambda db: db.replace_document(id_term, doc))
        self._added[shard].add(id_term)
        self._added_lengths[shard] += lengths
        uncommitted = self._uncommitted[shard]
        if uncommitted is not None:
            if uncommitted + 1 < UNBUILT_COMMIT_EVERY:
                self._uncommitted[shard] = uncommitted + 1
            else:
                self._guarded(shard, _commit_so_far)
                self._uncommitted[shard] = 0

    def _stop_workers(self) -> None:
        if self._workers is not None:
            self._workers.shutdown(cancel_futures=True)
            self._workers = None
            self._pending.clear()

    def delete(self, article_id: str) -> None:
        self._drain()  # an article added before must be written before it can be deleted
        shard = shard_of(article_id, len(self._dbs))
        id_term = _term(ID, article_id)

        def delete(db: xapian.WritableDatabase) -> None:
            for item in db.postlist(id_term):
                lengths = _lengths_value(db.get_document(item.docid))
                self._deleted_lengths[shard] += lengths
                if id_term in self._added[shard]:
                    self._deleted_added[shard] += lengths
                    self._added[shard].discard(id_term)
            db.delete_document(id_term)

        self._guarded(shard, delete)

    def commit(self, version: str, *, full: bool) -> None:
        """Commit every shard, one after the other (not atomic together: see the module
        docstring), all at the next generation; then the writer lets go of them."""
        self._drain()
        self._stop_workers()
        self._commit(version, full, max(state.generation for state in self._states) + 1)

    def _commit(self, version: str, full: bool, generation: int) -> None:
        count = len(self._dbs)
        states = []
        for i in self._indexes:
            added = self._added_lengths[i]
            if full:
                self._guarded(i, lambda db, i=i: self._drop_others(db, self._added[i]))
                lengths = added - self._deleted_added[i]
            else:
                lengths = self._states[i].lengths + added - self._deleted_lengths[i]
            states.append(_State(generation, version, (i, count), lengths))
            self._guarded(i, lambda db, i=i: db.set_metadata(STATE_KEY, states[i].dump()))
        for i in self._indexes:
            self._guarded(i, _commit_transaction)
        self._count = sum(self._guarded(i, lambda db: db.get_doccount()) for i in self._indexes)
        self._states = states
        self._generation = generation
        self._close()

    @staticmethod
    def _drop_others(db: xapian.WritableDatabase, kept: set[str]) -> None:
        stale = [item.term for item in db.allterms(ID) if item.term.decode("utf-8") not in kept]
        for term in stale:
            db.delete_document(term)

    def cancel(self) -> None:
        """Drop the uncommitted changes and release every shard (also after a failed commit:
        shards committed by then stay committed)."""
        self._stop_workers()
        for db in self._dbs:
            try:
                db.cancel_transaction()
            except xapian.Error:
                pass  # none in progress (committed), or the shard is gone
        self._close()

    def _close(self) -> None:
        dbs, self._dbs = self._dbs, []
        for db in dbs:
            _close(db)


def _commit_transaction(db: xapian.WritableDatabase) -> None:
    """Make the transaction's changes visible (an unflushed transaction's end alone does not)."""
    db.commit_transaction()
    db.commit()


def _commit_so_far(db: xapian.WritableDatabase) -> None:
    """Commit an unbuilt shard's documents written so far (without its state) and go on."""
    _commit_transaction(db)
    db.begin_transaction(False)


def _writer_targets(
    config: EngineConfig, index_dir: Path
) -> list[tuple[str, Callable[[], xapian.WritableDatabase]]]:
    """Names and openers of the databases a writer writes, in shard order."""
    if not config.shards and not config.writers:
        path = index_dir / DATABASE_DIR

        def open_local() -> xapian.WritableDatabase:
            path.parent.mkdir(parents=True, exist_ok=True)
            return xapian.WritableDatabase(str(path), xapian.DB_CREATE_OR_OPEN)

        return [(str(path), open_local)]
    if len(config.writers) != len(config.shards):
        raise ConfigError(
            f"The Xapian index has {len(config.shards)} shard servers and "
            f"{len(config.writers)} writer servers; give one writer per shard, in the same "
            "order."
        )
    timeout = max(config.timeout_ms, WRITE_TIMEOUT_MS)

    def opener(shard: Shard) -> Callable[[], xapian.WritableDatabase]:
        return lambda: xapian.remote_open_writable(
            shard.host, shard.port, timeout, config.connect_timeout_ms
        )

    return [(str(shard), opener(shard)) for shard in config.writers]


# -- re-sharding ------------------------------------------------------------------------------

_RESHARD_BATCH = 500  # documents fetched per round trip


def reshard(old: EngineConfig, new: EngineConfig, index_dir: Path) -> int:
    """Copy every document of the Xapian index ``old`` names into the databases ``new``
    names, each to its shard under the new count; returns the number copied.

    The articles are rebuilt from their stored fields and analysed again (a remote
    document's terms and positions would cost a round trip per term), so run it with the
    code that built the index. The new databases keep the old generation and version, so
    the reindex catalog still describes them: switch the configuration to ``new`` after.
    ``new`` must name other databases than ``old`` (a full commit drops whatever else they
    hold)."""
    if set(old.shards + old.writers) & set(new.shards + new.writers) or not (
        old.shards or new.shards
    ):
        raise ConfigError("Re-sharding needs new databases: old and new must not share any.")
    source = XapianEngine(old, index_dir)
    try:
        view = source.view()
        if view.partial:
            raise EngineUnavailable(f"Shards {', '.join(view.partial)} are not answering.")
        states = view._connection.states
        versions = {state.version for state in states}
        generations = {state.generation for state in states}
        if len(versions) != 1 or len(generations) != 1:
            raise ConfigError(
                "The index's shards disagree (a reindex died between their commits); run a "
                "full reindex instead."
            )
        writer = XapianWriter(new, index_dir)
        try:
            db = view._connection.db
            enquire = xapian.Enquire(db)
            enquire.set_query(xapian.Query.MatchAll)
            enquire.set_weighting_scheme(xapian.BoolWeight())
            enquire.set_docid_order(xapian.Enquire.ASCENDING)
            start = 0
            while True:
                batch = enquire.get_mset(start, _RESHARD_BATCH)
                batch.fetch()  # one round trip per shard for the whole batch
                for item in batch:
                    writer.add(_article(item.document.get_data()))
                if batch.size() < _RESHARD_BATCH:
                    break
                start += _RESHARD_BATCH
            writer._commit(versions.pop(), True, generations.pop())
        except BaseException:
            writer.cancel()
            raise
    finally:
        source.close()
    return writer.doc_count()
