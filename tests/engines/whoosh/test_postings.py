"""SegmentBuilder writes the segment Whoosh's SegmentWriter writes, block for block in the
postings, whether its term pool stays in memory or spills to runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from whoosh import index as whoosh_index
from whoosh.reading import SegmentReader
from whoosh.writing import SegmentWriter

from searchapp.engines.whoosh.postings import SegmentBuilder
from searchapp.engines.whoosh.schema import SCHEMA
from searchapp.engines.whoosh.writer import _document
from searchapp.errors import CorpusError
from searchapp.ingest.discover import discover
from searchapp.ingest.readers import read_source
from tests.conftest import FIXTURES, SEEDS


def documents(*folders: Path) -> list[dict[str, object]]:
    """The documents the indexer makes of every article in ``folders`` (the fixtures and the
    seeds by default), duplicates included."""
    found = []
    for folder in folders or (FIXTURES, SEEDS):
        sources, _ = discover(folder)
        for source in sources:
            try:
                parsed = read_source(source)
            except CorpusError:
                continue
            found.extend(_document(article)[0] for article in parsed.articles)
    return found


def build(folder: Path, writer_class: type[SegmentWriter], limitmb: int) -> whoosh_index.Index:
    folder.mkdir()
    ix = whoosh_index.create_in(str(folder), SCHEMA)
    writer = writer_class(ix, limitmb=limitmb)
    for document in documents():
        writer.add_document(**document)
    writer.commit()
    return whoosh_index.open_dir(str(folder), schema=SCHEMA)


def blocks(reader, fieldname: str, text: bytes) -> list[tuple[tuple, list[tuple]]]:
    """A term's posting blocks: each block's statistics and postings. (Not the raw bytes: the
    pickled blocks differ where the same value object repeats in one, as the pickle refers
    back to it.)"""
    matcher = reader.postings(fieldname, text)
    found = []
    while matcher.is_active():
        statistics = (
            matcher.block_min_id(),
            matcher.block_max_id(),
            matcher.block_min_length(),
            matcher.block_max_length(),
            matcher.block_max_weight(),
        )
        postings = []
        while matcher.is_active() and matcher.id() <= statistics[1]:
            postings.append((matcher.id(), matcher.weight(), matcher.value()))
            matcher.next()
        found.append((statistics, postings))
    return found


def term_statistics(info) -> tuple:
    return (
        info.weight(),
        info.doc_frequency(),
        info.min_length(),
        info.max_length(),
        info.max_weight(),
        info.min_id(),
        info.max_id(),
    )


# limitmb 0 spills the pool after every posting: the merge of runs at its most demanding.
@pytest.mark.parametrize("limitmb", [128, 0], ids=["in memory", "spilled"])
def test_builder_writes_the_segment_whoosh_writes(tmp_path, limitmb):
    plain = build(tmp_path / "plain", SegmentWriter, 128).reader()
    built = build(tmp_path / "built", SegmentBuilder, limitmb).reader()
    terms = list(plain.all_terms())
    assert len(terms) > 500
    assert list(built.all_terms()) == terms
    for fieldname, text in terms:
        plain_info, built_info = plain.term_info(fieldname, text), built.term_info(fieldname, text)
        assert term_statistics(built_info) == term_statistics(plain_info), (fieldname, text)
        assert blocks(built, fieldname, text) == blocks(plain, fieldname, text)
    assert list(built.all_stored_fields()) == list(plain.all_stored_fields())
    for fieldname in ("title", "body", "source", "author"):
        assert built.field_length(fieldname) == plain.field_length(fieldname)
        assert [built.doc_field_length(n, fieldname) for n in range(built.doc_count_all())] == [
            plain.doc_field_length(n, fieldname) for n in range(plain.doc_count_all())
        ]


def test_long_posting_lists_span_several_blocks(tmp_path):
    # The fixtures hold fewer documents than a block (128 postings): one term in 300.
    readers = []
    for writer_class in (SegmentWriter, SegmentBuilder):
        folder = tmp_path / writer_class.__name__
        folder.mkdir()
        ix = whoosh_index.create_in(str(folder), SCHEMA)
        writer = writer_class(ix, limitmb=0)
        for number in range(300):
            writer.add_document(id=str(number), body=f"spy {'spy ' * (number % 7)}number{number}")
        writer.commit()
        readers.append(whoosh_index.open_dir(str(folder), schema=SCHEMA).reader())
    plain, built = readers
    assert plain.doc_frequency("body", "spi") == 300
    assert len(blocks(plain, "body", b"spi")) == 3  # 128 postings to a block
    assert blocks(built, "body", b"spi") == blocks(plain, "body", b"spi")
    assert term_statistics(built.term_info("body", "spi")) == term_statistics(
        plain.term_info("body", "spi")
    )


def test_builders_sharing_a_temporary_folder_keep_their_runs_apart(tmp_path):
    # The reindex's workers write into one index, and so one temporary folder, at once.
    ix = whoosh_index.create_in(str(tmp_path), SCHEMA)
    builders = [SegmentBuilder(ix, _lk=False, limitmb=0) for _ in range(2)]
    for number in range(20):
        for name, builder in zip(("alpha", "beta"), builders, strict=True):
            builder.add_document(id=f"{name}{number}", body=f"{name} agent number{number}")
    assert not set(builders[0].pool.runs) & set(builders[1].pool.runs)
    for name, builder in zip(("alpha", "beta"), builders, strict=True):
        segment = builder._finalize_segment()
        reader = SegmentReader(ix.storage, SCHEMA, segment)
        assert reader.doc_frequency("body", name) == 20
        assert reader.doc_frequency("body", "agent") == 20
        assert not reader.has_deletions()
        assert {fields["id"] for fields in reader.all_stored_fields()} == {
            f"{name}{number}" for number in range(20)
        }
        assert not builder.pool.runs  # removed once merged
        reader.close()


def test_builder_refuses_to_merge_segments(tmp_path):
    ix = whoosh_index.create_in(str(tmp_path), SCHEMA)
    writer = SegmentBuilder(ix, limitmb=16)
    with pytest.raises(NotImplementedError):
        writer.add_reader(ix.reader())
    writer.cancel()
