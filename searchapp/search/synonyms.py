"""Query-time synonyms: runs of query words that spell an entry of a synonym group
(data/synonyms.toml) also search the group's other entries, down-weighted."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..engines import query
from ..engines.base import SEARCH_FIELDS
from ..text import analysis
from ..text.tags import Gazetteer
from .ranking import Ranking
from .words import _QUERY_WORD, _QUOTED, _plain_words


@dataclass(frozen=True, slots=True)
class Synonym:
    """Words of the query that were also searched as other spellings of the same thing."""

    typed: str  # as in the query: "UK"
    alternatives: tuple[str, ...]  # as in data/synonyms.toml: ("Britain", "British", …)

    def to_dict(self) -> dict[str, Any]:
        return {"typed": self.typed, "alternatives": list(self.alternatives)}


def _clause_words(clause: query.Query) -> tuple[str, ...] | None:
    """The stems a plain word or quoted phrase clause looks for in every searched field
    (``Or([Term("title", w), Term("body", w)])``), or None for any other clause."""
    parts = clause.subqueries if isinstance(clause, query.Or) else [clause]
    found: set[tuple[str, ...]] = set()
    for part in parts:
        if isinstance(part, query.Term):
            found.add((part.text,))
        elif isinstance(part, query.Phrase):
            found.add(tuple(part.words))
        else:
            return None
    fields = sorted(part.fieldname for part in parts)
    return found.pop() if len(found) == 1 and fields == sorted(SEARCH_FIELDS) else None


def _words_query(words: tuple[str, ...], title_boost: float) -> query.Query:
    """Stems as a term (one) or phrase (several) in the title or the body."""

    def one(fieldname: str, boost: float) -> query.Query:
        if len(words) == 1:
            return query.Term(fieldname, words[0], boost=boost)
        return query.Phrase(fieldname, list(words), boost=boost)

    return query.Or([one("title", title_boost), one("body", 1.0)])


@dataclass(slots=True)
class _Concept:
    """One thing the query asks for: a word, a phrase, or words a synonym group matched.

    ``clauses`` are the user's own clauses; ``synonym`` the other spellings, down-weighted.
    """

    clauses: list[query.Query]
    synonym: query.Query | None = None

    # The synonym only scores in documents without the typed words, so a document saying
    # "Britain" never outranks one saying "UK" because of the synonym, and "US" can't
    # outweigh "election" in "US election".

    def _own_all(self) -> query.Query:
        return self.clauses[0] if len(self.clauses) == 1 else query.And(self.clauses)

    def any_words(self) -> list[query.Query]:
        if not self.synonym:
            return self.clauses
        return [*self.clauses, query.AndNot(self.synonym, self._own_all())]

    def all_words(self) -> query.Query:
        own = self._own_all()
        return query.Or([own, query.AndNot(self.synonym, own)]) if self.synonym else own


def _synonym_concepts(
    clauses: list[query.Query],
    text: str,
    ranking: Ranking,
    synonyms: Gazetteer,
    used: list[tuple[int, int, Synonym]],
) -> list[_Concept]:
    """The clauses as concepts, runs of clauses that spell a synonym group's entry merged into
    one concept that also accepts the group's other entries. Each expansion is appended to
    ``used`` with its span in ``text``."""
    concepts = [_Concept([clause]) for clause in clauses]
    if not ranking.synonym_weight:
        return concepts
    words = [_clause_words(clause) for clause in clauses]
    # Only words searched as typed: not "spy*", "title:UK", a metadata clause, nor anything in
    # quotes, which is how a user asks for the exact words.
    plain = {match.start() for match in _plain_words(text)}
    quoted = [match.span() for match in _QUOTED.finditer(text)]
    for mention in synonyms.mentions(_capitalised(text)):
        within = _QUERY_WORD.finditer(text, mention.start, mention.end)
        if any(word.start() not in plain for word in within):
            continue
        if any(start <= mention.start < end for start, end in quoted):
            continue
        typed = _stems(text[mention.start : mention.end])
        run = _find_run(words, typed)
        if run is None:
            continue  # inside a NOT or a field clause: left as typed
        spellings: dict[tuple[str, ...], str] = {}  # other words -> first spelling of them
        for spelling in synonyms.tag(mention.name).spellings:
            spellings.setdefault(_stems(spelling), spelling)
        spellings.pop(typed, None)
        spellings.pop((), None)
        if not spellings:
            continue
        alternatives = [_words_query(w, ranking.title_boost) for w in sorted(spellings)]
        synonym = query.Or(alternatives, boost=ranking.synonym_weight)
        start, end = run
        merged = [c for concept in concepts[start:end] for c in concept.clauses]
        concepts[start:end] = [_Concept(merged, synonym)]
        words[start:end] = [None]  # consumed: a later mention can't claim these clauses
        shown = Synonym(text[mention.start : mention.end], tuple(spellings.values()))
        used.append((mention.start, mention.end, shown))
    return concepts


# Lower-case query words that keep their case for synonym matching: "us" is the pronoun.
_PRONOUNS = frozenset({"us"})


def _capitalised(text: str) -> str:
    """The query as if typed in capitals, for the synonym groups' case rules: people type
    "uk" and "kremlin" in lower case, but "us" in lower case is the pronoun, not the US."""

    def upper(match: re.Match[str]) -> str:
        word = match.group(0)
        if not word.islower() or word in _PRONOUNS or len(word.upper()) != len(word):
            return word  # as typed (and offsets unchanged)
        return word.upper()

    return _QUERY_WORD.sub(upper, text)


def _stems(text: str) -> tuple[str, ...]:
    return tuple(t.text for t in analysis.analyze(text, compounds=False, spans=False))


def _find_run(
    words: list[tuple[str, ...] | None], wanted: tuple[str, ...]
) -> tuple[int, int] | None:
    """The first run of consecutive clauses whose words, joined, are ``wanted``."""
    for start in range(len(words)):
        joined: tuple[str, ...] = ()
        for end in range(start, len(words)):
            if words[end] is None:
                break
            joined += words[end]
            if joined == wanted:
                return start, end + 1
            if len(joined) >= len(wanted):
                break
    return None
