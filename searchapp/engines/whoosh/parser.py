"""The query language: Whoosh's parser (fields, phrases, boolean operators, ranges, prefix*,
wild?card, fuzzy~ and boosts) over title and body, its output turned into our tree."""

from __future__ import annotations

from whoosh.qparser import FuzzyTermPlugin, MultifieldParser, OrGroup

from ...errors import QueryError
from .. import query
from ..base import SEARCH_FIELDS
from .query import from_whoosh
from .schema import SCHEMA


def parse_query(text: str, title_boost: float = 1.0) -> query.Query:
    """``text`` as a query tree, not normalized: words not given a field search title (at
    ``title_boost``) and body, any of them matching. :class:`QueryError` for what the
    parser cannot read."""
    boosts = {"title": title_boost, "body": 1.0}
    parser = MultifieldParser(list(SEARCH_FIELDS), SCHEMA, fieldboosts=boosts, group=OrGroup)
    parser.add_plugin(FuzzyTermPlugin())
    try:
        parsed = parser.parse(text, normalize=False)
    except Exception as exc:  # the parser is lenient; anything left is a query we can't read
        raise QueryError(f"Could not understand the query: {exc}") from exc
    return from_whoosh(parsed)
