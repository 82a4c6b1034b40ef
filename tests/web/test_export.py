"""``/api/search/export``: every hit of the search /api/search pages through, streamed as CSV
or JSON Lines with the right headers; bad parameters are the API's JSON 400; the results
page links to it."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from pathlib import Path

import pytest

from searchapp.search.export import COLUMNS
from searchapp.web import create_app
from tests.search.helpers import index_articles

# Every test on the Whoosh engine and again on Xapian (conftest.py).
pytestmark = pytest.mark.both_engines


def csv_rows(response) -> list[dict[str, str]]:
    reader = csv.reader(io.StringIO(response.get_data(as_text=True), newline=""))
    header = next(reader)
    assert tuple(header) == COLUMNS
    return [dict(zip(header, row, strict=True)) for row in reader]


def jsonl_rows(response) -> list[dict]:
    text = response.get_data(as_text=True)
    assert text.endswith("\n") or not text
    return [json.loads(line) for line in text.splitlines()]


def paged(client, query: dict, per_page: int = 2) -> tuple[int, list[dict]]:
    """The total and every result of /api/search, page after page."""
    results, page = [], 1
    while True:
        body = client.get(
            "/api/search", query_string={**query, "page": page, "per_page": per_page}
        ).json
        results += body["results"]
        if page * per_page >= body["total"]:
            return body["total"], results
        page += 1


@pytest.mark.parametrize(
    "query",
    [
        {"q": "russia"},
        {"q": "russia", "sort": "newest"},
        {"q": "russia", "sort": "oldest"},
        {"q": "intelligence OR attack"},
    ],
)
def test_csv_export_is_every_page_joined(client, query: dict):
    total, results = paged(client, query)
    assert total > 2  # more than one page
    response = client.get("/api/search/export", query_string={**query, "format": "csv"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["X-Total-Count"] == str(total)
    rows = csv_rows(response)
    assert [row["id"] for row in rows] == [r["id"] for r in results]
    for row, result in zip(rows, results, strict=True):
        assert row["title"] == result["title"]
        assert row["date"] == (result["published"] or "")
        assert row["url"] == result["source_url"]
        assert row["tags"] == "; ".join(result["tags"])
        assert row["score"] == ("" if result["score"] is None else repr(result["score"]))
        assert "<mark>" not in row["snippet"]


def test_jsonl_export_is_every_page_joined(client):
    total, results = paged(client, {"q": "russia"})
    response = client.get("/api/search/export?q=russia&format=jsonl")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/x-ndjson"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="searchapp-russia.jsonl"'
    )
    rows = jsonl_rows(response)
    assert len(rows) == total
    assert [row["id"] for row in rows] == [r["id"] for r in results]
    for row, result in zip(rows, results, strict=True):
        assert list(row) == list(COLUMNS)
        assert (row["date"], row["url"], row["tags"], row["score"]) == (
            result["published"],
            result["source_url"],
            result["tags"],
            result["score"],
        )


def test_csv_is_the_default_format_and_names_its_file(client):
    response = client.get("/api/search/export?q=nerve+agent")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="searchapp-nerve-agent.csv"'
    )
    nameless = client.get("/api/search/export", query_string={"q": "«russia»", "tag": "GRU"})
    assert 'filename="searchapp-russia.csv"' in nameless.headers["Content-Disposition"]
    browse = client.get("/api/search/export?tag=GRU")
    assert 'filename="searchapp-export.csv"' in browse.headers["Content-Disposition"]


@pytest.mark.parametrize(
    "filters",
    [
        {"tag": "GRU"},
        {"tag": ["Russia", "UK"]},
        {"from": "2017", "to": "2018-06"},
        {"year": ["2016", "2018"]},
        {"source": "reuters.com"},
    ],
)
def test_filters_are_those_of_the_search(client, filters: dict):
    query = {"q": "russia", **filters}
    total, results = paged(client, query)
    assert total < paged(client, {"q": "russia"})[0]
    rows = jsonl_rows(client.get("/api/search/export", query_string={**query, "format": "jsonl"}))
    assert [row["id"] for row in rows] == [r["id"] for r in results]


def test_filters_alone_export_what_they_browse(client):
    total, results = paged(client, {"tag": "Russia"})
    rows = csv_rows(client.get("/api/search/export?tag=Russia"))
    assert len(rows) == total > 2
    assert [row["id"] for row in rows] == [r["id"] for r in results]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("q=russia&format=xlsx", "format must be one of: csv, jsonl; got 'xlsx'."),
        ("q=russia&format=", "format must be one of: csv, jsonl; got ''."),
        ("format=csv", "Missing query: pass the search words as q."),
        ("q=russia&sort=random", "sort must be one of: relevance, newest, oldest."),
        ("q=russia&exact=2", "exact must be 0 or 1."),
        ("q=russia&year=17", "year must be a four-digit year, got '17'."),
        ("q=(((", "Nothing to search for"),
        ("q=russia&tag=spooks", "Unknown tag 'spooks'"),
    ],
)
def test_bad_parameters_are_the_apis_json_400(client, query: str, message: str):
    response = client.get(f"/api/search/export?{query}")
    assert response.status_code == 400
    assert response.is_json
    assert list(response.json) == ["error"]
    assert response.json["error"].startswith(message)


def test_a_correction_is_exported_as_shown(tmp_path: Path, engine_name: str):
    index = index_articles(
        tmp_path,
        engine_name,
        {
            "one": ("Kremlin spies", "The Kremlin sent spies abroad."),
            "two": ("Kremlin denial", "The Kremlin denied everything."),
        },
    )
    app = create_app({"TESTING": True, "INDEX_DIR": index, "RATE_LIMIT": "off"})
    try:
        client = app.test_client()
        shown = client.get("/api/search?q=kremlim").json
        rows = jsonl_rows(client.get("/api/search/export?q=kremlim&format=jsonl"))
        assert shown["corrected"] and shown["total"] == len(rows) == 2
        assert [row["id"] for row in rows] == [r["id"] for r in shown["results"]]
        exact = client.get("/api/search/export?q=kremlim&exact=1")
        assert exact.headers["X-Total-Count"] == "0" and csv_rows(exact) == []
    finally:
        app.extensions["searchapp"].close()


def test_titles_with_commas_quotes_and_line_breaks_round_trip(tmp_path: Path, engine_name: str):
    title = 'Spies, "moles" and leaks; the report’s findings, in full'
    body = 'The spies said: "no comment", twice.\n\nA second paragraph, with commas.'
    index = index_articles(tmp_path, engine_name, {"tricky": (title, body)})
    app = create_app({"TESTING": True, "INDEX_DIR": index, "RATE_LIMIT": "off"})
    try:
        client = app.test_client()
        (row,) = csv_rows(client.get("/api/search/export?q=spies"))
        assert row["title"] == title
        assert (
            row["snippet"] == 'The spies said: "no comment", twice. A second paragraph, with commas'
        )
        (line,) = jsonl_rows(client.get("/api/search/export?q=spies&format=jsonl"))
        assert line["title"] == title and line["snippet"] == row["snippet"]
    finally:
        app.extensions["searchapp"].close()


def test_results_page_links_to_the_export_of_its_search(client):
    page = client.get("/search?q=russia&tag=UK&sort=newest&page=2&per_page=1").get_data(
        as_text=True
    )
    links = {
        label: html.unescape(href)
        for href, label in re.findall(r'<a href="([^"]+)" download>([^<]+)</a>', page)
    }
    assert set(links) == {"Export CSV", "JSONL"}
    csv_link, jsonl_link = links["Export CSV"], links["JSONL"]
    assert csv_link.startswith("/api/search/export?") and "format=csv" in csv_link
    for part in ("q=russia", "tag=UK", "sort=newest"):
        assert part in csv_link and part in jsonl_link
    assert "page=" not in csv_link  # every hit, not the page's
    total, results = paged(client, {"q": "russia", "tag": "UK", "sort": "newest"})
    rows = csv_rows(client.get(csv_link))
    assert [row["id"] for row in rows] == [r["id"] for r in results]
    assert len(jsonl_rows(client.get(jsonl_link))) == total
    # No results, no link.
    assert "Export CSV" not in client.get("/search?q=zzzqqq&exact=1").get_data(as_text=True)
