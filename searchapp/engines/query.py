"""The query tree that search hands an engine: the project's own, so no engine depends on
another's classes. Each engine translates it (``engines/whoosh/query.py``,
``engines/xapian/query.py``).

The node names and attributes follow Whoosh's query objects (the query language is Whoosh's),
and so does :meth:`Query.normalize`: flattening nested groups, dropping empty ones and
duplicates. Values are immutable; compound nodes hold tuples.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any


class Query:
    """A node of the tree. Leaves have a ``fieldname``; compounds have ``subqueries``."""

    boost: float = 1.0

    def is_leaf(self) -> bool:
        return True

    def children(self) -> Iterator[Query]:
        return iter(())

    def apply(self, fn: Callable[[Query], Query]) -> Query:
        """This node with ``fn`` applied to each child (a leaf is returned as it is)."""
        return self

    def normalize(self) -> Query:
        return self

    def field(self) -> str | None:
        return getattr(self, "fieldname", None)

    def with_boost(self, boost: float) -> Query:
        return replace(self, boost=boost)

    def leaves(self) -> Iterator[Query]:
        if self.is_leaf():
            yield self
        else:
            for child in self.children():
                yield from child.leaves()

    def terms(self, phrases: bool = False) -> Iterator[tuple[str, Any]]:
        return iter(())

    def iter_all_terms(self, phrases: bool = True) -> Iterator[tuple[str, Any]]:
        """(fieldname, text) of every term in the tree, negated ones included; a phrase's
        words too when ``phrases``."""
        for leaf in self.leaves():
            yield from leaf.terms(phrases)


class _NullQuery(Query):
    """Matches nothing; the single instance is :data:`NullQuery`."""

    def __call__(self) -> _NullQuery:
        return self

    def __repr__(self) -> str:
        return "NullQuery"

    def field(self) -> str | None:
        return None

    def with_boost(self, boost: float) -> Query:
        return self


NullQuery = _NullQuery()


@dataclass(frozen=True, slots=True)
class Every(Query):
    """Every document (with a value in ``fieldname``, when given)."""

    fieldname: str | None = None
    boost: float = 1.0


@dataclass(frozen=True, slots=True)
class Term(Query):
    fieldname: str
    text: Any  # a stem on title/body; a word, tag, year (int) or id on the others
    boost: float = 1.0

    def terms(self, phrases: bool = False) -> Iterator[tuple[str, Any]]:
        yield (self.fieldname, self.text)


@dataclass(frozen=True, slots=True)
class Phrase(Query):
    """``words`` in order, each at most ``slop`` positions after the one before."""

    fieldname: str
    words: tuple[str, ...]
    slop: int = 1
    boost: float = 1.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "words", tuple(self.words))

    def terms(self, phrases: bool = False) -> Iterator[tuple[str, Any]]:
        if phrases:
            for word in self.words:
                yield (self.fieldname, word)

    def normalize(self) -> Query:
        if not self.words:
            return NullQuery
        if len(self.words) == 1:
            return Term(self.fieldname, self.words[0])  # as Whoosh: the boost goes
        return self


@dataclass(frozen=True, slots=True)
class Prefix(Query):
    fieldname: str
    text: str
    boost: float = 1.0


@dataclass(frozen=True, slots=True)
class Wildcard(Query):
    """A glob pattern: ``*`` any characters, ``?`` one, ``[...]`` a class."""

    fieldname: str
    text: str
    boost: float = 1.0

    def normalize(self) -> Query:
        text = self.text
        if text == "*":
            return Every(self.fieldname, boost=self.boost)
        if "*" not in text and "?" not in text:
            return Term(self.fieldname, text, boost=self.boost)
        if "?" not in text and "[" not in text and text.find("*") == len(text) - 1:
            return Prefix(self.fieldname, text[:-1], boost=self.boost)
        return self


@dataclass(frozen=True, slots=True)
class FuzzyTerm(Query):
    """Words within ``maxdist`` edits of ``text`` sharing its first ``prefixlength``."""

    fieldname: str
    text: str
    boost: float = 1.0
    maxdist: int = 1
    prefixlength: int = 1

    def terms(self, phrases: bool = False) -> Iterator[tuple[str, Any]]:
        yield (self.fieldname, self.text)


@dataclass(frozen=True, slots=True)
class TermRange(Query):
    """Terms between ``start`` and ``end`` in lexical order (None: open)."""

    fieldname: str
    start: str | None
    end: str | None
    startexcl: bool = False
    endexcl: bool = False
    boost: float = 1.0

    def normalize(self) -> Query:
        if self.start in ("", None) and self.end in ("\uffff", None):
            return Every(self.fieldname, boost=self.boost)
        if self.start == self.end:
            if self.startexcl or self.endexcl:
                return NullQuery
            return Term(self.fieldname, self.start, boost=self.boost)
        return self


@dataclass(frozen=True, slots=True)
class NumericRange(Query):
    """Numbers (``year``) between ``start`` and ``end`` (None: open)."""

    fieldname: str
    start: int | None
    end: int | None
    startexcl: bool = False
    endexcl: bool = False
    boost: float = 1.0


@dataclass(frozen=True, slots=True)
class DateRange(Query):
    """Dates (``date``) from ``start`` to ``end`` (None: open), inclusive unless excluded."""

    fieldname: str
    start: datetime | None
    end: datetime | None
    startexcl: bool = False
    endexcl: bool = False
    boost: float = 1.0


@dataclass(frozen=True, slots=True)
class Not(Query):
    """Excludes what ``query`` matches (meaningful inside a compound)."""

    query: Query
    boost: float = 1.0

    def is_leaf(self) -> bool:
        return False

    def children(self) -> Iterator[Query]:
        yield self.query

    def apply(self, fn: Callable[[Query], Query]) -> Query:
        return Not(fn(self.query))

    def normalize(self) -> Query:
        q = self.query.normalize()
        return q if q is NullQuery else Not(q, boost=self.boost)

    def field(self) -> str | None:
        return None


@dataclass(frozen=True, slots=True)
class _Compound(Query):
    subqueries: tuple[Query, ...] = ()
    boost: float = 1.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "subqueries", tuple(self.subqueries))

    def __iter__(self) -> Iterator[Query]:
        return iter(self.subqueries)

    def __len__(self) -> int:
        return len(self.subqueries)

    def is_leaf(self) -> bool:
        return False

    def children(self) -> Iterator[Query]:
        return iter(self.subqueries)

    def apply(self, fn: Callable[[Query], Query]) -> Query:
        return self.__class__([fn(q) for q in self.subqueries], boost=self.boost)

    def field(self) -> str | None:
        if self.subqueries:
            first = self.subqueries[0].field()
            if all(q.field() == first for q in self.subqueries[1:]):
                return first
        return None

    def normalize(self) -> Query:
        # Whoosh's CompoundQuery.normalize, but for its merging of overlapping ranges, which
        # the engines' intersections make unnecessary.
        subqueries: list[Query] = []
        for sub in self.subqueries:
            sub = sub.normalize()
            if isinstance(sub, self.__class__):
                subqueries += [ss.with_boost(ss.boost * sub.boost) for ss in sub]
            else:
                subqueries.append(sub)
        if all(q is NullQuery for q in subqueries):
            return NullQuery
        if any(isinstance(q, Every) and q.fieldname is None for q in subqueries):
            return Every()
        every_fields = {q.fieldname for q in subqueries if isinstance(q, Every)}
        kept: list[Query] = []
        seen: set[Query] = set()
        for sub in subqueries:
            if sub is NullQuery or sub in seen:
                continue
            if not isinstance(sub, Every) and sub.field() in every_fields:
                continue
            seen.add(sub)
            kept.append(sub)
        if not kept:
            return NullQuery
        if len(kept) == 1:
            sub = kept[0]
            if not (self.boost == 1.0 and sub.boost == 1.0):
                sub = sub.with_boost(sub.boost * self.boost)
            return sub
        return self.__class__(kept, boost=self.boost)


class And(_Compound):
    """Documents matching every subquery, scored by their sum."""


class Or(_Compound):
    """Documents matching any subquery, scored by the sum of those they match."""


@dataclass(frozen=True, slots=True)
class _Binary(Query):
    a: Query
    b: Query
    boost: float = field(default=1.0, init=False)

    @property
    def subqueries(self) -> tuple[Query, Query]:
        return (self.a, self.b)

    def is_leaf(self) -> bool:
        return False

    def children(self) -> Iterator[Query]:
        return iter((self.a, self.b))

    def apply(self, fn: Callable[[Query], Query]) -> Query:
        return self.__class__(fn(self.a), fn(self.b))

    def field(self) -> str | None:
        first = self.a.field()
        return first if self.b.field() == first else None

    def with_boost(self, boost: float) -> Query:
        return self.__class__(self.a.with_boost(boost), self.b.with_boost(boost))

    def normalize(self) -> Query:
        a, b = self.a.normalize(), self.b.normalize()
        if a is NullQuery:
            return b
        if b is NullQuery:
            return a
        return self.__class__(a, b)


class AndNot(_Binary):
    """Documents matching ``a`` and not ``b``, scored by ``a``."""

    def with_boost(self, boost: float) -> Query:
        return AndNot(self.a.with_boost(boost), self.b)

    def normalize(self) -> Query:
        a, b = self.a.normalize(), self.b.normalize()
        if a is NullQuery:
            return NullQuery
        return a if b is NullQuery else AndNot(a, b)


class AndMaybe(_Binary):
    """Documents matching ``a``, scored by ``a`` plus ``b`` where it matches too."""


class Require(_Binary):
    """Documents matching both, scored by ``a`` alone."""
