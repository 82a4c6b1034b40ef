"""Turning one source file's bytes into articles, one reader per format.

Single-article formats: plain text (``.txt``), Markdown (``.md``, ``.markdown``), HTML pages
(``.html``, ``.htm``) and a JSON file holding one object. Their article's id is the file's id.

Multi-article formats: JSON lists, JSON Lines (``.jsonl``, ``.ndjson``), CSV and RSS/Atom feeds
(``.xml``, ``.rss``, ``.atom``). Each record or entry becomes an article whose id is
``"{file_id}-{key}"``, the key being the record's own id, else a hash of its url, else its
1-based position, so ids survive a reindex and records appended to the file. A record that
cannot be used is reported as a :class:`~searchapp.ingest.discover.Skipped` entry
(``news.csv#row 7``) and the rest of the file is kept; a file with nothing usable raises
:class:`CorpusError`.

Metadata (date, outlet, author, url) is taken only where the file states it: record fields,
front matter, HTML meta tags, feed elements, or a dateline or byline standing alone on one of
the first lines of a text. Nothing here reaches the network.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import logging
import os
import re
import stat
import types
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from ..errors import CorpusError
from ..text.article import (
    HEADLINE_MAX_CHARS,
    Article,
    clean_paragraphs,
    shorten,
    split_title,
    url_key,
)
from .discover import ARTICLE_SUFFIXES, Skipped, SourceFile, file_kind

__all__ = [
    "ARTICLE_SUFFIXES",
    "ParsedFile",
    "parse_article",
    "parse_file",
    "read_source",
]

# Longer texts are no news articles (the longest long reads are 200,000 characters) but books
# or dumps; analysing one for the index takes about 40 times its size in memory (50 MB of text:
# 2 GB and 20 s), so it is skipped instead.
MAX_ARTICLE_CHARS = 2_000_000


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


def _check_length(article: Article) -> None:
    if len(article.body) > MAX_ARTICLE_CHARS:
        raise CorpusError(
            f"too long to index: {len(article.body):,} characters of text "
            f"(an article may have {MAX_ARTICLE_CHARS:,})"
        )


def parse_article(data: bytes, article_id: str, relpath: str) -> Article:
    """A plain-text article: paragraphs cleaned, title split off, dateline and byline read."""
    text, published, author = _recover_text_metadata(_decode_text(data))
    paragraphs = clean_paragraphs(text)
    if not paragraphs:
        raise CorpusError("no article text after removing boilerplate")
    title, body, headline = split_title(paragraphs)
    return Article(
        article_id,
        title,
        "\n\n".join(body),
        relpath,
        headline,
        published=published,
        author=author,
    )


def _suffix(relpath: str) -> str:
    name = relpath.rsplit("/", 1)[-1]
    return "." + name.rsplit(".", 1)[-1].lower() if "." in name.lstrip(".") else ""


# --- Bytes to text ------------------------------------------------------------------------------

# Wide Unicode encodings legitimately contain NUL bytes; a file starting with one of their byte
# order marks is read in it (UTF-32 LE's mark starts with UTF-16 LE's, so it comes first).
_WIDE_BOMS = {
    codecs.BOM_UTF32_LE: "UTF-32",
    codecs.BOM_UTF32_BE: "UTF-32",
    codecs.BOM_UTF16_LE: "UTF-16",
    codecs.BOM_UTF16_BE: "UTF-16",
}


def _decode_text(data: bytes) -> str:
    if not data.strip():
        raise CorpusError("empty file")
    wide = next((name for bom, name in _WIDE_BOMS.items() if data.startswith(bom)), None)
    if wide is not None:
        try:
            text = data.decode(wide)  # the codec reads the byte order from the mark, drops it
        except UnicodeDecodeError as exc:
            raise CorpusError(
                f"not {wide} despite its byte order mark (invalid bytes at offset {exc.start})"
            ) from exc
        if "\x00" in text:
            raise CorpusError("binary file (contains NUL characters)")
    else:
        if b"\x00" in data:
            raise CorpusError("binary file (contains NUL bytes)")
        text = _decode_utf8(data)
    if not text.strip():
        raise CorpusError("empty file")
    return text


def _decode_utf8(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.reason == "unexpected end of data" and exc.end == len(data):
            # Only the last character is cut short (a copy or a scrape stopped at a byte
            # count): the text before it is whole.
            return data[: exc.start].decode("utf-8-sig")
        raise CorpusError(f"not UTF-8 (invalid byte at offset {exc.start})") from exc


def _check_markup(data: bytes) -> None:
    """HTML and XML may declare their own encoding, so only the obviously unusable is refused."""
    if not data.strip():
        raise CorpusError("empty file")
    if b"\x00" in data and not data.startswith(tuple(_WIDE_BOMS)):
        raise CorpusError("binary file (contains NUL bytes)")


# --- Dates ----------------------------------------------------------------------------------------

# Missing parts of a date come from here, never from today; a missing year lands outside the
# accepted range and so rejects the date.
_DATE_DEFAULT = datetime(1, 1, 1)
_MIN_YEAR = 1900
_MAX_DATE_TEXT = 80  # longer strings are prose, not dates (and would be slow to try)
_DOTTED_TIME = re.compile(r"\b(\d{1,2})\.(\d\d)\b")


def _parse_date(value: object) -> date | None:
    """The calendar date ``value`` states, or None when it states none plausibly.

    Accepts ISO 8601, RFC 822, ``2017/2/7``, ``5 March 2018`` and the like, datetimes, dates
    and Unix timestamps; the date is the one written (a time zone does not shift it). Dates
    before 1900 or more than a year ahead are rejected. Never raises.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, datetime):
        return _in_range(value.date())
    if isinstance(value, date):
        return _in_range(value)
    if isinstance(value, int) and _MIN_YEAR <= value <= 9999:
        return _make_date(value, 1, 1)  # a bare year, as "2018" in a string would read
    if isinstance(value, int | float):
        return _from_timestamp(value)
    text = " ".join(str(value).split())
    if not text or len(text) > _MAX_DATE_TEXT:
        return None
    if text.isdigit() and len(text) >= 9:  # epoch seconds (or milliseconds) as a string
        return _from_timestamp(int(text))
    from dateutil import parser as date_parser

    # ignoretz: only the date as written is wanted, and unknown zone names ("BST") would
    # otherwise warn. British times ("07.34") confuse dateutil, so a failure is retried with
    # them in colon form.
    for attempt in (text, _DOTTED_TIME.sub(r"\1:\2", text)):
        try:
            parsed = date_parser.parse(attempt, default=_DATE_DEFAULT, ignoretz=True)
        except (ValueError, OverflowError, TypeError):
            continue
        return _in_range(parsed.date())
    return None


def _from_timestamp(value: float) -> date | None:
    if value != value or value < 10**8:  # NaN, or too small to be a timestamp of this era
        return None
    if value > 10**11:  # milliseconds
        value /= 1000
    try:
        return _in_range(datetime.fromtimestamp(value, UTC).date())
    except (OverflowError, OSError, ValueError):
        return None


def _in_range(day: date) -> date | None:
    latest = date.today() + timedelta(days=366)
    return day if _MIN_YEAR <= day.year and day <= latest else None


# --- Datelines and bylines in text ----------------------------------------------------------------

# Only this many non-blank lines at the top of a text are looked at: a dateline or byline
# stands before or just after the headline, and anything lower is article text.
_METADATA_LINES = 6

_DATE_PREFIX = re.compile(
    r"(?:(?:first|originally)\s+)?(?:published|posted|updated|modified|released|dated?|"
    r"last\s+(?:updated|modified|edited))(?:\s+(?:on|at))?\s*[:|–—-]?\s*",
    re.IGNORECASE,
)
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_WEEKDAYS = frozenset(
    "monday mon tuesday tue tues wednesday wed thursday thu thur thurs friday fri "
    "saturday sat sunday sun".split()
)
# Words a dateline may hold besides the date itself: times, zones, and small connectives.
_DATE_FILLER = frozenset(
    "am pm a.m. p.m. gmt bst utc cet cest eet eest est edt cst cdt mst mdt pst pdt et pt ist "
    "aest aedt jst msk z at on of the".split()
)
_DAY = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?")
_YEAR = re.compile(r"(?:19|20)\d\d")
_NUMERIC_DATE = re.compile(r"(\d{4})([-/])(\d{1,2})\2(\d{1,2})(?:t[\d:.]+(?:z|[+-]\d\d:?\d\d)?)?")
_TIME = re.compile(
    r"\d{1,2}(?:[:.]\d\d(?:[:.]\d\d)?)?(?:am|pm|a\.m\.|p\.m\.)|\d{1,2}[:.]\d\d(?:[:.]\d\d)?"
    r"|[+-]\d\d:?\d\d"
)
_DATE_WORDS = re.compile(r"[^\s,|•·()]+")

# A byline: "By" and one or more names of two to four capitalised words (particles allowed).
_NAME_WORD = r"[A-ZÀ-Þ][\w'’.-]*"
_PARTICLE = r"(?:de|van|von|der|den|da|di|du|la|le|al|el|bin|ibn|dos|del|ter)"
_PERSON = rf"{_NAME_WORD}(?:\s+(?:{_PARTICLE}\s+)*{_NAME_WORD}){{1,3}}"
# Case matters for the names, so only "by" ignores it.
_BYLINE = re.compile(rf"(?i:by)\s+({_PERSON}(?:\s*(?:,|\band\b|&)\s*{_PERSON})*)")
# "By Jane Smith, Security Correspondent": a job title is not a second author.
_ROLE_WORDS = frozenset(
    "correspondent editor reporter writer staff contributor columnist analyst producer "
    "photographer journalist desk team agencies".split()
)
_BYLINE_SPLIT = re.compile(r"\s*(?:,|\band\b|&)\s*")
_BYLINE_MAX_CHARS = 100


def _recover_text_metadata(text: str) -> tuple[str, date | None, str]:
    """``text`` without a dateline and a byline found on its first lines, and what they said.

    A dateline is a line that holds nothing but a date with day, month and year (optionally
    "Published:", a weekday, a time and a zone); a byline is "By" and capitalised names. A
    matched line becomes a blank line, so the text around it stays in separate paragraphs.
    Dates inside sentences are never read.
    """
    lines = text.splitlines()
    published: date | None = None
    author = ""
    seen = 0
    for index, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            continue
        seen += 1
        if seen > _METADATA_LINES:
            break
        if published is None and (found := _dateline(stripped)) is not None:
            published = found
            lines[index] = ""
        elif not author and (names := _byline(stripped)):
            author = names
            lines[index] = ""
    if published is None and not author:
        return text, None, ""
    return "\n".join(lines), published, author


def _dateline(line: str) -> date | None:
    if len(line) > _MAX_DATE_TEXT:
        return None
    prefix = _DATE_PREFIX.match(line)
    rest = line[prefix.end() :] if prefix else line
    day = month = year = None
    numeric: date | None = None
    for raw_word in _DATE_WORDS.findall(rest.lower()):
        word = raw_word.strip("-–—/")
        bare = word.rstrip(".")
        if not word or bare in _WEEKDAYS or word in _DATE_FILLER or bare in _DATE_FILLER:
            continue
        if _TIME.fullmatch(word):
            continue
        if bare in _MONTHS:
            if month is not None:
                return None
            month = _MONTHS[bare]
        elif _YEAR.fullmatch(bare):
            if year is not None:
                return None
            year = int(bare)
        elif match := _DAY.fullmatch(bare):
            if day is not None:
                return None
            day = int(match.group(1))
        elif match := _NUMERIC_DATE.fullmatch(word):
            if numeric is not None:
                return None
            numeric = _make_date(int(match.group(1)), int(match.group(3)), int(match.group(4)))
            if numeric is None:
                return None
        else:
            return None  # a word that is no part of a date: this is a sentence
    if numeric is not None:
        return numeric if day is month is year is None else None
    if day is None or month is None or year is None:
        return None
    return _make_date(year, month, day)


def _make_date(year: int, month: int, day: int) -> date | None:
    try:
        return _in_range(date(year, month, day))
    except ValueError:
        return None


def _byline(line: str) -> str:
    if len(line) > _BYLINE_MAX_CHARS:
        return ""
    match = _BYLINE.fullmatch(line)
    if match is None:
        return ""
    names = []
    for name in _BYLINE_SPLIT.split(match.group(1)):
        words = [word.lower().rstrip(".") for word in name.split()]
        # "By Late March" fits the pattern; calendar words are never part of a name.
        if any(word in _MONTHS or word in _WEEKDAYS for word in words):
            return ""
        if words and not _ROLE_WORDS.intersection(words):
            names.append(" ".join(name.split()))
    return ", ".join(names)


# --- Plain text -----------------------------------------------------------------------------------


def _read_txt(data: bytes, relpath: str, file_id: str) -> tuple[list[Article], list[Skipped]]:
    return [parse_article(data, file_id, relpath)], []


# --- Markdown -------------------------------------------------------------------------------------


def _read_markdown(data: bytes, relpath: str, file_id: str) -> tuple[list[Article], list[Skipped]]:
    meta, markdown = _split_front_matter(_decode_text(data))
    heading, html = _markdown_to_html(markdown)
    fields = _record_fields(meta)
    front_title = _one_line(_as_text(fields.get("title")))
    text, text_date, text_author = _recover_text_metadata("\n\n".join(_html_to_paragraphs(html)))
    paragraphs = clean_paragraphs(text)
    title = front_title or heading
    if not paragraphs:
        if not title:
            raise CorpusError("no article text after removing boilerplate")
        # A title-only note is still found by its title, as a title-only .txt file is.
        paragraphs, title = [title], ""
    if title:
        if front_title and heading and heading != front_title:
            paragraphs.insert(0, heading)  # the page's own heading is text when meta titles it
        body, headline = paragraphs, True
    else:
        title, body, headline = split_title(paragraphs)
    article = _article_with_fields(
        file_id, title, body, relpath, headline, fields, text_date, text_author
    )
    return [article], []


# Front matter values holding more than this many items in all are dropped: YAML aliases can
# make a short block stand for a huge (or self-containing) value.
_FRONT_MATTER_MAX_ITEMS = 1000


def _split_front_matter(text: str) -> tuple[dict[Any, Any], str]:
    """YAML front matter between ``---`` lines at the very top, and the text after it.

    A block that is not valid YAML or not a mapping gives no metadata and is still left out of
    the text.
    """
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        return {}, text
    for end in range(1, len(lines)):
        if lines[end].strip() in ("---", "..."):
            break
    else:
        return {}, text  # never closed: an ordinary rule at the top of the text
    import yaml  # imported on first use: only Markdown files need it

    try:
        meta = yaml.load("\n".join(lines[1:end]), Loader=_front_matter_loader())
    except (yaml.YAMLError, RecursionError):
        meta = None
    rest = "\n".join(lines[end + 1 :])
    if not isinstance(meta, dict):
        return {}, rest
    return {key: value for key, value in meta.items() if _small_value(value)}, rest


@cache
def _front_matter_loader() -> type:
    """PyYAML's safe loader, with dates left as text for :func:`_parse_date` (which rejects
    an impossible one alone, where YAML would fail the whole block)."""
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    Loader.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    return Loader


def _small_value(value: object) -> bool:
    """Whether ``value`` holds at most :data:`_FRONT_MATTER_MAX_ITEMS` items, nested included."""
    stack, count = [value], 0
    while stack:
        item = stack.pop()
        count += 1
        if count > _FRONT_MATTER_MAX_ITEMS:
            return False
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return True


@cache
def _markdown_parser() -> Any:
    from markdown_it import MarkdownIt  # imported on first use: only Markdown files need it

    # CommonMark with raw HTML passed through (_html_to_paragraphs drops scripts, styles and
    # comments), plus GitHub's tables and ~~strikethrough~~.
    return MarkdownIt("commonmark").enable(["table", "strikethrough"])


def _markdown_to_html(markdown: str) -> tuple[str, str]:
    """The text of the first top-level level-one heading, and the rest rendered as HTML."""
    md = _markdown_parser()
    tokens = md.parse(markdown)
    heading = ""
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and token.tag == "h1" and token.level == 0:
            inline = tokens[index + 1]
            html = md.renderer.renderInline(inline.children or [], md.options, {})
            heading = " ".join(_html_to_paragraphs(html))
            if heading:
                del tokens[index : index + 3]  # heading_open, inline, heading_close
                break
    return heading, md.renderer.render(tokens, md.options, {})


# --- HTML -----------------------------------------------------------------------------------------

# A page's text must hold at least one real sentence: trafilatura falls back to whatever text a
# page has, so a page of navigation links comes back as a list of short link labels.
_PROSE_MIN_WORDS = 8
# lxml's HTML parser may stop early in a page bigger than this (its "huge tree" safety limit,
# which trafilatura keeps), so text after that point is never seen.
_HTML_PARSER_LIMIT = 10_000_000


@cache
def _trafilatura() -> types.ModuleType:
    import trafilatura  # imported on first use: it takes a while and most folders hold no HTML

    # A page without text is reported as a skipped file with its reason; trafilatura's own
    # warnings about it would only repeat that on stderr. Explicit logging config still wins.
    for name in ("trafilatura", "htmldate", "courlan"):
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET:
            logger.setLevel(logging.CRITICAL)
    return trafilatura


def _read_html(data: bytes, relpath: str, file_id: str) -> tuple[list[Article], list[Skipped]]:
    _check_markup(data)
    trafilatura = _trafilatura()
    document = trafilatura.bare_extraction(
        data,
        url=None,  # never fetched; only used to resolve links, which are not kept
        with_metadata=True,
        include_comments=False,
        include_images=False,
        include_links=False,
        include_tables=True,
        # Dates only from markup (meta tags, <time>, structured data, the url): the extensive
        # search picks years out of copyright lines and sentences.
        date_extraction_params={
            "original_date": True,
            "extensive_search": False,
            "max_date": (date.today() + timedelta(days=1)).isoformat(),
        },
    )
    raw = (getattr(document, "text", None) or "") if document is not None else ""
    # trafilatura puts one paragraph (or list item, or table row) on each line.
    text, text_date, text_author = _recover_text_metadata("\n\n".join(raw.splitlines()))
    paragraphs = clean_paragraphs(text)
    if not any(len(p.split()) >= _PROSE_MIN_WORDS for p in paragraphs):
        if len(data) > _HTML_PARSER_LIMIT:
            raise CorpusError(
                f"no article text found in the HTML page ({len(data) / 1e6:.0f} MB: the HTML "
                "parser may stop before the end of a page over 10 MB)"
            )
        raise CorpusError("no article text in the HTML page (only navigation or boilerplate)")
    title = _one_line(document.title or "") or _html_title(data)
    if title:
        if len(paragraphs) > 1 and _same_text(paragraphs[0], title):
            paragraphs = paragraphs[1:]  # the page's <h1> repeated at the top of its text
        body, headline = paragraphs, True
    else:
        title, body, headline = split_title(paragraphs)
    source, url = _source_and_url(_one_line(document.sitename or ""), _clean_url(document.url))
    article = Article(
        file_id,
        _cap_title(title),
        "\n\n".join(body),
        relpath,
        headline,
        published=_parse_date(document.date) or text_date,
        source=source,
        author=_authors((document.author or "").replace(";", ",")) or text_author,
        url=url,
    )
    return [article], []


def _html_title(data: bytes) -> str:
    """The page's <title>, else its first <h1> (trafilatura found neither usable)."""
    from lxml import etree, html

    try:
        root = html.document_fromstring(data)
    except (etree.ParserError, ValueError):
        return ""
    for path in (".//title", ".//h1"):
        element = root.find(path)
        if element is not None and (text := _one_line(element.text_content())):
            return text
    return ""


_BLOCK_TAGS = frozenset(
    "address article aside blockquote br dd details div dl dt figcaption figure footer form "
    "h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary table tbody td th thead "
    "tr ul".split()
)
_DROPPED_TAGS = ("script", "style", "noscript", "template", "iframe", "object", "embed", "svg")
_BREAK = "\x1f"


def _html_to_paragraphs(fragment: str) -> list[str]:
    """The text of an HTML fragment (a feed entry's content, a record's HTML body), one item
    per block element; scripts, styles and comments are dropped."""
    from lxml import etree, html

    if not fragment.strip():
        return []
    try:
        root = html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):
        return [" ".join(fragment.split())]
    etree.strip_elements(root, etree.Comment, etree.ProcessingInstruction, with_tail=False)
    etree.strip_elements(root, *_DROPPED_TAGS, with_tail=False)
    chunks: list[str] = []
    # Iterative walk: deeply nested markup must not hit the recursion limit.
    for event, element in etree.iterwalk(root, events=("start", "end")):
        tag = element.tag.lower() if isinstance(element.tag, str) else ""
        block = tag in _BLOCK_TAGS
        if event == "start":
            if block:
                chunks.append(_BREAK)
            if element.text:
                chunks.append(element.text)
        else:
            if block:
                chunks.append(_BREAK)
            if element.tail and element is not root:
                chunks.append(element.tail)
    pieces = (" ".join(piece.split()) for piece in "".join(chunks).split(_BREAK))
    return [piece for piece in pieces if piece]


# --- Records: JSON, JSON Lines, CSV ------------------------------------------------------------

# Field names are matched lowercased with everything but letters and digits removed.
_ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id", "articleid", "guid", "uid", "docid"),
    "title": ("title", "headline"),
    "body": ("text", "body", "content", "article", "fulltext"),
    "date": (
        "date",
        "published",
        "publishdate",
        "pubdate",
        "publishedat",
        "datetime",
        "created",
        "datepublished",
        "publicationdate",
        "createdat",
    ),
    "source": ("source", "outlet", "publisher", "site", "sitename", "sourcename"),
    "url": ("url", "link", "sourcelink", "articlesourcelink", "permalink"),
    "author": ("author", "authors", "byline", "creator", "writer"),
    # A standfirst opens the body; a summary stands in for a missing body.
    "lead": ("subtitle", "subheadline", "standfirst", "dek"),
    "summary": ("summary", "description", "abstract"),
}
_ALIAS_FIELD = {alias: name for name, aliases in _ALIASES.items() for alias in aliases}
_CONTAINER_KEYS = ("articles", "items", "entries", "data")
_TITLE_MAX_CHARS = 2 * HEADLINE_MAX_CHARS
_LOOKS_LIKE_HTML = re.compile(
    r"<(?:p|br|div|span|a|b|i|em|strong|li|ul|ol|h[1-6]|blockquote|img|figure|table)\b[^>]*>",
    re.IGNORECASE,
)


def _norm_key(key: object) -> str:
    return re.sub(r"[^a-z0-9]", "", str(key).lower())


def _record_fields(record: Mapping[Any, Any]) -> dict[str, Any]:
    """The record's values under our field names; the first alias with a value wins."""
    by_key: dict[str, Any] = {}
    for key, value in record.items():
        if key is not None:  # csv.DictReader's key for surplus cells
            by_key.setdefault(_norm_key(key), value)
    fields: dict[str, Any] = {}
    for name, aliases in _ALIASES.items():
        for alias in aliases:
            value = by_key.get(alias)
            if _as_text(value):
                fields[name] = value
                break
    return fields


def _as_text(value: object, separator: str = ", ") -> str:
    """A JSON/CSV/YAML value as text: null and booleans are empty, lists are joined, objects
    give their name or value."""
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return ""
        return str(int(value)) if value.is_integer() else str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list | tuple):
        parts = (_as_text(item, separator) for item in value)
        return separator.join(part for part in parts if part)
    if isinstance(value, Mapping):
        for key in ("name", "value", "text", "title", "href", "url"):
            if key in value:
                return _as_text(value[key], separator)
        return ""
    return str(value).strip()


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _cap_title(title: str) -> str:
    return shorten(title, _TITLE_MAX_CHARS) if len(title) > _TITLE_MAX_CHARS else title


def _same_text(a: str, b: str) -> bool:
    return _norm_key(a) == _norm_key(b) and bool(_norm_key(a))


def _authors(value: object) -> str:
    names = (_one_line(name) for name in re.split(r"\s*[,;]\s*", _as_text(value)))
    return ", ".join(name for name in names if name)


def _clean_url(value: object) -> str:
    """An absolute http(s) url, or empty."""
    url = _as_text(value)
    if not url or any(c.isspace() for c in url):
        return ""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    return url if parts.scheme.lower() in ("http", "https") and parts.hostname else ""


def _host(url: str) -> str:
    if not url:
        return ""
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    return host.removeprefix("www.")


def _source_and_url(source: str, url: str) -> tuple[str, str]:
    """An outlet named by its url gives the url (when none is known) and its host."""
    source = _one_line(source)
    if re.match(r"https?://", source, re.IGNORECASE) and (source_url := _clean_url(source)):
        return _host(source_url), url or source_url
    if re.fullmatch(r"www\.[\w.-]+\.[a-z]{2,}/?", source, re.IGNORECASE):
        return source.lower().removeprefix("www.").rstrip("/"), url
    return source or _host(url), url


_SLUG_MAX = 64


def _slug(value: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", value).strip("-.")
    if not slug or len(slug) > _SLUG_MAX:
        # Nothing usable, or too long for an id: keep it readable and unique with a hash.
        digest = hashlib.sha1(value.encode()).hexdigest()[:12]
        return f"{slug[: _SLUG_MAX - 13].rstrip('-.')}-{digest}" if slug else digest
    return slug


def _record_key(record_id: str, locator: str, position: int) -> str:
    if record_id:
        return _slug(record_id)
    if locator:
        return hashlib.sha1((url_key(locator) or locator.strip()).encode()).hexdigest()[:12]
    return str(position)


def _record_article(fields: Mapping[str, Any], article_id: str, relpath: str) -> Article:
    """An article from a record's fields; raises :class:`CorpusError` when it has no text."""
    raw_body = _as_text(fields.get("body"), "\n\n") or _as_text(fields.get("summary"), "\n\n")
    if not raw_body:
        raise CorpusError("no article text (no text, body or content value)")
    if _LOOKS_LIKE_HTML.search(raw_body):
        raw_body = "\n\n".join(_html_to_paragraphs(raw_body))
    text, text_date, text_author = _recover_text_metadata(raw_body)
    paragraphs = clean_paragraphs(text)
    lead = clean_paragraphs(_as_text(fields.get("lead"), "\n\n"))
    if lead and paragraphs and not paragraphs[0].startswith(lead[0]):
        paragraphs = lead + paragraphs
    if not paragraphs:
        raise CorpusError("no article text after removing boilerplate")
    title = _one_line(_as_text(fields.get("title")))
    if _LOOKS_LIKE_HTML.search(title):
        title = " ".join(_html_to_paragraphs(title))
    if title:
        if len(paragraphs) > 1 and _same_text(paragraphs[0], title):
            paragraphs = paragraphs[1:]
        body, headline = paragraphs, True
    else:
        title, body, headline = split_title(paragraphs)
    return _article_with_fields(
        article_id, _cap_title(title), body, relpath, headline, fields, text_date, text_author
    )


def _article_with_fields(
    article_id: str,
    title: str,
    body: list[str],
    relpath: str,
    headline: bool,
    fields: Mapping[str, Any],
    text_date: date | None,
    text_author: str,
) -> Article:
    """The article, with the date, outlet, author and url its fields state (a dateline or
    byline found in the text when they don't)."""
    source, url = _source_and_url(_as_text(fields.get("source")), _clean_url(fields.get("url")))
    return Article(
        article_id,
        title,
        "\n\n".join(body),
        relpath,
        headline,
        published=_parse_date(_date_value(fields.get("date"))) or text_date,
        source=source,
        author=_authors(fields.get("author")) or text_author,
        url=url,
    )


def _date_value(value: object) -> object:
    # Numbers are timestamps; anything else structured is read as its text.
    return value if isinstance(value, int | float | date) else _as_text(value)


@dataclass
class _Batch:
    """Collects the articles of a multi-article file, skipping unusable and duplicate records."""

    relpath: str
    file_id: str
    articles: list[Article] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    seen: dict[str, str] = field(default_factory=dict)  # article id -> where it came from
    records: int = 0

    def skip(self, where: str, reason: str) -> None:
        self.records += 1
        self.skipped.append(Skipped(f"{self.relpath}#{where}", reason))

    def add(self, where: str, key: str, make: Callable[[str], Article]) -> None:
        self.records += 1
        article_id = f"{self.file_id}-{key}"
        if article_id in self.seen:
            reason = f"duplicate id {article_id!r} (also {self.seen[article_id]})"
            self.skipped.append(Skipped(f"{self.relpath}#{where}", reason))
            return
        try:
            article = make(article_id)
            _check_length(article)
        except CorpusError as exc:
            self.skipped.append(Skipped(f"{self.relpath}#{where}", exc.message))
            return
        self.seen[article_id] = where
        self.articles.append(article)

    def add_record(self, where: str, position: int, record: Mapping[Any, Any]) -> None:
        fields = _record_fields(record)
        key = _record_key(_as_text(fields.get("id")), _clean_url(fields.get("url")), position)
        self.add(where, key, lambda article_id: _record_article(fields, article_id, self.relpath))

    def result(self, nothing: str) -> tuple[list[Article], list[Skipped]]:
        if self.articles:
            return self.articles, self.skipped
        if not self.records:
            raise CorpusError(nothing)
        first = self.skipped[0]
        where = first.path.rsplit("#", 1)[-1]
        raise CorpusError(
            f"no usable articles: all {self.records} skipped (first, {where}: {first.reason})"
        )


def _read_json(data: bytes, relpath: str, file_id: str) -> tuple[list[Article], list[Skipped]]:
    text = _decode_text(data)
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CorpusError(
            f"invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from exc
    except RecursionError as exc:
        raise CorpusError("invalid JSON: nested too deeply") from exc
    if isinstance(value, dict):
        container = _container_list(value)
        if container is None or "body" in _record_fields(value):
            # One object: one article, with the file's own id.
            return [_record_article(_record_fields(value), file_id, relpath)], []
        value = container
    if not isinstance(value, list):
        raise CorpusError("JSON must be an object or a list of objects")
    batch = _Batch(relpath, file_id)
    for position, item in enumerate(value, start=1):
        if isinstance(item, dict):
            batch.add_record(f"item {position}", position, item)
        else:
            batch.skip(f"item {position}", f"not a JSON object ({type(item).__name__})")
    return batch.result("no articles (the JSON list is empty)")


def _container_list(value: dict[str, Any]) -> list[Any] | None:
    keys = {_norm_key(key): key for key in value}
    for name in _CONTAINER_KEYS:
        if name in keys and isinstance(value[keys[name]], list):
            return value[keys[name]]
    return None


def _read_jsonl(data: bytes, relpath: str, file_id: str) -> tuple[list[Article], list[Skipped]]:
    batch = _Batch(relpath, file_id)
    for number, line in enumerate(_decode_text(data).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            batch.skip(f"line {number}", f"invalid JSON: {exc.msg} (column {exc.colno})")
            continue
        except RecursionError:
            batch.skip(f"line {number}", "invalid JSON: nested too deeply")
            continue
        if isinstance(value, dict):
            batch.add_record(f"line {number}", number, value)
        else:
            batch.skip(f"line {number}", f"not a JSON object ({type(value).__name__})")
    return batch.result("no records")


# Room for the longest article a CSV cell may hold (the csv module's default is 128 KiB).
_CSV_FIELD_LIMIT = 64 * 1024 * 1024
_CSV_SNIFF_BYTES = 64 * 1024


def _read_csv(data: bytes, relpath: str, file_id: str) -> tuple[list[Article], list[Skipped]]:
    text = _decode_text(data)
    if csv.field_size_limit() < _CSV_FIELD_LIMIT:
        csv.field_size_limit(_CSV_FIELD_LIMIT)
    delimiter = _sniff_delimiter(text)
    reader = csv.DictReader(io.StringIO(text, newline=""), dialect="excel", delimiter=delimiter)
    if delimiter != "," and not _has_text_column(reader.fieldnames):
        # The sniffer guessed wrong (long prose fools it); comma is the common case.
        reader = csv.DictReader(io.StringIO(text, newline=""), dialect="excel")
    header = reader.fieldnames or []
    if not _has_text_column(header):
        names = ", ".join(_ALIASES["body"])
        if not any(_norm_key(name) in _ALIAS_FIELD for name in header):
            raise CorpusError(f"no header row with known column names (a text column: {names})")
        raise CorpusError(f"no text column (expected one of: {names})")
    batch = _Batch(relpath, file_id)
    position = 0
    rows = iter(reader)
    while True:
        try:
            row = next(rows)
        except StopIteration:
            break
        except csv.Error as exc:
            batch.skip(f"row {position + 1}", f"unreadable CSV from here on: {exc}")
            break
        position += 1
        if None in row:  # more cells than the header: a broken quote shifted the columns
            cells = len(header) + len(row[None])
            batch.skip(f"row {position}", f"malformed row: {cells} cells, header has {len(header)}")
            continue
        batch.add_record(f"row {position}", position, row)
    return batch.result("no data rows under the header")


def _sniff_delimiter(text: str) -> str:
    # Only the delimiter is taken from the sniffer: its quoting guesses are unreliable on
    # prose, and real files quote the excel way.
    try:
        return csv.Sniffer().sniff(text[:_CSV_SNIFF_BYTES], delimiters=",;\t|").delimiter
    except csv.Error:
        # Rows of uneven length defeat the sniffer; the header line alone still tells.
        header = text.split("\n", 1)[0]
        counts = {delimiter: header.count(delimiter) for delimiter in ",;\t|"}
        best = max(counts, key=counts.__getitem__)
        return best if counts[best] else ","


def _has_text_column(header: Iterable[str] | None) -> bool:
    return any(_ALIAS_FIELD.get(_norm_key(name)) in ("body", "summary") for name in header or ())


# --- Feeds ----------------------------------------------------------------------------------------


# The encoding named by the XML declaration a document starts with.
_XML_ENCODING = re.compile(r"""\A(\s*<\?xml\s[^>]*?\bencoding\s*=\s*)(["'])[^"'>]*\2""")


def _read_feed(data: bytes, relpath: str, file_id: str) -> tuple[list[Article], list[Skipped]]:
    _check_markup(data)
    import feedparser

    if data.startswith(tuple(_WIDE_BOMS)):
        # feedparser reads UTF-16 and UTF-32 only when the XML declaration names them, not by
        # their byte order mark alone: the feed is handed over in UTF-8, declared so.
        text = _XML_ENCODING.sub(r"\1\2utf-8\2", _decode_text(data), count=1)
        data = text.encode()

    try:
        # A stream, never bytes or a string: feedparser treats a string as a url or file name.
        feed = feedparser.parse(io.BytesIO(data))
    except UnicodeDecodeError as exc:  # feedparser 6 reads the declared encoding's name as UTF-8
        raise CorpusError("not an RSS/Atom feed (its encoding declaration is not text)") from exc
    entries = feed.get("entries") or []
    if not entries:
        if not feed.get("version"):
            problem = feed.get("bozo_exception")
            detail = f" ({problem})" if problem else ""
            raise CorpusError(f"not an RSS/Atom feed{detail}")
        raise CorpusError("the feed has no entries")
    channel = feed.get("feed") or {}
    feed_title = _feed_text(channel.get("title_detail"), channel.get("title"))
    feed_host = _host(_clean_url(channel.get("link")))
    batch = _Batch(relpath, file_id)
    for position, entry in enumerate(entries, start=1):
        locator = _as_text(entry.get("id")) or _as_text(entry.get("link"))
        batch.add(
            f"entry {position}",
            _record_key("", locator, position),
            lambda article_id, entry=entry: _entry_article(
                entry, article_id, relpath, feed_title, feed_host
            ),
        )
    return batch.result("the feed has no entries")


def _entry_article(
    entry: Mapping[str, Any], article_id: str, relpath: str, feed_title: str, feed_host: str
) -> Article:
    contents = [c for c in entry.get("content") or [] if _as_text(c.get("value"))]
    if contents:
        best = max(contents, key=lambda c: len(c.get("value") or ""))
        paragraphs = _feed_paragraphs(best.get("type"), best.get("value"))
    else:
        paragraphs = _feed_paragraphs(
            (entry.get("summary_detail") or {}).get("type"), entry.get("summary")
        )
    if not paragraphs:
        raise CorpusError("no article text (the entry has no content or summary)")
    text, text_date, text_author = _recover_text_metadata("\n\n".join(paragraphs))
    paragraphs = clean_paragraphs(text)
    if not paragraphs:
        raise CorpusError("no article text after removing boilerplate")
    title = _feed_text(entry.get("title_detail"), entry.get("title"))
    if title:
        if len(paragraphs) > 1 and _same_text(paragraphs[0], title):
            paragraphs = paragraphs[1:]
        body, headline = paragraphs, True
    else:
        title, body, headline = split_title(paragraphs)
    url = _clean_url(entry.get("link"))
    # Plain dict lookups: feedparser's own answer "updated" with "published" (and a warning).
    published = _parse_date(dict.get(entry, "published")) or _parse_date(dict.get(entry, "updated"))
    for parsed in (dict.get(entry, "published_parsed"), dict.get(entry, "updated_parsed")):
        if published is None and parsed:
            published = _make_date(parsed.tm_year, parsed.tm_mon, parsed.tm_mday)
    return Article(
        article_id,
        _cap_title(title),
        "\n\n".join(body),
        relpath,
        headline,
        published=published or text_date,
        source=feed_title or _host(url) or feed_host,
        author=_entry_author(entry) or text_author,
        url=url,
    )


def _feed_paragraphs(kind: object, value: object) -> list[str]:
    text = _as_text(value)
    if not text:
        return []
    if "html" in str(kind) if kind else _LOOKS_LIKE_HTML.search(text):
        return clean_paragraphs("\n\n".join(_html_to_paragraphs(text)))
    return clean_paragraphs(text)


def _feed_text(detail: Mapping[str, Any] | None, value: object) -> str:
    text = _as_text(value)
    if detail and "html" in str(detail.get("type") or "") and "<" in text:
        return " ".join(_html_to_paragraphs(text))
    return _one_line(text)


def _entry_author(entry: Mapping[str, Any]) -> str:
    authors = [_as_text(a.get("name")) for a in entry.get("authors") or [] if isinstance(a, dict)]
    if any(authors):
        return _authors(authors)
    detail = entry.get("author_detail") or {}
    return _authors(detail.get("name") or entry.get("author"))


# --- Dispatch -------------------------------------------------------------------------------------

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
