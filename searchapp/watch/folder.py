"""Watching the articles folder: the index kept in step as files arrive, change, move or go.

A :class:`FolderWatcher` watches the folder recursively with watchdog's observer (inotify on
Linux) and debounces what it hears: a burst of events ends when none has arrived for
``quiet`` seconds (1 s), or ``max_delay`` seconds (10 s) after its first event, so a steady
trickle of files is still indexed. Each burst gives one incremental reindex, through
:func:`searchapp.watch.alerts.update` (which also fires the saved searches' alerts); events
heard during a reindex start the next burst. A reindex also runs on start, for what changed
while nothing watched.

Only events about files a reindex reads count: article files by their suffix
(:data:`~searchapp.ingest.discover.ARTICLE_SUFFIXES`, so temporary files such as
``news.txt.tmp`` or ``news.txt~`` don't), not hidden ones (``.news.txt``, as
:func:`~searchapp.ingest.discover.discover` skips them), the folder's ``entities.toml``, and
folders deleted or moved (their files go with them). Nothing inside the index folder counts,
when it lies inside the articles folder; the reindex's own reads are not listened to.

One watcher per index: :meth:`FolderWatcher.open` takes an exclusive lock on
``searchapp-watch.lock`` in the index folder (``flock``, released by :meth:`close` or by the
system when the process dies), and a second watcher gets :class:`~searchapp.errors.IndexLocked`
naming the lock and the process holding it.

Nothing that happens to the folder stops the watcher: a reindex that fails (another reindex
holds the index, a setting is wrong) is reported and tried again at the next burst, or
after ``retry`` seconds (doubling up to 5 minutes) if nothing else changes; a folder that
disappears (deleted, moved away, a disk unmounted) is reported and the watcher waits for it
to come back, checking every ``poll`` seconds, then catches up with one reindex. While the
folder is missing no reindex runs, so the index keeps serving what it held.
"""

from __future__ import annotations

import errno
import fcntl
import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from watchdog.events import (
    DirDeletedEvent,
    DirMovedEvent,
    EventsLostEvent,
    FileAttribEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver

from ..config import EngineConfig
from ..errors import ConfigError, IndexLocked, SearchAppError
from ..ingest.discover import ARTICLE_SUFFIXES, Skipped
from ..text.corrections import FILENAME as CORRECTIONS_FILE
from . import alerts
from .alerts import Update

log = logging.getLogger(__name__)

LOCK_FILE = "searchapp-watch.lock"
QUIET_S = 1.0  # a burst ends when no event has arrived for this long...
MAX_DELAY_S = 10.0  # ...or this long after its first event
POLL_S = 1.0  # how often a missing folder is looked for (and a present one checked)
RETRY_S = 10.0  # a failed reindex is tried again after this, doubling each time...
RETRY_MAX_S = 300.0  # ...up to this, unless a change starts a burst first
# What the observer listens to. Not opening or closing a file without writing to it: the
# reindex itself reads every changed file, and those events would start burst after burst.
_LISTENED = [
    FileCreatedEvent,
    FileModifiedEvent,
    FileAttribEvent,
    FileClosedEvent,
    FileDeletedEvent,
    FileMovedEvent,
    DirDeletedEvent,
    DirMovedEvent,
    EventsLostEvent,
]


class UpdateFunction(Protocol):
    """What a burst calls: :func:`searchapp.watch.alerts.update` unless a test gives another."""

    def __call__(
        self,
        seeds_dir: Path,
        index_dir: Path,
        *,
        engine: EngineConfig | None = None,
        on_skip: Callable[[Skipped], None] | None = None,
    ) -> Update: ...


class WatchLock:
    """The exclusive lock of the one watcher of an index: ``flock`` on ``searchapp-watch.lock``
    in the index folder, which holds the PID of its holder. The system lets go of it when the
    process dies, so a watcher that crashed never blocks the next one."""

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = Path(index_dir)
        self.path = self.index_dir / LOCK_FILE
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> None:
        """Take the lock, or raise :class:`IndexLocked` naming the holder's PID."""
        if self._fd is not None:
            return
        try:
            self.index_dir.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise ConfigError(
                f"Cannot create the watch lock {self.path}: {exc.strerror or exc}."
            ) from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            holder = _read_pid(fd)
            os.close(fd)
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise ConfigError(f"Cannot lock {self.path}: {exc.strerror or exc}.") from exc
            who = f"process {holder}" if holder else "another process"
            raise IndexLocked(
                f"Another watcher is already watching the index {self.index_dir}: {who} holds "
                f"the lock {self.path}. One watcher per index: stop that one first."
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            os.ftruncate(fd, 0)  # while still held: the next holder writes its own PID
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)


def _read_pid(fd: int) -> int | None:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


class _Handler(FileSystemEventHandler):
    def __init__(self, watcher: FolderWatcher) -> None:
        self.watcher = watcher

    def on_any_event(self, event: FileSystemEvent) -> None:
        self.watcher._heard(event)


class FolderWatcher:
    """Keeps the index in ``index_dir`` in step with the files under ``seeds_dir``.

    :meth:`start` watches in a background thread (the server's ``serve --watch``);
    :meth:`run` watches in the calling thread until :meth:`stop` or Ctrl+C (``searchapp
    watch``). Either takes the index's watch lock first (:meth:`open`), raising
    :class:`IndexLocked` when another watcher holds it and :class:`ConfigError` when the folder
    can't be watched at all.

    Each reindex's :class:`~searchapp.watch.alerts.Update` goes to ``on_update``; problems
    (a failed reindex, the folder gone) to ``on_error`` and news (the folder back) to
    ``on_notice``, as one sentence each; without a callback they are logged (updates at INFO,
    notices and failed reindexes at WARNING, the folder gone at ERROR). ``on_skip`` gets each
    file the reindex skipped. ``update`` replaces :func:`searchapp.watch.alerts.update`.
    """

    def __init__(
        self,
        seeds_dir: Path,
        index_dir: Path,
        *,
        engine: EngineConfig | None = None,
        quiet: float = QUIET_S,
        max_delay: float = MAX_DELAY_S,
        poll: float = POLL_S,
        retry: float = RETRY_S,
        update: UpdateFunction | None = None,
        on_update: Callable[[Update], None] | None = None,
        on_error: Callable[[str], None] | None = None,
        on_notice: Callable[[str], None] | None = None,
        on_skip: Callable[[Skipped], None] | None = None,
    ) -> None:
        self.seeds_dir = Path(seeds_dir)
        self.index_dir = Path(index_dir)
        self.engine = engine or EngineConfig.load()
        self.quiet = quiet
        self.max_delay = max(max_delay, quiet)
        self.poll = poll
        self.retry = retry
        self._update = update
        self.on_update = on_update
        self.on_error = on_error
        self.on_notice = on_notice
        self.on_skip = on_skip
        self.lock = WatchLock(self.index_dir)
        # Counters, for tests and the benchmark.
        self.reindexes = 0  # reindexes that committed
        self.failures = 0  # reindexes that failed
        self.events = 0  # events that counted
        self._cond = threading.Condition()
        self._stopping = False
        self._first: float | None = None  # monotonic time of the burst's first event
        self._last = 0.0  # ... and of its last
        self._root_deleted = False  # the observer heard the folder itself go
        self._retry_at: float | None = None
        self._retry_delay = retry
        self._observer: BaseObserver | None = None
        self._identity: tuple[int, int] | None = None  # (st_dev, st_ino) of the folder watched
        self._root = ""  # the watched folder, resolved, as events name it
        self._index_root = ""  # the index folder, resolved
        self._corrections = ""
        self._thread: threading.Thread | None = None  # the thread watching, once started
        self._done = threading.Event()  # set when it has stopped and let go of the lock
        self._closing = threading.Lock()
        self._gone = False  # the folder's disappearance has been reported

    # -- starting and stopping --------------------------------------------------------------

    def open(self) -> None:
        """Take the watch lock and start listening to the folder (nothing is reindexed yet).
        Raises :class:`IndexLocked` or :class:`ConfigError`; then nothing is held."""
        if self.lock.held:
            return
        self.lock.acquire()
        try:
            if not self.seeds_dir.is_dir():
                raise ConfigError(
                    f"Seeds folder {self.seeds_dir} does not exist or is not a folder."
                )
            self._listen()
        except BaseException:
            self.lock.release()
            raise

    def start(self) -> FolderWatcher:
        """:meth:`open`, then watch in a background (daemon) thread until :meth:`stop`."""
        self.open()
        self._thread = threading.Thread(target=self._run_guarded, name="searchapp-watch")
        self._thread.daemon = True  # a server stopped mid-reindex still exits
        self._thread.start()
        return self

    def run(self) -> None:
        """:meth:`open` if needed, then watch in this thread until :meth:`stop` (from another
        thread) or an exception such as KeyboardInterrupt; closes on the way out."""
        self.open()
        self._thread = threading.current_thread()
        try:
            self._loop()
        finally:
            self.close()

    def stop(self, timeout: float | None = None) -> bool:
        """Ask the watcher to stop and wait (up to ``timeout`` seconds) for a reindex under
        way to finish; the lock goes when the watching thread ends. True once it has."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._thread is None:  # opened, never run
            self.close()
        elif self._thread is not threading.current_thread():
            self._done.wait(timeout)
        return self._done.is_set()

    def close(self) -> None:
        """Stop listening and let go of the lock."""
        with self._closing:
            self._unlisten()
            self.lock.release()
            if self._thread is not None:
                self._done.set()

    def __enter__(self) -> FolderWatcher:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- listening ---------------------------------------------------------------------------

    def _listen(self) -> None:
        """Watch the folder as it is now (raises ConfigError when it can't be)."""
        self._unlisten()
        try:
            info = os.stat(self.seeds_dir)
            root = os.path.realpath(self.seeds_dir)
            observer = Observer()
            observer.schedule(_Handler(self), root, recursive=True, event_filter=_LISTENED)
            observer.start()
        except OSError as exc:
            reason = exc.strerror or str(exc)
            if exc.errno == errno.ENOSPC:
                reason += " (raise the sysctl fs.inotify.max_user_watches)"
            raise ConfigError(f"Cannot watch {self.seeds_dir}: {reason}.") from exc
        with self._cond:
            self._root = root
            self._index_root = os.path.realpath(self.index_dir)
            self._corrections = os.path.join(root, CORRECTIONS_FILE)
            self._identity = (info.st_dev, info.st_ino)
            self._root_deleted = False
            self._observer = observer

    def _unlisten(self) -> None:
        observer, self._observer = self._observer, None
        if observer is None:
            return
        try:
            observer.stop()
            if observer is not threading.current_thread():
                observer.join(5)
        except Exception:  # an observer whose folder went may fail to stop cleanly
            log.debug("stopping the observer failed", exc_info=True)

    def _heard(self, event: FileSystemEvent) -> None:
        """An event from the observer's thread: start or extend the burst if it counts."""
        src = os.fsdecode(event.src_path)
        if isinstance(event, EventsLostEvent):
            counts = True  # the kernel dropped events: anything may have changed
        elif event.is_directory:
            if src == self._root and event.event_type == "deleted":
                with self._cond:
                    self._root_deleted = True
                    self._cond.notify_all()
                return
            counts = any(
                path and not self._in_index(path) for path in (src, os.fsdecode(event.dest_path))
            )
        else:
            counts = self._counts(src) or self._counts(os.fsdecode(event.dest_path))
        if not counts:
            return
        now = time.monotonic()
        with self._cond:
            self.events += 1
            if self._first is None:
                self._first = now
                self._cond.notify_all()
            self._last = now

    def _counts(self, path: str) -> bool:
        """Whether a reindex reads the file ``path`` (an article or the corrections)."""
        if not path or self._in_index(path):
            return False
        name = os.path.basename(path)
        if name.startswith("."):
            return False
        if path == self._corrections:
            return True
        dot = name.rfind(".")
        return dot > 0 and name[dot:].lower() in ARTICLE_SUFFIXES

    def _in_index(self, path: str) -> bool:
        index = self._index_root
        return bool(index) and (path == index or path.startswith(index + os.sep))

    def _folder_state(self) -> str:
        """ "here" (the folder, listened to), "gone", or "new": a folder to listen to (another
        one in its place, or the same one back after it went)."""
        try:
            info = os.stat(self.seeds_dir)
        except OSError:
            return "gone"
        if not os.path.isdir(self.seeds_dir):
            return "gone"
        if (
            self._observer is None
            or self._root_deleted
            or (info.st_dev, info.st_ino) != self._identity
        ):
            return "new"
        return "here"

    # -- the loop ----------------------------------------------------------------------------

    def _run_guarded(self) -> None:
        try:
            self._loop()
        except Exception:  # never expected; a server's watcher must not die silently
            log.exception("the folder watcher stopped on an unexpected error")
            self._report(self.on_error, "The folder watcher stopped on an unexpected error.", 0)
        finally:
            self.close()

    def _loop(self) -> None:
        self._reindex()  # catch up with what changed while nothing watched
        while not self._stopping:
            state = self._folder_state()
            if state != "here":
                self._resume(state)
            elif self._next_burst() and self._folder_state() == "here":
                self._reindex()

    def _next_burst(self) -> bool:
        """Wait for a burst to end (or a retry to be due): True to reindex now, False when
        stopping or when the folder needs looking at."""
        with self._cond:
            while self._first is None:
                if self._stopping or self._root_deleted:
                    return False
                now = time.monotonic()
                if self._retry_at is not None and now >= self._retry_at:
                    self._retry_at = None
                    return True
                wait = self.poll
                if self._retry_at is not None:
                    wait = min(wait, self._retry_at - now)
                self._cond.wait(wait)
                if self._first is None and self._folder_state() != "here":
                    return False
            while not self._stopping:
                end = min(self._last + self.quiet, self._first + self.max_delay)
                remaining = end - time.monotonic()
                if remaining <= 0:
                    break
                self._cond.wait(remaining)
            self._first = None  # events from now on start the next burst
            self._retry_at = None  # this reindex is the retry
            return not self._stopping

    def _resume(self, state: str) -> None:
        """The folder is gone or was replaced: report it and wait a while, or watch the folder
        now in its place and catch up with it."""
        if state == "gone":
            self._unlisten()
            if not self._gone:
                self._gone = True
                message = (
                    f"The seeds folder {self.seeds_dir} has disappeared; the index keeps its "
                    f"articles and nothing is reindexed until the folder is back (checking "
                    f"every {self.poll:g} s)."
                )
                self._report(self.on_error, message, logging.ERROR)
            with self._cond:
                self._first = None  # what was heard went with the folder
                self._cond.wait_for(lambda: self._stopping, self.poll)
            return
        try:
            self._listen()
        except ConfigError as exc:
            if not self._gone:
                self._gone = True
                self._report(self.on_error, exc.message, logging.ERROR)
            with self._cond:
                self._cond.wait_for(lambda: self._stopping, self.poll)
            return
        message = (
            f"The seeds folder {self.seeds_dir} is back; watching it again."
            if self._gone
            else f"The seeds folder {self.seeds_dir} was replaced; watching the new one."
        )
        self._gone = False
        self._report(self.on_notice, message, logging.WARNING)
        with self._cond:
            self._first = None
        self._reindex()

    def _reindex(self) -> None:
        update = self._update or alerts.update
        try:
            updated = update(
                self.seeds_dir, self.index_dir, engine=self.engine, on_skip=self.on_skip
            )
        except SearchAppError as exc:
            self._failed(exc.message)
            return
        except Exception as exc:  # a bug or an OSError: reported, and the watcher goes on
            log.exception("the watcher's reindex failed")
            self._failed(f"{type(exc).__name__}: {exc}")
            return
        self.reindexes += 1
        self._retry_delay = self.retry
        self._report(self.on_update, updated, logging.INFO)

    def _failed(self, why: str) -> None:
        self.failures += 1
        delay = self._retry_delay
        self._retry_delay = min(delay * 2, RETRY_MAX_S)
        with self._cond:
            self._retry_at = time.monotonic() + delay
        message = (
            f"The reindex failed: {why.rstrip('.')}. Trying again at the next change, or in "
            f"{delay:g} s."
        )
        self._report(self.on_error, message, logging.WARNING)

    @staticmethod
    def _report(callback: Callable | None, value: object, level: int) -> None:
        """To ``callback``, or to the log (at ``level``; 0: not at all) without one."""
        if callback is None:
            if level:
                log.log(level, "%s", value.summary() if isinstance(value, Update) else value)
            return
        try:
            callback(value)
        except Exception:  # a reporting callback that fails (a closed terminal) is no reason
            log.exception("reporting the watcher's news failed")
