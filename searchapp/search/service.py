"""The search service: one :class:`SearchEngine` per process, reading each request's
generation of the index through the engine's :class:`~searchapp.engines.base.View`, and
remembering what repeated requests would compute again."""

from __future__ import annotations

import html
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any, Generic, TypeVar

# The modules rather than names from them, which tests patch (feedback.FEEDBACK_DEPTH,
# suggestions.suggest); by full name, as `from . import` would name the package, whose
# __init__ imports this module.
import searchapp.search.feedback as feedback
import searchapp.search.suggestions as suggestions

from ..config import EngineConfig
from ..engines import query
from ..engines.base import SORTS, Engine, Found, Match, Sort, View
from ..engines.registry import open_engine
from ..engines.whoosh.highlight import SNIPPETS, Scan, highlight_whole
from ..errors import NotFound, QueryError
from ..text.article import page_at, split_pages
from .among import Among, articles_among, matching
from .entities import Entities, EntityPage, entity_page
from .filters import Filters
from .languages import Languages
from .parsing import (
    SearchQuery,
    _or_fallback,
    _query_terms,
    _scores_words,
    build_query,
    check_query_text,
)
from .ranking import ENGINE_RANKINGS, Ranking
from .results import (
    MAX_RESULT_WINDOW,
    ArticleView,
    Facets,
    Hit,
    PageView,
    SearchPage,
    _facets,
    _metadata,
    _opening,
)
from .timeline import Histogram, histogram

MAX_PER_PAGE = 100
# Seconds a search may run before it stops and answers with what it found by then
# (``SearchPage.timed_out``): no query holds a server thread for long.
SEARCH_TIME_LIMIT = 2.0
RELATED_COUNT = 5
# Queries' feedback terms and spelling suggestions, and articles' related articles, remembered
# per index generation: paging and facet clicks repeat a query, and readers come back.
QUERY_CACHE_SIZE = 512


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
        # Whoosh only: score on whole posting lists (engines/whoosh/vectorized.py).
        self.vectorized = vectorized
        self._engine: Engine | None = None
        self._lock = threading.Lock()
        # (index generation, scored query) -> feedback terms and weights.
        self._feedback_cache: _LRU[list[tuple[str, float]]] = _LRU(QUERY_CACHE_SIZE)
        # (index generation, query text) -> spelling suggestion.
        self._suggestion_cache: _LRU[suggestions.Suggestion | None] = _LRU(QUERY_CACHE_SIZE)
        # (index generation, article id, limit) -> related articles.
        self._related_cache: _LRU[list[Hit]] = _LRU(QUERY_CACHE_SIZE)
        # The index's corrections and entity directory.
        self.entities = Entities(self.index_dir)
        # The index's languages, and its Cyrillic words by their Latin skeletons.
        self.languages = Languages()

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

    def stored(self, article_id: str) -> dict[str, Any]:
        """The article's stored fields (:func:`searchapp.text.analysed.stored_fields`);
        :class:`NotFound` when there is no such article."""
        fields = self.view().document(article_id)
        if fields is None:
            raise NotFound(f"No article with id {article_id!r}.")
        return fields

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
        as_typed: bool = False,
    ) -> SearchPage:
        """One page of hits, with facet counts over all of them. When nothing matches,
        ``autocorrect`` is on and the spelling suggestion is sure (:meth:`Suggestion.sure
        <searchapp.search.suggestions.Suggestion.sure>`), the suggestion is searched instead
        and the page says so (``corrected``); otherwise it is only offered. Text may be empty
        when ``filters`` are given (browsing). ``as_typed``: no synonyms, no other-script
        spellings (see :func:`build_query`)."""
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
            self._suggestion_cache.get(
                (view.generation(), text), lambda: suggestions.suggest(text, view)
            )
            if text
            else None
        )
        q = self.query(text, view, filters, as_typed=as_typed)
        options: dict[str, Any] = {
            "sort": sort,
            "facets": facets,
            "deadline": started + self.time_limit,
        }
        results = self._run(view, q, page, per_page, **options)
        corrected = False
        if (
            results.total == 0
            and suggestion
            and autocorrect
            and not results.timed_out
            and suggestion.sure(view)
        ):
            try:
                suggested_q = self.query(suggestion.text, view, filters)
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
        groups = results.facets if facets else None
        counted = _facets(groups, filters) if groups else Facets()
        months = histogram(groups.get("month", {})) if groups else Histogram()
        took_ms = (time.perf_counter() - started) * 1000
        return SearchPage(
            text,
            results.total,
            page,
            per_page,
            round(took_ms, 2),
            suggestion.text if suggestion else None,
            corrected,
            hits,
            sort,
            counted,
            q.synonyms,
            q.exact_text,
            results.timed_out,
            view.partial,
            months,
        )

    def hits_among(self, text: str, filters: Filters | None, ids: list[str]) -> list[Hit]:
        """The articles of ``ids`` the search matches, ranked, with snippets (a saved
        search's feed): matched as :meth:`matching` does."""
        filters = filters or Filters()
        text = "" if filters and not text.strip() else check_query_text(text)
        if not ids:
            return []
        view = self.view()
        q = self.query(text, view, filters)
        among = query.Or([query.Term("id", article_id) for article_id in ids])
        restrict = among if q.filter is None else query.And([q.filter, among])
        sort: Sort = "relevance" if _scores_words(q.scored) else "newest"
        found = view.search(q.scored, restrict, len(ids), sort=sort)
        terms = _query_terms(q.scored)
        body_terms = (q.typed, frozenset(_query_terms(q.scored, ["body"])))
        ranked = sort == "relevance"
        return [self._hit(view, match, terms, body_terms, ranked) for match in found.matches]

    def among(self, ids: list[str]) -> Among:
        """The articles ``ids`` of the newest generation, read once for :meth:`matching`."""
        return articles_among(self.view(), ids)

    def matching(self, among: Among, text: str, filters: Filters | None = None) -> list[str]:
        """The ids of the articles of ``among`` the search matches, in ``among``'s order:
        the results page's matching, without its spelling correction or its fallback to
        any of the words (taken when the whole collection has no article with all of them,
        which says nothing of these articles)."""
        filters = filters or Filters()
        text = "" if filters and not text.strip() else check_query_text(text)
        q = self.query(text, among.view, filters)
        return [among.fields[key]["id"] for key in matching(among, q)]

    def query(
        self, text: str, view: View, filters: Filters | None = None, *, as_typed: bool = False
    ) -> SearchQuery:
        """The query :func:`build_query` makes of ``text`` and ``filters`` on this index: its
        ranking, its entity corrections, its languages."""
        return build_query(
            text,
            view,
            self.ranking,
            filters,
            entities=self.entities,
            languages=self.languages,
            as_typed=as_typed,
        )

    def ranked(self, text: str, limit: int = 100) -> list[tuple[str, float]]:
        """Ids and scores of the top ``limit`` documents, ranked exactly as :meth:`search`
        ranks them, without snippets or spelling correction (for evaluations)."""
        view = self.view()
        q = self.query(check_query_text(text), view)
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
        rerank = (
            sort == "relevance"
            and ranking.feedback_docs > 0
            and 0 < len(q.typed) <= ranking.feedback_max_words
        )
        depth = page * per_page
        limit = max(depth, feedback.FEEDBACK_DEPTH) if rerank else depth
        options: dict[str, Any] = {"sort": sort, "facets": facets, "deadline": deadline}
        found = view.search(q.scored, q.filter, limit, **options)
        if not found.total and ranking.operator == "and_fallback" and not found.timed_out:
            fallback = _or_fallback(q.scored)
            if fallback is not q.scored:
                found = view.search(fallback, q.filter, limit, **options)
        matches = found.matches
        if rerank and len(matches) > 1 and not found.timed_out:
            # Unfiltered, these hits are the top hits feedback reads: no second search.
            extra = self._feedback_query(view, q, None if q.filter else matches)
            if extra is not None:
                matches = feedback._reranked(view, matches, extra)
        page_matches = matches[(page - 1) * per_page : depth]
        return Found(found.total, page_matches, found.facets, found.timed_out)

    def _feedback_query(
        self, view: View, q: SearchQuery, top: list[Match] | None
    ) -> query.Query | None:
        """The key terms of the query's top hits (``top``, or searched for without the
        filter), as a query that scores the top hits again; None if there are none."""
        key = (view.generation(), repr(q.scored))
        terms = self._feedback_cache.get(
            key, lambda: feedback.key_terms(view, q, top, self.ranking)
        )
        if not terms:
            return None
        extra = [query.Term("body", term, boost=weight) for term, weight in terms]
        return query.Or(extra, boost=self.ranking.feedback_weight)

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
        lang = fields.get("lang", "")
        scan = Scan(body, near=with_synonyms, lang=lang)
        snippet, where = SNIPPETS.snippet_at(scan, typed) if typed else ("", None)
        if not snippet and with_synonyms != typed:
            snippet, where = SNIPPETS.snippet_at(scan, with_synonyms)
        if not snippet:
            snippet, where = _opening(body), 0
        return Hit(
            id=fields["id"],
            title=fields["title"],
            title_html=highlight_whole(fields["title"], terms, lang),
            # Sorted by date, an engine's "score" is its sort key.
            score=round(match.score or 0.0, 4) if ranked else None,
            snippet=snippet,
            page=page_at(fields.get("pages", ()), where or 0),
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
                q = self.query(check_query_text(text), view)
                terms = _query_terms(q.scored)
            except QueryError:
                pass  # an unusable query just highlights nothing
        title = fields["title"]
        body = fields["body"]
        pages = fields.get("pages", ())
        numbers: list[int | None] = list(range(1, len(pages) + 1)) if pages else [None]
        return ArticleView(
            article_id,
            title,
            body,
            fields.get("path", ""),
            highlight_whole(title, terms, fields.get("lang", "")),
            [
                _page_view(number, text, terms, fields.get("lang", ""))
                for number, text in zip(numbers, split_pages(body, pages), strict=True)
            ],
            attachments=tuple(fields.get("attachments", ())),
            **_metadata(fields),
        )

    # -- entities ------------------------------------------------------------------------

    def entity(self, kind: str, name: str, page: int = 1, per_page: int = 20) -> EntityPage:
        """The page of an entity (see :func:`searchapp.search.entities.entity_page`)."""
        if not 1 <= per_page <= MAX_PER_PAGE:
            raise QueryError(f"per_page must be between 1 and {MAX_PER_PAGE}.")
        if page < 1 or (page - 1) * per_page >= MAX_RESULT_WINDOW:
            raise QueryError(f"page must be between 1 and {MAX_RESULT_WINDOW // per_page}.")
        return entity_page(self.entities, self.view(), kind, name, page, per_page)

    def complete_entities(self, kind: str, prefix: str, limit: int = 10) -> list[dict[str, Any]]:
        """Entities of a type whose name has a word starting with ``prefix``."""
        if not 1 <= limit <= MAX_PER_PAGE:
            raise QueryError(f"limit must be between 1 and {MAX_PER_PAGE}.")
        return self.entities.complete(self.view(), kind, prefix, limit)

    def related(self, article_id: str, limit: int = RELATED_COUNT) -> list[Hit]:
        """The articles most like this one (key terms of its body), itself excluded;
        remembered per index generation (finding the key terms is most of the cost)."""
        view = self.view()
        key = (view.generation(), article_id, limit)
        return self._related_cache.get(key, lambda: _related(view, article_id, limit))


def _page_view(number: int | None, text: str, terms: set[str], lang: str) -> PageView:
    paragraphs = [highlight_whole(p, terms, lang) for p in text.split("\n\n") if p]
    return PageView(number, paragraphs, sum("<mark>" in p for p in paragraphs))


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


V = TypeVar("V")


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
