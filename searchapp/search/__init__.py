"""Searching the index: query parsing, ranking, snippets and spelling suggestions.

One :class:`SearchEngine` serves a whole process, over the engine its configuration names
(:mod:`searchapp.engines.registry`): the query is parsed and its words expanded here, whatever the
engine, and each request reads one consistent generation of the index through the engine's
:class:`~searchapp.engines.base.View`.

The package's modules, each importing only those listed before it:

- :mod:`.ranking`: :class:`Ranking`, how plain words are combined and scored, and each engine's
  defaults (:data:`ENGINE_RANKINGS`).
- :mod:`.filters`: :class:`Filters` (facet clicks, from=/to=) as query clauses,
  :func:`parse_day`, and language codes and their names (:func:`language_name`).
- :mod:`.words`: the words of the query text as typed (phrases, operators, metadata clauses).
- :mod:`.synonyms`: query-time synonyms (:class:`Synonym`).
- :mod:`.expansion`: prefix*, wild?card, fuzzy~ words and term ranges expanded, within
  :data:`MAX_EXPANSIONS` words.
- :mod:`.parsing`: query text to the query tree that is run (:func:`build_query`).
- :mod:`.timeline`: hits per month (:class:`Histogram`), from the engines' month facet.
- :mod:`.results`: what a search answers (:class:`SearchPage`, :class:`Hit`,
  :class:`ArticleView`) and the facet counts.
- :mod:`.feedback`: pseudo-relevance feedback (Bo1 key terms of the top hits).
- :mod:`.suggestions`: did you mean (:func:`suggest`), and whether it is sure enough to be
  searched instead (:class:`Suggestion`).
- :mod:`.service`: :class:`SearchEngine`, and what it remembers per index generation.
- :mod:`.export`: every hit of a search as rows for CSV and JSON Lines (:func:`export`).

The names below are re-exported for the package's users. The constants are copies: a test
changing one patches it in the module that uses it.
"""

from __future__ import annotations

from ..engines.base import SORTS
from .expansion import MAX_EXPANSIONS, MAX_WILDCARD_SCAN
from .feedback import FEEDBACK_CHARS, FEEDBACK_DEPTH
from .filters import Filters, language_code, language_name, parse_day
from .parsing import MAX_QUERY_LENGTH, QUERY_FIELDS, SearchQuery, build_query, check_query_text
from .ranking import DEFAULT_RANKING, ENGINE_RANKINGS, OPERATORS, Operator, Ranking
from .results import (
    FACET_SIZE,
    MAX_RESULT_WINDOW,
    ArticleView,
    Facets,
    FacetValue,
    Hit,
    SearchPage,
)
from .service import (
    MAX_PER_PAGE,
    QUERY_CACHE_SIZE,
    RELATED_COUNT,
    SEARCH_TIME_LIMIT,
    SearchEngine,
)
from .suggestions import Suggestion, suggest
from .synonyms import Synonym
from .timeline import Histogram, MonthCount

__all__ = [
    "DEFAULT_RANKING",
    "ENGINE_RANKINGS",
    "FACET_SIZE",
    "FEEDBACK_CHARS",
    "FEEDBACK_DEPTH",
    "MAX_EXPANSIONS",
    "MAX_PER_PAGE",
    "MAX_QUERY_LENGTH",
    "MAX_RESULT_WINDOW",
    "MAX_WILDCARD_SCAN",
    "OPERATORS",
    "QUERY_CACHE_SIZE",
    "QUERY_FIELDS",
    "RELATED_COUNT",
    "SEARCH_TIME_LIMIT",
    "SORTS",
    "ArticleView",
    "FacetValue",
    "Facets",
    "Filters",
    "Histogram",
    "Hit",
    "MonthCount",
    "Operator",
    "Ranking",
    "SearchEngine",
    "SearchPage",
    "SearchQuery",
    "Suggestion",
    "Synonym",
    "build_query",
    "check_query_text",
    "language_code",
    "language_name",
    "parse_day",
    "suggest",
]
