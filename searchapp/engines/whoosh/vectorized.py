"""Ranked retrieval with numpy: a query's matches and BM25F scores, posting list by posting list.

Whoosh scores a query one matching document at a time, walking a tree of Python matchers,
and its block-quality skipping skips next to nothing for the OR queries searchapp runs (measured
on 10,000 news articles: 0 to 2 blocks per query). So a search cost about 10 µs per matching
document. Here every posting list is read into arrays (from the segment's term arrays where
the reindex wrote them, see :mod:`searchapp.postings`; else decoded from Whoosh's blocks) and
the tree is evaluated on whole arrays: the same documents, the same scores (the same
arithmetic, summed in the same order as Whoosh's matcher trees), the total and every matched
document number for free.

Phrases intersect their words' arrays first and read positions only for the documents that
hold every word. Clauses it does not know (spans, ranges…) are scored by Whoosh's own matcher,
document by document, and combined like the rest. Deleted documents never match. Posting
lists decoded from blocks, phrase matches and field lengths stay in a cache bounded in bytes
(``CACHE``), so the terms searched often cost nothing after their first search.
"""

from __future__ import annotations

import bisect
import threading
import time
import zlib
from collections import OrderedDict
from collections.abc import Hashable, Iterator
from dataclasses import dataclass
from pickle import loads
from typing import Any

import numpy as np
from whoosh import query, scoring
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher
from whoosh.reading import IndexReader
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length

from .postings import TERM_ARRAYS_EXT, decode_term_arrays, read_term_arrays

_EMPTY_IDS = np.empty(0, dtype=np.int64)
_EMPTY_SCORES = np.empty(0, dtype=np.float64)


class Expired(Exception):
    """The search's deadline passed while a segment was being evaluated."""


@dataclass(frozen=True, slots=True)
class Matches:
    """Sorted segment-relative document numbers and their scores."""

    ids: np.ndarray
    scores: np.ndarray

    @staticmethod
    def empty() -> Matches:
        return Matches(_EMPTY_IDS, _EMPTY_SCORES)


def supported(searcher: Searcher) -> bool:
    """True when the searcher's weighting is one this module reproduces."""
    weighting = searcher.weighting
    return type(weighting) is scoring.BM25F and not weighting.use_final


class _Lengths:
    """Each segment's field lengths as arrays, built once per segment (in :data:`CACHE`, so
    every thread's reader shares them)."""

    @staticmethod
    def get(reader: IndexReader, fieldname: str) -> np.ndarray:
        key = ("lengths", fieldname)
        lengths = CACHE.get(reader, key)
        if lengths is None:
            lengths = _Lengths.read(reader, fieldname)
            CACHE.put(reader, key, lengths, lengths.nbytes)
        return lengths

    @staticmethod
    def read(reader: IndexReader, fieldname: str) -> np.ndarray:
        """The lengths scoring uses: Whoosh's one byte per document, decoded from the whole
        column at once (document by document is slow on big indexes). A document without the
        field gets 1, Whoosh's default (it never matches a term of the field anyway)."""
        count = reader.doc_count_all()
        lengths = np.ones(count)
        try:
            column = reader._perdoc._cached_reader(f"_{fieldname}_len", LENGTHS_COLUMN)
        except AttributeError:  # not a whoosh3 segment: ask document by document
            length = reader.doc_field_length
            return np.fromiter(
                (length(d, fieldname, 1) or 1 for d in range(count)), dtype=np.float64, count=count
            )
        if column is None:
            return lengths
        stored = min(column._count, count)
        codes = np.frombuffer(column._dbfile.get(column._basepos, stored), dtype=np.uint8)
        lengths[:stored] = np.where(codes > 0, _LENGTH_OF_BYTE[codes], 1.0)
        return lengths


_LENGTH_OF_BYTE = np.array([byte_to_length(code) for code in range(256)], dtype=np.float64)


# Bytes of decoded posting lists, phrase matches and term frequencies kept between searches,
# over all readers together: frequent terms are decoded once, and memory stays bounded.
CACHE_BYTES = 256 * 1024 * 1024


def _owner(reader: IndexReader) -> tuple[str, ...]:
    """What a reader's cached values derive from: its segments, whose files never change. So
    every thread's reader of the same segments shares their entries (a server has one reader
    per thread), and a new generation's new segments get new ones. (An empty index's reader
    has no segment.)"""
    segments = (leaf.segment() for leaf, _ in reader.leaf_readers())
    return tuple(segment.segment_id() for segment in segments if segment is not None)


class _Cache:
    """An LRU of values derived from index segments, bounded in (estimated) bytes over all of
    them; entries of segments merged away are evicted like any other."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.size = 0
        self._items: OrderedDict[tuple[tuple[str, ...], Hashable], tuple[Any, int]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, reader: IndexReader, key: Hashable) -> Any:
        full = (_owner(reader), key)
        with self._lock:
            item = self._items.get(full)
            if item is None:
                return None
            self._items.move_to_end(full)
            return item[0]

    def put(self, reader: IndexReader, key: Hashable, value: Any, nbytes: int) -> None:
        if nbytes > self.limit:
            return
        full = (_owner(reader), key)
        with self._lock:
            old = self._items.pop(full, None)
            if old is not None:
                self.size -= old[1]
            self._items[full] = (value, nbytes)
            self.size += nbytes
            while self.size > self.limit:
                _evicted, (_value, size) = self._items.popitem(last=False)
                self.size -= size

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.size = 0

    def __len__(self) -> int:
        return len(self._items)


CACHE = _Cache(CACHE_BYTES)


@dataclass(frozen=True, slots=True)
class _Layout:
    """Where a term's Whoosh3 blocks are, to read the positions of some documents."""

    starts: np.ndarray  # index in the posting list of each block's first posting
    blocks: tuple[tuple[int, int, bool], ...]  # each block's data offset, length, compression

    def nbytes(self) -> int:
        return self.starts.nbytes + 64 * len(self.blocks)


@dataclass(frozen=True, slots=True)
class _Postings:
    """A term's whole posting list, decoded (deleted documents included)."""

    ids: np.ndarray  # ascending document numbers
    weights: np.ndarray  # term frequencies (float64)
    # Whoosh3 blocks (readable through any reader of the segment's own postings file; never
    # one kept here, as threads share the entries and a file handle is not thread-safe).
    in_blocks: bool
    layout: _Layout | None = None  # known when decoded from the blocks

    def nbytes(self) -> int:
        layout = self.layout.nbytes() if self.layout is not None else 0
        return self.ids.nbytes + self.weights.nbytes + layout


_NO_POSTINGS = _Postings(_EMPTY_IDS, _EMPTY_SCORES, False)


def _read_block(postfile: Any, offset: int, length: int, compressed: bool) -> Any:
    """A block's (ids, weights, values) tuple, read as Whoosh's W3LeafMatcher reads it."""
    raw = postfile.get(offset, length)
    return loads(zlib.decompress(raw) if compressed else raw)


def _postings(reader: IndexReader, fieldname: str, text: str) -> _Postings:
    """A term's decoded postings: read from the segment's term arrays when it has the term
    there (one read, not cached), else decoded from Whoosh's blocks once and cached."""
    arrays = _term_arrays(reader)
    if arrays is not None and (where := arrays.get((fieldname, text))) is not None:
        return _read_arrays(reader, *where)
    key = ("postings", fieldname, text)
    found = CACHE.get(reader, key)
    if found is None:
        found = _decode(reader, fieldname, text)
        CACHE.put(reader, key, found, found.nbytes())
    return found


def _term_arrays_name(reader: IndexReader) -> str | None:
    segment = reader.segment()
    return None if segment is None else segment.make_filename(TERM_ARRAYS_EXT)


def _term_arrays(reader: IndexReader) -> dict[tuple[str, str], tuple[int, int]] | None:
    """The directory of the segment's term arrays file (cached), or None without one (a
    segment written by Whoosh's own writer: an incremental reindex's or a merge's)."""
    found = CACHE.get(reader, "term arrays")
    if found is None:
        name = _term_arrays_name(reader)
        storage = getattr(reader, "_storage", None)
        directory: dict[tuple[str, str], tuple[int, int]] | bool = False
        if name is not None and storage is not None and storage.file_exists(name):
            with storage.open_file(name) as dbfile:
                directory = read_term_arrays(dbfile)
        found = (directory,)
        CACHE.put(reader, "term arrays", found, 200 * len(directory or ()) + 64)
    return found[0] or None


def _read_arrays(reader: IndexReader, offset: int, length: int) -> _Postings:
    with reader._storage.open_file(_term_arrays_name(reader)) as dbfile:
        dbfile.seek(offset)
        ids, weights = decode_term_arrays(dbfile.read(length))
    return _Postings(ids, weights, True)


def _decode(reader: IndexReader, fieldname: str, text: str) -> _Postings:
    try:
        matcher = reader.postings(fieldname, text)
    except Exception:  # whoosh raises TermNotFound (and others) for missing terms
        return _NO_POSTINGS
    inner = getattr(matcher, "child", matcher)  # unwrap the deletions filter
    if not isinstance(inner, W3LeafMatcher):
        out_ids, out_weights = [], []
        while inner.is_active():
            out_ids.append(inner.id())
            out_weights.append(inner.weight())
            inner.next()
        ids = np.asarray(out_ids, dtype=np.int64)
        return _Postings(ids, np.asarray(out_weights, dtype=np.float64), False)
    ids: list[Any] = []
    weights: list[Any] = []
    starts: list[int] = []
    blocks: list[tuple[int, int, bool]] = []
    count = 0
    for block, length in _blocks(inner):
        data = inner._data if inner._data is not None else _read_block(inner._postfile, *block)
        block_ids, block_weights = data[0], data[1]
        if inner._byteids:
            ids.append(np.asarray(block_ids, dtype=np.int64))
        else:
            ids.append(np.cumsum(np.asarray(block_ids, dtype=np.int64)))
        if block_weights is None:
            weights.append(np.ones(length))
        elif isinstance(block_weights, float):
            weights.append(np.full(length, block_weights))
        else:
            weights.append(np.asarray(block_weights, dtype=np.float64))
        starts.append(count)
        blocks.append(block)
        count += length
    if not ids:
        return _NO_POSTINGS
    layout = _Layout(np.asarray(starts, dtype=np.int64), tuple(blocks))
    return _Postings(np.concatenate(ids), np.concatenate(weights), True, layout)


def _blocks(inner: W3LeafMatcher) -> Iterator[tuple[tuple[int, int, bool], int]]:
    """Each block of a term's postings: where its data is (offset, length, compression) and
    how many postings it holds, read from its header; the matcher stays on the block until
    the next one is asked for."""
    while inner.is_active():
        yield (
            (inner._dataoffset, inner._nextoffset - inner._dataoffset, bool(inner._compression)),
            inner._blocklength,
        )
        inner._next_block()


def _layout(reader: IndexReader, fieldname: str, text: str, postings: _Postings) -> _Layout:
    """Where the term's blocks are: known from decoding them, or found by reading the block
    headers alone (for lists read from term arrays; cached)."""
    if postings.layout is not None:
        return postings.layout
    key = ("layout", fieldname, text)
    found = CACHE.get(reader, key)
    if found is None:
        inner = reader.postings(fieldname, text)
        inner = getattr(inner, "child", inner)  # unwrap the deletions filter
        starts: list[int] = []
        blocks: list[tuple[int, int, bool]] = []
        count = 0
        for block, length in _blocks(inner):
            blocks.append(block)
            starts.append(count)
            count += length
        found = _Layout(np.asarray(starts, dtype=np.int64), tuple(blocks))
        CACHE.put(reader, key, found, found.nbytes())
    return found


def _positions(
    postings: _Postings, layout: _Layout, docs: np.ndarray, decode: Any, postfile: Any
) -> tuple[np.ndarray, np.ndarray]:
    """The term's positions in each of ``docs`` (sorted, all in the postings), as parallel
    arrays of document numbers and positions; only the blocks holding them are read, from
    ``postfile`` (this thread's reader's)."""
    where = np.searchsorted(postings.ids, docs)
    block_of = np.searchsorted(layout.starts, where, side="right") - 1
    out_docs: list[int] = []
    out_positions: list[int] = []
    data: Any = None
    current = -1
    for doc, i, b in zip(docs.tolist(), where.tolist(), block_of.tolist(), strict=True):
        if b != current:
            data, current = _read_block(postfile, *layout.blocks[b])[2], b
        found = decode(data[i - int(layout.starts[b])])
        out_docs.extend([doc] * len(found))
        out_positions.extend(found)
    return np.asarray(out_docs, dtype=np.int64), np.asarray(out_positions, dtype=np.int64)


def _deleted(reader: IndexReader) -> np.ndarray | None:
    deleted = reader.deleted_docs_set if reader.has_deletions() else None
    return np.fromiter(sorted(deleted), dtype=np.int64) if deleted else None


class Evaluator:
    """Evaluates queries on one segment of ``top`` (``segment`` at ``offset``)."""

    def __init__(
        self,
        top: Searcher,
        segment: Searcher,
        only: np.ndarray | None = None,
        deadline: float | None = None,
    ) -> None:
        self.top = top
        self.segment = segment
        # Sorted document numbers: scores are only wanted for these (others may be missing).
        self.only = only
        self.deadline = deadline  # time.perf_counter() value; Expired is raised after it
        self.reader = segment.reader()
        weighting = top.weighting
        self.B, self.K1 = weighting.B, weighting.K1
        self.deleted = _deleted(self.reader)

    def run(self, q: query.Query) -> Matches:
        found = self._eval(q)
        if self.deleted is not None and len(found.ids):
            keep = ~np.isin(found.ids, self.deleted)
            found = Matches(found.ids[keep], found.scores[keep])
        return found

    def _check_deadline(self) -> None:
        if self.deadline is not None and time.perf_counter() > self.deadline:
            raise Expired

    def _eval(self, q: query.Query) -> Matches:
        self._check_deadline()
        if isinstance(q, query.Term):
            return self._term(q)
        if isinstance(q, query.Phrase):
            return self._phrase(q)
        if isinstance(q, query.Or) and not q.minmatch and not q.scale:
            if len(q.subqueries) >= query.Or.TOO_MANY_CLAUSES:
                return self._whoosh(q)
            return self._boosted(self._union([self._eval(s) for s in q.subqueries]), q.boost)
        if isinstance(q, query.And):
            return self._boosted(self._intersection(q), q.boost)
        if isinstance(q, query.AndNot):
            return self._and_not(self._eval(q.a), self._docs(q.b))
        if isinstance(q, query.AndMaybe):
            return self._and_maybe(self._eval(q.a), self._eval(q.b))
        if q is query.NullQuery or isinstance(q, query.NullQuery.__class__):
            return Matches.empty()
        return self._whoosh(q)

    @staticmethod
    def _boosted(found: Matches, boost: float) -> Matches:
        return found if boost == 1.0 else Matches(found.ids, found.scores * boost)

    def _term(self, q: query.Term) -> Matches:
        fieldname, text = q.fieldname, q.text
        if fieldname not in self.top.schema or not self.top.schema[fieldname].scorable:
            return self._whoosh(q)
        postings = _postings(self.reader, fieldname, text)
        ids, weights = postings.ids, postings.weights
        if self.only is not None and len(ids):
            # Only these scores are wanted: the cached list is restricted, not decoded anew.
            keep = np.isin(ids, self.only, assume_unique=True)
            ids, weights = ids[keep], weights[keep]
        if not len(ids):
            return Matches.empty()
        return self._boosted(Matches(ids, self._bm25(fieldname, text, ids, weights)), q.boost)

    def _bm25(self, fieldname: str, text: str, ids: np.ndarray, weights: np.ndarray) -> np.ndarray:
        idf = self.top.idf(fieldname, text)
        avgfl = self.top.avg_field_length(fieldname) or 1
        lengths = _Lengths.get(self.reader, fieldname)[ids]
        B, K1 = self.B, self.K1
        # scoring.bm25, operation for operation.
        return idf * ((weights * (K1 + 1)) / (weights + K1 * ((1 - B) + B * lengths / avgfl)))

    def _phrase(self, q: query.Phrase) -> Matches:
        """Whoosh's Phrase (a SpanNear2 of its words, ordered, each next word 1 to ``slop``
        positions after the previous one), scored as its intersection of term matchers: the
        words' scores summed in the same binary tree, times the boost. Positions are read
        only for the documents holding every word; the unboosted matches are cached."""
        fieldname = q.fieldname
        field = self.top.schema[fieldname] if fieldname in self.top.schema else None
        if (
            field is None
            or not q.words
            or not field.scorable
            or not field.format
            or not field.format.supports("positions")
        ):
            return self._whoosh(q)
        # Matches leave deleted documents out; a segment's deletions only ever grow.
        deletions = 0 if self.deleted is None else len(self.deleted)
        key = ("phrase", fieldname, tuple(q.words), q.slop, deletions)
        found = CACHE.get(self.reader, key)
        if found is None:
            found = self._phrase_matches(fieldname, list(q.words), q.slop)
            if found is None:
                return self._whoosh(q)
            CACHE.put(self.reader, key, found, found.ids.nbytes + found.scores.nbytes + 64)
        if self.only is not None and len(found.ids):
            keep = np.isin(found.ids, self.only, assume_unique=True)
            found = Matches(found.ids[keep], found.scores[keep])
        return self._boosted(found, q.boost)

    def _phrase_matches(self, fieldname: str, words: list[str], slop: int) -> Matches | None:
        """The phrase's matches unboosted, or None when its postings are not whoosh3 blocks."""
        lists = [_postings(self.reader, fieldname, word) for word in words]
        if any(not len(p.ids) for p in lists):
            return Matches.empty()
        postfile = getattr(getattr(self.reader, "_terms", None), "_postfile", None)
        if postfile is None or not all(p.in_blocks for p in lists):
            return None
        docs = lists[0].ids
        for postings in lists[1:]:
            docs = np.intersect1d(docs, postings.ids, assume_unique=True)
        if self.deleted is not None:
            docs = docs[~np.isin(docs, self.deleted)]
        decode = self.top.schema[fieldname].format.decode_positions
        ends = _EMPTY_IDS  # (document << 32) + position of the last word matched so far
        for i, (word, postings) in enumerate(zip(words, lists, strict=True)):
            if not len(docs):
                return Matches.empty()
            layout = _layout(self.reader, fieldname, word, postings)
            at_docs, positions = _positions(postings, layout, docs, decode, postfile)
            keys = (at_docs << 32) + positions
            if i:
                follows = np.concatenate([ends + gap for gap in range(1, slop + 1)])
                keys = keys[np.isin(keys, follows)]
            ends = keys
            docs = np.unique(ends >> 32)
        if not len(docs):
            return Matches.empty()
        scores = []
        for word, postings in zip(words, lists, strict=True):
            weights = postings.weights[np.searchsorted(postings.ids, docs)]
            scores.append(self._bm25(fieldname, word, docs, weights))
        return Matches(docs, _tree_sum(scores))

    def _union(self, parts: list[Matches]) -> Matches:
        """Whoosh's binary tree of UnionMatchers: the same halves, so the same sums."""
        if len(parts) == 1:
            return parts[0]
        half = len(parts) // 2
        a, b = self._union(parts[:half]), self._union(parts[half:])
        return _merge(a, b, both=False)

    def _intersection(self, q: query.And) -> Matches:
        """Whoosh's weighted tree of IntersectionMatchers (smallest estimates joined first)."""
        subs = q.subqueries
        if len(subs) == 1:
            return self._eval(subs[0])
        reader = self.reader
        weighted = [(0 - s.estimate_size(reader), i, self._eval(s)) for i, s in enumerate(subs)]
        weighted.sort(key=lambda item: (item[0], item[1]))
        order = len(weighted)
        while len(weighted) > 1:
            wa, _ia, a = weighted.pop(0)
            wb, _ib, b = weighted.pop(0)
            bisect.insort(
                weighted, (wa + wb, order, _merge(a, b, both=True)), key=lambda x: (x[0], x[1])
            )
            order += 1
        return weighted[0][2]

    @staticmethod
    def _and_not(a: Matches, excluded: np.ndarray) -> Matches:
        if not len(a.ids) or not len(excluded):
            return a
        keep = ~np.isin(a.ids, excluded, assume_unique=True)
        return Matches(a.ids[keep], a.scores[keep])

    @staticmethod
    def _and_maybe(a: Matches, b: Matches) -> Matches:
        if not len(a.ids) or not len(b.ids):
            return a
        common, ia, ib = np.intersect1d(a.ids, b.ids, assume_unique=True, return_indices=True)
        scores = a.scores.copy()
        scores[ia] = a.scores[ia] + b.scores[ib]
        return Matches(a.ids, scores)

    def _docs(self, q: query.Query) -> np.ndarray:
        """The documents ``q`` matches (unscored)."""
        if isinstance(q, (query.Term, query.Phrase, query.Or, query.And, query.AndNot)):
            return self._eval(q).ids
        return np.fromiter(sorted(q.docs(self.segment)), dtype=np.int64)

    def _whoosh(self, q: query.Query) -> Matches:
        """Whoosh's own matcher, document by document, for clauses not handled here."""
        matcher = q.matcher(self.segment, self.segment.context(needs_current=True))
        ids, scores = [], []
        while matcher.is_active():
            ids.append(matcher.id())
            scores.append(matcher.score())
            matcher.next()
            if not len(ids) % 1024:
                self._check_deadline()
        return Matches(np.asarray(ids, dtype=np.int64), np.asarray(scores, dtype=np.float64))


def _tree_sum(parts: list[np.ndarray]) -> np.ndarray:
    """Sums in Whoosh's ``make_binary_tree`` order: (first half) + (second half)."""
    if len(parts) == 1:
        return parts[0]
    half = len(parts) // 2
    return _tree_sum(parts[:half]) + _tree_sum(parts[half:])


def _merge(a: Matches, b: Matches, *, both: bool) -> Matches:
    """Union (``both=False``) or intersection of two match lists, scores added (a + b)."""
    if both:
        common, ia, ib = np.intersect1d(a.ids, b.ids, assume_unique=True, return_indices=True)
        return Matches(common, a.scores[ia] + b.scores[ib])
    if not len(a.ids):
        return b
    if not len(b.ids):
        return a
    # On dense arrays over the document numbers: linear, where np.union1d sorts.
    size = int(max(a.ids[-1], b.ids[-1])) + 1
    present = np.zeros(size, dtype=bool)
    present[a.ids] = True
    present[b.ids] = True
    dense = np.zeros(size)
    dense[a.ids] = a.scores
    # a + b where both match (Whoosh's order), 0 + b (exactly b) where b alone does.
    dense[b.ids] += b.scores
    ids = np.flatnonzero(present)
    scores = dense[ids]
    return Matches(ids, scores)


def evaluate(
    searcher: Searcher,
    q: query.Query,
    allowed: query.Query | None = None,
    deadline: float | None = None,
) -> tuple[np.ndarray, np.ndarray, bool]:
    """Global document numbers and scores of every document ``q`` matches (and ``allowed``,
    unscored, if given), in document order, and whether ``deadline`` (a
    ``time.perf_counter()`` value) passed first: then only the segments finished by then are
    searched, so the matches are right but maybe not all."""
    all_ids, all_scores = [], []
    timed_out = False
    for segment, offset in searcher.leaf_searchers():
        evaluator = Evaluator(searcher, segment, deadline=deadline)
        try:
            found = evaluator.run(q)
            if allowed is not None and len(found.ids):
                keep = np.isin(found.ids, evaluator._docs(allowed), assume_unique=True)
                found = Matches(found.ids[keep], found.scores[keep])
        except Expired:
            timed_out = True
            break
        all_ids.append(found.ids + offset)
        all_scores.append(found.scores)
    if not all_ids:
        return _EMPTY_IDS, _EMPTY_SCORES, timed_out
    return np.concatenate(all_ids), np.concatenate(all_scores), timed_out


def scores_for(searcher: Searcher, q: query.Query, docnums: list[int]) -> dict[int, float]:
    """``q``'s scores for the given global document numbers (ascending) that it matches,
    computed for those documents only (on the cached posting lists)."""
    wanted = np.asarray(docnums, dtype=np.int64)
    scores: dict[int, float] = {}
    for segment, offset in searcher.leaf_searchers():
        start, end = np.searchsorted(wanted, [offset, offset + segment.reader().doc_count_all()])
        local = wanted[start:end] - offset
        if not len(local):
            continue
        found = Evaluator(searcher, segment, local).run(q)
        keep = np.isin(found.ids, local, assume_unique=True)
        for docnum, score in zip(found.ids[keep], found.scores[keep], strict=True):
            scores[int(docnum) + offset] = float(score)
    return scores


def top(ids: np.ndarray, scores: np.ndarray, limit: int) -> list[tuple[float, int]]:
    """The ``limit`` best (score, docnum) pairs, best first, ties by document number (as
    Whoosh's TopCollector orders them)."""
    if len(ids) > limit * 4:
        # Only the candidates at or above the limit-th best score can make the list.
        cut = np.partition(scores, len(scores) - limit)[len(scores) - limit]
        chosen = scores >= cut
        ids, scores = ids[chosen], scores[chosen]
    order = np.lexsort((ids, -scores))[:limit]
    return [(float(scores[i]), int(ids[i])) for i in order]


class _FacetColumns:
    """Per segment: each single-valued facet field as value codes per document, and each
    tag's documents; built once per segment (in :data:`CACHE`, shared by every thread)."""

    @staticmethod
    def column(reader: IndexReader, fieldname: str) -> tuple[np.ndarray, list[Any]]:
        key = ("facet column", fieldname)
        cached = CACHE.get(reader, key)
        if cached is None:
            code_of: dict[Any, int] = {}
            column = reader.column_reader(fieldname, translate=True)
            codes = np.fromiter(
                (code_of.setdefault(v, len(code_of)) for v in column),
                dtype=np.int64,
                count=reader.doc_count_all(),
            )
            cached = (codes, list(code_of))
            CACHE.put(reader, key, cached, codes.nbytes + 100 * len(code_of))
        return cached

    @staticmethod
    def postings(reader: IndexReader, fieldname: str) -> dict[str, np.ndarray]:
        key = ("facet postings", fieldname)
        cached = CACHE.get(reader, key)
        if cached is None:
            cached = _value_postings(reader, fieldname)
            size = sum(docs.nbytes + 100 for docs in cached.values())
            CACHE.put(reader, key, cached, size)
        return cached


def _value_postings(reader: IndexReader, fieldname: str) -> dict[str, np.ndarray]:
    """Each value of a many-valued field and its documents (deleted ones included: they
    never match, so they are never counted)."""
    return {
        text: np.fromiter(reader.postings(fieldname, text).all_ids(), dtype=np.int64)
        for text in reader.field_terms(fieldname)
    }


def facet_counts(
    searcher: Searcher, ids: np.ndarray, columns: tuple[str, ...], keywords: tuple[str, ...]
) -> dict[str, dict[Any, int]]:
    """How many of the documents ``ids`` (global, sorted) have each value of each field:
    ``columns`` are one-valued sortable fields, ``keywords`` many-valued indexed ones."""
    counts: dict[str, dict[Any, int]] = {name: {} for name in (*columns, *keywords)}
    for segment, offset in searcher.leaf_searchers():
        reader = segment.reader()
        size = reader.doc_count_all()
        start, end = np.searchsorted(ids, [offset, offset + size])
        local = ids[start:end] - offset
        if not len(local):
            continue
        for name in columns:
            codes, values = _FacetColumns.column(reader, name)
            found = np.bincount(codes[local], minlength=len(values))
            into = counts[name]
            for code in np.flatnonzero(found):
                into[values[code]] = into.get(values[code], 0) + int(found[code])
        if keywords:
            matched = np.zeros(size, dtype=bool)
            matched[local] = True
            for name in keywords:
                into = counts[name]
                for text, docs in _FacetColumns.postings(reader, name).items():
                    n = int(matched[docs].sum())
                    if n:
                        into[text] = into.get(text, 0) + n
    return counts
