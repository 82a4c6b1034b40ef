"""Names kept together: adjacent capitalised query words rank articles holding them together
above articles holding them apart, or only their stems."""

from __future__ import annotations

from pathlib import Path

import pytest

from searchapp.search.names import name_runs
from tests.search.helpers import index_articles, ranked

pytestmark = pytest.mark.both_engines

FILLER = (
    "Ministers met on Tuesday to discuss the budget, the schools and the roads, and agreed "
    "to meet again next month after the committee reports."
)
ARTICLES = {
    # Steel articles say "steel" often, in the title too: by stems alone they win.
    "steel-upgrade": (
        "One answer to punitive West: upgrade steel",
        "Steel makers must upgrade steel mills. Steel output and steel prices rose, and steel "
        "exports held. " + FILLER,
    ),
    "steel-pens": (
        "Chinese pens reach tipping point",
        "Pen makers use new steel for the pen tips; the steel ball and steel alloy are made "
        "at home now. " + FILLER,
    ),
    "steele": (
        "The key players in the Russia hearing",
        "Congress plans to hear from former MI6 officer Christopher Steele, the author of the "
        "dossier, about his sources. " + FILLER + " " + FILLER,
    ),
    "christopher-apart": (
        "A school prize for an essay",
        "Christopher won the prize for his essay about old machines at the school. The "
        "workshop had a press of steel. " + FILLER,
    ),
    "fancy-bear": (
        "Hackers named in report",
        "The report blames Fancy Bear for the intrusion into the party's servers. " + FILLER,
    ),
    "mar-a-lago": (
        "Talks in Florida",
        "The president hosted the talks at Mar-a-Lago, his club in Florida. " + FILLER,
    ),
    "fancy-dress": (
        "Hackers at a party",
        "Guests in fancy dress watched the hackers; one came as a bear from the zoo. " + FILLER,
    ),
}


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory, engine_name: str) -> Path:
    return index_articles(tmp_path_factory.mktemp(f"names-{engine_name}"), engine_name, ARTICLES)


# Without the exact forms' bonus (test_exact.py), which also helps here.
NO_EXACT = {"exact_weight": 0, "exact_name_weight": 0}


def test_the_person_ranks_above_the_words_apart(index, engine_name):
    top = ranked(index, engine_name, "Christopher Steele", **NO_EXACT, name_weight=2)[0]
    assert top == "steele"
    # What the name bonus changes: by stems alone, the article with the words apart wins.
    top = ranked(index, engine_name, "Christopher Steele", **NO_EXACT, name_weight=0)[0]
    assert top == "christopher-apart"


def test_the_defaults_rank_the_person_first(index, engine_name):
    assert ranked(index, engine_name, "Christopher Steele")[0] == "steele"
    assert ranked(index, engine_name, "Christopher Steele", **NO_EXACT, name_weight=0)[0] != (
        "steele"
    )


def test_a_name_together_ranks_above_its_words_apart(index, engine_name):
    hits = ranked(index, engine_name, "Fancy Bear", **NO_EXACT)
    assert hits.index("fancy-bear") < hits.index("fancy-dress")


@pytest.mark.parametrize("text", ["Mar-a-Lago", "Mar a Lago", '"mar a lago"', "mar-a-lago"])
def test_a_hyphenated_name_with_a_stopword_inside(index, engine_name, text):
    # The join to the stopword ("mara") takes no position, so "mar lago" stays a phrase.
    assert ranked(index, engine_name, text) == ["mar-a-lago"]


def test_lower_case_words_get_no_name_bonus(index, engine_name):
    assert ranked(index, engine_name, "christopher steele") == ranked(
        index, engine_name, "christopher steele", name_weight=0
    )


@pytest.mark.parametrize(
    ("text", "runs"),
    [
        ("Christopher Steele", ["Christopher Steele"]),
        ("Marine Le Pen rally", ["Marine Le Pen"]),
        ('"Fancy Bear" and Cozy Bear', ["Cozy Bear"]),  # a phrase holds its words already
        ("Russian hackers", []),
        ("Trump AND Putin", []),  # an operator between
        ("title:spies Fancy Bear", ["Fancy Bear"]),
        ("Fancy, Bear", []),
    ],
)
def test_name_runs(text, runs):
    assert name_runs(text) == runs
