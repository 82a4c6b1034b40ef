"""Ranking features: query-time synonyms, the proximity bonus, BM25 settings, operators."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from searchapp.config import EngineConfig
from searchapp.engines import query
from searchapp.reindex import reindex
from searchapp.search import (
    DEFAULT_RANKING,
    ENGINE_RANKINGS,
    Ranking,
    SearchEngine,
    build_query,
)
from searchapp.text.tags import default_synonyms
from tests.conftest import engine_view

# Every test on the Whoosh engine and again on Xapian (conftest.py).
pytestmark = pytest.mark.both_engines

# Articles of the same length and shape, so only the word under test decides the order.
FILLER = "The statement was issued on Tuesday after a long meeting of the committee."
ARTICLES = {
    "says-uk": "Ministers confirm the UK expelled diplomats",
    "says-britain": "Ministers confirm Britain expelled diplomats",
    "says-both": "Ministers confirm the UK and Britain expelled diplomats",
    "says-us": "Officials confirm the US expelled diplomats",
    "says-american": "Officials confirm American agents expelled diplomats",
    "pronoun": "Officials told us the diplomats were expelled",
    "hackers": "Hackers stole files from the ministry",
    "cyberattack": "A cyberattack hit servers at the ministry",
    # The same words: together in one, far apart in the other.
    "near": "Nerve agent traces found on handle by investigators yesterday",
    # Feedback: three articles tie "sleeper" to "novichok"; two more mention "sleeper" once,
    # one of them with "novichok", the other with an unrelated word in its place.
    "sleeper-1": "Sleeper cell novichok plot sleeper novichok",
    "sleeper-2": "Sleeper agents novichok sleeper novichok",
    "sleeper-3": "Novichok sleeper network sleeper novichok",
    "with-novichok": "Police mention a sleeper and novichok",
    "with-weather": "Police mention a sleeper and weather",
    "far": "Nerve traces found on handle by investigators yesterday, agent",
}


def write_articles(seeds: Path, articles: dict[str, str]) -> None:
    seeds.mkdir()
    for name, title in articles.items():
        (seeds / f"{name}.txt").write_text(f"{title}\n\n{title}. {FILLER}\n", encoding="utf-8")


@pytest.fixture(scope="module")
def ranking_index(tmp_path_factory: pytest.TempPathFactory, engine_name: str) -> Path:
    root = tmp_path_factory.mktemp(f"ranking-{engine_name}")
    write_articles(root / "seeds", ARTICLES)
    reindex(root / "seeds", root / "index", engine=EngineConfig(engine_name))
    return root / "index"


@pytest.fixture
def make_engine(ranking_index: Path) -> Iterator:
    engines: list[SearchEngine] = []

    def make(**settings) -> SearchEngine:
        engines.append(SearchEngine(ranking_index, Ranking(**settings)))
        return engines[-1]

    yield make
    for engine in engines:
        engine.close()


def names(engine: SearchEngine, text: str) -> list[str]:
    return [hit.id for hit in engine.search(text).hits]


# -- synonyms --------------------------------------------------------------------------------


def test_synonym_finds_the_other_spelling_below_the_typed_one(make_engine):
    engine = make_engine()
    found = names(engine, "UK")
    assert found.index("says-uk") < found.index("says-britain")
    found = names(engine, "Britain")
    assert found.index("says-britain") < found.index("says-uk")


def test_synonym_adds_nothing_where_the_typed_word_is(make_engine):
    def scores(engine: SearchEngine) -> dict[str, float]:
        return dict(engine.ranked("UK"))

    # Feedback off: it would pick other terms from the other hits.
    on = scores(make_engine(feedback_docs=0))
    off = scores(make_engine(feedback_docs=0, synonym_weight=0))
    assert on["says-both"] == pytest.approx(off["says-both"])
    assert on["says-uk"] == pytest.approx(off["says-uk"])
    assert "says-britain" not in off
    assert 0 < on["says-britain"] < on["says-uk"]


def test_synonyms_off_finds_only_the_typed_word(make_engine):
    engine = make_engine(synonym_weight=0)
    assert set(names(engine, "UK")) == {"says-uk", "says-both"}


@pytest.mark.parametrize("typed", ["uk", "UK", "britain", "Britain", "BRITAIN", "united kingdom"])
def test_synonyms_whatever_the_case(make_engine, typed):
    found = set(names(make_engine(), typed))
    assert {"says-uk", "says-britain"} <= found


def test_acronym_synonyms_need_capitals(make_engine):
    engine = make_engine()
    assert {"says-us", "says-american"} <= set(names(engine, "US"))
    # The pronoun is not the country: no American articles for "us" (the index is lower-case,
    # so the word itself matches either way).
    assert set(names(engine, "us")) == {"says-us", "pronoun"}


def test_multiword_and_compound_synonyms(make_engine):
    engine = make_engine()
    found = names(engine, "cyber attack")
    assert {"hackers", "cyberattack"} <= set(found)
    assert set(names(engine, "hacker")) >= {"hackers", "cyberattack"}


def test_synonym_counts_for_every_word_operators(make_engine):
    # AND semantics: "Britain" satisfies "UK" without falling back to OR.
    engine = make_engine(operator="and_fallback")
    assert set(names(engine, "UK diplomats")) == {"says-uk", "says-britain", "says-both"}


def test_synonym_is_highlighted(make_engine):
    page = make_engine().search("UK")
    hit = next(h for h in page.hits if h.id == "says-britain")
    assert re.findall(r"<mark>(.*?)</mark>", hit.title_html) == ["Britain"]
    assert "<mark>Britain</mark>" in hit.snippet


def test_synonyms_leave_field_clauses_and_negations_alone(ranking_index: Path):
    with engine_view(ranking_index) as view:
        synonyms = default_synonyms()
        negated = build_query("diplomats NOT UK", view, synonyms=synonyms).scored
        assert isinstance(negated, query.AndNot)
        assert "britain" not in {t for _f, t in negated.b.iter_all_terms()}
        fielded = build_query("title:UK", view, synonyms=synonyms).scored
        assert {t for _f, t in fielded.iter_all_terms()} == {"uk"}


def test_synonym_file_groups_are_tight() -> None:
    # Each group's spellings must analyse to different words, or the entry is useless.
    synonyms = default_synonyms()
    for tag in synonyms.tags:
        assert synonyms.canonical(tag.name) == tag.name
        for spelling in tag.aliases:
            assert synonyms.canonical(spelling) == tag.name


# -- proximity -------------------------------------------------------------------------------


def test_proximity_ranks_words_found_together_first(make_engine):
    def scores(engine: SearchEngine) -> dict[str, float]:
        return {doc_id: score for doc_id, score in engine.ranked("nerve agent")}

    off = scores(make_engine(proximity=0.0))
    assert off["near"] == pytest.approx(off["far"])
    on = scores(make_engine(proximity=1.0))
    assert on["near"] > on["far"]
    assert on["far"] == pytest.approx(off["far"])  # the bonus only adds to the near one


# The exact forms' bonus off: it wraps the query in AndMaybe (test_exact.py).
NO_EXACT = {"exact_weight": 0, "exact_name_weight": 0}


def test_proximity_query_pairs_consecutive_words(ranking_index: Path):
    with engine_view(ranking_index) as view:
        ranking = Ranking(proximity=0.5, proximity_slop=3, **NO_EXACT)
        q = build_query("nerve agent traces", view, ranking).scored
        phrases = [sub for sub in q.subqueries if isinstance(sub, query.Phrase)]
        assert [(list(p.words), p.slop, p.boost) for p in phrases] == [
            (["nerv", "agent"], 3, 0.5),
            (["agent", "trace"], 3, 0.5),
        ]
        off = build_query("nerve agent traces", view, Ranking(proximity=0, **NO_EXACT)).scored
        assert not [s for s in off.subqueries if isinstance(s, query.Phrase)]


# -- feedback --------------------------------------------------------------------------------


def test_feedback_reorders_by_the_top_hits_key_terms(make_engine):
    def scores(engine: SearchEngine) -> dict[str, float]:
        return dict(engine.ranked("sleeper"))

    off = scores(make_engine(feedback_docs=0))
    assert off["with-novichok"] == pytest.approx(off["with-weather"])
    on = scores(make_engine(feedback_docs=2))
    assert on["with-novichok"] > on["with-weather"]
    # Reading all five hits teaches nothing about them: feedback is skipped.
    assert scores(make_engine(feedback_docs=5)) == pytest.approx(off)


def test_feedback_reorders_only_the_top_hits(make_engine, monkeypatch):
    from searchapp.search import feedback

    monkeypatch.setattr(feedback, "FEEDBACK_DEPTH", 3)
    off = [doc for doc, _ in make_engine(feedback_docs=0).ranked("sleeper")]
    on = [doc for doc, _ in make_engine(feedback_docs=2).ranked("sleeper")]
    assert on != off  # reordered…
    assert set(on[:3]) == set(off[:3])  # …within the top three
    assert on[3:] == off[3:]  # later hits keep the query's own order


def test_feedback_keeps_the_hits_total_and_facets(make_engine):
    off = make_engine(feedback_docs=0).search("sleeper", per_page=100)
    on = make_engine(feedback_docs=2).search("sleeper", per_page=100)
    assert {h.id for h in on.hits} == {h.id for h in off.hits}
    assert (on.total, on.facets) == (off.total, off.facets)
    # Only the words searched for are marked, not the feedback terms.
    assert all("novichok</mark>" not in h.snippet.lower() for h in on.hits)
    assert any("<mark>sleeper</mark>" in h.snippet.lower() for h in on.hits)


def test_feedback_terms_are_remembered_until_the_index_changes(tmp_path: Path, monkeypatch):
    from searchapp.search import feedback

    made: list[object] = []
    real = feedback._expanded_terms

    def counting(*args, **kwargs):
        made.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(feedback, "_expanded_terms", counting)
    seeds = tmp_path / "seeds"
    write_articles(seeds, ARTICLES)
    reindex(seeds, tmp_path / "ix")
    engine = SearchEngine(tmp_path / "ix", Ranking(feedback_docs=2))
    try:
        first = engine.ranked("sleeper")
        assert engine.search("sleeper", page=2, per_page=2).total == 5  # paging: cached
        assert engine.ranked("sleeper") == first  # same order and scores from the cache
        assert len(made) == 1
        engine.forget_queries()
        assert engine.ranked("sleeper") == first
        assert len(made) == 2
        (seeds / "more.txt").write_text("Sleeper novichok\n\nA sleeper with novichok.\n")
        reindex(seeds, tmp_path / "ix")
        engine.ranked("sleeper")
        assert len(made) == 3  # a new index generation: terms found again
    finally:
        engine.close()


def test_feedback_leaves_long_queries_alone(make_engine):
    text = "police mention sleeper weather"  # four words: longer than feedback_max_words
    on = dict(make_engine(feedback_docs=1, feedback_max_words=3).ranked(text))
    off = dict(make_engine(feedback_docs=0).ranked(text))
    assert on == pytest.approx(off)
    allowed = dict(make_engine(feedback_docs=1, feedback_max_words=4).ranked(text))
    assert allowed != pytest.approx(off)


def test_feedback_counts_typed_words_not_synonyms(ranking_index: Path):
    with engine_view(ranking_index) as view:
        assert build_query("UK", view).typed == {"uk"}  # britain, british… not counted
        assert len(build_query("police mention sleeper weather", view).typed) == 4
        assert build_query('"nerve agent" traces', view).typed == {"nerv", "agent", "trace"}
        assert build_query("sleeper source:reuters", view).typed == {"sleeper"}


def test_all_words_bonus_only_for_short_queries(ranking_index: Path):
    def has_bonus(text: str, **settings) -> bool:
        with engine_view(ranking_index) as view:
            q = build_query(text, view, Ranking(**NO_EXACT, **settings)).scored
        return any(isinstance(sub, query.And) for sub in q.subqueries)

    assert has_bonus("police sleeper weather", all_words_max=3)
    assert not has_bonus("police mention sleeper weather", all_words_max=3)
    assert has_bonus("police mention sleeper weather", all_words_max=4)


# -- settings --------------------------------------------------------------------------------


@pytest.mark.whoosh_only
def test_bm25_settings_reach_the_searcher(make_engine):
    engine = make_engine(k1=0.9, b=0.4)
    weighting = engine.view().searcher.weighting
    assert (weighting.K1, weighting.B) == (0.9, 0.4)


def test_title_boost_setting_reaches_the_parser(ranking_index: Path):
    with engine_view(ranking_index) as view:
        q = build_query("diplomats", view, Ranking(title_boost=3.0)).scored
        boosts = {t.fieldname: t.boost for t in q.leaves() if isinstance(t, query.Term)}
        assert boosts == {"title": 3.0, "body": 1.0}  # no exact forms for a word typed lower
        q = build_query("Diplomats", view, Ranking(title_boost=3.0)).scored
        boosts = {t.fieldname: t.boost for t in q.leaves() if isinstance(t, query.Term)}
        assert boosts == {"title": 3.0, "body": 1.0, "title_exact": 9.0, "body_exact": 3.0}


def test_unknown_operator_is_refused() -> None:
    with pytest.raises(ValueError, match="operator"):
        Ranking(operator="xor")  # type: ignore[arg-type]


def test_defaults_are_the_api_defaults(app, engine_name: str) -> None:
    assert app.extensions["searchapp"].ranking == ENGINE_RANKINGS[engine_name]
    assert ENGINE_RANKINGS["whoosh"] is DEFAULT_RANKING


# -- showing the synonyms --------------------------------------------------------------------


def test_quotes_search_the_words_as_typed(make_engine):
    engine = make_engine()
    assert "says-britain" in names(engine, "UK")
    assert set(names(engine, '"UK"')) == {"says-uk", "says-both"}


def test_snippet_prefers_the_typed_word_to_its_synonym(make_engine):
    page = make_engine(feedback_docs=0).search("UK")
    both = next(h for h in page.hits if h.id == "says-both")
    assert "<mark>UK</mark>" in both.snippet and "<mark>Britain</mark>" not in both.snippet
    only_synonym = next(h for h in page.hits if h.id == "says-britain")
    assert "<mark>Britain</mark>" in only_synonym.snippet


def test_the_page_says_which_synonyms_were_searched(make_engine):
    page = make_engine().search("UK diplomats")
    assert [s.typed for s in page.synonyms] == ["UK"]
    assert {"Britain", "United Kingdom", "British"} <= set(page.synonyms[0].alternatives)
    assert "UK" not in page.synonyms[0].alternatives
    assert page.exact_query == '"UK" diplomats'
    assert make_engine().search(page.exact_query).synonyms == ()
    assert make_engine().search("diplomats").exact_query is None


def test_api_and_ui_show_the_synonyms(client):
    data = client.get("/api/search?q=UK+poison").get_json()
    assert data["synonyms"][0]["typed"] == "UK"
    assert "Britain" in data["synonyms"][0]["alternatives"]
    assert data["exact_query"] == '"UK" poison'
    html = client.get("/search?q=UK+poison").get_data(as_text=True)
    assert "Also searching <strong>UK</strong> as" in html
    assert "Only the words as typed" in html
    plain = client.get("/api/search?q=poison").get_json()
    assert plain["synonyms"] == [] and plain["exact_query"] is None


@pytest.mark.whoosh_only
def test_scores_for_chosen_documents_match_a_filtered_search(tmp_path: Path):
    from whoosh import query

    from searchapp.engines.whoosh.engine import _scores_for

    seeds = tmp_path / "seeds"
    write_articles(seeds, ARTICLES)
    reindex(seeds, tmp_path / "ix")
    (seeds / "later.txt").write_text("Later sleeper\n\nA sleeper with novichok and diplomats.\n")
    reindex(seeds, tmp_path / "ix")  # a second segment: document numbers span both
    engine = SearchEngine(tmp_path / "ix")
    try:
        searcher = engine.view().searcher
        assert len(searcher.reader().leaf_readers()) == 2
        extra = query.Or(
            [query.Term("body", "novichok", boost=0.7), query.Term("body", "diplomat")], boost=2.0
        )
        docnums = sorted(searcher.document_number(id=i) for i in ("later", "says-uk", "far"))
        found = {hit.docnum: hit.score for hit in searcher.search(extra, filter=set(docnums))}
        assert set(found) == {searcher.document_number(id=i) for i in ("later", "says-uk")}
        assert _scores_for(searcher, extra, docnums) == pytest.approx(found)
    finally:
        engine.close()
