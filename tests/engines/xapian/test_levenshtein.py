"""The Xapian engine's fuzzy matching (source:guardain~) finds the words Whoosh's Levenshtein
automaton accepts, without it."""

from __future__ import annotations

import random
import string

import pytest
from whoosh.automata import lev

from searchapp.engines.xapian.query import within


def _accepted(word: str, other: str, maxdist: int) -> bool:
    return lev.levenshtein_automaton(word, maxdist).to_dfa().accept(other)


def _typo(rng: random.Random, word: str, edits: int) -> str:
    for _ in range(edits):
        i = rng.randrange(len(word) + 1)
        kind = rng.choice("ids" if word else "i")
        char = rng.choice("abcé")
        if kind == "i":
            word = word[:i] + char + word[i:]
        elif kind == "d" and i < len(word):
            word = word[:i] + word[i + 1 :]
        elif i < len(word):
            word = word[:i] + char + word[i + 1 :]
    return word


@pytest.mark.parametrize("maxdist", [1, 2])
def test_within_accepts_what_whooshs_automaton_accepts(maxdist: int):
    rng = random.Random(7)
    checked = 0
    for _ in range(300):
        word = "".join(rng.choice(string.ascii_lowercase[:6]) for _ in range(rng.randint(1, 8)))
        other = _typo(rng, word, rng.randint(0, 3))
        assert within(word, other, maxdist) == _accepted(word, other, maxdist), (word, other)
        checked += within(word, other, maxdist)
    assert 50 < checked < 300  # both answers were tried


def test_within_counts_a_transposition_as_two_edits():
    assert not within("guardian", "gaurdian", 1)
    assert within("guardian", "gaurdian", 2)
    assert within("", "ab", 2) and not within("", "abc", 2)
