"""The spelling benchmark's query sets and scoring, on small made-up texts."""

from __future__ import annotations

import random

from benchmarks.spelling import (
    RULES,
    Outcome,
    Query,
    levenshtein,
    make_queries,
    misspell,
    score,
    vocabulary,
)
from searchapp.search.suggestions import Correction

A_TEXTS = [
    f"Officials said the Kremlin denied the report about sanctions and {word} today."
    for word in ("embassy", "diplomats", "intelligence", "ministers", "elections")
]
B_TEXTS = [
    "Officials said Skripal was poisoned with novichok in Salisbury.",
    "Police said Skripal and novichok were found near Salisbury.",
]


def test_names_are_the_words_written_capitalised_mid_sentence():
    words = vocabulary(A_TEXTS)
    assert words.is_name("kremlin") and not words.is_name("sanctions")
    assert not words.is_name("officials")  # only ever opening a sentence
    assert words.articles["kremlin"] == 5


def test_misspellings_are_as_many_edits_away_as_asked():
    rng = random.Random(3)
    for _ in range(200):
        edits = rng.choice((1, 2))
        typo = misspell("intelligence", edits, rng)
        assert typo[0] == "i" and levenshtein(typo, "intelligence") <= edits


def test_the_query_sets():
    queries = make_queries(vocabulary(A_TEXTS), vocabulary(B_TEXTS), 4, random.Random(1))
    a_words = set(vocabulary(A_TEXTS).articles)
    misspelled = [q for q in queries if q.kind == "misspelled"]
    rare = [q for q in queries if q.kind == "rare"]
    assert misspelled and all(q.typed.lower() not in a_words for q in misspelled)
    assert any(q.name and q.typed[0].isupper() and q.expected == "kremlin" for q in misspelled)
    assert {q.typed for q in rare} >= {"Skripal", "Salisbury", "novichok"}
    assert all(q.typed.lower() not in a_words for q in rare)


def test_scores_count_right_wrong_and_missed_corrections():
    def outcome(typed, kind, word, distance, right, total=0):
        correction = Correction(typed, word, distance, 5) if word else None
        expected = word if right else None
        return Outcome(
            Query(typed, kind, typed[0].isupper(), expected, distance),
            total,
            correction,
            False,
            right,
        )

    outcomes = [
        outcome("kremlim", "misspelled", "kremlin", 1, True),
        outcome("sanktins", "misspelled", "sanctions", 2, True),
        outcome("embasy", "misspelled", "embassy", 1, True, total=3),  # found through its stem
        outcome("Skripal", "rare", "serial", 2, False),
    ]
    before = score(outcomes, RULES["always (before)"])
    assert before["misspelled: corrected rightly %"] == 66.7
    assert before["misspelled: missed %"] == 33.3
    assert before["rare: replaced wrongly %"] == 100.0
    one_edit = score(outcomes, RULES["one edit"])
    assert one_edit["misspelled: corrected rightly %"] == 33.3
    assert one_edit["rare: replaced wrongly %"] == 0.0
