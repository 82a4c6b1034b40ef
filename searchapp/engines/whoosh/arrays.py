"""The index read into numpy arrays for :mod:`.vectorized`: each term's posting list (from the
segment's term arrays where the reindex wrote them, see :mod:`.postings`; else decoded from
Whoosh's blocks), positions for phrases, field lengths, deletions and facet columns, and the
cache, bounded in bytes, that keeps them between searches (``CACHE``).
"""

from __future__ import annotations

import threading
import zlib
from collections import OrderedDict
from collections.abc import Hashable, Iterator
from dataclasses import dataclass
from pickle import loads
from typing import Any

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher
from whoosh.reading import IndexReader
from whoosh.util.numeric import byte_to_length

from .postings import TERM_ARRAYS_EXT, decode_term_arrays, read_term_arrays

_EMPTY_IDS = np.empty(0, dtype=np.int64)
_EMPTY_SCORES = np.empty(0, dtype=np.float64)


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

    @staticmethod
    def lists(reader: IndexReader, fieldname: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """A many-valued field as each document's value codes (CSR: the codes of document
        ``d`` are ``codes[indptr[d]:indptr[d + 1]]``), and the values by code."""
        key = ("facet lists", fieldname)
        cached = CACHE.get(reader, key)
        if cached is None:
            postings = _value_postings(reader, fieldname)
            values = list(postings)
            size = reader.doc_count_all()
            if values:
                docs = np.concatenate([postings[value] for value in values])
                lengths = [len(postings[value]) for value in values]
                codes = np.repeat(np.arange(len(values), dtype=np.int32), lengths)
                order = np.argsort(docs, kind="stable")
                docs, codes = docs[order], codes[order]
            else:
                docs, codes = np.zeros(0, np.int64), np.zeros(0, np.int32)
            indptr = np.searchsorted(docs, np.arange(size + 1))
            cached = (indptr, codes, values)
            nbytes = indptr.nbytes + codes.nbytes + sum(60 + len(v) for v in values)
            CACHE.put(reader, key, cached, nbytes)
        return cached


def _value_postings(reader: IndexReader, fieldname: str) -> dict[str, np.ndarray]:
    """Each value of a many-valued field and its documents (deleted ones included: they
    never match, so they are never counted)."""
    return {
        text: np.fromiter(reader.postings(fieldname, text).all_ids(), dtype=np.int64)
        for text in reader.field_terms(fieldname)
    }
