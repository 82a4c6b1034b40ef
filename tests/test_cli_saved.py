"""`searchapp saved add|list|remove|show`, and the alerts `searchapp reindex` prints."""

from __future__ import annotations

import json
from pathlib import Path

from searchapp.cli import main


def invoke(runner, *args: str):
    return runner.invoke(main, list(args), catch_exceptions=False)


def test_saved_searches_from_the_command_line(runner, tmp_path: Path):
    seeds, index = tmp_path / "seeds", tmp_path / "index"
    seeds.mkdir()
    (seeds / "old.txt").write_text("Salisbury\n\nSergei Skripal was poisoned with novichok.")
    where = ("--index", str(index))
    assert invoke(runner, "reindex", "--seeds", str(seeds), *where).exit_code == 0

    added = invoke(runner, "saved", "add", "novichok", "novichok", "--from", "2020", *where)
    assert added.exit_code == 0 and "Saved novichok" in added.stdout
    listed = invoke(runner, "saved", "list", *where)
    assert "novichok: 'novichok' · date_from 2020-01-01 · 0 matched" in listed.stdout

    (seeds / "new.json").write_text(
        '{"title": "Novichok again", "date": "2024-05-06", "text": "A new novichok attack."}'
    )
    reindexed = invoke(runner, "reindex", "--seeds", str(seeds), *where)
    assert "Alerts: 1 saved search checked against 1 new or changed article: novichok 1" in (
        reindexed.stdout
    )
    shown = invoke(runner, "saved", "show", "novichok", *where)
    assert "Novichok again" in shown.stdout and "[novichok]" in shown.stdout.lower()
    assert "2024-05-06 · new" in shown.stdout
    data = json.loads(invoke(runner, "saved", "show", "novichok", "--json", *where).stdout)
    assert [m["id"] for m in data["matches"]] == ["new"] and data["total_matches"] == 1

    removed = invoke(runner, "saved", "remove", "novichok", *where)
    assert removed.exit_code == 0
    assert json.loads(invoke(runner, "saved", "list", "--json", *where).stdout) == []


def test_bad_saved_searches_are_refused_with_the_reason(runner, tmp_path: Path):
    seeds, index = tmp_path / "seeds", tmp_path / "index"
    seeds.mkdir()
    (seeds / "a.txt").write_text("Title\n\nSome text about the GRU.")
    where = ("--index", str(index))
    invoke(runner, "reindex", "--seeds", str(seeds), *where)
    bad_name = invoke(runner, "saved", "add", "Not A Slug", "gru", *where)
    assert bad_name.exit_code == 1 and "lower-case letters, digits and hyphens" in bad_name.stderr
    bad_query = invoke(runner, "saved", "add", "bad", "ip:999.1.1.1", *where)
    assert bad_query.exit_code == 1 and "999.1.1.1" in bad_query.stderr
    invoke(runner, "saved", "add", "gru", "gru", *where)
    taken = invoke(runner, "saved", "add", "gru", "text", *where)
    assert taken.exit_code == 1 and "already a saved search named 'gru'" in taken.stderr
    for command in ("show", "remove"):
        missing = invoke(runner, "saved", command, "nope", *where)
        assert missing.exit_code == 1 and "No saved search named 'nope'" in missing.stderr
