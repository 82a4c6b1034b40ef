"""HTML pages (``.html``, ``.htm``): one article, its text and metadata extracted by
trafilatura, its language from the page's head (:func:`_html_language`)."""

from __future__ import annotations

import logging
import types
from datetime import date, timedelta
from functools import cache
from typing import Any

from ...errors import CorpusError
from ...text.article import Article, clean_paragraphs, split_title
from ..discover import Skipped
from .common import (
    _authors,
    _cap_title,
    _check_markup,
    _clean_url,
    _one_line,
    _same_text,
    _source_and_url,
    language_code,
)
from .dates import _parse_date, _recover_text_metadata

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
        lang=_html_language(data),
    )
    return [article], []


# Where a page states its language, in order: the root element's attributes, then <meta>
# elements in the head, by the attribute naming them and the names it may have.
_ROOT_LANGUAGE_ATTRIBUTES = ("lang", "xml:lang")
_META_LANGUAGE = (
    ("http-equiv", ("content-language",)),
    ("name", ("language", "content-language", "dc.language", "dcterms.language")),
    ("itemprop", ("inlanguage",)),
    ("property", ("og:locale",)),
    ("name", ("og:locale",)),
)
_HEAD_CHUNK = 64 * 1024


def _html_language(data: bytes) -> str:
    """The language the page states (:func:`.common.language_code`): ``<html lang>``, else
    a ``<meta>`` in its head (``http-equiv="content-language"``, ``name="language"``,
    ``og:locale``...). Only the head is parsed: the parser stops where the body starts."""
    from lxml import etree

    root: dict[str, str] = {}
    metas: list[dict[str, str]] = []
    parser = etree.HTMLPullParser(events=("start",))
    try:
        for offset in range(0, len(data), _HEAD_CHUNK):
            parser.feed(data[offset : offset + _HEAD_CHUNK])
            if _head_elements(parser, root, metas):
                break
        else:
            parser.close()
            _head_elements(parser, root, metas)
    except (etree.LxmlError, ValueError):
        pass  # what was read before the parser gave up still counts
    for name in _ROOT_LANGUAGE_ATTRIBUTES:
        if code := language_code(root.get(name)):
            return code
    for attribute, names in _META_LANGUAGE:
        for meta in metas:
            if (meta.get(attribute) or "").strip().lower() in names:
                if code := language_code(meta.get("content")):
                    return code
    return ""


def _head_elements(parser: Any, root: dict[str, str], metas: list[dict[str, str]]) -> bool:
    """Collect the root's attributes and the metas' from the parser's new events; whether the
    body has started."""
    for _event, element in parser.read_events():
        tag = element.tag.lower() if isinstance(element.tag, str) else ""
        if tag == "html" and not root:
            root.update({str(k).lower(): v for k, v in element.attrib.items()})
        elif tag == "meta":
            metas.append({str(k).lower(): v for k, v in element.attrib.items()})
        elif tag == "body":
            return True
    return False


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
