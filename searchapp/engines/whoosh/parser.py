"""The query language: Whoosh's parser (fields, phrases, boolean operators, ranges, prefix*,
wild?card, fuzzy~ and boosts) over title and body, its output turned into our tree."""

from __future__ import annotations

from whoosh import fields
from whoosh.qparser import FuzzyTermPlugin, MultifieldParser, OrGroup

from ...errors import QueryError
from ...text.entities import ENTITY_TYPES
from .. import query
from ..base import SEARCH_FIELDS
from .query import from_whoosh
from .schema import SCHEMA

# The index's schema, plus the entity types as whole-value fields: `person:"Christine Lee"`
# and `cve:CVE-2021-44228` parse as terms, which search resolves to the entity field's values.
_SCHEMA = SCHEMA.copy()
for _kind in ENTITY_TYPES:
    if _kind in _SCHEMA:  # `url`, a stored field, is the url indicator in queries
        _SCHEMA.remove(_kind)
    _SCHEMA.add(_kind, fields.ID())


def parse_query(text: str, title_boost: float = 1.0) -> query.Query:
    """``text`` as a query tree, not normalized: words not given a field search title (at
    ``title_boost``) and body, any of them matching. :class:`QueryError` for what the
    parser cannot read."""
    boosts = {"title": title_boost, "body": 1.0}
    parser = MultifieldParser(list(SEARCH_FIELDS), _SCHEMA, fieldboosts=boosts, group=OrGroup)
    parser.add_plugin(FuzzyTermPlugin())
    try:
        parsed = parser.parse(text, normalize=False)
    except Exception as exc:  # the parser is lenient; anything left is a query we can't read
        raise QueryError(f"Could not understand the query: {exc}") from exc
    return from_whoosh(parsed)
