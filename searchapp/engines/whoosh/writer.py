"""The Whoosh index's writer: one reindex's documents, written in process or by worker
processes into segments of their own, and one commit that makes them visible at once.

A reindex is one Whoosh writer and one commit: searchers keep reading the previous generation
until the new table of contents is written, so a crash or a bad file mid-run leaves the last
good index serving. Whoosh's writer lock makes a second concurrent reindex fail fast.
"""

from __future__ import annotations

import multiprocessing
import queue
import threading
from datetime import datetime
from multiprocessing.queues import Queue
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.codec.base import Segment
from whoosh.index import LockError
from whoosh.writing import CLEAR, IndexWriter, SegmentWriter

from ...errors import IndexingFailed, IndexLocked
from ...text.analysed import analyse
from ...text.article import Article
from ...text.corrections import Corrections
from ..base import index_version
from ..workers import exit_with_parent, worker_count
from .postings import SegmentBuilder
from .schema import SCHEMA, AnalysedText
from .storage import add_vocabulary, built_by, index_exists, mark_current

WRITER_MEMORY_MB = 256

# A worker's term pool before it spills a run: a smaller pool keeps workers' memory down and
# was no slower.
WORKER_MEMORY_MB = 64
WORKER_BATCH = 50  # articles per message to a worker


def _document(
    article: Article, corrections: Corrections | None = None
) -> tuple[dict[str, object], frozenset[str]]:
    """The Whoosh fields of an article, and its vocabulary."""
    analysed = analyse(article, corrections)
    document: dict[str, object] = {
        "id": article.id,
        # The title is searched only when it is a real headline (AnalysedArticle).
        "title": AnalysedText(article.title, analysed.title_postings) if article.headline else "",
        "_stored_title": article.title,
        "body": AnalysedText(article.body, analysed.body_postings),
        "_stored_body": article.body,
        "title_exact": analysed.title_exact,
        "body_exact": analysed.body_exact,
        "path": article.path,
        "url": article.url,
        "pages": article.pages,
        "parent": article.parent,
        "attachments": article.attachments,
        "source": article.source,
        "author": article.author,
        "tag": ",".join(analysed.tags),
        "entity": analysed.entities,
        "entities": analysed.entities,
        "day": analysed.day,
    }
    if article.source:
        document["source_name"] = article.source
    if lang := analysed.lang or article.lang:  # as stored_fields stores it; "" not indexed
        document["lang"] = lang
    if article.published:
        document["date"] = datetime.combine(article.published, datetime.min.time())
        document["year"] = article.published.year
    return document, analysed.words


class _InProcess:
    """Writes new documents with the run's own writer."""

    def __init__(self, writer: IndexWriter, corrections: Corrections | None) -> None:
        self.writer = writer
        self.corrections = corrections
        self.vocabulary: set[str] = set()

    def add(self, article: Article) -> None:
        document, words = _document(article, self.corrections)
        self.writer.add_document(**document)
        self.vocabulary |= words

    def finish(self) -> tuple[list[Segment], list[set[str]]]:
        return [], [self.vocabulary]

    def cancel(self) -> None:
        pass


def _segment_worker(
    index_dir: str, jobs: Queue, results: Queue, corrections: Corrections | None = None
) -> None:
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
                document, words = _document(article, corrections)
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

    def __init__(self, index_dir: Path, procs: int, corrections: Corrections | None = None) -> None:
        # Started by a fork server, not forked from this process: a forked worker would keep
        # every page of the parent's heap that it shares (such as the file list of a big folder)
        # alive until it exits, even after the parent lets go of it. Workers started so share
        # only the imported modules, and forking no threads' locks makes it safe from any
        # caller.
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([__name__])
        self.jobs: Queue = context.Queue(maxsize=procs * 4)  # bounded: the parent streams
        self.results: Queue = context.Queue()
        self.batch: list[Article] = []
        self.processes = [
            context.Process(
                target=_segment_worker,
                args=(str(index_dir), self.jobs, self.results, corrections),
            )
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
            try:  # a worker that stopped on an error has sent it
                result = self.results.get(timeout=0.1)
            except queue.Empty:
                result = None
            if isinstance(result, BaseException):
                raise IndexingFailed(f"an indexing worker failed: {result!r}") from result
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
        # Jobs still queued for workers that stopped are dropped: waiting at exit to send
        # them would hang the process for good.
        self.jobs.cancel_join_thread()
        for process in self.processes:
            if process.is_alive():
                process.terminate()
        for process in self.processes:
            process.join()


class WhooshWriter:
    """The :class:`~searchapp.engines.base.Writer` of the Whoosh index in ``index_dir`` (created
    empty when there is none), holding its write lock until committed or cancelled."""

    def __init__(self, index_dir: Path, corrections: Corrections | None = None) -> None:
        self.index_dir = index_dir = Path(index_dir)
        self.corrections = corrections
        if not index_exists(index_dir):
            self.ix = whoosh_index.create_in(str(index_dir), SCHEMA)
            add_vocabulary(index_dir, [], full=True)
            mark_current(index_dir, index_version())
        else:
            self.ix = whoosh_index.open_dir(str(index_dir), schema=SCHEMA)
        try:
            self.writer = self.ix.writer(limitmb=WRITER_MEMORY_MB)
        except LockError as exc:
            raise IndexLocked(
                f"Another reindex is writing {index_dir}; wait for it to finish and try again."
            ) from exc
        # Writes new documents.
        self.sink: _InProcess | _Workers = _InProcess(self.writer, corrections)

    def built_by(self) -> str | None:
        return built_by(self.index_dir)

    def generation(self) -> int:
        return self.ix.latest_generation()

    def doc_count(self) -> int:
        # From the table of contents: ix.doc_count() opens every segment's term files, a
        # good part of a no-change reindex's time.
        return sum(segment.doc_count() for segment in self.ix._segments())

    def expect(self, nbytes: int) -> None:
        procs = worker_count(nbytes)
        if procs:
            self.sink = _Workers(self.index_dir, procs, self.corrections)

    def add(self, article: Article) -> None:
        self.sink.add(article)

    def delete(self, article_id: str) -> None:
        self.writer.delete_by_term("id", article_id)

    def commit(self, version: str, *, full: bool) -> None:
        segments, vocabularies = self.sink.finish()
        # The vocabulary first: words of articles not yet committed are harmless, while
        # committed articles whose words were missing would not be found by `spy*`.
        add_vocabulary(self.index_dir, vocabularies, full)
        _commit(self.writer, segments, full)
        mark_current(self.index_dir, version)

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
