"""Restrictions on the hits' metadata given as parameters (facet clicks, from=/to=), as
clauses of the query tree."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime

from ..engines import query
from ..errors import QueryError
from ..text import analysis, language
from ..text.entities import ENTITY_TYPES
from ..text.tags import default_gazetteer

_DAY = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")


@dataclass(frozen=True, slots=True)
class Filters:
    """Restrictions given as parameters (facet clicks, from=/to=) rather than in the query.

    Several sources, authors, years or languages: any of them. Several tags: all of them (an
    article has many tags, and analysts narrow down: "GRU" and "poisoning").
    """

    sources: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    years: tuple[int, ...] = ()
    # Entity values ("person:Christine Lee", "cve:CVE-2021-44228"): all of them, like tags.
    entities: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None
    # Language codes ("ru", as the articles' ``lang``): any of them.
    lang: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return any(
            (
                self.sources,
                self.authors,
                self.tags,
                self.years,
                self.entities,
                self.date_from,
                self.date_to,
                self.lang,
            )
        )

    def to_query(self) -> query.Query | None:
        clauses: list[query.Query] = []
        if self.sources:
            clauses.append(query.Or([query.Term("source_name", s) for s in self.sources]))
        if self.authors:
            clauses.append(query.Or([_phrase("author", a) for a in self.authors]))
        for tag in self.tags:
            clauses.append(query.Term("tag", _canonical_tag(tag)))
        for value in self.entities:
            clauses.append(query.Term("entity", _entity_value(value)))
        if self.years:
            clauses.append(query.Or([query.Term("year", y) for y in self.years]))
        if self.lang:
            clauses.append(query.Or([query.Term("lang", language_code(c)) for c in self.lang]))
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise QueryError(f"from ({self.date_from}) is after to ({self.date_to}).")
        if self.date_from or self.date_to:
            clauses.append(_date_range(self.date_from, self.date_to))
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else query.And(clauses)


def parse_day(text: str, *, end: bool = False) -> date:
    """``2017``, ``2017-03`` or ``2017-03-05`` as the first (or, with ``end``, last) day it
    covers; :class:`QueryError` otherwise."""
    match = _DAY.fullmatch(text.strip())
    try:
        if not match:
            raise ValueError
        year, month, day = (int(g) if g else None for g in match.groups())
        if month is None:
            return date(year, 12, 31) if end else date(year, 1, 1)
        if day is None:
            return date(year, month, calendar.monthrange(year, month)[1] if end else 1)
        return date(year, month, day)
    except ValueError:
        raise QueryError(
            f"Not a date: {text!r}; use YYYY, YYYY-MM or YYYY-MM-DD (e.g. 2017-03-05)."
        ) from None


def _date_range(start: date | None, end: date | None) -> query.Query:
    low = datetime.combine(start, datetime.min.time()) if start else None
    high = datetime.combine(end, datetime.max.time()) if end else None
    return query.DateRange("date", low, high)


def _phrase(fieldname: str, text: str) -> query.Query:
    words = analysis.metadata_words(text)
    if len(words) == 1:
        return query.Term(fieldname, words[0])
    return query.Phrase(fieldname, words) if words else query.NullQuery


def _entity_value(value: str) -> str:
    kind, _, name = value.partition(":")
    if kind not in ENTITY_TYPES or not name.strip():
        raise QueryError(
            f"Not an entity: {value!r}; write it type:name, the type one of "
            f"{', '.join(ENTITY_TYPES)} (e.g. person:Christine Lee)."
        )
    return f"{kind}:{name.strip()}"


def language_code(value: str) -> str:
    """A language filter's value as the index holds it: a code lower-cased ("RU" is "ru"), a
    language's name as its code ("Russian" is "ru"); anything else as written."""
    return language.normalize_code(value) or value.strip().lower()


def language_name(code: str) -> str:
    """A language code's English name ("ru": "Russian"), or the code when it has none."""
    return language.language_name(code)


def _canonical_tag(value: str) -> str:
    gazetteer = default_gazetteer()
    name = gazetteer.canonical(value)
    if name is None:
        raise QueryError(f"Unknown tag {value!r}; tags are: {', '.join(gazetteer.names)}.")
    return name
