"""Entity pages, their API, completion, the entity facets of the results page, and the
corrections form (CSRF token, same origin only, entities.toml written in the folder)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from searchapp.reindex import reindex
from searchapp.text.corrections import Corrections
from searchapp.web import create_app

ARTICLES = {
    "lee.txt": "Lawyer named by MI5\n\nMI5 warned that a lawyer, Christine Lee, befriended "
    "MPs in London. Lee denied acting for Beijing.",
    "lee-later.json": '{"title": "Lawyer sues MI5", "date": "2022-03-04", "text": '
    '"Christine Lee is suing MI5 over the alert. Lee said the alert was racist."}',
    "skripal.txt": "Salisbury poisoning\n\nSergei Skripal was poisoned in Salisbury with a "
    "nerve agent. Investigators blamed the GRU.",
    "script.txt": "Odd names\n\nA man called Bobby Tables<script>alert(1)</script> was held.",
}


@pytest.fixture
def site(tmp_path: Path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for name, text in ARTICLES.items():
        (seeds / name).write_text(text)
    reindex(seeds, tmp_path / "index")
    app = create_app(
        {"TESTING": True, "INDEX_DIR": tmp_path / "index", "SEEDS_DIR": seeds, "RATE_LIMIT": "off"}
    )
    return app, seeds


def test_entity_page(site):
    app, _seeds = site
    page = app.test_client().get("/entity/person/Christine Lee")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<h1>Christine Lee</h1>" in html and "2 articles" in html
    # Newest first, each with its first mention in context.
    assert html.index("Lawyer sues MI5") < html.index("Lawyer named by MI5")
    assert "a lawyer, <mark>Christine Lee</mark>, befriended" in html
    assert "Mentions per month" in html and "<svg" in html
    assert 'href="/entity/org/MI5"' in html  # found with it
    assert 'name="token"' in html


def test_entity_api(site):
    app, _seeds = site
    data = app.test_client().get("/api/entity/person/Christine%20Lee").get_json()
    assert data["type"] == "person" and data["name"] == "Christine Lee"
    assert data["articles_total"] == 2
    assert [a["id"] for a in data["articles"]] == ["lee-later", "lee"]
    assert {"month": "2022-03", "articles": 1} in data["months"]
    assert {"month": None, "articles": 1} in data["months"]
    assert {"value": "org:MI5", "articles": 2} in data["related"]["org"]
    assert data["why"] == [{"reason": "the first name 'Christine' (gender-guesser)", "articles": 2}]
    assert all(a["why"] for a in data["articles"])


def test_another_spelling_redirects_to_the_entity(site):
    app, _seeds = site
    response = app.test_client().get("/entity/person/christine lee")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/entity/person/Christine%20Lee")
    assert app.test_client().get("/entity/person/skripal").status_code == 302


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/entity/person/Nobody Here", 404),
        ("/api/entity/person/Nobody", 404),
        ("/api/entity/bogus/MI5", 400),
        ("/api/entity/person/" + "x" * 201, 400),
        ("/api/entities?type=bogus", 400),
        ("/api/entities?type=person&limit=0", 400),
        ("/api/entity/person/Christine%20Lee?page=0", 400),
    ],
)
def test_bad_entity_requests(site, url, status):
    app, _seeds = site
    response = app.test_client().get(url)
    assert response.status_code == status
    if url.startswith("/api/"):
        assert set(response.get_json()) == {"error"}


def test_completion(site):
    app, _seeds = site
    client = app.test_client()
    data = client.get("/api/entities?type=person&prefix=chr").get_json()
    assert data["entities"] == [{"type": "person", "name": "Christine Lee", "articles": 2}]
    assert client.get("/api/entities?type=person&prefix=lee").get_json()["entities"]
    assert client.get("/api/entities?type=org&prefix=m").get_json()["entities"][0]["name"] == "MI5"
    assert client.get("/api/entities?type=person&prefix=zz").get_json()["entities"] == []


def test_results_page_has_entity_facets_and_links(site):
    app, _seeds = site
    client = app.test_client()
    html = client.get("/search?q=lawyer").get_data(as_text=True)
    assert 'data-facet="person"' in html and "Christine Lee" in html
    assert "entity=person%3AChristine+Lee" in html or "entity=person:Christine" in html
    assert 'class="entity person" href="/entity/person/Christine%20Lee"' in html
    narrowed = client.get("/search?q=lawyer&entity=person:Christine Lee")
    assert narrowed.status_code == 200
    assert client.get("/api/search?q=lawyer&entity=Christine").status_code == 400


def test_entity_names_are_escaped(site):
    app, _seeds = site
    client = app.test_client()
    html = client.get("/search?q=tables").get_data(as_text=True)
    assert "<script>alert" not in html
    data = client.get("/api/search?q=tables").get_json()
    assert "Bobby Tables" in data["results"][0]["entities"]["person"]


def _token(app, path: str) -> str:
    html = app.test_client().get(path).get_data(as_text=True)
    return re.search(r'name="token" value="([0-9a-f]+)"', html).group(1)


def test_corrections_form_writes_entities_toml(site):
    app, seeds = site
    client = app.test_client()
    token = _token(app, "/entity/org/GRU")
    response = client.post(
        "/entity/org/GRU/corrections",
        data={"token": token, "action": "alias", "alias": "Russian military intelligence"},
        headers={"Origin": "http://localhost"},
    )
    assert response.status_code == 303 and "saved=alias" in response.headers["Location"]
    client.post(
        "/entity/place/Salisbury/corrections",
        data={"token": token, "action": "never"},
    )
    client.post(
        "/entity/person/Lee/corrections",
        data={"token": token, "action": "merge", "into": "Christine Lee"},
    )
    rules = Corrections.load(seeds / "entities.toml")
    assert rules.entity("russian military intelligence").name == "GRU"
    assert rules.refused("place", "Salisbury")
    assert rules.entity("Lee").name == "Christine Lee"
    # The next reindex applies them.
    reindex(seeds, app.config["INDEX_DIR"])
    data = app.test_client().get("/api/entity/place/Salisbury")
    assert data.status_code == 404


@pytest.mark.parametrize(
    ("data", "headers", "status"),
    [
        ({"token": "forged", "action": "never"}, {}, 403),
        ({"action": "never"}, {}, 403),
        ("TOKEN", {"Origin": "http://evil.example"}, 403),
        ("TOKEN", {"Referer": "http://evil.example/page"}, 403),
        ({"token": "TOKEN", "action": "explode"}, {}, 400),
        ({"token": "TOKEN", "action": "alias", "alias": ""}, {}, 400),
    ],
)
def test_corrections_refused(site, data, headers, status):
    app, seeds = site
    token = _token(app, "/entity/org/GRU")
    if data == "TOKEN":
        data = {"token": token, "action": "never"}
    data = {k: (token if v == "TOKEN" else v) for k, v in data.items()}
    response = app.test_client().post("/entity/org/GRU/corrections", data=data, headers=headers)
    assert response.status_code == status
    assert not (seeds / "entities.toml").exists()


def test_indicators_cannot_be_corrected(site):
    app, _seeds = site
    token = _token(app, "/entity/org/GRU")
    response = app.test_client().post(
        "/entity/cve/CVE-2023-1234/corrections", data={"token": token, "action": "never"}
    )
    assert response.status_code == 400
