"""Building and updating the Whoosh index from the article folder.

A reindex is one Whoosh writer and one commit: searchers keep reading the previous generation
until the new table of contents is written, so a crash or a bad file mid-run leaves the last
good index serving. Whoosh's writer lock makes a second concurrent reindex fail fast.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.index import LockError
from whoosh.writing import CLEAR

from . import analysis
from .corpus import Article, Skipped, SourceFile, discover, read_article
from .errors import ConfigError, CorpusError, IndexLocked, IndexMissing, IndexOutdated
from .schema import SCHEMA, SCHEMA_VERSION

log = logging.getLogger(__name__)

WRITER_MEMORY_MB = 256
# Records which SCHEMA_VERSION built the index; written after each commit.
VERSION_FILE = "searchapp-schema-version"


@dataclass
class ReindexReport:
    added: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    documents: int = 0  # in the index after the run
    seconds: float = 0.0
    full: bool = False

    def summary(self) -> str:
        return (
            f"added {self.added}, updated {self.updated}, deleted {self.deleted}, "
            f"unchanged {self.unchanged}, skipped {len(self.skipped)}; "
            f"{self.documents} documents in the index ({self.seconds:.2f} s)"
        )


def index_exists(index_dir: Path) -> bool:
    return Path(index_dir).is_dir() and whoosh_index.exists_in(str(index_dir))


def _version_file(index_dir: Path) -> Path:
    return Path(index_dir) / VERSION_FILE


def _index_version(index_dir: Path) -> int | None:
    try:
        return int(_version_file(index_dir).read_text().strip())
    except (OSError, ValueError):
        return None


def _mark_current(index_dir: Path) -> None:
    _version_file(index_dir).write_text(f"{SCHEMA_VERSION}\n")


def open_index(index_dir: Path) -> whoosh_index.FileIndex:
    """Open the index with the schema from code (never the pickled one)."""
    if not index_exists(index_dir):
        raise IndexMissing(f"No index in {index_dir}: run `searchapp reindex` to build it.")
    if _index_version(index_dir) != SCHEMA_VERSION:
        raise IndexOutdated(
            f"The index in {index_dir} was built by another version of searchapp: "
            "run `searchapp reindex` to rebuild it."
        )
    return whoosh_index.open_dir(str(index_dir), schema=SCHEMA)


def _stat_key(source: SourceFile) -> str:
    return f"{source.relpath}\0{source.size}\0{source.mtime_ns}"


def _fingerprint(source: SourceFile, article: Article) -> str:
    return f"{_stat_key(source)}\0{article.digest}"


def _same_content(fingerprint: str, article: Article) -> bool:
    path, _size, _mtime, digest = fingerprint.split("\0")
    return path == article.path and digest == article.digest


def _indexed_fingerprints(ix: whoosh_index.FileIndex) -> dict[str, str]:
    """id -> fingerprint of every live document, read from columns (no stored bodies)."""
    with ix.reader() as reader:
        if reader.doc_count_all() == 0 or not reader.has_column("fingerprint"):
            return {}  # empty, or built by a version without fingerprints (rebuilt in full)
        ids = reader.column_reader("id")
        fingerprints = reader.column_reader("fingerprint")
        return {ids[docnum]: fingerprints[docnum] for docnum in reader.all_doc_ids()}


def _document(source: SourceFile, article: Article) -> dict[str, str]:
    return {
        "id": article.id,
        # Only a real headline is searched as the (boosted) title: a title made from the first
        # sentence is still shown, but its words already count once in the body.
        "title": article.title if article.headline else "",
        "_stored_title": article.title,
        "body": article.body,
        "vocab": " ".join(sorted(analysis.vocabulary(f"{article.title}\n{article.body}"))),
        "path": article.path,
        "fingerprint": _fingerprint(source, article),
    }


def reindex(
    seeds_dir: Path,
    index_dir: Path,
    *,
    full: bool = False,
    on_skip: Callable[[Skipped], None] | None = None,
) -> ReindexReport:
    """Bring the index in step with the files under ``seeds_dir``.

    Incremental by default: files whose path, size and modification time are unchanged are not
    read at all; changed ones are re-read and updated; missing ones are deleted. ``full``
    rebuilds every document and drops everything else in one commit. Each skipped file is
    passed to ``on_skip``, or logged as a warning without one.
    """
    started = time.perf_counter()
    seeds_dir, index_dir = Path(seeds_dir), Path(index_dir)
    if not seeds_dir.is_dir():
        raise ConfigError(f"Seeds folder {seeds_dir} does not exist or is not a folder.")
    sources, skipped = discover(seeds_dir)
    report = ReindexReport(full=full)

    def skip(item: Skipped) -> None:
        report.skipped.append(item)
        if on_skip:
            on_skip(item)
        else:
            log.warning("skipped %s: %s", item.path, item.reason)

    for item in skipped:
        skip(item)

    index_dir.mkdir(parents=True, exist_ok=True)
    if not index_exists(index_dir):
        ix = whoosh_index.create_in(str(index_dir), SCHEMA)
        _mark_current(index_dir)
    elif _index_version(index_dir) != SCHEMA_VERSION:
        # Built with another schema or analysis chain: rebuild it all. Searchers keep the
        # old generation until the commit, as with any reindex.
        full = report.full = True
        ix = whoosh_index.open_dir(str(index_dir), schema=SCHEMA)
    else:
        ix = open_index(index_dir)
    try:
        writer = ix.writer(limitmb=WRITER_MEMORY_MB)
    except LockError as exc:
        raise IndexLocked(
            f"Another reindex is writing {index_dir}; wait for it to finish and try again."
        ) from exc

    writes = 0  # documents added, rewritten or deleted by this writer
    try:
        indexed = _indexed_fingerprints(ix)
        for source in sources:
            previous = indexed.pop(source.id, None)
            if not full and previous and previous.startswith(_stat_key(source) + "\0"):
                report.unchanged += 1
                continue
            try:
                article = read_article(source)
            except CorpusError as exc:
                if previous and not full:
                    skip(Skipped(source.relpath, f"{exc.message}; previous version kept"))
                else:
                    skip(Skipped(source.relpath, exc.message))
                continue
            writes += 1
            document = _document(source, article)
            if previous and not full:
                # Rewritten even when only the mtime changed, so the next run skips it by stat.
                writer.update_document(**document)
            else:
                writer.add_document(**document)  # with full, CLEAR drops the old segments
            if not previous:
                report.added += 1
            elif _same_content(previous, article):
                report.unchanged += 1
            else:
                report.updated += 1
        unlisted = {item.path for item in skipped}
        for article_id, previous in indexed.items():
            if not full and previous.split("\0", 1)[0] in unlisted:
                continue  # the file exists but could not be listed: keep its indexed version
            if not full:
                writer.delete_by_term("id", article_id)
            report.deleted += 1
            writes += 1
    except BaseException:
        writer.cancel()
        raise

    if writes or full:
        writer.commit(mergetype=CLEAR if full else None)
        _mark_current(index_dir)
    else:
        writer.cancel()
    report.documents = ix.doc_count()
    report.seconds = time.perf_counter() - started
    return report
