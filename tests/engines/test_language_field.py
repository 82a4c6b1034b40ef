"""The language field on each engine: ``lang`` stored, a filter term per document (none for an
unknown language), the language facet over every hit, and ``View.languages()`` over the whole
index, after deletions too; built from a folder whose records state their language."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from searchapp.config import EngineConfig
from searchapp.engines import query
from searchapp.engines.registry import open_engine
from searchapp.reindex import reindex

pytestmark = pytest.mark.both_engines

# name -> (language stated, text); every text names the GRU, so one word finds them all.
ARTICLES = {
    "ru-1": ("ru", "Офицеры GRU отравили перебежчика в Солсбери."),
    "ru-2": ("ru", "Следователи назвали ещё двух офицеров GRU."),
    "ru-3": ("ru", "Хакеры GRU атаковали избирательную комиссию."),
    "ar-1": ("ar", "هاجم قراصنة GRU شبكة الكهرباء."),
    "ar-2": ("ar", "اتهمت هولندا ضباط GRU بالتجسس."),
    "en-1": ("en", "Dutch police named four GRU officers."),
    # Too few letters to detect a language in: unknown.
    "none-1": ("", "GRU 2018-09-05 07:14"),
    "none-2": ("", "GRU 12 34"),
}


def write(folder: Path, names) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        lang, text = ARTICLES[name]
        record = {"id": name, "title": str(len(name)), "text": text}
        if lang:
            record["lang"] = lang
        (folder / f"{name}.json").write_text(json.dumps(record, ensure_ascii=False))


def expected(names) -> dict[str, int]:
    return dict(Counter(ARTICLES[n][0] for n in names if ARTICLES[n][0]))


@pytest.fixture
def built(tmp_path: Path):
    seeds, index = tmp_path / "seeds", tmp_path / "index"
    write(seeds, ARTICLES)
    reindex(seeds, index)
    engines = []

    def view():
        engine = open_engine(EngineConfig.load(), index, k1=1.2, b=0.75)
        engines.append(engine)
        return engine.view()

    yield seeds, index, view
    for engine in engines:
        engine.close()


def ids(view, scored, filter=None) -> set[str]:
    return {view.fields(m.key)["id"] for m in view.search(scored, filter, 100).matches}


def test_each_document_stores_and_filters_by_its_language(built):
    _seeds, _index, open_view = built
    view = open_view()
    for name, (lang, _text) in ARTICLES.items():
        assert view.document(name)["lang"] == lang
    assert ids(view, query.Every(), query.Term("lang", "ru")) == {"ru-1", "ru-2", "ru-3"}
    either = query.Or([query.Term("lang", "ar"), query.Term("lang", "en")])
    assert ids(view, query.Every(), either) == {"ar-1", "ar-2", "en-1"}
    assert ids(view, query.Every(), query.Term("lang", "")) == set()  # "" is not indexed
    known = {n for n, (lang, _text) in ARTICLES.items() if lang}
    assert ids(view, query.Every("lang")) == known
    assert ids(view, query.Every(), query.Not(query.Every("lang"))) == {"none-1", "none-2"}


def test_the_language_facet_counts_every_hit_as_the_filter_does(built):
    _seeds, _index, open_view = built
    view = open_view()
    languages = view.languages()
    assert languages == expected(ARTICLES) == {"ru": 3, "ar": 2, "en": 1}
    for sort in ("relevance", "newest"):
        found = view.search(query.Every(), None, 1, sort=sort, facets=True)
        assert found.facets["lang"] == languages
    words = query.Term("body", "gru")
    facet = view.search(words, None, 1, facets=True).facets["lang"]
    assert facet == languages
    for code, count in facet.items():
        assert view.search(words, query.Term("lang", code), 1).total == count
    # Restricted, the facet counts the hits left.
    ru = view.search(words, query.Term("lang", "ru"), 1, facets=True)
    assert ru.facets["lang"] == {"ru": ru.total} == {"ru": 3}


def test_languages_follow_deletions_and_new_segments(built):
    seeds, index, open_view = built
    for name in ("ru-1", "ar-1", "ar-2"):
        (seeds / f"{name}.json").unlink()
    reindex(seeds, index)
    left = [n for n in ARTICLES if n not in ("ru-1", "ar-1", "ar-2")]
    view = open_view()
    assert view.languages() == expected(left) == {"ru": 2, "en": 1}
    assert view.search(query.Every(), None, 1, facets=True).facets["lang"] == view.languages()
    write(seeds, ["ar-1"])  # back, in a segment of its own
    reindex(seeds, index)
    view = open_view()
    assert view.languages() == {"ru": 2, "en": 1, "ar": 1}
    assert ids(view, query.Every(), query.Term("lang", "ar")) == {"ar-1"}
