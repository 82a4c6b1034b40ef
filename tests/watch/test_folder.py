"""The folder watcher (searchapp/watch/folder.py): files dropped into a watched folder become
searchable, changed ones are re-read, deleted and moved ones leave; bursts are debounced into
few reindexes; one watcher per index; a folder that goes, or a reindex that fails, never stops
it. Every wait polls for its condition, with a generous time-out, never a long fixed sleep."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from searchapp.cli import main
from searchapp.engines.whoosh.storage import open_index
from searchapp.errors import IndexLocked, IndexMissing
from searchapp.search import SearchEngine
from searchapp.watch import Update, update
from searchapp.watch.folder import LOCK_FILE, FolderWatcher
from searchapp.web import create_app

TIMEOUT_S = 20.0


def until(condition: Callable[[], object], what: str, timeout: float = TIMEOUT_S) -> object:
    """Poll ``condition`` until it holds (returning its value) or fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out after {timeout:g} s waiting for {what}"
        time.sleep(0.05)


def write(folder: Path, relpath: str, title: str, body: str) -> Path:
    path = folder / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{title}\n\n{body}\n", encoding="utf-8")
    return path


def found(index_dir: Path, query: str) -> set[str]:
    """The ids the newest generation of the index finds for ``query``."""
    try:
        engine = SearchEngine(index_dir)
    except IndexMissing:
        return set()
    try:
        return {hit.id for hit in engine.search(query, per_page=100, autocorrect=False).hits}
    except IndexMissing:
        return set()
    finally:
        engine.close()


def documents(index_dir: Path) -> int:
    try:
        return open_index(index_dir).doc_count()
    except Exception:  # no index yet
        return 0


@dataclass
class Watched:
    seeds: Path
    index: Path
    watcher: FolderWatcher
    updates: list[Update] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    def wait_for_updates(self, count: int) -> None:
        until(lambda: len(self.updates) >= count, f"{count} reindexes (got {len(self.updates)})")


@pytest.fixture
def watch(tmp_path: Path) -> Iterator[Callable[..., Watched]]:
    """Start a watcher on tmp_path/seeds (short debounce times unless given) and wait for its
    first reindex; every watcher started is stopped at the end."""
    started: list[FolderWatcher] = []

    def start(
        seeds: Path | None = None, index: Path | None = None, *, initial: bool = True, **options
    ) -> Watched:
        seeds = seeds or tmp_path / "seeds"
        seeds.mkdir(parents=True, exist_ok=True)
        index = index or tmp_path / "index"
        options = {"quiet": 0.3, "max_delay": 3.0, "poll": 0.1, "retry": 0.5, **options}
        watched = Watched(seeds, index, None)  # type: ignore[arg-type]
        watched.watcher = FolderWatcher(
            seeds,
            index,
            on_update=watched.updates.append,
            on_error=watched.errors.append,
            on_notice=watched.notices.append,
            **options,
        )
        started.append(watched.watcher.start())
        if initial:
            watched.wait_for_updates(1)
        return watched

    yield start
    for watcher in started:
        assert watcher.stop(TIMEOUT_S), "the watcher did not stop"


def test_files_dropped_in_become_searchable(watch):
    watched = watch()
    assert watched.updates[0].reindex.added == 0  # the initial reindex, of an empty folder
    write(watched.seeds, "skripal.txt", "Salisbury", "A nerve agent attack in Salisbury.")
    write(watched.seeds, "deep/er/gru.md", "# Unit 29155\n", "The GRU unit behind Salisbury.")
    until(lambda: found(watched.index, "salisbury") == {"skripal", "gru"}, "both searchable")
    assert watched.errors == []


def test_initial_reindex_catches_up_with_files_already_there(watch, tmp_path: Path):
    seeds = tmp_path / "seeds"
    write(seeds, "old.txt", "Written before", "Written while nothing watched: the Okhrana.")
    watched = watch()
    assert watched.updates[0].reindex.added == 1
    assert found(watched.index, "okhrana") == {"old"}


def test_a_burst_of_200_files_gives_few_reindexes(watch, tmp_path: Path):
    """With the real debounce times (1 s quiet, 10 s at most): one burst, one reindex or two."""
    calls: list[float] = []

    def counted(*args, **kwargs) -> Update:
        calls.append(time.monotonic())
        return update(*args, **kwargs)

    watched = watch(quiet=1.0, max_delay=10.0, update=counted)
    assert len(calls) == 1
    for number in range(200):
        write(watched.seeds, f"burst/{number:03}.txt", f"Cable {number}", f"Dispatch {number}.")
    until(lambda: documents(watched.index) == 200, "the 200 files indexed")
    assert len(found(watched.index, "dispatch")) == 100  # a full page of them
    assert 2 <= len(calls) <= 3, f"{len(calls) - 1} reindexes for one burst"
    assert sum(u.reindex.added for u in watched.updates) == 200


def test_a_steady_trickle_is_indexed_within_the_maximum_delay(watch):
    """Events every 0.1 s never leave a quiet second, yet the first file is indexed after
    max_delay at most: the trickle doesn't hold the reindex back for ever."""
    watched = watch(quiet=1.0, max_delay=2.0)
    started = time.monotonic()
    number = 0
    while not found(watched.index, "trickle"):
        write(watched.seeds, f"t{number}.txt", f"Trickle {number}", "A trickle of cables.")
        number += 1
        assert time.monotonic() - started < TIMEOUT_S, "the trickle was never indexed"
        time.sleep(0.1)
    assert time.monotonic() - started < 2.0 + 5.0  # max_delay, and the reindex's own time


def test_a_changed_file_is_read_again(watch, tmp_path: Path):
    seeds = tmp_path / "seeds"
    path = write(seeds, "cable.txt", "A cable", "About a zeppelin over the Channel.")
    watched = watch()
    assert found(watched.index, "zeppelin") == {"cable"}
    write(seeds, "cable.txt", "A cable, corrected", "About a submarine in the Channel.")
    until(lambda: found(watched.index, "submarine") == {"cable"}, "the new text searchable")
    assert found(watched.index, "zeppelin") == set()
    assert path.exists()  # the watcher never touches the files


def test_deleted_and_moved_files_leave_the_index(watch, tmp_path: Path):
    seeds = tmp_path / "seeds"
    for name in ("gone", "moved", "hidden", "sub/inner"):
        write(seeds, f"{name}.txt", name.title(), f"The {name.replace('/', ' ')} dossier.")
    watched = watch()
    assert found(watched.index, "dossier") == {"gone", "moved", "hidden", "inner"}
    (seeds / "gone.txt").unlink()
    (seeds / "moved.txt").rename(seeds / "renamed.txt")
    (seeds / "hidden.txt").rename(seeds / ".hidden.txt")  # dotfiles are never read
    shutil.rmtree(seeds / "sub")
    until(lambda: found(watched.index, "dossier") == {"renamed"}, "only the renamed file left")


def test_files_the_reindex_does_not_read_start_no_reindex(watch, tmp_path: Path):
    """Dotfiles, temporary files and other types, and the index folder itself when it lies
    inside the articles folder (the reindex's own writes there), are not listened to."""
    seeds = tmp_path / "seeds"
    watched = watch(seeds, seeds / "index")
    write(seeds, ".draft.txt", "Draft", "Unfinished.")
    write(seeds, "cable.txt.tmp", "Half", "Half written.")
    write(seeds, "cable.txt~", "Backup", "An editor's backup.")
    write(seeds, "notes.docx.part", "Part", "A download under way.")
    (seeds / "index" / "note.txt").write_text("Inside the index folder\n\nNot an article.\n")
    time.sleep(1.0)  # three quiet periods: long enough for any event to arrive and count
    assert watched.watcher.events == 0 and len(watched.updates) == 1
    write(seeds, "cable.txt", "Cable", "The finished cable about the Stasi.")
    until(lambda: found(watched.index, "stasi") == {"cable"}, "the real article indexed")
    time.sleep(1.0)  # the reindex wrote in seeds/index: that must not start another
    assert len(watched.updates) == 2


def test_a_second_watcher_of_the_index_is_refused(watch, tmp_path: Path):
    watched = watch()
    lock = watched.index / LOCK_FILE
    second = FolderWatcher(tmp_path / "other", watched.index)
    with pytest.raises(IndexLocked) as refused:
        second.open()
    message = refused.value.message
    assert str(lock) in message and f"process {os.getpid()}" in message
    assert "Another watcher is already watching the index" in message
    assert watched.watcher.stop(TIMEOUT_S)
    (tmp_path / "other").mkdir()
    second.open()  # the lock went with the first watcher
    second.close()


def test_the_lock_goes_when_its_process_dies(tmp_path: Path):
    index = tmp_path / "index"
    (tmp_path / "seeds").mkdir()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from searchapp.watch.folder import WatchLock; "
            f"WatchLock({str(index)!r}).acquire(); print('locked', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(IndexLocked, match=f"process {holder.pid} holds"):
            FolderWatcher(tmp_path / "seeds", index).open()
    finally:
        holder.kill()
        holder.wait(TIMEOUT_S)
    watcher = FolderWatcher(tmp_path / "seeds", index)
    watcher.open()  # killed, not stopped: the system let go of the lock
    watcher.close()


def test_a_folder_that_disappears_is_reported_and_waited_for(watch, tmp_path: Path):
    seeds = tmp_path / "seeds"
    write(seeds, "kept.txt", "Kept", "An article about the Lubyanka.")
    watched = watch()
    app = create_app({"TESTING": True, "INDEX_DIR": watched.index, "RATE_LIMIT": "off"})
    client = app.test_client()
    shutil.rmtree(seeds)
    message = until(lambda: watched.errors, "the error")[0]
    assert message == (
        f"The seeds folder {seeds} has disappeared; the index keeps its articles and nothing "
        "is reindexed until the folder is back (checking every 0.1 s)."
    )
    # The watcher goes on, the index keeps its articles, a server on it keeps serving.
    assert watched.watcher._thread.is_alive()
    assert found(watched.index, "lubyanka") == {"kept"}
    response = client.get("/api/search?q=lubyanka")
    assert response.status_code == 200 and response.get_json()["total"] == 1
    write(seeds, "new.txt", "New", "An article about the Lubyanka, in the new folder.")
    until(lambda: found(watched.index, "lubyanka") == {"new"}, "the new folder indexed")
    assert watched.notices == [f"The seeds folder {seeds} is back; watching it again."]
    assert len(watched.errors) == 1  # reported once, not at every check
    # ... and it is watched again.
    write(seeds, "later.txt", "Later", "Another about the Lubyanka.")
    until(lambda: found(watched.index, "lubyanka") == {"new", "later"}, "watched again")
    app.extensions["searchapp"].close()


def test_a_folder_moved_away_is_no_longer_followed_until_it_is_back(watch, tmp_path: Path):
    seeds = tmp_path / "seeds"
    write(seeds, "kept.txt", "Kept", "About the Cheka.")
    watched = watch()
    seeds.rename(tmp_path / "elsewhere")  # inotify would follow it there
    until(lambda: watched.errors, "the error")
    write(tmp_path / "elsewhere", "stray.txt", "Stray", "About the Cheka, elsewhere.")
    time.sleep(1.0)
    assert found(watched.index, "cheka") == {"kept"} and len(watched.updates) == 1
    (tmp_path / "elsewhere").rename(seeds)  # the same folder back: caught up, listened to
    until(lambda: found(watched.index, "cheka") == {"kept", "stray"}, "the catch-up")
    assert watched.notices == [f"The seeds folder {seeds} is back; watching it again."]
    write(seeds, "after.txt", "After", "About the Cheka, back home.")
    until(lambda: found(watched.index, "cheka") == {"kept", "stray", "after"}, "listened to")


def test_a_failed_reindex_is_reported_and_tried_again(watch, tmp_path: Path):
    watched = watch()
    writer = open_index(watched.index).writer()  # a manual reindex holds the index
    try:
        write(watched.seeds, "late.txt", "Late", "Delayed by a reindex about the KGB.")
        error = until(lambda: watched.errors, "the failure")[0]
        assert error.startswith(f"The reindex failed: Another reindex is writing {watched.index}")
        assert error.endswith("Trying again at the next change, or in 0.5 s.")
    finally:
        writer.cancel()
    # No other change: the retry alone indexes it.
    until(lambda: found(watched.index, "kgb") == {"late"}, "the retry")


def test_an_unexpected_error_in_a_reindex_does_not_stop_the_watcher(watch):
    calls = []

    def flaky(*args, **kwargs) -> Update:
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk on fire")
        return update(*args, **kwargs)

    watched = watch(update=flaky, retry=60.0)
    write(watched.seeds, "one.txt", "One", "The first about the Securitate.")
    until(lambda: watched.errors, "the failure")
    assert watched.errors == [
        "The reindex failed: RuntimeError: disk on fire. Trying again at the next change, "
        "or in 60 s."
    ]
    write(watched.seeds, "two.txt", "Two", "The second about the Securitate.")
    until(lambda: found(watched.index, "securitate") == {"one", "two"}, "the next burst")
    assert watched.watcher.failures == 1


def test_watch_command_refuses_a_second_watcher(runner, watch):
    watched = watch()
    args = ["watch", "--seeds", str(watched.seeds), "--index", str(watched.index)]
    result = runner.invoke(main, args)
    assert result.exit_code == 1
    assert "error: Another watcher is already watching the index" in result.stderr
    assert str(watched.index / LOCK_FILE) in result.stderr


def test_watch_command_missing_folder(runner, tmp_path: Path):
    args = ["watch", "--seeds", str(tmp_path / "nope"), "--index", str(tmp_path / "index")]
    result = runner.invoke(main, args)
    assert result.exit_code == 1
    assert f"error: Seeds folder {tmp_path / 'nope'} does not exist" in result.stderr


def test_watch_command_indexes_files_dropped_in_until_interrupted(tmp_path: Path):
    seeds, index = tmp_path / "seeds", tmp_path / "index"
    write(seeds, "first.txt", "First", "The first cable about the Abwehr.")
    command = [sys.executable, "-m", "searchapp.cli", "watch"]
    watcher = subprocess.Popen(
        [*command, "--seeds", str(seeds), "--index", str(index)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        until(lambda: found(index, "abwehr") == {"first"}, "the initial reindex")
        write(seeds, "second.txt", "Second", "The second cable about the Abwehr.")
        until(lambda: found(index, "abwehr") == {"first", "second"}, "the dropped file")
        assert watcher.poll() is None
    finally:
        watcher.send_signal(signal.SIGINT)  # Ctrl+C
        out, err = watcher.communicate(timeout=TIMEOUT_S)
    assert watcher.returncode == 0, err
    lines = out.splitlines()
    assert lines[0] == f"searchapp: watching {seeds} for {index} (Ctrl+C to stop)"
    assert lines[1].startswith(f"Reindexed {index} from {seeds}: added 1, updated 0")
    # The dropped file is searchable at the commit; Ctrl+C may come before its summary line.
    if len(lines) > 3:
        assert lines[2].startswith(f"Reindexed {index} from {seeds}: added 1, updated 0, ")
        assert "unchanged 1" in lines[2]
    assert lines[-1] == "searchapp: stopped watching"
    FolderWatcher(seeds, index).open()  # the lock is free again


def test_serve_watch_serves_what_arrives(tmp_path: Path):
    """`serve --watch` (what `make run` runs): a file dropped in is soon found over HTTP."""
    seeds, index = tmp_path / "seeds", tmp_path / "index"
    write(seeds, "first.txt", "First", "The first report about Fancy Bear.")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    script = Path(sys.executable).parent / "searchapp"
    command = [str(script), "serve", "--watch", "--port", str(port)]
    server = subprocess.Popen(
        [*command, "--seeds", str(seeds), "--index", str(index)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )

    def ids() -> set[str]:
        try:
            url = f"http://127.0.0.1:{port}/api/search?q=bear&per_page=10"
            with urllib.request.urlopen(url) as response:
                return {hit["id"] for hit in json.load(response)["results"]}
        except OSError:  # not listening yet, or no index yet (503)
            assert server.poll() is None, server.stdout.read()
            return set()

    try:
        until(lambda: ids() == {"first"}, "the initial reindex, served")
        write(seeds, "second.txt", "Second", "The second report about Fancy Bear.")
        until(lambda: ids() == {"first", "second"}, "the dropped file, served")
    finally:
        server.terminate()
        out = server.communicate(timeout=TIMEOUT_S)[0]
    assert f"searchapp: watching {seeds}" in out
