"""The Xapian engine's writer: each article analysed (in worker processes for a big run) and
written to its shard, in a transaction per shard until the commit.

The writer bumps the generation of every shard at each commit, so a view's generation (the
shards' generations) changes with any commit. Commits of several shards are not atomic
together: a reindex that dies between them leaves shards of different generations, which
:meth:`XapianWriter.generation` reports as -1, so the reindex catalog no longer matches and the
next reindex rebuilds fully.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import TypeVar

import xapian

from ...config import EngineConfig, Shard
from ...errors import ConfigError, IndexLocked
from ...text.analysed import analyse
from ...text.article import Article
from ...text.corrections import Corrections
from ..workers import exit_with_parent, worker_count
from .documents import (
    DATABASE_DIR,
    ID,
    STATE_KEY,
    _document,
    _Lengths,
    _lengths_value,
    _State,
    _term,
)
from .network import _close, _unavailable

# Writes wait longer than searches: a shard's commit of a big reindex takes a while.
WRITE_TIMEOUT_MS = 600_000
# Articles per message to an analysis worker.
ANALYSIS_BATCH = 50
# A shard that holds no index yet (never built, or its first build died) serves nothing, so
# its build is committed as it goes, every so many documents (Xapian's own default): a
# writable server holds uncommitted changes in memory.
UNBUILT_COMMIT_EVERY = 10_000

T = TypeVar("T")


def shard_of(article_id: str, count: int) -> int:
    """The shard (0 to ``count - 1``) that holds an article: a hash of its id that is the
    same in every process and on every machine (never Python's salted ``hash``)."""
    return int.from_bytes(hashlib.sha1(article_id.encode("utf-8")).digest()[:8], "big") % count


def _analysed_document(
    article: Article, corrections: Corrections | None
) -> tuple[str, xapian.Document, _Lengths]:
    return (article.id, *_document(analyse(article, corrections)))


def _analysed_documents(
    batch: list[Article], corrections: Corrections | None
) -> list[tuple[str, bytes, _Lengths]]:
    """An analysis worker's job: each article's document, serialised to cross processes."""
    found = []
    for article in batch:
        article_id, doc, lengths = _analysed_document(article, corrections)
        found.append((article_id, doc.serialise(), lengths))
    return found


def _exit_with_parent() -> None:
    threading.Thread(target=exit_with_parent, daemon=True).start()


class XapianWriter:
    """A reindex's writer (see :class:`searchapp.engines.base.Writer`): the local database,
    created when missing, or the shard writers ``config.writers`` names (``xapian-tcpsrv
    --writable``, in the order of ``config.shards``). Each article goes to shard
    :func:`shard_of` its id.

    Changes are made in a Xapian transaction per shard, so nothing is visible before
    :meth:`commit` and :meth:`cancel` drops them. A remote writable server, though, applies
    its changes every ``XAPIAN_FLUSH_THRESHOLD`` documents (10,000 by default) whatever the
    client's transaction: :mod:`.cluster` starts its writers with a threshold high
    enough for a whole reindex (changes held in the server's memory until the commit).

    A shard with no index yet is the exception: nobody searches it (its state says it was
    never built, so searches say the index is missing until the final commit writes that
    state), and its build is committed every ``UNBUILT_COMMIT_EVERY`` documents, so a first
    build of any size fits in the servers' memory.
    """

    def __init__(
        self, config: EngineConfig, index_dir: Path, corrections: Corrections | None = None
    ) -> None:
        self._corrections = corrections
        self._workers: ProcessPoolExecutor | None = None  # analysis workers of a big run
        self._batch: list[Article] = []
        self._pending: deque[Future] = deque()
        self._in_flight = 0
        targets = _writer_targets(config, Path(index_dir))
        self._names = [name for name, _open in targets]
        self._dbs: list[xapian.WritableDatabase] = []
        for name, open_writable in targets:
            try:
                db = open_writable()
                db.begin_transaction(False)  # flushed at our commit, not before
            except xapian.DatabaseLockError:
                self.cancel()
                raise IndexLocked(
                    f"Another reindex is writing the index ({name}); wait for it to finish "
                    "and try again."
                ) from None
            except xapian.NetworkError as exc:
                self.cancel()
                raise _unavailable(name, exc) from None
            self._dbs.append(db)
        self._states = [self._guarded(i, lambda db: _State.read(db)) for i in range(len(targets))]
        # Written since the last commit, for each shard committed as it goes (None: at the end).
        self._uncommitted: list[int | None] = [
            0 if state.version is None else None for state in self._states
        ]
        self._count = sum(self._guarded(i, lambda db: db.get_doccount()) for i in self._indexes)
        generations = {state.generation for state in self._states}
        # Shards of different generations: a reindex died between their commits.
        self._generation = generations.pop() if len(generations) == 1 else -1
        self._added: list[set[str]] = [set() for _ in targets]  # id terms added by this run
        self._added_lengths = [_Lengths() for _ in targets]
        self._deleted_lengths = [_Lengths() for _ in targets]  # of every document deleted
        self._deleted_added = [_Lengths() for _ in targets]  # of those added by this run

    @property
    def _indexes(self) -> range:
        return range(len(self._names))

    def _guarded(self, shard: int, operation: Callable[[xapian.WritableDatabase], T]) -> T:
        try:
            return operation(self._dbs[shard])
        except xapian.NetworkError as exc:
            raise _unavailable(self._names[shard], exc) from None

    def built_by(self) -> str | None:
        """The version every shard was built by, None unless they all agree and were built
        for this shard count (a changed count calls for a full rebuild)."""
        count = len(self._states)
        versions = {state.version for state in self._states}
        placed = all(state.shard == (i, count) for i, state in enumerate(self._states))
        return versions.pop() if len(versions) == 1 and placed else None

    def generation(self) -> int:
        return self._generation

    def doc_count(self) -> int:
        return self._count

    def expect(self, nbytes: int) -> None:
        """A big run analyses its articles in worker processes, while this one writes the
        documents they send back (analysis is a big part of a run's time)."""
        procs = worker_count(nbytes)
        if procs:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload([__name__])
            self._workers = ProcessPoolExecutor(
                procs, mp_context=context, initializer=_exit_with_parent
            )
            self._in_flight = 2 * procs

    def add(self, article: Article) -> None:
        if self._workers is None:
            self._write(_analysed_document(article, self._corrections))
            return
        self._batch.append(article)
        if len(self._batch) >= ANALYSIS_BATCH:
            job = self._workers.submit(_analysed_documents, self._batch, self._corrections)
            self._pending.append(job)
            self._batch = []
            while len(self._pending) > self._in_flight:  # bounded: the reader streams
                self._write_all(self._pending.popleft().result())

    def _drain(self) -> None:
        """Write every document the workers have been sent, in the order they were added."""
        if self._batch:
            self._write_all(_analysed_documents(self._batch, self._corrections))
            self._batch = []
        while self._pending:
            self._write_all(self._pending.popleft().result())

    def _write_all(self, documents: list[tuple[str, bytes, _Lengths]]) -> None:
        for article_id, data, lengths in documents:
            self._write((article_id, xapian.Document.unserialise(data), lengths))

    def _write(self, document: tuple[str, xapian.Document, _Lengths]) -> None:
        article_id, doc, lengths = document
        shard = shard_of(article_id, len(self._dbs))
        id_term = _term(ID, article_id)
        self._guarded(shard, lambda db: db.replace_document(id_term, doc))
        self._added[shard].add(id_term)
        self._added_lengths[shard] += lengths
        uncommitted = self._uncommitted[shard]
        if uncommitted is not None:
            if uncommitted + 1 < UNBUILT_COMMIT_EVERY:
                self._uncommitted[shard] = uncommitted + 1
            else:
                self._guarded(shard, _commit_so_far)
                self._uncommitted[shard] = 0

    def _stop_workers(self) -> None:
        if self._workers is not None:
            self._workers.shutdown(cancel_futures=True)
            self._workers = None
            self._pending.clear()

    def delete(self, article_id: str) -> None:
        self._drain()  # an article added before must be written before it can be deleted
        shard = shard_of(article_id, len(self._dbs))
        id_term = _term(ID, article_id)

        def delete(db: xapian.WritableDatabase) -> None:
            for item in db.postlist(id_term):
                lengths = _lengths_value(db.get_document(item.docid))
                self._deleted_lengths[shard] += lengths
                if id_term in self._added[shard]:
                    self._deleted_added[shard] += lengths
                    self._added[shard].discard(id_term)
            db.delete_document(id_term)

        self._guarded(shard, delete)

    def commit(self, version: str, *, full: bool) -> None:
        """Commit every shard, one after the other (not atomic together: see the module
        docstring), all at the next generation; then the writer lets go of them."""
        self._drain()
        self._stop_workers()
        self._commit(version, full, max(state.generation for state in self._states) + 1)

    def _commit(self, version: str, full: bool, generation: int) -> None:
        count = len(self._dbs)
        states = []
        for i in self._indexes:
            added = self._added_lengths[i]
            if full:
                self._guarded(i, lambda db, i=i: self._drop_others(db, self._added[i]))
                lengths = added - self._deleted_added[i]
            else:
                lengths = self._states[i].lengths + added - self._deleted_lengths[i]
            states.append(_State(generation, version, (i, count), lengths))
            self._guarded(i, lambda db, i=i: db.set_metadata(STATE_KEY, states[i].dump()))
        for i in self._indexes:
            self._guarded(i, _commit_transaction)
        self._count = sum(self._guarded(i, lambda db: db.get_doccount()) for i in self._indexes)
        self._states = states
        self._generation = generation
        self._close()

    @staticmethod
    def _drop_others(db: xapian.WritableDatabase, kept: set[str]) -> None:
        stale = [item.term for item in db.allterms(ID) if item.term.decode("utf-8") not in kept]
        for term in stale:
            db.delete_document(term)

    def cancel(self) -> None:
        """Drop the uncommitted changes and release every shard (also after a failed commit:
        shards committed by then stay committed)."""
        self._stop_workers()
        for db in self._dbs:
            try:
                db.cancel_transaction()
            except xapian.Error:
                pass  # none in progress (committed), or the shard is gone
        self._close()

    def _close(self) -> None:
        dbs, self._dbs = self._dbs, []
        for db in dbs:
            _close(db)


def _commit_transaction(db: xapian.WritableDatabase) -> None:
    """Make the transaction's changes visible (an unflushed transaction's end alone does not)."""
    db.commit_transaction()
    db.commit()


def _commit_so_far(db: xapian.WritableDatabase) -> None:
    """Commit an unbuilt shard's documents written so far (without its state) and go on."""
    _commit_transaction(db)
    db.begin_transaction(False)


def _writer_targets(
    config: EngineConfig, index_dir: Path
) -> list[tuple[str, Callable[[], xapian.WritableDatabase]]]:
    """Names and openers of the databases a writer writes, in shard order."""
    if not config.shards and not config.writers:
        path = index_dir / DATABASE_DIR

        def open_local() -> xapian.WritableDatabase:
            path.parent.mkdir(parents=True, exist_ok=True)
            return xapian.WritableDatabase(str(path), xapian.DB_CREATE_OR_OPEN)

        return [(str(path), open_local)]
    if len(config.writers) != len(config.shards):
        raise ConfigError(
            f"The Xapian index has {len(config.shards)} shard servers and "
            f"{len(config.writers)} writer servers; give one writer per shard, in the same "
            "order."
        )
    timeout = max(config.timeout_ms, WRITE_TIMEOUT_MS)

    def opener(shard: Shard) -> Callable[[], xapian.WritableDatabase]:
        return lambda: xapian.remote_open_writable(
            shard.host, shard.port, timeout, config.connect_timeout_ms
        )

    return [(str(shard), opener(shard)) for shard in config.writers]
