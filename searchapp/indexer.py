"""Building and updating the Whoosh index from the article folder.

A reindex is one Whoosh writer and one commit: searchers keep reading the previous generation
until the new table of contents is written, so a crash or a bad file mid-run leaves the last
good index serving. Whoosh's writer lock makes a second concurrent reindex fail fast.

The catalog (see :mod:`searchapp.catalog`) remembers each file's stat data and the articles it
gave, so an unchanged file is never read again and the same article found in two files (same
url or same text) is indexed once.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.index import LockError
from whoosh.writing import CLEAR, IndexWriter

from . import analysis
from .catalog import ArticleRecord, Catalog, FileRecord
from .corpus import Article, Skipped, SourceFile, discover, url_key
from .errors import ConfigError, CorpusError, IndexLocked, IndexMissing, IndexOutdated
from .readers import ParsedFile, read_source
from .schema import SCHEMA, SCHEMA_VERSION
from .tags import default_gazetteer

log = logging.getLogger(__name__)

WRITER_MEMORY_MB = 256
# Records which SCHEMA_VERSION and gazetteer built the index; written after each commit.
VERSION_FILE = "searchapp-schema-version"

# Called with (bytes read so far, bytes to read in all) as files are indexed.
Progress = Callable[[int, int], None]


@dataclass
class ReindexReport:
    added: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    duplicates: int = 0  # articles not indexed because another file holds them (all files)
    skipped: list[Skipped] = field(default_factory=list)
    documents: int = 0  # in the index after the run
    seconds: float = 0.0
    full: bool = False

    def summary(self) -> str:
        return (
            f"added {self.added}, updated {self.updated}, deleted {self.deleted}, "
            f"unchanged {self.unchanged}, duplicates {self.duplicates}, "
            f"skipped {len(self.skipped)}; "
            f"{self.documents} documents in the index ({self.seconds:.2f} s)"
        )


def index_version() -> str:
    """What the index must have been built by: the schema and the tag gazetteer."""
    return f"{SCHEMA_VERSION}-{default_gazetteer().digest[:12]}"


def index_exists(index_dir: Path) -> bool:
    return Path(index_dir).is_dir() and whoosh_index.exists_in(str(index_dir))


def _version_file(index_dir: Path) -> Path:
    return Path(index_dir) / VERSION_FILE


def _built_by(index_dir: Path) -> str | None:
    try:
        return _version_file(index_dir).read_text().strip()
    except OSError:
        return None


def _mark_current(index_dir: Path) -> None:
    _version_file(index_dir).write_text(f"{index_version()}\n")


def open_index(index_dir: Path) -> whoosh_index.FileIndex:
    """Open the index with the schema from code (never the pickled one)."""
    if not index_exists(index_dir):
        raise IndexMissing(f"No index in {index_dir}: run `searchapp reindex` to build it.")
    if _built_by(index_dir) != index_version():
        raise IndexOutdated(
            f"The index in {index_dir} was built by another version of searchapp or its tag "
            "list: run `searchapp reindex` to rebuild it."
        )
    return whoosh_index.open_dir(str(index_dir), schema=SCHEMA)


# -- duplicates -------------------------------------------------------------------------------

_NON_WORD = re.compile(r"\W+")


def text_key(article: Article) -> str | None:
    """A digest of the body's words, ignoring case, punctuation and spacing."""
    words = _NON_WORD.sub(" ", article.body.casefold()).strip()
    if len(words) < 50:  # too short to call two texts the same article
        return None
    return hashlib.sha1(words.encode("utf-8")).hexdigest()


def _article_digest(article: Article, tags: list[str]) -> str:
    fields = (
        article.title,
        article.body,
        str(article.headline),
        str(article.published or ""),
        article.source,
        article.author,
        article.url,
        ",".join(tags),
    )
    return hashlib.sha256("\0".join(fields).encode("utf-8")).hexdigest()


# -- documents --------------------------------------------------------------------------------


def _document(article: Article, tags: list[str]) -> dict[str, object]:
    document: dict[str, object] = {
        "id": article.id,
        # Only a real headline is searched as the (boosted) title: a title made from the first
        # sentence is still shown, but its words already count once in the body.
        "title": article.title if article.headline else "",
        "_stored_title": article.title,
        "body": article.body,
        "vocab": " ".join(sorted(analysis.vocabulary(f"{article.title}\n{article.body}"))),
        "path": article.path,
        "url": article.url,
        "source": article.source,
        "author": article.author,
        "tag": ",".join(tags),
        "day": article.published.toordinal() if article.published else 0,
    }
    if article.source:
        document["source_name"] = article.source
    if article.published:
        document["date"] = datetime.combine(article.published, datetime.min.time())
        document["year"] = article.published.year
    return document


@dataclass
class _Run:
    """The state of one reindex: the writer, the catalog and the counts."""

    writer: IndexWriter
    catalog: Catalog
    report: ReindexReport
    full: bool
    rereading: set[str]  # files whose articles are being replaced in this run
    claimed: dict[str, str] = field(default_factory=dict)  # dedup key -> indexed id, this run
    ids: dict[str, str] = field(default_factory=dict)  # article id -> its file, this run
    writes: int = 0

    def id_taken(self, article: Article) -> str | None:
        """The other file already giving this id (a record id can repeat a file name)."""
        owner = self.ids.get(article.id)
        if owner is None and not self.full:
            owner = self.catalog.file_of(article.id)
            if owner in self.rereading:
                owner = None
        return owner if owner != article.path else None

    def duplicate_of(self, url: str | None, text: str | None) -> str | None:
        for key in (url, text):
            if key is not None and key in self.claimed:
                return self.claimed[key]
        if self.full:
            return None
        return self.catalog.indexed_with_key(url, text, outside=self.rereading)

    def replace_file(
        self,
        source: SourceFile,
        parsed: ParsedFile,
        skip: Callable[[Skipped], None],
        on_article: Callable[[int], None],
    ) -> None:
        """Index the articles of one file in place of what it gave before."""
        gazetteer = default_gazetteer()
        previous = {a.id: a for a in self.catalog.articles_in(source.relpath)}
        records = []
        for position, article in enumerate(parsed.articles):
            on_article(position)
            owner = self.id_taken(article)
            if owner is not None:
                skip(Skipped(source.relpath, f"duplicate id {article.id!r} (also {owner})"))
                continue
            self.ids[article.id] = article.path
            keys = (url_key(article.url), text_key(article))
            original = self.duplicate_of(*keys)
            if original is not None:
                digest = _article_digest(article, [])  # not indexed: no need to tag it
                records.append(ArticleRecord(article.id, article.path, digest, *keys, original))
                continue
            tags = gazetteer.tags_for(f"{article.title}\n{article.body}")
            digest = _article_digest(article, tags)
            records.append(ArticleRecord(article.id, article.path, digest, *keys))
            for key in keys:
                if key is not None:
                    self.claimed.setdefault(key, article.id)
            before = previous.get(article.id)
            was_indexed = before is not None and before.duplicate_of is None
            same = was_indexed and before.digest == digest
            if same and not self.full:
                self.report.unchanged += 1
                continue
            document = _document(article, tags)
            if was_indexed and not self.full:
                self.writer.update_document(**document)
            else:
                self.writer.add_document(**document)  # with full, CLEAR drops the old segments
            self.writes += 1
            if same:
                self.report.unchanged += 1
            elif was_indexed:
                self.report.updated += 1
            else:
                self.report.added += 1
        now_indexed = {r.id for r in records if r.duplicate_of is None}
        for old in previous.values():
            if old.duplicate_of is None and old.id not in now_indexed:
                self.delete(old.id)
        record = FileRecord(source.relpath, source.size, source.mtime_ns, parsed.digest)
        self.catalog.record_file(record, records)

    def forget_file(self, path: str) -> None:
        for old in self.catalog.articles_in(path):
            if old.duplicate_of is None:
                self.delete(old.id)
        self.catalog.forget_file(path)

    def delete(self, article_id: str) -> None:
        if not self.full:
            self.writer.delete_by_term("id", article_id)
        self.writes += 1
        self.report.deleted += 1


def reindex(
    seeds_dir: Path,
    index_dir: Path,
    *,
    full: bool = False,
    on_skip: Callable[[Skipped], None] | None = None,
    progress: Progress | None = None,
) -> ReindexReport:
    """Bring the index in step with the files under ``seeds_dir``.

    Incremental by default: files whose path, size and modification time are unchanged are not
    read at all; changed ones are re-read and their articles updated; missing ones are
    deleted. ``full`` rebuilds every document and drops everything else in one commit. Each
    skipped file or entry is passed to ``on_skip``, or logged as a warning without one.
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
    else:
        ix = whoosh_index.open_dir(str(index_dir), schema=SCHEMA)
    try:
        writer = ix.writer(limitmb=WRITER_MEMORY_MB)
    except LockError as exc:
        raise IndexLocked(
            f"Another reindex is writing {index_dir}; wait for it to finish and try again."
        ) from exc

    catalog = None
    try:
        catalog = Catalog(index_dir)
        version = index_version()
        if _built_by(index_dir) != version:
            # Built by another schema, analysis chain or gazetteer: rebuild it all. Searchers
            # keep the old generation until the commit, as with any reindex.
            full = report.full = True
        elif not catalog.describes(ix.latest_generation(), version) and ix.doc_count_all():
            # The last reindex committed the index but not the catalog (it was killed between
            # the two): the catalog can't be trusted, so rebuild.
            log.warning("the reindex catalog is out of step with the index; rebuilding")
            full = report.full = True
        run = _Run(writer, catalog, report, full, rereading=set())
        _update(run, sources, skipped, skip, progress)
    except BaseException:
        writer.cancel()
        if catalog is not None:
            catalog.close()
        raise

    if run.writes or full:
        writer.commit(mergetype=CLEAR if full else None)
        _mark_current(index_dir)
    else:
        writer.cancel()
    try:
        catalog.commit(ix.latest_generation(), index_version())
    finally:
        catalog.close()
    report.documents = ix.doc_count()
    report.seconds = time.perf_counter() - started
    return report


def _update(
    run: _Run,
    sources: list[SourceFile],
    unlisted: list[Skipped],
    skip: Callable[[Skipped], None],
    progress: Progress | None,
) -> None:
    catalog, report = run.catalog, run.report
    known = catalog.files()
    on_disk = {source.relpath: source for source in sources}
    changed = {
        s.relpath
        for s in sources
        if run.full
        or (record := known.get(s.relpath)) is None
        or (record.size, record.mtime_ns) != (s.size, s.mtime_ns)
    }
    cannot_list = {item.path for item in unlisted}
    # Files that exist but could not be listed keep their indexed articles.
    gone = {path for path in known if path not in on_disk and path not in cannot_list}
    # Duplicates of articles that change or go may have to be indexed in their place.
    rereading = changed | gone
    repeating: set[str] = set()  # files holding duplicates of articles that may change
    frontier = set(rereading)
    while frontier:
        found = catalog.files_repeating(frontier)
        repeating |= found
        frontier = found - rereading
        rereading |= frontier
    run.rereading = rereading
    to_read = sorted((on_disk[p] for p in rereading if p in on_disk), key=lambda s: s.relpath)
    report.unchanged += catalog.indexed_count(set(known) - rereading)

    for path in sorted(gone):
        run.forget_file(path)
    total = sum(source.size for source in to_read)
    done = 0

    def advance(nbytes: int) -> None:
        nonlocal done
        done += nbytes
        if progress:
            progress(done, total)

    for source in to_read:
        known_file = known.get(source.relpath)
        # Touched but identical: nothing to parse, unless a duplicate's original changed.
        unchanged_bytes = (
            known_file.digest
            if known_file and not run.full and source.relpath not in repeating
            else None
        )
        try:
            parsed = read_source(source, unless_digest=unchanged_bytes)
        except CorpusError as exc:
            if source.relpath in known and not run.full:
                skip(Skipped(source.relpath, f"{exc.message}; previous version kept"))
                report.unchanged += catalog.indexed_count([source.relpath])
            else:
                skip(Skipped(source.relpath, exc.message))
                run.forget_file(source.relpath)
            advance(source.size)
            continue
        if parsed is None:
            catalog.touch_file(source.relpath, source.size, source.mtime_ns)
            report.unchanged += catalog.indexed_count([source.relpath])
            advance(source.size)
            continue
        for item in parsed.skipped:
            skip(item)
        # A file of many articles advances the progress article by article.
        count = max(1, len(parsed.articles))
        shares = [source.size * (i + 1) // count - source.size * i // count for i in range(count)]
        run.replace_file(source, parsed, skip, on_article=lambda i, s=shares: advance(s[i]))
        if not parsed.articles:
            advance(source.size)
    report.duplicates = catalog.duplicate_count()
