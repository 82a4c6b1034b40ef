"""The timeline of hits (searchapp/search/timeline.py): months in order with the gaps filled,
the undated apart, and counts that are the month facet's, over every hit, on both engines."""

from __future__ import annotations

import pytest

from searchapp.config import EngineConfig
from searchapp.search import (
    Filters,
    Histogram,
    MonthCount,
    SearchEngine,
    build_query,
    parse_day,
)
from searchapp.search.timeline import histogram

# The engine tests run on Whoosh and again on Xapian (conftest.py).
both_engines = pytest.mark.both_engines

# Searches over the fixture corpus: words, a filter alone (browsing), words and a filter, and
# the three sorts (relevance is scored on whole arrays in Whoosh, dates by its collector).
SEARCHES = [
    ("spy", {}, "relevance"),
    ("spy", {}, "newest"),
    ("russia OR kremlin OR election", {}, "oldest"),
    ("", {"tags": ("Russia",)}, "relevance"),
    ("poisoned OR hackers OR spies", {"tags": ("Russia",)}, "relevance"),
    ("zzzzunfound", {}, "relevance"),
]


# -- building it from the month facet ------------------------------------------------------


def test_gaps_are_filled_with_empty_months_across_years():
    h = histogram({"2017-02": 1, "2016-11": 3, "": 2})
    assert [(m.month, m.count) for m in h.months] == [
        ("2016-11", 3),
        ("2016-12", 0),
        ("2017-01", 0),
        ("2017-02", 1),
    ]
    assert h.undated == 2 and h.total == 6 and h.biggest == 3
    assert (h.first, h.last) == ("2016-11", "2017-02")


def test_one_month_and_nothing_dated():
    assert histogram({"2018-06": 4}) == Histogram((MonthCount("2018-06", 4),), 0)
    assert histogram({"": 5}) == Histogram((), 5)
    assert histogram({}) == Histogram()
    assert Histogram().to_dict() == {"months": [], "undated": 0, "total": 0}


def test_pairs_are_read_like_a_mapping():
    # The entity page's months are (month, count) pairs, the undated as "".
    pairs = [("2022-01", 2), ("2022-03", 1), ("", 1)]
    assert histogram(pairs) == histogram(dict(pairs))
    assert histogram(pairs).to_dict() == {
        "months": [
            {"month": "2022-01", "count": 2},
            {"month": "2022-02", "count": 0},
            {"month": "2022-03", "count": 1},
        ],
        "undated": 1,
        "total": 4,
    }


def test_no_hit_is_lost_to_a_key_that_is_not_a_month():
    h = histogram({"2017-13": 1, "junk": 2, "2017-1": 1, "2017-05": 3, "2017-06": 0})
    assert [m.month for m in h.months] == ["2017-05"]  # a zero month never widens the span
    assert h.undated == 4 and h.total == 7


def test_twenty_years_are_240_months():
    h = histogram({"2000-01": 1, "2019-12": 1})
    assert len(h.months) == 240 and h.total == 2
    assert h.months[12] == MonthCount("2001-01", 0) and h.months[12].year == 2001


# -- on the engines ------------------------------------------------------------------------


def _search(engine: SearchEngine, text: str, filters: dict, sort: str):
    return engine.search(text, filters=Filters(**filters), sort=sort, per_page=1)


@both_engines
@pytest.mark.parametrize(("text", "filters", "sort"), SEARCHES)
def test_counts_are_the_facet_totals(engine, text, filters, sort):
    page = _search(engine, text, filters, sort)
    h = page.histogram
    # Every hit once, not only the page's one: the months and the undated make the total.
    assert sum(m.count for m in h.months) + h.undated == h.total == page.total
    # The months' counts add up to the year facet's (which counts every hit too).
    per_year: dict[str, int] = {}
    for m in h.months:
        per_year[str(m.year)] = per_year.get(str(m.year), 0) + m.count
    assert {y: n for y, n in per_year.items() if n} == {v.value: v.count for v in page.facets.year}
    # In order, one month apart, with a hit in the first and the last.
    keys = [m.year * 12 + m.number for m in h.months]
    assert keys == list(range(keys[0], keys[0] + len(keys)) if keys else [])
    assert not h.months or (h.months[0].count and h.months[-1].count)


@both_engines
@pytest.mark.parametrize(("text", "filters", "sort"), SEARCHES)
def test_months_are_the_engines_month_facet(engine, text, filters, sort):
    page = _search(engine, text, filters, sort)
    view = engine.view()
    q = build_query(page.shown_query, view, engine.ranking, Filters(**filters))
    found = view.search(q.scored, q.filter, 1, sort=sort, facets=True)
    assert found.total == page.total
    counted = dict(found.facets["month"])
    assert page.histogram.undated == counted.pop("", 0)
    assert {m.month: m.count for m in page.histogram.months if m.count} == counted


@both_engines
def test_the_fixture_corpus_has_gaps_and_undated_hits(engine):
    page = engine.search("", filters=Filters(tags=("Russia",)))
    h = page.histogram
    assert h.undated >= 1 and any(m.count == 0 for m in h.months)
    assert page.to_dict(lambda hit: "")["histogram"] == h.to_dict()


@both_engines
@pytest.mark.parametrize(("text", "filters", "sort"), SEARCHES[:5])
def test_a_month_filtered_finds_that_months_count(engine, text, filters, sort):
    h = _search(engine, text, filters, sort).histogram
    assert h.months
    for month in h.months:
        one = Filters(
            **filters, date_from=parse_day(month.month), date_to=parse_day(month.month, end=True)
        )
        narrowed = engine.search(text, filters=one)
        assert narrowed.total == month.count, month
        if month.count:
            assert [(m.month, m.count) for m in narrowed.histogram.months] == [
                (month.month, month.count)
            ]
            assert narrowed.histogram.undated == 0


@both_engines
def test_no_facets_no_histogram(engine):
    assert engine.search("spy", facets=False).histogram == Histogram()


# Whoosh only: its search on whole arrays and its own matchers and collector.
@pytest.mark.parametrize(("text", "filters", "sort"), SEARCHES)
def test_whooshs_own_matchers_count_the_same(fixture_index, engine, text, filters, sort):
    matchers = SearchEngine(fixture_index, config=EngineConfig("whoosh"), vectorized=False)
    try:
        expected = _search(engine, text, filters, sort).histogram
        assert _search(matchers, text, filters, sort).histogram == expected
    finally:
        matchers.close()
