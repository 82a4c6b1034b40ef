"""Search on article metadata: filters, facets, sorting, tags and related articles, over the
multi-format part of the fixture corpus (tests/fixtures/corpus/collection)."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from searchapp.engines.whoosh.storage import open_index
from searchapp.errors import NotFound, QueryError
from searchapp.reindex import reindex
from searchapp.search import FACET_SIZE, Filters, SearchEngine, service
from tests.conftest import stored_documents

# Every test on the Whoosh engine and again on Xapian (conftest.py).
pytestmark = pytest.mark.both_engines


def all_documents(engine: SearchEngine) -> list[dict]:
    return stored_documents(engine.index_dir)


def ids(page) -> list[str]:
    return [hit.id for hit in page.hits]


def brute_force_facets(docs: list[dict]) -> dict[str, Counter]:
    counts: dict[str, Counter] = {"source": Counter(), "year": Counter(), "tag": Counter()}
    for doc in docs:
        if doc.get("source"):
            counts["source"][doc["source"]] += 1
        if doc.get("date"):
            counts["year"][str(doc["date"].year)] += 1
        for tag in filter(None, doc.get("tag", "").split(",")):
            counts["tag"][tag] += 1
    return counts


def facet_counts(page, name: str) -> dict[str, int]:
    return {v.value: v.count for v in getattr(page.facets, name)}


def test_metadata_reaches_the_hits(engine: SearchEngine):
    hit = engine.search("Amesbury GRU officers charged").hits[0]
    assert hit.id.startswith("wire-") and "w1" in hit.id
    assert hit.published == date(2018, 9, 5)
    assert (hit.source, hit.author) == ("Reuters", "Michael Holden")
    assert hit.url == "https://www.reuters.com/article/gru-amesbury-charges"
    assert {"GRU", "Russia", "UK", "poisoning"} <= set(hit.tags)


@pytest.mark.parametrize(
    "q",
    ["hackers", "sanctions OR spies OR ransomware OR disinformation", "russia", "the attack"],
)
def test_facets_count_every_hit_not_just_the_page(engine: SearchEngine, q: str):
    page = engine.search(q, per_page=1)
    everything = engine.search(q, per_page=100)
    assert len(everything.hits) == everything.total
    hit_ids = {hit.id for hit in everything.hits}
    expected = brute_force_facets([d for d in all_documents(engine) if d["id"] in hit_ids])
    for name in ("source", "year", "tag"):
        top = dict(expected[name].most_common())
        assert facet_counts(page, name) == {
            k: v for k, v in top.items() if k in facet_counts(page, name)
        }
        assert len(facet_counts(page, name)) == min(len(top), FACET_SIZE)
        assert sum(facet_counts(page, name).values()) <= sum(top.values())


def test_facets_of_a_browse_cover_the_whole_collection(engine: SearchEngine):
    page = engine.search("", filters=Filters(years=(2016, 2017, 2018)), per_page=100)
    docs = [d for d in all_documents(engine) if d.get("date")]
    assert page.total == len(docs)
    assert facet_counts(page, "year") == dict(brute_force_facets(docs)["year"])
    assert [v.value for v in page.facets.year] == sorted(facet_counts(page, "year"), reverse=True)
    assert all(v.selected for v in page.facets.year)


def test_filters_in_the_query_restrict_without_scoring(engine: SearchEngine):
    everything = {h.id: h.score for h in engine.search("officers", per_page=100).hits}
    reuters = engine.search("officers source:reuters", per_page=100)
    assert reuters.total >= 1
    assert all(hit.source == "Reuters" for hit in reuters.hits)
    for hit in reuters.hits:  # same scores: the filter adds nothing
        assert hit.score == pytest.approx(everything[hit.id], rel=1e-6)
    # Both items of the feed: its copy of the BBC story sorts before wire.csv's and is kept.
    assert engine.search('source:"security desk"').total == 2


@pytest.mark.parametrize(
    "q, expected_source",
    [("source:aljazeera.com", "aljazeera.com"), ('author:"nina brandt"', "Security Weekly")],
)
def test_source_from_url_host_and_author_filter(engine, q, expected_source):
    page = engine.search(q)
    assert page.total == 1
    assert page.hits[0].source == expected_source


def test_date_filters_in_the_query(engine: SearchEngine):
    def years(q: str) -> set[int]:
        return {h.published.year for h in engine.search(q, per_page=100).hits}

    assert years("date:2017") == {2017}
    assert years("date:[2017-01-01 TO 2017-06-30]") == {2017}
    in_range = engine.search("date:[2017-01-01 TO 2017-06-30]", per_page=100)
    assert all(date(2017, 1, 1) <= h.published <= date(2017, 6, 30) for h in in_range.hits)
    assert years("date:[2018-01-01 TO]") == {2018}
    assert years("year:2016") == {2016}
    assert engine.search("date:2017-06").total == 1


@pytest.mark.parametrize("q", ["date:2017-13", "date:[20x7 TO 2018]", "date:soon", "tag:nonsense"])
def test_bad_filter_values_are_clear_errors(engine: SearchEngine, q: str):
    with pytest.raises(QueryError):
        engine.search(q)


def test_from_to_parameters(engine: SearchEngine):
    filters = Filters(date_from=date(2017, 6, 1), date_to=date(2017, 12, 31))
    page = engine.search("", filters=filters, per_page=100)
    assert page.total >= 2
    assert all(date(2017, 6, 1) <= h.published <= date(2017, 12, 31) for h in page.hits)
    words = engine.search("hackers", filters=filters, per_page=100)
    assert {h.id for h in words.hits} <= {h.id for h in page.hits}


def test_tag_filter_by_name_and_alias(engine: SearchEngine):
    by_name = ids(engine.search("tag:GRU", per_page=100))
    assert by_name
    assert ids(engine.search('tag:"military intelligence"', per_page=100)) == by_name
    assert ids(engine.search("tag:gru", per_page=100)) == by_name
    assert ids(engine.search("", filters=Filters(tags=("gru",)), per_page=100)) == by_name
    for hit in engine.search("tag:GRU", per_page=100).hits:
        assert "GRU" in hit.tags


def test_several_tags_narrow_several_sources_widen(engine: SearchEngine):
    russia = engine.search("", filters=Filters(tags=("Russia",)), per_page=100).total
    both = engine.search("", filters=Filters(tags=("Russia", "sanctions")), per_page=100)
    assert 0 < both.total < russia
    assert all({"Russia", "sanctions"} <= set(h.tags) for h in both.hits)
    one = engine.search("", filters=Filters(sources=("Reuters",)), per_page=100).total
    two = engine.search("", filters=Filters(sources=("Reuters", "The Example Times")))
    assert two.total > one


def test_sort_newest_and_oldest_put_undated_last(engine: SearchEngine):
    newest = engine.search("hackers OR spies OR attack", sort="newest", per_page=100).hits
    oldest = engine.search("hackers OR spies OR attack", sort="oldest", per_page=100).hits
    dated_new = [h.published for h in newest if h.published]
    assert dated_new == sorted(dated_new, reverse=True)
    dated_old = [h.published for h in oldest if h.published]
    assert dated_old == sorted(dated_old)
    for hits in (newest, oldest):
        seen_undated = False
        for hit in hits:
            seen_undated |= hit.published is None
            assert not (seen_undated and hit.published), "an undated hit came before a dated one"
    with pytest.raises(QueryError):
        engine.search("hackers", sort="random")  # type: ignore[arg-type]


def test_filters_alone_browse_newest_first(engine: SearchEngine):
    page = engine.search("tag:Russia", per_page=100)
    dated = [h.published for h in page.hits if h.published]
    assert dated == sorted(dated, reverse=True)


def test_related_articles_exclude_the_article_itself(engine: SearchEngine):
    hit = engine.search("hospital wiper").hits[0]
    related = engine.related(hit.id)
    assert related and hit.id not in {r.id for r in related}
    assert len({r.id for r in related}) == len(related)
    nerve = engine.related("nerve-agent")
    assert "poisoning-inquiry" in {r.id for r in nerve[:3]}
    with pytest.raises(NotFound):
        engine.related("no-such-article")


@pytest.mark.whoosh_only
def test_related_articles_on_the_numpy_path_are_whooshs_more_like(fixture_index, seeds_index):
    for index in (fixture_index, seeds_index):
        fast, plain = SearchEngine(index), SearchEngine(index, vectorized=False)
        with open_index(index).searcher() as searcher:
            ids = [fields["id"] for fields in searcher.all_stored_fields()]
        assert len(ids) >= 3
        for article_id in ids:
            assert fast.related(article_id, 50) == plain.related(article_id, 50), article_id
        fast.close()
        plain.close()


def test_facets_can_be_turned_off(engine: SearchEngine):
    page = engine.search("hackers", facets=False)
    assert page.facets.source == [] and page.facets.tag == []


def test_stored_dates_are_real_dates(fixture_index):
    dates = [d["date"] for d in stored_documents(fixture_index) if d["date"]]
    assert dates and all(isinstance(d, date) and 1990 < d.year < 2030 for d in dates)


def test_date_sorted_hits_have_no_score(engine: SearchEngine):
    assert all(h.score is None for h in engine.search("hackers", sort="newest").hits)
    assert all(h.score is None for h in engine.search("tag:Russia").hits)  # browsing
    assert all(h.score > 0 for h in engine.search("hackers").hits)


@pytest.mark.parametrize(
    "q", ['author:"jane dough" hackers', "source:reutres hackers", "tag:(GRU) hackers"]
)
def test_metadata_values_get_no_spelling_suggestions(engine: SearchEngine, q: str):
    assert engine.search(q).suggestion is None
    assert engine.search(q.replace("hackers", "hackres")).suggestion == q


@pytest.mark.whoosh_only
def test_tag_lists_are_built_once_per_index_generation(index_dir, corpus_dir, monkeypatch):
    from searchapp.engines.whoosh import arrays
    from searchapp.reindex import reindex

    built: list[object] = []
    real = arrays._value_postings

    def counting(reader, fieldname):
        built.append(reader)
        return real(reader, fieldname)

    monkeypatch.setattr(arrays, "_value_postings", counting)
    engine = SearchEngine(index_dir)
    try:
        first = engine.search("russian").facets
        segments = len(built)
        assert segments >= 1
        assert engine.search("hackers").facets.tag  # another query: lists reused
        assert engine.search("russian").facets == first
        assert len(built) == segments
        (corpus_dir / "extra.txt").write_text("Extra\n\nRussian hackers hit the GRU archive.\n")
        reindex(corpus_dir, index_dir)
        after = engine.search("russian").facets  # a new generation: built again
        assert len(built) > segments
        assert {v.value: v.count for v in after.tag}["GRU"] == {
            v.value: v.count for v in first.tag
        }.get("GRU", 0) + 1
    finally:
        engine.close()


def test_related_articles_are_remembered_per_generation(index_dir, corpus_dir, monkeypatch):
    engine = SearchEngine(index_dir)
    first = engine.related("nerve-agent")
    monkeypatch.setattr(service, "_related", lambda *args: pytest.fail("not remembered"))
    assert engine.related("nerve-agent") == first
    monkeypatch.undo()
    (corpus_dir / "poisoning-inquiry.txt").unlink()
    reindex(corpus_dir, index_dir)
    assert "poisoning-inquiry" not in {hit.id for hit in engine.related("nerve-agent")}
    engine.close()
