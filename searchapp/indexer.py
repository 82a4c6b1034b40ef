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
import io
import logging
import multiprocessing
import multiprocessing.connection
import os
import queue
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from multiprocessing.queues import Queue
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.codec.base import Segment
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import StructFile
from whoosh.index import LockError
from whoosh.writing import CLEAR, IndexWriter, SegmentWriter

from .catalog import ArticleRecord, Catalog, FileRecord
from .config import EngineConfig
from .corpus import Article, Skipped, SourceFile, discover, url_key
from .engine import Writer, analyse, index_version, open_writer
from .errors import (
    ConfigError,
    CorpusError,
    IndexingFailed,
    IndexLocked,
    IndexMissing,
    IndexOutdated,
)
from .postings import SegmentBuilder
from .readers import ParsedFile, read_source
from .schema import SCHEMA, VOCABULARY_SCHEMA, AnalysedText

log = logging.getLogger(__name__)

WRITER_MEMORY_MB = 256
# Runs reading at least this much text write in worker processes (one per core, at most
# MAX_WORKERS); smaller runs stay in-process, where starting workers would cost more.
PARALLEL_MIN_BYTES = 4_000_000
MAX_WORKERS = 4
# A worker's term pool before it spills a run: 64 MB kept a worker at 171 MB RSS (220 MB
# with 128) and was no slower (15,000 articles of the 1M corpus: 42 s + commit 15 s).
WORKER_MEMORY_MB = 64
WORKER_BATCH = 50  # articles per message to a worker
# The distinct unstemmed words of the indexed articles (see analysis.vocabulary), kept in a
# small index of their own beside the main one: "did you mean" and prefix*/wild?card/fuzzy~
# expansion read its lexicon. Each run adds one document per writer holding the words it
# indexed, instead of a posting per word per article, which had doubled the postings.
VOCABULARY_DIR = "vocabulary"
# Records which SCHEMA_VERSION and gazetteer built the index; written after each commit.
VERSION_FILE = "searchapp-schema-version"

# Called with (bytes read so far, bytes to read in all) as files are indexed.
Progress = Callable[[int, int], None]

# A file modified this shortly before its stat may change again, after it is read, and keep
# its size and modification time: file system clocks tick every few milliseconds (FAT's every
# 2 s). Such a file's time is recorded as unknown, so the next reindex compares its bytes
# (git's "racily clean" files).
RACY_NS = 2_000_000_000
_UNKNOWN_MTIME = -1  # never a file's st_mtime_ns after 1970


@dataclass
class ReindexReport:
    added: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    duplicates: int = 0  # articles not indexed because another file holds them (all files)
    skipped: list[Skipped] = field(default_factory=list)  # files, folders and entries
    documents: int = 0  # in the index after the run
    seconds: float = 0.0
    full: bool = False
    # Every article file found in the folder (those it then skipped too) and, of them, those
    # skipped whole: each of the others gave its articles (counted above) or was unchanged.
    files: int = 0
    files_skipped: int = 0

    def summary(self) -> str:
        return (
            f"added {self.added}, updated {self.updated}, deleted {self.deleted}, "
            f"unchanged {self.unchanged}, duplicates {self.duplicates}, "
            f"skipped {len(self.skipped)}; "
            f"{self.documents} document{'' if self.documents == 1 else 's'} in the index; "
            f"{self.files} file{'' if self.files == 1 else 's'} found, "
            f"{self.files_skipped} of them skipped "
            f"({self.seconds:.2f} s)"
        )


def index_exists(index_dir: Path) -> bool:
    return Path(index_dir).is_dir() and whoosh_index.exists_in(str(index_dir))


def _version_file(index_dir: Path) -> Path:
    return Path(index_dir) / VERSION_FILE


def _built_by(index_dir: Path) -> str | None:
    try:
        return _version_file(index_dir).read_text().strip()
    except OSError:
        return None


def _mark_current(index_dir: Path, version: str) -> None:
    if _built_by(index_dir) == version:
        return
    # Replaced, never rewritten in place: a server starting meanwhile, or a kill between the
    # truncation and the write, would see an empty file and refuse the good index.
    path = _version_file(index_dir)
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    temporary.write_text(f"{version}\n")
    os.replace(temporary, path)


def open_index(index_dir: Path, *, mmap: bool = True) -> whoosh_index.FileIndex:
    """Open the index with the schema from code (never the pickled one). Without ``mmap``
    files are read, not mapped: a server's threads each open their own readers, and each
    mapping of the index would count again in the process's memory."""
    if not index_exists(index_dir):
        raise IndexMissing(f"No index in {index_dir}: run `searchapp reindex` to build it.")
    if _built_by(index_dir) != index_version():
        raise IndexOutdated(
            f"The index in {index_dir} was built by another version of searchapp or its tag "
            "list: run `searchapp reindex` to rebuild it."
        )
    return FileStorage(str(index_dir), supports_mmap=mmap).open_index(schema=SCHEMA)


# -- duplicates -------------------------------------------------------------------------------

_NON_WORD = re.compile(r"\W+")


def text_key(article: Article) -> str | None:
    """A digest of the body's words, ignoring case, punctuation and spacing."""
    words = _NON_WORD.sub(" ", article.body.casefold()).strip()
    if len(words) < 50:  # too short to call two texts the same article
        return None
    return hashlib.sha1(words.encode("utf-8")).hexdigest()


def _article_digest(article: Article) -> str:
    # Tags are not part of it: they follow from title and body, and a changed gazetteer
    # changes index_version(), which rebuilds everything anyway.
    fields = (
        article.title,
        article.body,
        str(article.headline),
        str(article.published or ""),
        article.source,
        article.author,
        article.url,
    )
    return hashlib.sha256("\0".join(fields).encode("utf-8")).hexdigest()


# -- documents --------------------------------------------------------------------------------


def _document(article: Article) -> tuple[dict[str, object], frozenset[str]]:
    """The Whoosh fields of an article, and its vocabulary."""
    analysed = analyse(article)
    document: dict[str, object] = {
        "id": article.id,
        # The title is searched only when it is a real headline (AnalysedArticle).
        "title": AnalysedText(article.title, analysed.title_postings) if article.headline else "",
        "_stored_title": article.title,
        "body": AnalysedText(article.body, analysed.body_postings),
        "_stored_body": article.body,
        "path": article.path,
        "url": article.url,
        "source": article.source,
        "author": article.author,
        "tag": ",".join(analysed.tags),
        "day": analysed.day,
    }
    if article.source:
        document["source_name"] = article.source
    if article.published:
        document["date"] = datetime.combine(article.published, datetime.min.time())
        document["year"] = article.published.year
    return document, analysed.words


class _InProcess:
    """Writes new documents with the run's own writer."""

    def __init__(self, writer: IndexWriter) -> None:
        self.writer = writer
        self.vocabulary: set[str] = set()

    def add(self, article: Article) -> None:
        document, words = _document(article)
        self.writer.add_document(**document)
        self.vocabulary |= words

    def finish(self) -> tuple[list[Segment], list[set[str]]]:
        return [], [self.vocabulary]

    def cancel(self) -> None:
        pass


def worker_count(nbytes: int) -> int:
    """Worker processes for a run that reads ``nbytes`` of files: one per core (at most
    MAX_WORKERS), or 0 for a small run or a single core, which stays in-process."""
    procs = min(len(os.sched_getaffinity(0)), MAX_WORKERS)
    return procs if procs > 1 and nbytes >= PARALLEL_MIN_BYTES else 0


def exit_with_parent() -> None:
    """Ends this worker as soon as the reindex that started it dies.

    A killed reindex (SIGKILL, OOM) runs no clean-up: its workers would wait on the job queue
    for ever (each holds both ends of its pipes, so they never see end-of-file), and keep the
    fork server and the resource tracker alive with them. The parent's sentinel, a pipe whose
    other end only the parent holds, turns readable when it dies, however it dies."""
    parent = multiprocessing.parent_process()
    if parent is not None:
        multiprocessing.connection.wait([parent.sentinel])
        os._exit(1)  # nothing to clean: the run is lost, the index untouched


def _segment_worker(index_dir: str, jobs: Queue, results: Queue) -> None:
    """A worker process: writes the articles it is sent into a segment of its own, then
    sends back the segment and the segment's vocabulary (or the error that stopped it)."""
    threading.Thread(target=exit_with_parent, daemon=True).start()
    try:
        ix = whoosh_index.open_dir(index_dir, schema=SCHEMA)
        # No lock: the parent holds the index's write lock for the whole run.
        writer = SegmentBuilder(ix, _lk=False, limitmb=WORKER_MEMORY_MB)
        vocabulary: set[str] = set()
        while (batch := jobs.get()) is not None:
            for article in batch:
                document, words = _document(article)
                writer.add_document(**document)
                vocabulary |= words
        if writer.docnum == 0:
            # Not cancel(): that deletes the temporary folder the parent's writer shares.
            writer._close_segment()
            results.put((None, vocabulary))
        else:
            results.put((writer._finalize_segment(), vocabulary))
    except BaseException as exc:  # reported to the parent, which cancels the run
        results.put(exc)


class _Workers:
    """Writes new documents in worker processes, each into a new segment, in parallel: the
    analysis and Whoosh's posting writing, which are most of a big reindex's time, run on
    every core while the parent reads files and keeps the catalog."""

    def __init__(self, index_dir: Path, procs: int) -> None:
        # Started by a fork server, not forked from this process: a forked worker would keep
        # every page of the parent's heap that it shares (the file list of 1M files, 0.25 GB)
        # alive until it exits, even after the parent lets go of it. Workers started so share
        # only the imported modules, and forking no threads' locks makes it safe from any
        # caller.
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([__name__])
        self.jobs: Queue = context.Queue(maxsize=procs * 4)  # bounded: the parent streams
        self.results: Queue = context.Queue()
        self.batch: list[Article] = []
        self.processes = [
            context.Process(target=_segment_worker, args=(str(index_dir), self.jobs, self.results))
            for _ in range(procs)
        ]
        for process in self.processes:
            process.start()

    def add(self, article: Article) -> None:
        self.batch.append(article)
        if len(self.batch) >= WORKER_BATCH:
            self._send(self.batch)
            self.batch = []

    def _send(self, job: list[Article] | None) -> None:
        while True:
            try:
                self.jobs.put(job, timeout=1)
                return
            except queue.Full:
                self._check_alive()

    def _check_alive(self) -> None:
        if not all(process.is_alive() for process in self.processes):
            raise IndexingFailed("an indexing worker process died; the index is unchanged")

    def finish(self) -> tuple[list[Segment], list[set[str]]]:
        if self.batch:
            self._send(self.batch)
        for _ in self.processes:
            self._send(None)
        segments, vocabularies = [], []
        for _ in self.processes:
            while True:
                try:
                    result = self.results.get(timeout=1)
                    break
                except queue.Empty:
                    if any(p.exitcode not in (None, 0) for p in self.processes):
                        self._check_alive()
            if isinstance(result, BaseException):
                raise IndexingFailed(f"an indexing worker failed: {result!r}") from result
            segment, words = result
            if segment is not None:
                segments.append(segment)
            vocabularies.append(words)
        for process in self.processes:
            process.join()
        return segments, vocabularies

    def cancel(self) -> None:
        for process in self.processes:
            if process.is_alive():
                process.terminate()
        for process in self.processes:
            process.join()


@dataclass
class _Run:
    """The state of one reindex: the writer, the catalog and the counts."""

    writer: Writer
    catalog: Catalog
    report: ReindexReport
    full: bool
    rereading: set[str]  # files whose articles are being replaced in this run
    racy_since: int = 0  # files modified since (ns) have their time recorded as unknown
    writes: int = 0

    def mtime_to_record(self, source: SourceFile) -> int:
        if self.racy_since <= source.mtime_ns <= time.time_ns():
            return _UNKNOWN_MTIME
        return source.mtime_ns

    def id_taken(self, article: Article) -> str | None:
        """The other file already giving this id (a record id can repeat a file name)."""
        owner = self.catalog.file_giving(article.id)
        if owner is None and not self.full:
            owner = self.catalog.file_of(article.id)
            if owner in self.rereading:
                owner = None
        return owner if owner != article.path else None

    def duplicate_of(self, url: str | None, text: str | None) -> str | None:
        for key in (url, text):
            if key is not None and (claimant := self.catalog.claimant(key)) is not None:
                return claimant
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
        previous = {a.id: a for a in self.catalog.articles_in(source.relpath)}
        records = []
        for position, article in enumerate(parsed.articles):
            on_article(position)
            owner = self.id_taken(article)
            if owner is not None:
                skip(Skipped(source.relpath, f"duplicate id {article.id!r} (also {owner})"))
                continue
            self.catalog.give(article.id, article.path)
            keys = (url_key(article.url), text_key(article))
            original = self.duplicate_of(*keys)
            digest = _article_digest(article)
            if original is not None:
                records.append(ArticleRecord(article.id, article.path, digest, *keys, original))
                continue
            records.append(ArticleRecord(article.id, article.path, digest, *keys))
            for key in keys:
                if key is not None:
                    self.catalog.claim(key, article.id)
            before = previous.get(article.id)
            was_indexed = before is not None and before.duplicate_of is None
            same = was_indexed and before.digest == digest
            if same and not self.full:
                self.report.unchanged += 1
                continue
            if was_indexed and not self.full:  # a full commit drops every other document
                self.writer.delete(article.id)
            self.writer.add(article)
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
        mtime_ns = self.mtime_to_record(source)
        record = FileRecord(source.relpath, source.size, mtime_ns, parsed.digest)
        self.catalog.record_file(record, records)

    def forget_file(self, path: str) -> None:
        for old in self.catalog.articles_in(path):
            if old.duplicate_of is None:
                self.delete(old.id)
        self.catalog.forget_file(path)

    def delete(self, article_id: str) -> None:
        if not self.full:
            self.writer.delete(article_id)
        self.writes += 1
        self.report.deleted += 1


def reindex(
    seeds_dir: Path,
    index_dir: Path,
    *,
    full: bool = False,
    on_skip: Callable[[Skipped], None] | None = None,
    progress: Progress | None = None,
    engine: EngineConfig | None = None,
) -> ReindexReport:
    """Bring the index in step with the files under ``seeds_dir``: the index of ``engine``
    (else the configured one, see :meth:`EngineConfig.load`), its catalog in ``index_dir``.

    Incremental by default: files whose path, size and modification time are unchanged are not
    read at all; changed ones are re-read and their articles updated; missing ones are
    deleted. ``full`` rebuilds every document and drops everything else in one commit. Each
    skipped file or entry is passed to ``on_skip``, or logged as a warning without one.
    """
    started = time.perf_counter()
    racy_since = time.time_ns() - RACY_NS
    seeds_dir, index_dir = Path(seeds_dir), Path(index_dir)
    if not seeds_dir.is_dir():
        raise ConfigError(f"Seeds folder {seeds_dir} does not exist or is not a folder.")
    try:
        sources, skipped = discover(seeds_dir)
    except OSError as exc:  # never taken for an empty folder, whose articles would all go
        reason = exc.strerror or exc
        raise ConfigError(f"Seeds folder {seeds_dir} cannot be listed: {reason}.") from exc
    report = ReindexReport(full=full, files=len(sources))

    def skip(item: Skipped) -> None:
        report.skipped.append(item)
        if on_skip:
            on_skip(item)
        else:
            log.warning("skipped %s: %s", item.path, item.reason)

    for item in skipped:
        if not item.path.endswith("/"):  # a file, not a folder
            report.files += 1
            report.files_skipped += 1
        skip(item)

    index_dir.mkdir(parents=True, exist_ok=True)
    engine = engine or EngineConfig.load()
    writer = open_writer(engine, index_dir)
    catalog = None
    try:
        catalog = Catalog(index_dir)
        version = index_version()
        # The catalog describes one engine's index: after a switch of engines, however their
        # generations compare, it describes the other one.
        described = f"{version} {engine.name}"
        if writer.built_by() != version:
            # Built by another schema, analysis chain or gazetteer: rebuild it all. Searchers
            # keep the old generation until the commit, as with any reindex.
            full = report.full = True
        elif not catalog.describes(writer.generation(), described) and (
            writer.doc_count() or not catalog.is_empty()
        ):
            # The last reindex committed the index but not the catalog (it was killed between
            # the two): the catalog can't be trusted, so rebuild. An empty index is no excuse:
            # the run killed so may have emptied it, and the catalog still lists every file.
            log.warning("the reindex catalog is out of step with the index; rebuilding")
            full = report.full = True
        run = _Run(writer, catalog, report, full, rereading=set(), racy_since=racy_since)
        _update(run, sources, skipped, skip, progress)
        del sources  # a big folder's file list (0.25 GB at 1M files), while workers finish
        if run.writes or full:
            writer.commit(version, full=full)
        else:
            writer.cancel()
        catalog.commit(writer.generation(), described)
    except BaseException:
        writer.cancel()  # also after a failed commit: lets go of the write lock
        raise
    finally:
        if catalog is not None:
            catalog.close()  # after a failure, this rolls the catalog back and unlocks it
    report.documents = writer.doc_count()
    report.seconds = time.perf_counter() - started
    return report


class WhooshWriter:
    """The :class:`~searchapp.engine.Writer` of the Whoosh index in ``index_dir`` (created
    empty when there is none), holding its write lock until committed or cancelled."""

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = index_dir = Path(index_dir)
        if not index_exists(index_dir):
            self.ix = whoosh_index.create_in(str(index_dir), SCHEMA)
            _add_vocabulary(index_dir, [], full=True)
            _mark_current(index_dir, index_version())
        else:
            self.ix = whoosh_index.open_dir(str(index_dir), schema=SCHEMA)
        try:
            self.writer = self.ix.writer(limitmb=WRITER_MEMORY_MB)
        except LockError as exc:
            raise IndexLocked(
                f"Another reindex is writing {index_dir}; wait for it to finish and try again."
            ) from exc
        self.sink: _InProcess | _Workers = _InProcess(self.writer)  # writes new documents

    def built_by(self) -> str | None:
        return _built_by(self.index_dir)

    def generation(self) -> int:
        return self.ix.latest_generation()

    def doc_count(self) -> int:
        # From the table of contents: ix.doc_count() opens every segment's term files (0.3 s
        # of a no-change reindex at 100k articles).
        return sum(segment.doc_count() for segment in self.ix._segments())

    def expect(self, nbytes: int) -> None:
        procs = worker_count(nbytes)
        if procs:
            self.sink = _Workers(self.index_dir, procs)

    def add(self, article: Article) -> None:
        self.sink.add(article)

    def delete(self, article_id: str) -> None:
        self.writer.delete_by_term("id", article_id)

    def commit(self, version: str, *, full: bool) -> None:
        segments, vocabularies = self.sink.finish()
        # The vocabulary first: words of articles not yet committed are harmless, while
        # committed articles whose words were missing would not be found by `spy*`.
        _add_vocabulary(self.index_dir, vocabularies, full)
        _commit(self.writer, segments, full)
        _mark_current(self.index_dir, version)

    def cancel(self) -> None:
        self.sink.cancel()
        if not self.writer.is_closed:
            self.writer.cancel()


def _commit(writer: SegmentWriter, segments: list[Segment], full: bool) -> None:
    """``writer.commit()``, with the workers' finished segments added to the new table of
    contents (as Whoosh's own multi-process writer does)."""
    mergetype = CLEAR if full else None
    if not segments:
        writer.commit(mergetype=mergetype)
        return
    try:
        final = writer._merge_segments(mergetype, None, True)
        if writer._added:
            final.append(writer._finalize_segment())
        else:
            writer._close_segment()
        writer._commit_toc(final + segments)
    except BaseException:
        writer._cleanup_on_error()
        raise
    writer._finish()


def open_vocabulary(index_dir: Path) -> whoosh_index.FileIndex:
    """The vocabulary index beside the index in ``index_dir`` (see :data:`VOCABULARY_DIR`)."""
    storage = FileStorage(str(Path(index_dir) / VOCABULARY_DIR))
    return storage.open_index(schema=VOCABULARY_SCHEMA)


class _SharedInMemoryStorage(FileStorage):
    """Index files read into memory once and shared by every reader of the storage, each
    reading its own ``BytesIO`` over the same bytes (which ``BytesIO`` does not copy).

    For the vocabulary of a server: spelling suggestions walk its word list with tens of
    thousands of small reads, 5x faster from memory than through file reads, while mapping it
    once per server thread would count it once per thread. Whoosh never rewrites a file under
    the same name, so contents are kept by name; those of files deleted since are let go.
    """

    def __init__(self, path: str) -> None:
        super().__init__(path, supports_mmap=False)
        self._contents: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def open_file(self, name: str, **kwargs) -> StructFile:
        with self._lock:
            data = self._contents.get(name)
            if data is None:
                with open(os.path.join(self.folder, name), "rb") as f:
                    data = f.read()
                if name.endswith(".toc"):  # a new generation: forget files merged away
                    present = set(self.list())
                    for gone in set(self._contents) - present:
                        del self._contents[gone]
                self._contents[name] = data
        return StructFile(io.BytesIO(data), name=name, **kwargs)


def open_vocabulary_in_memory(index_dir: Path) -> whoosh_index.FileIndex:
    """The vocabulary index, its files read once into memory for all readers."""
    storage = _SharedInMemoryStorage(str(Path(index_dir) / VOCABULARY_DIR))
    return storage.open_index(schema=VOCABULARY_SCHEMA)


def _add_vocabulary(index_dir: Path, vocabularies: list[set[str]], full: bool) -> None:
    folder = Path(index_dir) / VOCABULARY_DIR
    if whoosh_index.exists_in(str(folder)):
        ix = open_vocabulary(index_dir)  # never re-created: searchers may be opening it
    else:
        folder.mkdir(exist_ok=True)
        ix = whoosh_index.create_in(str(folder), VOCABULARY_SCHEMA)
    writer = ix.writer()
    for words in vocabularies:
        if words:
            writer.add_document(vocab=" ".join(sorted(words)))
    # A full reindex drops the words of articles that are gone; incremental runs only add.
    writer.commit(mergetype=CLEAR if full else None)


def _relpath(source: SourceFile) -> str:
    return source.relpath


def _update(
    run: _Run,
    sources: list[SourceFile],
    unlisted: list[Skipped],
    skip: Callable[[Skipped], None],
    progress: Progress | None,
) -> None:
    catalog, report = run.catalog, run.report
    known: dict[str, FileRecord] = {}
    repeating: set[str] = set()  # files holding duplicates of articles that may change
    if run.full:
        # Every file is read again: one set of the folder's paths, no per-file records. The
        # rebuilt index drops the articles of files that could not be listed, so they go too.
        on_disk_paths = {source.relpath for source in sources}
        gone = [path for path in catalog.paths() if path not in on_disk_paths]
        del on_disk_paths
        to_read = sorted(sources, key=_relpath)
    else:
        known = catalog.files()
        on_disk = {source.relpath: source for source in sources}
        changed = {
            s.relpath
            for s in sources
            if (record := known.get(s.relpath)) is None
            or (record.size, record.mtime_ns) != (s.size, s.mtime_ns)
        }
        # Files that exist but could not be listed keep their indexed articles, and so do the
        # files of folders that could not be (their paths end with "/").
        cannot_list = {item.path for item in unlisted}
        folders = tuple(path for path in cannot_list if path.endswith("/"))
        gone = [
            path
            for path in known
            if path not in on_disk and path not in cannot_list and not path.startswith(folders)
        ]
        # Duplicates of articles that change or go may have to be indexed in their place.
        rereading = changed.union(gone)
        frontier = set(rereading)
        while frontier:
            found = catalog.files_repeating(frontier)
            repeating |= found
            frontier = found - rereading
            rereading |= frontier
        run.rereading = rereading
        to_read = sorted((on_disk[p] for p in rereading if p in on_disk), key=_relpath)
        report.unchanged += catalog.indexed_count(set(known) - rereading)

    for path in sorted(gone):
        run.forget_file(path)
    total = sum(source.size for source in to_read)
    run.writer.expect(total)
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
            report.files_skipped += 1
            if source.relpath in known and not run.full:
                skip(Skipped(source.relpath, f"{exc.message}; previous version kept"))
                report.unchanged += catalog.indexed_count([source.relpath])
            else:
                skip(Skipped(source.relpath, exc.message))
                run.forget_file(source.relpath)
            advance(source.size)
            continue
        if parsed is None:
            catalog.touch_file(source.relpath, source.size, run.mtime_to_record(source))
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
