"""Searching by language: ``lang:ru`` in the query and ``Filters(lang=...)`` restrict the hits,
the language facet counts every hit as the filter would, and hits and articles carry their
language (a tiny index of records stating theirs, tests/search/helpers.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from searchapp.config import EngineConfig
from searchapp.search import Filters, SearchEngine, language_code, language_name
from tests.search.helpers import LANGUAGE_RECORDS, index_languages

pytestmark = pytest.mark.both_engines

RUSSIAN = {"ru-skripal", "ru-hackers"}
STATED = {i for i, (lang, _title, _text) in LANGUAGE_RECORDS.items() if lang}


@pytest.fixture(scope="module")
def language_index(tmp_path_factory: pytest.TempPathFactory, engine_name: str) -> Path:
    return index_languages(tmp_path_factory.mktemp(f"lang-{engine_name}"), engine_name)


@pytest.fixture
def engine(language_index: Path, engine_name: str):
    engine = SearchEngine(language_index, config=EngineConfig(engine_name))
    yield engine
    engine.close()


def ids(page) -> set[str]:
    return {hit.id for hit in page.hits}


def test_every_record_is_found_by_the_shared_word(engine):
    assert ids(engine.search("GRU", per_page=50)) == set(LANGUAGE_RECORDS)


@pytest.mark.parametrize("text", ["lang:ru", "lang:RU", "lang:Russian", "GRU lang:ru"])
def test_lang_in_the_query_restricts_the_hits(engine, text):
    assert ids(engine.search(text, per_page=50)) == RUSSIAN


def test_lang_in_the_query_is_a_filter_not_a_word(engine):
    plain = {hit.id: hit.score for hit in engine.search("GRU", per_page=50).hits}
    russian = engine.search("GRU lang:ru", per_page=50)
    assert {hit.id: hit.score for hit in russian.hits} == {i: plain[i] for i in RUSSIAN}
    assert ids(engine.search("GRU NOT lang:ru", per_page=50)) == set(LANGUAGE_RECORDS) - RUSSIAN
    assert ids(engine.search("lang:r*", per_page=50)) == RUSSIAN
    assert ids(engine.search("lang:[a TO b]", per_page=50)) == {"ar-attack"}
    assert engine.search("lang:zz").total == engine.search("lang:zz*").total == 0


def test_the_lang_filter_parameter(engine):
    assert ids(engine.search("GRU", filters=Filters(lang=("ru",)))) == RUSSIAN
    assert ids(engine.search("", filters=Filters(lang=("ru",)))) == RUSSIAN  # browsing
    either = engine.search("GRU", filters=Filters(lang=("ru", "Arabic")))
    assert ids(either) == RUSSIAN | {"ar-attack"}  # any of them
    assert engine.search("GRU", filters=Filters(lang=("de",))).total == 0


def test_the_language_facet_counts_equal_the_filtered_totals(engine):
    page = engine.search("GRU", per_page=50)
    counts = {v.value: v.count for v in page.facets.lang}
    assert counts["ru"] == 2 and counts["ar"] == 1 and counts["en"] >= 1
    assert "" not in counts
    for code, count in counts.items():
        assert engine.search("GRU", filters=Filters(lang=(code,))).total == count
        assert engine.search(f"GRU lang:{code}").total == count
    assert sum(counts.values()) == sum(1 for hit in page.hits if hit.lang)
    # Over the whole index, as the engine's languages() gives them.
    assert counts == engine.view().languages()
    values = [v.value for v in page.facets.lang]
    assert values == sorted(counts, key=lambda code: (-counts[code], code))  # most hits first
    facet = page.to_dict(lambda hit: "")["facets"]["lang"]
    assert {"value": "ru", "count": 2, "selected": False} in facet
    chosen = engine.search("GRU", filters=Filters(lang=("RU",)))
    assert [(v.value, v.count, v.selected) for v in chosen.facets.lang] == [("ru", 2, True)]


def test_hits_and_articles_carry_their_language(engine):
    hits = {hit.id: hit for hit in engine.search("GRU", per_page=50).hits}
    for article_id in STATED:
        assert hits[article_id].lang == LANGUAGE_RECORDS[article_id][0]
    russian = hits["ru-skripal"]
    assert russian.language == "Russian" and hits["ar-attack"].language == "Arabic"
    assert russian.to_dict(lambda hit: "")["lang"] == "ru"
    article = engine.article("ar-attack")
    assert article.lang == "ar" and article.language == "Arabic"
    assert article.to_dict()["lang"] == "ar"
    assert hits["note"].lang == hits["note"].language == ""  # none stated, none detected
    assert hits["note"].to_dict(lambda hit: "")["lang"] == ""
    related = engine.related("ru-hackers")
    assert related and all(hit.lang == hits[hit.id].lang for hit in related)


def test_language_codes_and_names():
    assert language_name("ru") == "Russian" and language_name("ar") == "Arabic"
    assert language_name("zz") == "zz"  # no name: the code
    assert language_code(" RU ") == "ru" and language_code("russian") == "ru"
    assert language_code("Arabic") == "ar" and language_code("zz") == "zz"
