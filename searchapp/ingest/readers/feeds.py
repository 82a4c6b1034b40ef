"""RSS and Atom feeds (``.xml``, ``.rss``, ``.atom``): one article per entry, read by
feedparser."""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from typing import Any

from ...errors import CorpusError
from ...text.article import Article, clean_paragraphs
from ..discover import Skipped
from .common import (
    _LOOKS_LIKE_HTML,
    _WIDE_BOMS,
    _as_text,
    _authors,
    _Batch,
    _cap_title,
    _check_markup,
    _clean_url,
    _decode_text,
    _host,
    _html_to_paragraphs,
    _one_line,
    _record_key,
    _titled,
    language_code,
)
from .dates import _make_date, _parse_date, _recover_text_metadata

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
    # RSS <language>, Atom xml:lang on <feed> (feedparser names both "language").
    feed_lang = language_code(channel.get("language"))
    batch = _Batch(relpath, file_id)
    for position, entry in enumerate(entries, start=1):
        locator = _as_text(entry.get("id")) or _as_text(entry.get("link"))
        batch.add(
            f"entry {position}",
            _record_key("", locator, position),
            lambda article_id, entry=entry: _entry_article(
                entry, article_id, relpath, feed_title, feed_host, feed_lang
            ),
        )
    return batch.result("the feed has no entries")


def _entry_article(
    entry: Mapping[str, Any],
    article_id: str,
    relpath: str,
    feed_title: str,
    feed_host: str,
    feed_lang: str,
) -> Article:
    contents = [c for c in entry.get("content") or [] if _as_text(c.get("value"))]
    if contents:
        detail = max(contents, key=lambda c: len(c.get("value") or ""))
        paragraphs = _feed_paragraphs(detail.get("type"), detail.get("value"))
    else:
        detail = entry.get("summary_detail") or {}
        paragraphs = _feed_paragraphs(detail.get("type"), entry.get("summary"))
    if not paragraphs:
        raise CorpusError("no article text (the entry has no content or summary)")
    text, text_date, text_author = _recover_text_metadata("\n\n".join(paragraphs))
    paragraphs = clean_paragraphs(text)
    if not paragraphs:
        raise CorpusError("no article text after removing boilerplate")
    title = _feed_text(entry.get("title_detail"), entry.get("title"))
    title, body, headline = _titled(title, paragraphs)
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
        lang=_entry_language(entry, detail) or feed_lang,
    )


def _entry_language(entry: Mapping[str, Any], detail: Mapping[str, Any]) -> str:
    """The language the entry states: its own (an RSS item's <dc:language>), else its text's
    (Atom's xml:lang on the entry or its content, which feedparser gives the text it read);
    "" leaves the feed's."""
    own = language_code(dict.get(entry, "language"))
    return own or (language_code(detail.get("language")) if isinstance(detail, Mapping) else "")


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
