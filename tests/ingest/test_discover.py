"""discover(): the stat walk every reindex starts with (kept cheap for 100,000+ files)."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from searchapp.ingest import discover as discovery
from searchapp.ingest.discover import Skipped, SourceFile, discover
from tests.ingest.test_corpus_fuzz import in_child, unreadable  # noqa: F401 (unreadable: a fixture)


def touch(root: Path, relpath: str, text: str = "Headline\n\nBody.") -> Path:
    path = root / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_walk_order_is_each_folders_files_then_its_subfolders(tmp_path: Path):
    for relpath in ("b/z.txt", "b/a/y.txt", "a.txt", "c/x.txt", "b/c.md", "B/w.txt"):
        touch(tmp_path, relpath)
    sources, skipped = discover(tmp_path)
    assert skipped == []
    # Names sort by code point ("B" before "a"); a folder's own files before its subfolders.
    assert [s.relpath for s in sources] == [
        "a.txt", "B/w.txt", "b/c.md", "b/z.txt", "b/a/y.txt", "c/x.txt",
    ]  # fmt: skip


def test_sources_carry_the_files_stat_and_path(tmp_path: Path):
    path = touch(tmp_path, "deep/er/story.txt", "x" * 123)
    [source], _ = discover(tmp_path)
    stat = path.stat()
    assert (source.id, source.size, source.mtime_ns) == ("story", 123, stat.st_mtime_ns)
    assert source.path == path and isinstance(source.path, Path)
    assert source.path.read_bytes() == b"x" * 123
    # Given a str or a Path, with or without a trailing slash: the same files and paths.
    assert discover(Path(f"{tmp_path}/"))[0] == [source]
    assert [s.path for s in discover(str(tmp_path))[0]] == [path]  # type: ignore[arg-type]
    # Built by hand (as tests and tools do) from a Path.
    assert SourceFile(tmp_path, "deep/er/story.txt", 123, 0).path == path


def test_hidden_and_unsupported_files_are_ignored_hidden_folders_walked(tmp_path: Path):
    for relpath in (".hidden.txt", "notes.doc", "README", "trailing.", ".git/objects/x.txt"):
        touch(tmp_path, relpath)
    touch(tmp_path, "UPPER.TXT")
    sources, skipped = discover(tmp_path)
    assert [s.relpath for s in sources] == ["UPPER.TXT", ".git/objects/x.txt"]
    assert skipped == []


def test_symlinked_files_are_read_broken_links_skipped(tmp_path: Path):
    target = touch(tmp_path / "elsewhere", "real.txt", "linked")
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "link.txt").symlink_to(target)
    (seeds / "broken.txt").symlink_to(tmp_path / "nowhere.txt")
    sources, skipped = discover(seeds)
    assert [(s.relpath, s.size) for s in sources] == [("link.txt", 6)]
    assert [item.path for item in skipped] == ["broken.txt"]
    assert skipped[0].reason.startswith("cannot read: ")


@pytest.mark.usefixtures("unreadable")
def test_unreadable_folders_are_skipped_with_the_reason(tmp_path: Path):
    touch(tmp_path, "ok.txt")
    touch(tmp_path, "locked/secret.txt")
    touch(tmp_path, "locked/inner/deeper.txt")
    (tmp_path / "locked").chmod(0)
    try:
        sources, skipped = in_child(discover, tmp_path, unprivileged=True)
    finally:
        (tmp_path / "locked").chmod(0o755)
    assert [s.relpath for s in sources] == ["ok.txt"]
    # A folder's path ends with "/": the indexer keeps what it had indexed from it.
    assert skipped == [Skipped("locked/", "cannot list folder: Permission denied")]


@pytest.mark.usefixtures("unreadable")
def test_an_unreadable_seeds_folder_raises(tmp_path: Path):
    touch(tmp_path, "seeds/a.txt")
    (tmp_path / "seeds").chmod(0)
    try:
        with pytest.raises(PermissionError):  # never taken for an empty folder
            in_child(discover, tmp_path / "seeds", unprivileged=True)
    finally:
        (tmp_path / "seeds").chmod(0o755)


def test_a_folder_gone_before_it_is_listed_gives_nothing(tmp_path: Path, monkeypatch):
    touch(tmp_path, "a.txt")
    touch(tmp_path, "gone/b.txt")
    real_scandir = os.scandir

    def scandir(path: str):  # deletes "gone" between listing its parent and listing it
        if path.endswith("gone"):
            (tmp_path / "gone" / "b.txt").unlink()
            (tmp_path / "gone").rmdir()
        return real_scandir(path)

    monkeypatch.setattr(discovery.os, "scandir", scandir)
    sources, skipped = discover(tmp_path)
    assert [s.relpath for s in sources] == ["a.txt"]
    assert skipped == []  # not on disk any more: nothing is lost


def test_special_files_are_skipped_never_read(tmp_path: Path):
    touch(tmp_path, "ok.txt")
    os.mkfifo(tmp_path / "pipe.txt")  # reading it would block for ever
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(tmp_path / "socket.md"))
        (tmp_path / "null.txt").symlink_to("/dev/null")
        sources, skipped = discover(tmp_path)
    assert [s.relpath for s in sources] == ["ok.txt"]
    assert skipped == [
        Skipped("null.txt", "not a regular file (device)"),
        Skipped("pipe.txt", "not a regular file (named pipe)"),
        Skipped("socket.md", "not a regular file (socket)"),
    ]


def test_symlinked_folders_are_skipped_with_the_reason(tmp_path: Path):
    touch(tmp_path, "real/story.txt")
    (tmp_path / "real" / "up").symlink_to(tmp_path, target_is_directory=True)  # a loop
    (tmp_path / "elsewhere").symlink_to(tmp_path / "real", target_is_directory=True)
    sources, skipped = discover(tmp_path)
    assert [s.relpath for s in sources] == ["real/story.txt"]
    assert skipped == [
        Skipped("elsewhere/", "symlinked folder, not followed"),
        Skipped("real/up/", "symlinked folder, not followed"),
    ]


def test_a_missing_folder_gives_nothing(tmp_path: Path):
    assert discover(tmp_path / "none") == ([], [])


def test_same_id_in_two_folders_keeps_the_first_in_walk_order(tmp_path: Path):
    touch(tmp_path, "a/story.txt")
    touch(tmp_path, "story.txt")
    sources, skipped = discover(tmp_path)
    assert [s.relpath for s in sources] == ["story.txt"]
    assert skipped == [Skipped("a/story.txt", "duplicate id 'story' (also story.txt)")]
