"""The project's query tree (:mod:`searchapp.engines.query`) to Whoosh's query objects and back
(the parser's output is Whoosh's; search works on ours)."""

from __future__ import annotations

from whoosh import query as wq
from whoosh.fields import DATETIME
from whoosh.util.times import long_to_datetime

from ...errors import QueryError
from .. import query as q
from .schema import SCHEMA

_BINARY_TO = {q.AndNot: wq.AndNot, q.AndMaybe: wq.AndMaybe, q.Require: wq.Require}
_BINARY_FROM = {whoosh: ours for ours, whoosh in _BINARY_TO.items()}
_RANGES_TO = {q.TermRange: wq.TermRange, q.NumericRange: wq.NumericRange}


def to_whoosh(node: q.Query) -> wq.Query:
    """Whoosh's query for ``node``."""
    if node is q.NullQuery:
        return wq.NullQuery
    kind = type(node)
    if kind is q.Term:
        return wq.Term(node.fieldname, node.text, boost=node.boost)
    if kind is q.Phrase:
        return wq.Phrase(node.fieldname, list(node.words), slop=node.slop, boost=node.boost)
    if kind is q.And or kind is q.Or:
        whoosh = wq.And if kind is q.And else wq.Or
        return whoosh([to_whoosh(sub) for sub in node.subqueries], boost=node.boost)
    if kind in _BINARY_TO:
        return _BINARY_TO[kind](to_whoosh(node.a), to_whoosh(node.b))
    if kind is q.Not:
        return wq.Not(to_whoosh(node.query), boost=node.boost)
    if kind is q.Every:
        return wq.Every(node.fieldname, boost=node.boost)
    if kind is q.DateRange:
        return wq.DateRange(
            node.fieldname, node.start, node.end, node.startexcl, node.endexcl, boost=node.boost
        )
    if kind in _RANGES_TO:
        return _RANGES_TO[kind](
            node.fieldname, node.start, node.end, node.startexcl, node.endexcl, boost=node.boost
        )
    if kind is q.Prefix:
        return wq.Prefix(node.fieldname, node.text, boost=node.boost)
    if kind is q.Wildcard:
        return wq.Wildcard(node.fieldname, node.text, boost=node.boost)
    if kind is q.FuzzyTerm:
        return wq.FuzzyTerm(
            node.fieldname,
            node.text,
            boost=node.boost,
            maxdist=node.maxdist,
            prefixlength=node.prefixlength,
        )
    raise TypeError(f"no Whoosh query for {node!r}")


def from_whoosh(whoosh: wq.Query) -> q.Query:
    """Our tree for a query from Whoosh's parser. :class:`QueryError` for the parts the parser
    could not read (``date:2017-13``) and for node types the query language never makes."""
    error = getattr(whoosh, "error", None)
    if error:
        raise QueryError(f"Could not read the query: {error}.")
    if whoosh is wq.NullQuery or isinstance(whoosh, type(wq.NullQuery)):
        return q.NullQuery
    boost = getattr(whoosh, "boost", 1.0)
    if isinstance(whoosh, wq.Term):
        text = whoosh.text
        if whoosh.fieldname == "year" and isinstance(text, bytes):
            text = SCHEMA["year"].from_bytes(text)  # the parser gives the indexed bytes
        return q.Term(whoosh.fieldname, text, boost=boost)
    if isinstance(whoosh, wq.Phrase):
        return q.Phrase(whoosh.fieldname, tuple(whoosh.words), slop=whoosh.slop, boost=boost)
    if isinstance(whoosh, (wq.And, wq.Or)):
        ours = q.And if isinstance(whoosh, wq.And) else q.Or
        return ours([from_whoosh(sub) for sub in whoosh.subqueries], boost=boost)
    if type(whoosh) in _BINARY_FROM:
        return _BINARY_FROM[type(whoosh)](from_whoosh(whoosh.a), from_whoosh(whoosh.b))
    if isinstance(whoosh, wq.Not):
        return q.Not(from_whoosh(whoosh.query), boost=boost)
    if isinstance(whoosh, wq.Every):
        return q.Every(whoosh.fieldname, boost=boost)
    if isinstance(whoosh, wq.DateRange):
        return q.DateRange(
            whoosh.fieldname,
            whoosh.startdate,
            whoosh.enddate,
            whoosh.startexcl,
            whoosh.endexcl,
            boost=boost,
        )
    if isinstance(whoosh, wq.NumericRange) and isinstance(SCHEMA[whoosh.fieldname], DATETIME):
        # The parser's date ranges are Whoosh's numbers for times.
        start, end = (
            None if v is None else long_to_datetime(v) for v in (whoosh.start, whoosh.end)
        )
        return q.DateRange(
            whoosh.fieldname, start, end, whoosh.startexcl, whoosh.endexcl, boost=boost
        )
    if isinstance(whoosh, (wq.TermRange, wq.NumericRange)):
        ours = q.TermRange if isinstance(whoosh, wq.TermRange) else q.NumericRange
        return ours(
            whoosh.fieldname,
            whoosh.start,
            whoosh.end,
            whoosh.startexcl,
            whoosh.endexcl,
            boost=boost,
        )
    if isinstance(whoosh, wq.FuzzyTerm):
        return q.FuzzyTerm(
            whoosh.fieldname,
            whoosh.text,
            boost=boost,
            maxdist=whoosh.maxdist,
            prefixlength=whoosh.prefixlength,
        )
    if isinstance(whoosh, wq.Prefix):
        return q.Prefix(whoosh.fieldname, whoosh.text, boost=boost)
    if isinstance(whoosh, wq.Wildcard):
        return q.Wildcard(whoosh.fieldname, whoosh.text, boost=boost)
    raise QueryError(f"Could not understand the query: {type(whoosh).__name__} is not supported.")
