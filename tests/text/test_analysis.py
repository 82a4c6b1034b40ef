from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from searchapp.engines.whoosh.schema import SCHEMA, STEMMED
from searchapp.text import analysis


def terms(text: str, **kwargs) -> list[str]:
    return [t.text for t in analysis.analyze(text, **kwargs)]


@pytest.mark.parametrize(
    "group",
    [
        ("poisoned", "poisoning", "poison", "poisons"),
        ("spy", "spies", "spying"),
        ("attack", "attacks", "attacked", "attacking"),
    ],
)
def test_inflections_share_one_stem(group: tuple[str, ...]):
    assert len({terms(word)[0] for word in group}) == 1


def test_curly_apostrophe_possessive_indexes_as_the_name():
    assert terms("Kremlin’s") == ["kremlin"]
    assert terms("Kremlin's") == ["kremlin"]


@pytest.mark.parametrize("acronym", ["MI5", "GCHQ", "GRU", "FSB", "NCSC"])
def test_agency_acronyms_stay_searchable(acronym: str):
    assert terms(acronym) == [acronym.lower()]


def test_case_insensitive_and_accent_folded():
    assert terms("NAVALNY Navalny navalny") == ["navalni"] * 3
    assert terms("Café") == terms("cafe")


def test_hyphenated_compound_indexes_parts_and_joined_word():
    tokens = list(analysis.analyze("cyber-criminal gangs"))
    assert [(t.text, t.pos) for t in tokens] == [
        ("cyber", 0),
        ("cybercrimin", 1),
        ("crimin", 1),
        ("gang", 2),
    ]
    # The query side gets only the parts, which find the compound as a phrase.
    assert terms("cyber criminal", compounds=False) == ["cyber", "crimin"]


def test_stopwords_dropped_without_leaving_position_gaps():
    tokens = list(analysis.analyze("Sergei and Yulia"))
    assert [(t.text, t.pos) for t in tokens] == [("sergei", 0), ("yulia", 1)]


def test_us_and_may_are_not_stopwords():
    assert terms("US") == ["us"]
    assert terms("May") == ["may"]


def test_stopwords_kept_and_flagged_for_the_highlighter():
    tokens = list(analysis.analyze("the spy", remove_stops=False))
    assert [(t.text, t.stopped) for t in tokens] == [("the", True), ("spi", False)]


def test_character_spans_point_into_the_original_text():
    text = "The Kremlin’s spies"
    for term in analysis.analyze(text):
        assert text[term.start : term.end] in {"Kremlin’s", "spies"}


def test_absurdly_long_tokens_are_dropped():
    assert terms("a" * 500 + " spy") == ["spi"]


TRICKY = (
    "The Kremlin’s cyber-criminal in-depth e-mail 10,000 spies; a-b-c chains, Café "
    + "x" * 70
    + "-tail and MI5's GRU - not-joined -dash"
)


def test_vocabulary_is_the_unstemmed_analysis():
    expected = {t.text for t in analysis.analyze(TRICKY, stemming=False, spans=False)}
    assert analysis.vocabulary(TRICKY) == expected
    assert {"cybercriminal", "indepth", "ab", "bc", "10000", "cafe", "mi5"} <= expected
    assert "the" not in expected


def test_tokenizer_without_nltk_timeout_tokenizes_as_nltk_does():
    from nltk.tokenize import RegexpTokenizer

    plain = RegexpTokenizer(analysis._TOKEN_PATTERN)
    assert analysis._tokenizer.tokenize(TRICKY) == plain.tokenize(TRICKY)
    assert list(analysis._tokenizer.span_tokenize(TRICKY)) == list(plain.span_tokenize(TRICKY))


def test_whoosh_analyzer_uses_the_same_chain():
    assert [t.text for t in STEMMED("Kremlin’s cyber-criminal spies")] == [
        "kremlin",
        "cyber",
        "cybercrimin",
        "crimin",
        "spi",
    ]
    assert [t.text for t in STEMMED("cyber-criminal", mode="query")] == ["cyber", "crimin"]


def test_schema_survives_pickling():
    restored = pickle.loads(pickle.dumps(SCHEMA))
    assert [t.text for t in restored["body"].analyzer("poisoned spies")] == ["poison", "spi"]
    assert restored["body"].analyzer == SCHEMA["body"].analyzer


def test_analysis_needs_no_downloaded_nltk_data(tmp_path: Path):
    # A fresh interpreter with NLTK's data path pointing at an empty folder still analyses.
    code = (
        "import nltk; nltk.data.path[:] = []; "
        "from searchapp.text.analysis import analyze; "
        "print([t.text for t in analyze('Spies were poisoned')])"
    )
    env = {"NLTK_DATA": str(tmp_path), "PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert out.stdout.strip() == "['spi', 'poison']"


def test_a_join_to_a_stopword_takes_no_position():
    # Mar-a-Lago: "mar lago" must stay adjacent for the query's phrase, as "Sergei and Yulia"
    # stays "sergei yulia".
    expected = {"mar": [0], "mara": [0], "alago": [1], "lago": [1]}
    assert analysis.positions("Mar-a-Lago") == expected
    assert analysis.positions_and_words("Mar-a-Lago")[0] == expected
    assert [(t.text, t.pos) for t in analysis.analyze("state-of-the-art weapons")] == [
        ("state", 0), ("stateof", 0), ("ofth", 0), ("theart", 1), ("art", 1), ("weapon", 2)
    ]  # fmt: skip
