"""Which reader reads a file (by its suffix), and reading one discovered file:
:func:`read_source`, :func:`parse_file`, and the table :data:`_READERS` they look readers up in."""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass

from ...errors import CorpusError
from ...text.article import Article
from ..discover import ARTICLE_SUFFIXES, Skipped, SourceFile, file_kind
from .common import _check_length
from .csv import _read_csv
from .feeds import _read_feed
from .html import _read_html
from .json import _read_json, _read_jsonl
from .markdown import _read_markdown
from .text import _read_txt


@dataclass(frozen=True, slots=True)
class ParsedFile:
    """Everything one source file gave."""

    articles: list[Article]
    # Entries of a multi-article file that could not be used ("news.csv#row 7", reason).
    skipped: list[Skipped]
    digest: str  # sha256 hex of the file's bytes


def read_source(source: SourceFile, unless_digest: str | None = None) -> ParsedFile | None:
    """Read and parse one discovered file; None, without parsing, when its bytes still have
    ``unless_digest``. Raises :class:`CorpusError` with the reason."""
    try:
        data = _read_regular_file(source.path)
    except OSError as exc:
        raise CorpusError(f"cannot read: {exc.strerror or exc}") from exc
    digest = hashlib.sha256(data).hexdigest()
    if digest == unless_digest:
        return None
    return _parse(data, source.relpath, source.id, digest)


def _read_regular_file(path: os.PathLike[str]) -> bytes:
    # Non-blocking: a file replaced by a named pipe since it was listed would otherwise block
    # the reindex for ever on open(); it is refused instead (the flag changes nothing else).
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    with open(fd, "rb") as file:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise CorpusError(f"not a regular file ({file_kind(mode)})")
        return file.read()


def parse_file(data: bytes, relpath: str, file_id: str) -> ParsedFile:
    """The articles in ``data``, read by the format its name's suffix says.

    Raises :class:`CorpusError` when the whole file is unusable.
    """
    return _parse(data, relpath, file_id, hashlib.sha256(data).hexdigest())


def _parse(data: bytes, relpath: str, file_id: str, digest: str) -> ParsedFile:
    suffix = _suffix(relpath)
    reader = _READERS.get(suffix)
    if reader is None:
        raise CorpusError(f"unsupported file type {suffix or '(no suffix)'!r}")
    try:
        articles, skipped = reader(data, relpath, file_id)
    except (CorpusError, MemoryError):
        raise
    except Exception as exc:
        # A parsing library's own bug on odd bytes must cost this file only, not the reindex.
        name = suffix.lstrip(".").upper()
        raise CorpusError(f"unreadable: the {name} parser failed ({exc!r})") from exc
    for article in articles:  # a batch has checked its own; this is a single article's file
        _check_length(article)
    return ParsedFile(articles, skipped, digest)


def _suffix(relpath: str) -> str:
    name = relpath.rsplit("/", 1)[-1]
    return "." + name.rsplit(".", 1)[-1].lower() if "." in name.lstrip(".") else ""


_Reader = Callable[[bytes, str, str], tuple[list[Article], list[Skipped]]]
_READERS: dict[str, _Reader] = {
    ".txt": _read_txt,
    ".md": _read_markdown,
    ".markdown": _read_markdown,
    ".html": _read_html,
    ".htm": _read_html,
    ".json": _read_json,
    ".jsonl": _read_jsonl,
    ".ndjson": _read_jsonl,
    ".csv": _read_csv,
    ".xml": _read_feed,
    ".rss": _read_feed,
    ".atom": _read_feed,
}
assert set(_READERS) == ARTICLE_SUFFIXES, "every discovered suffix needs a reader"
