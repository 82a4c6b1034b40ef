"""Exact forms count: a word of the query whose stem differs from it also looks for itself as
typed (case and accents folded, unstemmed) among the title's and body's exact forms, the
words written capitalised mid-sentence (:func:`searchapp.text.analysed.exact_forms`), so
``Steele`` finds *Steele* above *steel* while still finding both, the way Lucene's
keyword-repeat analysis does (``steele`` too when ``exact_weight`` is set; it is off). A
word that is its own stem (``steel``) has no exact form: the stem's postings hold it and its
variants alike."""

from __future__ import annotations

from ..engines import query
from ..engines.base import EXACT_FIELDS
from ..text import analysis
from .ranking import Ranking
from .synonyms import _clause_words
from .words import _plain_words


def exact_forms(clauses: list[query.Query], text: str, ranking: Ranking) -> list[query.Query]:
    """A bonus clause per word of the query that is a plain-word clause of it: the word itself
    in the exact forms of the title and of the body, weighted more when typed capitalised (a
    name: ``Steele``, not *steel*). A word's exact form is only ever found where its stem is,
    so the bonus never adds a match; the words of a quoted phrase get none (the words found
    apart would match)."""
    stems = {words[0] for clause in clauses if len(words := _clause_words(clause) or ()) == 1}
    forms: dict[str, float] = {}  # in query order, once each
    for match in _plain_words(text):
        word = match.group(0)
        norm, stem, stopped = analysis.lexeme(word)
        if norm and not stopped and stem in stems and norm != stem:
            weight = ranking.exact_name_weight if word[:1].isupper() else ranking.exact_weight
            forms[norm] = max(weight, forms.get(norm, 0.0))
    return [
        query.Term(EXACT_FIELDS[field], form, boost=weight * boost)
        for form, weight in forms.items()
        if weight
        for field, boost in (("title", ranking.title_boost), ("body", 1.0))
    ]
