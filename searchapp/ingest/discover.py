"""Finding the article files under the folder: one :class:`SourceFile` per file, with the
stat data that tells a reindex what changed, or a :class:`Skipped` with the reason.

Source files are never modified; nothing under the folder is passed over silently.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, replace
from pathlib import Path

# Every suffix the readers (:mod:`searchapp.ingest.readers`) read (matched lowercased), in the
# order that decides which of two files named alike keeps the bare name as its id.
SUFFIX_ORDER = (
    ".txt",
    ".md",
    ".markdown",
    ".html",
    ".htm",
    ".json",
    ".jsonl",
    ".ndjson",
    ".csv",
    ".xml",
    ".rss",
    ".atom",
    ".pdf",
    ".docx",
    ".odt",
    ".eml",
    ".mbox",
    ".png",
    ".jpg",
    ".jpeg",
    ".tif",
    ".tiff",
)
ARTICLE_SUFFIXES = frozenset(SUFFIX_ORDER)
_SUFFIX_RANK = {suffix: rank for rank, suffix in enumerate(SUFFIX_ORDER)}


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A candidate article file, with the stat data used to detect changes cheaply.

    Kept small, as a reindex holds one per file (about 230 bytes each, with the strings and
    numbers it refers to): the folder is one string shared by all of a folder's files, and the
    path and the id are derived when asked for (made for the files that are read only).
    """

    root: str | Path  # the seeds folder
    relpath: str
    size: int
    mtime_ns: int
    # The id is "<name>-<suffix>": a file of the same name in a format ranked first in
    # SUFFIX_ORDER has the bare name.
    renamed: bool = False

    @property
    def path(self) -> Path:
        return Path(self.root, self.relpath)

    @property
    def id(self) -> str:
        name_start = self.relpath.rfind("/") + 1
        dot = self.relpath.rfind(".")
        stem = self.relpath[name_start:dot]
        return f"{stem}-{self.relpath[dot + 1 :].lower()}" if self.renamed else stem


@dataclass(frozen=True, slots=True)
class Skipped:
    path: str  # a folder's ends with "/"; an entry of a multi-article file's has "#where"
    reason: str


def discover(seeds_dir: Path) -> tuple[list[SourceFile], list[Skipped]]:
    """Every article file under ``seeds_dir`` (recursively, symlinked folders not followed).

    A file's id is its name without the suffix. Files named alike in different formats
    (``news.txt``, ``news.csv``) are all kept: the one whose suffix comes first in
    :data:`SUFFIX_ORDER` keeps the bare name and the others get their suffix appended
    (``news-csv``), so a plain-text file's id never depends on what else is in the folder.
    Two files that still give the same id: the first in walk order (each folder's files in
    sorted order, then its subfolders in sorted order) wins and the others are reported as
    skipped.

    Nothing under the folder is passed over silently but hidden files and files of other
    types: a candidate that is no regular file (a named pipe, which would block its reader for
    ever, a socket, a device) or cannot be stat'ed is skipped, and so is a symlinked folder (its
    files could repeat others, or loop) or a folder that cannot be listed (its path ends with
    "/"). Raises :class:`OSError` when ``seeds_dir`` itself exists but cannot be listed.

    Run by every reindex, so it is kept cheap at 100,000+ files: one ``os.scandir`` and one
    ``stat`` per file, names handled as strings.
    """
    root = os.fspath(seeds_dir)
    # One SourceFile per file as it is found (named by its bare stem for now), and the best
    # suffix rank of each stem; no other per-file value lives on (memory at 1M files).
    sources: list[SourceFile] = []
    best_rank: dict[str, int] = {}
    skipped: list[Skipped] = []
    pending = [(root, "")]  # folders to list, with their relpath prefix
    while pending:
        folder, prefix = pending.pop()
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=_entry_name)
        except (FileNotFoundError, NotADirectoryError):
            continue  # gone since its parent was listed: nothing of it is on disk any more
        except OSError as exc:
            if not prefix:
                raise  # the seeds folder itself: the caller must not take it for empty
            skipped.append(Skipped(prefix, f"cannot list folder: {exc.strerror or exc}"))
            continue
        subfolders = []
        for entry in entries:
            name = entry.name
            try:
                is_folder = entry.is_dir()  # follows symlinks: a linked folder is no file
            except OSError:
                is_folder = False
            if is_folder:
                if _is_symlink(entry):
                    skipped.append(Skipped(f"{prefix}{name}/", "symlinked folder, not followed"))
                else:
                    subfolders.append((entry.path, f"{prefix}{name}/"))
                continue
            if name.startswith("."):
                continue
            dot = name.rfind(".")  # os.path.splitext, without its cost per file
            rank = _SUFFIX_RANK.get(name[dot:].lower()) if dot > 0 else None
            if rank is None:
                continue
            relpath = prefix + name
            try:
                info = entry.stat()  # follows symlinks, like Path.stat()
            except OSError as exc:
                skipped.append(Skipped(relpath, f"cannot read: {exc.strerror or exc}"))
                continue
            if not stat.S_ISREG(info.st_mode):
                skipped.append(Skipped(relpath, f"not a regular file ({file_kind(info.st_mode)})"))
                continue
            sources.append(SourceFile(root, relpath, info.st_size, info.st_mtime_ns))
            stem = name[:dot]
            if rank < best_rank.get(stem, len(SUFFIX_ORDER)):
                best_rank[stem] = rank
        pending.extend(reversed(subfolders))  # popped in sorted order, depth first
    found: dict[str, str] = {}  # id -> the relpath giving it
    kept: list[SourceFile] = []
    for source in sources:
        relpath = source.relpath
        dot = relpath.rfind(".")
        stem = relpath[relpath.rfind("/") + 1 : dot]
        if _SUFFIX_RANK[relpath[dot:].lower()] != best_rank[stem]:
            source = replace(source, renamed=True)
        article_id = source.id
        first = found.get(article_id)
        if first is not None:
            skipped.append(Skipped(relpath, f"duplicate id {article_id!r} (also {first})"))
            continue
        found[article_id] = relpath
        kept.append(source)
    return kept, skipped


def file_kind(mode: int) -> str:
    """What a file that is not a regular file is, from its ``st_mode``."""
    if stat.S_ISFIFO(mode):
        return "named pipe"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    return "special file"


def _entry_name(entry: os.DirEntry[str]) -> str:
    return entry.name


def _is_symlink(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_symlink()
    except OSError:
        return False  # as os.walk (os.path.islink)
