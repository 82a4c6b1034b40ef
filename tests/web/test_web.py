from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from searchapp.search import MAX_QUERY_LENGTH
from searchapp.web import SECURITY_HEADERS, create_app
from tests.conftest import FIXTURES, SEEDS, VALID_FIXTURES

# Every test on the Whoosh engine and again on Xapian (conftest.py).
pytestmark = pytest.mark.both_engines


def test_factory_takes_its_configuration(tmp_path: Path):
    app = create_app({"INDEX_DIR": tmp_path / "ix", "SEEDS_DIR": tmp_path / "s"})
    assert app.config["INDEX_DIR"] == tmp_path / "ix"
    assert app.config["SEEDS_DIR"] == tmp_path / "s"
    assert not app.testing


def test_factory_reads_environment(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("SEARCHAPP_INDEX", str(tmp_path / "env-ix"))
    assert create_app().config["INDEX_DIR"] == tmp_path / "env-ix"


# -- JSON API ------------------------------------------------------------------------------


def test_api_search_shape(client):
    response = client.get("/api/search", query_string={"q": "poisoned", "per_page": 5})
    assert response.status_code == 200
    data = response.get_json()
    assert list(data) == [
        "query",
        "total",
        "page",
        "per_page",
        "took_ms",
        "suggestion",
        "corrected",
        "sort",
        "results",
        "facets",
        "synonyms",
        "exact_query",
        "timed_out",
        "partial",
        "histogram",
    ]
    assert data["query"] == "poisoned"
    assert data["total"] == 2 and data["page"] == 1 and data["per_page"] == 5
    assert data["suggestion"] is None and data["corrected"] is False
    assert isinstance(data["took_ms"], float)
    first = data["results"][0]
    assert set(first) == {
        *("id", "title", "score", "snippet", "url", "page"),
        *("published", "source", "author", "source_url", "tags", "lang", "entities"),
    }
    assert first["page"] is None  # no paged documents here
    assert "<mark>" in first["snippet"]
    assert first["url"] == f"/article/{first['id']}?q=poisoned"
    assert first["score"] >= data["results"][1]["score"]


def test_api_search_escapes_article_html(client):
    data = client.get("/api/search?q=payloads").get_json()
    snippet = data["results"][0]["snippet"]
    assert "<script>" not in snippet and "&lt;script&gt;" in snippet


def test_api_search_suggestion_and_correction(client):
    data = client.get("/api/search?q=novichock").get_json()
    assert data["suggestion"] == "novichok"
    assert data["corrected"] is True
    assert data["results"][0]["id"] == "nerve-agent"
    assert data["results"][0]["url"] == "/article/nerve-agent?q=novichok"
    exact = client.get("/api/search?q=novichock&exact=1").get_json()
    assert exact["total"] == 0 and exact["corrected"] is False


@pytest.mark.parametrize(
    ("query_string", "message"),
    [
        ("", "Missing query"),
        ("q=", "Missing query"),
        ("q=%20%20", "Missing query"),
        ("q=" + "a" * (MAX_QUERY_LENGTH + 1), "Query too long"),
        ("q=spy&page=abc", "page must be a whole number"),
        ("q=spy&page=1.5", "page must be a whole number"),
        ("q=spy&page=0", "page must be between"),
        ("q=spy&page=-3", "page must be between"),
        ("q=spy&page=99999999999999999999", "page must be a whole number"),
        ("q=spy&per_page=0", "per_page must be between 1 and 100"),
        ("q=spy&per_page=101", "per_page must be between 1 and 100"),
        ("q=spy&per_page=ten", "per_page must be a whole number"),
        ("q=(((", "Nothing to search for"),
        ("q=nosuchfield:spy", "Unknown field 'nosuchfield'"),
    ],
)
def test_api_search_bad_input_is_400_json(client, query_string, message):
    response = client.get(f"/api/search?{query_string}")
    assert response.status_code == 400
    assert response.is_json
    data = response.get_json()
    assert list(data) == ["error"]
    assert message in data["error"]


@pytest.mark.parametrize(
    "q", ["*", "?", "~", '"', "((((", "NOT", "title:", "[a TO", "x" * 999, "\u202eRTL", "🕵️ spy"]
)
def test_api_never_500s_on_odd_queries(client, q):
    response = client.get("/api/search", query_string={"q": q})
    assert response.status_code in (200, 400)
    assert response.is_json


def test_api_article(client):
    response = client.get("/api/article/recruitment")
    assert response.status_code == 200
    data = response.get_json()
    assert data["id"] == "recruitment"
    assert data["title"] == "Spies target officials through networking sites"
    assert data["body"].startswith("Hostile states are spying")


def test_api_article_404_json(client):
    response = client.get("/api/article/nope")
    assert response.status_code == 404
    assert response.get_json() == {"error": "No article with id 'nope'."}


def test_api_unknown_route_and_method_are_json(client):
    response = client.get("/api/nothing-here")
    assert response.status_code == 404 and response.is_json
    response = client.post("/api/search?q=spy")
    assert response.status_code == 405 and "error" in response.get_json()


def test_api_health(client):
    response = client.get("/api/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "documents": VALID_FIXTURES}


def test_api_health_without_index_is_503(tmp_path: Path):
    app = create_app({"TESTING": True, "INDEX_DIR": tmp_path / "none"})
    client = app.test_client()
    response = client.get("/api/health")
    assert response.status_code == 503
    assert "searchapp reindex" in response.get_json()["error"]
    assert client.get("/api/search?q=spy").status_code == 503
    home = client.get("/")
    assert home.status_code == 200 and b"run `searchapp reindex` to build it" in home.data


def test_unexpected_errors_are_500_without_traceback(client, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr("searchapp.search.SearchEngine.search", boom)
    response = client.get("/api/search?q=spy")
    assert response.status_code == 500
    assert response.get_json() == {"error": "Internal error: the search could not be completed."}
    page = client.get("/search?q=spy")
    assert page.status_code == 500 and b"secret internals" not in page.data


# -- HTML pages ----------------------------------------------------------------------------


def test_home_page(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<form class="search" action="/search"' in html
    assert f"{VALID_FIXTURES} articles" in html


def test_search_page_lists_ranked_results(client):
    response = client.get("/search?q=poisoned")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "2 results" in html and " ms)" in html
    assert 'href="/article/nerve-agent?q=poisoned"' in html
    assert "<mark>poisoned</mark>" in html
    assert '<a class="tag" href="/search?tag=poisoning">poisoning</a>' in html
    assert 'value="poisoned"' in html  # the box keeps the query


def test_search_page_escapes_everything(client):
    html = client.get("/search?q=payloads").get_data(as_text=True)
    assert "<script>" not in html and "&lt;script&gt;" in html
    html = client.get('/search?q="><script>alert(1)</script>').get_data(as_text=True)
    assert "<script>alert(1)" not in html


def test_search_page_did_you_mean_and_showing_results_for(client):
    html = client.get("/search?q=novichock").get_data(as_text=True)
    assert "Showing results for" in html
    assert 'href="/search?q=novichok"' in html
    assert 'href="/search?q=novichock&amp;exact=1"' in html
    html = client.get("/search?q=Skripall+spies").get_data(as_text=True)
    assert "Did you mean" in html and "skripal spies" in html


def test_search_page_paging_links(client):
    html = client.get("/search?q=kremlin+OR+spies+OR+gchq&per_page=1&page=2").get_data(as_text=True)
    assert 'rel="prev"' in html and 'rel="next"' in html
    assert 'href="/search?q=kremlin+OR+spies+OR+gchq&amp;per_page=1&amp;page=3"' in html
    assert '<ol class="results" start="2">' in html


def test_search_page_bad_query_shows_message_with_400(client):
    response = client.get("/search?q=(((")
    assert response.status_code == 400
    assert "Nothing to search for" in response.get_data(as_text=True)
    assert client.get("/search?q=spy&page=zero").status_code == 400


def test_search_page_without_query_shows_home(client):
    assert f"{VALID_FIXTURES} articles".encode() in client.get("/search?q=").data


def test_article_page_highlights_query(client):
    response = client.get("/article/nerve-agent?q=poisoned")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    title = "Former spy <mark>poisoned</mark> with nerve agent in Salisbury</h1>"
    assert re.search(r'<h1 dir="auto"(?: lang="en")?>' + re.escape(title), html)
    assert "<mark>poison</mark>" in html
    assert len(re.findall(r'<p dir="auto"(?: lang="en")?>', html)) >= 2
    assert "show image" not in html


def test_article_page_escapes_text(client):
    html = client.get("/article/script-injection").get_data(as_text=True)
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_friendly_404_pages(client):
    for path in ("/article/nope", "/no/such/page"):
        response = client.get(path)
        assert response.status_code == 404
        assert "text/html" in response.content_type
        assert "Go to the search page" in response.get_data(as_text=True)


def test_pages_load_nothing_from_other_hosts_and_need_no_javascript(client):
    for path in ("/", "/search?q=spies", "/article/recruitment", "/nope"):
        response = client.get(path)
        html = response.get_data(as_text=True)
        assert "<script" not in html
        for external in ("http://", "https://", '="//', "url("):
            assert external not in html
        for header, value in SECURITY_HEADERS.items():
            assert response.headers[header] == value
        assert '<meta name="viewport"' in html


# -- metadata: filters, facets, sort, related ---------------------------------------------


def test_api_search_returns_facets_over_all_hits(client):
    data = client.get("/api/search?q=hackers&per_page=1").get_json()
    assert set(data["facets"]) == {
        *("source", "year", "tag", "lang"),
        *("person", "org", "place", "indicator"),
    }
    tags = {v["value"]: v["count"] for v in data["facets"]["tag"]}
    assert tags["cyber attack"] == data["total"] > 1  # counted over every hit, not the page
    assert all(set(v) == {"value", "count", "selected"} for v in data["facets"]["source"])


def test_api_filter_parameters(client):
    data = client.get("/api/search?tag=GRU").get_json()  # no q: browse
    assert data["total"] >= 1 and all("GRU" in r["tags"] for r in data["results"])
    assert next(v for v in data["facets"]["tag"] if v["value"] == "GRU")["selected"]
    data = client.get("/api/search?q=hackers&from=2017-06&to=2017-12-31&sort=oldest").get_json()
    dates = [r["published"] for r in data["results"]]
    assert dates == sorted(dates) and all("2017-06-01" <= d <= "2017-12-31" for d in dates)
    data = client.get("/api/search?year=2016&year=2018&source=Reuters").get_json()
    assert {r["source"] for r in data["results"]} == {"Reuters"}
    assert {r["published"][:4] for r in data["results"]} == {"2018"}


@pytest.mark.parametrize(
    "query, message",
    [
        ("q=spy&from=2017-02-30", "Not a date"),
        ("q=spy&to=yesterday", "Not a date"),
        ("q=spy&from=2018&to=2017-06", "from (2018-01-01) is after to (2017-06-30)"),
        ("q=spy&year=17", "four-digit year"),
        ("q=spy&sort=random", "sort must be one of"),
        ("tag=nonsense", "Unknown tag"),
        ("q=date:[2017-13 TO 2018]", "Could not"),
    ],
)
def test_bad_filter_parameters_are_400(client, query, message):
    response = client.get(f"/api/search?{query}")
    assert response.status_code == 400
    assert message in response.get_json()["error"]
    assert client.get(f"/search?{query}").status_code == 400


def test_search_page_sidebar_toggles_filters(client):
    html = client.get("/search?q=hackers").get_data(as_text=True)
    assert '<aside class="facets"' in html
    assert 'href="/search?q=hackers&amp;tag=cyber+attack"' in html  # click to filter
    html = client.get("/search?q=hackers&tag=cyber+attack").get_data(as_text=True)
    # Click again (in the sidebar or on the chip) to remove it.
    assert html.count('href="/search?q=hackers"') >= 2
    assert 'aria-current="true" title="Remove this filter">cyber attack</a>' in html
    assert '<input type="hidden" name="tag" value="cyber attack">' in html  # a new query keeps it


def test_search_page_shows_date_source_and_tags(client):
    html = client.get("/search?q=Amesbury").get_data(as_text=True)
    assert '<time datetime="2018-09-05">5 Sep 2018</time>' in html
    assert '<span class="source">Reuters</span>' in html
    assert '<a class="tag" href="/search?tag=GRU">GRU</a>' in html


def test_search_page_sort_links(client):
    html = client.get("/search?q=hackers&sort=newest").get_data(as_text=True)
    assert '<strong aria-current="true">newest</strong>' in html
    assert 'href="/search?q=hackers&amp;sort=oldest"' in html
    assert 'href="/search?q=hackers">relevance</a>' in html


def test_browsing_by_filter_alone(client):
    html = client.get("/search?tag=Russia").get_data(as_text=True)
    assert "results" in html and "tag: Russia ✕" in html


def test_article_page_shows_metadata_and_related(client):
    html = client.get("/article/nerve-agent").get_data(as_text=True)
    assert "Related articles" in html
    assert 'href="/article/poisoning-inquiry"' in html
    assert 'href="/article/nerve-agent"' not in html  # never itself
    html = client.get("/article/wire-w1").get_data(as_text=True)
    assert 'href="https://www.reuters.com/article/gru-amesbury-charges"' in html
    assert "Michael Holden" in html


def test_api_article_and_related(client):
    data = client.get("/api/article/wire-w1").get_json()
    assert data["published"] == "2018-09-05" and data["source"] == "Reuters"
    assert "GRU" in data["tags"] and data["source_url"].startswith("https://www.reuters.com/")
    related = client.get("/api/article/nerve-agent/related?limit=3").get_json()
    assert related["id"] == "nerve-agent"
    assert 1 <= len(related["related"]) <= 3
    assert "nerve-agent" not in {r["id"] for r in related["related"]}
    assert related["related"][0]["url"].startswith("/article/")
    assert client.get("/api/article/nope/related").status_code == 404
    assert client.get("/api/article/nerve-agent/related?limit=0").status_code == 400


def test_related_articles_on_a_small_folder(tmp_path: Path):
    # On a few articles, most of an article's key terms are words no other article has; the
    # related articles come from the terms it shares ("poisoning" with the nerve-agent story).
    from searchapp.reindex import reindex

    folder = tmp_path / "articles"
    shutil.copytree(SEEDS, folder)
    for path in FIXTURES.glob("*.txt"):
        shutil.copy(path, folder)
    reindex(folder, tmp_path / "index")
    client = create_app({"TESTING": True, "INDEX_DIR": tmp_path / "index"}).test_client()
    ids = [p.stem for p in folder.iterdir()]
    for article_id in ids:
        related = client.get(f"/api/article/{article_id}/related").get_json()["related"]
        assert related, article_id
    related = client.get("/api/article/poisoning-inquiry/related").get_json()["related"]
    assert "nerve-agent" in [r["id"] for r in related], related


def test_hostile_metadata_is_escaped_and_javascript_links_dropped(tmp_path):
    from searchapp.reindex import reindex

    seeds = tmp_path / "seeds"
    seeds.mkdir()
    hostile = '"><img src=x onerror=alert(1)>'
    (seeds / "hostile.jsonl").write_text(
        '{"id": "x", "title": "Spy story <script>alert(1)</script>", '
        '"text": "A spy story with a long enough text to be indexed as an article.", '
        f'"source": {json.dumps(hostile)}, "author": "<b>Mallory</b>", '
        '"url": "javascript:alert(1)", "date": "2017-01-02"}\n'
    )
    reindex(seeds, tmp_path / "ix")
    client = create_app({"TESTING": True, "INDEX_DIR": tmp_path / "ix"}).test_client()
    for page in ("/search?q=spy", "/article/hostile-x", f"/search?source={hostile}"):
        html = client.get(page).get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html, page
        assert "<b>Mallory" not in html and "javascript:alert" not in html, page
