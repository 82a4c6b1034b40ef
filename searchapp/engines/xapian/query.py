"""The project's query tree (:mod:`searchapp.engines.query`) as Xapian queries: fields to
their prefixes and value slots, dates to day numbers, and metadata patterns expanded against a
database's terms (fuzzy ones by a bounded Levenshtein, :func:`within`)."""

from __future__ import annotations

import fnmatch
import math
import re
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import xapian

from ...errors import QueryError
from .. import query
from .documents import (
    ENTITY,
    EXACT_PREFIXES,
    FIELD_PREFIXES,
    ID,
    LANG,
    METADATA_WORD_FIELDS,
    PRESENCE_FIELDS,
    PRESENT,
    SLOT_DAY,
    SLOT_YEAR,
    SOURCE_NAME,
    TAG,
    YEAR,
    _term,
)

MAX_EXPANSIONS = 1024  # words a metadata pattern (source:guard*) may expand to


def _boolean(q: xapian.Query) -> xapian.Query:
    """Matches as ``q`` does, adding nothing to the score (metadata never does)."""
    return xapian.Query(xapian.Query.OP_SCALE_WEIGHT, q, 0.0)


def _first_day(at: datetime | None, exclusive: bool) -> int | None:
    """The first day whose midnight (the indexed time of a date) is in the range that starts
    at ``at``."""
    if at is None:
        return None
    day = at.date()
    midnight = datetime.combine(day, datetime.min.time())
    return day.toordinal() + (1 if at > midnight or (exclusive and at == midnight) else 0)


def _last_day(at: datetime | None, exclusive: bool) -> int | None:
    if at is None:
        return None
    day = at.date()
    midnight = datetime.combine(day, datetime.min.time())
    return day.toordinal() - (1 if exclusive and at == midnight else 0)


def _value_range(slot: int, low: int | None, high: int | None, fieldname: str) -> xapian.Query:
    if low is None and high is None:
        return _boolean(xapian.Query(PRESENT + fieldname))
    if low is not None and high is not None:
        if low > high:
            return xapian.Query.MatchNothing
        q = xapian.Query(
            xapian.Query.OP_VALUE_RANGE,
            slot,
            xapian.sortable_serialise(low),
            xapian.sortable_serialise(high),
        )
    elif low is not None:
        q = xapian.Query(xapian.Query.OP_VALUE_GE, slot, xapian.sortable_serialise(low))
    else:
        q = xapian.Query(xapian.Query.OP_VALUE_LE, slot, xapian.sortable_serialise(high))
    return _boolean(q)


def _numeric_range(q: query.NumericRange | query.DateRange) -> xapian.Query:
    if q.fieldname == "year":
        low = None if q.start is None else int(q.start) + (1 if q.startexcl else 0)
        high = None if q.end is None else int(q.end) - (1 if q.endexcl else 0)
        return _value_range(SLOT_YEAR, low, high, "year")
    if q.fieldname == "date":
        low, high = _first_day(q.start, q.startexcl), _last_day(q.end, q.endexcl)
        return _value_range(SLOT_DAY, low, high, "date")
    raise TypeError(f"no range on the {q.fieldname!r} field")


def _term_query(fieldname: str, text: Any) -> xapian.Query:
    if fieldname in ("title", "body"):
        return xapian.Query(_term(FIELD_PREFIXES[fieldname], text))
    if fieldname in METADATA_WORD_FIELDS:
        return _boolean(xapian.Query(_term(FIELD_PREFIXES[fieldname], text)))
    if fieldname == "source_name":
        return _boolean(xapian.Query(_term(SOURCE_NAME, text)))
    if fieldname == "tag":
        return _boolean(xapian.Query(_term(TAG, text)))
    if fieldname == "entity":
        return _boolean(xapian.Query(_term(ENTITY, text)))
    if fieldname == "lang":
        return _boolean(xapian.Query(_term(LANG, text)))
    if fieldname == "id":
        return _boolean(xapian.Query(_term(ID, text)))
    if fieldname == "year":
        year = int(text)
        return _boolean(xapian.Query(f"{YEAR}{year}"))
    if fieldname == "date" and isinstance(text, datetime):
        # A full timestamp: only articles dated that day at midnight (as Whoosh indexes them).
        if text != datetime.combine(text.date(), datetime.min.time()):
            return xapian.Query.MatchNothing
        day = text.toordinal()
        return _value_range(SLOT_DAY, day, day, "date")
    raise TypeError(f"no term query on the {fieldname!r} field")


def _phrase(q: query.Phrase) -> xapian.Query:
    prefix = FIELD_PREFIXES.get(q.fieldname)
    if prefix is None:
        raise TypeError(f"no phrase query on the {q.fieldname!r} field")
    terms = [_term(prefix, word) for word in q.words]
    if not terms:
        return xapian.Query.MatchNothing
    if len(terms) == 1:
        found = xapian.Query(terms[0])
    else:
        # Whoosh's slop is the largest gap between neighbours (1: adjacent); Xapian's window
        # spans the whole phrase: the same for two words, and for any phrase at slop 1.
        found = xapian.Query(xapian.Query.OP_PHRASE, terms, len(terms) + q.slop - 1)
    return _boolean(found) if q.fieldname in METADATA_WORD_FIELDS else found


class _Translator:
    """The query tree (:mod:`searchapp.engines.query`) to Xapian queries over one database
    (which a metadata pattern, ``source:guard*``, is expanded against)."""

    def __init__(self, db: xapian.Database, termfreq: Callable[[str], int]) -> None:
        self.db = db
        self.termfreq = termfreq
        self.documents = max(db.get_doccount(), 1)

    def _whoosh_idf(self, term: str) -> xapian.Query:
        """The title or body term scaled so its BM25 weight has Whoosh's idf,
        ``ln(N/(n+1)) + 1``, rather than Xapian's, ``ln((N-n+0.5)/(n+0.5))`` (halved towards
        1 below 2), which gives words in many documents next to nothing: this ranks as the
        Whoosh engine does."""
        documents = self.documents
        having = self.termfreq(term)
        if not having:
            return xapian.Query(term)
        ratio = (documents - having + 0.5) / (having + 0.5)
        xapian_idf = math.log(ratio if ratio >= 2 else ratio * 0.5 + 1)
        whoosh_idf = math.log(documents / (having + 1)) + 1
        return xapian.Query(
            xapian.Query.OP_SCALE_WEIGHT, xapian.Query(term), whoosh_idf / xapian_idf
        )

    def __call__(self, q: query.Query) -> xapian.Query:
        found = self._node(q)
        boost = getattr(q, "boost", 1.0)
        if boost != 1.0:
            found = xapian.Query(xapian.Query.OP_SCALE_WEIGHT, found, max(boost, 0.0))
        return found

    def _node(self, q: query.Query) -> xapian.Query:
        if q is query.NullQuery:
            return xapian.Query.MatchNothing
        if isinstance(q, query.Every):
            if q.fieldname in PRESENCE_FIELDS:
                return _boolean(xapian.Query(PRESENT + q.fieldname))
            return _boolean(xapian.Query.MatchAll)
        if isinstance(q, (query.NumericRange, query.DateRange)):
            return _numeric_range(q)
        if isinstance(q, (query.And, query.Or)):
            subqueries = [self(sub) for sub in q.subqueries]
            if not subqueries:
                return xapian.Query.MatchNothing
            op = xapian.Query.OP_AND if isinstance(q, query.And) else xapian.Query.OP_OR
            return xapian.Query(op, subqueries)
        if isinstance(q, query.AndNot):
            return xapian.Query(xapian.Query.OP_AND_NOT, self(q.a), self(q.b))
        if isinstance(q, query.AndMaybe):
            return xapian.Query(xapian.Query.OP_AND_MAYBE, self(q.a), self(q.b))
        if isinstance(q, query.Not):
            everything = _boolean(xapian.Query.MatchAll)
            return xapian.Query(xapian.Query.OP_AND_NOT, everything, self(q.query))
        if isinstance(q, (query.FuzzyTerm, query.Prefix, query.Wildcard, query.TermRange)):
            return self._pattern(q)
        if isinstance(q, query.Term):
            if q.fieldname in ("title", "body"):
                return self._whoosh_idf(_term(FIELD_PREFIXES[q.fieldname], q.text))
            if q.fieldname in EXACT_PREFIXES:
                return self._whoosh_idf(_term(EXACT_PREFIXES[q.fieldname], q.text))
            return _term_query(q.fieldname, q.text)
        if isinstance(q, query.Phrase):
            return _phrase(q)
        raise TypeError(f"the Xapian engine cannot run {type(q).__name__} queries")

    def _pattern(self, q: query.Query) -> xapian.Query:
        """A pattern or range on ``source``/``author`` words, as the OR of the words it
        matches (patterns on title and body are expanded before they reach an engine)."""
        if q.fieldname not in METADATA_WORD_FIELDS:
            raise TypeError(f"{type(q).__name__} on {q.fieldname!r} must be expanded first")
        prefix = FIELD_PREFIXES[q.fieldname]
        if isinstance(q, query.FuzzyTerm):
            words = _terms_within(self.db, prefix, q.text, q.maxdist, q.prefixlength)
        elif isinstance(q, query.Prefix):
            words = _terms_from(self.db, prefix, q.text)
        elif isinstance(q, query.Wildcard):
            start = re.match(r"[^*?\[]*", q.text).group()
            pattern = re.compile(fnmatch.translate(q.text))
            words = (w for w in _terms_from(self.db, prefix, start) if pattern.match(w))
        else:
            words = _terms_between(self.db, prefix, q.start, q.end, q.startexcl, q.endexcl)
        terms = []
        for word in words:
            terms.append(_term(prefix, word))
            if len(terms) > MAX_EXPANSIONS:
                written = getattr(q, "text", None) or f"[{q.start} TO {q.end}]"
                raise QueryError(
                    f"{q.fieldname}:{written} matches more than {MAX_EXPANSIONS} different "
                    "words; make it more specific."
                )
        if not terms:
            return xapian.Query.MatchNothing
        return _boolean(xapian.Query(xapian.Query.OP_OR, terms))


# -- term lists -------------------------------------------------------------------------------


def _terms_from(db: xapian.Database, prefix: str, start: str) -> Iterator[str]:
    """The terms ``prefix + start…`` in order, without ``prefix``."""
    cut = len(prefix.encode("utf-8"))
    for item in db.allterms(prefix + start):
        yield item.term[cut:].decode("utf-8")


def _terms_between(
    db: xapian.Database,
    prefix: str,
    start: str | None,
    end: str | None,
    startexcl: bool,
    endexcl: bool,
) -> Iterator[str]:
    """The terms of a field (``prefix``) from ``start`` to ``end``, in order. The body has
    no prefix: the prefixed terms of the other fields are skipped."""
    cut = len(prefix.encode("utf-8"))
    items = db.allterms(prefix)
    try:
        item = items.skip_to(prefix + start) if start is not None else next(items)
        while True:
            term = item.term[cut:].decode("utf-8")
            if not prefix and term[:1].isascii() and term[:1].isupper():
                item = items.skip_to("[")  # past every prefixed term ("Z" < "[")
                continue
            if end is not None and (term > end or (endexcl and term == end)):
                return
            if not (startexcl and term == start):
                yield term
            item = next(items)
    except StopIteration:
        return


def _terms_within(
    db: xapian.Database, prefix: str, word: str, maxdist: int, prefixlength: int
) -> Iterator[str]:
    """The terms ``prefix + w`` with ``w`` within ``maxdist`` Levenshtein edits (insertions,
    deletions, substitutions) of ``word`` and sharing its first ``prefixlength`` characters,
    in order: the words Whoosh's ``terms_within`` gives."""
    start = word[: min(prefixlength, len(word))]
    for candidate in _terms_from(db, prefix, start):
        if abs(len(candidate) - len(word)) <= maxdist and within(word, candidate, maxdist):
            yield candidate


def within(a: str, b: str, maxdist: int) -> bool:
    """Whether ``a`` and ``b`` are at most ``maxdist`` Levenshtein edits apart (rows of the
    edit-distance table, given up once a whole row is over ``maxdist``)."""
    previous = list(range(len(b) + 1))
    for i, char in enumerate(a, 1):
        current = [i]
        for j, other in enumerate(b, 1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char != other))
            )
        if min(current) > maxdist:
            return False
        previous = current
    return previous[-1] <= maxdist
