"""The numpy search path (searchapp.engines.whoosh.vectorized) gives what Whoosh's matchers
give: the same hits in the same order, the same scores, totals and facet counts."""

from __future__ import annotations

from pathlib import Path

import pytest

from searchapp.engines.whoosh import arrays
from searchapp.engines.whoosh.storage import open_index
from searchapp.reindex import reindex
from searchapp.search import Filters, Ranking, SearchEngine

QUERIES = [
    "russia",
    "Russian hackers election",
    "spies OR sanctions",
    "gru AND novichok",
    "spies NOT linkedin",
    "NOT kremlin",
    '"nerve agent"',
    "UK intelligence",
    "cyber attack",
    "title:spies",
    "poison*",
    "skripall~",
    "hackers source:reuters",
    "tag:GRU poisoning",
    # (Not "… the British government …": there Whoosh's AndNotMatcher, stepped with next(),
    # lets a synonym of "British" score in a document that says "British"; the numpy path
    # applies the exclusion as written.)
    "who poisoned Skripal and what did the government say about the Kremlin?",
    "the of attack",
    "zzzzunknownword",
]


def _same(fast: SearchEngine, slow: SearchEngine, q: str, **kwargs) -> None:
    a = fast.search(q, per_page=100, **kwargs)
    b = slow.search(q, per_page=100, **kwargs)
    assert [h.id for h in a.hits] == [h.id for h in b.hits], q
    assert [h.score for h in a.hits] == pytest.approx([h.score for h in b.hits], abs=1e-4)
    assert a.total == b.total
    assert a.facets == b.facets
    assert [h.snippet for h in a.hits] == [h.snippet for h in b.hits]


@pytest.fixture
def engines(fixture_index: Path):
    fast, slow = SearchEngine(fixture_index), SearchEngine(fixture_index, vectorized=False)
    yield fast, slow
    fast.close()
    slow.close()


@pytest.mark.parametrize("q", QUERIES)
def test_same_results_as_whoosh(engines, q: str):
    _same(*engines, q)


@pytest.mark.parametrize(
    "filters",
    [Filters(tags=("Russia",)), Filters(years=(2017, 2018)), Filters(sources=("Reuters",))],
)
def test_same_results_with_filters(engines, filters: Filters):
    for q in ("russia", "spies OR sanctions", "poisoning inquiry"):
        _same(*engines, q, filters=filters)


def test_same_results_on_the_seeds(seeds_index: Path):
    fast, slow = SearchEngine(seeds_index), SearchEngine(seeds_index, vectorized=False)
    try:
        for q in ("Kremlin Russian MI5 spying", "Skripal poisoning", "cyber criminals", "GCHQ"):
            _same(fast, slow, q)
    finally:
        fast.close()
        slow.close()


@pytest.mark.parametrize("operator", ["and_fallback", "or_bonus"])
def test_same_results_for_other_rankings(fixture_index: Path, operator):
    ranking = Ranking(operator=operator, proximity=0.5, feedback_docs=0)
    fast = SearchEngine(fixture_index, ranking)
    slow = SearchEngine(fixture_index, ranking, vectorized=False)
    try:
        for q in ("russian hackers", "skripal poisoning novichok", "spies zzzzunknownword"):
            _same(fast, slow, q)
    finally:
        fast.close()
        slow.close()


def test_deleted_and_added_documents_over_several_segments(index_dir: Path, corpus_dir: Path):
    """An incremental reindex leaves deletions and a second segment: neither may change the
    results (deleted documents never match nor count)."""
    fast, slow = SearchEngine(index_dir), SearchEngine(index_dir, vectorized=False)
    try:
        before = fast.search("russia", per_page=100)
        gone = next(
            p
            for p in sorted(corpus_dir.glob("*.txt"))
            if "russia" in p.read_text(errors="replace").lower()
        )
        gone.unlink()
        (corpus_dir / "extra.txt").write_text("Extra\n\nRussian hackers hit the GRU archive.\n")
        reindex(corpus_dir, index_dir)
        after = fast.search("russia", per_page=100)
        assert after.total == before.total  # one gone, one added
        for q in ("russia", "hackers", "GRU archive"):
            _same(fast, slow, q)
    finally:
        fast.close()
        slow.close()


def test_lengths_read_at_once_are_the_lengths_whoosh_scores_with(fixture_index: Path):
    with open_index(fixture_index).reader() as reader:
        for leaf, _ in reader.leaf_readers():
            for fieldname in ("title", "body"):
                read = arrays._Lengths.read(leaf, fieldname).tolist()
                one_by_one = [
                    leaf.doc_field_length(n, fieldname, 1) or 1 for n in range(leaf.doc_count_all())
                ]
                assert read == one_by_one
                assert max(read) > 1
