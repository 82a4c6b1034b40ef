"""Exact forms count: a query word found as typed scores above one found only through its
stem, which still finds it (`Steele` before *steel*)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from searchapp.config import EngineConfig
from searchapp.search import ENGINE_RANKINGS, Ranking, SearchEngine, build_query
from tests.search.helpers import index_articles, ranked

pytestmark = pytest.mark.both_engines

ARTICLES = {
    # Said often, "steel" wins by stems alone.
    "steel-mills": (
        "Steel mills upgrade",
        "Steel makers upgrade steel mills as steel prices and steel exports rise.",
    ),
    "steele": ("Former officer testifies", "The committee heard Steele about the dossier."),
    "spy-single": ("Embassy worker named", "A spy worked at the embassy for years."),
    "spies-plural": ("Embassy staff expelled", "Spies worked at the embassy for years."),
    "nerve": ("Traces found", "Investigators found traces of a nerve agent in the house."),
}


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory, engine_name: str) -> Path:
    return index_articles(tmp_path_factory.mktemp(f"exact-{engine_name}"), engine_name, ARTICLES)


def test_a_name_ranks_above_the_word_its_stem_shares(index, engine_name):
    assert ranked(index, engine_name, "Steele") == ["steele", "steel-mills"]
    off = ranked(index, engine_name, "Steele", exact_weight=0, exact_name_weight=0)
    assert off == ["steel-mills", "steele"]
    assert ranked(index, engine_name, "steel") == ["steel-mills", "steele"]
    # With exact_weight, a name typed in lower case is found written capitalised too.
    assert ranked(index, engine_name, "steele", exact_weight=2) == ["steele", "steel-mills"]


def test_the_form_typed_ranks_first_and_the_stem_still_finds_the_others(index, engine_name):
    assert ranked(index, engine_name, "spies") == ["spies-plural", "spy-single"]
    # "spy" is written in lower case: no exact form, both found alike.
    assert sorted(ranked(index, engine_name, "spy")) == ["spies-plural", "spy-single"]


def test_the_bonus_never_adds_a_match(index, engine_name):
    # The words of a quoted phrase found apart match nothing.
    assert ranked(index, engine_name, '"agent nerve"') == []
    assert ranked(index, engine_name, '"nerve agent"') == ["nerve"]
    assert ranked(index, engine_name, "spies NOT embassy") == []


def test_the_bonus_is_a_term_per_word_and_field(index, engine_name):
    engine = SearchEngine(index, config=EngineConfig(engine_name))
    try:
        view = engine.view()
        text = "Steele's spies and the steel"  # a stopword, and a word that is its own stem
        scored = build_query(text, view, Ranking(title_boost=2.0, exact_weight=0.5)).scored
        exact = {
            (t.fieldname, t.text, t.boost)
            for t in scored.leaves()
            if t.fieldname in ("title_exact", "body_exact")
        }
        # A word typed capitalised is taken for a name: exact_name_weight (3), else exact_weight.
        assert exact == {
            ("title_exact", "steele", 6.0),
            ("body_exact", "steele", 3.0),
            ("title_exact", "spies", 1.0),
            ("body_exact", "spies", 0.5),
        }
        phrase = build_query('"Steele testified"', view).scored
        assert not {t.fieldname for t in phrase.leaves()} & {"title_exact", "body_exact"}
        off = build_query("Steele's spies", view, Ranking(exact_weight=0, exact_name_weight=0))
        assert not {t.fieldname for t in off.scored.leaves()} & {"title_exact", "body_exact"}
    finally:
        engine.close()


@pytest.mark.parametrize("text", ["steel", "embassy steel", "nerve agent", "Embassy"])
def test_words_without_exact_forms_keep_their_results(index, engine_name, text):
    # Their own stems ("steel", "embassy"), or typed in lower case: the same hits and scores.
    engine = SearchEngine(index, ENGINE_RANKINGS[engine_name], config=EngineConfig(engine_name))
    off = replace(ENGINE_RANKINGS[engine_name], exact_weight=0, exact_name_weight=0)
    plain = SearchEngine(index, off, config=EngineConfig(engine_name))
    try:
        assert [(h.id, h.score) for h in engine.search(text).hits] == [
            (h.id, h.score) for h in plain.search(text).hits
        ]
        assert engine.search(text).total > 0
    finally:
        engine.close()
        plain.close()
