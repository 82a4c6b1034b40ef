"""Plain text (``.txt``): one article, its title split off and a dateline or byline read."""

from __future__ import annotations

from ...errors import CorpusError
from ...text.article import Article, clean_paragraphs, split_title
from ..discover import Skipped
from .common import _decode_text
from .dates import _recover_text_metadata


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


def _read_txt(data: bytes, relpath: str, file_id: str) -> tuple[list[Article], list[Skipped]]:
    return [parse_article(data, file_id, relpath)], []
