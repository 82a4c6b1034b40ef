"""A name across scripts on the results page: said as synonyms are, and off with exact=1 or
quotes (the fixture corpus spells Skripal in Latin letters only)."""

from __future__ import annotations

import html


def test_a_cyrillic_name_is_also_searched_in_latin_letters(client):
    page = html.unescape(client.get("/search?q=Скрипаль").get_data(as_text=True))
    assert "Also searching <strong>Скрипаль</strong> as Skripal" in page
    assert "Former spy poisoned with nerve agent in Salisbury" in page


def test_exact_searches_the_name_as_typed(client):
    for url in ("/search?q=Скрипаль&exact=1", "/search?q=%22Скрипаль%22"):
        page = html.unescape(client.get(url).get_data(as_text=True))
        assert "Also searching" not in page
        assert "Former spy poisoned with nerve agent in Salisbury" not in page


def test_the_api_lists_the_spellings_as_synonyms(client):
    body = client.get("/api/search?q=Скрипаль").get_json()
    assert body["synonyms"] == [{"typed": "Скрипаль", "alternatives": ["Skripal"]}]
    assert body["exact_query"] == '"Скрипаль"'
    assert client.get("/api/search?q=Скрипаль&exact=1").get_json()["total"] == 0
