"""What a search answers: pages of hits with their facet counts, and articles."""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..engines.base import Sort
from ..engines.whoosh.highlight import SNIPPET_CHARS
from ..text.article import shorten
from ..text.entities import GROUPS, TYPES, group_of, grouped, split_value
from .filters import Filters, _canonical_tag, language_code, language_name
from .synonyms import Synonym
from .timeline import Histogram

# Deepest result a client may page to; deeper pages cost a full top-N sort per request.
MAX_RESULT_WINDOW = 10_000
# Values listed per facet (the selected ones are always listed too).
FACET_SIZE = 12


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
    page: int | None = None  # a paged document's page of the snippet's best fragment
    parent: str = ""  # an attachment's message
    entities: tuple[str, ...] = ()  # entity values (searchapp.text.entities)
    lang: str = ""  # ISO 639-1 code ("ru"), "" when unknown

    @property
    def entity_groups(self) -> dict[str, list[str]]:
        return grouped(self.entities)

    @property
    def language(self) -> str:
        """The language's English name ("Russian"), "" when unknown."""
        return language_name(self.lang) if self.lang else ""

    def to_dict(self, article_url: Callable[[Hit], str]) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "score": self.score,
            "snippet": self.snippet,
            "url": article_url(self),
            "page": self.page,
            **_metadata_dict(self),
            "entities": self.entity_groups,
        }


@dataclass(frozen=True, slots=True)
class FacetValue:
    value: str
    count: int
    selected: bool = False

    @property
    def label(self) -> str:
        """What the value shows as: an entity's name, an indicator as the query writes it."""
        kind, name = split_value(self.value)
        return name if kind in TYPES and name else self.value

    @property
    def language(self) -> str:
        """A language facet's value by its English name ("ru": "Russian")."""
        return language_name(self.value)


@dataclass(frozen=True, slots=True)
class Facets:
    source: list[FacetValue] = field(default_factory=list)
    year: list[FacetValue] = field(default_factory=list)
    tag: list[FacetValue] = field(default_factory=list)
    lang: list[FacetValue] = field(default_factory=list)  # language codes (FacetValue.language)
    # Entity facets: values "type:name" (FacetValue.label shows the name).
    person: list[FacetValue] = field(default_factory=list)
    org: list[FacetValue] = field(default_factory=list)
    place: list[FacetValue] = field(default_factory=list)
    indicator: list[FacetValue] = field(default_factory=list)

    def to_dict(self) -> dict[str, list[dict[str, Any]]]:
        return {
            name: [
                {"value": v.value, "count": v.count, "selected": v.selected}
                for v in getattr(self, name)
            ]
            for name in ("source", "year", "tag", "lang", *GROUPS)
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
    # Hits per month over all of them (searchapp.search.timeline), like the facets.
    histogram: Histogram = field(default_factory=Histogram)

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
            "histogram": self.histogram.to_dict(),
        }

    @property
    def page_count(self) -> int:
        return max(1, -(-min(self.total, MAX_RESULT_WINDOW) // self.per_page))

    @property
    def first_rank(self) -> int:
        return (self.page - 1) * self.per_page + 1


@dataclass(frozen=True, slots=True)
class PageView:
    """One page of a paged document (``number`` from 1), or the whole of an unpaged one
    (``number`` None)."""

    number: int | None
    paragraphs_html: list[str]  # escaped, query words in <mark> when a query was given
    matches: int = 0  # paragraphs with a marked word


@dataclass(frozen=True, slots=True)
class ArticleView:
    id: str
    title: str
    body: str
    path: str
    title_html: str
    pages: list[PageView]  # one unnumbered page for an unpaged article
    published: date | None = None
    source: str = ""
    author: str = ""
    url: str = ""
    tags: tuple[str, ...] = ()
    parent: str = ""  # an attachment's message
    attachments: tuple[str, ...] = ()  # a message's attachments
    entities: tuple[str, ...] = ()
    lang: str = ""  # ISO 639-1 code ("ru"), "" when unknown

    @property
    def entity_groups(self) -> dict[str, list[str]]:
        return grouped(self.entities)

    @property
    def language(self) -> str:
        """The language's English name ("Russian"), "" when unknown."""
        return language_name(self.lang) if self.lang else ""

    @property
    def paragraphs_html(self) -> list[str]:
        return [p for page in self.pages for p in page.paragraphs_html]

    @property
    def page_count(self) -> int | None:
        """Pages of a paged document; None for an unpaged article."""
        return len(self.pages) if self.pages and self.pages[0].number is not None else None

    def to_dict(self) -> dict[str, Any]:
        """The JSON API's shape of an article."""
        return {
            "id": self.id,
            "title": self.title,
            **_metadata_dict(self),
            "pages": self.page_count,
            "parent": self.parent or None,
            "attachments": list(self.attachments),
            "entities": self.entity_groups,
            "body": self.body,
        }


def _metadata_dict(item: Hit | ArticleView) -> dict[str, Any]:
    return {
        "published": item.published.isoformat() if item.published else None,
        "source": item.source,
        "author": item.author,
        "source_url": item.url,
        "tags": list(item.tags),
        "lang": item.lang,
    }


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
        "parent": fields.get("parent", ""),
        "entities": tuple(fields.get("entities", ())),
        "lang": fields.get("lang", ""),
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

    entity_counts: dict[str, dict[str, int]] = {group: {} for group in GROUPS}
    for value, count in groups.get("entity", {}).items():
        entity_counts[group_of(split_value(value)[0])][value] = count
    chosen = set(filters.entities)
    entity_facets = {
        group: [
            FacetValue(v, counts[v], v in chosen)
            for v in sorted(counts, key=lambda v: (-counts[v], v.casefold()))[:FACET_SIZE]
        ]
        for group, counts in entity_counts.items()
    }
    return Facets(
        source=values("source", filters.sources),
        year=values("year", (str(y) for y in filters.years)),
        tag=values("tag", (_canonical_tag(t) for t in filters.tags)),
        lang=values("lang", (language_code(c) for c in filters.lang)),
        **entity_facets,
    )


def _real_value(name: str, value: Any) -> bool:
    """Whoosh groups documents without a value under "" (text) or the column maximum."""
    if name == "year":
        return isinstance(value, int) and 0 < value < 10_000
    return bool(value)
