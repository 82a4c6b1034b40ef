"""Did you mean: the query with its words that the index lacks replaced by close indexed
words, and whether the evidence is strong enough to search the suggestion instead.

A name the collection doesn't hold (``Skripal``) is not a misspelling of the nearest common
word (``serial``): a suggestion is only searched instead of the query when it is sure
(:meth:`Suggestion.sure`); otherwise the page offers it above the query's own results. The
rule was chosen on the measurements of ``benchmarks/spelling.py`` (docs/relevance.md,
"Spelling corrections").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..engines import query
from ..engines.base import SEARCH_FIELDS, View
from ..text import analysis
from .words import _plain_words


@dataclass(frozen=True)
class Correction:
    """One word of the query the index lacks, and the indexed word offered for it."""

    typed: str  # as in the query
    word: str  # the offered word
    distance: int  # edits from the typed word, case-folded
    frequency: int  # articles holding the offered word's stem


@dataclass(frozen=True)
class Suggestion:
    """The query with its corrections applied."""

    text: str
    corrections: tuple[Correction, ...]

    def sure(self, view: View) -> bool:
        """Whether every correction is sure enough to search the suggestion instead."""
        return all(is_sure(c, written_as_name(c.word, view)) for c in self.corrections)


def is_sure(correction: Correction, word_is_name: bool | None) -> bool:
    """One edit away, and never a common word for a word typed capitalised as a name
    (``Bauer`` is not ``baker``); ``word_is_name``: how the collection writes the offered
    word (None: it can't tell)."""
    if correction.distance > 1:
        return False
    return not (_typed_as_name(correction.typed) and word_is_name is False)


def written_as_name(word: str, view: View, articles: int = 3) -> bool | None:
    """Whether the collection writes ``word`` (an indexed word, case-folded) capitalised in
    mid-sentence, as names are, in the few articles that hold it most; None when they never
    have it mid-sentence."""
    found = view.search(query.Term("body", analysis.stem(word)), None, articles)
    capitalised = lower = 0
    for match in found.matches:
        text = view.fields(match.key).get("body") or ""
        for token in _WORD.finditer(text):
            if analysis.normalize(token.group(0)) != word or analysis.starts_sentence(
                text, token.start()
            ):
                continue
            if token.group(0)[0].isupper():
                capitalised += 1
            else:
                lower += 1
    if not capitalised + lower:
        return None
    return capitalised >= 9 * lower


_WORD = re.compile(r"[^\W\d_]+")


def suggest(text: str, view: View) -> Suggestion | None:
    """The query with each word that is not in the index replaced by a close indexed word."""
    replacements: list[tuple[int, int, Correction]] = []
    for match in _plain_words(text):
        correction = correct(match.group(0), view)
        if correction:
            replacements.append((match.start(), match.end(), correction))
    if not replacements:
        return None
    out = text
    for start, end, correction in reversed(replacements):
        out = out[:start] + correction.word + out[end:]
    return Suggestion(out, tuple(c for _start, _end, c in replacements))


_INFLECTIONS = ("s", "ed", "ing", "ly", "er", "ers", "ion", "ions")


def _stem_frequency(view: View, stem: str) -> int:
    return sum(view.doc_frequency(field, stem) for field in SEARCH_FIELDS)


def correct(typed: str, view: View) -> Correction | None:
    """The most common indexed word close to ``typed`` when the index lacks it, else None."""
    word = analysis.normalize(typed)
    if len(word) < 3 or word in analysis.STOPWORDS or view.has_word(word):
        return None
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
            frequency, best = min(counted)
            return Correction(typed, best, maxdist, -frequency)
    return None


def _typed_as_name(typed: str) -> bool:
    return typed[:1].isupper()
