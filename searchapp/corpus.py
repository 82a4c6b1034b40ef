"""Reading the article folder: finding files, cleaning scraped text, making titles.

Source files are never modified. Every file either becomes articles or is reported as a
:class:`Skipped` with a reason, so the reindex summary can account for all of them. Turning a
file's bytes into articles is :mod:`searchapp.readers`' job, one reader per format.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

# Every suffix :mod:`searchapp.readers` has a reader for (matched lowercased), in the order
# that decides which of two files named alike keeps the bare name as its id. It lives here, not
# in readers, because readers imports this module and discover() needs it.
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
)
ARTICLE_SUFFIXES = frozenset(SUFFIX_ORDER)
_SUFFIX_RANK = {suffix: rank for rank, suffix in enumerate(SUFFIX_ORDER)}

# One to four capitalised words: a person or an agency in a photo credit.
_NAMES = r"[A-ZÀ-Þ][\w.'’-]*(?: [A-ZÀ-Þ][\w.'’-]*){0,3}"

# Lines that are page furniture rather than article text (matched against the whole line).
_BOILERPLATE = [
    *(
        re.compile(p, re.IGNORECASE)
        for p in (
            r"(show|hide|view|enlarge) (image|caption|photo|gallery)",
            r"comments are closed\.?",
            r"(skip )?advertisement",
            r"(share|print|email) (this|the) (article|story|page)",
            r"(read|see) more:?",
            r"[\w .&'’-]{1,60} contributed to this report\.?",
            r"(photo(graph)?|image|picture)( credit)?s?:.*",
            r"\(?reporting by .{1,200}editing by .{1,200}",
        )
    ),
    # A caption ending in a photo credit of capitalised names (case matters): "... 2013.
    # (Robert Galbraith/Reuters)", "(AP Photo/Evan Vucci)"; never "(15 mg/kg)".
    re.compile(rf".{{0,400}}\((?:{_NAMES}/)+{_NAMES}\)"),
]

_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*$")
# A full stop ends a sentence unless it follows a common abbreviation or a single initial.
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof gov gen col lt sgt st no vs etc jr sr inc ltd co corp dept rep sen".split()
)
# Where a sentence may end. Candidates are found by their end mark alone, which keeps the search
# linear on a long text with no full stop (a lazy ".+?" prefix would rescan from every offset).
_SENTENCE_STOP = re.compile(r"[.!?…](?=[\"'”’)\]]*(?:\s|$))")

HEADLINE_MAX_CHARS = 160
TITLE_MAX_CHARS = 100


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
class Article:
    """One article, with whatever metadata its file states (unknown values stay empty)."""

    id: str  # stable across reindexes; unique in the collection
    title: str
    body: str  # cleaned text, paragraphs separated by a blank line
    path: str  # the file it came from, relative to the seeds folder, with forward slashes
    headline: bool  # the title is the article's own headline, not made from its first sentence
    published: date | None = None
    source: str = ""  # outlet name, or the host of its url
    author: str = ""
    url: str = ""


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
    # suffix rank of each stem; no other per-file value lives on (1M files: 230 MB in all).
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


def is_boilerplate(line: str) -> bool:
    return any(pattern.fullmatch(line) for pattern in _BOILERPLATE)


def clean_paragraphs(text: str) -> list[str]:
    """Paragraphs of a scraped page, with page furniture removed.

    Blocks are separated by blank lines. Inside a block, a line that ends a sentence ends a
    paragraph (scraped pages put one paragraph per line); other lines are hard-wrapped text
    and are joined to the next.
    """
    paragraphs: list[str] = []
    current: list[str] = []

    def flush() -> None:
        if current:
            paragraphs.append(" ".join(current))
            current.clear()

    for raw_line in text.splitlines():
        line = " ".join(raw_line.split())  # collapse runs of whitespace, drop control spacing
        if not line:
            flush()
            continue
        if is_boilerplate(line):
            flush()
            continue
        current.append(line)
        if _SENTENCE_END.search(line):
            flush()
    flush()
    return _drop_author_bio(paragraphs)


def _drop_author_bio(paragraphs: list[str]) -> list[str]:
    """Drop a trailing byline + bio ("Peter Simpson" / "Peter Simpson is a British journalist…")."""
    if len(paragraphs) >= 3:
        name, bio = paragraphs[-2], paragraphs[-1]
        words = name.split()
        if 2 <= len(words) <= 4 and all(w[:1].isupper() for w in words):
            if bio.startswith(name + " is ") or bio.startswith(name + " was "):
                return paragraphs[:-2]
    return paragraphs


def split_title(paragraphs: list[str]) -> tuple[str, list[str], bool]:
    """The title, the body paragraphs, and whether the title is a headline.

    A headline is a short first paragraph that does not end with a full stop; it is taken out
    of the body. Without one, the title is the first sentence, cut at a word boundary, and the
    body keeps all its text.
    """
    first = paragraphs[0]
    if len(paragraphs) > 1 and len(first) <= HEADLINE_MAX_CHARS and not first.endswith("."):
        return first, paragraphs[1:], True
    return shorten(first_sentence(first), TITLE_MAX_CHARS), paragraphs, False


def first_sentence(text: str) -> str:
    for match in _SENTENCE_STOP.finditer(text, 1):
        candidate = text[: match.end()]
        last_word = candidate.rstrip(".").rsplit(maxsplit=1)[-1].lower()
        if candidate.endswith(".") and (last_word in _ABBREVIATIONS or len(last_word) == 1):
            continue
        return candidate.strip()
    return text.strip()


def shorten(text: str, limit: int) -> str:
    """``text`` without a final full stop, cut at a word boundary to ``limit`` characters."""
    text = text.rstrip(".").strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(".,;:–—- ") + "…"


_TRACKING_PARAMS = re.compile(r"^(utm_\w+|fbclid|gclid|ocid|cmpid|ref|src)$", re.IGNORECASE)


def url_key(url: str) -> str | None:
    """The address without what doesn't change the page (scheme, "www.", a default port, a
    trailing slash, a fragment, tracking parameters): two copies of an article share it.
    None when ``url`` is no web address (a feed guid such as "tag:example.com,2018:1")."""
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").removeprefix("www.")
        port = parts.port
    except ValueError:  # "http://host:port/" with a bad port, an unbalanced "["
        return None
    if not host:
        return None
    netloc = host if port in (None, 80, 443) else f"{host}:{port}"
    params = [(k, v) for k, v in parse_qsl(parts.query) if not _TRACKING_PARAMS.match(k)]
    query = urlencode(sorted(params))
    return f"{netloc}{parts.path.rstrip('/')}" + (f"?{query}" if query else "")
