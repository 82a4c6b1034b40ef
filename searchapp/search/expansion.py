"""Word patterns (prefix*, wild?card, fuzzy~) and term ranges expanded into the indexed terms
they match, within limits."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Iterator

from ..engines import query
from ..engines.base import SEARCH_FIELDS, View
from ..errors import QueryError
from ..text import analysis
from .filters import _canonical_tag, language_code

# Words a prefix*, wild?card or fuzzy~ term may expand to before the query is refused.
MAX_EXPANSIONS = 1024
# Words of the vocabulary a wild?card may have to read: one that starts with * or ? reads them
# all, whatever it matches.
MAX_WILDCARD_SCAN = 200_000


class _Expander:
    """Expands prefix/wildcard/fuzzy terms and ranges on stemmed fields into plain terms,
    refusing any that would expand to more than ``MAX_EXPANSIONS`` words.

    Stemmed fields hold "spi" for "spies", so `spy*` must be matched against real words (the
    unstemmed vocabulary) and the words found stemmed again.
    """

    def __init__(self, view: View) -> None:
        self.view = view
        self.cache: dict[tuple[type, str, int], list[str]] = {}

    @staticmethod
    def _collect(expanded: Iterable[str], label: str) -> set[str]:
        words = set()
        for word in expanded:
            words.add(word)
            if len(words) > MAX_EXPANSIONS:
                raise QueryError(
                    f"{label!r} matches more than {MAX_EXPANSIONS} different words; "
                    "make it more specific."
                )
        return words

    def stems(self, q: query.Query) -> list[str]:
        text = analysis.normalize(q.text)
        maxdist = getattr(q, "maxdist", 0)
        key = (type(q), text, maxdist)
        if key not in self.cache:
            if isinstance(q, query.FuzzyTerm):
                expanded = self.view.words_within(text, maxdist, q.prefixlength)
            elif isinstance(q, query.Prefix):
                expanded = self.view.words_from(text)
            else:
                expanded = self._wildcard_matches(text)
            words = self._collect(expanded, _as_typed(q))
            self.cache[key] = sorted({analysis.stem(w) for w in words})
        return self.cache[key]

    def _wildcard_matches(self, text: str) -> Iterator[str]:
        """The vocabulary's words matching wild?card ``text`` (as Whoosh's Wildcard matches),
        read in one pass over the words its fixed start allows; refused when those are too
        many to read, whatever they match."""
        start = re.match(r"[^*?\[]*", text).group()
        pattern = re.compile(fnmatch.translate(text))
        for read, word in enumerate(self.view.words_from(start), 1):
            if read > MAX_WILDCARD_SCAN:
                raise QueryError(
                    f"{text!r} would have to read over {MAX_WILDCARD_SCAN:,} words; "
                    "start it with a few letters."
                )
            if pattern.match(word):
                yield word

    def rewrite(self, q: query.Query) -> query.Query:
        fieldname = getattr(q, "fieldname", None)
        if fieldname == "tag" and isinstance(q, (query.Term, query.Phrase)):
            value = q.text if isinstance(q, query.Term) else " ".join(q.words)
            return query.Term("tag", _canonical_tag(value), boost=q.boost)
        if fieldname == "lang" and isinstance(q, (query.Term, query.Phrase)):
            value = q.text if isinstance(q, query.Term) else " ".join(q.words)
            return query.Term("lang", language_code(value), boost=q.boost)  # `lang:Russian`
        if fieldname == "lang" and isinstance(q, _PATTERNS):
            codes = _languages_matching(q, self.view)
            if not codes:  # no hits, not "nothing to search"
                typed = f"[{q.start} TO {q.end}]" if isinstance(q, query.TermRange) else None
                return query.Term("lang", typed or _as_typed(q), boost=q.boost)
            return _any_term("lang", codes, q.boost)
        if fieldname in SEARCH_FIELDS:
            if isinstance(q, (query.Prefix, query.Wildcard, query.FuzzyTerm)):
                stems = self.stems(q)
                if not stems:  # a pattern no word matches: no hits, not "nothing to search"
                    return query.Term(q.fieldname, _as_typed(q), boost=q.boost)
                return _any_term(q.fieldname, stems, q.boost)
            if isinstance(q, query.TermRange):
                label = f"[{q.start} TO {q.end}]"
                between = self.view.terms_between(
                    q.fieldname, q.start, q.end, q.startexcl, q.endexcl
                )
                stems = sorted(self._collect(between, label))
                return _any_term(q.fieldname, stems, q.boost)
            if isinstance(q, query.Every):
                return query.Every()
        if q.is_leaf():
            return q
        return q.apply(self.rewrite)


_PATTERNS = (query.Prefix, query.Wildcard, query.FuzzyTerm, query.TermRange)


def _languages_matching(q: query.Query, view: View) -> list[str]:
    """The index's language codes a pattern or range on ``lang`` matches (``lang:[a TO f]``);
    a fuzzy code is the code typed. Engines take only terms on ``lang``."""
    if isinstance(q, query.FuzzyTerm):
        return [language_code(q.text)]
    codes = sorted(view.languages())
    if isinstance(q, query.Prefix):
        return [code for code in codes if code.startswith(q.text.lower())]
    if isinstance(q, query.Wildcard):
        pattern = re.compile(fnmatch.translate(q.text.lower()))
        return [code for code in codes if pattern.match(code)]
    start, end = (q.start or "").lower(), None if q.end is None else q.end.lower()
    return [
        code
        for code in codes
        if (code > start or (code == start and not q.startexcl))
        and (end is None or code < end or (code == end and not q.endexcl))
    ]


def _as_typed(q: query.Prefix | query.Wildcard | query.FuzzyTerm) -> str:
    """A word pattern as the query wrote it (Whoosh keeps a prefix's text without its ``*``)."""
    if isinstance(q, query.FuzzyTerm):
        return f"{q.text}~" if q.maxdist == 1 else f"{q.text}~{q.maxdist}"
    return f"{q.text}*" if isinstance(q, query.Prefix) else q.text


def _any_term(fieldname: str, texts: list[str], boost: float) -> query.Query:
    terms = [query.Term(fieldname, text, boost=boost) for text in texts]
    if not terms:
        return query.NullQuery
    return terms[0] if len(terms) == 1 else query.Or(terms)
