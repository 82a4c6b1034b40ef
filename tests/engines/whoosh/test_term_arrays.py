"""Term arrays: the long posting lists a SegmentBuilder writes beside its segment, which search
reads instead of Whoosh's blocks. They must give exactly what the blocks give."""

from __future__ import annotations

from array import array
from pathlib import Path

import numpy as np
import pytest
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3Codec
from whoosh.writing import CLEAR, SegmentWriter

from searchapp.engines.whoosh import arrays
from searchapp.engines.whoosh.postings import SegmentBuilder, decode_term_arrays, encode_term_arrays
from searchapp.engines.whoosh.schema import SCHEMA
from searchapp.engines.whoosh.storage import open_index
from searchapp.reindex import reindex
from searchapp.search import SearchEngine
from tests.engines.whoosh.test_postings import documents
from tests.engines.whoosh.test_vectorized import QUERIES

# Two postings to a block: most terms of the small fixture corpus get term arrays.
BLOCK = 2


@pytest.mark.parametrize(
    "docs, weights",
    [
        ([0, 1, 2, 9], [1.0, 2.0, 1.0, 255.0]),  # one-byte gaps and weights
        ([5, 300, 70_000, 70_001], [1.0, 256.0, 3.0, 65_535.0]),  # wider gaps and weights
        ([0, 2**31], [0.5, 1.25, 2.0, 1e9][:2]),  # fractional or huge weights: float32
        ([7], [65_536.0]),
    ],
)
def test_records_give_back_what_was_written(docs, weights):
    ids, decoded = decode_term_arrays(encode_term_arrays(array("I", docs), array("d", weights)))
    assert ids.dtype == np.int64 and decoded.dtype == np.float64
    assert ids.tolist() == docs
    # Whoosh keeps weights as float32: so do the arrays.
    assert decoded.tolist() == np.asarray(weights, dtype=np.float32).astype(float).tolist()


def test_records_are_narrow_where_values_allow():
    small = encode_term_arrays(array("I", range(0, 2000, 2)), array("d", [1.0] * 1000))
    wide = encode_term_arrays(array("I", range(0, 2_000_000, 2000)), array("d", [1.5] * 1000))
    header = 10  # count, first document, gap width, weight code
    assert len(small) == header + 999 * 1 + 1000 * 1  # one-byte gaps, one-byte weights
    assert len(wide) == header + 999 * 2 + 1000 * 4  # two-byte gaps, float32 weights


def _rewritten_index(folder: Path, corpus: Path, writer_class: type[SegmentWriter]) -> Path:
    """The corpus's index, its documents rewritten by one ``writer_class`` with small blocks."""
    reindex(corpus, folder)
    writer = writer_class(open_index(folder), limitmb=16, codec=W3Codec(blocklimit=BLOCK))
    for document in documents(corpus):
        writer.add_document(**document)
    writer.commit(mergetype=CLEAR)
    return folder


@pytest.fixture
def arrays_index(tmp_path: Path, corpus_dir: Path) -> Path:
    """Written by a SegmentBuilder, as the reindex's workers write: with term arrays."""
    return _rewritten_index(tmp_path / "arrays", corpus_dir, SegmentBuilder)


@pytest.fixture
def blocks_index(tmp_path: Path, corpus_dir: Path) -> Path:
    """The same documents in the same order, written by Whoosh's writer: no term arrays."""
    return _rewritten_index(tmp_path / "blocks", corpus_dir, SegmentWriter)


def test_every_long_list_of_a_scored_field_has_arrays_equal_to_its_blocks(arrays_index: Path):
    ix = whoosh_index.open_dir(str(arrays_index), schema=SCHEMA)
    with ix.reader() as reader:
        [(leaf, _)] = reader.leaf_readers()
        directory = arrays._term_arrays(leaf)
        assert directory
        expected = {
            (fieldname, text.decode())
            for fieldname, text in leaf.all_terms()
            if SCHEMA[fieldname].scorable and leaf.doc_frequency(fieldname, text) > BLOCK
        }
        assert set(directory) == expected
        for fieldname, text in directory:
            read = arrays._postings(leaf, fieldname, text)
            blocks = arrays._decode(leaf, fieldname, text)
            assert read.ids.tolist() == blocks.ids.tolist(), (fieldname, text)
            assert read.weights.tolist() == blocks.weights.tolist(), (fieldname, text)
            # Phrases find each block's positions from the headers alone.
            layout = arrays._layout(leaf, fieldname, text, read)
            assert layout.starts.tolist() == blocks.layout.starts.tolist()
            assert layout.blocks == blocks.layout.blocks


def test_segments_of_whooshs_own_writer_have_none(blocks_index: Path):
    with open_index(blocks_index).reader() as reader:
        for leaf, _ in reader.leaf_readers():
            assert arrays._term_arrays(leaf) is None


def test_searches_read_from_term_arrays_give_what_the_blocks_give(
    arrays_index: Path, blocks_index: Path
):
    with_arrays, without = SearchEngine(arrays_index), SearchEngine(blocks_index)
    try:
        for q in QUERIES:
            a, b = with_arrays.search(q, per_page=100), without.search(q, per_page=100)
            assert [(h.id, h.score, h.snippet) for h in a.hits] == [
                (h.id, h.score, h.snippet) for h in b.hits
            ], q
            assert (a.total, a.facets) == (b.total, b.facets), q
    finally:
        with_arrays.close()
        without.close()


def test_the_arrays_go_with_their_segment(arrays_index: Path, corpus_dir: Path):
    before = {path.name for path in arrays_index.iterdir()}
    reindex(corpus_dir, arrays_index, full=True)  # a rebuild drops the old segment
    after = {path.name for path in arrays_index.iterdir()}
    assert [name for name in before - after if name.endswith(".seg")]  # it was compound
    assert not [name for name in after if name.endswith(".tarr")]
