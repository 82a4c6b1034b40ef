"""Saved searches on the web: the "Save this search" form (token, same origin, the parser's
message for a bad query), the list and page, the JSON, and the Atom feed, which a feed reader
reads each new matching article from once."""

from __future__ import annotations

import re
from pathlib import Path

import feedparser
import pytest

from searchapp.watch import SavedSearches, update
from searchapp.web import create_app

ARTICLES = {
    "skripal.txt": "Salisbury poisoning\n\nSergei Skripal was poisoned with novichok in "
    "Salisbury. The GRU was blamed.",
    "weather.txt": "Weather report\n\nIt rained all week and the rivers rose.",
}


@pytest.fixture
def site(tmp_path: Path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for name, text in ARTICLES.items():
        (seeds / name).write_text(text)
    index = tmp_path / "index"
    update(seeds, index)
    app = create_app({"TESTING": True, "INDEX_DIR": index, "SEEDS_DIR": seeds, "RATE_LIMIT": "off"})
    return app, seeds, index


def token_of(page: str) -> str:
    return re.search(r'name="token" value="([0-9a-f]+)"', page).group(1)


def save(client, query_string: str, name: str, **headers):
    page = client.get(f"/search?{query_string}").get_data(as_text=True)
    action = re.search(r'<form method="post" action="(/saved[^"]*)"', page).group(1)
    action = action.replace("&amp;", "&")
    assert action == f"/saved?{query_string}"  # the form carries the search it saves
    return client.post(action, data={"name": name, "token": token_of(page)}, headers=headers)


def entries(client, name: str):
    response = client.get(f"/feeds/{name}.atom")
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    feed = feedparser.parse(response.data)
    assert not feed.bozo, feed.bozo_exception
    return feed


def test_a_feed_shows_each_new_matching_article_once(site):
    app, seeds, index = site
    client = app.test_client()
    response = save(client, "q=novichok&tag=GRU", "novichok-gru")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/saved/novichok-gru")
    feed = entries(client, "novichok-gru")
    assert feed.feed.title == "searchapp: novichok-gru" and feed.entries == []

    (seeds / "new.json").write_text(
        '{"title": "Novichok & \\"again\\"", "date": "2026-11-30", "url": '
        '"https://news.example/novichok", "text": "A second novichok attack; the GRU again."}'
    )
    (seeds / "untagged.txt").write_text("Novichok history\n\nNovichok was made in the 1970s.")
    update(seeds, index)
    feed = entries(client, "novichok-gru")
    (entry,) = feed.entries  # the untagged article does not match the filter
    assert entry.title == 'Novichok & "again"'  # escaped in the XML
    assert entry.link == "http://localhost/article/new"
    assert entry.published.startswith("2026-11-30")
    assert "second novichok attack" in entry.summary  # feedparser drops the <mark>s
    raw = client.get("/feeds/novichok-gru.atom").get_data(as_text=True)
    assert "&lt;mark&gt;novichok&lt;/mark&gt;" in raw.lower()
    assert '<a href="https://news.example/novichok">' in entry.summary  # the original
    assert [link.href for link in entry.links] == [entry.link]
    first_id = entry.id

    update(seeds, index)  # nothing new: the same single entry, the same id
    (seeds / "new.json").write_text(
        '{"title": "Novichok & \\"again\\"", "text": "A third novichok attack; the GRU again."}'
    )
    update(seeds, index)  # changed, still matching: not a new entry
    (entry,) = entries(client, "novichok-gru").entries
    assert entry.id == first_id

    (seeds / "more.txt").write_text("Novichok in Berlin\n\nNovichok again, the GRU blamed.")
    update(seeds, index)
    feed = entries(client, "novichok-gru")
    assert [e.title for e in feed.entries] == ["Novichok in Berlin", 'Novichok & "again"']
    assert feed.entries[1].id == first_id

    data = client.get("/api/saved/novichok-gru").get_json()
    assert data["query"] == "novichok" and data["filters"] == {"tags": ["GRU"]}
    assert [m["id"] for m in data["matches"]] == ["more", "new"]
    assert data["feed"] == "http://localhost/feeds/novichok-gru.atom"
    assert data["total_matches"] == 2
    listing = client.get("/api/saved").get_json()["saved"]
    assert [(s["name"], s["matches"]) for s in listing] == [("novichok-gru", 2)]


def test_the_pages_list_and_show_saved_searches_escaped(site):
    app, seeds, index = site
    client = app.test_client()
    assert save(client, "q=novichok", "novichok").status_code == 303
    (seeds / "x.txt").write_text("Novichok <script>alert(1)</script>\n\nNovichok again.")
    update(seeds, index)
    listing = client.get("/saved").get_data(as_text=True)
    assert "novichok" in listing and "/feeds/novichok.atom" in listing
    page = client.get("/saved/novichok").get_data(as_text=True)
    assert "&lt;script&gt;" in page and "<script>" not in page
    token = token_of(page)
    assert client.post("/saved/novichok/remove", data={"token": token}).status_code == 303
    assert client.get("/saved/novichok").status_code == 404
    assert client.get("/feeds/novichok.atom").status_code == 404


@pytest.mark.parametrize(
    ("name", "message"),
    [("", "lower-case letters"), ("Bad Name", "lower-case letters"), ("x" * 65, "1 to 64")],
)
def test_bad_names_are_refused(site, name, message):
    app, _seeds, _index = site
    response = save(app.test_client(), "q=novichok", name)
    assert response.status_code == 400 and message in response.get_data(as_text=True)


def test_a_query_that_does_not_parse_is_refused_with_the_parsers_message(site):
    app, _seeds, index = site
    client = app.test_client()
    token = token_of(client.get("/search?q=novichok").get_data(as_text=True))
    response = client.post("/saved?q=ip:999.1.1.1", data={"name": "bad", "token": token})
    assert response.status_code == 400
    assert "999.1.1.1" in response.get_data(as_text=True)
    with SavedSearches(index) as store:
        assert store.all() == []


def test_a_taken_name_is_refused(site):
    app, _seeds, _index = site
    client = app.test_client()
    assert save(client, "q=novichok", "dup").status_code == 303
    response = save(client, "q=gru", "dup")
    assert response.status_code == 400 and "already" in response.get_data(as_text=True)


def test_writes_come_only_from_this_sites_pages_with_the_token(site):
    app, _seeds, index = site
    client = app.test_client()
    response = client.post("/saved?q=novichok", data={"name": "a", "token": "forged"})
    assert response.status_code == 403
    response = save(client, "q=novichok", "b", Origin="http://evil.example")
    assert response.status_code == 403
    assert client.post("/saved?q=novichok", data={"name": "c"}).status_code == 403
    with SavedSearches(index) as store:
        assert store.all() == []


def test_unknown_names_are_404_in_every_form(site):
    app, _seeds, _index = site
    client = app.test_client()
    data = client.get("/api/saved/nope").get_json()
    assert data == {"error": "No saved search named 'nope'."}
    for url in ("/feeds/nope.atom", "/saved/nope", "/feeds/" + "x" * 300 + ".atom"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "No saved search named" in response.get_data(as_text=True)
