"""Corpus fuzzing: odd files in the seeds folder are indexed or skipped with a reason naming them,
never crash or hang a reindex, and every file found is accounted for in the report."""

from __future__ import annotations

import codecs
import ctypes
import multiprocessing
import os
import random
import re
import shutil
import socket
import sqlite3
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import TypeVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from searchapp import reindex as indexer
from searchapp.errors import ConfigError, CorpusError
from searchapp.ingest import readers
from searchapp.ingest.catalog import CATALOG_FILE
from searchapp.ingest.discover import ARTICLE_SUFFIXES, SourceFile
from searchapp.ingest.readers import ParsedFile, parse_file
from searchapp.reindex import ReindexReport, reindex
from searchapp.search import SearchEngine
from tests.conftest import (
    FIXTURES,
    FORMATS,
    MALFORMED,
    MALFORMED_ENTRIES,
    VALID_FIXTURES,
    make_corpus,
)
from tests.test_reindex import indexed_ids

T = TypeVar("T")

# Capabilities that let root read any file and list any folder, whatever their permissions.
_CAP_DAC_OVERRIDE = 1
_CAP_DAC_READ_SEARCH = 2
_LINUX_CAPABILITY_VERSION_3 = 0x20080522


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    ]


def _drop_read_override() -> None:
    """Give up, for good, the capabilities bypassing file permissions (a no-op for other users),
    so that a file chmod'ed unreadable is unreadable even to root."""
    libc = ctypes.CDLL(None, use_errno=True)
    header = _CapHeader(_LINUX_CAPABILITY_VERSION_3, 0)
    data = (_CapData * 2)()
    if libc.capget(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capget failed")
    mask = ~((1 << _CAP_DAC_OVERRIDE) | (1 << _CAP_DAC_READ_SEARCH))
    for field in ("effective", "permitted", "inheritable"):
        setattr(data[0], field, getattr(data[0], field) & mask)
    if libc.capset(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capset failed")


def _call(unprivileged: bool, function: Callable[..., T], args: tuple[object, ...]) -> T:
    if unprivileged:
        _drop_read_override()
    return function(*args)


def in_child(
    function: Callable[..., T], *args: object, unprivileged: bool = False, timeout: float = 120
) -> T:
    """``function(*args)`` in a forked child process, its result or exception passed back.

    The child is killed after ``timeout`` seconds, so a hang fails the test (with
    multiprocessing.TimeoutError) instead of blocking the suite. ``unprivileged`` drops root's
    power to read any file first: the method the permission tests use as root, where chmod alone
    stops nothing. ``function`` must be a module-level function (it is pickled).
    """
    with multiprocessing.get_context("fork").Pool(1) as pool:  # leaving it kills the child
        return pool.apply_async(_call, (unprivileged, function, args)).get(timeout)


def _can_read(path: str) -> bool:
    try:
        with open(path, "rb"):
            return True
    except PermissionError:
        return False


@pytest.fixture
def unreadable(tmp_path: Path) -> None:
    """Skips the test where a file chmod'ed 0 stays readable to an :func:`in_child`
    ``unprivileged`` child (root whose capabilities can't be dropped); the test then makes files
    unreadable with chmod and reads them through such a child, as root or not."""
    probe = tmp_path / "probe"
    probe.write_text("x")
    probe.chmod(0)
    try:
        readable = in_child(_can_read, os.fspath(probe), unprivileged=True)
    except (OSError, AttributeError):  # capabilities can't be changed here (no capset)
        readable = True
    probe.unlink()
    if readable:
        pytest.skip("cannot make a file unreadable here (root that cannot drop its capabilities)")


# --- Accounting -------------------------------------------------------------------------------


def found_files(seeds: Path) -> set[str]:
    """Every article file under ``seeds``, walked independently of discover(): names of any
    type (pipes, sockets, links that lead nowhere) with a supported suffix, hidden names aside,
    symlinked folders not entered, folders that cannot be listed passed over."""
    found = set()
    for folder, _, names in os.walk(seeds):
        prefix = os.path.relpath(folder, seeds)
        for name in names:
            if not name.startswith(".") and os.path.splitext(name)[1].lower() in ARTICLE_SUFFIXES:
                found.add(name if prefix == "." else f"{prefix}/{name}")
    return found


def hits(index_dir: Path, text: str) -> list[str]:
    engine = SearchEngine(index_dir)
    try:
        return [hit.id for hit in engine.search(text).hits]
    finally:
        engine.close()


def reasons(report: ReindexReport) -> dict[str, str]:
    return {item.path: item.reason for item in report.skipped}


def assert_accounted(
    report: ReindexReport, index_dir: Path, found: set[str], kept: frozenset[str] = frozenset()
) -> None:
    """Nothing was lost: the counts add up, for files and for articles.

    Files: ``report.files`` is every article file found (``found``, walked by the test), and
    each of them was either skipped whole (a skip naming the file alone, neither a folder
    "x/" nor an entry "x#row 2"; ``report.files_skipped`` of them) or gave its articles, which
    the catalog then holds (files in ``kept`` are both: skipped now, their last version kept).
    Articles: the index holds ``report.documents`` = added + updated + unchanged of them, the
    ones the catalog lists as indexed, and the catalog lists ``report.duplicates`` more.
    """
    whole = {s.path for s in report.skipped if "#" not in s.path and not s.path.endswith("/")}
    assert report.files == len(found)
    assert whole <= found and report.files_skipped == len(whole)
    with closing(sqlite3.connect(index_dir / CATALOG_FILE)) as db:
        files = {path for (path,) in db.execute("SELECT path FROM files")}
        indexed = {i for (i,) in db.execute("SELECT id FROM articles WHERE duplicate_of IS NULL")}
        sql = "SELECT COUNT(*) FROM articles WHERE duplicate_of IS NOT NULL"
        duplicates = db.execute(sql).fetchone()[0]
    assert files == (found - whole) | kept
    assert report.documents == report.added + report.updated + report.unchanged == len(indexed)
    assert report.duplicates == duplicates
    assert indexed_ids(index_dir) == indexed
    # A skipped entry is one of a file that was read.
    assert {s.path.split("#")[0] for s in report.skipped if "#" in s.path} <= found - whole


@pytest.fixture(scope="module")
def valid_ids(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """The articles of the fixture corpus: each case must leave all of them indexed."""
    root = tmp_path_factory.mktemp("valid")
    reindex(make_corpus(root / "seeds"), root / "index")
    ids = indexed_ids(root / "index")
    assert len(ids) == VALID_FIXTURES
    return ids


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    return make_corpus(tmp_path / "seeds")


def article(word: str) -> str:
    return f"Report on {word}\n\nOfficials described the {word} affair in detail on Monday."


# --- Random bytes -----------------------------------------------------------------------------

SUFFIXES = sorted(ARTICLE_SUFFIXES)
SAMPLES = [
    path
    for folder in (FIXTURES, FORMATS)
    for path in sorted(folder.rglob("*"))
    if path.suffix in ARTICLE_SUFFIXES
]
BOMS = {  # byte order mark: the encoding it announces
    b"": "utf-8",
    codecs.BOM_UTF8: "utf-8",
    codecs.BOM_UTF16_LE: "utf-16-le",
    codecs.BOM_UTF16_BE: "utf-16-be",
    codecs.BOM_UTF32_LE: "utf-32-le",
}


@st.composite
def mutated_sample(draw: st.DrawFn) -> tuple[str, bytes]:
    """A real file of some format, with bytes overwritten, inserted, deleted or cut off."""
    path = draw(st.sampled_from(SAMPLES))
    data = bytearray(path.read_bytes())
    for _ in range(draw(st.integers(1, 8))):
        at = draw(st.integers(0, len(data)))
        operation = draw(st.sampled_from(["overwrite", "insert", "delete", "cut"]))
        if operation == "overwrite":
            data[at : at + 1] = draw(st.binary(min_size=1, max_size=1))
        elif operation == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif operation == "delete":
            del data[at : at + draw(st.integers(1, 64))]
        else:
            del data[at:]
    return path.suffix, bytes(data)


def any_suffix(data: st.SearchStrategy[bytes]) -> st.SearchStrategy[tuple[str, bytes]]:
    return st.tuples(st.sampled_from(SUFFIXES), data)


ODD_FILES = st.one_of(
    any_suffix(st.binary(max_size=2048)),
    # Text in an encoding announced by a byte order mark, or in none.
    any_suffix(
        st.builds(
            lambda bom, text: bom + text.encode(BOMS[bom]),
            st.sampled_from(sorted(BOMS)),
            st.text(max_size=512),
        )
    ),
    mutated_sample(),
)


@settings(max_examples=300, deadline=None)
@given(ODD_FILES)
def test_random_bytes_give_articles_or_a_reason_from_every_reader(odd: tuple[str, bytes]):
    suffix, data = odd
    relpath = f"fuzz/odd{suffix}"
    try:
        parsed = parse_file(data, relpath, "odd")
    except CorpusError as exc:
        assert exc.message.strip()
        # The safety net for a parser's own crash: reaching it is a bug to fix in the reader.
        assert not exc.message.startswith("unreadable: the "), exc.message
        return
    assert parsed.articles  # a file with nothing usable raises instead
    for item in parsed.articles:
        assert item.id.startswith("odd") and item.path == relpath
        assert item.title.strip() and len(item.body) <= readers.MAX_ARTICLE_CHARS
    for item in parsed.skipped:
        assert item.path.startswith(f"{relpath}#") and item.reason.strip()


def test_random_files_in_the_folder_are_indexed_or_skipped_and_accounted(
    tmp_path: Path, seeds: Path, valid_ids: set[str]
):
    """A few reindexes end to end: one base index, random files added then removed."""
    index_dir = tmp_path / "index"
    base = reindex(seeds, index_dir)
    fuzz = seeds / "fuzz"

    @settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(ODD_FILES, min_size=1, max_size=4))
    def add_then_remove(odd_files: list[tuple[str, bytes]]) -> None:
        # Whoosh names segments with the random module, which hypothesis seeds alike for every
        # example: without this, two examples' segments would get one name.
        random.seed()
        shutil.rmtree(fuzz, ignore_errors=True)  # left by an example that failed
        fuzz.mkdir()
        for number, (suffix, data) in enumerate(odd_files):
            (fuzz / f"odd{number}{suffix}").write_bytes(data)
        report = reindex(seeds, index_dir)
        assert_accounted(report, index_dir, found_files(seeds))
        assert valid_ids <= indexed_ids(index_dir)
        shutil.rmtree(fuzz)
        report = reindex(seeds, index_dir)
        assert (report.added, report.updated) == (0, 0)
        assert indexed_ids(index_dir) == valid_ids
        assert report.documents == base.documents

    add_then_remove()


# --- Encodings and empty files ----------------------------------------------------------------


def test_truncated_wide_bom_and_empty_files(tmp_path: Path, seeds: Path, valid_ids: set[str]):
    odd = seeds / "odd"
    odd.mkdir()
    cut_end = article("quokka").encode() + "é".encode()[:1]  # a last character cut short
    (odd / "cut-end.txt").write_bytes(cut_end)
    middle = article("wombat café").encode()
    cut = middle.index("é".encode())
    (odd / "cut-middle.txt").write_bytes(middle[: cut + 1] + middle[cut + 2 :])  # half an "é"
    wide = {
        "utf16le.txt": codecs.BOM_UTF16_LE + article("numbat").encode("utf-16-le"),
        "utf16be.md": codecs.BOM_UTF16_BE + article("bilby").encode("utf-16-be"),
        "wide.csv": codecs.BOM_UTF16_LE + "id,text\nc1,The dingo affair.\n".encode("utf-16-le"),
        "utf8bom.txt": codecs.BOM_UTF8 + article("potoroo").encode(),
    }
    for name, data in wide.items():
        (odd / name).write_bytes(data)
    for suffix in SUFFIXES:
        (odd / f"zero{suffix}").write_bytes(b"")

    report = reindex(seeds, tmp_path / "index")

    assert_accounted(report, tmp_path / "index", found_files(seeds))
    skips = reasons(report)
    assert skips["odd/cut-middle.txt"] == f"not UTF-8 (invalid byte at offset {cut})"
    for suffix in SUFFIXES:
        assert skips[f"odd/zero{suffix}"] == "empty file"
    ids = indexed_ids(tmp_path / "index")
    assert valid_ids <= ids
    assert {"cut-end", "utf16le", "utf16be", "wide-c1", "utf8bom"} <= ids
    for word, found in [("quokka", "cut-end"), ("numbat", "utf16le"), ("bilby", "utf16be")]:
        assert hits(tmp_path / "index", word) == [found]
    assert hits(tmp_path / "index", "dingo") == ["wide-c1"]
    assert hits(tmp_path / "index", "potoroo") == ["utf8bom"]


# --- Size -------------------------------------------------------------------------------------


def write_text_of_size(path: Path, size: int, last_word: str) -> None:
    """An article of at least ``size`` bytes of prose, ``last_word`` in its last sentence."""
    line = "The committee heard evidence about the embassy, the officers and their contacts.\n"
    with path.open("w") as file:
        file.write("A very long report\n\n")
        file.write(line * -(-size // len(line)))  # rounded up
        file.write(f"It closed with the {last_word} testimony.\n")


def test_a_50_mb_file_is_skipped_as_too_long_and_a_long_one_indexed(
    tmp_path: Path, seeds: Path, valid_ids: set[str]
):
    write_text_of_size(seeds / "huge.txt", 50_000_000, "zanzibar")
    long_size = readers.MAX_ARTICLE_CHARS - 100_000
    write_text_of_size(seeds / "long.txt", long_size, "quetzal")  # near the limit, under it

    report = reindex(seeds, tmp_path / "index")

    assert_accounted(report, tmp_path / "index", found_files(seeds))
    assert (seeds / "huge.txt").stat().st_size >= 50_000_000
    chars = r"5\d,\d{3},\d{3} characters"
    reason = rf"too long to index: {chars} of text \(an article may have 2,000,000\)"
    assert re.fullmatch(reason, reasons(report)["huge.txt"])
    assert valid_ids | {"long"} == indexed_ids(tmp_path / "index")
    assert hits(tmp_path / "index", "quetzal") == ["long"]  # found by a word at its very end
    assert hits(tmp_path / "index", "zanzibar") == []


# --- Deep folders -----------------------------------------------------------------------------

PATH_MAX = os.pathconf("/", "PC_PATH_MAX")  # bytes, the final NUL included


def make_nested(root: Path, folders: list[str], name: str, data: bytes) -> str:
    """The file ``name`` in ``folders`` nested one in another under ``root`` (made if missing),
    created through folder descriptors: paths over PATH_MAX can't be created by their name.
    Returns the file's path relative to ``root``."""
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for folder in folders:
            try:
                os.mkdir(folder, dir_fd=fd)
            except FileExistsError:
                pass
            inner = os.open(folder, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = inner
        file = os.open(name, os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
        try:
            os.write(file, data)
        finally:
            os.close(file)
    finally:
        os.close(fd)
    return "/".join([*folders, name])


def test_deeply_nested_folders_and_paths_near_and_over_path_max(
    tmp_path: Path, seeds: Path, valid_ids: set[str]
):
    make_nested(seeds, ["deep"] * 150, "bottom.txt", article("ocelot").encode())
    # A file whose absolute path is PATH_MAX - 1 bytes long, the longest there can be.
    room = PATH_MAX - 1 - len(f"{seeds}/") - len("/near.txt")
    full = (room - 1) // 251  # folders of 250 bytes and a slash, then one of 1 to 251 bytes
    near_folders = ["n" * 250] * full + ["m" * (room - 251 * full)]
    near = make_nested(seeds, near_folders, "near.txt", article("margay").encode())
    assert len(f"{seeds}/{near}") == PATH_MAX - 1
    # Beside it, a name one byte longer: its path is too long to open, though it is listed.
    too_long = make_nested(seeds, near_folders, "near-.txt", article("kodkod").encode())
    # Further down, a folder too long to list by its path, and what it holds.
    over_folders = ["o" * 250] * (PATH_MAX // 251 + 2)
    make_nested(seeds, over_folders, "over.txt", article("kodkod").encode())
    depth = next(
        depth
        for depth in range(1, len(over_folders) + 1)
        if len(f"{seeds}/" + "/".join(over_folders[:depth])) >= PATH_MAX
    )
    unlistable = "/".join(over_folders[:depth]) + "/"

    report = reindex(seeds, tmp_path / "index")

    assert_accounted(report, tmp_path / "index", found_files(seeds))
    assert valid_ids | {"bottom", "near"} == indexed_ids(tmp_path / "index")
    assert hits(tmp_path / "index", "ocelot") == ["bottom"]
    assert hits(tmp_path / "index", "margay") == ["near"]
    skips = reasons(report)
    assert skips[too_long] == "cannot read: File name too long"
    assert skips[unlistable] == "cannot list folder: File name too long"
    assert hits(tmp_path / "index", "kodkod") == []


# --- Links, pipes, sockets --------------------------------------------------------------------


def test_symlink_loops_dangling_links_pipes_and_sockets_never_hang(
    tmp_path: Path, seeds: Path, valid_ids: set[str]
):
    outside = tmp_path / "outside.txt"
    outside.write_text(article("jaguarundi"))
    (seeds / "linked.txt").symlink_to(outside)  # a link to a file is read
    (seeds / "nested" / "up").symlink_to(seeds, target_is_directory=True)  # a loop
    (seeds / "a.txt").symlink_to(seeds / "b.txt")
    (seeds / "b.txt").symlink_to(seeds / "a.txt")
    (seeds / "self.md").symlink_to(seeds / "self.md")
    (seeds / "dangling.txt").symlink_to(tmp_path / "nowhere.txt")
    os.mkfifo(seeds / "pipe.txt")  # opening it to read would block until a writer comes
    (seeds / "zeros.txt").symlink_to("/dev/zero")  # reading it would never end
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(seeds / "socket.json"))
        # In a child process that is killed if it hangs, so a hang fails the test.
        report = in_child(reindex, seeds, tmp_path / "index", timeout=60)

        assert_accounted(report, tmp_path / "index", found_files(seeds))
    assert valid_ids | {"linked"} == indexed_ids(tmp_path / "index")
    loop = "Too many levels of symbolic links"
    expected_before = set(MALFORMED) | MALFORMED_ENTRIES
    assert {path: why for path, why in reasons(report).items() if path not in expected_before} == {
        "nested/up/": "symlinked folder, not followed",
        "a.txt": f"cannot read: {loop}",
        "b.txt": f"cannot read: {loop}",
        "self.md": f"cannot read: {loop}",
        "dangling.txt": "cannot read: No such file or directory",
        "pipe.txt": "not a regular file (named pipe)",
        "zeros.txt": "not a regular file (device)",
        "socket.json": "not a regular file (socket)",
    }


def test_a_file_replaced_by_a_named_pipe_after_it_was_listed_is_skipped(
    tmp_path: Path, seeds: Path, valid_ids: set[str], monkeypatch: pytest.MonkeyPatch
):
    (seeds / "swapped.txt").write_text(article("serval"))
    found = found_files(seeds)

    def swap_then_read(source: SourceFile, **options: object) -> ParsedFile | None:
        if source.relpath == "swapped.txt":
            source.path.unlink()
            os.mkfifo(source.path)
        return real_read(source, **options)

    real_read = indexer.read_source
    monkeypatch.setattr(indexer, "read_source", swap_then_read)  # inherited by the child
    report = in_child(reindex, seeds, tmp_path / "index", timeout=60)

    assert_accounted(report, tmp_path / "index", found)
    assert reasons(report)["swapped.txt"] == "not a regular file (named pipe)"
    assert indexed_ids(tmp_path / "index") == valid_ids


# --- Files changing while a reindex runs ------------------------------------------------------


def hook_read(
    monkeypatch: pytest.MonkeyPatch,
    before: Callable[[SourceFile], None] | None = None,
    after: Callable[[SourceFile], None] | None = None,
) -> None:
    """Run ``before``/``after`` around the reindex's reading of each file (after discovery, before
    the commit): the reindex reads files itself in the parent process at this corpus size."""
    real_read = indexer.read_source

    def read(source: SourceFile, **options: object) -> ParsedFile | None:
        if before:
            before(source)
        parsed = real_read(source, **options)
        if after:
            after(source)
        return parsed

    monkeypatch.setattr(indexer, "read_source", read)


def test_files_deleted_between_discovery_and_reading_are_skipped(
    tmp_path: Path, seeds: Path, valid_ids: set[str], monkeypatch: pytest.MonkeyPatch
):
    index_dir = tmp_path / "index"
    (seeds / "known.txt").write_text(article("caracal"))
    reindex(seeds, index_dir)
    (seeds / "known.txt").write_text(article("caracal") + " Updated.")  # to be read again
    (seeds / "new.txt").write_text(article("lynx"))
    found = found_files(seeds)

    def delete(source: SourceFile) -> None:
        if source.relpath in ("known.txt", "new.txt"):
            source.path.unlink()

    hook_read(monkeypatch, before=delete)
    report = reindex(seeds, index_dir)

    # The last version of a known file stays indexed; a new one has nothing to keep.
    assert_accounted(report, index_dir, found, kept=frozenset({"known.txt"}))
    skips = reasons(report)
    assert skips["known.txt"] == "cannot read: No such file or directory; previous version kept"
    assert skips["new.txt"] == "cannot read: No such file or directory"
    assert indexed_ids(index_dir) == valid_ids | {"known"}
    monkeypatch.undo()
    report = reindex(seeds, index_dir)  # the next reindex sees it gone
    assert report.deleted == 1 and "known.txt" not in reasons(report)
    assert_accounted(report, index_dir, found_files(seeds))
    assert indexed_ids(index_dir) == valid_ids


def test_a_file_changed_between_discovery_and_reading_is_indexed_as_read(
    tmp_path: Path, seeds: Path, valid_ids: set[str], monkeypatch: pytest.MonkeyPatch
):
    index_dir = tmp_path / "index"
    (seeds / "changing.txt").write_text(article("margay"))

    def change(source: SourceFile) -> None:
        if source.relpath == "changing.txt":
            source.path.write_text(article("oncilla, a longer name"))

    hook_read(monkeypatch, before=change)
    report = reindex(seeds, index_dir)
    assert_accounted(report, index_dir, found_files(seeds))
    assert hits(index_dir, "oncilla") == ["changing"] and hits(index_dir, "margay") == []
    monkeypatch.undo()
    report = reindex(seeds, index_dir)  # the bytes indexed are the bytes on disk: no change
    assert (report.added, report.updated, report.deleted) == (0, 0, 0)
    assert_accounted(report, index_dir, found_files(seeds))
    assert hits(index_dir, "oncilla") == ["changing"]


def test_files_changed_or_deleted_after_reading_are_caught_up_by_the_next_reindex(
    tmp_path: Path, seeds: Path, valid_ids: set[str], monkeypatch: pytest.MonkeyPatch
):
    index_dir = tmp_path / "index"
    (seeds / "late.txt").write_text(article("quokka"))
    (seeds / "gone.txt").write_text(article("potoroo"))
    listed: dict[str, SourceFile] = {}

    def change(source: SourceFile) -> None:
        listed[source.relpath] = source
        if source.relpath == "late.txt":
            # Same size and the same modification time, as a file system whose clock ticks
            # every few milliseconds (or 2 s) gives a change made right after the read.
            source.path.write_text(article("wombat"))
            os.utime(source.path, ns=(source.mtime_ns, source.mtime_ns))
        elif source.relpath == "gone.txt":
            source.path.unlink()

    hook_read(monkeypatch, after=change)
    report = reindex(seeds, index_dir)
    assert_accounted(report, index_dir, found_files(seeds) | {"gone.txt"})
    assert hits(index_dir, "quokka") == ["late"] and hits(index_dir, "potoroo") == ["gone"]
    late, before = (seeds / "late.txt").stat(), listed["late.txt"]
    assert (late.st_size, late.st_mtime_ns) == (before.size, before.mtime_ns)  # no telling
    monkeypatch.undo()

    report = reindex(seeds, index_dir)

    assert (report.added, report.updated, report.deleted) == (0, 1, 1)
    assert_accounted(report, index_dir, found_files(seeds))
    assert hits(index_dir, "wombat") == ["late"] and hits(index_dir, "quokka") == []
    assert indexed_ids(index_dir) == valid_ids | {"late"}


# --- Permissions ------------------------------------------------------------------------------


@pytest.mark.usefixtures("unreadable")
def test_unreadable_files_and_folders_are_skipped_and_what_they_gave_kept(
    tmp_path: Path, seeds: Path, valid_ids: set[str]
):
    index_dir = tmp_path / "index"
    (seeds / "secret.txt").write_text(article("fossa"))
    (seeds / "locked").mkdir()
    (seeds / "locked" / "inside.txt").write_text(article("genet"))
    (seeds / "unchanged.md").write_text(article("civet"))
    an_hour_ago = time.time() - 3600  # older than a reindex compares by its bytes
    os.utime(seeds / "unchanged.md", (an_hour_ago, an_hour_ago))
    reindex(seeds, index_dir)
    assert indexed_ids(index_dir) == valid_ids | {"secret", "inside", "unchanged"}
    (seeds / "secret.txt").write_text(article("fossa") + " Updated.")  # to be read again
    unreadable = (seeds / "secret.txt", seeds / "unchanged.md", seeds / "locked")
    for path in unreadable:
        path.chmod(0)
    try:
        found = in_child(found_files, seeds, unprivileged=True)
        report = in_child(reindex, seeds, index_dir, unprivileged=True)
    finally:
        for path in unreadable:
            path.chmod(0o755)

    kept = frozenset({"secret.txt", "locked/inside.txt"})
    assert_accounted(report, index_dir, found, kept=kept)
    assert "locked/inside.txt" not in found
    skips = reasons(report)
    assert skips["secret.txt"] == "cannot read: Permission denied; previous version kept"
    assert skips["locked/"] == "cannot list folder: Permission denied"
    assert "unchanged.md" not in skips  # unchanged by its stat data: not even opened
    assert report.deleted == 0  # what the folder gave stays indexed while it can't be listed
    assert indexed_ids(index_dir) == valid_ids | {"secret", "inside", "unchanged"}
    report = reindex(seeds, index_dir)  # readable again: the change to secret.txt comes in
    assert (report.added, report.updated, report.deleted) == (0, 1, 0)
    assert_accounted(report, index_dir, found_files(seeds))


@pytest.mark.usefixtures("unreadable")
def test_an_unreadable_file_never_indexed_is_skipped(tmp_path: Path, seeds: Path):
    (seeds / "secret.txt").write_text(article("fossa"))
    (seeds / "secret.txt").chmod(0)
    try:
        report = in_child(reindex, seeds, tmp_path / "index", unprivileged=True)
    finally:
        (seeds / "secret.txt").chmod(0o644)
    assert_accounted(report, tmp_path / "index", found_files(seeds))
    assert reasons(report)["secret.txt"] == "cannot read: Permission denied"
    assert "secret" not in indexed_ids(tmp_path / "index")


@pytest.mark.usefixtures("unreadable")
def test_an_unreadable_seeds_folder_is_a_clear_error_and_deletes_nothing(
    tmp_path: Path, seeds: Path, valid_ids: set[str]
):
    reindex(seeds, tmp_path / "index")
    seeds.chmod(0)
    try:
        with pytest.raises(ConfigError, match="cannot be listed: Permission denied"):
            in_child(reindex, seeds, tmp_path / "index", unprivileged=True)
    finally:
        seeds.chmod(0o755)
    assert indexed_ids(tmp_path / "index") == valid_ids
