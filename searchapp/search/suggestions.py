"""Did you mean: the query with its words that the index lacks replaced by close indexed
words."""

from __future__ import annotations

from ..engines.base import SEARCH_FIELDS, View
from ..text import analysis
from .words import _plain_words


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
