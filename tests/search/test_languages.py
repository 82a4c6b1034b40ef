"""Searching articles in several languages: each found through its own language's stems,
Chinese through its words, names across Cyrillic and Latin (the multilingual fixture corpus
of tests/fixtures/languages, the fixture corpus and the seeds)."""

from __future__ import annotations

from pathlib import Path

import pytest

from searchapp.config import EngineConfig
from searchapp.reindex import reindex
from searchapp.search import Filters, SearchEngine
from searchapp.search.languages import in_every_language
from searchapp.search.parsing import build_query

pytestmark = pytest.mark.both_engines

LANGUAGES = Path(__file__).parents[1] / "fixtures" / "languages"


@pytest.fixture(scope="session")
def languages_index(tmp_path_factory: pytest.TempPathFactory, engine_name: str) -> Path:
    path = tmp_path_factory.mktemp(f"languages-{engine_name}") / "index"
    reindex(LANGUAGES, path, engine=EngineConfig(engine_name))
    return path


@pytest.fixture
def languages_engine(languages_index: Path, engine_name: str):
    engine = SearchEngine(languages_index, config=EngineConfig(engine_name))
    yield engine
    engine.close()


# Each fixture article by its title (its file's first line).
FILES = {path.read_text("utf-8").splitlines()[0]: path.name for path in LANGUAGES.glob("*.txt")}


def paths(page) -> list[str]:
    return [FILES.get(hit.title, hit.title) for hit in page.hits]


def test_each_article_has_its_language(languages_engine):
    words = ("ГРУ", "Навального", "хакери", "espionnage", "Spion", "هجوم", "黑客", "Treasury")
    found = {
        FILES[hit.title]: hit.lang for text in words for hit in languages_engine.search(text).hits
    }
    assert found["ru-poisoning.txt"] == "ru"
    assert found["uk-hackers.txt"] == "uk"
    assert found["fr-espionnage.txt"] == "fr"
    assert found["de-spionage.txt"] == "de"
    assert found["ar-cyber.txt"] == "ar"
    assert found["zh-hackers.txt"] == "zh"
    assert found["en-sanctions.txt"] == "en"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("отравлениями", "ru-poisoning.txt"),  # instrumental plural: not in the text
        ("расследованию", "ru-poisoning.txt"),
        ("attaque", "fr-espionnage.txt"),  # the text says "attaques"
        ("securite interieure", "fr-espionnage.txt"),  # typed without its accents
        ("espionnage", "fr-espionnage.txt"),  # the text says "d'espionnage"
        ("Dokument", "de-spionage.txt"),  # the text says "Dokumente"
        ("الهجمات", "ar-cyber.txt"),
        ("电网", "zh-hackers.txt"),
        ("钓鱼邮件", "zh-hackers.txt"),
        ("хакери", "uk-hackers.txt"),
        ("sanction", "en-sanctions.txt"),
    ],
)
def test_a_word_finds_the_article_in_its_language(languages_engine, typed, expected):
    assert expected in paths(languages_engine.search(typed))


def test_a_chinese_word_is_not_found_inside_another(languages_engine):
    assert paths(languages_engine.search("俄罗斯")) == []


def test_an_index_of_english_alone_gets_the_query_it_always_got(engine):
    view = engine.view()
    assert engine.languages.keys(view) == ("",)
    q = build_query("poisoned spies", view).scored
    assert in_every_language(q, "poisoned spies", ("",)) is q
    assert {"poison", "spi"} <= {text for _field, text in q.iter_all_terms()}


def test_a_query_word_is_stemmed_in_each_language_of_the_index(languages_engine):
    view = languages_engine.view()
    keys = languages_engine.languages.keys(view)
    assert "fr" in keys and "uk" in keys and "de" in keys
    q = build_query("informatiques", view).scored
    assert {"informatiqu", "fr:informat"} <= {text for _field, text in q.iter_all_terms()}


def test_the_language_filter_and_facet(languages_engine):
    page = languages_engine.search("ГРУ OR Spion OR espionnage", filters=Filters(lang=("fr",)))
    assert paths(page) == ["fr-espionnage.txt"]
    assert languages_engine.search("lang:de").total == 1


def test_a_cyrillic_name_finds_its_latin_spelling(seeds_engine):
    page = seeds_engine.search("Навальный")
    assert page.total >= 1
    assert any("Navalni" in hit.snippet or "Navalni" in hit.title for hit in page.hits)
    assert [s.typed for s in page.synonyms] == ["Навальный"]
    assert "Navalni" in page.synonyms[0].alternatives


def test_a_quoted_cyrillic_name_is_searched_as_typed(seeds_engine):
    assert seeds_engine.search('"Навальный"').total == 0


def test_a_latin_name_finds_its_cyrillic_spelling_and_its_inflections(languages_engine):
    page = languages_engine.search("Navalny")
    assert "ru-navalny.txt" in paths(page)
    assert page.synonyms and "Навальный" in page.synonyms[0].alternatives


def test_a_cyrillic_name_in_an_english_collection(engine):
    page = engine.search("Скрипаль")
    assert "Former spy poisoned with nerve agent in Salisbury" in [h.title for h in page.hits]
    assert page.synonyms[0].alternatives == ("Skripal",)


def test_snippets_highlight_the_words_in_their_language(languages_engine):
    page = languages_engine.search("отравлениями")
    hit = next(hit for hit in page.hits if FILES[hit.title] == "ru-poisoning.txt")
    assert "<mark>отравлению</mark>" in hit.snippet  # a form the query didn't spell
    french = languages_engine.search("attaque").hits[0]
    assert "<mark>attaques</mark>" in french.snippet
    chinese = languages_engine.search("电网").hits[0]
    assert "<mark>电网</mark>" in chinese.snippet
