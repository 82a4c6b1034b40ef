"""Ranking quality pinned on real test collections: MED (1,033 abstracts, 30 judged queries),
and for the Xapian engine against the Whoosh engine, MED and Cranfield (1,400, 225).

The floors are the levels the defaults reached (docs/relevance.md), rounded down a little:
a change to analysis or ranking that loses relevance fails here, on the long questions or on
their keyword versions, and so does one that falls behind plain Whoosh, or one that puts the
Xapian engine more than 2% behind the Whoosh engine.

The collections are not in the repository: they are read from ``SEARCHAPP_IRCOLLECTIONS`` or
``../shared/ircollections`` beside the checkout.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from benchmarks import relevance
from searchapp.search import DEFAULT_RANKING

ROOT = Path(__file__).resolve().parents[2]
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


def _report(name: str, tmp_path_factory: pytest.TempPathFactory, *, baseline: bool) -> dict:
    root = _collections()
    if root is None:
        pytest.skip(
            "IR collections not found: set SEARCHAPP_IRCOLLECTIONS to the folder holding med/"
        )
    collection = relevance.load_collection(root, relevance.COLLECTIONS[name])
    configs = relevance.expand_configs({}, engines=["whoosh", "xapian"], baseline=baseline)
    _rows, report = relevance.evaluate_collection(
        collection, configs, tmp_path_factory.mktemp(name)
    )
    return report


@pytest.fixture(scope="module")
def med_report(tmp_path_factory: pytest.TempPathFactory) -> dict:
    return _report("med", tmp_path_factory, baseline=True)


@pytest.fixture(scope="module")
def cran_report(tmp_path_factory: pytest.TempPathFactory) -> dict:
    return _report("cran", tmp_path_factory, baseline=False)


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


@pytest.mark.parametrize("collection", ["med_report", "cran_report"])
@pytest.mark.parametrize("kind", sorted(FLOORS))
def test_xapian_ranks_within_two_percent_of_whoosh(collection: str, kind: str, request) -> None:
    report = request.getfixturevalue(collection)
    whoosh = report["configs"]["searchapp"][kind]["mean"]["nDCG@10"]
    xapian = report["configs"]["searchapp@xapian"][kind]
    assert not xapian["crashes"] and not xapian["query_errors"]
    assert xapian["mean"]["nDCG@10"] >= 0.98 * whoosh


def test_the_evaluated_defaults_are_the_engine_defaults() -> None:
    assert relevance.DEFAULT.ranking is DEFAULT_RANKING
