"""Exports (searchapp.search.export): every hit, in the order of the results pages, read a
chunk of stored fields at a time, with plain-text snippets; CSV and JSON Lines that parse."""

from __future__ import annotations

import csv
import io
import json
import random
from datetime import date
from pathlib import Path

import pytest

import searchapp.search.export as export_module
from searchapp.config import EngineConfig
from searchapp.errors import BadRequest, QueryError
from searchapp.reindex import reindex
from searchapp.search import FEEDBACK_DEPTH, Filters, SearchEngine
from searchapp.search.export import (
    COLUMNS,
    ExportRow,
    _FirstMatch,
    check_format,
    csv_text,
    export,
    jsonl_text,
)

# Every test on the Whoosh engine and again on Xapian (conftest.py).
pytestmark = pytest.mark.both_engines

ARTICLES = 240  # more hits than feedback reorders (FEEDBACK_DEPTH)
WORDS = (
    "embassy diplomat officer border treaty sanction minister report agency network "
    "source cable archive courier signal station harbour convoy satellite"
).split()
TOPICS = ["The Kremlin denied it.", "Officials in Beijing said nothing.", "Iran was blamed."]


def _article(number: int, rng: random.Random) -> str:
    day = date(2016, 1, 1).toordinal() + rng.randrange(730)
    title = f"{' '.join(rng.sample(WORDS, 4)).capitalize()} {number}"
    sentences = [
        " ".join(rng.choice(WORDS) for _ in range(rng.randrange(6, 14))).capitalize() + "."
        for _ in range(rng.randrange(4, 12))
    ]
    sentences.insert(rng.randrange(len(sentences)), f"The spy was seen {rng.randrange(9)} times.")
    sentences.append(TOPICS[number % len(TOPICS)])
    dateline = date.fromordinal(day).isoformat() if number % 7 else ""  # some undated
    return f"{title}\n\n{dateline}\n\n{' '.join(sentences)}\n"


@pytest.fixture(scope="module")
def many_index(tmp_path_factory: pytest.TempPathFactory, engine_name: str) -> Path:
    """240 generated articles, all of them about a spy, a third about the Kremlin."""
    root = tmp_path_factory.mktemp(f"export-{engine_name}")
    seeds = root / "seeds"
    seeds.mkdir()
    rng = random.Random(23)
    for number in range(ARTICLES):
        (seeds / f"a{number:03d}.txt").write_text(_article(number, rng), encoding="utf-8")
    reindex(seeds, root / "index", engine=EngineConfig(engine_name))
    return root / "index"


@pytest.fixture
def many(many_index: Path, engine_name: str):
    engine = SearchEngine(many_index, config=EngineConfig(engine_name))
    yield engine
    engine.close()


def paged(engine: SearchEngine, text: str, per_page: int = 25, **options) -> list:
    """Every hit, page after page of the results pages' own search."""
    hits, page = [], 1
    while True:
        result = engine.search(text, page, per_page, **options)
        hits += result.hits
        if page * per_page >= result.total:
            return hits
        page += 1


@pytest.mark.parametrize("text", ["spy", "spy officer", "embassy OR harbour"])
def test_every_hit_in_the_order_of_the_pages(many: SearchEngine, text: str):
    pages = paged(many, text)
    assert len(pages) > FEEDBACK_DEPTH  # the reordered top hits and the rest
    rows = list(export(many, text).rows())
    assert [row.id for row in rows] == [hit.id for hit in pages]
    assert [row.score for row in rows] == [hit.score for hit in pages]
    assert [(row.title, row.date, row.tags) for row in rows] == [
        (hit.title, hit.published, hit.tags) for hit in pages
    ]


@pytest.mark.parametrize("sort", ["newest", "oldest"])
def test_sorted_by_date_as_the_pages_are(many: SearchEngine, sort: str):
    pages = paged(many, "spy", sort=sort)
    rows = list(export(many, "spy", sort=sort).rows())
    assert [row.id for row in rows] == [hit.id for hit in pages]
    assert {row.score for row in rows} == {None}
    dated = [row.date for row in rows if row.date]
    assert dated == sorted(dated, reverse=sort == "newest")
    assert rows[-1].date is None  # undated last, both ways


def test_filters_restrict_as_they_do_the_pages(many: SearchEngine):
    filters = Filters(tags=("Russia",), date_from=date(2016, 6, 1), date_to=date(2017, 5, 31))
    pages = paged(many, "spy", filters=filters)
    rows = list(export(many, "spy", filters=filters).rows())
    assert 0 < len(rows) < ARTICLES / 3
    assert [row.id for row in rows] == [hit.id for hit in pages]
    assert all("Russia" in row.tags for row in rows)
    assert all(date(2016, 6, 1) <= row.date <= date(2017, 5, 31) for row in rows)


def test_filters_alone_list_every_match_newest_first(many: SearchEngine):
    filters = Filters(tags=("Iran",))
    rows = list(export(many, "", filters=filters).rows())
    assert [row.id for row in rows] == [hit.id for hit in paged(many, "", filters=filters)]
    assert len(rows) == ARTICLES // 3


def test_a_sure_spelling_correction_is_exported_as_the_page_shows_it(seeds_engine):
    page = seeds_engine.search("kremlim spys")
    assert page.corrected
    result = export(seeds_engine, "kremlim spys")
    assert result.corrected_to == page.suggestion
    assert result.shown_query == page.shown_query
    assert [row.id for row in result.rows()] == [hit.id for hit in page.hits]
    assert export(seeds_engine, "kremlim spys", autocorrect=False).total == 0


def test_refused_as_the_search_refuses(many: SearchEngine):
    with pytest.raises(QueryError, match="Missing query"):
        export(many, "  ")
    with pytest.raises(QueryError, match="sort must be one of"):
        export(many, "spy", sort="random")  # type: ignore[arg-type]
    with pytest.raises(QueryError, match="Nothing to search for"):
        export(many, "(((")
    with pytest.raises(BadRequest, match="format must be one of: csv, jsonl"):
        check_format("xlsx")


def test_rows_are_read_a_chunk_at_a_time(many: SearchEngine, monkeypatch):
    """Stored fields are read as the rows are taken, never all at once."""
    chunk = 64
    monkeypatch.setattr(export_module, "EXPORT_CHUNK", chunk)
    result = export(many, "spy")
    view = result._view
    read: list[object] = []
    original = view.fields

    def counting(key):
        read.append(key)
        return original(key)

    monkeypatch.setattr(view, "fields", counting)
    rows = result.rows()
    assert read == []  # nothing is read before the first row is asked for
    next(rows)
    assert len(read) == chunk
    for _ in range(chunk - 1):
        next(rows)
    assert len(read) == chunk
    next(rows)
    assert len(read) == 2 * chunk
    assert sum(1 for _ in rows) == ARTICLES - chunk - 1
    assert len(read) == ARTICLES


def test_snippets_are_plain_text_around_the_first_match(many: SearchEngine, engine):
    rows = list(export(many, "spy").rows())
    assert all("spy" in row.snippet for row in rows)
    assert all(len(row.snippet) <= 210 for row in rows)
    # In an article of the fixture corpus: the words' other forms, no HTML at all.
    (row,) = [r for r in export(engine, "spying").rows() if r.id == "recruitment"]
    assert "<" not in row.snippet and "&amp;" not in row.snippet
    assert any(word in row.snippet.lower() for word in ("spy", "spies", "spying"))


def test_a_snippet_without_a_match_in_the_body_is_its_opening(many: SearchEngine):
    (row,) = export(many, "title:111").rows()
    assert row.snippet.startswith(many.stored(row.id)["body"].split()[0])


def test_first_match_finds_stems_and_skips_lookalikes():
    finder = _FirstMatch({"spi", "kremlin"})
    text = "Spiders spin webs. The spies met at the Kremlin’s gate."
    assert text[finder.find(text) :].startswith("spies")
    assert _FirstMatch({"kremlin"}).find(text) == text.index("Kremlin")
    assert _FirstMatch({"spi"}).find("Spiders and spinners") is None
    assert _FirstMatch(set()).find(text) is None


TRICKY = ExportRow(
    id="a,1",
    title='Spies, "moles" and leaks:\nthe report\r\nin full',
    date=date(2017, 3, 5),
    source="bbc.co.uk",
    author="Smith, Jane",
    url="https://example.com/a?b=1,2",
    tags=("Russia", "UK"),
    score=1.5,
    snippet='… a "quoted" line, and more …',
)
PLAIN = ExportRow("b", "Plain", None, "", "", "", (), None, "")


def test_csv_round_trips_commas_quotes_and_line_breaks():
    text = "".join(csv_text([TRICKY, PLAIN]))
    header, tricky, plain = csv.reader(io.StringIO(text, newline=""))
    assert tuple(header) == COLUMNS
    assert tricky == TRICKY.to_csv()
    assert tricky[1] == TRICKY.title and tricky[6] == "Russia; UK" and tricky[7] == "1.5"
    assert plain == ["b", "Plain", "", "", "", "", "", "", ""]


def test_jsonl_is_one_object_per_line():
    lines = "".join(jsonl_text([TRICKY, PLAIN])).splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert first == {**TRICKY.to_dict(), "tags": ["Russia", "UK"], "date": "2017-03-05"}
    assert list(first) == list(COLUMNS)
    assert first["title"] == TRICKY.title
    assert second["date"] is None and second["score"] is None and second["tags"] == []


def test_big_exports_come_in_pieces(monkeypatch):
    monkeypatch.setattr(export_module, "FLUSH_CHARS", 100)
    pieces = list(csv_text([TRICKY] * 10))
    assert len(pieces) > 3
    assert len(list(csv.reader(io.StringIO("".join(pieces), newline="")))) == 11
    assert len(list(jsonl_text([TRICKY] * 10))) > 3
