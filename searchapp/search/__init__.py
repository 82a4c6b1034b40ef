"""Searching the index: query parsing, ranking, snippets and spelling suggestions.

One :class:`SearchEngine` serves a whole process, over the engine its configuration names
(:mod:`searchapp.engines.registry`): the query is parsed and its words expanded here, whatever the
engine, and each request reads one consistent generation of the index through the engine's
:class:`~searchapp.engines.base.View`.
"""

from __future__ import annotations

import calendar
import fnmatch
import heapq
import html
import math
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any, Generic, Literal, TypeVar

from ..config import EngineConfig
from ..engines import query
from ..engines.base import FILTER_FIELDS, SEARCH_FIELDS, SORTS, Engine, Found, Match, Sort, View
from ..engines.registry import open_engine
from ..engines.whoosh.highlight import SNIPPET_CHARS, SNIPPETS, Scan, highlight_whole
from ..engines.whoosh.parser import parse_query
from ..errors import NotFound, QueryError
from ..text import analysis
from ..text.article import shorten
from ..text.tags import Gazetteer, default_gazetteer, default_synonyms

# Long enough for a pasted paragraph (the longest CISI question is 2,023 characters).
MAX_QUERY_LENGTH = 2500
MAX_PER_PAGE = 100
# Deepest result a client may page to; deeper pages cost a full top-N sort per request.
MAX_RESULT_WINDOW = 10_000
# Words a prefix*, wild?card or fuzzy~ term may expand to before the query is refused.
MAX_EXPANSIONS = 1024
# Words of the vocabulary a wild?card may have to read: one that starts with * or ? reads them
# all, whatever it matches (about 0.3 s per 100,000 words).
MAX_WILDCARD_SCAN = 200_000
# Seconds a search may run before it stops and answers with what it found by then
# (``SearchPage.timed_out``): no query holds a server thread for long.
SEARCH_TIME_LIMIT = 2.0
# Fields a user may name in the query as `field:`.
QUERY_FIELDS = frozenset(SEARCH_FIELDS) | {"id"} | frozenset(FILTER_FIELDS)
# Values listed per facet (the selected ones are always listed too).
FACET_SIZE = 12
RELATED_COUNT = 5
# Characters of each top hit's body read for pseudo-relevance feedback (Ranking.feedback_docs).
FEEDBACK_CHARS = 2000
# Queries' feedback terms and spelling suggestions, and articles' related articles, remembered
# per index generation: paging and facet clicks repeat a query, and readers come back to an
# article; the terms are half a query's cost, a misspelling's suggestion about as much, and an
# article's key terms most of its related articles'.
QUERY_CACHE_SIZE = 512
# Hits that feedback reorders: scoring the feedback terms for these only, not for every match,
# keeps it cheap, and people rarely page further (later pages keep the query's own order).
FEEDBACK_DEPTH = 100

V = TypeVar("V")
Operator = Literal["or_bonus", "and_fallback"]
OPERATORS: tuple[Operator, ...] = ("or_bonus", "and_fallback")

_FIELD_PREFIX = re.compile(r"(?<![\w\\])([^\W\d]\w*):(?=[^\s/])")
_QUOTED = re.compile(r'("[^"]*"?)')
_QUERY_WORD = re.compile(r"\w+(?:['’]\w+)*")
# "who poisoned Skripal?" asks a question; a ? inside a word (n?vichok) is a wildcard.
_QUESTION_MARK = re.compile(r"(?<=[^\s*?])\?(?=\s|$)")
_WHITESPACE = re.compile(r"\s+")
_OPERATORS = frozenset({"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "TO"})
_DAY = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")
# A metadata clause (`source:reuters`, `author:"jane doe"`, `date:[2017 TO 2018]`): its words
# are names and dates, never offered spelling corrections from the article text.
_FILTER_CLAUSE = re.compile(
    rf"\b(?:{'|'.join(FILTER_FIELDS)}):(?:\"[^\"]*\"?|\[[^\]]*\]?|\([^)]*\)?|\S+)",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Filters:
    """Restrictions given as parameters (facet clicks, from=/to=) rather than in the query.

    Several sources, authors or years: any of them. Several tags: all of them (an article has
    many tags, and analysts narrow down: "GRU" and "poisoning").
    """

    sources: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    years: tuple[int, ...] = ()
    date_from: date | None = None
    date_to: date | None = None

    def __bool__(self) -> bool:
        return any(
            (self.sources, self.authors, self.tags, self.years, self.date_from, self.date_to)
        )

    def to_query(self) -> query.Query | None:
        clauses: list[query.Query] = []
        if self.sources:
            clauses.append(query.Or([query.Term("source_name", s) for s in self.sources]))
        if self.authors:
            clauses.append(query.Or([_phrase("author", a) for a in self.authors]))
        for tag in self.tags:
            clauses.append(query.Term("tag", _canonical_tag(tag)))
        if self.years:
            clauses.append(query.Or([query.Term("year", y) for y in self.years]))
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


def _canonical_tag(value: str) -> str:
    gazetteer = default_gazetteer()
    name = gazetteer.canonical(value)
    if name is None:
        raise QueryError(f"Unknown tag {value!r}; tags are: {', '.join(gazetteer.names)}.")
    return name


@dataclass(frozen=True, slots=True)
class Hit:
    id: str
    title: str
    title_html: str  # title with matched words in <mark>, HTML-escaped
    score: float | None  # None when the hits are sorted by date
    snippet: str  # HTML: escaped text with matched words in <mark>
    published: date | None = None
    source: str = ""
    author: str = ""
    url: str = ""  # the article's own address, where its file gave one
    tags: tuple[str, ...] = ()

    def to_dict(self, article_url: Callable[[Hit], str]) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "score": self.score,
            "snippet": self.snippet,
            "url": article_url(self),
            **_metadata_dict(self),
        }


@dataclass(frozen=True, slots=True)
class FacetValue:
    value: str
    count: int
    selected: bool = False


@dataclass(frozen=True, slots=True)
class Facets:
    source: list[FacetValue] = field(default_factory=list)
    year: list[FacetValue] = field(default_factory=list)
    tag: list[FacetValue] = field(default_factory=list)

    def to_dict(self) -> dict[str, list[dict[str, Any]]]:
        return {
            name: [
                {"value": v.value, "count": v.count, "selected": v.selected}
                for v in getattr(self, name)
            ]
            for name in ("source", "year", "tag")
        }


@dataclass(frozen=True, slots=True)
class SearchPage:
    query: str
    total: int
    page: int
    per_page: int
    took_ms: float
    suggestion: str | None  # a corrected query worth offering ("Did you mean …")
    corrected: bool  # True when the hits are for ``suggestion`` because ``query`` found none
    hits: list[Hit]
    sort: Sort = "relevance"
    facets: Facets = field(default_factory=Facets)
    synonyms: tuple[Synonym, ...] = ()  # words also searched as other spellings
    exact_query: str | None = None  # the query without those synonyms (expanded words quoted)
    # The search hit its time limit: the hits, total and facets may be incomplete.
    timed_out: bool = False
    # The shards left out because they were down: the hits are those of the others.
    partial: tuple[str, ...] = ()

    @property
    def shown_query(self) -> str:
        """The query the hits are for."""
        return self.suggestion if self.corrected and self.suggestion else self.query

    def to_dict(self, article_url: Callable[[Hit], str]) -> dict[str, Any]:
        """The JSON API's shape (also printed by ``searchapp search --json``)."""
        return {
            "query": self.query,
            "total": self.total,
            "page": self.page,
            "per_page": self.per_page,
            "took_ms": self.took_ms,
            "suggestion": self.suggestion,
            "corrected": self.corrected,
            "sort": self.sort,
            "results": [hit.to_dict(article_url) for hit in self.hits],
            "facets": self.facets.to_dict(),
            "synonyms": [synonym.to_dict() for synonym in self.synonyms],
            "exact_query": self.exact_query,
            "timed_out": self.timed_out,
            "partial": list(self.partial),
        }

    @property
    def page_count(self) -> int:
        return max(1, -(-min(self.total, MAX_RESULT_WINDOW) // self.per_page))

    @property
    def first_rank(self) -> int:
        return (self.page - 1) * self.per_page + 1


@dataclass(frozen=True, slots=True)
class ArticleView:
    id: str
    title: str
    body: str
    path: str
    title_html: str
    paragraphs_html: list[str]  # escaped, query words in <mark> when a query was given
    published: date | None = None
    source: str = ""
    author: str = ""
    url: str = ""
    tags: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The JSON API's shape of an article."""
        return {"id": self.id, "title": self.title, **_metadata_dict(self), "body": self.body}


def _metadata_dict(item: Hit | ArticleView) -> dict[str, Any]:
    return {
        "published": item.published.isoformat() if item.published else None,
        "source": item.source,
        "author": item.author,
        "source_url": item.url,
        "tags": list(item.tags),
    }


@dataclass(frozen=True, slots=True)
class Ranking:
    """How plain query words are combined and scored.

    The defaults are the best configuration ``benchmarks/relevance.py`` measured on the
    Cranfield, CISI and MED collections, for both their long questions and keyword versions of
    them (README, "Relevance").
    """

    # or_bonus: any word matches, all words earn ``all_words_bonus``; and_fallback: all words
    # are required, unless no document has them all.
    operator: Operator = "or_bonus"
    all_words_bonus: float = 1.0
    # Longer queries get no all-words bonus: questions rarely have every word in one article,
    # and the bonus doubled their search time.
    all_words_max: int = 6
    title_boost: float = 1.0  # BM25F weight of a title match against a body match
    k1: float = 2.0  # BM25 term-frequency saturation
    b: float = 0.75  # BM25 length normalisation
    # Extra weight of two consecutive query words found within ``proximity_slop`` words of each
    # other in the body (0: off).
    proximity: float = 0.0
    proximity_slop: int = 4
    # Weight of a synonym (data/synonyms.toml) against the word typed (0: off).
    synonym_weight: float = 0.3
    # Pseudo-relevance feedback for queries of at most ``feedback_max_words`` words with more
    # than ``feedback_docs`` hits: the key terms of the top ``feedback_docs`` hits (0: off)
    # reorder the hits, at ``feedback_weight``. The hits themselves (and so the total and
    # the facets) stay those of the query.
    feedback_docs: int = 10
    feedback_terms: int = 10
    feedback_weight: float = 1.0
    feedback_max_words: int = 3

    def __post_init__(self) -> None:
        if self.operator not in OPERATORS:
            raise ValueError(f"operator must be one of {', '.join(OPERATORS)}")


DEFAULT_RANKING = Ranking()
# Each engine's defaults: Xapian's BM25 normalises a title match by the whole article's length
# (it has no per-field lengths), so titles weigh more there; with these, its nDCG@10 on the
# Cranfield, CISI and MED collections is within 1.6% of Whoosh's defaults on every run
# (README, "Relevance"; the Whoosh defaults themselves: 2.4% below on average, 4.1% at worst).
ENGINE_RANKINGS: dict[str, Ranking] = {
    "whoosh": DEFAULT_RANKING,
    "xapian": replace(DEFAULT_RANKING, title_boost=0.5, b=0.5),
}


def check_query_text(text: str | None) -> str:
    """The query with control characters removed; :class:`QueryError` if unusable."""
    if text is None or not text.strip():
        raise QueryError("Missing query: pass the search words as q.")
    if len(text) > MAX_QUERY_LENGTH:
        raise QueryError(
            f"Query too long: {len(text)} characters, the limit is {MAX_QUERY_LENGTH}."
        )
    cleaned = "".join(ch if ch.isprintable() else " " for ch in text).strip()
    if not cleaned:
        raise QueryError("The query holds no printable characters.")
    return cleaned


def _normalize_fields(text: str) -> str:
    """Lower-case `field:` prefixes (Title:spies) and refuse unknown ones, which Whoosh would
    otherwise search as plain text. Quoted phrases are left alone."""

    def field(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.lower() not in QUERY_FIELDS:
            fields = ", ".join(sorted(QUERY_FIELDS))
            raise QueryError(f"Unknown field {name!r}; searchable fields are: {fields}.")
        return f"{name.lower()}:"

    parts = _QUOTED.split(text)  # the quoted phrases are the odd parts
    return "".join(
        part if i % 2 else _FIELD_PREFIX.sub(field, part) for i, part in enumerate(parts)
    )


class _Expander:
    """Expands prefix/wildcard/fuzzy terms and ranges on stemmed fields into plain terms,
    refusing any that would expand to more than ``MAX_EXPANSIONS`` words.

    Stemmed fields hold "spi" for "spies", so `spy*` must be matched against real words (the
    unstemmed vocabulary) and the words found stemmed again.
    """

    def __init__(self, view: View) -> None:
        self.view = view
        self.cache: dict[tuple[type, str, int], list[str]] = {}

    @staticmethod
    def _collect(expanded: Iterable[str], label: str) -> set[str]:
        words = set()
        for word in expanded:
            words.add(word)
            if len(words) > MAX_EXPANSIONS:
                raise QueryError(
                    f"{label!r} matches more than {MAX_EXPANSIONS} different words; "
                    "make it more specific."
                )
        return words

    def stems(self, q: query.Query) -> list[str]:
        text = analysis.normalize(q.text)
        maxdist = getattr(q, "maxdist", 0)
        key = (type(q), text, maxdist)
        if key not in self.cache:
            if isinstance(q, query.FuzzyTerm):
                expanded = self.view.words_within(text, maxdist, q.prefixlength)
            elif isinstance(q, query.Prefix):
                expanded = self.view.words_from(text)
            else:
                expanded = self._wildcard_matches(text)
            words = self._collect(expanded, _as_typed(q))
            self.cache[key] = sorted({analysis.stem(w) for w in words})
        return self.cache[key]

    def _wildcard_matches(self, text: str) -> Iterator[str]:
        """The vocabulary's words matching wild?card ``text`` (as Whoosh's Wildcard matches),
        read in one pass over the words its fixed start allows; refused when those are too
        many to read, whatever they match."""
        start = re.match(r"[^*?\[]*", text).group()
        pattern = re.compile(fnmatch.translate(text))
        for read, word in enumerate(self.view.words_from(start), 1):
            if read > MAX_WILDCARD_SCAN:
                raise QueryError(
                    f"{text!r} would have to read over {MAX_WILDCARD_SCAN:,} words; "
                    "start it with a few letters."
                )
            if pattern.match(word):
                yield word

    def rewrite(self, q: query.Query) -> query.Query:
        fieldname = getattr(q, "fieldname", None)
        if fieldname == "tag" and isinstance(q, (query.Term, query.Phrase)):
            value = q.text if isinstance(q, query.Term) else " ".join(q.words)
            return query.Term("tag", _canonical_tag(value), boost=q.boost)
        if fieldname in SEARCH_FIELDS:
            if isinstance(q, (query.Prefix, query.Wildcard, query.FuzzyTerm)):
                stems = self.stems(q)
                if not stems:  # a pattern no word matches: no hits, not "nothing to search"
                    return query.Term(q.fieldname, _as_typed(q), boost=q.boost)
                return _any_term(q.fieldname, stems, q.boost)
            if isinstance(q, query.TermRange):
                label = f"[{q.start} TO {q.end}]"
                between = self.view.terms_between(
                    q.fieldname, q.start, q.end, q.startexcl, q.endexcl
                )
                stems = sorted(self._collect(between, label))
                return _any_term(q.fieldname, stems, q.boost)
            if isinstance(q, query.Every):
                return query.Every()
        if q.is_leaf():
            return q
        return q.apply(self.rewrite)


def _as_typed(q: query.Prefix | query.Wildcard | query.FuzzyTerm) -> str:
    """A word pattern as the query wrote it (Whoosh keeps a prefix's text without its ``*``)."""
    if isinstance(q, query.FuzzyTerm):
        return f"{q.text}~" if q.maxdist == 1 else f"{q.text}~{q.maxdist}"
    return f"{q.text}*" if isinstance(q, query.Prefix) else q.text


def _any_term(fieldname: str, texts: list[str], boost: float) -> query.Query:
    terms = [query.Term(fieldname, text, boost=boost) for text in texts]
    if not terms:
        return query.NullQuery
    return terms[0] if len(terms) == 1 else query.Or(terms)


def _fix_negations(q: query.Query) -> query.Query:
    """Make NOT exclude inside OR groups: ``a OR (NOT b)`` becomes ``a ANDNOT b``."""
    if q.is_leaf():
        return q
    q = q.apply(_fix_negations)
    if not isinstance(q, (query.Or, query.And)):
        return q
    negatives = [sub.query for sub in q.subqueries if isinstance(sub, query.Not)]
    if not negatives:
        return q
    positives = [sub for sub in q.subqueries if not isinstance(sub, query.Not)]
    base = q.__class__(positives, boost=q.boost) if positives else query.Every()
    excluded = negatives[0] if len(negatives) == 1 else query.Or(negatives)
    return query.AndNot(base, excluded)


def _is_filter(q: query.Query) -> bool:
    fields = {fieldname for fieldname, _text in q.iter_all_terms()}
    if isinstance(q, (query.NumericRange, query.DateRange)):
        fields = {q.fieldname}
    return bool(fields) and fields <= set(FILTER_FIELDS) | {"source_name"}


def _split_filters(q: query.Query) -> tuple[query.Query, list[query.Query]]:
    """The top-level clauses on metadata fields (`source:bbc`, `date:2017`), taken out of the
    scored query: they must hold for every hit, whatever joins them to the words."""
    if isinstance(q, query.AndNot):
        base, filters = _split_filters(q.a)
        return query.AndNot(base, q.b), filters
    if _is_filter(q):
        return query.Every(), [q]
    if not isinstance(q, (query.Or, query.And)):
        return q, []
    filters = [sub for sub in q.subqueries if _is_filter(sub)]
    if not filters:
        return q, []
    rest = [sub for sub in q.subqueries if not _is_filter(sub)]
    if not rest:
        return query.Every(), filters
    return q.__class__(rest, boost=q.boost), filters


@dataclass(frozen=True, slots=True)
class Synonym:
    """Words of the query that were also searched as other spellings of the same thing."""

    typed: str  # as in the query: "UK"
    alternatives: tuple[str, ...]  # as in data/synonyms.toml: ("Britain", "British", …)

    def to_dict(self) -> dict[str, Any]:
        return {"typed": self.typed, "alternatives": list(self.alternatives)}


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """A parsed query: what ranks the hits, and what every hit must match besides."""

    scored: query.Query
    filter: query.Query | None = None
    typed: frozenset[str] = frozenset()  # body terms of the words as typed (no synonyms)
    synonyms: tuple[Synonym, ...] = ()
    # The query with the expanded words quoted, which searches them as typed only.
    exact_text: str | None = None


def _all_of(filters: list[query.Query]) -> query.Query | None:
    if not filters:
        return None
    return filters[0] if len(filters) == 1 else query.And(filters)


def _clause_words(clause: query.Query) -> tuple[str, ...] | None:
    """The stems a plain word or quoted phrase clause looks for in every searched field
    (``Or([Term("title", w), Term("body", w)])``), or None for any other clause."""
    parts = clause.subqueries if isinstance(clause, query.Or) else [clause]
    found: set[tuple[str, ...]] = set()
    for part in parts:
        if isinstance(part, query.Term):
            found.add((part.text,))
        elif isinstance(part, query.Phrase):
            found.add(tuple(part.words))
        else:
            return None
    fields = sorted(part.fieldname for part in parts)
    return found.pop() if len(found) == 1 and fields == sorted(SEARCH_FIELDS) else None


def _words_query(words: tuple[str, ...], title_boost: float) -> query.Query:
    """Stems as a term (one) or phrase (several) in the title or the body."""

    def one(fieldname: str, boost: float) -> query.Query:
        if len(words) == 1:
            return query.Term(fieldname, words[0], boost=boost)
        return query.Phrase(fieldname, list(words), boost=boost)

    return query.Or([one("title", title_boost), one("body", 1.0)])


@dataclass(slots=True)
class _Concept:
    """One thing the query asks for: a word, a phrase, or words a synonym group matched.

    ``clauses`` are the user's own clauses; ``synonym`` the other spellings, down-weighted.
    """

    clauses: list[query.Query]
    synonym: query.Query | None = None

    # The synonym only scores in documents without the typed words, so a document saying
    # "Britain" never outranks one saying "UK" because of the synonym, and "US" can't
    # outweigh "election" in "US election". (Not Whoosh's DisjunctionMax: in whoosh3 3.54 its
    # matcher takes the maximum over sub-matchers positioned on other documents.)

    def _own_all(self) -> query.Query:
        return self.clauses[0] if len(self.clauses) == 1 else query.And(self.clauses)

    def any_words(self) -> list[query.Query]:
        if not self.synonym:
            return self.clauses
        return [*self.clauses, query.AndNot(self.synonym, self._own_all())]

    def all_words(self) -> query.Query:
        own = self._own_all()
        return query.Or([own, query.AndNot(self.synonym, own)]) if self.synonym else own


def _synonym_concepts(
    clauses: list[query.Query],
    text: str,
    ranking: Ranking,
    synonyms: Gazetteer,
    used: list[tuple[int, int, Synonym]],
) -> list[_Concept]:
    """The clauses as concepts, runs of clauses that spell a synonym group's entry merged into
    one concept that also accepts the group's other entries. Each expansion is appended to
    ``used`` with its span in ``text``."""
    concepts = [_Concept([clause]) for clause in clauses]
    if not ranking.synonym_weight:
        return concepts
    words = [_clause_words(clause) for clause in clauses]
    # Only words searched as typed: not "spy*", "title:UK", a metadata clause, nor anything in
    # quotes, which is how a user asks for the exact words.
    plain = {match.start() for match in _plain_words(text)}
    quoted = [match.span() for match in _QUOTED.finditer(text)]
    for mention in synonyms.mentions(_capitalised(text)):
        within = _QUERY_WORD.finditer(text, mention.start, mention.end)
        if any(word.start() not in plain for word in within):
            continue
        if any(start <= mention.start < end for start, end in quoted):
            continue
        typed = _stems(text[mention.start : mention.end])
        run = _find_run(words, typed)
        if run is None:
            continue  # inside a NOT or a field clause: left as typed
        spellings: dict[tuple[str, ...], str] = {}  # other words -> first spelling of them
        for spelling in synonyms.tag(mention.name).spellings:
            spellings.setdefault(_stems(spelling), spelling)
        spellings.pop(typed, None)
        spellings.pop((), None)
        if not spellings:
            continue
        alternatives = [_words_query(w, ranking.title_boost) for w in sorted(spellings)]
        synonym = query.Or(alternatives, boost=ranking.synonym_weight)
        start, end = run
        merged = [c for concept in concepts[start:end] for c in concept.clauses]
        concepts[start:end] = [_Concept(merged, synonym)]
        words[start:end] = [None]  # consumed: a later mention can't claim these clauses
        shown = Synonym(text[mention.start : mention.end], tuple(spellings.values()))
        used.append((mention.start, mention.end, shown))
    return concepts


# Lower-case query words that keep their case for synonym matching: "us" is the pronoun.
_PRONOUNS = frozenset({"us"})


def _capitalised(text: str) -> str:
    """The query as if typed in capitals, for the synonym groups' case rules: people type
    "uk" and "kremlin" in lower case, but "us" in lower case is the pronoun, not the US."""

    def upper(match: re.Match[str]) -> str:
        word = match.group(0)
        if not word.islower() or word in _PRONOUNS or len(word.upper()) != len(word):
            return word  # as typed (and offsets unchanged)
        return word.upper()

    return _QUERY_WORD.sub(upper, text)


def _stems(text: str) -> tuple[str, ...]:
    return tuple(t.text for t in analysis.analyze(text, compounds=False, spans=False))


def _find_run(
    words: list[tuple[str, ...] | None], wanted: tuple[str, ...]
) -> tuple[int, int] | None:
    """The first run of consecutive clauses whose words, joined, are ``wanted``."""
    for start in range(len(words)):
        joined: tuple[str, ...] = ()
        for end in range(start, len(words)):
            if words[end] is None:
                break
            joined += words[end]
            if joined == wanted:
                return start, end + 1
            if len(joined) >= len(wanted):
                break
    return None


def _proximity(clauses: list[query.Query], ranking: Ranking) -> list[query.Query]:
    """A bonus per pair of consecutive single-word clauses found near each other in the body."""
    if not ranking.proximity:
        return []
    words = [_clause_words(clause) for clause in clauses]
    return [
        query.Phrase("body", [a[0], b[0]], slop=ranking.proximity_slop, boost=ranking.proximity)
        for a, b in zip(words, words[1:], strict=False)
        if a and b and len(a) == len(b) == 1 and a != b
    ]


def _combine_words(
    q: query.Query,
    text: str,
    ranking: Ranking,
    synonyms: Gazetteer,
    used: list[tuple[int, int, Synonym]],
) -> query.Query:
    """Apply the plain-words policy to the top-level clauses (one per word or phrase, OR-ed by
    the parser): synonyms (appended to ``used``), the proximity bonus, and the all-words bonus
    or requirement. The words before a top-level NOT get the same treatment."""
    if isinstance(q, query.AndNot):
        return query.AndNot(_combine_words(q.a, text, ranking, synonyms, used), q.b)
    clauses = list(q.subqueries) if isinstance(q, query.Or) else [q]
    concepts = _synonym_concepts(clauses, text, ranking, synonyms, used)
    near = _proximity(clauses, ranking)
    if len(concepts) == 1 and not concepts[0].synonym and not near:
        return q
    any_words = [c for concept in concepts for c in concept.any_words()]
    all_words = [concept.all_words() for concept in concepts]
    if ranking.operator == "and_fallback":
        # Proximity only ranks documents that hold every word.
        scored: query.Query = query.And(all_words)
        return query.AndMaybe(scored, query.Or(near)) if near else scored
    combined = any_words + near
    if ranking.all_words_bonus and 1 < len(all_words) <= ranking.all_words_max:
        combined.append(query.And(all_words, boost=ranking.all_words_bonus))
    return query.Or(combined)


def build_query(
    text: str,
    view: View,
    ranking: Ranking = DEFAULT_RANKING,
    filters: Filters | None = None,
    synonyms: Gazetteer | None = None,
) -> SearchQuery:
    """Parse user query text into the Whoosh queries that are run, whatever the engine.

    ``view``'s vocabulary expands prefix*, wild?card and fuzzy~ words, and its terms ranges.

    Plain words are combined as ``ranking`` says (see :class:`Ranking`); ``synonyms`` default
    to the packaged groups. Metadata clauses in the text and ``filters`` go to the filter,
    which restricts the hits without changing their scores. Empty text with filters matches
    every document that passes them.
    """
    extra = filters.to_query() if filters else None
    if extra is not None and not text.strip():
        return SearchQuery(query.Every(), extra)
    text = _QUESTION_MARK.sub("", text)
    text = _normalize_fields(text)
    parsed = parse_query(text, ranking.title_boost)
    q = _fix_negations(_Expander(view).rewrite(parsed))
    if isinstance(q, query.Not):  # "NOT b" alone: everything except b
        q = query.AndNot(query.Every(), q.query)
    q, required = _split_filters(q)
    typed = frozenset(_query_terms(q, ["body"]))
    synonyms = default_synonyms() if synonyms is None else synonyms
    used: list[tuple[int, int, Synonym]] = []
    q = _combine_words(q, text, ranking, synonyms, used).normalize()
    if q is query.NullQuery:
        raise QueryError(_nothing_to_search_message(text))
    if extra is not None:
        required.append(extra)
    exact = None
    if used:
        exact = text
        for start, end, _synonym in sorted(used, reverse=True):
            exact = f'{exact[:start]}"{exact[start:end]}"{exact[end:]}'
    found = tuple(synonym for _start, _end, synonym in sorted(used, key=lambda u: u[0]))
    return SearchQuery(q, _all_of(required), typed, found, exact)


def _nothing_to_search_message(text: str) -> str:
    words = [w for w in _QUERY_WORD.findall(text) if w not in _OPERATORS]
    if words and all(analysis.normalize(w) in analysis.STOPWORDS for w in words):
        return (
            f"Only very common words ({', '.join(words)}), which are not indexed: "
            "add a more specific word."
        )
    return "Nothing to search for: the query has no words, only operators or punctuation."


def _or_fallback(q: query.Query) -> query.Query:
    """The and_fallback query with its required words made optional."""
    if isinstance(q, query.And):
        return query.Or(q.subqueries)
    if isinstance(q, query.AndMaybe):
        return query.AndMaybe(_or_fallback(q.a), q.b)
    if isinstance(q, query.AndNot):
        return query.AndNot(_or_fallback(q.a), q.b)
    return q


class SearchEngine:
    """Searches one index from any number of threads, through the engine ``config`` names
    (else the configured one, see :meth:`EngineConfig.load`: Whoosh in ``index_dir`` by
    default), ranking as ``ranking`` says (else the engine's :data:`ENGINE_RANKINGS`)."""

    def __init__(
        self,
        index_dir: Path,
        ranking: Ranking | None = None,
        *,
        config: EngineConfig | None = None,
        vectorized: bool = True,
        time_limit: float = SEARCH_TIME_LIMIT,
    ) -> None:
        self.index_dir = Path(index_dir)
        self.config = config or EngineConfig.load()
        self.ranking = ranking or ENGINE_RANKINGS[self.config.name]
        self.time_limit = time_limit  # seconds per search (SearchPage.timed_out)
        # Whoosh only: score on whole posting lists (searchapp.vectorized), not its matchers.
        self.vectorized = vectorized
        self._engine: Engine | None = None
        self._lock = threading.Lock()
        # (index generation, scored query) -> feedback terms and weights.
        self._feedback_cache: _LRU[list[tuple[str, float]]] = _LRU(QUERY_CACHE_SIZE)
        # (index generation, query text) -> spelling suggestion.
        self._suggestion_cache: _LRU[str | None] = _LRU(QUERY_CACHE_SIZE)
        # (index generation, article id, limit) -> related articles.
        self._related_cache: _LRU[list[Hit]] = _LRU(QUERY_CACHE_SIZE)

    def view(self) -> View:
        """This thread's view of the newest generation of the index."""
        with self._lock:
            if self._engine is None:
                options = {"vectorized": self.vectorized} if self.config.name == "whoosh" else {}
                self._engine = open_engine(
                    self.config, self.index_dir, k1=self.ranking.k1, b=self.ranking.b, **options
                )
            engine = self._engine
        return engine.view()

    def close(self) -> None:
        with self._lock:
            if self._engine is not None:
                self._engine.close()
                self._engine = None

    def forget_queries(self) -> None:
        """Drop the remembered feedback terms, suggestions and related articles (benchmarks
        time first-time searches so)."""
        self._feedback_cache.clear()
        self._suggestion_cache.clear()
        self._related_cache.clear()

    def document_count(self) -> int:
        return self.view().doc_count()

    # -- searching -----------------------------------------------------------------------

    def search(
        self,
        text: str | None,
        page: int = 1,
        per_page: int = 10,
        *,
        autocorrect: bool = True,
        filters: Filters | None = None,
        sort: Sort = "relevance",
        facets: bool = True,
    ) -> SearchPage:
        """One page of hits, with facet counts over all of them. When nothing matches and
        ``autocorrect`` is on, the spelling suggestion is searched instead and the page says
        so (``corrected``). Text may be empty when ``filters`` are given (browsing)."""
        started = time.perf_counter()
        filters = filters or Filters()
        text = "" if filters and not (text or "").strip() else check_query_text(text)
        if not 1 <= per_page <= MAX_PER_PAGE:
            raise QueryError(f"per_page must be between 1 and {MAX_PER_PAGE}.")
        if page < 1 or (page - 1) * per_page >= MAX_RESULT_WINDOW:
            limit = MAX_RESULT_WINDOW // per_page
            raise QueryError(f"page must be between 1 and {limit} for per_page={per_page}.")
        if sort not in SORTS:
            raise QueryError(f"sort must be one of: {', '.join(SORTS)}.")
        view = self.view()
        suggestion = (
            self._suggestion_cache.get((view.generation(), text), lambda: suggest(text, view))
            if text
            else None
        )
        q = build_query(text, view, self.ranking, filters)
        options: dict[str, Any] = {
            "sort": sort,
            "facets": facets,
            "deadline": started + self.time_limit,
        }
        results = self._run(view, q, page, per_page, **options)
        corrected = False
        if results.total == 0 and suggestion and autocorrect and not results.timed_out:
            try:
                suggested_q = build_query(suggestion, view, self.ranking, filters)
            except QueryError:
                suggested_q = None
            if suggested_q is not None:
                suggested_results = self._run(view, suggested_q, page, per_page, **options)
                if suggested_results.total:
                    q, results, corrected = suggested_q, suggested_results, True
        terms = _query_terms(q.scored)
        body_terms = (q.typed, frozenset(_query_terms(q.scored, ["body"])))
        ranked = sort == "relevance" and _scores_words(q.scored)
        # A page past the end is empty (_run slices the hits itself).
        hits = [self._hit(view, match, terms, body_terms, ranked) for match in results.matches]
        counted = _facets(results.facets, filters) if facets and results.facets else Facets()
        took_ms = (time.perf_counter() - started) * 1000
        return SearchPage(
            text,
            results.total,
            page,
            per_page,
            round(took_ms, 2),
            suggestion,
            corrected,
            hits,
            sort,
            counted,
            q.synonyms,
            q.exact_text,
            results.timed_out,
            view.partial,
        )

    def ranked(self, text: str, limit: int = 100) -> list[tuple[str, float]]:
        """Ids and scores of the top ``limit`` documents, ranked exactly as :meth:`search`
        ranks them, without snippets or spelling correction (for evaluations)."""
        view = self.view()
        q = build_query(check_query_text(text), view, self.ranking)
        found = self._run(view, q, 1, limit)
        return [(view.fields(match.key)["id"], match.score) for match in found.matches]

    def _run(
        self,
        view: View,
        q: SearchQuery,
        page: int,
        per_page: int,
        sort: Sort = "relevance",
        facets: bool = False,
        deadline: float | None = None,
    ) -> Found:
        """The page's matches (sliced from the top ones), the total and the facet counts."""
        if sort == "relevance" and not _scores_words(q.scored):
            sort = "newest"  # nothing to rank by (only filters): newest first reads best
        ranking = self.ranking
        feedback = (
            sort == "relevance"
            and ranking.feedback_docs > 0
            and 0 < len(q.typed) <= ranking.feedback_max_words
        )
        depth = page * per_page
        limit = max(depth, FEEDBACK_DEPTH) if feedback else depth
        options: dict[str, Any] = {"sort": sort, "facets": facets, "deadline": deadline}
        found = view.search(q.scored, q.filter, limit, **options)
        if not found.total and ranking.operator == "and_fallback" and not found.timed_out:
            fallback = _or_fallback(q.scored)
            if fallback is not q.scored:
                found = view.search(fallback, q.filter, limit, **options)
        matches = found.matches
        if feedback and len(matches) > 1 and not found.timed_out:
            # Unfiltered, these hits are the top hits feedback reads: no second search.
            extra = self._feedback_query(view, q, None if q.filter else matches)
            if extra is not None:
                matches = _reranked(view, matches, extra)
        page_matches = matches[(page - 1) * per_page : depth]
        return Found(found.total, page_matches, found.facets, found.timed_out)

    def _feedback_query(
        self, view: View, q: SearchQuery, top: list[Match] | None
    ) -> query.Query | None:
        """The key terms of the query's top hits (``top``, or searched for without the
        filter), as a query that scores the top hits again; None if there are none."""
        key = (view.generation(), repr(q.scored))
        terms = self._feedback_cache.get(key, lambda: self._feedback_terms(view, q, top))
        if not terms:
            return None
        extra = [query.Term("body", term, boost=weight) for term, weight in terms]
        return query.Or(extra, boost=self.ranking.feedback_weight)

    def _feedback_terms(
        self, view: View, q: SearchQuery, top: list[Match] | None
    ) -> list[tuple[str, float]]:
        """The key terms of the query's top hits that it doesn't search for already."""
        ranking = self.ranking
        if top is None:
            # Without the filter, so a filter never changes the scores (it only restricts).
            # One more than read, to learn whether any hit is left unread (cheaper than len()).
            top = view.search(q.scored, None, ranking.feedback_docs + 1).matches
        if len(top) <= ranking.feedback_docs:
            return []  # it would read every hit: their key terms can't tell them apart
        # Each hit's title and opening, where news puts its key facts: whole articles cost
        # twice as much (19 against 11 ms for ten news articles).
        texts = (
            f"{fields['title']}\n{fields['body'][:FEEDBACK_CHARS]}"
            for fields in (view.fields(match.key) for match in top[: ranking.feedback_docs])
        )
        searched = _query_terms(q.scored, ["body"])  # synonyms included: no need to add them
        found = _expanded_terms(view, texts, ranking.feedback_terms + len(searched))
        return [(term, weight) for term, weight in found if term not in searched][
            : ranking.feedback_terms
        ]

    def _hit(
        self,
        view: View,
        match: Match,
        terms: set[str],
        body_terms: tuple[frozenset[str], frozenset[str]],
        ranked: bool,
    ) -> Hit:
        """``body_terms``: the words as typed, and with their synonyms. The snippet shows the
        typed words where the body has them, so synonyms don't crowd them out."""
        fields = view.fields(match.key)
        body = fields["body"]
        typed, with_synonyms = body_terms
        scan = Scan(body)
        snippet = SNIPPETS.snippet(scan, typed) if typed else ""
        if not snippet and with_synonyms != typed:
            snippet = SNIPPETS.snippet(scan, with_synonyms)
        if not snippet:
            snippet = _opening(body)
        return Hit(
            id=fields["id"],
            title=fields["title"],
            title_html=highlight_whole(fields["title"], terms),
            # Sorted by date, an engine's "score" is its sort key.
            score=round(match.score or 0.0, 4) if ranked else None,
            snippet=snippet,
            **_metadata(fields),
        )

    # -- articles ------------------------------------------------------------------------

    def article(self, article_id: str, text: str | None = None) -> ArticleView:
        view = self.view()
        fields = view.document(article_id)
        if fields is None:
            raise NotFound(f"No article with id {article_id!r}.")
        terms: set[str] = set()
        if text and text.strip():
            try:
                terms = _query_terms(build_query(check_query_text(text), view, self.ranking).scored)
            except QueryError:
                pass  # an unusable query just highlights nothing
        title = fields["title"]
        body = fields["body"]
        return ArticleView(
            article_id,
            title,
            body,
            fields.get("path", ""),
            highlight_whole(title, terms),
            [highlight_whole(p, terms) for p in body.split("\n\n") if p],
            **_metadata(fields),
        )

    def related(self, article_id: str, limit: int = RELATED_COUNT) -> list[Hit]:
        """The articles most like this one (key terms of its body), itself excluded;
        remembered per index generation (finding the key terms is most of the cost)."""
        view = self.view()
        key = (view.generation(), article_id, limit)
        return self._related_cache.get(key, lambda: _related(view, article_id, limit))


def _related(view: View, article_id: str, limit: int) -> list[Hit]:
    similar = view.more_like(article_id, limit)
    if similar is None:
        raise NotFound(f"No article with id {article_id!r}.")
    return [_related_hit(view.fields(match.key), match.score) for match in similar]


def _related_hit(fields: dict[str, Any], score: float | None) -> Hit:
    return Hit(
        id=fields["id"],
        title=fields["title"],
        title_html=html.escape(fields["title"], quote=False),
        score=round(score or 0.0, 4),
        snippet=_opening(fields["body"]),
        **_metadata(fields),
    )


class _LRU(Generic[V]):
    """A bounded map, the least recently used entry dropped first; shared by threads."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], V]) -> V:
        """The value kept for ``key``, else ``compute()``'s, then kept."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = compute()  # unlocked: other threads' searches go on meanwhile
        with self._lock:
            self._items[key] = value
            if len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


def _reranked(view: View, matches: list[Match], extra: query.Query) -> list[Match]:
    """The first ``FEEDBACK_DEPTH`` matches reordered by their scores plus ``extra``'s (the
    feedback terms), scored for those documents only; the rest as they were."""
    top = matches[:FEEDBACK_DEPTH]
    bonus = view.scores(extra, [match.key for match in top])
    rescored = sorted(
        ((m.score + bonus.get(m.key, 0.0), rank, m) for rank, m in enumerate(top)),
        key=lambda item: (-item[0], item[1]),
    )
    return [Match(m.key, score) for score, _rank, m in rescored] + matches[FEEDBACK_DEPTH:]


def _expanded_terms(view: View, texts: Iterable[str], number: int) -> list[tuple[str, float]]:
    """What Whoosh's ``classify.Expander`` (Bo1 model, body field) returns for ``texts``, with
    far fewer term lookups: it looks up the collection frequency of every word of the texts
    (about 4,000 lookups, 20 ms, for ten news openings). A word's Bo1 score is bounded by its
    weight in the texts (the score only grows with it, and over the possible collection
    frequencies is highest at one end or the other), so words are looked up heaviest first,
    and the rest skipped once even the bound of the next weight can't reach the top
    ``number``."""
    weights: dict[str, float] = {}
    for text in texts:
        # The terms and frequencies the body indexes (its field boost is 1).
        for word, positions in analysis.positions(text).items():
            weights[word] = weights.get(word, 0.0) + len(positions)
    if not weights:
        return []
    model = _Bo1(view.doc_count(), view.field_length("body"))
    highest = max(model.collection_total, 1)

    def bound(weight: float) -> float:
        return max(model.score(weight, 1, 0.0), model.score(weight, highest, 0.0))

    by_weight: dict[float, list[str]] = {}
    for word, weight in weights.items():
        by_weight.setdefault(weight, []).append(word)
    best: list[float] = []  # min-heap of the ``number`` best scores so far
    scored: list[tuple[float, str]] = []
    for weight in sorted(by_weight, reverse=True):
        # A margin, so a word whose score rounds to a tie is never skipped.
        if len(best) >= number and bound(weight) < best[0] * (1 - 1e-9):
            break
        for word in by_weight[weight]:
            # Present terms have a frequency of at least 1: one lookup instead of two.
            frequency = view.frequency("body", word)
            if frequency:
                score = model.score(weight, frequency, 0.0)
                scored.append((score, word))
                if len(best) < number:
                    heapq.heappush(best, score)
                elif score > best[0]:
                    heapq.heapreplace(best, score)
    if not scored:
        return []
    norm = model.normalizer(max(score for score, _ in scored), 0.0)
    ranked = sorted(((score / norm, word) for score, word in scored), key=lambda x: (-x[0], x[1]))
    return [(word, weight) for weight, word in ranked[:number]]


@dataclass(frozen=True, slots=True)
class _Bo1:
    """The Bo1 term-weighting model of divergence from randomness (Amati), as Whoosh's
    ``classify.Bo1Model`` computes it, for pseudo-relevance feedback."""

    doc_count: int
    collection_total: float

    def score(self, weight_in_top: float, weight_in_collection: float, top_total: float) -> float:
        f = weight_in_collection / self.doc_count
        return weight_in_top * math.log((1.0 + f) / f, 2) + math.log(1.0 + f, 2)

    def normalizer(self, maxweight: float, top_total: float) -> float:
        if not maxweight:
            return maxweight
        f = maxweight / self.doc_count
        return (maxweight * math.log((1.0 + f) / f) + math.log(1.0 + f)) / math.log(2.0)


def _scores_words(q: query.Query) -> bool:
    return any(fieldname in SEARCH_FIELDS for fieldname, _ in q.iter_all_terms())


def _opening(body: str) -> str:
    return html.escape(shorten(" ".join(body.split()), SNIPPET_CHARS), quote=False)


def _metadata(fields: dict[str, Any]) -> dict[str, Any]:
    published = fields.get("date")
    return {
        "published": published if isinstance(published, date) else None,
        "source": fields.get("source", ""),
        "author": fields.get("author", ""),
        "url": fields.get("url", ""),
        "tags": tuple(t for t in fields.get("tag", "").split(",") if t),
    }


def _facets(groups: dict[str, dict[Any, int]], filters: Filters) -> Facets:
    def values(name: str, selected: Iterable[str]) -> list[FacetValue]:
        counts = {str(k): n for k, n in groups[name].items() if _real_value(name, k)}
        chosen = set(selected)
        if name == "year":
            ordered = sorted(counts, reverse=True)
        else:
            ordered = sorted(counts, key=lambda v: (-counts[v], v.casefold()))
        shown = ordered[:FACET_SIZE] + [v for v in ordered[FACET_SIZE:] if v in chosen]
        return [FacetValue(v, counts[v], v in chosen) for v in shown]

    return Facets(
        source=values("source", filters.sources),
        year=values("year", (str(y) for y in filters.years)),
        tag=values("tag", (_canonical_tag(t) for t in filters.tags)),
    )


def _real_value(name: str, value: Any) -> bool:
    """Whoosh groups documents without a value under "" (text) or the column maximum."""
    if name == "year":
        return isinstance(value, int) and 0 < value < 10_000
    return bool(value)


def _query_terms(q: query.Query, fields: Iterable[str] = SEARCH_FIELDS) -> set[str]:
    """The index terms a query looks for in ``fields`` (phrase words included)."""
    wanted = frozenset(fields)
    return {
        text
        for fieldname, text in q.iter_all_terms(phrases=True)
        if fieldname in wanted and isinstance(text, str)
    }


# -- did you mean ----------------------------------------------------------------------------


def _plain_words(text: str) -> Iterator[re.Match[str]]:
    """Words of the query that are searched as typed (no operators, fields, patterns,
    metadata clauses)."""
    clauses = [m.span() for m in _FILTER_CLAUSE.finditer(text)]
    for match in _QUERY_WORD.finditer(text):
        if any(start <= match.start() < end for start, end in clauses):
            continue
        word = match.group(0)
        before = text[match.start() - 1] if match.start() else " "
        after = text[match.end()] if match.end() < len(text) else " "
        if word in _OPERATORS or after in ":*?~" or before in "*?^~" or word.isdigit():
            continue
        yield match


def suggest(text: str, view: View) -> str | None:
    """The query with each word that is not in the index replaced by a close indexed word."""
    replacements: list[tuple[int, int, str]] = []
    for match in _plain_words(text):
        word = analysis.normalize(match.group(0))
        if len(word) < 3 or word in analysis.STOPWORDS or view.has_word(word):
            continue
        correction = _correct(word, view)
        if correction:
            replacements.append((match.start(), match.end(), correction))
    if not replacements:
        return None
    out = text
    for start, end, word in reversed(replacements):
        out = out[:start] + word + out[end:]
    return out


_INFLECTIONS = ("s", "ed", "ing", "ly", "er", "ers", "ion", "ions")


def _stem_frequency(view: View, stem: str) -> int:
    return sum(view.doc_frequency(field, stem) for field in SEARCH_FIELDS)


def _correct(word: str, view: View) -> str | None:
    stem = analysis.stem(word)
    same_stem_only = _stem_frequency(view, stem) > 0
    # The word already finds documents through its stem. A regular inflection of an indexed
    # word ("poisoned" for "poisoning") is no misspelling; otherwise offer the corpus's own
    # spelling of the same stem (Navalny -> navalni, Skripall -> skripal).
    if same_stem_only and word != stem and word.startswith(stem) and word.endswith(_INFLECTIONS):
        return None
    for maxdist in (1, 2) if len(word) > 4 else (1,):
        candidates = [
            candidate
            for candidate in view.words_within(word, maxdist, prefix=1)
            if not same_stem_only or analysis.stem(candidate) == stem
        ]
        # The most common spelling: by how many articles its stem is in (the vocabulary only
        # knows words, and keeps those of deleted articles until a full reindex: frequency 0).
        counted = [(_stem_frequency(view, analysis.stem(c)), c) for c in candidates]
        counted = [(-frequency, c) for frequency, c in counted if frequency]
        if counted:
            return min(counted)[1]
    return None
