"""Markdown (``.md``, ``.markdown``): one article, metadata from YAML front matter, the
title from the front matter or the first level-one heading."""

from __future__ import annotations

from functools import cache
from typing import Any

from ...errors import CorpusError
from ...text.article import Article, clean_paragraphs, split_title
from ..discover import Skipped
from .common import (
    _article_with_fields,
    _as_text,
    _decode_text,
    _html_to_paragraphs,
    _one_line,
    _record_fields,
)
from .dates import _recover_text_metadata


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
    """PyYAML's safe loader, with dates left as text for :func:`.dates._parse_date` (which rejects
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
