"""A query in every language of the index, and across scripts.

Each article's words are stemmed by its language (:mod:`searchapp.text.scripts`), so a
query word is looked for as each of the index's languages would stem it: "informatiques"
as *informatiqu* in English articles and as *fr:informat* in French ones (a stem of
another language is marked, :func:`searchapp.text.analysis.lexeme`). An index of English
alone (or of languages analysed as English is) gets the query as it was.

A Cyrillic word is also searched as its Latin spellings that the index holds (Навальный as
Navalny, Navalni), and a Latin word as the index's Cyrillic words that spell it (Navalny as
Навальный, then every inflection of it through the Russian stem); the page shows them as it
shows synonyms, and quotes or ``exact=1`` search the word as typed.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable
from dataclasses import dataclass, field

from ..engines import query
from ..engines.base import SEARCH_FIELDS, View
from ..text import analysis, scripts, transliteration
from .ranking import Ranking
from .synonyms import Synonym, _clause_words, _Concept, _words_query
from .words import _QUOTED, _plain_words

# Words this short are initials and acronyms more often than names.
MIN_TRANSLITERATED = 4
# Spellings searched per word at most (the commonest first).
MAX_SPELLINGS = 4
_CYRILLIC_LETTERS = "абвгдежзийклмнопрстуфхцчшщъыьэюяіїєґў"
_CYRILLIC_LANGUAGES = frozenset("ru uk be bg mk sr kk ky tg mn".split())


@dataclass(slots=True)
class _Known:
    keys: tuple[str, ...]  # the analysis keys of the index's languages, the default's first
    cyrillic: bool  # the index has articles in a Cyrillic-script language
    skeletons: transliteration.SkeletonMap | None = None


@dataclass
class Languages:
    """What a query needs to know of an index's languages, remembered per generation (one per
    :class:`~searchapp.search.service.SearchEngine`; thread-safe)."""

    _known: dict[Hashable, _Known] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _of(self, view: View) -> _Known:
        generation = view.generation()
        with self._lock:
            known = self._known.get(generation)
        if known is None:
            codes = view.languages()
            keys = {scripts.analysis_key(code) for code in codes} - {scripts.DEFAULT_KEY}
            cyrillic = bool(_CYRILLIC_LANGUAGES & set(codes))
            known = _Known((scripts.DEFAULT_KEY, *sorted(keys)), cyrillic)
            with self._lock:
                self._known = {generation: known}  # only the newest generation is asked
        return known

    def keys(self, view: View) -> tuple[str, ...]:
        """The analysis keys of the index's languages, the default's first."""
        return self._of(view).keys

    def skeletons(self, view: View) -> transliteration.SkeletonMap | None:
        """The index's Cyrillic words by their script-neutral key; None when the index has
        no article in a Cyrillic-script language."""
        known = self._of(view)
        if not known.cyrillic:
            return None
        if known.skeletons is None:
            words = (word for letter in _CYRILLIC_LETTERS for word in view.words_from(letter))
            known.skeletons = transliteration.SkeletonMap(words)
        return known.skeletons


def in_every_language(q: query.Query, text: str, keys: tuple[str, ...]) -> query.Query:
    """``q`` with each title and body term also looked for as the index's other languages
    stem the query word it came from (a phrase: every word of it in one language)."""
    other = [key for key in keys if key != scripts.DEFAULT_KEY]
    if not other:
        return q
    stems: dict[str, dict[str, str]] = {key: {} for key in other}  # default stem -> theirs
    for token, _start, _end in analysis.tokenize(text, spans=False):
        norm, default, stopped = analysis.lexeme(token)
        if not norm or stopped:
            continue
        for key in other:
            _norm, theirs, their_stop = analysis.lexeme(token, key)
            if theirs != default and not their_stop:
                stems[key].setdefault(default, theirs)
    if not any(stems.values()):
        return q
    return _rewrite(q, stems)


def _rewrite(q: query.Query, stems: dict[str, dict[str, str]]) -> query.Query:
    if isinstance(q, query.Term) and q.fieldname in SEARCH_FIELDS:
        alternatives = {mapping[q.text] for mapping in stems.values() if q.text in mapping}
        if not alternatives:
            return q
        terms = [
            q,
            *(query.Term(q.fieldname, text, boost=q.boost) for text in sorted(alternatives)),
        ]
        return query.Or(terms)
    if isinstance(q, query.Phrase) and q.fieldname in SEARCH_FIELDS:
        phrases = {tuple(mapping.get(word, word) for word in q.words) for mapping in stems.values()}
        phrases.discard(tuple(q.words))
        if not phrases:
            return q
        variants = [q.__class__(q.fieldname, words, q.slop, q.boost) for words in sorted(phrases)]
        return query.Or([q, *variants])
    if q.is_leaf():
        return q
    return q.apply(lambda child: _rewrite(child, stems))


def spellings(word: str, view: View, languages: Languages) -> list[str]:
    """The other-script spellings of a plain query word that the index holds: for a
    Cyrillic word its Latin spellings, for a Latin one the Cyrillic words spelling it."""
    norm = analysis.normalize(word)
    if len(norm) < MIN_TRANSLITERATED or not norm.isalpha():
        return []
    script = scripts.script_of(norm)
    if script == scripts.CYRILLIC:
        found = [s for s in transliteration.latin_spellings(norm) if view.has_word(s)]
        return found[:MAX_SPELLINGS]
    if script == scripts.LATIN:
        skeletons = languages.skeletons(view)
        if skeletons is not None:
            # Only the words one of whose spellings it is: a shared skeleton alone would let
            # common English words find Russian ones (shot, хоть).
            return [w for w in skeletons.get(norm, exact=True) if w != norm][:MAX_SPELLINGS]
    return []


def spelling_stems(spellings: list[str], keys: tuple[str, ...]) -> list[str]:
    """The index terms of words in every language of the index: a Russian word's Russian
    stem, which finds its inflections, and in a Ukrainian index also the word itself."""
    found: dict[str, None] = {}
    for word in spellings:
        for key in keys:
            _norm, stemmed, stopped = analysis.lexeme(word, key)
            if stemmed and not stopped:
                found.setdefault(stemmed)
    return list(found)


def transliterate(
    concepts: list[_Concept],
    text: str,
    view: View,
    languages: Languages,
    ranking: Ranking,
    used: list[tuple[int, int, Synonym]],
) -> None:
    """Give each plain one-word concept of the query its other-script spellings as a synonym
    (down-weighted as synonyms are), appending each to ``used`` with its span in ``text``.
    Words in quotes, in field clauses or already given synonyms are left as typed."""
    if not ranking.synonym_weight:
        return
    quoted = [match.span() for match in _QUOTED.finditer(text)]
    taken = [(start, end) for start, end, _synonym in used]
    typed: dict[str, tuple[int, int, str]] = {}  # the default stem -> its word and span
    for match in _plain_words(text):
        start, end = match.span()
        if any(a <= start < b for a, b in quoted + taken):
            continue
        typed.setdefault(analysis.lexeme(match.group())[1], (start, end, match.group()))
    if not typed:
        return
    keys = languages.keys(view)
    for concept in concepts:
        if concept.synonym is not None or len(concept.clauses) != 1:
            continue
        words = _clause_words(concept.clauses[0])
        if not words or len(words) != 1 or words[0] not in typed:
            continue
        start, end, word = typed.pop(words[0])
        found = spellings(word, view, languages)
        stems = [s for s in spelling_stems(found, keys) if s != words[0]]
        if not stems:
            continue
        alternatives = [_words_query((stem,), ranking.title_boost) for stem in stems]
        concept.synonym = query.Or(alternatives, boost=ranking.synonym_weight)
        shown = tuple(s.capitalize() if word[:1].isupper() else s for s in found)
        used.append((start, end, Synonym(word, shown)))
