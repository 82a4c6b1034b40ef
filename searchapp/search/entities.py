"""Entities at search time: `person:`, `org:`, `cve:`… clauses resolved to the index's
entity values, the directory of those values (completion, counts), and an entity's page:
its articles, mentions per month, the entities found with it, first mentions in context,
and its aliases with where they come from."""

from __future__ import annotations

import bisect
import html
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ..engines import query
from ..engines.base import View
from ..errors import NotFound, QueryError
from ..text import indicators
from ..text.corrections import APPLIED, Corrections, CorrectionsError, fold
from ..text.entities import (
    ENTITY_TYPES,
    GROUPS,
    INDICATOR_KINDS,
    TYPES,
    Mention,
    find_entities,
    group_of,
    split_value,
)
from ..text.tags import default_gazetteer
from .timeline import Histogram, histogram

COMPLETIONS = 10
CONTEXT_CHARS = 120
MAX_ALTERNATIVES = 50  # values a partial name (`person:skripal`) may stand for


@dataclass
class EntityDirectory:
    """The entity values of one generation of the index, with their article counts."""

    counts: dict[str, int]
    by_folded: dict[str, list[str]] = field(default_factory=dict)
    by_word: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    # Per type, every (word, value) of its values, sorted: completion bisects it.
    words: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    @classmethod
    def of(cls, view: View) -> EntityDirectory:
        directory = cls(dict(view.entity_values("")))
        for value in directory.counts:
            kind, name = split_value(value)
            directory.by_folded.setdefault(f"{kind}:{fold(name)}", []).append(value)
            for word in set(fold(name).split()):
                directory.words.setdefault(kind, []).append((word, value))
                if kind in TYPES:
                    directory.by_word.setdefault((kind, word), []).append(value)
        for pairs in directory.words.values():
            pairs.sort()
        return directory

    def matching(self, kind: str, name: str) -> list[str]:
        """The values ``kind:name`` stands for: the same name, ignoring case, else (for
        names) every one holding all its words ("skripal": Sergei and Yulia Skripal)."""
        exact = self.by_folded.get(f"{kind}:{fold(name)}")
        if exact or kind not in TYPES:
            return exact or []
        words = fold(name).split()
        if not words:
            return []
        found = set(self.by_word.get((kind, words[0]), ()))
        for word in words[1:]:
            found &= set(self.by_word.get((kind, word), ()))
        return sorted(found, key=lambda v: (-self.counts[v], v))[:MAX_ALTERNATIVES]

    def starting(self, kind: str, prefix: str) -> list[str]:
        """The values of ``kind`` (a type, or "indicator" for all of them) with a word
        starting with ``prefix`` (ignoring case; words after its first must follow)."""
        folded = fold(prefix)
        first = folded.split(" ", 1)[0]
        found: set[str] = set()
        for each in INDICATOR_KINDS if kind == "indicator" else (kind,):
            pairs = self.words.get(each, [])
            at = bisect.bisect_left(pairs, (first, ""))
            while at < len(pairs) and pairs[at][0].startswith(first):
                found.add(pairs[at][1])
                at += 1
        if " " in folded:  # the rest of the prefix after that word
            found = {v for v in found if f" {folded}" in f" {fold(split_value(v)[1])}"}
        return sorted(found, key=lambda v: (-self.counts[v], v))


class Entities:
    """What search knows of entities for one index: its corrections (as applied) and one
    directory per generation, built when first needed."""

    def __init__(self, index_dir: Path | None = None) -> None:
        self.index_dir = None if index_dir is None else Path(index_dir)
        self._lock = threading.Lock()
        self._directory: tuple[Any, EntityDirectory] | None = None
        self._corrections: tuple[float, Corrections] | None = None

    def corrections(self) -> Corrections:
        """The corrections the index was built with (re-read when a reindex changes them)."""
        if self.index_dir is None:
            return Corrections()
        path = self.index_dir / APPLIED
        try:
            stamp = path.stat().st_mtime_ns
        except OSError:
            return Corrections()
        cached = self._corrections
        if cached is None or cached[0] != stamp:
            try:
                cached = (stamp, Corrections.load(path))
            except CorrectionsError:
                cached = (stamp, Corrections())
            self._corrections = cached
        return cached[1]

    def directory(self, view: View) -> EntityDirectory:
        generation = view.generation()
        with self._lock:
            cached = self._directory
        if cached is None or cached[0] != generation:
            cached = (generation, EntityDirectory.of(view))
            with self._lock:
                self._directory = cached
        return cached[1]

    def canonical(self, kind: str, name: str) -> tuple[str, str]:
        """The entity a typed name is: an alias of entities.toml or of the gazetteer's
        organisations goes to its entity's name (and type)."""
        declared = self.corrections().entity(name)
        if declared is not None:
            return declared.type, declared.name
        if kind == "org":
            tag = default_gazetteer().canonical(name)
            if tag is not None and default_gazetteer().kind(tag) in ("agency", "group"):
                return kind, tag
        return kind, name.strip()

    def clause(self, view: View, kind: str, text: str) -> query.Query:
        """A `kind:text` clause of the query as a filter on the entity field."""
        if kind in INDICATOR_KINDS:
            value = indicators.normalise(kind, text)
            if value is None:
                raise QueryError(f"{text!r} is not a valid {kind} ({kind}:…).")
            return query.Term("entity", f"{kind}:{value}")
        kind, name = self.canonical(kind, text)
        values = self.directory(view).matching(kind, name) or [f"{kind}:{name}"]
        terms = [query.Term("entity", value) for value in values]
        return terms[0] if len(terms) == 1 else query.Or(terms)

    def prefix_clause(self, view: View, kind: str, prefix: str) -> query.Query:
        values = self.directory(view).starting(kind, prefix)[:MAX_ALTERNATIVES]
        if not values:
            return query.Term("entity", f"{kind}:{prefix}")
        return query.Or([query.Term("entity", value) for value in values])

    def resolve(self, view: View, node: query.Query) -> query.Query:
        """``node`` with its entity clauses (`person:…`, `cve:…`) as entity filters."""
        fieldname = getattr(node, "fieldname", None)
        if fieldname in ENTITY_TYPES:
            if isinstance(node, query.Term):
                return self.clause(view, fieldname, str(node.text))
            if isinstance(node, query.Phrase):
                return self.clause(view, fieldname, " ".join(node.words))
            if isinstance(node, query.Prefix):
                return self.prefix_clause(view, fieldname, node.text)
            raise QueryError(f"{fieldname}: takes a name, in quotes if it has spaces.")
        if node.is_leaf():
            return node
        return node.apply(lambda sub: self.resolve(view, sub))

    def complete(
        self, view: View, kind: str, prefix: str, limit: int = COMPLETIONS
    ) -> list[dict[str, Any]]:
        """Entities of ``kind`` (a type, or "indicator") with a word starting with
        ``prefix``, most mentioned first, with their article counts."""
        if kind not in (*ENTITY_TYPES, "indicator"):
            raise QueryError(f"type must be one of: {', '.join((*ENTITY_TYPES, 'indicator'))}.")
        directory = self.directory(view)
        found = directory.starting(kind, prefix)[:limit]
        return [
            {"type": split_value(v)[0], "name": split_value(v)[1], "articles": directory.counts[v]}
            for v in found
        ]


# -- the entity page ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FirstMention:
    id: str
    title: str
    published: date | None
    context_html: str  # escaped, the mention in <mark>
    why: str


@dataclass(frozen=True, slots=True)
class Alias:
    name: str
    source: str  # where it comes from: entities.toml, the gazetteer, the texts


@dataclass(frozen=True, slots=True)
class EntityPage:
    type: str
    name: str
    total: int  # articles mentioning it
    page: int
    per_page: int
    articles: list[FirstMention]  # newest first
    months: list[tuple[str, int]]  # "YYYY-MM" -> articles, oldest first ("" for undated)
    related: dict[str, list[tuple[str, int]]]  # group -> (value, articles together)
    aliases: list[Alias]
    why: list[tuple[str, int]]  # why it was taken, with how many of the listed articles

    @property
    def value(self) -> str:
        return f"{self.type}:{self.name}"

    @property
    def histogram(self) -> Histogram:
        """The months as a timeline (the months between without mentions counted 0)."""
        return histogram(self.months)

    def to_dict(self, article_url: Any) -> dict[str, Any]:
        return {
            "type": self.type,
            "name": self.name,
            "articles_total": self.total,
            "page": self.page,
            "per_page": self.per_page,
            "articles": [
                {
                    "id": a.id,
                    "title": a.title,
                    "published": a.published.isoformat() if a.published else None,
                    "url": article_url(a.id),
                    "first_mention": a.context_html,
                    "why": a.why,
                }
                for a in self.articles
            ],
            "months": [{"month": m or None, "articles": n} for m, n in self.months],
            "related": {
                group: [{"value": v, "articles": n} for v, n in values]
                for group, values in self.related.items()
            },
            "aliases": [{"name": a.name, "source": a.source} for a in self.aliases],
            "why": [{"reason": reason, "articles": n} for reason, n in self.why],
        }


RELATED_PER_GROUP = 10


def entity_page(
    entities: Entities, view: View, kind: str, name: str, page: int = 1, per_page: int = 20
) -> EntityPage:
    """The page of the entity ``kind:name`` (an alias goes to its entity); NotFound when
    no article has it."""
    if kind not in ENTITY_TYPES:
        raise NotFound(f"No entity type {kind!r}; types are: {', '.join(ENTITY_TYPES)}.")
    if kind in INDICATOR_KINDS:
        name = indicators.normalise(kind, name) or name
    else:
        kind, name = entities.canonical(kind, name)
        values = entities.directory(view).matching(kind, name)
        if len(values) == 1 or (values and fold(split_value(values[0])[1]) == fold(name)):
            kind, name = split_value(values[0])
    value = f"{kind}:{name}"
    term = query.Term("entity", value)
    limit = page * per_page
    found = view.search(query.Every(), term, limit, sort="newest", facets=True)
    if not found.total:
        raise NotFound(f"No article mentions the {kind} {name!r}.")
    corrections = entities.corrections()
    listed, reasons, spellings = [], Counter(), Counter()
    for match in found.matches[(page - 1) * per_page : limit]:
        fields = view.fields(match.key)
        mention = _first_mention(fields, value, corrections)
        listed.append(
            FirstMention(
                fields["id"],
                fields["title"],
                fields.get("date"),
                _context(fields, mention) if mention else "",
                mention.why if mention else "",
            )
        )
        if mention:
            reasons[mention.why] += 1
            spellings[_written(fields, mention)] += 1
    facets = found.facets or {}
    return EntityPage(
        kind,
        name,
        found.total,
        page,
        per_page,
        listed,
        _months(facets.get("month", {})),
        _related(facets.get("entity", {}), value),
        _aliases(entities, corrections, kind, name, spellings),
        reasons.most_common(),
    )


def _text_of(fields: dict[str, Any]) -> str:
    return f"{fields['title']}\n{fields['body']}"


def _first_mention(fields: dict[str, Any], value: str, corrections: Corrections) -> Mention | None:
    for mention in find_entities(_text_of(fields), corrections):
        if mention.value == value:
            return mention
    return None


def _written(fields: dict[str, Any], mention: Mention) -> str:
    return _text_of(fields)[mention.start : mention.end]


def _context(fields: dict[str, Any], mention: Mention) -> str:
    text = _text_of(fields)
    start = max(0, mention.start - CONTEXT_CHARS)
    end = min(len(text), mention.end + CONTEXT_CHARS)
    before = " ".join(text[start : mention.start].split())
    after = " ".join(text[mention.end : end].split())
    return (
        ("…" if start else "")
        + html.escape(before, quote=False)
        + (" " if before and text[mention.start - 1].isspace() else "")
        + f"<mark>{html.escape(text[mention.start : mention.end], quote=False)}</mark>"
        + (" " if after and text[mention.end : mention.end + 1].isspace() else "")
        + html.escape(after, quote=False)
        + ("…" if end < len(text) else "")
    )


def _months(counts: dict[str, int]) -> list[tuple[str, int]]:
    """Articles per month, oldest first, the undated last."""
    return sorted(counts.items(), key=lambda item: (item[0] == "", item[0]))


def _related(counts: dict[str, int], value: str) -> dict[str, list[tuple[str, int]]]:
    related: dict[str, list[tuple[str, int]]] = {group: [] for group in GROUPS}
    for other, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        if other == value:
            continue
        group = related[group_of(split_value(other)[0])]
        if len(group) < RELATED_PER_GROUP:
            group.append((other, count))
    return related


def _aliases(
    entities: Entities, corrections: Corrections, kind: str, name: str, spellings: Counter[str]
) -> list[Alias]:
    found: dict[str, Alias] = {}
    declared = corrections.entity(name)
    if declared is not None:
        for alias in (declared.name, *declared.aliases):
            if fold(alias) != fold(name):
                found.setdefault(fold(alias), Alias(alias, "entities.toml"))
    if kind == "org" and name in default_gazetteer().names:
        tag = default_gazetteer().tag(name)
        for alias in tag.aliases:
            found.setdefault(fold(alias), Alias(alias, "the gazetteer"))
    for written, count in spellings.most_common():
        if fold(written) != fold(name):
            articles = f"{count} article{'' if count == 1 else 's'}"
            found.setdefault(fold(written), Alias(written, f"written so in {articles}"))
    return list(found.values())
