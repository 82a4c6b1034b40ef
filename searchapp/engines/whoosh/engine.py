"""The Whoosh engine (the default, and the reference for the others): the index folder that
``searchapp reindex`` writes, searched by any number of threads of one process.

Each thread keeps its own Whoosh searcher and moves to a new one when a reindex has committed
a new generation, so requests never open the index and always read one consistent generation.
Searches by relevance are scored on whole posting lists (:mod:`.vectorized`) rather
than with Whoosh's matchers: the same hits, totals and facets, several times faster.
"""

from __future__ import annotations

import math
import threading
import time
import weakref
from collections.abc import Hashable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from whoosh import classify, collectors, query, scoring, sorting
from whoosh.reading import IndexReader
from whoosh.searching import Searcher

from .. import query as ours
from ..base import EXACT_FIELDS, Found, Match, Sort, months_of, top_entities
from . import arrays, vectorized
from .query import to_whoosh
from .schema import SCHEMA
from .storage import open_index, open_vocabulary_in_memory

# Key terms more-like-this searches for: more finds closer neighbours, at some cost.
RELATED_TERMS = 12
# Estimated bytes of one remembered frequency (its key, value and LRU entry).
_FREQUENCY_BYTES = 200
# The "day" column value of undated articles, which "oldest first" moves to the end.
_UNDATED = SCHEMA["day"].to_column_value(0)


class WhooshEngine:
    """Searches the Whoosh index in ``index_dir``; BM25F with ``k1`` and ``b``."""

    def __init__(
        self, index_dir: Path, *, k1: float = 2.0, b: float = 0.75, vectorized: bool = True
    ) -> None:
        self.index_dir = Path(index_dir)
        # The exact forms' lengths say nothing (most articles have none): no length norm.
        self.weighting = scoring.BM25F(B=b, K1=k1, **{f"{f}_B": 0.0 for f in EXACT_FIELDS.values()})
        self.vectorized = vectorized
        self._ix = None
        self._vocabulary_ix = None
        self._lock = threading.Lock()
        self._local = threading.local()
        self._views: list[WhooshView] = []

    def _index(self):
        with self._lock:
            if self._ix is None:
                self._ix = open_index(self.index_dir, mmap=False)
                self._vocabulary_ix = open_vocabulary_in_memory(self.index_dir)
            return self._ix

    def view(self) -> WhooshView:
        """This thread's view, on a new searcher if a reindex committed since it was opened."""
        ix = self._index()
        current: WhooshView | None = getattr(self._local, "view", None)
        if current is not None and current.searcher.up_to_date():
            return current
        # A new searcher, not Searcher.refresh(): whoosh3 3.54 reuses segment readers by
        # segment id there, so deletions committed since are ignored and merged-away segments
        # come back (test_deleted_documents_vanish_from_an_open_engine).
        searcher = ix.searcher(weighting=self.weighting)
        # Reindex commits the vocabulary before the index, so it is at least as new. (Opened
        # once: reader() retries when a commit deletes the generation it was about to read.)
        fresh = WhooshView(searcher, self._vocabulary_ix.reader(), self.vectorized)
        with self._lock:
            if current is not None:
                self._views.remove(current)
                current.close()
            self._views.append(fresh)
        self._local.view = fresh
        return fresh

    def close(self) -> None:
        with self._lock:
            for view in self._views:
                view.close()
            self._views.clear()
            self._local = threading.local()


class WhooshView:
    """One generation of the index and its vocabulary, read by one thread."""

    partial: tuple[str, ...] = ()

    def __init__(self, searcher: Searcher, vocabulary: IndexReader, fast: bool) -> None:
        self.searcher = searcher
        self.reader = searcher.reader()
        self.vocabulary = vocabulary  # the vocabulary index's reader
        self.fast = fast and vectorized.supported(searcher)

    def close(self) -> None:
        self.searcher.close()
        self.vocabulary.close()

    def generation(self) -> Hashable:
        return self.reader.generation()

    def doc_count(self) -> int:
        return self.searcher.doc_count()

    # -- searching ---------------------------------------------------------------------------

    def search(
        self,
        scored: ours.Query,
        filter: ours.Query | None,
        limit: int,
        *,
        sort: Sort = "relevance",
        facets: bool = False,
        deadline: float | None = None,
    ) -> Found:
        return self._search(
            to_whoosh(scored),
            None if filter is None else to_whoosh(filter),
            limit,
            sort=sort,
            facets=facets,
            deadline=deadline,
        )

    def _search(
        self,
        scored: query.Query,
        filter: query.Query | None,
        limit: int,
        *,
        sort: Sort,
        facets: bool,
        deadline: float | None,
    ) -> Found:
        if sort == "relevance" and self.fast:
            return self._vectorized_top(scored, filter, limit, facets, deadline)
        options: dict[str, Any] = {"filter": filter}
        if sort == "newest":
            options["sortedby"] = sorting.FieldFacet("day", reverse=True)
        elif sort == "oldest":
            # Undated articles (day 0) last.
            options["sortedby"] = sorting.TranslateFacet(_undated_last, sorting.FieldFacet("day"))
        if facets:
            options["groupedby"] = FACET_FIELDS
            options["maptype"] = sorting.Count
        return self._whoosh_top(scored, limit, options, deadline)

    def _whoosh_top(
        self, scored: query.Query, limit: int, options: dict[str, Any], deadline: float | None
    ) -> Found:
        """Whoosh's own search: it scores (or sorts) and categorizes every match, or those
        it reached by ``deadline``."""
        collector = self.searcher.collector(limit=limit, **options)
        if deadline is not None:
            collector = _DeadlineCollector(collector, deadline)
        timed_out = False
        try:
            self.searcher.search_with_collector(scored, collector)
        except collectors.TimeLimit:
            timed_out = True
        results = collector.results()
        groups = None
        if "groupedby" in options:
            groups = {name: dict(results.groups(name)) for name in FACET_FIELDS}
            groups["entity"] = top_entities(groups["entity"])
            groups["lang"].pop("", None)  # the documents without one
            groups["month"] = months_of(groups.pop("day"))
        matches = [Match(hit.docnum, hit.score or 0.0) for hit in results]
        return Found(len(results), matches, groups, timed_out)

    def _vectorized_top(
        self,
        scored: query.Query,
        filter: query.Query | None,
        limit: int,
        facets: bool,
        deadline: float | None,
    ) -> Found:
        """The same hits, scores and counts as :meth:`_whoosh_top` for a search by
        relevance, computed on whole posting lists (see :mod:`.vectorized`)."""
        ids, scores, timed_out = vectorized.evaluate(self.searcher, scored, filter, deadline)
        best = vectorized.top(ids, scores, limit)
        groups = None
        if facets:
            counted = vectorized.facet_counts(
                self.searcher, ids, ("source_name", "year", "day", "lang"), ("tag",), ("entity",)
            )
            counted["lang"].pop("", None)  # the documents without one
            groups = {
                "source": counted["source_name"],
                "year": counted["year"],
                "tag": counted["tag"],
                "entity": top_entities(counted["entity"]),
                "lang": counted["lang"],
                "month": months_of(counted["day"]),
            }
        matches = [Match(docnum, score) for score, docnum in best]
        return Found(len(ids), matches, groups, timed_out)

    def scores(self, q: ours.Query, keys: list[Hashable]) -> dict[Hashable, float]:
        return self._scores(to_whoosh(q), sorted(keys))

    def _scores(self, q: query.Query, docnums: list[int]) -> dict[Hashable, float]:
        if self.fast:
            return vectorized.scores_for(self.searcher, q, docnums)
        return _scores_for(self.searcher, q, docnums)

    def fields(self, key: Hashable) -> dict[str, Any]:
        return _neutral(self.searcher.stored_fields(key))

    def document(self, article_id: str) -> dict[str, Any] | None:
        fields = self.searcher.document(id=article_id)
        return None if fields is None else _neutral(fields)

    def more_like(self, article_id: str, limit: int) -> list[Match] | None:
        searcher = self.searcher
        docnum = searcher.document_number(id=article_id)
        if docnum is None:
            return None
        key_terms = self._key_terms(docnum)
        if not key_terms:  # no other article shares a word (as the Xapian engine answers)
            return []
        like = query.Or([query.Term("body", word, boost=weight) for word, weight in key_terms])
        if not self.fast:
            similar = searcher.search(like, limit=limit, mask={docnum})
            return [Match(hit.docnum, hit.score or 0.0) for hit in similar]
        # Scored on the numpy path: half the time of Whoosh's matchers.
        ids, scores, _timed_out = vectorized.evaluate(searcher, like)
        others = ids != docnum
        best = vectorized.top(ids[others], scores[others], limit)
        return [Match(doc, score) for score, doc in best]

    def _key_terms(self, docnum: int) -> list[tuple[str, float]]:
        """The body's ``RELATED_TERMS`` best Bo1 key terms (Whoosh's ``key_terms``) that some
        other article has (a word of this article alone scores no other); when none has, as
        on a small folder, the best of those that others have."""
        expander = classify.Expander(self.reader, "body")
        expander.add_document(docnum)
        ranked = expander.expanded_terms(len(expander.topN_weight), normalize=False)
        shared = [(w, weight) for w, weight in ranked if self.reader.doc_frequency("body", w) > 1]
        best = {word for word, _weight in ranked[:RELATED_TERMS]}
        return [t for t in shared if t[0] in best] or shared[:RELATED_TERMS]

    # -- term statistics ---------------------------------------------------------------------

    def doc_frequency(self, fieldname: str, text: str) -> int:
        return self.reader.doc_frequency(fieldname, text)

    def frequency(self, fieldname: str, text: str) -> float:
        """Remembered per reader (bounded with the posting lists): feedback looks up about a
        thousand words per new query."""
        key = ("frequency", fieldname, text)
        found = arrays.CACHE.get(self.reader, key)
        if found is None:
            found = self.reader.frequency(fieldname, text)
            arrays.CACHE.put(self.reader, key, found, _FREQUENCY_BYTES + len(text))
        return found

    def field_length(self, fieldname: str) -> float:
        return self.reader.field_length(fieldname)

    def terms_between(
        self, fieldname: str, start: str | None, end: str | None, startexcl: bool, endexcl: bool
    ) -> Iterator[str]:
        found = query.TermRange(fieldname, start, end, startexcl, endexcl)
        for _field, btext in found.expanded_terms(self.reader):
            yield _text(btext)

    # -- vocabulary --------------------------------------------------------------------------

    def has_word(self, word: str) -> bool:
        return ("vocab", word) in self.vocabulary

    def words_from(self, prefix: str) -> Iterator[str]:
        for btext in self.vocabulary.expand_prefix("vocab", prefix):
            yield _text(btext)

    def entity_values(self, prefix: str = "") -> Iterator[tuple[str, int]]:
        reader = self.reader
        deletions = reader.has_deletions()
        for btext in reader.expand_prefix("entity", prefix):
            value = _text(btext)
            if deletions:  # a term's frequency counts deleted documents until a merge
                ids = reader.postings("entity", value).all_ids()
                count = sum(1 for doc in ids if not reader.is_deleted(doc))
            else:
                count = reader.doc_frequency("entity", value)
            if count:
                yield value, count

    def languages(self) -> dict[str, int]:
        """The ``lang`` field's terms and their document counts, segment by segment; a
        segment's deleted documents (counted by its terms until a merge) are taken off by
        their column value, so the cost is the deletions', not the documents'."""
        counts: dict[str, int] = {}
        for segment, _offset in self.searcher.leaf_searchers():
            reader = segment.reader()
            if "lang" not in reader.indexed_field_names():
                continue
            for btext in reader.lexicon("lang"):
                code = _text(btext)
                counts[code] = counts.get(code, 0) + reader.doc_frequency("lang", code)
            if reader.has_deletions():
                column = reader.column_reader("lang", translate=True)
                for docnum in reader.deleted_docs_set:
                    if code := column[docnum]:
                        counts[code] = counts.get(code, 0) - 1
        return {code: count for code, count in counts.items() if code and count > 0}

    def words_within(self, word: str, maxdist: int, prefix: int) -> Iterator[str]:
        for found in self.vocabulary.terms_within("vocab", word, maxdist, prefix=prefix):
            yield _text(found)


def _text(btext: bytes | str) -> str:
    return btext.decode("utf-8") if isinstance(btext, bytes) else btext


def _neutral(fields: dict[str, Any]) -> dict[str, Any]:
    """Whoosh's stored fields as :func:`searchapp.text.analysed.stored_fields` gives them."""
    published = fields.get("date")
    return {
        "id": fields["id"],
        "title": fields.get("title", ""),
        "body": fields.get("body", ""),
        "path": fields.get("path", ""),
        "url": fields.get("url", ""),
        "source": fields.get("source", ""),
        "author": fields.get("author", ""),
        "tag": fields.get("tag", ""),
        "date": published.date() if isinstance(published, datetime) else None,
        "pages": list(fields.get("pages", ())),
        "parent": fields.get("parent", ""),
        "attachments": list(fields.get("attachments", ())),
        "entities": list(fields.get("entities", ())),
        "lang": fields.get("lang", ""),
    }


class _DeadlineCollector(collectors.WrappingCollector):
    """Raises Whoosh's TimeLimit once a ``time.perf_counter()`` deadline has passed, checked
    every 256 matches (Whoosh's TimeLimitCollector starts a timer thread per search). The
    collector keeps what it had collected: the results so far."""

    def __init__(self, child: collectors.Collector, deadline: float) -> None:
        super().__init__(child)
        self.deadline = deadline

    def collect_matches(self) -> None:
        child = self.child
        for count, sub_docnum in enumerate(child.matches()):
            if not count % 256 and time.perf_counter() > self.deadline:
                raise collectors.TimeLimit
            child.collect(sub_docnum)


class _TagLists(sorting.OverlappingCategorizer):
    """Whoosh's categorizer for a many-valued field, with each segment's per-document value
    lists built once per segment reader: Whoosh rebuilds them from the postings on every
    search, which cost more than the search itself at 10,000 articles."""

    # Per segment reader, per field (tag, entity).
    _lists_of: weakref.WeakKeyDictionary[IndexReader, dict[str, list[list[str]]]] = (
        weakref.WeakKeyDictionary()
    )

    def set_searcher(self, segment_searcher: Searcher, docoffset: int) -> None:
        reader = segment_searcher.reader()
        fields = self._lists_of.setdefault(reader, {})
        lists = fields.get(self._fieldname)
        if lists is None:
            super().set_searcher(segment_searcher, docoffset)
            fields[self._fieldname] = self._lists
        else:
            self._segment_searcher = segment_searcher
            self._lists = lists


class _TagFacet(sorting.FieldFacet):
    def __init__(self, fieldname: str) -> None:
        super().__init__(fieldname, allow_overlap=True)

    def categorizer(self, global_searcher: Searcher) -> sorting.Categorizer:
        return _TagLists(global_searcher, self.fieldname)


# Facets counted over every hit (Whoosh's groupedby sees all matches, not just the page).
FACET_FIELDS = {
    "source": sorting.FieldFacet("source_name"),
    "year": sorting.FieldFacet("year"),
    "tag": _TagFacet("tag"),
    "entity": _TagFacet("entity"),
    "lang": sorting.FieldFacet("lang"),
    "day": sorting.FieldFacet("day"),
}


def _undated_last(day: int) -> float:
    return math.inf if day == _UNDATED else day


def _scores_for(searcher: Searcher, q: query.Query, docnums: list[int]) -> dict[int, float]:
    """``q``'s scores for the given documents (ascending), skipping straight to each: a
    search would walk every posting of every term."""
    matcher = q.matcher(searcher, searcher.context(needs_current=True))
    scores = {}
    for docnum in docnums:
        if not matcher.is_active():
            break
        if matcher.id() < docnum:
            matcher.skip_to(docnum)
        if matcher.is_active() and matcher.id() == docnum:
            scores[docnum] = matcher.score()
    return scores
