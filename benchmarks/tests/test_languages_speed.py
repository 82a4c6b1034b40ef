"""The languages benchmark's searches (benchmarks/languages_speed.py) on the fixture index."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import languages_speed
from searchapp.search import parsing


def test_each_query_is_timed_without_and_with_languages(
    fixture_index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    modes: list[bool] = []
    real = parsing.in_every_language

    def spy(q, text, keys):  # type: ignore[no-untyped-def]
        modes.append(parsing.in_every_language is spy)
        return real(q, text, keys)

    monkeypatch.setattr(parsing, "in_every_language", spy)
    queries = ["espionage", "ransomware attack"]
    result = languages_speed.keyword_latency(fixture_index, queries)
    assert "en" in result["index_languages"]
    assert result["without"]["p95"] > 0 and result["with"]["p95"] > 0
    # Only the searches with languages reach the rewrite: a warm-up and ROUNDS timed passes.
    assert len(modes) == len(queries) * (1 + languages_speed.ROUNDS)
    assert parsing.in_every_language is spy  # the rewrite is back after each search without


def test_turning_languages_off_restores_them() -> None:
    saved = parsing.in_every_language, parsing.transliterate
    with languages_speed._without_languages():
        assert parsing.in_every_language is not saved[0]
    assert (parsing.in_every_language, parsing.transliterate) == saved
