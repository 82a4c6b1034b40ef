"""Saved searches in SQLite beside the index: names, filters kept as given, matches recorded
once per article, and nothing lost to a rebuild."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from searchapp.errors import BadRequest, NotFound
from searchapp.search import Filters
from searchapp.watch import SavedMatch, SavedSearches, check_name
from searchapp.watch.saved import KEEP_MATCHES, MAX_NAME_CHARS, SAVED_FILE


@pytest.mark.parametrize("name", ["gru", "gru-poisonings", "a", "x" * MAX_NAME_CHARS, "cve-2021"])
def test_slugs_are_names(name):
    assert check_name(name) == name


@pytest.mark.parametrize(
    "name", ["", "x" * (MAX_NAME_CHARS + 1), "GRU", "two words", "-gru", "gru-", "../etc", "é"]
)
def test_other_names_are_refused_saying_what_a_name_is(name):
    with pytest.raises(BadRequest, match="lower-case letters, digits and hyphens"):
        check_name(name)


def test_a_search_is_kept_with_its_filters(tmp_path: Path):
    filters = Filters(
        sources=("BBC",),
        tags=("GRU", "poisoning"),
        years=(2018,),
        entities=("person:Sergei Skripal",),
        date_from=date(2018, 3, 1),
        date_to=date(2018, 12, 31),
        lang=("ru", "en"),
    )
    with SavedSearches(tmp_path) as store:
        store.add("skripal", " novichok ", filters)
    with SavedSearches(tmp_path) as store:  # another connection: it is on disk
        saved = store.get("skripal")
        assert (saved.query, saved.filters) == ("novichok", filters)
        assert [s.name for s in store.all()] == ["skripal"]
        assert saved.to_dict()["filters"]["date_from"] == "2018-03-01"
    assert (tmp_path / SAVED_FILE).is_file()


def test_names_are_unique_and_searches_not_empty(tmp_path: Path):
    with SavedSearches(tmp_path) as store:
        store.add("gru", "GRU", Filters())
        with pytest.raises(BadRequest, match="already a saved search named 'gru'"):
            store.add("gru", "other", Filters())
        with pytest.raises(BadRequest, match="needs a query or a filter"):
            store.add("empty", "  ", Filters())
        with pytest.raises(BadRequest, match="at most"):
            store.add("long", "x " * 600, Filters())
        store.add("browse", "", Filters(tags=("GRU",)))  # filters alone are a search
        with pytest.raises(NotFound):
            store.get("nope")
        with pytest.raises(NotFound):
            store.remove("nope")


def match(name: str, article_id: str, found: datetime, title: str = "T") -> SavedMatch:
    return SavedMatch(name, article_id, found, title, "2020-01-02", None)


def test_an_article_is_recorded_once_per_search_at_its_first_time(tmp_path: Path):
    first = datetime(2026, 1, 1, tzinfo=UTC)
    with SavedSearches(tmp_path) as store:
        store.add("a", "x", Filters())
        store.add("b", "y", Filters())
        assert store.record([match("a", "1", first), match("b", "1", first)]) == 2
        later = first + timedelta(days=1)
        assert store.record([match("a", "1", later, "changed"), match("a", "2", later)]) == 1
        found = store.matches("a")
        assert [(m.article_id, m.found, m.title) for m in found] == [
            ("2", later, "T"),
            ("1", first, "T"),
        ]
        assert store.match_count("b") == 1


def test_removing_a_search_removes_its_matches(tmp_path: Path):
    now = datetime(2026, 1, 1, tzinfo=UTC)
    with SavedSearches(tmp_path) as store:
        store.add("a", "x", Filters())
        store.record([match("a", "1", now)])
        store.remove("a")
        store.add("a", "x", Filters())
        assert store.matches("a") == []


def test_only_the_newest_matches_are_kept(tmp_path: Path):
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with SavedSearches(tmp_path) as store:
        store.add("a", "x", Filters())
        batch = [match("a", str(n), start + timedelta(seconds=n)) for n in range(KEEP_MATCHES + 5)]
        store.record(batch)
        assert store.match_count("a") == KEEP_MATCHES
        assert store.matches("a", 1)[0].article_id == str(KEEP_MATCHES + 4)
