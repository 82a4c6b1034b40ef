"""Ranked retrieval with numpy: a query's matches and BM25F scores, posting list by posting list.

Whoosh scores a query one matching document at a time, walking a tree of Python matchers, and
its block-quality skipping skips next to nothing for the OR queries searchapp runs. Here every
posting list is read into arrays (:mod:`.arrays`) and the tree is evaluated on whole arrays:
the same documents, the same scores (the same arithmetic, summed in the same order as Whoosh's
matcher trees), the total and every matched document number for free.

Phrases intersect their words' arrays first and read positions only for the documents that
hold every word. Clauses it does not know (spans, ranges…) are scored by Whoosh's own matcher,
document by document, and combined like the rest. Deleted documents never match.
"""

from __future__ import annotations

import bisect
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from whoosh import query, scoring
from whoosh.searching import Searcher

from ...text.entities import group_of
from ..base import ENTITY_FACET_TOP
from .arrays import (
    _EMPTY_IDS,
    _EMPTY_SCORES,
    CACHE,
    _deleted,
    _FacetColumns,
    _layout,
    _Lengths,
    _positions,
    _postings,
)


class Expired(Exception):
    """The search's deadline passed while a segment was being evaluated."""


@dataclass(frozen=True, slots=True)
class Matches:
    """Sorted segment-relative document numbers and their scores."""

    ids: np.ndarray
    scores: np.ndarray

    @staticmethod
    def empty() -> Matches:
        return Matches(_EMPTY_IDS, _EMPTY_SCORES)


def supported(searcher: Searcher) -> bool:
    """True when the searcher's weighting is one this module reproduces."""
    weighting = searcher.weighting
    return type(weighting) is scoring.BM25F and not weighting.use_final


class Evaluator:
    """Evaluates queries on one segment of ``top`` (``segment`` at ``offset``)."""

    def __init__(
        self,
        top: Searcher,
        segment: Searcher,
        only: np.ndarray | None = None,
        deadline: float | None = None,
    ) -> None:
        self.top = top
        self.segment = segment
        # Sorted document numbers: scores are only wanted for these (others may be missing).
        self.only = only
        self.deadline = deadline  # time.perf_counter() value; Expired is raised after it
        self.reader = segment.reader()
        weighting = top.weighting
        self.B, self.K1 = weighting.B, weighting.K1
        self.field_B = weighting._field_B  # BM25F's per-field B (``body_exact_B=0``)
        self.deleted = _deleted(self.reader)

    def run(self, q: query.Query) -> Matches:
        found = self._eval(q)
        if self.deleted is not None and len(found.ids):
            keep = ~np.isin(found.ids, self.deleted)
            found = Matches(found.ids[keep], found.scores[keep])
        return found

    def _check_deadline(self) -> None:
        if self.deadline is not None and time.perf_counter() > self.deadline:
            raise Expired

    def _eval(self, q: query.Query) -> Matches:
        self._check_deadline()
        if isinstance(q, query.Term):
            return self._term(q)
        if isinstance(q, query.Phrase):
            return self._phrase(q)
        if isinstance(q, query.Or) and not q.minmatch and not q.scale:
            if len(q.subqueries) >= query.Or.TOO_MANY_CLAUSES:
                return self._whoosh(q)
            return self._boosted(self._union([self._eval(s) for s in q.subqueries]), q.boost)
        if isinstance(q, query.And):
            return self._boosted(self._intersection(q), q.boost)
        if isinstance(q, query.AndNot):
            return self._and_not(self._eval(q.a), self._docs(q.b))
        if isinstance(q, query.AndMaybe):
            return self._and_maybe(self._eval(q.a), self._eval(q.b))
        if q is query.NullQuery or isinstance(q, query.NullQuery.__class__):
            return Matches.empty()
        return self._whoosh(q)

    @staticmethod
    def _boosted(found: Matches, boost: float) -> Matches:
        return found if boost == 1.0 else Matches(found.ids, found.scores * boost)

    def _term(self, q: query.Term) -> Matches:
        fieldname, text = q.fieldname, q.text
        if fieldname not in self.top.schema or not self.top.schema[fieldname].scorable:
            return self._whoosh(q)
        postings = _postings(self.reader, fieldname, text)
        ids, weights = postings.ids, postings.weights
        if self.only is not None and len(ids):
            # Only these scores are wanted: the cached list is restricted, not decoded anew.
            keep = np.isin(ids, self.only, assume_unique=True)
            ids, weights = ids[keep], weights[keep]
        if not len(ids):
            return Matches.empty()
        return self._boosted(Matches(ids, self._bm25(fieldname, text, ids, weights)), q.boost)

    def _bm25(self, fieldname: str, text: str, ids: np.ndarray, weights: np.ndarray) -> np.ndarray:
        idf = self.top.idf(fieldname, text)
        avgfl = self.top.avg_field_length(fieldname) or 1
        lengths = _Lengths.get(self.reader, fieldname)[ids]
        B, K1 = self.field_B.get(fieldname, self.B), self.K1
        # scoring.bm25, operation for operation.
        return idf * ((weights * (K1 + 1)) / (weights + K1 * ((1 - B) + B * lengths / avgfl)))

    def _phrase(self, q: query.Phrase) -> Matches:
        """Whoosh's Phrase (a SpanNear2 of its words, ordered, each next word 1 to ``slop``
        positions after the previous one), scored as its intersection of term matchers: the
        words' scores summed in the same binary tree, times the boost. Positions are read
        only for the documents holding every word; the unboosted matches are cached."""
        fieldname = q.fieldname
        field = self.top.schema[fieldname] if fieldname in self.top.schema else None
        if (
            field is None
            or not q.words
            or not field.scorable
            or not field.format
            or not field.format.supports("positions")
        ):
            return self._whoosh(q)
        # Matches leave deleted documents out; a segment's deletions only ever grow.
        deletions = 0 if self.deleted is None else len(self.deleted)
        key = ("phrase", fieldname, tuple(q.words), q.slop, deletions)
        found = CACHE.get(self.reader, key)
        if found is None:
            found = self._phrase_matches(fieldname, list(q.words), q.slop)
            if found is None:
                return self._whoosh(q)
            CACHE.put(self.reader, key, found, found.ids.nbytes + found.scores.nbytes + 64)
        if self.only is not None and len(found.ids):
            keep = np.isin(found.ids, self.only, assume_unique=True)
            found = Matches(found.ids[keep], found.scores[keep])
        return self._boosted(found, q.boost)

    def _phrase_matches(self, fieldname: str, words: list[str], slop: int) -> Matches | None:
        """The phrase's matches unboosted, or None when its postings are not whoosh3 blocks."""
        lists = [_postings(self.reader, fieldname, word) for word in words]
        if any(not len(p.ids) for p in lists):
            return Matches.empty()
        postfile = getattr(getattr(self.reader, "_terms", None), "_postfile", None)
        if postfile is None or not all(p.in_blocks for p in lists):
            return None
        docs = lists[0].ids
        for postings in lists[1:]:
            docs = np.intersect1d(docs, postings.ids, assume_unique=True)
        if self.deleted is not None:
            docs = docs[~np.isin(docs, self.deleted)]
        decode = self.top.schema[fieldname].format.decode_positions
        ends = _EMPTY_IDS  # (document << 32) + position of the last word matched so far
        for i, (word, postings) in enumerate(zip(words, lists, strict=True)):
            if not len(docs):
                return Matches.empty()
            layout = _layout(self.reader, fieldname, word, postings)
            at_docs, positions = _positions(postings, layout, docs, decode, postfile)
            keys = (at_docs << 32) + positions
            if i:
                follows = np.concatenate([ends + gap for gap in range(1, slop + 1)])
                keys = keys[np.isin(keys, follows)]
            ends = keys
            docs = np.unique(ends >> 32)
        if not len(docs):
            return Matches.empty()
        scores = []
        for word, postings in zip(words, lists, strict=True):
            weights = postings.weights[np.searchsorted(postings.ids, docs)]
            scores.append(self._bm25(fieldname, word, docs, weights))
        return Matches(docs, _tree_sum(scores))

    def _union(self, parts: list[Matches]) -> Matches:
        """Whoosh's binary tree of UnionMatchers: the same halves, so the same sums."""
        if len(parts) == 1:
            return parts[0]
        half = len(parts) // 2
        a, b = self._union(parts[:half]), self._union(parts[half:])
        return _merge(a, b, both=False)

    def _intersection(self, q: query.And) -> Matches:
        """Whoosh's weighted tree of IntersectionMatchers (smallest estimates joined first)."""
        subs = q.subqueries
        if len(subs) == 1:
            return self._eval(subs[0])
        reader = self.reader
        weighted = [(0 - s.estimate_size(reader), i, self._eval(s)) for i, s in enumerate(subs)]
        weighted.sort(key=lambda item: (item[0], item[1]))
        order = len(weighted)
        while len(weighted) > 1:
            wa, _ia, a = weighted.pop(0)
            wb, _ib, b = weighted.pop(0)
            bisect.insort(
                weighted, (wa + wb, order, _merge(a, b, both=True)), key=lambda x: (x[0], x[1])
            )
            order += 1
        return weighted[0][2]

    @staticmethod
    def _and_not(a: Matches, excluded: np.ndarray) -> Matches:
        if not len(a.ids) or not len(excluded):
            return a
        keep = ~np.isin(a.ids, excluded, assume_unique=True)
        return Matches(a.ids[keep], a.scores[keep])

    @staticmethod
    def _and_maybe(a: Matches, b: Matches) -> Matches:
        if not len(a.ids) or not len(b.ids):
            return a
        common, ia, ib = np.intersect1d(a.ids, b.ids, assume_unique=True, return_indices=True)
        scores = a.scores.copy()
        scores[ia] = a.scores[ia] + b.scores[ib]
        return Matches(a.ids, scores)

    def _docs(self, q: query.Query) -> np.ndarray:
        """The documents ``q`` matches (unscored)."""
        if isinstance(q, (query.Term, query.Phrase, query.Or, query.And, query.AndNot)):
            return self._eval(q).ids
        return np.fromiter(sorted(q.docs(self.segment)), dtype=np.int64)

    def _whoosh(self, q: query.Query) -> Matches:
        """Whoosh's own matcher, document by document, for clauses not handled here."""
        matcher = q.matcher(self.segment, self.segment.context(needs_current=True))
        ids, scores = [], []
        while matcher.is_active():
            ids.append(matcher.id())
            scores.append(matcher.score())
            matcher.next()
            if not len(ids) % 1024:
                self._check_deadline()
        return Matches(np.asarray(ids, dtype=np.int64), np.asarray(scores, dtype=np.float64))


def _tree_sum(parts: list[np.ndarray]) -> np.ndarray:
    """Sums in Whoosh's ``make_binary_tree`` order: (first half) + (second half)."""
    if len(parts) == 1:
        return parts[0]
    half = len(parts) // 2
    return _tree_sum(parts[:half]) + _tree_sum(parts[half:])


def _merge(a: Matches, b: Matches, *, both: bool) -> Matches:
    """Union (``both=False``) or intersection of two match lists, scores added (a + b)."""
    if both:
        common, ia, ib = np.intersect1d(a.ids, b.ids, assume_unique=True, return_indices=True)
        return Matches(common, a.scores[ia] + b.scores[ib])
    if not len(a.ids):
        return b
    if not len(b.ids):
        return a
    # On dense arrays over the document numbers: linear, where np.union1d sorts.
    size = int(max(a.ids[-1], b.ids[-1])) + 1
    present = np.zeros(size, dtype=bool)
    present[a.ids] = True
    present[b.ids] = True
    dense = np.zeros(size)
    dense[a.ids] = a.scores
    # a + b where both match (Whoosh's order), 0 + b (exactly b) where b alone does.
    dense[b.ids] += b.scores
    ids = np.flatnonzero(present)
    scores = dense[ids]
    return Matches(ids, scores)


def evaluate(
    searcher: Searcher,
    q: query.Query,
    allowed: query.Query | None = None,
    deadline: float | None = None,
) -> tuple[np.ndarray, np.ndarray, bool]:
    """Global document numbers and scores of every document ``q`` matches (and ``allowed``,
    unscored, if given), in document order, and whether ``deadline`` (a
    ``time.perf_counter()`` value) passed first: then only the segments finished by then are
    searched, so the matches are right but maybe not all."""
    all_ids, all_scores = [], []
    timed_out = False
    for segment, offset in searcher.leaf_searchers():
        evaluator = Evaluator(searcher, segment, deadline=deadline)
        try:
            found = evaluator.run(q)
            if allowed is not None and len(found.ids):
                keep = np.isin(found.ids, evaluator._docs(allowed), assume_unique=True)
                found = Matches(found.ids[keep], found.scores[keep])
        except Expired:
            timed_out = True
            break
        all_ids.append(found.ids + offset)
        all_scores.append(found.scores)
    if not all_ids:
        return _EMPTY_IDS, _EMPTY_SCORES, timed_out
    return np.concatenate(all_ids), np.concatenate(all_scores), timed_out


def scores_for(searcher: Searcher, q: query.Query, docnums: list[int]) -> dict[int, float]:
    """``q``'s scores for the given global document numbers (ascending) that it matches,
    computed for those documents only (on the cached posting lists)."""
    wanted = np.asarray(docnums, dtype=np.int64)
    scores: dict[int, float] = {}
    for segment, offset in searcher.leaf_searchers():
        start, end = np.searchsorted(wanted, [offset, offset + segment.reader().doc_count_all()])
        local = wanted[start:end] - offset
        if not len(local):
            continue
        found = Evaluator(searcher, segment, local).run(q)
        keep = np.isin(found.ids, local, assume_unique=True)
        for docnum, score in zip(found.ids[keep], found.scores[keep], strict=True):
            scores[int(docnum) + offset] = float(score)
    return scores


def top(ids: np.ndarray, scores: np.ndarray, limit: int) -> list[tuple[float, int]]:
    """The ``limit`` best (score, docnum) pairs, best first, ties by document number (as
    Whoosh's TopCollector orders them)."""
    if len(ids) > limit * 4:
        # Only the candidates at or above the limit-th best score can make the list.
        cut = np.partition(scores, len(scores) - limit)[len(scores) - limit]
        chosen = scores >= cut
        ids, scores = ids[chosen], scores[chosen]
    order = np.lexsort((ids, -scores))[:limit]
    return [(float(scores[i]), int(ids[i])) for i in order]


def facet_counts(
    searcher: Searcher,
    ids: np.ndarray,
    columns: tuple[str, ...],
    keywords: tuple[str, ...],
    lists: tuple[str, ...] = (),
) -> dict[str, dict[Any, int]]:
    """How many of the documents ``ids`` (global, sorted) have each value of each field:
    ``columns`` are one-valued sortable fields, ``keywords`` many-valued indexed ones with
    few values, ``lists`` many-valued ones with many (counted from per-document lists)."""
    counts: dict[str, dict[Any, int]] = {name: {} for name in (*columns, *keywords)}
    for name in lists:
        counts[name] = _list_counts(searcher, ids, name)
    for segment, offset in searcher.leaf_searchers():
        reader = segment.reader()
        size = reader.doc_count_all()
        start, end = np.searchsorted(ids, [offset, offset + size])
        local = ids[start:end] - offset
        if not len(local):
            continue
        for name in columns:
            codes, values = _FacetColumns.column(reader, name)
            found = np.bincount(codes[local], minlength=len(values))
            into = counts[name]
            for code in np.flatnonzero(found):
                into[values[code]] = into.get(values[code], 0) + int(found[code])
        if keywords:
            matched = np.zeros(size, dtype=bool)
            matched[local] = True
            for name in keywords:
                into = counts[name]
                for text, docs in _FacetColumns.postings(reader, name).items():
                    n = int(matched[docs].sum())
                    if n:
                        into[text] = into.get(text, 0) + n
    return counts


def _list_counts(searcher: Searcher, ids: np.ndarray, fieldname: str) -> dict[str, int]:
    """Each group's ENTITY_FACET_TOP most frequent values of a many-valued field among the
    documents ``ids``, counted in one code space for all segments (the values of a big
    index are too many to count in a dict per search)."""
    merged = _merged_lists(searcher, fieldname)
    if not merged.values:
        return {}
    total = np.zeros(len(merged.values), dtype=np.int64)
    leaves = searcher.leaf_searchers()
    for (_segment, offset), part in zip(leaves, merged.segments, strict=True):
        start, end = np.searchsorted(ids, [offset, offset + len(part.indptr) - 1])
        local = ids[start:end] - offset
        if not len(local) or not len(part.codes):
            continue
        if len(local) * 2 > part.live_count:
            # Most documents match (a broad query): every live document's counts, less
            # those of the few that don't.
            unmatched = part.live.copy()
            unmatched[local] = False
            total += part.counts
            total -= _code_counts(part, np.flatnonzero(unmatched), len(total))
        else:
            total += _code_counts(part, local, len(total))
    top: dict[str, int] = {}
    for low, high in merged.groups:
        counted = total[low:high]
        chosen = np.flatnonzero(counted)
        if len(chosen) > ENTITY_FACET_TOP:
            # At or above the top-th count, then by count and value (codes are in value order).
            cut = len(chosen) - ENTITY_FACET_TOP
            threshold = np.partition(counted[chosen], cut)[cut]
            chosen = chosen[counted[chosen] >= threshold]
            chosen = chosen[np.lexsort((chosen, -counted[chosen]))][:ENTITY_FACET_TOP]
        for code in (chosen + low).tolist():
            top[merged.values[code]] = int(total[code])
    return top


def _code_counts(part: _SegmentLists, docs: np.ndarray, size: int) -> np.ndarray:
    """How many of the documents ``docs`` (segment numbers) have each code."""
    starts = part.indptr[docs]
    lengths = part.indptr[docs + 1] - starts
    entries = int(lengths.sum())
    if not entries:
        return np.zeros(size, dtype=np.int64)
    # The entries of every document: each run's start repeated, plus 0, 1, …
    shift = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
    return np.bincount(part.codes[shift + np.arange(entries)], minlength=size)


@dataclass(frozen=True, slots=True)
class _SegmentLists:
    indptr: np.ndarray  # CSR of the segment's documents
    codes: np.ndarray  # in the merged code space
    live: np.ndarray  # per document: not deleted
    live_count: int
    counts: np.ndarray  # each code's live documents


@dataclass(frozen=True, slots=True)
class _MergedLists:
    # Every segment's values, by group (searchapp.text.entities) then value: a code is a place
    # in this list, and each group's codes are one range.
    values: list[str]
    groups: list[tuple[int, int]]
    segments: list[_SegmentLists]


def _merged_lists(searcher: Searcher, fieldname: str) -> _MergedLists:
    """One code space for a field's values over this searcher's segments, built once per
    searcher (a generation of the index)."""
    cache = searcher.__dict__.setdefault("_searchapp_merged_lists", {})
    merged = cache.get(fieldname)
    if merged is None:
        readers = [segment.reader() for segment, _offset in searcher.leaf_searchers()]
        per_segment = [_FacetColumns.lists(reader, fieldname) for reader in readers]
        distinct = set().union(*(values for _indptr, _codes, values in per_segment))
        values = sorted(distinct, key=lambda v: (group_of(v.partition(":")[0]), v))
        index = {value: code for code, value in enumerate(values)}
        groups: list[tuple[int, int]] = []
        for code, value in enumerate(values):
            group = group_of(value.partition(":")[0])
            if not groups or group != group_of(values[groups[-1][0]].partition(":")[0]):
                groups.append((code, code + 1))
            else:
                groups[-1] = (groups[-1][0], code + 1)
        segments = []
        for reader, (indptr, codes, segment_values) in zip(readers, per_segment, strict=True):
            to_global = np.fromiter(
                (index[v] for v in segment_values), dtype=np.int32, count=len(segment_values)
            )
            live = np.ones(len(indptr) - 1, dtype=bool)
            deleted = _deleted(reader)
            if deleted is not None:
                live[deleted] = False
            part = _SegmentLists(
                indptr, to_global[codes] if len(codes) else codes, live, int(live.sum()), _EMPTY_IDS
            )
            counts = _code_counts(part, np.flatnonzero(live), len(values))
            segments.append(_SegmentLists(part.indptr, part.codes, live, part.live_count, counts))
        merged = cache[fieldname] = _MergedLists(values, groups, segments)
    return merged
