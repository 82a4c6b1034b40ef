"""Saved searches and the articles they matched, in SQLite beside the index
(``searchapp-saved.sqlite`` in the index folder): a reindex, a rebuild or a change of engines
never touches them, and each write is one transaction, so a crash mid-reindex loses none."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from ..errors import BadRequest, NotFound
from ..search import Filters

SAVED_FILE = "searchapp-saved.sqlite"
MAX_NAME_CHARS = 64
MAX_QUERY_CHARS = 1000
# A slug: it names the feed's URL (/feeds/<name>.atom) and the CLI argument as it is.
_SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?")
# The matches a saved search keeps: a feed shows the newest, and a reader polling daily
# never misses one at any realistic pace.
KEEP_MATCHES = 1000
_SCHEMA = """
CREATE TABLE IF NOT EXISTS saved (
    name TEXT PRIMARY KEY,
    query TEXT NOT NULL,
    filters TEXT NOT NULL,
    created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS matches (
    name TEXT NOT NULL REFERENCES saved(name) ON DELETE CASCADE,
    article_id TEXT NOT NULL,
    found TEXT NOT NULL,
    title TEXT NOT NULL,
    date TEXT,
    url TEXT,
    PRIMARY KEY (name, article_id)
);
CREATE INDEX IF NOT EXISTS matches_found ON matches(name, found);
"""


@dataclass(frozen=True, slots=True)
class SavedSearch:
    """A name, a query and its filters; ``created`` in UTC."""

    name: str
    query: str
    filters: Filters
    created: datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "query": self.query,
            "filters": filters_to_dict(self.filters),
            "created": self.created.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class SavedMatch:
    """An article a saved search matched when a reindex added or changed it: ``found`` is
    when (UTC); title, date and url as they were then (the feed's entry; its snippet is
    made when the feed is read, from the article as it is then)."""

    name: str
    article_id: str
    found: datetime
    title: str
    date: str | None
    url: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.article_id,
            "found": self.found.isoformat(),
            "title": self.title,
            "date": self.date,
            "url": self.url,
        }


def check_name(name: str) -> str:
    """The name as given when it is a slug of 1 to MAX_NAME_CHARS characters; BadRequest
    saying what a name may be otherwise."""
    if not name or len(name) > MAX_NAME_CHARS or not _SLUG.fullmatch(name):
        raise BadRequest(
            f"A saved search's name is 1 to {MAX_NAME_CHARS} lower-case letters, digits and "
            f"hyphens, starting and ending with a letter or digit (e.g. gru-poisonings); "
            f"got {name[: MAX_NAME_CHARS + 10]!r}."
        )
    return name


def filters_to_dict(filters: Filters) -> dict[str, Any]:
    """The filters that are set, as JSON values (dates as YYYY-MM-DD)."""
    out: dict[str, Any] = {}
    for key in ("sources", "authors", "tags", "years", "entities", "lang"):
        if values := getattr(filters, key):
            out[key] = list(values)
    for key in ("date_from", "date_to"):
        if (day := getattr(filters, key)) is not None:
            out[key] = day.isoformat()
    return out


def filters_from_dict(data: dict[str, Any]) -> Filters:
    days = {k: date.fromisoformat(data[k]) for k in ("date_from", "date_to") if data.get(k)}
    return Filters(
        sources=tuple(data.get("sources", ())),
        authors=tuple(data.get("authors", ())),
        tags=tuple(data.get("tags", ())),
        years=tuple(int(y) for y in data.get("years", ())),
        entities=tuple(data.get("entities", ())),
        lang=tuple(data.get("lang", ())),
        **days,
    )


class SavedSearches:
    """The saved searches of the index in ``index_dir``. One per thread (SQLite connections
    are), or opened and closed per request; writers of several processes take turns. Without
    ``create``, a folder with none saved yet is read as empty and left as it is."""

    def __init__(self, index_dir: Path, *, create: bool = True) -> None:
        path = Path(index_dir) / SAVED_FILE
        if create:
            path.parent.mkdir(parents=True, exist_ok=True)
        elif not path.is_file():
            path = Path(":memory:")  # none saved yet: read as empty, write nothing to disk
        self.db = sqlite3.connect(path, isolation_level=None, timeout=30)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA foreign_keys=ON")
        self.db.executescript(_SCHEMA)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> SavedSearches:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def add(self, name: str, query: str, filters: Filters) -> SavedSearch:
        """Save a search (the caller has checked that it parses); BadRequest when the name
        is taken or the search is empty."""
        check_name(name)
        query = query.strip()
        if len(query) > MAX_QUERY_CHARS:
            raise BadRequest(f"A saved query may be at most {MAX_QUERY_CHARS} characters.")
        if not query and not filters:
            raise BadRequest("A saved search needs a query or a filter.")
        created = datetime.now(UTC).replace(microsecond=0)
        saved = SavedSearch(name, query, filters, created)
        with self._transaction() as db:
            if db.execute("SELECT 1 FROM saved WHERE name = ?", (name,)).fetchone():
                raise BadRequest(f"There is already a saved search named {name!r}.")
            db.execute(
                "INSERT INTO saved VALUES (?, ?, ?, ?)",
                (name, query, json.dumps(filters_to_dict(filters)), created.isoformat()),
            )
        return saved

    def get(self, name: str) -> SavedSearch:
        row = self.db.execute("SELECT * FROM saved WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise NotFound(f"No saved search named {name[: MAX_NAME_CHARS + 10]!r}.")
        return _saved(row)

    def all(self) -> list[SavedSearch]:
        return [_saved(row) for row in self.db.execute("SELECT * FROM saved ORDER BY name")]

    def remove(self, name: str) -> None:
        with self._transaction() as db:
            if not db.execute("DELETE FROM saved WHERE name = ?", (name,)).rowcount:
                raise NotFound(f"No saved search named {name[: MAX_NAME_CHARS + 10]!r}.")

    def record(self, matches: list[SavedMatch]) -> int:
        """Record matches, each article once per saved search (a match found again when its
        article changes keeps its first time); how many were new."""
        if not matches:
            return 0
        with self._transaction() as db:
            before = db.total_changes
            db.executemany(
                "INSERT OR IGNORE INTO matches VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (m.name, m.article_id, m.found.isoformat(), m.title, m.date, m.url)
                    for m in matches
                ],
            )
            new = db.total_changes - before
            for name in {m.name for m in matches}:
                db.execute(
                    "DELETE FROM matches WHERE name = ? AND article_id NOT IN (SELECT "
                    "article_id FROM matches WHERE name = ? ORDER BY found DESC, article_id "
                    "LIMIT ?)",
                    (name, name, KEEP_MATCHES),
                )
        return new

    def matches(self, name: str, limit: int = 50) -> list[SavedMatch]:
        """The saved search's matches, the newest found first."""
        rows = self.db.execute(
            "SELECT * FROM matches WHERE name = ? ORDER BY found DESC, article_id LIMIT ?",
            (name, limit),
        )
        return [
            SavedMatch(r[0], r[1], datetime.fromisoformat(r[2]), r[3], r[4], r[5]) for r in rows
        ]

    def match_count(self, name: str) -> int:
        row = self.db.execute("SELECT count(*) FROM matches WHERE name = ?", (name,)).fetchone()
        return int(row[0])


def _saved(row: tuple) -> SavedSearch:
    name, query, filters, created = row
    return SavedSearch(
        name, query, filters_from_dict(json.loads(filters)), datetime.fromisoformat(created)
    )
