"""What the per-format readers share: the length limit, bytes to text, an HTML fragment's
text, record fields under our names, cleaned metadata values (a stated language as its ISO
639-1 code: :func:`language_code`), and :class:`_Batch`, which collects the articles of a
multi-article file."""

from __future__ import annotations

import codecs
import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from ...errors import CorpusError
from ...text.article import (
    HEADLINE_MAX_CHARS,
    Article,
    clean_paragraphs,
    shorten,
    split_title,
    url_key,
)
from ...text.language import normalize_code
from ..discover import Skipped
from .dates import _parse_date, _recover_text_metadata

# Longer texts are books or dumps, not news articles, and analysing one takes too much memory.
MAX_ARTICLE_CHARS = 2_000_000
# A paged document (a PDF report, a scan) may be longer: a 2,000-page report is searched whole.
MAX_DOCUMENT_CHARS = 12_000_000
# Pages read of one document; a longer one is read to this page, with a warning.
MAX_PAGES = 5_000


def _check_length(article: Article) -> None:
    limit = MAX_DOCUMENT_CHARS if article.pages else MAX_ARTICLE_CHARS
    if len(article.body) > limit:
        kind = "a paged document" if article.pages else "an article"
        raise CorpusError(
            f"too long to index: {len(article.body):,} characters of text "
            f"({kind} may have {limit:,})"
        )


# --- Bytes to text --------------------------------------------------------------------------------

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


# --- HTML fragments -------------------------------------------------------------------------------

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


# --- Records: JSON, JSON Lines, CSV ---------------------------------------------------------------

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
    # The language the record states (schema.org's "inLanguage" too): see language_code().
    "lang": ("lang", "language", "languagecode", "langcode", "inlanguage"),
    # A standfirst opens the body; a summary stands in for a missing body.
    "lead": ("subtitle", "subheadline", "standfirst", "dek"),
    "summary": ("summary", "description", "abstract"),
}
_ALIAS_FIELD = {alias: name for name, aliases in _ALIASES.items() for alias in aliases}
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
    title, body, headline = _titled(title, paragraphs)
    return _article_with_fields(
        article_id, _cap_title(title), body, relpath, headline, fields, text_date, text_author
    )


def _titled(title: str, paragraphs: list[str]) -> tuple[str, list[str], bool]:
    """Title, body and whether the title is a headline: the stated title (and the body without
    a first paragraph repeating it), else the one split off the text."""
    if title:
        if len(paragraphs) > 1 and _same_text(paragraphs[0], title):
            paragraphs = paragraphs[1:]
        return title, paragraphs, True
    return split_title(paragraphs)


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
        lang=language_code(fields.get("lang")),
    )


def _date_value(value: object) -> object:
    # Numbers are timestamps; anything else structured is read as its text.
    return value if isinstance(value, int | float | date) else _as_text(value)


# --- Languages ------------------------------------------------------------------------------------


def language_code(value: object) -> str:
    """The ISO 639-1 code of the language a metadata value states
    (:func:`searchapp.text.language.normalize_code`; lists joined); never raises."""
    try:
        text = _as_text(value)
    except Exception:  # an object whose str() fails: no language stated
        return ""
    return normalize_code(text)


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
