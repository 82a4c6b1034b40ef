"""Alerts, on every engine: each reindex runs the saved searches over the articles it added
or changed only, records each new match once, and a reindex that fails records nothing and
loses no saved search."""

from __future__ import annotations

from pathlib import Path

import pytest

import searchapp.reindex
from searchapp.config import EngineConfig
from searchapp.errors import IndexingFailed
from searchapp.search import Filters
from searchapp.watch import SavedSearches, update

pytestmark = pytest.mark.both_engines

ARTICLES = {
    "skripal.txt": "Salisbury poisoning\n\nSergei Skripal was poisoned with novichok in "
    "Salisbury. The GRU was blamed.",
    "weather.txt": "Weather report\n\nIt rained all week and the rivers rose.",
}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for name, text in ARTICLES.items():
        (seeds / name).write_text(text)
    return seeds


def saved(index: Path, name: str, query: str, **filters) -> None:
    with SavedSearches(index) as store:
        store.add(name, query, Filters(**filters))


def matched(index: Path, name: str) -> list[str]:
    with SavedSearches(index) as store:
        return [m.article_id for m in store.matches(name)]


def test_new_matching_articles_are_recorded_once(folder: Path, tmp_path: Path):
    index = tmp_path / "index"
    first = update(folder, index)
    assert sorted(first.reindex.changed) == ["skripal", "weather"]
    saved(index, "novichok", "novichok")
    saved(index, "gru-tagged", "", tags=("GRU",))
    # Saved after the articles were indexed: they are not new, so nothing is recorded.
    assert update(folder, index).alerts.checked == 0
    assert matched(index, "novichok") == []

    (folder / "new.txt").write_text("Novichok again\n\nA second novichok attack, the GRU again.")
    (folder / "other.txt").write_text("Budget\n\nThe budget was passed on Tuesday.")
    second = update(folder, index)
    assert sorted(second.reindex.changed) == ["new", "other"]
    assert second.alerts.new == {"novichok": 1, "gru-tagged": 1}
    assert matched(index, "novichok") == ["new"]
    assert matched(index, "gru-tagged") == ["new"]
    with SavedSearches(index) as store:
        (entry,) = store.matches("novichok")
    assert entry.title == "Novichok again"

    # Unchanged: nothing checked. Changed and still matching: checked, but not new.
    assert update(folder, index).alerts.checked == 0
    (folder / "new.txt").write_text("Novichok again\n\nA third novichok attack, the GRU again.")
    third = update(folder, index)
    assert third.reindex.changed == ["new"] and third.alerts.new == {"novichok": 0, "gru-tagged": 0}
    assert matched(index, "novichok") == ["new"]


def test_a_rebuild_alerts_only_on_what_changed(folder: Path, tmp_path: Path):
    index = tmp_path / "index"
    update(folder, index)
    saved(index, "novichok", "novichok")
    (folder / "new.txt").write_text("Novichok again\n\nA second novichok attack.")
    rebuilt = update(folder, index, full=True)
    assert rebuilt.reindex.full and rebuilt.reindex.changed == ["new"]
    assert matched(index, "novichok") == ["new"]


def test_an_alert_matches_what_the_results_page_shows(folder: Path, tmp_path: Path):
    """Any of the words, as the search ranks them (all of them first); AND asks for all."""
    index = tmp_path / "index"
    update(folder, index)
    saved(index, "any", "novichok budget")
    saved(index, "both", "novichok AND budget")
    (folder / "new.txt").write_text("Novichok again\n\nA second novichok attack.")
    assert update(folder, index).alerts.new == {"any": 1, "both": 0}


def test_a_search_that_fails_is_reported_and_the_others_run(folder: Path, tmp_path: Path):
    index = tmp_path / "index"
    update(folder, index)
    saved(index, "good", "novichok")
    with SavedSearches(index) as store:  # a search saved before the language refused it
        store.db.execute(
            "INSERT INTO saved VALUES ('broken', 'ip:999.1.1.1', '{}', '2026-01-01T00:00:00')"
        )
    (folder / "new.txt").write_text("Novichok again\n\nA second novichok attack.")
    alerts = update(folder, index).alerts
    assert alerts.new == {"good": 1}
    assert "999.1.1.1" in alerts.failed["broken"]
    assert "broken failed" in alerts.summary()


def test_a_failed_reindex_records_nothing_and_keeps_the_searches(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    index = tmp_path / "index"
    update(folder, index)
    saved(index, "novichok", "novichok")
    (folder / "new.txt").write_text("Novichok again\n\nA second novichok attack.")

    def crash(*args, **kwargs):
        raise IndexingFailed("a worker died")

    with monkeypatch.context() as patched:
        patched.setattr(searchapp.reindex, "_update", crash)
        with pytest.raises(IndexingFailed):
            update(folder, index)
    assert matched(index, "novichok") == []
    with SavedSearches(index) as store:
        assert [s.name for s in store.all()] == ["novichok"]
    assert update(folder, index).alerts.new == {"novichok": 1}  # still new the next time


def test_saved_searches_outlive_rebuilds_and_a_change_of_engines(folder: Path, tmp_path: Path):
    index = tmp_path / "index"
    whoosh, xapian = EngineConfig(name="whoosh"), EngineConfig(name="xapian")
    update(folder, index, engine=whoosh)
    saved(index, "novichok", "novichok")
    (folder / "new.txt").write_text("Novichok again\n\nA second novichok attack.")
    update(folder, index, engine=whoosh)
    update(folder, index, engine=whoosh, full=True)
    moved = update(folder, index, engine=xapian)  # the other engine's first build
    assert moved.reindex.full
    assert matched(index, "novichok") == ["new"]  # kept, and not found again
    (folder / "later.txt").write_text("Novichok later\n\nA third novichok attack.")
    assert update(folder, index, engine=xapian).alerts.new == {"novichok": 1}
    assert matched(index, "novichok") == ["later", "new"]
