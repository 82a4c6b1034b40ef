"""The reindex catalog: which files were read, which articles each gave, which were duplicates.

It is an SQLite database in the index folder, whatever the engine, and is only touched while
the engine's writer is open. Its changes are committed right after the engine's commit they
describe and record that generation, so a crash between the two commits is detected (the
generations differ) and the next reindex rebuilds instead of trusting a stale catalog.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

CATALOG_FILE = "searchapp-catalog.sqlite"
# Above this many files, counting their articles reads the whole table once instead.
_FEW_PATHS = 200

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, digest TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY,
    path TEXT NOT NULL,
    digest TEXT NOT NULL,
    url_key TEXT,
    text_key TEXT,
    duplicate_of TEXT  -- NULL: indexed; else the id of the article it repeats
);
CREATE INDEX IF NOT EXISTS articles_path ON articles (path);
CREATE INDEX IF NOT EXISTS articles_url ON articles (url_key);
CREATE INDEX IF NOT EXISTS articles_text ON articles (text_key);
CREATE INDEX IF NOT EXISTS articles_duplicate_of ON articles (duplicate_of);
-- This run's ids and duplicate keys, on disk: at 1M articles, dictionaries of them took 0.3 GB.
PRAGMA temp_store = FILE;
CREATE TEMP TABLE IF NOT EXISTS run_ids (id TEXT PRIMARY KEY, path TEXT NOT NULL) WITHOUT ROWID;
CREATE TEMP TABLE IF NOT EXISTS run_keys (key TEXT PRIMARY KEY, id TEXT NOT NULL) WITHOUT ROWID;
"""


@dataclass(frozen=True, slots=True)
class FileRecord:
    path: str
    size: int
    mtime_ns: int
    digest: str


@dataclass(frozen=True, slots=True)
class ArticleRecord:
    id: str
    path: str
    digest: str
    url_key: str | None
    text_key: str | None
    duplicate_of: str | None = None


class Catalog:
    """One reindex's view of the catalog; every change is one transaction until commit()."""

    def __init__(self, index_dir: Path) -> None:
        self.db = sqlite3.connect(Path(index_dir) / CATALOG_FILE, isolation_level=None)
        self.db.executescript(_SCHEMA)
        self.db.execute("BEGIN")

    def close(self) -> None:
        if self.db.in_transaction:
            self.db.execute("ROLLBACK")
        self.db.close()

    def commit(self, generation: int, version: str) -> None:
        self._set("generation", str(generation))
        self._set("version", version)
        self.db.execute("COMMIT")

    def _set(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def describes(self, generation: int, version: str) -> bool:
        """Whether the catalog was committed with this index generation and version."""
        meta = dict(self.db.execute("SELECT key, value FROM meta"))
        return meta.get("generation") == str(generation) and meta.get("version") == version

    def is_empty(self) -> bool:
        return self.db.execute("SELECT 1 FROM files LIMIT 1").fetchone() is None

    def clear(self) -> None:
        self.db.execute("DELETE FROM files")
        self.db.execute("DELETE FROM articles")

    def files(self) -> dict[str, FileRecord]:
        return {row[0]: FileRecord(*row) for row in self.db.execute("SELECT * FROM files")}

    def paths(self) -> Iterator[str]:
        """Every file's path, one at a time."""
        return (path for (path,) in self.db.execute("SELECT path FROM files"))

    def articles_in(self, path: str) -> list[ArticleRecord]:
        rows = self.db.execute("SELECT * FROM articles WHERE path = ?", (path,))
        return [ArticleRecord(*row) for row in rows]

    def indexed_count(self, paths: Iterable[str] | None = None) -> int:
        """Indexed articles (not duplicates), in all or only in the files ``paths``."""
        if paths is None:
            sql = "SELECT COUNT(*) FROM articles WHERE duplicate_of IS NULL"
            return self.db.execute(sql).fetchone()[0]
        paths = set(paths)
        if len(paths) > _FEW_PATHS:
            # Every unchanged file of a large folder: one pass over the table beats a query
            # per file.
            rows = self.db.execute("SELECT path FROM articles WHERE duplicate_of IS NULL")
            return sum(1 for (path,) in rows if path in paths)
        sql = "SELECT COUNT(*) FROM articles WHERE path = ? AND duplicate_of IS NULL"
        return sum(self.db.execute(sql, (path,)).fetchone()[0] for path in paths)

    def duplicate_count(self) -> int:
        sql = "SELECT COUNT(*) FROM articles WHERE duplicate_of IS NOT NULL"
        return self.db.execute(sql).fetchone()[0]

    def files_repeating(self, paths: Iterable[str]) -> set[str]:
        """Other files holding duplicates of any article from ``paths``: when those articles
        change or go, the duplicates may have to be indexed in their place."""
        paths = set(paths)
        join = (
            "SELECT DISTINCT d.path, a.path FROM articles d JOIN articles a"
            " ON d.duplicate_of = a.id WHERE d.path != a.path"
        )
        if len(paths) > _FEW_PATHS:  # a full rebuild asks about every file: one query
            return {repeating for repeating, path in self.db.execute(join) if path in paths}
        found: set[str] = set()
        for path in paths:
            rows = self.db.execute(f"{join} AND a.path = ?", (path,))
            found.update(repeating for repeating, _ in rows)
        return found

    def indexed_with_key(
        self, url_key: str | None, text_key: str | None, outside: set[str]
    ) -> str | None:
        """The id of an indexed article with either key, from a file not in ``outside``."""
        for column, key in (("url_key", url_key), ("text_key", text_key)):
            if key is None:
                continue
            rows = self.db.execute(
                f"SELECT id, path FROM articles WHERE {column} = ? AND duplicate_of IS NULL",
                (key,),
            )
            for article_id, path in rows:
                if path not in outside:
                    return article_id
        return None

    def file_of(self, article_id: str) -> str | None:
        row = self.db.execute("SELECT path FROM articles WHERE id = ?", (article_id,)).fetchone()
        return row[0] if row else None

    def forget_file(self, path: str) -> None:
        self.db.execute("DELETE FROM files WHERE path = ?", (path,))
        self.db.execute("DELETE FROM articles WHERE path = ?", (path,))

    def record_file(self, record: FileRecord, articles: Iterable[ArticleRecord]) -> None:
        """Replace what is known about one file."""
        self.forget_file(record.path)
        self.db.execute(
            "INSERT INTO files VALUES (?, ?, ?, ?)",
            (record.path, record.size, record.mtime_ns, record.digest),
        )
        self.db.executemany(
            "INSERT OR REPLACE INTO articles VALUES (?, ?, ?, ?, ?, ?)",
            [(a.id, a.path, a.digest, a.url_key, a.text_key, a.duplicate_of) for a in articles],
        )

    # -- what this run has indexed so far (forgotten when the connection closes) ------------

    def file_giving(self, article_id: str) -> str | None:
        """The file that gave ``article_id`` in this run."""
        row = self.db.execute("SELECT path FROM run_ids WHERE id = ?", (article_id,)).fetchone()
        return row[0] if row else None

    def give(self, article_id: str, path: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO run_ids VALUES (?, ?)", (article_id, path))

    def claimant(self, key: str) -> str | None:
        """The article that claimed the duplicate key ``key`` first in this run."""
        row = self.db.execute("SELECT id FROM run_keys WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def claim(self, key: str, article_id: str) -> None:
        """Claim ``key`` for ``article_id``, unless an article claimed it before."""
        self.db.execute("INSERT OR IGNORE INTO run_keys VALUES (?, ?)", (key, article_id))

    def touch_file(self, path: str, size: int, mtime_ns: int) -> None:
        """New stat data for a file whose bytes did not change."""
        self.db.execute(
            "UPDATE files SET size = ?, mtime_ns = ? WHERE path = ?", (size, mtime_ns, path)
        )
