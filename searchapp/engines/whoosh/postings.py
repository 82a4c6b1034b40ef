"""A faster way to write a new segment's postings, for the reindex's worker processes.

Whoosh's :class:`~whoosh.writing.SegmentWriter` puts every posting, as a tuple, in a pool that
it sorts, pickles to temporary runs and merges back posting by posting; then it looks up the
document's field length once per posting. That was about half of a worker's time. Here the
postings are grouped by term as they arrive, packed into arrays (documents are added in order,
so each term's list is already sorted), and only the terms are sorted. Above a memory limit
the terms are spilled to a run file in term order, and the runs are merged term by term.

The segment is written by Whoosh's own posting writer, block by block as Whoosh writes it;
``tests/test_postings.py`` compares the two block by block.

Beside the segment, it writes each long posting list's document numbers and weights once more,
as packed arrays (:class:`TermArraysWriter`, read back by :func:`read_term_arrays`): search
reads a whole list with one read and ``numpy.frombuffer``, where decoding Whoosh's pickled
blocks took 0.1 s for a term of 500,000 postings (most of a search's time at 1M articles).
"""

from __future__ import annotations

import heapq
import marshal
import pickle
import struct
from array import array
from collections.abc import Iterator
from itertools import groupby
from operator import itemgetter
from typing import Any

import numpy as np
from whoosh.util import random_name
from whoosh.writing import SegmentWriter

# Bytes a term costs in the pool besides its postings (dict entry, key, three containers).
_TERM_OVERHEAD = 300
# Bytes a posting costs besides its value: document number, weight, reference to its value.
# (Values repeat: most are a single position, whose encoding is one shared object.)
_POSTING_OVERHEAD = 20


# The term arrays file of a segment: a header, each long posting list's arrays, the directory
# of terms (pickled), and the directory's offset. The file is one of the segment's own files
# (in its compound file, if it has one), so Whoosh deletes it with the segment.
TERM_ARRAYS_EXT = ".tarr"
_MAGIC = b"searchapp term arrays 1\n"
# A term's record: posting count, first document number, bytes per document gap, weight code.
_RECORD = struct.Struct("<IIBB")
_OFFSET = struct.Struct("<Q")
_WEIGHT_TYPES = {1: np.uint8, 2: np.uint16, 4: np.float32}  # by weight code
_GAP_TYPES = {1: np.uint8, 2: np.uint16, 4: np.uint32}  # by bytes per gap


def _narrowest(values: np.ndarray, codes: dict[int, Any]) -> int:
    """The smallest code of ``codes`` whose integer type holds every value of ``values``."""
    top = int(values.max()) if len(values) else 0
    return next(code for code, kind in codes.items() if top <= np.iinfo(kind).max)


def encode_term_arrays(docs: array, weights: array) -> bytes:
    """One posting list (ascending document numbers, weights) as a term arrays record:
    document gaps and weights each in the narrowest type that keeps them exact (weights as
    Whoosh keeps them, float32, unless they are small whole numbers)."""
    ids = np.frombuffer(docs, dtype=np.uint32) if docs.itemsize == 4 else np.asarray(docs)
    gaps = np.diff(ids.astype(np.int64))
    gap_code = _narrowest(gaps, _GAP_TYPES)
    floats = np.asarray(weights, dtype=np.float32)
    whole = bool(np.all(floats == np.floor(floats))) and floats.min() >= 0
    weight_code = (
        _narrowest(floats, {1: np.uint8, 2: np.uint16}) if whole and floats.max() < 65536 else 4
    )
    header = _RECORD.pack(len(ids), int(ids[0]), gap_code, weight_code)
    return (
        header
        + gaps.astype(_GAP_TYPES[gap_code]).tobytes()
        + floats.astype(_WEIGHT_TYPES[weight_code]).tobytes()
    )


def decode_term_arrays(record: bytes) -> tuple[np.ndarray, np.ndarray]:
    """A record's document numbers (int64) and weights (float64), as Whoosh's blocks give them."""
    count, first, gap_code, weight_code = _RECORD.unpack_from(record)
    start = _RECORD.size
    gaps = np.frombuffer(record, dtype=_GAP_TYPES[gap_code], count=count - 1, offset=start)
    ids = np.empty(count, dtype=np.int64)
    ids[0] = first
    np.cumsum(gaps, out=ids[1:])
    ids[1:] += first
    start += (count - 1) * gap_code
    weights = np.frombuffer(record, dtype=_WEIGHT_TYPES[weight_code], count=count, offset=start)
    return ids, weights.astype(np.float64)


class TermArraysWriter:
    """Writes a segment's term arrays file, term by term."""

    def __init__(self, dbfile: Any) -> None:
        self.file = dbfile
        self.file.write(_MAGIC)
        self.directory: dict[tuple[str, str], tuple[int, int]] = {}

    def add(self, fieldname: str, text: str, docs: array, weights: array) -> None:
        record = encode_term_arrays(docs, weights)
        self.directory[fieldname, text] = (self.file.tell(), len(record))
        self.file.write(record)

    def close(self) -> None:
        where = self.file.tell()
        self.file.write(pickle.dumps(self.directory, pickle.HIGHEST_PROTOCOL))
        self.file.write(_OFFSET.pack(where))
        self.file.close()


def read_term_arrays(dbfile: Any) -> dict[tuple[str, str], tuple[int, int]]:
    """The directory of a term arrays file: (field, term) -> (offset, length) of its record."""
    if dbfile.read(len(_MAGIC)) != _MAGIC:
        raise ValueError("not a term arrays file")
    dbfile.seek(0, 2)
    size = dbfile.tell()
    dbfile.seek(size - _OFFSET.size)
    (where,) = _OFFSET.unpack(dbfile.read(_OFFSET.size))
    dbfile.seek(where)
    return pickle.loads(dbfile.read(size - _OFFSET.size - where))


class _Postings:
    """One term's postings, in the order added."""

    __slots__ = ("docs", "weights", "values")

    def __init__(self) -> None:
        self.docs = array("I")
        self.weights = array("d")
        self.values: list[bytes | None] = []

    def dump(self) -> tuple[bytes, bytes, list[bytes | None]]:
        return self.docs.tobytes(), self.weights.tobytes(), self.values

    @classmethod
    def load(cls, parts: list[tuple[bytes, bytes, list[bytes | None]]]) -> _Postings:
        """One term's postings from its parts in consecutive runs, in run order."""
        postings = cls()
        for docs, weights, values in parts:
            postings.docs.frombytes(docs)
            postings.weights.frombytes(weights)
            postings.values += values
        return postings


class TermPool:
    """Stands in for Whoosh's ``PostingPool`` in :class:`SegmentBuilder`."""

    def __init__(self, tempstore: Any, limitmb: int) -> None:
        self.tempstore = tempstore
        self.limit = limitmb * 1024 * 1024
        self.terms: dict[tuple[str, bytes], _Postings] = {}
        self.size = 0
        self.runs: list[str] = []

    def add(self, item: tuple[str, bytes, int, float, bytes | None]) -> None:
        fieldname, text, docnum, weight, value = item
        postings = self.terms.get((fieldname, text))
        if postings is None:
            postings = self.terms[fieldname, text] = _Postings()
            self.size += _TERM_OVERHEAD
        postings.docs.append(docnum)
        postings.weights.append(weight)
        postings.values.append(value)
        self.size += _POSTING_OVERHEAD + len(value) if value else _POSTING_OVERHEAD
        if self.size > self.limit:
            self._spill()

    def _spill(self) -> None:
        # Random like Whoosh's own runs: the workers' writers share one temporary folder.
        name = f"{random_name()}.run"
        with self.tempstore.create_file(name) as run:
            for key in sorted(self.terms):
                marshal.dump((key, self.terms[key].dump()), run)
        self.runs.append(name)
        self.terms = {}
        self.size = 0

    def _read_run(self, name: str) -> Iterator[tuple[tuple[str, bytes], tuple]]:
        with self.tempstore.open_file(name).raw_file() as run:
            while True:
                try:
                    yield marshal.load(run)
                except EOFError:
                    return

    def sorted_terms(self) -> Iterator[tuple[tuple[str, bytes], _Postings]]:
        """Every term in (field, text) order with all its postings."""
        if not self.runs:
            for key in sorted(self.terms):
                yield key, self.terms[key]
            return
        if self.terms:
            self._spill()
        # heapq.merge keeps equal keys in run order, which is document order.
        merged = heapq.merge(*(self._read_run(name) for name in self.runs), key=itemgetter(0))
        for key, parts in groupby(merged, key=itemgetter(0)):
            yield key, _Postings.load([part for _, part in parts])

    def cleanup(self) -> None:
        for name in self.runs:
            if self.tempstore.file_exists(name):
                self.tempstore.delete_file(name)
        self.runs = []
        self.terms = {}


class SegmentBuilder(SegmentWriter):
    """A ``SegmentWriter`` for a worker's new segment, with a :class:`TermPool`.

    Only for adding documents: it does not merge other segments (a merge would add postings
    out of document order).
    """

    def __init__(self, ix: Any, *, limitmb: int, **kwargs: Any) -> None:
        super().__init__(ix, limitmb=limitmb, **kwargs)
        self.pool = TermPool(self._tempstorage, limitmb)

    def add_reader(self, reader: Any) -> None:
        raise NotImplementedError("a SegmentBuilder only adds new documents")

    def _flush_segment(self) -> None:
        # What Whoosh's FieldWriter.add_postings does with the sorted pool, with each field's
        # lengths read once instead of once per posting.
        self.perdocwriter.close()
        lengths_reader = self.per_document_reader()
        writer = self.fieldwriter
        arrays = TermArraysWriter(self.newsegment.create_file(self.storage, TERM_ARRAYS_EXT))
        try:
            for fieldname, terms in groupby(self.pool.sorted_terms(), key=lambda t: t[0][0]):
                field = self.schema[fieldname]
                if field.scorable:
                    length_of = lengths_reader.doc_field_length_reader(fieldname)
                    lengths = [length_of(docnum) for docnum in range(self.docnum)]
                else:
                    lengths = [0] * self.docnum
                writer.start_field(fieldname, field)
                for (_, text), postings in terms:
                    writer.start_term(text)
                    _add_postings(writer._postwriter, postings, lengths)
                    writer.finish_term()
                    # Lists of one block are decoded as fast from the block itself.
                    if field.scorable and len(postings.docs) > writer._postwriter._blocklimit:
                        arrays.add(fieldname, text.decode("utf-8"), postings.docs, postings.weights)
                writer.finish_field()
        finally:
            lengths_reader.close()
            arrays.close()
        writer.close()


def _add_postings(postwriter: Any, postings: _Postings, lengths: list[int | None]) -> None:
    """``postwriter.add_posting()`` for each of a term's postings, a block at a time: the
    same blocks and block statistics, without the per-posting calls."""
    size = postwriter._blocklimit
    for start in range(0, len(postings.docs), size):
        if start:
            postwriter._write_block()
        stop = start + size
        docs = postings.docs[start:stop]
        weights = postings.weights[start:stop]
        postwriter._ids = docs
        postwriter._weights = array("f", weights)
        postwriter._values = [value for value in postings.values[start:stop] if value]
        postwriter._maxweight = max(0, max(weights))
        known = [length for length in map(lengths.__getitem__, docs) if length]
        postwriter._minlength = min(known) if known else None
        postwriter._maxlength = max(known) if known else 0
