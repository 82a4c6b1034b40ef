"""The Xapian engine on its own (no search front): query translation, sorting, facets,
writing, vocabulary and term statistics against what the articles' own analysis says, and a
3-shard cluster of xapian-tcpsrv against one local database, with shards down, stalled and
left out."""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import psutil
import pytest
import xapian
from whoosh import index as whoosh_index
from whoosh.qparser import MultifieldParser

from searchapp.config import EngineConfig, Shard
from searchapp.engines import query
from searchapp.engines import workers as engine_workers
from searchapp.engines.base import index_version
from searchapp.engines.whoosh.query import from_whoosh
from searchapp.engines.whoosh.schema import SCHEMA, VOCABULARY_SCHEMA
from searchapp.engines.xapian import cluster as shard_cluster
from searchapp.engines.xapian import engine as xapian_engine
from searchapp.engines.xapian import writer as xapian_writer
from searchapp.engines.xapian.documents import DATABASE_DIR
from searchapp.engines.xapian.engine import XapianEngine, XapianView
from searchapp.engines.xapian.reshard import reshard
from searchapp.engines.xapian.writer import XapianWriter, shard_of
from searchapp.errors import (
    ConfigError,
    EngineUnavailable,
    IndexLocked,
    IndexMissing,
    IndexOutdated,
)
from searchapp.ingest.discover import discover
from searchapp.ingest.readers import read_source
from searchapp.text.analysed import AnalysedArticle, analyse
from searchapp.text.article import Article
from tests.conftest import FIXTURES, needs_program, require_program

LOCAL = EngineConfig(name="xapian")
VERSION = index_version()

# Two articles of the same day as another (ties by id) and one more undated.
EXTRA = [
    Article(
        id="tie-b",
        title="Sanctions widen after the election hack",
        body="Officials widened sanctions after the election hack. The nerve of them.",
        path="extra/tie-b.txt",
        headline=True,
        published=date(2017, 12, 20),
        source="Reuters",
        author="Jane Doe",
    ),
    Article(
        id="tie-a",
        title="Agent of influence named",
        body="A nerve agent attack and an agent of influence were named in the report.",
        path="extra/tie-a.txt",
        headline=True,
        published=date(2017, 12, 20),
        source="The Guardian",
        author="Luke Harding",
    ),
    Article(
        id="undated-extra",
        title="Hackers hack the hackers",
        body="Hackers hacked hacking tools; hack after hack, the hackers were hacked.",
        path="extra/undated.txt",
        headline=False,
    ),
]


def read_articles() -> list[Article]:
    found = []
    for source in discover(FIXTURES)[0]:
        found.extend(read_source(source).articles)
    return found + EXTRA


def write(config: EngineConfig, index_dir: Path, articles: list[Article]) -> XapianWriter:
    writer = XapianWriter(config, index_dir)
    for article in articles:
        writer.add(article)
    writer.commit(VERSION, full=True)
    return writer


@pytest.fixture(scope="module")
def articles() -> list[Article]:
    return read_articles()


@pytest.fixture(scope="module")
def analysed(articles: list[Article]) -> dict[str, AnalysedArticle]:
    return {article.id: analyse(article) for article in articles}


@pytest.fixture(scope="module")
def local_dir(tmp_path_factory: pytest.TempPathFactory, articles: list[Article]) -> Path:
    path = tmp_path_factory.mktemp("xapian-local")
    write(LOCAL, path, articles)
    return path


@pytest.fixture(scope="module")
def local_engine(local_dir: Path) -> Iterator[XapianEngine]:
    engine = XapianEngine(LOCAL, local_dir)
    yield engine
    engine.close()


@pytest.fixture
def view(local_engine: XapianEngine) -> XapianView:
    return local_engine.view()


def ids(view: XapianView, q: query.Query, filter: query.Query | None = None, **options) -> list:
    found = view.search(q, filter, 100, **options)
    return [view.fields(match.key)["id"] for match in found.matches]


def having(analysed: dict[str, AnalysedArticle], test: Callable[[AnalysedArticle], bool]) -> set:
    return {article_id for article_id, a in analysed.items() if test(a)}


def near(positions: dict[str, list[int]], first: str, second: str, slop: int) -> bool:
    """Whoosh's two-word phrase: the second word 1 to ``slop`` positions after the first."""
    return any(
        0 < b - a <= slop for a in positions.get(first, []) for b in positions.get(second, [])
    )


def parse(text: str) -> query.Query:
    return from_whoosh(MultifieldParser(["title", "body"], SCHEMA).parse(text, normalize=False))


# -- query translation ------------------------------------------------------------------------


def test_terms_per_field(view, analysed):
    assert set(ids(view, query.Term("body", "poison"))) == having(
        analysed, lambda a: "poison" in a.body_postings
    )
    in_titles = having(analysed, lambda a: "hacker" in a.title_postings)
    assert in_titles and set(ids(view, query.Term("title", "hacker"))) == in_titles
    # A title made from the first sentence is not searched as a title.
    assert "undated-extra" not in in_titles


def test_boolean_operators(view, analysed):
    def body(stem: str) -> set:
        return having(analysed, lambda a: stem in a.body_postings)

    russia, hack = query.Term("body", "russian"), query.Term("body", "hacker")
    assert body("russian") & body("hacker") and body("russian") - body("hacker")
    assert set(ids(view, query.Or([russia, hack]))) == body("russian") | body("hacker")
    assert set(ids(view, query.And([russia, hack]))) == body("russian") & body("hacker")
    assert set(ids(view, query.AndNot(russia, hack))) == body("russian") - body("hacker")
    assert set(ids(view, query.Not(hack))) == set(analysed) - body("hacker")
    assert set(ids(view, query.AndMaybe(russia, hack))) == body("russian")
    assert set(ids(view, query.Every())) == set(analysed)
    assert ids(view, query.NullQuery) == []


def test_and_maybe_adds_the_optional_score(view):
    russia, hack = query.Term("body", "russian"), query.Term("body", "hacker")
    plain = {m.key: m.score for m in view.search(russia, None, 100).matches}
    maybe = {m.key: m.score for m in view.search(query.AndMaybe(russia, hack), None, 100).matches}
    both = {m.key for m in view.search(query.And([russia, hack]), None, 100).matches}
    assert both and set(plain) == set(maybe)
    for key in plain:
        assert (maybe[key] > plain[key]) == (key in both)


def test_phrases_with_slop(view, analysed):
    exact = having(analysed, lambda a: near(a.body_postings, "nerv", "agent", 1))
    assert exact == {"nerve-agent", "tie-a"}
    assert set(ids(view, query.Phrase("body", ["nerv", "agent"]))) == exact
    assert ids(view, query.Phrase("body", ["agent", "nerv"])) == []  # in order only
    # tie-b: "sanctions after the election hack" (stopwords take no position): 2 apart.
    for slop in (1, 2, 3, 4):
        want = having(analysed, lambda a, s=slop: near(a.body_postings, "sanction", "hack", s))
        assert ("tie-b" in want) == (slop >= 2)
        got = ids(view, query.Phrase("body", ["sanction", "hack"], slop=slop))
        assert set(got) == want, slop
    titles = having(analysed, lambda a: near(a.title_postings, "nerv", "agent", 1))
    assert set(ids(view, query.Phrase("title", ["nerv", "agent"]))) == titles == {"nerve-agent"}


def test_metadata_fields(view, analysed, articles):
    by_id = {a.id: a for a in articles}
    assert set(ids(view, query.Term("source", "reuters"))) == {
        i for i, a in by_id.items() if a.source == "Reuters"
    }
    assert set(ids(view, query.Phrase("author", ["jane", "doe"]))) == {"wire-w2", "tie-b"}
    assert ids(view, query.Phrase("author", ["doe", "jane"])) == []
    assert set(ids(view, query.Term("source_name", "Security Desk"))) == {
        "security-ce4b5c15844f",
        "security-69e841dc53c5",
    }
    assert ids(view, query.Term("source_name", "Security")) == []  # the exact outlet only
    assert set(ids(view, query.Term("tag", "GRU"))) == having(analysed, lambda a: "GRU" in a.tags)
    assert set(ids(view, query.Term("tag", "cyber attack"))) == having(
        analysed, lambda a: "cyber attack" in a.tags
    )
    assert ids(view, query.Term("id", "page")) == ["page"]
    # Patterns on metadata words are expanded against the shard's own terms.
    secure = {i for i, a in by_id.items() if a.source.startswith("Security")}
    assert set(ids(view, query.Prefix("source", "secur"))) == secure
    assert set(ids(view, query.Wildcard("source", "re?ters"))) == {
        i for i, a in by_id.items() if a.source == "Reuters"
    }
    assert set(ids(view, query.FuzzyTerm("author", "hardin", maxdist=1))) == {"tie-a"}
    assert (
        set(ids(view, query.TermRange("source", "a", "c")))
        == {i for i, a in analysed.items() if any("a" <= w <= "c" for w in a.source_words)}
        == {"digest-j1", "wire-w4"}
    )
    assert set(ids(view, query.Every("source"))) == {i for i, a in by_id.items() if a.source}
    assert set(ids(view, query.Every("author"))) == {i for i, a in by_id.items() if a.author}


def test_metadata_never_scores(view):
    words = query.Term("body", "sanction")
    plain = {m.key: m.score for m in view.search(words, None, 100).matches}
    with_source = query.Or([words, query.Term("source", "reuters"), query.Term("tag", "UK")])
    mixed = {m.key: m.score for m in view.search(with_source, None, 100).matches}
    for key, score in mixed.items():
        assert score == pytest.approx(plain.get(key, 0.0), abs=1e-12)


def test_filter_restricts_without_scoring(view, analysed):
    words = query.Or([query.Term("body", "russian"), query.Term("body", "sanction")])
    plain = {m.key: m.score for m in view.search(words, None, 100).matches}
    filtered = view.search(words, query.Term("source_name", "Reuters"), 100)
    assert filtered.total == len(filtered.matches) >= 1
    assert {view.fields(m.key)["source"] for m in filtered.matches} == {"Reuters"}
    for match in filtered.matches:
        assert match.score == pytest.approx(plain[match.key], abs=1e-12)


def test_boosts_scale_scores(view):
    a, b = query.Term("body", "hospit"), query.Term("body", "poison")
    plain = {m.key: m.score for m in view.search(query.Or([a, b]), None, 100).matches}
    boosted_q = query.Or([query.Term("body", "hospit", boost=3.0), b])
    boosted = {m.key: m.score for m in view.search(boosted_q, None, 100).matches}
    only_a = {m.key for m in view.search(query.AndNot(a, b), None, 100).matches}
    only_b = {m.key for m in view.search(query.AndNot(b, a), None, 100).matches}
    assert only_a and only_b
    for key in only_a:
        assert boosted[key] == pytest.approx(3 * plain[key])
    for key in only_b:
        assert boosted[key] == pytest.approx(plain[key])
    group = {m.key: m.score for m in view.search(query.Or([a, b], boost=0.5), None, 100).matches}
    for key, score in plain.items():
        assert group[key] == pytest.approx(score / 2)


def published(articles, test: Callable[[date], bool]) -> set:
    return {a.id for a in articles if a.published and test(a.published)}


@pytest.mark.parametrize(
    ("text", "test"),
    [
        ("date:2017", lambda d: d.year == 2017),
        ("date:2017-12", lambda d: (d.year, d.month) == (2017, 12)),
        ("date:2017-12-20", lambda d: d == date(2017, 12, 20)),
        ("date:[2016 TO 2017]", lambda d: 2016 <= d.year <= 2017),
        ("date:[2017-06-16 TO]", lambda d: d >= date(2017, 6, 16)),
        ("date:[TO 2017-06-15]", lambda d: d <= date(2017, 6, 15)),
        ("year:2017", lambda d: d.year == 2017),
        ("year:[2016 TO 2017]", lambda d: 2016 <= d.year <= 2017),
        ("year:[2018 TO]", lambda d: d.year >= 2018),
        ("year:{2016 TO 2018}", lambda d: d.year == 2017),
        ("year:*", lambda d: True),
    ],
)
def test_date_and_year_ranges_as_parsed(view, articles, text, test):
    q = parse(text)  # an And of the one clause, as searches pass their filters
    assert isinstance(
        q.subqueries[0], (query.DateRange, query.NumericRange, query.Term, query.Every)
    ), q
    assert set(ids(view, query.Every(), q)) == published(articles, test)


def test_date_ranges_of_filters(view, articles):
    def days(start: date | None, end: date | None) -> query.Query:  # as search._date_range
        low = datetime.combine(start, datetime.min.time()) if start else None
        high = datetime.combine(end, datetime.max.time()) if end else None
        return query.DateRange("date", low, high)

    day = date(2017, 12, 20)
    assert set(ids(view, query.Every(), days(day, day))) == {"wire-w2", "tie-a", "tie-b"}
    assert set(ids(view, query.Every(), days(date(2018, 1, 1), None))) == published(
        articles, lambda d: d.year >= 2018
    )
    assert set(ids(view, query.Every(), days(None, date(2016, 12, 31)))) == published(
        articles, lambda d: d.year <= 2016
    )
    assert ids(view, query.Every(), days(date(2019, 1, 1), date(2018, 1, 1))) == []
    assert set(ids(view, query.Every(), query.Term("year", 2016))) == published(
        articles, lambda d: d.year == 2016
    )
    # A full timestamp (date:20171220T000000): articles are dated at midnight.
    midnight = query.Term("date", datetime(2017, 12, 20))
    assert set(ids(view, query.Every(), midnight)) == {"wire-w2", "tie-a", "tie-b"}
    assert ids(view, query.Every(), query.Term("date", datetime(2017, 12, 20, 10))) == []


def test_unsupported_queries_are_refused(view):
    with pytest.raises(TypeError):
        view.search(query.Prefix("body", "hack"), None, 10)  # expanded before an engine


# -- ranking, sorting, totals, facets ---------------------------------------------------------


def test_ties_go_by_id(view, analysed):
    found = view.search(query.Term("tag", "Russia"), None, 100)
    assert [view.fields(m.key)["id"] for m in found.matches] == sorted(
        having(analysed, lambda a: "Russia" in a.tags)
    )


def test_sorted_by_date_undated_last_ties_by_id(view, articles):
    dated = [a for a in articles if a.published]
    undated = sorted(a.id for a in articles if not a.published)
    newest = [a.id for a in sorted(dated, key=lambda a: (-a.published.toordinal(), a.id))]
    oldest = [a.id for a in sorted(dated, key=lambda a: (a.published, a.id))]
    assert ids(view, query.Every(), sort="newest") == newest + undated
    assert ids(view, query.Every(), sort="oldest") == oldest + undated
    words = query.Term("body", "agent")
    matching = set(ids(view, words))
    assert ids(view, words, sort="newest") == [i for i in newest + undated if i in matching]


def test_total_and_facets_count_every_match(view, analysed):
    for q in (query.Every(), query.Term("body", "russian"), query.Term("tag", "cyber attack")):
        found = view.search(q, None, 1, facets=True)
        matching = set(ids(view, q))
        assert found.total == len(matching) and len(found.matches) == 1
        chosen = [analysed[i] for i in matching]
        sources = Counter(a.article.source for a in chosen if a.article.source)
        years = Counter(a.year for a in chosen if a.year)
        tags = Counter(tag for a in chosen for tag in a.tags)
        entities = Counter(value for a in chosen for value in a.entities)
        languages = Counter(lang for a in chosen if (lang := a.stored()["lang"]))
        months = Counter(
            a.article.published.strftime("%Y-%m") if a.article.published else "" for a in chosen
        )
        assert found.facets == {
            "source": sources,
            "year": years,
            "tag": tags,
            "entity": entities,
            "lang": languages,
            "month": months,
        }
        assert not found.timed_out
    assert view.search(query.Every(), None, 5).facets is None


def test_a_past_deadline_still_gives_the_top_hits(view):
    q = query.Term("body", "russian")
    late = view.search(q, None, 3, deadline=time.perf_counter() - 1)
    assert late.matches == view.search(q, None, 3).matches  # only counting may stop


def test_scores_for_some_documents(view):
    q = query.Or([query.Term("body", "russian"), query.Term("title", "hacker")])
    everything = view.search(q, None, 100).matches
    chosen = [everything[0].key, everything[-1].key, everything[2].key]
    other = view.search(query.Term("body", "poison"), None, 100).matches
    unmatched = next(m.key for m in other if m.key not in {e.key for e in everything})
    scores = view.scores(q, chosen + [unmatched])
    assert scores == pytest.approx({m.key: m.score for m in everything if m.key in chosen})
    assert view.scores(q, []) == {}


def test_stored_fields_and_documents(view, analysed):
    for article_id, a in analysed.items():
        assert view.document(article_id) == a.stored()
    found = view.search(query.Term("id", "page"), None, 1)
    assert view.fields(found.matches[0].key) == analysed["page"].stored()
    assert isinstance(analysed["page"].stored()["date"], date)
    assert view.document("no-such-article") is None


def test_more_like_excludes_the_article(view):
    similar = view.more_like("nerve-agent", 5)
    similar_ids = [view.fields(m.key)["id"] for m in similar]
    assert similar_ids and "nerve-agent" not in similar_ids
    assert [m.score for m in similar] == sorted((m.score for m in similar), reverse=True)
    assert view.more_like("no-such-article", 5) is None


# -- vocabulary and term statistics -----------------------------------------------------------


def test_vocabulary(view, analysed):
    words = sorted(set().union(*(a.words for a in analysed.values())))
    assert all(view.has_word(w) for w in words)
    assert not view.has_word("nonexistentword")
    assert list(view.words_from("hack")) == [w for w in words if w.startswith("hack")]
    assert list(view.words_from("")) == words
    assert list(view.words_from("zzzz")) == []


@pytest.mark.parametrize("misspelt", ["posion", "hackres", "sanctons", "rusia", "agnet", "x"])
def test_words_within_matches_whoosh(view, analysed, tmp_path, misspelt):
    words = sorted(set().union(*(a.words for a in analysed.values())))
    ix = whoosh_index.create_in(str(tmp_path), VOCABULARY_SCHEMA)
    writer = ix.writer()
    writer.add_document(vocab=" ".join(words))
    writer.commit()
    with ix.reader() as reader:
        for maxdist in (1, 2):
            for prefix in (0, 1, 2):
                if prefix > len(misspelt):
                    continue
                whoosh = set(reader.terms_within("vocab", misspelt, maxdist, prefix=prefix))
                ours = list(view.words_within(misspelt, maxdist, prefix))
                assert ours == sorted(ours) and set(ours) == whoosh, (maxdist, prefix)


def test_words_within_finds_close_words(view):
    assert set(view.words_within("posion", 2, 1)) >= {"poison"}
    assert "poison" not in set(view.words_within("posion", 1, 1))


def test_term_statistics(view, analysed):
    for fieldname, postings in (
        ("body", lambda a: a.body_postings),
        ("title", lambda a: a.title_postings),
    ):
        for stem in ("russia", "hacker", "agent", "cyberattack", "absent"):
            holding = [postings(a)[stem] for a in analysed.values() if stem in postings(a)]
            assert view.doc_frequency(fieldname, stem) == len(holding)
            assert view.frequency(fieldname, stem) == sum(len(p) for p in holding)
        total = sum(len(p) for a in analysed.values() for p in postings(a).values())
        assert view.field_length(fieldname) == total
    assert view.doc_count() == len(analysed)


@pytest.mark.parametrize(
    ("start", "end", "startexcl", "endexcl"),
    [("a", "c", False, False), ("agent", "hack", True, True), (None, "b", False, False),
     ("s", None, False, False), ("russia", "russia", False, False)],
)  # fmt: skip
def test_terms_between(view, analysed, start, end, startexcl, endexcl):
    def inside(term: str) -> bool:
        above = start is None or term > start or (term == start and not startexcl)
        below = end is None or term < end or (term == end and not endexcl)
        return above and below

    for fieldname, postings in (
        ("body", lambda a: a.body_postings),
        ("title", lambda a: a.title_postings),
    ):
        stems = sorted({s for a in analysed.values() for s in postings(a) if inside(s)})
        assert list(view.terms_between(fieldname, start, end, startexcl, endexcl)) == stems


# -- writing ----------------------------------------------------------------------------------


def test_shard_of_is_pinned():
    assert [shard_of(i, 3) for i in ("nerve-agent", "wire-w1", "page", "briefing", "a")] == [
        1,
        0,
        2,
        2,
        1,
    ]
    assert shard_of("article-0000574", 3) == 1
    assert [shard_of("page", n) for n in (1, 2, 5)] == [0, 1, 4]


def test_missing_local_index(tmp_path):
    engine = XapianEngine(LOCAL, tmp_path)
    with pytest.raises(IndexMissing, match="searchapp reindex"):
        engine.view()


def test_writer_replaces_deletes_commits_and_cancels(tmp_path, articles):
    first = write(LOCAL, tmp_path, articles[:6])
    assert (first.built_by(), first.generation(), first.doc_count()) == (VERSION, 1, 6)
    engine = XapianEngine(LOCAL, tmp_path)
    view = engine.view()
    assert engine.view() is view  # the thread's view, while nothing changes
    generation = view.generation()
    old_length = view.field_length("body")

    writer = XapianWriter(LOCAL, tmp_path)
    assert (writer.built_by(), writer.generation(), writer.doc_count()) == (VERSION, 1, 6)
    changed = replace(articles[0], body="Entirely new words about zeppelins.")
    writer.delete(changed.id)
    writer.add(changed)
    writer.delete(articles[1].id)
    writer.add(articles[6])
    assert engine.view().doc_count() == 6  # nothing visible before the commit
    writer.commit(VERSION, full=False)
    assert (writer.generation(), writer.doc_count()) == (2, 6)

    assert engine.view() is not view
    view = engine.view()
    assert view.generation() != generation
    assert view.document(articles[1].id) is None
    assert ids(view, query.Term("body", "zeppelin")) == [changed.id]
    assert view.document(articles[6].id) is not None
    assert view.has_word("zeppelins")
    expected = sum(
        len(p) for a in [changed, *articles[2:7]] for p in analyse(a).body_postings.values()
    )
    assert view.field_length("body") == expected != old_length

    cancelled = XapianWriter(LOCAL, tmp_path)
    cancelled.add(articles[7])
    cancelled.delete(articles[2].id)
    cancelled.cancel()
    view = engine.view()
    assert view.document(articles[7].id) is None and view.document(articles[2].id) is not None
    again = XapianWriter(LOCAL, tmp_path)  # released by cancel()
    assert again.generation() == 2
    again.cancel()
    engine.close()


def test_full_commit_drops_every_other_document(tmp_path, articles):
    write(LOCAL, tmp_path, articles[:8])
    writer = write(LOCAL, tmp_path, articles[5:10])
    assert (writer.generation(), writer.doc_count()) == (2, 5)
    engine = XapianEngine(LOCAL, tmp_path)
    view = engine.view()
    assert set(ids(view, query.Every())) == {a.id for a in articles[5:10]}
    assert not view.has_word("salisbury")  # the words of dropped articles go with them
    total = sum(len(p) for a in articles[5:10] for p in analyse(a).body_postings.values())
    assert view.field_length("body") == total
    engine.close()


def test_a_first_build_is_committed_as_it_goes_but_not_searchable(tmp_path, articles, monkeypatch):
    monkeypatch.setattr(xapian_writer, "UNBUILT_COMMIT_EVERY", 3)
    path = str(tmp_path / DATABASE_DIR)
    writer = XapianWriter(LOCAL, tmp_path)
    for article in articles[:7]:
        writer.add(article)
    assert xapian.Database(path).get_doccount() == 6  # two batches of 3 committed
    engine = XapianEngine(LOCAL, tmp_path)
    with pytest.raises(IndexMissing):
        engine.view()
    writer.cancel()  # a first build that died: still no index, and the next one starts over
    with pytest.raises(IndexMissing):
        engine.view()
    write(LOCAL, tmp_path, articles[5:12])
    assert set(ids(engine.view(), query.Every())) == {a.id for a in articles[5:12]}
    total = sum(len(p) for a in articles[5:12] for p in analyse(a).body_postings.values())
    assert engine.view().field_length("body") == total
    engine.close()
    # Once built, a reindex commits nothing before its end, whatever its size.
    writer = XapianWriter(LOCAL, tmp_path)
    for article in articles[:5]:
        writer.add(article)
    assert xapian.Database(path).get_doccount() == 7
    writer.cancel()
    assert xapian.Database(path).get_doccount() == 7


def test_terms_past_xapian_length_limit(tmp_path):
    # A compound of two 60-character Hangul words is 360 bytes; Xapian's limit is 245 (Korean
    # is not segmented as Chinese is).
    outlet = "The Very Long Outlet Name " * 12
    article = Article(
        id="long" * 70,
        title="가" * 60 + "-" + "나" * 60,
        body="가" * 60 + "-" + "나" * 60 + " and more",
        path="long.txt",
        headline=True,
        source=outlet,
    )
    write(LOCAL, tmp_path, [article])
    engine = XapianEngine(LOCAL, tmp_path)
    try:
        view = engine.view()
        analysed = analyse(article)
        assert max(len(s.encode()) for s in analysed.body_postings) > 245
        for stem in analysed.body_postings:
            assert ids(view, query.Term("body", stem)) == [article.id]
            assert ids(view, query.Term("title", stem)) == [article.id]
        assert ids(view, query.Term("source_name", outlet)) == [article.id]
        assert view.document(article.id)["source"] == outlet
    finally:
        engine.close()


def test_a_second_writer_is_refused(tmp_path, articles):
    writer = XapianWriter(LOCAL, tmp_path)
    with pytest.raises(IndexLocked):
        XapianWriter(LOCAL, tmp_path)
    writer.cancel()
    XapianWriter(LOCAL, tmp_path).cancel()


def test_writers_must_match_the_shards(tmp_path):
    config = EngineConfig(name="xapian", shards=(Shard("127.0.0.1", 1),))
    with pytest.raises(ConfigError, match="writer"):
        XapianWriter(config, tmp_path)


# -- a cluster of shards ----------------------------------------------------------------------


def no_process_left(pids: list[int]) -> bool:
    return not any(shard_cluster._group_members(pid) for pid in pids)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, articles) -> Iterator[shard_cluster.Cluster]:
    """A 3-shard cluster holding the same articles as the local database."""
    require_program("xapian-tcpsrv", "xapian-tools")
    folder = tmp_path_factory.mktemp("cluster")
    running = shard_cluster.start_cluster(folder, 3)
    try:
        write(running.config(), folder, articles)
        yield running
    finally:
        running.stop()
    assert no_process_left(running.pids)


@pytest.fixture
def spare_cluster(tmp_path, articles) -> Iterator[shard_cluster.Cluster]:
    """A 3-shard cluster of the articles that a test may break."""
    require_program("xapian-tcpsrv", "xapian-tools")
    running = shard_cluster.start_cluster(tmp_path / "cluster", 3)
    try:
        write(running.config(), tmp_path, articles)
        yield running
    finally:
        running.stop()
    assert no_process_left(running.pids)


COMPARED = [
    (query.Term("body", "russian"), None, "relevance"),
    (query.Or([query.Term("body", "hacker"), query.Term("title", "hacker")]), None, "relevance"),
    (query.And([query.Term("body", "russian"), query.Term("body", "sanction")]), None, "relevance"),
    (query.Or([query.Term("body", "nerv"), query.Term("body", "agent", boost=2.5)]), None,
     "relevance"),
    (query.Phrase("body", ["nerv", "agent"]), None, "relevance"),
    (query.Phrase("body", ["sanction", "hack"], slop=4), None, "relevance"),
    (query.AndNot(query.Term("body", "cyber"), query.Term("body", "russian")), None, "relevance"),
    (query.AndMaybe(query.Term("body", "russian"), query.Term("body", "hacker")), None,
     "relevance"),
    (query.Not(query.Term("body", "russian")), None, "relevance"),
    (query.Term("body", "attack"), query.Term("tag", "cyber attack"), "relevance"),
    (query.Term("body", "russian"), query.Term("source_name", "Reuters"), "relevance"),
    (query.Every(), parse("date:[2016 TO 2017]"), "newest"),
    (query.Every(), parse("year:[2017 TO]"), "oldest"),
    (query.Every(), None, "newest"),
    (query.Every(), None, "oldest"),
    (query.Every(), None, "relevance"),
    (query.Term("tag", "Russia"), None, "relevance"),
    (query.Prefix("source", "secur"), None, "relevance"),
    (query.Or([query.Term("body", "spi"), query.Term("title", "spi", boost=2.0),
               query.Term("body", "offici")]), parse("date:2017"), "relevance"),
    (query.Or([query.Term("body", w) for w in ("hack", "hacker", "attack", "elect", "russia",
                                                "sanction", "north", "korea")]), None,
     "relevance"),
]  # fmt: skip


def test_shards_rank_as_one_database(cluster, local_engine):
    engine = XapianEngine(cluster.config(), cluster.folder)
    try:
        sharded, single = engine.view(), local_engine.view()
        assert sharded.doc_count() == single.doc_count()
        for scored, filter, sort in COMPARED:
            a = sharded.search(scored, filter, 50, sort=sort, facets=True)
            b = single.search(scored, filter, 50, sort=sort, facets=True)
            assert a.total == b.total > 0, scored
            assert a.facets == b.facets
            assert [sharded.fields(m.key)["id"] for m in a.matches] == [
                single.fields(m.key)["id"] for m in b.matches
            ], scored
            for x, y in zip(a.matches, b.matches, strict=True):
                assert x.score == pytest.approx(y.score, abs=1e-9)
        for fieldname in ("title", "body"):
            assert sharded.field_length(fieldname) == single.field_length(fieldname)
            assert sharded.doc_frequency(fieldname, "russia") == single.doc_frequency(
                fieldname, "russia"
            )
        assert list(sharded.words_from("")) == list(single.words_from(""))
        assert list(sharded.words_within("hackres", 2, 1)) == list(
            single.words_within("hackres", 2, 1)
        )
        assert list(sharded.terms_between("body", "a", "d", False, False)) == list(
            single.terms_between("body", "a", "d", False, False)
        )
        like_a, like_b = sharded.more_like("nerve-agent", 5), single.more_like("nerve-agent", 5)
        assert [sharded.fields(m.key)["id"] for m in like_a] == [
            single.fields(m.key)["id"] for m in like_b
        ]
        assert [m.score for m in like_a] == pytest.approx([m.score for m in like_b], abs=1e-9)
        keys = [m.key for m in sharded.search(query.Term("body", "russian"), None, 5).matches]
        assert set(sharded.scores(query.Term("body", "hacker"), keys)) <= set(keys)
    finally:
        engine.close()


def test_each_article_is_in_its_shard(cluster, articles):
    for number, shard in enumerate(cluster.shards):
        engine = XapianEngine(EngineConfig(name="xapian", shards=(shard,)), cluster.folder)
        try:
            held = set(ids(engine.view(), query.Every()))
        finally:
            engine.close()
        assert held == {a.id for a in articles if shard_of(a.id, 3) == number}


def test_a_reindex_of_a_shard_is_seen(spare_cluster, articles):
    engine = XapianEngine(spare_cluster.config(), spare_cluster.folder)
    try:
        before = engine.view().generation()
        writer = XapianWriter(spare_cluster.config(), spare_cluster.folder)
        with pytest.raises(IndexLocked, match="127.0.0.1"):
            XapianWriter(spare_cluster.config(), spare_cluster.folder)
        writer.delete("page")
        writer.commit(VERSION, full=False)
        view = engine.view()
        assert view.generation() != before
        assert view.document("page") is None and view.doc_count() == len(articles) - 1
    finally:
        engine.close()


def test_a_cancelled_remote_reindex_leaves_no_trace(spare_cluster, articles):
    writer = XapianWriter(spare_cluster.config(), spare_cluster.folder)
    writer.delete("page")
    writer.add(replace(articles[0], id="brand-new"))
    writer.cancel()
    engine = XapianEngine(spare_cluster.config(), spare_cluster.folder)
    try:
        view = engine.view()
        assert view.document("page") and view.document("brand-new") is None
    finally:
        engine.close()
    # The writable servers hold a reindex's changes until its commit (Xapian's default
    # would apply them every 10,000 documents).
    for pid in spare_cluster.pids[:3]:
        environment = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        assert b"XAPIAN_FLUSH_THRESHOLD=%d" % shard_cluster.FLUSH_THRESHOLD in environment


@needs_program("xapian-tcpsrv", "xapian-tools")
def test_a_first_remote_build_is_applied_as_it_goes(tmp_path, articles, monkeypatch):
    # The writable servers hold a built index's changes until the commit; a first build's
    # are applied in batches, so a shard's memory need not hold the whole build.
    monkeypatch.setattr(xapian_writer, "UNBUILT_COMMIT_EVERY", 2)
    running = shard_cluster.start_cluster(tmp_path / "cluster", 2)
    try:
        writer = XapianWriter(running.config(), tmp_path)
        for article in articles:
            writer.add(article)
        applied = [xapian.remote_open(s.host, s.port).get_doccount() for s in running.shards]
        assert all(count >= 2 for count in applied) and sum(applied) < len(articles)
        engine = XapianEngine(running.config(), tmp_path)
        with pytest.raises(IndexMissing):
            engine.view()
        writer.commit(VERSION, full=True)
        assert engine.view().doc_count() == len(articles)
        engine.close()
    finally:
        running.stop()
    assert no_process_left(running.pids)


def test_threads_have_their_own_databases(cluster):
    engine = XapianEngine(cluster.config(), cluster.folder)
    q = query.Or([query.Term("body", "russian"), query.Term("body", "hacker")])
    expected = [m.key for m in engine.view().search(q, None, 10).matches]
    found: list = []

    def search() -> None:
        for _ in range(20):
            view = engine.view()
            found.append(([m.key for m in view.search(q, None, 10).matches], view._connection))

    threads = [threading.Thread(target=search) for _ in range(4)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(found) == 80 and all(keys == expected for keys, _c in found)
        assert len({id(connection) for _keys, connection in found}) == 4
    finally:
        engine.close()


def test_shards_out_of_step_call_for_a_full_rebuild(spare_cluster, articles):
    # As if a reindex died after committing shard 1 only.
    path = spare_cluster.folder / "shard-1"
    db = xapian.WritableDatabase(str(path), xapian.DB_OPEN)
    state = db.get_metadata("searchapp")
    db.set_metadata("searchapp", state.replace(b'"generation": 1', b'"generation": 2'))
    db.commit()
    db.close()
    writer = XapianWriter(spare_cluster.config(), spare_cluster.folder)
    assert writer.generation() == -1
    for article in articles:
        writer.add(article)
    writer.commit(VERSION, full=True)
    assert writer.generation() == 3
    again = XapianWriter(spare_cluster.config(), spare_cluster.folder)
    assert again.generation() == 3 and again.built_by() == VERSION
    again.cancel()


def timed(action: Callable[[], object]) -> tuple[BaseException | None, float]:
    started = time.monotonic()
    try:
        action()
    except BaseException as exc:  # noqa: BLE001 - the test looks at it
        return exc, time.monotonic() - started
    return None, time.monotonic() - started


def test_a_killed_shard_is_named(spare_cluster):
    engine = XapianEngine(spare_cluster.config(), spare_cluster.folder)
    try:
        view = engine.view()
        assert view.search(query.Every(), None, 3).total
        spare_cluster.signal_shard(1, signal.SIGKILL)
        name = str(spare_cluster.shards[1])
        error, seconds = timed(lambda: view.search(query.Every(), None, 3))
        assert isinstance(error, EngineUnavailable) and name in error.message, error
        assert seconds < 2
        error, seconds = timed(engine.view)  # now refused at once
        assert isinstance(error, EngineUnavailable) and f"Shard {name} " in error.message
        assert seconds < 2
    finally:
        engine.close()


def test_a_stalled_shard_times_out_then_recovers(spare_cluster):
    config = spare_cluster.config(timeout_ms=500, connect_timeout_ms=500)
    engine = XapianEngine(config, spare_cluster.folder)
    try:
        view = engine.view()
        spare_cluster.signal_shard(2, signal.SIGSTOP)
        try:
            error, seconds = timed(lambda: engine.view().search(query.Every(), None, 3))
            assert isinstance(error, EngineUnavailable), error
            assert str(spare_cluster.shards[2]) in error.message
            assert seconds < 1.5
            error, seconds = timed(engine.view)  # a fresh connection: the handshake waits
            assert isinstance(error, EngineUnavailable) and seconds < 1.5
        finally:
            spare_cluster.signal_shard(2, signal.SIGCONT)
        view = engine.view()
        assert view.search(query.Every(), None, 3).total == view.doc_count() > 0
        assert view.partial == ()
    finally:
        engine.close()


def test_partial_answers_from_the_live_shards(spare_cluster, articles):
    engine = XapianEngine(spare_cluster.config(partial=True), spare_cluster.folder)
    try:
        view = engine.view()
        whole = view.generation()
        assert view.partial == ()
        spare_cluster.signal_shard(0, signal.SIGKILL)
        # Dying mid-search: the search runs again without it.
        found = view.search(query.Every(), None, 100)
        live = {a.id for a in articles if shard_of(a.id, 3) != 0}
        assert view.partial == (str(spare_cluster.shards[0]),)
        assert (
            {view.fields(m.key)["id"] for m in found.matches}
            == live
            == set(ids(engine.view(), query.Every()))
        )
        assert engine.view().partial == (str(spare_cluster.shards[0]),)
        assert engine.view().generation() != whole  # names the shards it holds
    finally:
        engine.close()


def test_a_stalled_shard_is_left_out_then_rejoins(spare_cluster, articles, monkeypatch):
    monkeypatch.setattr(xapian_engine, "DOWN_RETRY_SECONDS", 0.3)
    config = spare_cluster.config(partial=True, timeout_ms=300, connect_timeout_ms=300)
    engine = XapianEngine(config, spare_cluster.folder)
    stalled = (str(spare_cluster.shards[1]),)
    try:
        engine.view()
        spare_cluster.signal_shard(1, signal.SIGSTOP)
        try:
            started = time.monotonic()
            view = engine.view()  # the stalled shard times out once, then is left out
            assert view.partial == stalled
            assert view.search(query.Every(), None, 100).total == view.doc_count()
            assert engine.view().partial == stalled  # not tried again for a while
            assert time.monotonic() - started < 1.0
        finally:
            spare_cluster.signal_shard(1, signal.SIGCONT)
        time.sleep(0.35)
        view = engine.view()
        assert view.partial == () and view.doc_count() == len(articles)
    finally:
        engine.close()


def test_reshard_to_two_shards(spare_cluster, tmp_path, local_engine):
    with shard_cluster.start_cluster(tmp_path / "two", 2) as two:
        copied = reshard(spare_cluster.config(), two.config(), tmp_path)
        engine = XapianEngine(two.config(), tmp_path)
        try:
            view, single = engine.view(), local_engine.view()
            assert copied == view.doc_count() == single.doc_count()
            writer = XapianWriter(two.config(), tmp_path)
            assert (writer.generation(), writer.built_by()) == (1, VERSION)  # as before
            writer.cancel()
            for scored, filter, sort in COMPARED[:8]:
                a = view.search(scored, filter, 50, sort=sort)
                b = single.search(scored, filter, 50, sort=sort)
                assert [view.fields(m.key)["id"] for m in a.matches] == [
                    single.fields(m.key)["id"] for m in b.matches
                ]
        finally:
            engine.close()
        with pytest.raises(ConfigError):
            reshard(two.config(), two.config(), tmp_path)
    assert no_process_left(two.pids)


def test_a_missing_server_program_is_explained(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ConfigError, match="xapian-tools"):
        shard_cluster.start_cluster(tmp_path / "none", 1)


def test_term_weights_use_whooshs_idf(view: XapianView, analysed: dict[str, AnalysedArticle]):
    # Two body words once each in one article (not in its title): their scores there differ
    # only by idf, so their ratio must be Whoosh's ln(N/(n+1)) + 1, not Xapian's own idf.
    documents = view.doc_count()
    checked = 0
    for article_id, a in analysed.items():
        once = sorted(
            (stem for stem, positions in a.body_postings.items() if len(positions) == 1),
            key=lambda stem: view.doc_frequency("body", stem),
        )
        once = [s for s in once if s not in a.title_postings]
        if len(once) < 2 or view.doc_frequency("body", once[-1]) < 3:
            continue
        rare, common = once[0], once[-1]
        scores = {}
        for stem in (rare, common):
            found = view.search(query.Term("body", stem), query.Term("id", article_id), 1)
            scores[stem] = found.matches[0].score

        def idf(stem: str) -> float:
            return math.log(documents / (view.doc_frequency("body", stem) + 1)) + 1

        assert scores[rare] / scores[common] == pytest.approx(idf(rare) / idf(common), rel=1e-9)
        checked += 1
    assert checked >= 3


def test_analysis_workers_write_what_one_process_writes(tmp_path, articles, monkeypatch):
    monkeypatch.setattr(engine_workers.os, "sched_getaffinity", lambda pid: {0, 1})
    monkeypatch.setattr(engine_workers, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(xapian_writer, "ANALYSIS_BATCH", 3)  # several batches in flight
    views = {}
    for name in ("workers", "in-process"):
        writer = XapianWriter(LOCAL, tmp_path / name)
        if name == "workers":
            writer.expect(1)
            assert writer._workers is not None
        for article in articles:
            writer.add(article)
        # Added a moment ago, perhaps still in a worker's hands: written first, then deleted.
        writer.delete(articles[-1].id)
        writer.commit(VERSION, full=True)
        assert writer._workers is None
        views[name] = XapianEngine(LOCAL, tmp_path / name).view()
    workers, alone = views["workers"], views["in-process"]
    assert workers.doc_count() == alone.doc_count() == len(articles) - 1
    assert articles[-1].id not in ids(workers, query.Every())
    for fieldname in ("title", "body"):
        assert workers.field_length(fieldname) == alone.field_length(fieldname)
    for scored, filter, sort in COMPARED:
        a = workers.search(scored, filter, 50, sort=sort, facets=True)
        b = alone.search(scored, filter, 50, sort=sort, facets=True)
        assert [(workers.fields(m.key)["id"], m.score) for m in a.matches] == [
            (alone.fields(m.key)["id"], m.score) for m in b.matches
        ]
        assert (a.total, a.facets) == (b.total, b.facets)


def test_a_killed_reindex_takes_its_analysis_workers_with_it(tmp_path: Path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for n in range(3000):  # 10 MB of distinct words: workers are started, and take a while
        words = " ".join(f"word{n}x{k} sanctions{k}" for k in range(200))
        (seeds / f"a{n}.txt").write_text(f"Headline number {n}\n\n{words}.")
    environment = {**os.environ, "SEARCHAPP_ENGINE": "xapian"}
    command = [sys.executable, "-m", "searchapp.cli", "reindex", "--seeds", str(seeds)]
    process = subprocess.Popen([*command, "--index", str(tmp_path / "index")], env=environment)
    try:
        deadline = time.monotonic() + 60
        workers: list[psutil.Process] = []
        while len(workers) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
            # The workers are the fork server's children.
            family = psutil.Process(process.pid).children(recursive=True)
            servers = [p for p in family if "forkserver" in " ".join(p.cmdline())]
            workers = [w for server in servers for w in server.children()]
        assert len(workers) >= 2, "no analysis workers started"
    finally:
        process.kill()
    process.wait()
    gone, alive = psutil.wait_procs(workers, timeout=10)
    assert not alive, f"workers outlived the reindex: {alive}"


def test_an_index_of_another_version_or_none_is_refused_with_what_to_do(tmp_path, articles):
    with pytest.raises(IndexMissing, match="run `searchapp reindex` to build it"):
        XapianEngine(LOCAL, tmp_path).view()
    writer = XapianWriter(LOCAL, tmp_path)
    writer.add(articles[0])
    writer.commit("0-old", full=True)
    with pytest.raises(IndexOutdated, match="run `searchapp reindex` to rebuild it"):
        XapianEngine(LOCAL, tmp_path).view()
    write(LOCAL, tmp_path, articles)
    assert XapianEngine(LOCAL, tmp_path).view().doc_count() == len(articles)
