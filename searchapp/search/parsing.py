"""Query text to the engine-neutral query tree that is run: parsed, its patterns expanded,
its metadata clauses split off as the filter, its plain words combined as :class:`Ranking`
says."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

from ..engines import query
from ..engines.base import FILTER_FIELDS, SEARCH_FIELDS, View
from ..engines.whoosh.parser import parse_query
from ..errors import QueryError
from ..text import analysis
from ..text.entities import ENTITY_TYPES
from ..text.tags import Gazetteer, default_synonyms
from .entities import Entities
from .exact import exact_forms
from .expansion import _Expander
from .filters import Filters
from .languages import Languages, in_every_language, transliterate
from .names import name_phrases
from .ranking import DEFAULT_RANKING, Ranking
from .synonyms import Synonym, _clause_words, _synonym_concepts
from .words import _OPERATORS, _QUERY_WORD, _QUOTED

# Long enough for a pasted paragraph.
MAX_QUERY_LENGTH = 2500
# Fields a user may name in the query as `field:` (`entity` only through the entity types).
QUERY_FIELDS = (
    frozenset(SEARCH_FIELDS)
    | {"id"}
    | (frozenset(FILTER_FIELDS) - {"entity"})
    | frozenset(ENTITY_TYPES)
)
_FIELD_PREFIX = re.compile(r"(?<![\w\\])([^\W\d]\w*):(?=[^\s/])")
# "who poisoned Skripal?" asks a question; a ? inside a word (n?vichok) is a wildcard.
_QUESTION_MARK = re.compile(r"(?<=[^\s*?])\?(?=\s|$)")


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
    view: View,
    languages: Languages,
) -> query.Query:
    """Apply the plain-words policy to the top-level clauses (one per word or phrase, OR-ed by
    the parser): synonyms (appended to ``used``), the proximity, name and exact-form bonuses,
    and the all-words bonus or requirement. The words before a top-level NOT get the same
    treatment."""
    if isinstance(q, query.AndNot):
        combined = _combine_words(q.a, text, ranking, synonyms, used, view, languages)
        return query.AndNot(combined, q.b)
    clauses = list(q.subqueries) if isinstance(q, query.Or) else [q]
    concepts = _synonym_concepts(clauses, text, ranking, synonyms, used)
    transliterate(concepts, text, view, languages, ranking, used)
    near = (
        _proximity(clauses, ranking)
        + name_phrases(clauses, text, ranking)
        + exact_forms(clauses, text, ranking)
    )
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
    entities: Entities | None = None,
    languages: Languages | None = None,
    as_typed: bool = False,
) -> SearchQuery:
    """Parse user query text into the Whoosh queries that are run, whatever the engine.

    ``view``'s vocabulary expands prefix*, wild?card and fuzzy~ words, and its terms ranges.

    Plain words are combined as ``ranking`` says (see :class:`Ranking`); ``synonyms`` default
    to the packaged groups. Metadata clauses in the text and ``filters`` go to the filter,
    which restricts the hits without changing their scores. Empty text with filters matches
    every document that passes them. Entity clauses (`person:…`, `cve:…`) are resolved by
    ``entities`` (the index's, or one without corrections) to the entity field's values.
    Title and body words are also searched as the index's other languages stem them, and
    across scripts (:mod:`searchapp.search.languages`; ``languages`` remembers what it
    needs of the index, else it is found again). ``as_typed`` searches the words without
    synonyms or other-script spellings (``exact=1``), as quoting each of them would.
    """
    if as_typed:
        ranking = replace(ranking, synonym_weight=0.0)
    extra = filters.to_query() if filters else None
    if extra is not None and not text.strip():
        return SearchQuery(query.Every(), extra)
    text = _QUESTION_MARK.sub("", text)
    text = _normalize_fields(text)
    parsed = parse_query(text, ranking.title_boost)
    if any(getattr(leaf, "fieldname", None) in ENTITY_TYPES for leaf in parsed.leaves()):
        parsed = (entities or Entities()).resolve(view, parsed)
    q = _fix_negations(_Expander(view).rewrite(parsed))
    if isinstance(q, query.Not):  # "NOT b" alone: everything except b
        q = query.AndNot(query.Every(), q.query)
    q, required = _split_filters(q)
    typed = frozenset(_query_terms(q, ["body"]))
    synonyms = default_synonyms() if synonyms is None else synonyms
    used: list[tuple[int, int, Synonym]] = []
    languages = languages or Languages()
    q = _combine_words(q, text, ranking, synonyms, used, view, languages).normalize()
    if q is query.NullQuery:
        raise QueryError(_nothing_to_search_message(text))
    q = in_every_language(q, text, languages.keys(view))
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


def _scores_words(q: query.Query) -> bool:
    return any(fieldname in SEARCH_FIELDS for fieldname, _ in q.iter_all_terms())


def _query_terms(q: query.Query, fields: Iterable[str] = SEARCH_FIELDS) -> set[str]:
    """The index terms a query looks for in ``fields`` (phrase words included)."""
    wanted = frozenset(fields)
    return {
        text
        for fieldname, text in q.iter_all_terms(phrases=True)
        if fieldname in wanted and isinstance(text, str)
    }
