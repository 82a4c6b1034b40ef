"""Ranking quality pinned on a real test collection: MED (1,033 abstracts, 30 judged queries).

The floors are the levels the defaults reached (README, "Relevance"), rounded down a little:
a change to analysis or ranking that loses relevance fails here, on the long questions or on
their keyword versions, and so does one that falls behind plain Whoosh.

The collections are not in the repository: they are read from ``SEARCHAPP_IRCOLLECTIONS`` or
``../shared/ircollections`` beside the checkout.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from benchmarks import relevance
from searchapp.search import DEFAULT_RANKING

ROOT = Path(__file__).resolve().parent.parent
CANDIDATES = [
    os.environ.get("SEARCHAPP_IRCOLLECTIONS", ""),
    str(ROOT.parent / "shared" / "ircollections"),
    "/work/shared/ircollections",
]
FLOORS = {"questions": 0.73, "keywords": 0.50}  # mean nDCG@10 on MED (reached: 0.7338, 0.5066)


def _collections() -> Path | None:
    for candidate in CANDIDATES:
        if candidate and (Path(candidate) / "med" / "MED.ALL").is_file():
            return Path(candidate)
    return None


@pytest.fixture(scope="module")
def med_report(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = _collections()
    if root is None:
        pytest.skip(
            "MED collection not found: set SEARCHAPP_IRCOLLECTIONS to the folder holding med/"
        )
    collection = relevance.load_collection(root, relevance.COLLECTIONS["med"])
    configs = [relevance.BASELINE, relevance.DEFAULT]
    _rows, report = relevance.evaluate_collection(
        collection, configs, tmp_path_factory.mktemp("med")
    )
    return report


@pytest.mark.parametrize("kind", sorted(FLOORS))
def test_defaults_keep_their_ndcg_on_med(med_report: dict, kind: str) -> None:
    ours = med_report["configs"]["searchapp"][kind]
    assert not ours["crashes"] and not ours["query_errors"]
    assert ours["mean"]["nDCG@10"] >= FLOORS[kind]


@pytest.mark.parametrize("kind", sorted(FLOORS))
def test_defaults_beat_plain_whoosh_on_med(med_report: dict, kind: str) -> None:
    ours = med_report["configs"]["searchapp"][kind]["mean"]
    baseline = med_report["configs"]["baseline"][kind]["mean"]
    assert ours["nDCG@10"] > baseline["nDCG@10"]
    assert ours["MAP"] > baseline["MAP"]


def test_the_evaluated_defaults_are_the_engine_defaults() -> None:
    assert relevance.DEFAULT.ranking is DEFAULT_RANKING
