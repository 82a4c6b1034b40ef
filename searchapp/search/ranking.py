"""How plain query words are combined and scored: :class:`Ranking` and each engine's
defaults."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

Operator = Literal["or_bonus", "and_fallback"]
OPERATORS: tuple[Operator, ...] = ("or_bonus", "and_fallback")


@dataclass(frozen=True, slots=True)
class Ranking:
    """How plain query words are combined and scored.

    The defaults are the best configuration ``benchmarks/relevance.py`` measured on the
    Cranfield, CISI and MED collections, for both their long questions and keyword versions of
    them (docs/relevance.md).
    """

    # or_bonus: any word matches, all words earn ``all_words_bonus``; and_fallback: all words
    # are required, unless no document has them all.
    operator: Operator = "or_bonus"
    all_words_bonus: float = 1.0
    # Longer queries get no all-words bonus: questions rarely have every word in one article.
    all_words_max: int = 6
    title_boost: float = 1.0  # BM25F weight of a title match against a body match
    k1: float = 2.0  # BM25 term-frequency saturation
    b: float = 0.75  # BM25 length normalisation
    # Extra weight of two consecutive query words found within ``proximity_slop`` words of each
    # other in the body (0: off).
    proximity: float = 0.0
    proximity_slop: int = 4
    # Extra weight of a name typed as two or more adjacent capitalised words, found with its
    # words at most ``name_slop`` apart (search/names.py; 0: off).
    name_weight: float = 1.0
    name_slop: int = 1
    # Weight of a query word typed in lower case, and of one typed capitalised, found as an
    # exact form (written as a name, unstemmed) besides through its stem (search/exact.py;
    # 0: off; docs/relevance.md#names-make-eval).
    exact_weight: float = 0.0
    exact_name_weight: float = 3.0
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
# (it has no per-field lengths), so titles weigh more there (docs/relevance.md).
ENGINE_RANKINGS: dict[str, Ranking] = {
    "whoosh": DEFAULT_RANKING,
    "xapian": replace(DEFAULT_RANKING, title_boost=0.5, b=0.5),
}
