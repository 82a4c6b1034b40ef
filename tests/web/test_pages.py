"""Hits in paged documents name their page: ``"page"`` in the API, "p. 12" in the results and
the CLI, links to ``#page-12``, the article shown page by page, ``"pages"`` in its API."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from searchapp.cli import main as cli
from searchapp.config import EngineConfig
from searchapp.engines.base import index_version
from searchapp.engines.registry import open_writer
from searchapp.search import SearchEngine
from searchapp.text.article import Article, join_pages
from searchapp.web import create_app

FILLER = (
    "The committee heard evidence from officials about the handling of classified "
    "material, the vetting of staff and the oversight of contractors."
)


def _report(pages: int, words: dict[int, str]) -> Article:
    """A paged report of ``pages`` pages of filler, with ``words`` on their pages."""
    texts = [
        [f"{FILLER} Section {n}.", *([f"The {words[n]} file was opened."] if n in words else [])]
        for n in range(1, pages + 1)
    ]
    body, starts = join_pages(texts)
    return Article("report", "Annual report", body, "report.pdf", True, pages=starts)


@pytest.fixture(scope="module")
def paged_index(tmp_path_factory) -> Path:
    index = tmp_path_factory.mktemp("paged") / "index"
    index.mkdir()
    writer = open_writer(EngineConfig.load(), index)
    writer.add(_report(300, {12: "marrowstone", 280: "quillfeather"}))
    writer.add(
        Article("plain", "A plain article", "Marrowstone is a plain word here.", "a.txt", True)
    )
    writer.commit(index_version(), full=True)
    return index


@pytest.fixture
def paged_client(paged_index: Path, tmp_path: Path):
    app = create_app(
        {"TESTING": True, "INDEX_DIR": paged_index, "SEEDS_DIR": tmp_path, "RATE_LIMIT": "off"}
    )
    yield app.test_client()
    app.extensions["searchapp"].close()


def test_a_hit_names_the_page_of_its_snippet(paged_client):
    data = paged_client.get("/api/search?q=marrowstone").get_json()
    by_id = {hit["id"]: hit for hit in data["results"]}
    assert by_id["report"]["page"] == 12
    assert by_id["report"]["url"].endswith("#page-12")
    assert "<mark>marrowstone</mark>" in by_id["report"]["snippet"]
    assert by_id["plain"]["page"] is None and "#" not in by_id["plain"]["url"]


def test_a_word_on_page_280_of_300_is_found_highlighted_and_placed(paged_client):
    [hit] = paged_client.get("/api/search?q=quillfeather").get_json()["results"]
    assert hit["page"] == 280 and "<mark>quillfeather</mark>" in hit["snippet"]
    page = paged_client.get("/article/report?q=quillfeather").get_data(as_text=True)
    section = page[page.index('id="page-280"') : page.index('id="page-281"')]
    assert "<mark>quillfeather</mark>" in section
    assert page.count("<mark>quillfeather</mark>") == 1


def test_the_results_page_says_p_and_links_to_the_page(paged_client):
    page = paged_client.get("/search?q=marrowstone").get_data(as_text=True)
    assert re.search(r'href="/article/report\?q=marrowstone#page-12"[^>]*>p\. 12</a>', page)
    assert "p. " not in page[page.index("A plain article") :].split("</li>")[0]


def test_the_article_is_shown_page_by_page_with_anchors(paged_client):
    page = paged_client.get("/article/report?q=marrowstone").get_data(as_text=True)
    assert page.count('<section class="page" id="page-') == 300
    assert 'href="#page-12">12</a>' in page  # pages with matches, listed
    assert "300 pages" in page
    plain = paged_client.get("/article/plain").get_data(as_text=True)
    assert 'class="page"' not in plain


def test_the_article_api_gives_the_page_count(paged_client):
    assert paged_client.get("/api/article/report").get_json()["pages"] == 300
    plain = paged_client.get("/api/article/plain").get_json()
    assert plain["pages"] is None and plain["parent"] is None and plain["attachments"] == []


def test_the_cli_says_p(paged_index: Path, runner):
    result = runner.invoke(cli, ["search", "quillfeather", "--index", str(paged_index)])
    assert result.exit_code == 0, result.output
    assert "report, p. 280" in result.output
    as_json = runner.invoke(cli, ["search", "quillfeather", "--index", str(paged_index), "--json"])
    assert json.loads(as_json.output)["results"][0]["page"] == 280


def test_the_service_places_every_hit(paged_index: Path):
    engine = SearchEngine(paged_index)
    try:
        hits = {hit.id: hit.page for hit in engine.search("marrowstone OR quillfeather").hits}
    finally:
        engine.close()
    assert hits["report"] in (12, 280) and hits["plain"] is None
