"""Which reader reads a file (by its content where it has a signature, else its suffix; see
:mod:`.sniff`), and reading one discovered file: :func:`read_source`, :func:`parse_file`, and
the table :data:`_READERS` they look readers up in."""

from __future__ import annotations

import functools
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
from .email import read_eml, read_mbox
from .feeds import _read_feed
from .html import _read_html
from .image import read_image
from .json import _read_json, _read_jsonl
from .markdown import _read_markdown
from .office import read_docx, read_odt
from .pdf import read_pdf
from .sniff import BINARY_FORMATS, SUFFIX_FORMATS, detect_format, suffix
from .text import _read_txt

# A PDF, Word file or image bigger than this is refused unread (its reader would hold it,
# and what it decodes to, in memory at once).
MAX_DOCUMENT_BYTES = 200_000_000
# Attachments of attached e-mails are read this many levels down.
MAX_ATTACHMENT_DEPTH = 3


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
        limit = (
            MAX_DOCUMENT_BYTES
            if SUFFIX_FORMATS.get(suffix(source.relpath)) in BINARY_FORMATS
            else None
        )
        data = _read_regular_file(source.path, limit)
    except OSError as exc:
        raise CorpusError(f"cannot read: {exc.strerror or exc}") from exc
    digest = hashlib.sha256(data).hexdigest()
    if digest == unless_digest:
        return None
    return _parse(data, source.relpath, source.id, digest)


def _read_regular_file(path: os.PathLike[str], limit: int | None = None) -> bytes:
    # Non-blocking: a file replaced by a named pipe since it was listed would otherwise block
    # the reindex for ever on open(); it is refused instead (the flag changes nothing else).
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    with open(fd, "rb") as file:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise CorpusError(f"not a regular file ({file_kind(info.st_mode)})")
        if limit is not None and info.st_size > limit:
            raise _too_big(info.st_size)
        return file.read()


def _too_big(size: int) -> CorpusError:
    return CorpusError(
        f"too big to read: {size / 1e6:,.0f} MB (a PDF, Word file or image may have "
        f"{MAX_DOCUMENT_BYTES / 1e6:,.0f} MB)"
    )


def parse_file(data: bytes, relpath: str, file_id: str) -> ParsedFile:
    """The articles in ``data``, read by the format its content or its name's suffix says.

    Raises :class:`CorpusError` when the whole file is unusable.
    """
    return _parse(data, relpath, file_id, hashlib.sha256(data).hexdigest())


def _parse(data: bytes, relpath: str, file_id: str, digest: str) -> ParsedFile:
    articles, skipped = _read(data, relpath, file_id)
    for article in articles:  # a batch has checked its own; this is a single article's file
        _check_length(article)
    return ParsedFile(articles, skipped, digest)


def _read(data: bytes, relpath: str, file_id: str) -> tuple[list[Article], list[Skipped]]:
    """The reader of the file's format, run; any failure is a :class:`CorpusError`."""
    fmt = detect_format(data, relpath)
    if fmt == "ole":
        raise CorpusError("an old Office file (OLE: .doc, .xls, .ppt), which is not read")
    reader = _READERS.get(fmt or "")
    if reader is None:
        name = suffix(relpath)
        raise CorpusError(f"unsupported file type {name or '(no suffix)'!r}")
    if fmt in BINARY_FORMATS and len(data) > MAX_DOCUMENT_BYTES:
        raise _too_big(len(data))
    if not data.strip():
        raise CorpusError("empty file")
    try:
        return reader(data, relpath, file_id)
    except (CorpusError, MemoryError):
        raise
    except Exception as exc:
        # A parsing library's own bug on odd bytes must cost this file only, not the reindex.
        raise CorpusError(f"unreadable: the {fmt.upper()} parser failed ({exc!r})") from exc


def _read_attachment(
    data: bytes, relpath: str, article_id: str
) -> tuple[list[Article], list[Skipped]]:
    """An e-mail attachment's articles (``relpath`` is "mail.eml#report.pdf"), each checked.
    An attached e-mail is read with its own attachments, to ``MAX_ATTACHMENT_DEPTH``."""
    if relpath.count("#") > MAX_ATTACHMENT_DEPTH:
        raise CorpusError(
            f"an attachment nested more than {MAX_ATTACHMENT_DEPTH} deep, which is not read"
        )
    articles, skipped = _read(data, relpath, article_id)
    for article in articles:
        _check_length(article)
    return articles, skipped


_Reader = Callable[[bytes, str, str], tuple[list[Article], list[Skipped]]]
# Readers by format (sniff.SUFFIX_FORMATS names each suffix's).
_READERS: dict[str, _Reader] = {
    "text": _read_txt,
    "markdown": _read_markdown,
    "html": _read_html,
    "json": _read_json,
    "jsonl": _read_jsonl,
    "csv": _read_csv,
    "feed": _read_feed,
    "pdf": read_pdf,
    "docx": read_docx,
    "odt": read_odt,
    "eml": functools.partial(read_eml, read_attachment=_read_attachment),
    "mbox": functools.partial(read_mbox, read_attachment=_read_attachment),
    "image": read_image,
}
assert set(SUFFIX_FORMATS) == ARTICLE_SUFFIXES, "every discovered suffix needs a format"
assert set(SUFFIX_FORMATS.values()) == set(_READERS), "every format needs a reader"
