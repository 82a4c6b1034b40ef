"""Spelling suggestions: searched instead of the query only when sure, offered otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest

from searchapp.config import EngineConfig
from searchapp.reindex import reindex
from searchapp.search import SearchEngine
from searchapp.search.suggestions import Correction, is_sure, written_as_name
from searchapp.web import create_app
from tests.search.test_ranking import write_articles

pytestmark = pytest.mark.both_engines

# No Skripal anywhere: "serial" is two edits from the name.
ARTICLES = {
    "burglary": "Police charge serial burglar after court hearing",
    "court": "Serial offender jailed at the crown court",
    "surveillance": "Surveillance cameras watched the embassy",
    "kremlin": "The Kremlin denies the claims about the embassy",
}


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory, engine_name: str):
    root: Path = tmp_path_factory.mktemp(f"suggestions-{engine_name}")
    write_articles(root / "seeds", ARTICLES)
    reindex(root / "seeds", root / "index", engine=EngineConfig(engine_name))
    engine = SearchEngine(root / "index", config=EngineConfig(engine_name))
    yield engine
    engine.close()


def test_a_name_the_collection_lacks_is_never_traded_for_a_word(engine):
    for typed in ("Skripal", "skripal", "Skripal embassy"):
        page = engine.search(typed)
        assert not page.corrected, typed
        assert page.shown_query == typed
    alone = engine.search("Skripal")
    assert alone.total == 0 and alone.hits == []
    assert alone.suggestion == "serial"  # offered, not searched


def test_one_edit_away_is_searched_instead(engine):
    page = engine.search("Kremlim")
    assert page.corrected and page.suggestion == "kremlin"
    assert [hit.id for hit in page.hits] == ["kremlin"]


def test_two_edits_away_is_only_offered(engine):
    for typed in ("survelance", "Survelance"):
        page = engine.search(typed)
        assert not page.corrected and page.total == 0, typed
        assert page.suggestion == "surveillance"


def test_a_common_word_is_not_searched_for_a_word_typed_as_a_name(engine):
    # "Searial" is one edit from "serial", which the articles write in lower case.
    page = engine.search("Searial")
    assert page.suggestion == "serial" and not page.corrected
    assert engine.search("searial").corrected  # typed in lower case: a misspelling


def test_a_query_whose_suggestion_is_not_sure_keeps_its_own_results(engine):
    # "embassy" finds articles; the unsure word is offered, never searched instead.
    page = engine.search("Skripal embassy")
    assert page.total == 2 and page.suggestion == "serial embassy" and not page.corrected


def test_the_api_and_the_page_offer_an_unsure_suggestion_without_searching_it(
    tmp_path, engine_name
):
    write_articles(tmp_path / "seeds", ARTICLES)
    reindex(tmp_path / "seeds", tmp_path / "index", engine=EngineConfig(engine_name))
    config = {
        "TESTING": True,
        "INDEX_DIR": tmp_path / "index",
        "SEEDS_DIR": tmp_path / "seeds",
        "RATE_LIMIT": "off",
    }
    app = create_app(config)
    try:
        client = app.test_client()
        data = client.get("/api/search?q=Skripal").get_json()
        assert data["total"] == 0 and data["corrected"] is False
        assert data["suggestion"] == "serial"
        page = client.get("/search?q=Skripal").get_data(as_text=True)
        assert "Did you mean" in page and "Showing results for" not in page
    finally:
        app.extensions["searchapp"].close()


@pytest.mark.parametrize(
    ("typed", "word", "distance", "word_is_name", "sure"),
    [
        ("Kremlim", "kremlin", 1, True, True),
        ("kremlim", "kremlin", 1, True, True),  # names are often typed in lower case
        ("searial", "serial", 1, False, True),
        ("Searial", "serial", 1, False, False),  # a name traded for a word
        ("Searial", "serial", 1, None, True),  # the articles don't tell
        ("survelance", "surveillance", 2, False, False),
        ("Skripal", "serial", 2, False, False),
    ],
)
def test_the_rule(typed, word, distance, word_is_name, sure):
    assert is_sure(Correction(typed, word, distance, 10), word_is_name) is sure


def test_how_the_articles_write_a_word(engine):
    view = engine.view()
    assert written_as_name("kremlin", view) is True
    assert written_as_name("serial", view) is False
    assert written_as_name("police", view) is None  # only ever at the start of a sentence


def test_misspelled_names_over_the_seeds_still_find_their_article(seeds_engine):
    skripal = "000_9025636b6e3d722b"
    stemmed = seeds_engine.search("Skripall")  # found through its stem, spelling offered
    assert stemmed.suggestion == "skripal" and stemmed.hits[0].id == skripal
    corrected = seeds_engine.search("Skripol")  # one edit from a name the articles write
    assert corrected.corrected and corrected.suggestion == "skripal"
    assert [hit.id for hit in corrected.hits] == [skripal]
