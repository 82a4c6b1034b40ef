"""Languages on the web: the ``lang`` parameter, the language facet by name, each hit's
language (a label unless English) and ``"lang"`` in the API, and ``lang``/``dir`` attributes
on titles, snippets and the article's text, so Arabic runs right to left."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from searchapp.config import EngineConfig
from searchapp.engines.base import index_version
from searchapp.engines.registry import open_writer
from searchapp.text.article import Article
from searchapp.web import create_app
from tests.search.helpers import index_languages

pytestmark = pytest.mark.both_engines

RUSSIAN = {"ru-skripal", "ru-hackers"}
HOSTILE = 'x" onmouseover="alert(1)'


@pytest.fixture(scope="module")
def language_index(tmp_path_factory: pytest.TempPathFactory, engine_name: str) -> Path:
    return index_languages(tmp_path_factory.mktemp(f"web-lang-{engine_name}"), engine_name)


def _client(index: Path, seeds: Path):
    app = create_app({"TESTING": True, "INDEX_DIR": index, "SEEDS_DIR": seeds, "RATE_LIMIT": "off"})
    return app


@pytest.fixture
def client(language_index: Path, tmp_path: Path):
    app = _client(language_index, tmp_path)
    yield app.test_client()
    app.extensions["searchapp"].close()


def _hits(html: str) -> dict[str, str]:
    """Each hit's <li> on a results page, by article id."""
    return {
        re.search(r'href="/article/([^"?#]+)', item).group(1): item
        for item in html.split('<ol class="results"')[1].split("</ol>")[0].split("<li>")[1:]
    }


def test_the_lang_parameter_filters_the_api_and_the_page(client):
    data = client.get("/api/search?q=GRU&lang=ru").get_json()
    assert {hit["id"] for hit in data["results"]} == RUSSIAN
    assert all(hit["lang"] == "ru" for hit in data["results"])
    assert data["facets"]["lang"] == [{"value": "ru", "count": 2, "selected": True}]
    either = client.get("/api/search?q=GRU&lang=ru&lang=ar").get_json()
    assert {hit["id"] for hit in either["results"]} == RUSSIAN | {"ar-attack"}
    browsing = client.get("/api/search?lang=ar").get_json()  # the filter alone browses
    assert [hit["id"] for hit in browsing["results"]] == ["ar-attack"]
    page = client.get("/search?q=GRU&lang=ru").get_data(as_text=True)
    assert set(_hits(page)) == RUSSIAN
    assert "language: Russian ✕" in page  # the chip that removes the filter
    assert client.get("/api/search?q=lang:ar").get_json()["total"] == 1


def test_the_api_facet_counts_match_the_filtered_totals(client):
    data = client.get("/api/search?q=GRU&per_page=50").get_json()
    counts = {v["value"]: v["count"] for v in data["facets"]["lang"]}
    assert counts["ru"] == 2 and counts["ar"] == 1 and "" not in counts
    for code, count in counts.items():
        assert client.get(f"/api/search?q=GRU&lang={code}").get_json()["total"] == count
    by_id = {hit["id"]: hit["lang"] for hit in data["results"]}
    assert by_id["ar-attack"] == "ar" and by_id["en-officers"] == "en" and by_id["note"] == ""
    article = client.get("/api/article/ru-skripal").get_json()
    assert article["lang"] == "ru"


def test_the_results_page_shows_languages_by_name(client):
    page = client.get("/search?q=GRU&per_page=50").get_data(as_text=True)
    facet = page.split('data-facet="lang"')[1].split("</section>")[0]
    assert re.search(r'href="/search\?q=GRU&amp;per_page=50&amp;lang=ru">Russian</a>', facet)
    assert '<span class="count">2</span>' in facet and ">Arabic</a>" in facet
    hits = _hits(page)
    assert 'class="lang"' in hits["ru-skripal"] and ">Russian</a>" in hits["ru-skripal"]
    assert ">Arabic</a>" in hits["ar-attack"]
    assert 'class="lang"' not in hits["en-officers"]  # English goes without saying
    assert 'class="lang"' not in hits["note"]  # unknown


def test_titles_and_snippets_carry_lang_and_dir(client):
    hits = _hits(client.get("/search?q=GRU&per_page=50").get_data(as_text=True))
    arabic = hits["ar-attack"]
    assert '<h2 dir="auto" lang="ar">' in arabic
    assert '<p class="snippet" dir="auto" lang="ar">' in arabic
    assert '<h2 dir="auto" lang="ru">' in hits["ru-skripal"]
    # Unknown: the direction still from the text, no language claimed.
    assert '<h2 dir="auto">' in hits["note"] and '<p class="snippet" dir="auto">' in hits["note"]


def test_the_article_page_shows_its_language_and_marks_its_text(client):
    page = client.get("/article/ar-attack?q=GRU").get_data(as_text=True)
    assert '<h1 dir="auto" lang="ar">' in page
    assert re.search(r'<p dir="auto" lang="ar">[^<]*<mark>', page)
    assert 'class="lang"' in page and ">Arabic</a>" in page
    english = client.get("/article/en-officers").get_data(as_text=True)
    assert ">English</a>" in english  # shown on the article page, English too
    assert '<h1 dir="auto" lang="en">' in english


@pytest.fixture
def hostile_client(tmp_path: Path):
    """An index whose article has a language that is no code at all (written by the writer:
    readers only give codes)."""
    index = tmp_path / "index"
    index.mkdir()
    writer = open_writer(EngineConfig.load(), index)
    writer.add(
        Article("odd", "Odd one", "An odd article about the GRU.", "odd.txt", True, lang=HOSTILE)
    )
    writer.commit(index_version(), full=True)
    app = _client(index, tmp_path)
    yield app.test_client()
    app.extensions["searchapp"].close()


def test_lang_attributes_are_escaped(hostile_client):
    escaped = "x&#34; onmouseover=&#34;alert(1)"
    for url in ("/search?q=GRU", "/article/odd"):
        html = hostile_client.get(url).get_data(as_text=True)
        assert 'onmouseover="' not in html
        assert f'dir="auto" lang="{escaped}"' in html
    assert hostile_client.get("/api/search?q=GRU").get_json()["results"][0]["lang"] == HOSTILE
