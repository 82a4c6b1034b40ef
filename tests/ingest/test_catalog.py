"""The reindex catalog's queries, at the sizes where they switch strategy."""

from __future__ import annotations

from pathlib import Path

import pytest

from searchapp.ingest import catalog as catalog_module
from searchapp.ingest.catalog import ArticleRecord, Catalog, FileRecord


@pytest.fixture
def catalog(tmp_path: Path):
    """300 files: file n has n % 3 articles; every 7th article repeats the article before it
    in the previous file (a duplicate); file 0 repeats an article of file 299."""
    catalog = Catalog(tmp_path)
    previous: ArticleRecord | None = None
    for n in range(300):
        path = f"f{n:03d}.txt"
        articles = []
        for k in range(n % 3):
            duplicate_of = previous.id if previous and (n + k) % 7 == 0 else None
            articles.append(ArticleRecord(f"a{n}-{k}", path, "d", None, None, duplicate_of))
        if n == 0:
            articles.append(ArticleRecord("a0-x", path, "d", None, None, "a299-1"))
        catalog.record_file(FileRecord(path, n, n, "d"), articles)
        previous = next((a for a in reversed(articles) if a.duplicate_of is None), previous)
    yield catalog
    catalog.close()


def expected_indexed(catalog: Catalog, paths: set[str]) -> int:
    return sum(
        1 for path in paths for article in catalog.articles_in(path) if article.duplicate_of is None
    )


def expected_repeating(catalog: Catalog, paths: set[str]) -> set[str]:
    ids = {a.id for path in paths for a in catalog.articles_in(path)}
    return {
        a.path
        for path in catalog.files()
        for a in catalog.articles_in(path)
        if a.duplicate_of in ids and catalog.file_of(a.duplicate_of) != a.path
    }


@pytest.mark.parametrize("count", [0, 1, 5, 199, 200, 201, 300])
def test_indexed_count_of_some_files(catalog: Catalog, count: int):
    paths = {f"f{n:03d}.txt" for n in range(count)} | ({"gone.txt"} if count else set())
    assert catalog.indexed_count(paths) == expected_indexed(catalog, paths)
    # Any iterable, once: a generator is not read twice.
    assert catalog.indexed_count(p for p in sorted(paths)) == expected_indexed(catalog, paths)


def test_indexed_count_of_all(catalog: Catalog):
    assert catalog.indexed_count() == expected_indexed(catalog, set(catalog.files()))
    assert catalog.indexed_count() + catalog.duplicate_count() == sum(
        len(catalog.articles_in(path)) for path in catalog.files()
    )


@pytest.mark.parametrize("count", [1, 10, 250, 300])
def test_files_repeating_few_or_many(catalog: Catalog, count: int):
    paths = {f"f{n:03d}.txt" for n in range(300 - count, 300)}
    found = catalog.files_repeating(paths)
    assert found == expected_repeating(catalog, paths)
    if count == 300:
        assert found  # the fixture has duplicates across files
    assert found == catalog.files_repeating(iter(sorted(paths)))


def test_both_strategies_agree(catalog: Catalog, monkeypatch: pytest.MonkeyPatch):
    paths = {f"f{n:03d}.txt" for n in range(0, 300, 2)}
    counts, repeating = [], []
    for few in (0, 10_000):  # always one scan, then always a query per file
        monkeypatch.setattr(catalog_module, "_FEW_PATHS", few)
        counts.append(catalog.indexed_count(paths))
        repeating.append(catalog.files_repeating(paths))
    assert counts[0] == counts[1] and repeating[0] == repeating[1]


def test_this_runs_ids_and_claims_live_for_one_run(tmp_path: Path):
    first = Catalog(tmp_path)
    first.give("story", "a.txt")
    first.give("story", "b.txt")  # the file giving an id last is its file
    first.claim("example.com/story", "story")
    first.claim("example.com/story", "copy")  # the first claim stands
    assert first.file_giving("story") == "b.txt"
    assert first.file_giving("other") is None
    assert first.claimant("example.com/story") == "story"
    assert first.claimant("example.com/other") is None
    first.commit(1, "v")
    first.close()
    second = Catalog(tmp_path)
    try:
        assert second.file_giving("story") is None
        assert second.claimant("example.com/story") is None
    finally:
        second.close()


def test_paths_lists_every_file(catalog: Catalog):
    assert (
        sorted(catalog.paths()) == sorted(catalog.files()) == [f"f{n:03d}.txt" for n in range(300)]
    )


def test_this_runs_tables_are_kept_in_a_file_not_in_memory(catalog: Catalog):
    assert catalog.db.execute("PRAGMA temp_store").fetchone() == (1,)  # FILE
