"""``searchapp search QUERY --export csv|jsonl``: the rows of /api/search/export on stdout."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

from searchapp import cli
from searchapp.search import Filters, SearchEngine
from searchapp.search.export import COLUMNS, FORMATS


def invoke(runner, *args: str):
    return runner.invoke(cli.main, list(args), catch_exceptions=False)


def every_hit(index: Path, text: str, **options) -> list[str]:
    engine = SearchEngine(index)
    try:
        first = engine.search(text, per_page=100, **options)
        assert first.total <= 100
        return [hit.id for hit in first.hits]
    finally:
        engine.close()


def test_formats_agree_with_the_search_stage():
    assert cli.EXPORT_FORMATS == FORMATS


def test_csv_export_to_stdout(runner, fixture_index: Path):
    result = invoke(runner, "search", "russia", "--export", "csv", "--index", str(fixture_index))
    assert result.exit_code == 0
    rows = list(csv.reader(io.StringIO(result.stdout, newline="")))
    assert tuple(rows[0]) == COLUMNS
    assert [row[0] for row in rows[1:]] == every_hit(fixture_index, "russia")
    assert len(rows) > 1 + 2  # more than the --limit it ignores
    assert result.stderr == ""


def test_jsonl_export_with_filters_and_sort(runner, fixture_index: Path):
    args = ["search", "russia", "--export", "jsonl", "--tag", "UK", "--sort", "newest"]
    result = invoke(runner, *args, "--from", "2017", "--limit", "1", "--index", str(fixture_index))
    assert result.exit_code == 0
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    filters = Filters(tags=("UK",), date_from=date(2017, 1, 1))
    expected = every_hit(fixture_index, "russia", filters=filters, sort="newest")
    assert [row["id"] for row in rows] == expected
    assert len(expected) > 1
    assert all("UK" in row["tags"] and row["score"] is None for row in rows)


def test_export_refuses_what_the_search_refuses(runner, fixture_index: Path):
    result = invoke(runner, "search", "(((", "--export", "csv", "--index", str(fixture_index))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "error: Nothing to search for" in result.stderr
    both = invoke(
        runner, "search", "spy", "--json", "--export", "csv", "--index", str(fixture_index)
    )
    assert both.exit_code == 2
    assert "--json and --export are two different outputs" in both.stderr
    bad = invoke(runner, "search", "spy", "--export", "xml", "--index", str(fixture_index))
    assert bad.exit_code == 2
