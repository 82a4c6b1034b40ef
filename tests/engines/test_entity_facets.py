"""The entity facet on each engine: each group's ENTITY_FACET_TOP most frequent values over
every hit, ties by value, the same as counting every hit's entities by hand; and across
segments (an incremental reindex adds one)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from searchapp.config import EngineConfig
from searchapp.engines import query
from searchapp.engines.base import ENTITY_FACET_TOP, top_entities
from searchapp.engines.registry import open_engine
from searchapp.reindex import reindex

pytestmark = pytest.mark.both_engines

FIRST = ["Alice", "Boris", "Carla", "Dmitri", "Elena", "Farid", "Greta", "Hiro", "Ivan"]
LAST = ["Arnott", "Belov", "Cruz", "Dahl", "Egan", "Frost", "Gale", "Holt"]


def _people(number: int) -> list[str]:
    # 72 names in all; article n names 1 + n % 5 of them, so counts vary and tie.
    names = [f"{f} {last}" for f in FIRST for last in LAST]
    return [names[(number * 7 + k * 13) % len(names)] for k in range(1 + number % 5)]


def _write(folder: Path, numbers: range) -> None:
    for number in numbers:
        people = _people(number)
        text = " ".join(f"Yesterday {name} met officials in Paris." for name in people)
        harbour = " They sailed from the harbour." if number % 4 == 0 else ""
        (folder / f"a{number:03d}.txt").write_text(
            f"Meeting {number}\n\nThe spies met. {text}{harbour}\n"
        )


def _facet(index: Path, scored: query.Query) -> dict:
    engine = open_engine(EngineConfig.load(), index, k1=1.2, b=0.75)
    try:
        return engine.view().search(scored, None, 1, facets=True).facets["entity"]
    finally:
        engine.close()


def _expected(numbers) -> dict:
    counts = Counter(f"person:{name}" for n in numbers for name in set(_people(n)))
    counts["place:Paris"] = len(list(numbers))
    return top_entities(dict(counts))


def test_the_entity_facet_is_each_groups_top_over_every_hit(tmp_path: Path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    _write(seeds, range(0, 80))
    reindex(seeds, tmp_path / "index")
    _write(seeds, range(80, 120))  # a second segment
    reindex(seeds, tmp_path / "index")
    found = _facet(tmp_path / "index", query.Every())
    expected = _expected(range(120))
    assert found == expected
    people = [v for v in found if v.startswith("person:")]
    assert len(people) == ENTITY_FACET_TOP < 72  # ties at the cut broken by name
    spies = _facet(tmp_path / "index", query.Term("body", "spi"))
    assert spies == expected
    # A quarter of them: counted from the hits, not from the documents that don't match.
    harbour = _facet(tmp_path / "index", query.Term("body", "harbour"))
    assert harbour == _expected(range(0, 120, 4))
    # Deleted documents never count, whichever way the hits are counted.
    for number in range(0, 120, 3):
        (seeds / f"a{number:03d}.txt").unlink()
    reindex(seeds, tmp_path / "index")
    kept = [n for n in range(120) if n % 3]
    assert _facet(tmp_path / "index", query.Every()) == _expected(kept)
    assert _facet(tmp_path / "index", query.Term("body", "harbour")) == _expected(
        [n for n in kept if n % 4 == 0]
    )
