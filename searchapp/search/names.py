"""Names kept together: two or more adjacent capitalised words of a query (``Christopher
Steele``, ``Fancy Bear``, ``Marine Le Pen``) earn a bonus where an article has them within a
few words of each other, so the article about the person outranks ones that hold the words
apart (or only their stems: *steel*)."""

from __future__ import annotations

import re

from ..engines import query
from .ranking import Ranking
from .synonyms import _clause_words, _find_run, _stems
from .words import _QUOTED, _plain_words

_BETWEEN_NAME_WORDS = re.compile(r"\s+")


def name_runs(text: str) -> list[str]:
    """The runs of two or more adjacent words typed capitalised, outside quotes (a phrase
    holds its words together already)."""
    quoted = [m.span() for m in _QUOTED.finditer(text) if m.group(0).startswith('"')]
    runs: list[list[re.Match[str]]] = []
    for match in _plain_words(text):
        word = match.group(0)
        if not word[:1].isupper() or any(a <= match.start() < b for a, b in quoted):
            runs.append([])
            continue
        if (
            runs
            and runs[-1]
            and _BETWEEN_NAME_WORDS.fullmatch(text[runs[-1][-1].end() : match.start()])
        ):
            runs[-1].append(match)
        else:
            runs.append([match])
    return [text[run[0].start() : run[-1].end()] for run in runs if len(run) > 1]


def name_phrases(clauses: list[query.Query], text: str, ranking: Ranking) -> list[query.Query]:
    """A bonus clause per name of the query whose words are plain clauses of it: the name's
    stems in order, at most ``ranking.name_slop`` words apart, in the title or the body."""
    if not ranking.name_weight:
        return []
    words = [_clause_words(clause) for clause in clauses]
    bonuses: list[query.Query] = []
    for name in name_runs(text):
        stems = _stems(name)
        if len(stems) < 2 or _find_run(words, stems) is None:
            continue
        bonuses += [
            query.Phrase(field, list(stems), slop=ranking.name_slop, boost=ranking.name_weight)
            for field in ("title", "body")
        ]
    return bonuses
