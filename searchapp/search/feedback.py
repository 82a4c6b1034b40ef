"""Pseudo-relevance feedback: the key terms of a query's top hits (Bo1), and the top hits
reordered by them."""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable
from dataclasses import dataclass

from ..engines import query
from ..engines.base import Match, View
from ..text import analysis
from .parsing import SearchQuery, _query_terms
from .ranking import Ranking

# Characters of each top hit's body read for pseudo-relevance feedback (Ranking.feedback_docs).
FEEDBACK_CHARS = 2000
# Hits that feedback reorders: scoring the feedback terms for these only, not for every match,
# keeps it cheap, and people rarely page further (later pages keep the query's own order).
FEEDBACK_DEPTH = 100


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
    far fewer term lookups: it looks up the collection frequency of every word of the texts.
    A word's Bo1 score is bounded by its weight in the texts (the score only grows with it, and
    over the possible collection frequencies is highest at one end or the other), so words are
    looked up heaviest first, and the rest skipped once even the bound of the next weight can't
    reach the top ``number``."""
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


def key_terms(
    view: View, q: SearchQuery, top: list[Match] | None, ranking: Ranking
) -> list[tuple[str, float]]:
    """The key terms of the query's top hits that it doesn't search for already."""
    if top is None:
        # Without the filter, so a filter never changes the scores (it only restricts).
        # One more than read, to learn whether any hit is left unread (cheaper than len()).
        top = view.search(q.scored, None, ranking.feedback_docs + 1).matches
    if len(top) <= ranking.feedback_docs:
        return []  # it would read every hit: their key terms can't tell them apart
    # Each hit's title and opening, where news puts its key facts: whole articles cost more.
    texts = (
        f"{fields['title']}\n{fields['body'][:FEEDBACK_CHARS]}"
        for fields in (view.fields(match.key) for match in top[: ranking.feedback_docs])
    )
    searched = _query_terms(q.scored, ["body"])  # synonyms included: no need to add them
    found = _expanded_terms(view, texts, ranking.feedback_terms + len(searched))
    return [(term, weight) for term, weight in found if term not in searched][
        : ranking.feedback_terms
    ]
