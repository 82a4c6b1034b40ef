"""The Xapian engine: the same documents as the Whoosh index, in one local database
(``<index>/xapian``) or in shards served by ``xapian-tcpsrv`` (see :mod:`.cluster`). This
module opens them and searches them: facets, sorts, more-like-this, vocabulary, generations.

Scores are Xapian's BM25 (k1, b; k2 = k3 = 0, no minimum length), whose document length is
title + body: see docs/xapian-spike.md for how that differs from Whoosh's per-field BM25.
Ties go by id, so a sharded index ranks exactly as one database of the same documents.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import xapian

from ...config import EngineConfig, Shard
from ...errors import EngineUnavailable, IndexMissing, IndexOutdated
from ...text.tags import default_gazetteer
from .. import query
from ..base import Found, Match, Sort, index_version, months_of, top_entities
from .documents import (
    DATABASE_DIR,
    ENTITY,
    FIELD_PREFIXES,
    ID,
    LANG,
    SLOT_DAY,
    SLOT_ENTITIES,
    SLOT_ID,
    SLOT_LANG,
    SLOT_NEWEST,
    SLOT_OLDEST,
    SLOT_SOURCE,
    SLOT_TAGS,
    SLOT_YEAR,
    TAG_BITS,
    WORD,
    _State,
    _stored,
    _tag_slots,
    _term,
)
from .network import _close, _failed_shards, _unavailable
from .query import _terms_between, _terms_from, _terms_within, _Translator

# Terms whose document counts a thread remembers (per generation) before starting afresh.
TERMFREQ_CACHE_SIZE = 50_000
RELATED_TERMS = 12  # key terms of a more-like-this query (as Whoosh's engine)
# In partial mode, a shard found down is left out this long before it is tried again (a
# stalled one costs timeout_ms per try).
DOWN_RETRY_SECONDS = 5.0

T = TypeVar("T")


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
    """One thread's view of the index (see :class:`searchapp.engines.base.View`); ``Match.key``
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
                spies["entity"] = xapian.ValueCountMatchSpy(SLOT_ENTITIES)
                spies["lang"] = xapian.ValueCountMatchSpy(SLOT_LANG)
                spies["day"] = xapian.ValueCountMatchSpy(SLOT_DAY)
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
        USE_EXACT_TERMFREQ (slow on remote shards)."""

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

    def entity_values(self, prefix: str = "") -> Iterator[tuple[str, int]]:
        def values(db: xapian.Database) -> Iterator[tuple[str, int]]:
            cut = len(ENTITY.encode("utf-8"))
            for item in db.allterms(ENTITY + prefix):
                yield item.term[cut:].decode("utf-8"), item.termfreq

        return self._iterate(values)

    def languages(self) -> dict[str, int]:
        """The ``lang`` terms' document counts (over every shard: the combined database's
        term list sums them, as :meth:`entity_values` reads them)."""

        def counts(connection: _Connection) -> dict[str, int]:
            cut = len(LANG.encode("utf-8"))
            return {
                item.term[cut:].decode("utf-8"): item.termfreq
                for item in connection.db.allterms(LANG)
            }

        return self._call(counts)


def _docid(db: xapian.Database, article_id: str) -> int | None:
    for item in db.postlist(_term(ID, article_id)):
        return item.docid
    return None


def _facet_counts(spies: dict[str, xapian.ValueCountMatchSpy]) -> dict[str, dict[Any, int]]:
    """Value -> count per facet; a tag slot's count of a set of bits goes to each tag."""
    groups: dict[str, dict[Any, int]] = {
        "source": {},
        "year": {},
        "tag": {},
        "entity": {},
        "lang": {},
        "day": {},
    }
    names = default_gazetteer().names
    for name, spy in spies.items():
        for item in spy.values():
            if name in ("year", "day"):
                values: list[Any] = [int(xapian.sortable_unserialise(item.term))]
            elif name in ("source", "lang"):
                values = [item.term.decode("utf-8")]
            elif name == "entity":
                values = item.term.decode("utf-8").split("\n")
            else:  # "tag <group>"
                first = int(name.split()[1]) * TAG_BITS
                mask = item.term[0]
                values = [names[first + bit] for bit in range(TAG_BITS) if mask >> bit & 1]
            counts = groups[name.split()[0]]
            for value in values:
                counts[value] = counts.get(value, 0) + item.termfreq
    groups["entity"] = top_entities(groups["entity"])
    # Undated documents have no day value: what the spies saw less the dated ones.
    day_counts = groups.pop("day")
    undated = spies["day"].get_total() - sum(day_counts.values())
    if undated:
        day_counts[0] = undated
    groups["month"] = months_of(day_counts)
    return groups
