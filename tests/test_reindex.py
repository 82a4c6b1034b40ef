from __future__ import annotations

import os
import time
from collections.abc import Hashable
from pathlib import Path

import pytest

from searchapp import reindex as indexer
from searchapp.config import EngineConfig
from searchapp.engines.registry import open_writer
from searchapp.engines.whoosh import storage as whoosh_storage
from searchapp.engines.whoosh import writer as whoosh_writer
from searchapp.engines.whoosh.storage import index_exists, open_index
from searchapp.errors import ConfigError, IndexLocked, IndexOutdated, NotFound
from searchapp.ingest.readers import registry
from searchapp.reindex import reindex
from searchapp.search import SearchEngine
from tests.conftest import (
    DUPLICATES,
    MALFORMED,
    MALFORMED_ENTRIES,
    VALID_FIXTURES,
    engine_view,
    indexed_ids,
)

# Every test on the Whoosh engine and again on Xapian (conftest.py).
pytestmark = pytest.mark.both_engines


def generation(index_dir: Path) -> Hashable:
    with engine_view(index_dir) as view:
        return view.generation()


def test_first_reindex_adds_valid_files_and_skips_malformed(tmp_path: Path, corpus_dir: Path):
    seen = []
    report = reindex(corpus_dir, tmp_path / "ix", on_skip=seen.append)
    counts = (report.added, report.updated, report.deleted, report.unchanged)
    assert counts == (VALID_FIXTURES, 0, 0, 0)
    assert report.documents == VALID_FIXTURES
    assert report.duplicates == DUPLICATES
    reasons = {s.path: s.reason for s in report.skipped}
    assert set(reasons) == set(MALFORMED) | MALFORMED_ENTRIES
    assert reasons["latin1.txt"].startswith("not UTF-8")
    assert seen == report.skipped
    assert "election" in indexed_ids(tmp_path / "ix")  # found in nested/deeper/


def test_skips_are_logged_as_warnings_naming_the_file(tmp_path, corpus_dir, caplog):
    reindex(corpus_dir, tmp_path / "ix")
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert any("binary.txt" in w and "binary file" in w for w in warnings)


def test_second_run_changes_nothing_and_writes_no_generation(index_dir: Path, corpus_dir: Path):
    before = generation(index_dir)
    report = reindex(corpus_dir, index_dir)
    assert (report.added, report.updated, report.deleted) == (0, 0, 0)
    assert report.unchanged == VALID_FIXTURES
    assert report.duplicates == DUPLICATES
    # Bad files are read (and reported) again; good ones, bad entries and all, are not.
    assert {item.path for item in report.skipped} == set(MALFORMED)
    assert generation(index_dir) == before


def test_incremental_add_change_delete(index_dir: Path, corpus_dir: Path):
    (corpus_dir / "new-article.txt").write_text("Sanctions on the FSB\n\nNew sanctions today.")
    changed = corpus_dir / "ransomware.txt"
    changed.write_text(changed.read_text() + "\nA late update about extortion.\n")
    (corpus_dir / "recruitment.txt").unlink()

    report = reindex(corpus_dir, index_dir)

    counts = (report.added, report.updated, report.deleted, report.unchanged)
    assert counts == (1, 1, 1, VALID_FIXTURES - 2)
    ids = indexed_ids(index_dir)
    assert "new-article" in ids and "recruitment" not in ids
    engine = SearchEngine(index_dir)
    try:
        assert [h.id for h in engine.search("extortion").hits] == ["ransomware"]
    finally:
        engine.close()


def test_touched_file_is_unchanged_and_then_skipped_by_stat(index_dir, corpus_dir, monkeypatch):
    later = time.time() + 10
    for name in ("ransomware.txt", "collection/wire.csv"):
        os.utime(corpus_dir / name, (later, later))
    parsed = []
    real_parse = registry._parse
    monkeypatch.setattr(
        registry, "_parse", lambda d, p, *a: parsed.append(p) or real_parse(d, p, *a)
    )
    report = reindex(corpus_dir, index_dir)
    assert (report.added, report.updated, report.unchanged) == (0, 0, VALID_FIXTURES)
    assert sorted(parsed) == sorted(MALFORMED)  # the touched files were hashed, not parsed

    reads = []
    real_read = indexer.read_source
    monkeypatch.setattr(
        indexer, "read_source", lambda s, **kw: reads.append(s.relpath) or real_read(s, **kw)
    )
    reindex(corpus_dir, index_dir)
    assert sorted(reads) == sorted(MALFORMED)


def test_touched_file_holding_duplicates_is_parsed_when_their_original_changes(
    index_dir, corpus_dir
):
    # wire.csv holds duplicates of digest.jsonl's j2; digest.jsonl loses j2, wire.csv is only
    # touched: its copy must be indexed now, although its bytes did not change.
    digest = corpus_dir / "collection" / "digest.jsonl"
    digest.write_text(digest.read_text().splitlines()[0] + "\n")
    later = time.time() + 10
    os.utime(corpus_dir / "collection" / "wire.csv", (later, later))
    reindex(corpus_dir, index_dir)
    assert {"wire-w2", "digest-j1"} <= indexed_ids(index_dir)
    assert "digest-j2" not in indexed_ids(index_dir)


def test_file_that_turns_unreadable_keeps_its_indexed_version(index_dir, corpus_dir):
    (corpus_dir / "ransomware.txt").write_bytes(b"\x89PNG garbage \x00")
    report = reindex(corpus_dir, index_dir)
    reasons = {s.path: s.reason for s in report.skipped}
    assert reasons["ransomware.txt"] == "binary file (contains NUL bytes); previous version kept"
    assert report.deleted == 0
    assert "ransomware" in indexed_ids(index_dir)


def test_a_file_that_cannot_be_listed_keeps_its_articles_until_a_full_rebuild(
    index_dir, corpus_dir, tmp_path
):
    target = tmp_path / "outside.txt"
    target.write_text("Linked headline\n\nA linked report on sanctions evasion.")
    (corpus_dir / "linked.txt").symlink_to(target)
    assert reindex(corpus_dir, index_dir).added == 1
    target.unlink()  # the link stays, but its file can't be stat'ed
    report = reindex(corpus_dir, index_dir)
    assert [s.path for s in report.skipped if s.reason.startswith("cannot read")] == ["linked.txt"]
    assert (report.deleted, report.unchanged) == (0, VALID_FIXTURES + 1)
    assert "linked" in indexed_ids(index_dir)
    # A rebuild drops what it can't read, and says so: the counts add up to the index.
    report = reindex(corpus_dir, index_dir, full=True)
    assert report.deleted == 1
    assert "linked" not in indexed_ids(index_dir)
    report = reindex(corpus_dir, index_dir)
    assert (report.deleted, report.unchanged, report.documents) == (
        0,
        VALID_FIXTURES,
        VALID_FIXTURES,
    )


def test_full_rebuild_reindexes_everything_and_drops_the_rest(index_dir, corpus_dir):
    (corpus_dir / "recruitment.txt").unlink()
    report = reindex(corpus_dir, index_dir, full=True)
    assert report.full
    assert report.deleted == 1
    assert report.added + report.updated + report.unchanged == VALID_FIXTURES - 1
    assert len(indexed_ids(index_dir)) == VALID_FIXTURES - 1
    with engine_view(index_dir) as view:
        assert view.doc_count() == VALID_FIXTURES - 1


@pytest.mark.whoosh_only
def test_full_rebuild_leaves_no_deleted_documents_behind(index_dir, corpus_dir):
    (corpus_dir / "recruitment.txt").unlink()
    reindex(corpus_dir, index_dir, full=True)
    with open_index(index_dir).reader() as reader:
        assert reader.doc_count_all() == VALID_FIXTURES - 1


def test_second_reindex_while_one_writes_fails_fast(index_dir, corpus_dir):
    writer = open_writer(EngineConfig.load(), index_dir)
    try:
        started = time.perf_counter()
        with pytest.raises(IndexLocked, match="Another reindex is writing"):
            reindex(corpus_dir, index_dir)
        assert time.perf_counter() - started < 5
    finally:
        writer.cancel()
    assert reindex(corpus_dir, index_dir).unchanged == VALID_FIXTURES


def test_crash_mid_reindex_leaves_last_good_index(index_dir, corpus_dir, monkeypatch):
    before_ids, before_gen = indexed_ids(index_dir), generation(index_dir)
    for name in ("a.txt", "b.txt", "c.txt"):
        (corpus_dir / name).write_text(f"Headline {name}\n\nBody of {name}.")
    calls = []

    def explode(source, **options):
        calls.append(source)
        if len(calls) == 2:
            raise RuntimeError("disk on fire")
        return real_read(source, **options)

    real_read = indexer.read_source
    monkeypatch.setattr(indexer, "read_source", explode)
    with pytest.raises(RuntimeError):
        reindex(corpus_dir, index_dir)
    assert indexed_ids(index_dir) == before_ids
    assert generation(index_dir) == before_gen

    monkeypatch.setattr(indexer, "read_source", real_read)
    assert reindex(corpus_dir, index_dir).added == 3  # lock released, nothing half-written


def test_a_failed_engine_commit_leaves_index_and_catalog_usable(index_dir, corpus_dir, monkeypatch):
    before_ids = indexed_ids(index_dir)
    (corpus_dir / "a.txt").write_text("Headline a\n\nBody of a.")
    real_open = indexer.open_writer

    def failing_writer(*args):
        writer = real_open(*args)

        def explode(*args, **kwargs):
            raise OSError("disk full")

        writer.commit = explode
        return writer

    monkeypatch.setattr(indexer, "open_writer", failing_writer)
    with pytest.raises(OSError):
        reindex(corpus_dir, index_dir)
    assert indexed_ids(index_dir) == before_ids
    monkeypatch.undo()
    assert reindex(corpus_dir, index_dir).added == 1  # catalog rolled back, lock let go


@pytest.mark.whoosh_only
def test_a_failed_commit_leaves_the_catalog_usable(index_dir, corpus_dir, monkeypatch):
    before_ids = indexed_ids(index_dir)
    (corpus_dir / "a.txt").write_text("Headline a\n\nBody of a.")

    def explode(*args, **kwargs):
        raise OSError("disk full")

    real_commit = whoosh_writer._commit
    monkeypatch.setattr(whoosh_writer, "_commit", explode)
    with pytest.raises(OSError):
        reindex(corpus_dir, index_dir)
    assert indexed_ids(index_dir) == before_ids
    monkeypatch.setattr(whoosh_writer, "_commit", real_commit)
    assert reindex(corpus_dir, index_dir).added == 1  # catalog rolled back, not left locked


def test_open_searcher_sees_old_index_until_commit_then_new(index_dir, corpus_dir):
    engine = SearchEngine(index_dir)
    try:
        assert engine.search("embargo").total == 0
        (corpus_dir / "embargo.txt").write_text("Embargo list grows\n\nAn embargo on the GRU.")
        reindex(corpus_dir, index_dir)
        assert [h.id for h in engine.search("embargo").hits] == ["embargo"]
    finally:
        engine.close()


@pytest.mark.whoosh_only
def test_index_from_another_schema_version_is_refused_then_rebuilt(index_dir, corpus_dir):
    (index_dir / whoosh_storage.VERSION_FILE).write_text("0\n")
    assert reindex(corpus_dir, index_dir).full  # the version file says 0: rebuilt
    (index_dir / whoosh_storage.VERSION_FILE).write_text("0\n")
    with pytest.raises(IndexOutdated, match="run `searchapp reindex` to rebuild it"):
        open_index(index_dir)
    report = reindex(corpus_dir, index_dir)
    assert report.full and report.unchanged == VALID_FIXTURES
    assert open_index(index_dir).doc_count() == VALID_FIXTURES


def test_deleted_documents_vanish_from_an_open_engine(index_dir, corpus_dir):
    engine = SearchEngine(index_dir)
    try:
        kremlin = engine.search("kremlin").total
        for _ in range(3):
            extra = corpus_dir / "extra.txt"
            extra.write_text("Extra\n\nAn extra Kremlin story.")
            reindex(corpus_dir, index_dir)
            assert engine.search("kremlin").total == kremlin + 1
            extra.unlink()
            reindex(corpus_dir, index_dir)
            assert engine.search("kremlin").total == kremlin
            assert engine.document_count() == VALID_FIXTURES
    finally:
        engine.close()


def test_missing_seeds_folder_is_a_clear_error(tmp_path: Path):
    with pytest.raises(ConfigError, match="does not exist"):
        reindex(tmp_path / "nope", tmp_path / "ix")
    assert not index_exists(tmp_path / "ix")


def test_empty_seeds_folder_builds_an_empty_index(tmp_path: Path):
    (tmp_path / "seeds").mkdir()
    report = reindex(tmp_path / "seeds", tmp_path / "ix")
    assert report.documents == 0
    assert indexed_ids(tmp_path / "ix") == set()


def test_searches_during_reindexes_always_see_a_whole_index(index_dir, corpus_dir):
    """Reindex (add, then delete, a batch of files) while other threads search: every answer
    comes from a committed generation, never an error or a half-written index."""
    import threading

    batch = [corpus_dir / f"batch-{i}.txt" for i in range(20)]
    errors: list[BaseException] = []
    totals: set[int] = set()
    stop = threading.Event()
    engine = SearchEngine(index_dir)
    kremlin = engine.search('"kremlin"').total  # quoted: no synonyms, as in "batch OR …"

    def search_loop() -> None:
        while not stop.is_set():
            try:
                result = engine.search("batch OR kremlin", per_page=5)
                totals.add(result.total)
                for hit in result.hits:
                    try:
                        engine.article(hit.id)
                    except NotFound:
                        pass  # deleted by a reindex since the search: a consistent answer
            except BaseException as exc:  # any failure fails the test
                errors.append(exc)

    threads = [threading.Thread(target=search_loop) for _ in range(3)]
    for thread in threads:
        thread.start()
    try:
        for _ in range(4):
            for i, path in enumerate(batch):
                path.write_text(f"Batch article {i}\n\nA batch story about the Kremlin, {i}.")
            assert reindex(corpus_dir, index_dir).added == len(batch)
            for path in batch:
                path.unlink()
            assert reindex(corpus_dir, index_dir).deleted == len(batch)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
        engine.close()
    assert errors == []
    assert totals <= {kremlin, kremlin + len(batch)}  # with or without the whole batch


# -- many articles per file, duplicates, the catalog ------------------------------------------


def test_duplicates_are_indexed_once_and_take_over_when_the_original_goes(index_dir, corpus_dir):
    ids = indexed_ids(index_dir)
    # digest.jsonl sorts before wire.csv: its copy of the sanctions story is the one indexed.
    assert "digest-j2" in ids and "wire-w2" not in ids
    assert "wire-w4" not in ids  # the feed's entry has the same url, and sorts first
    (corpus_dir / "collection" / "digest.jsonl").unlink()
    report = reindex(corpus_dir, index_dir)
    ids = indexed_ids(index_dir)
    assert "wire-w2" in ids and "digest-j1" not in ids and "digest-j2" not in ids
    assert (report.added, report.deleted, report.duplicates) == (1, 2, DUPLICATES - 1)
    assert report.documents == VALID_FIXTURES - 1


def test_a_new_file_repeating_an_indexed_article_adds_nothing(index_dir, corpus_dir):
    wire = (corpus_dir / "collection" / "wire.csv").read_text()
    (corpus_dir / "zz-copy.csv").write_text(wire.replace("w1,", "copy1,"))
    report = reindex(corpus_dir, index_dir)
    assert report.added == 0 and report.updated == 0
    assert report.duplicates == DUPLICATES + 3
    assert report.documents == VALID_FIXTURES


def test_changing_one_row_updates_one_article(index_dir, corpus_dir):
    path = corpus_dir / "collection" / "wire.csv"
    path.write_text(path.read_text().replace("Moscow denies any involvement.", "Moscow denies it."))
    report = reindex(corpus_dir, index_dir)
    assert (report.added, report.updated, report.deleted) == (0, 1, 0)
    assert report.unchanged == VALID_FIXTURES - 1
    engine = SearchEngine(index_dir)
    try:
        assert engine.search('"moscow denies it"').total == 1
    finally:
        engine.close()


def test_ids_are_stable_across_full_rebuilds(index_dir, corpus_dir):
    before = indexed_ids(index_dir)
    report = reindex(corpus_dir, index_dir, full=True)
    assert indexed_ids(index_dir) == before
    assert report.unchanged == VALID_FIXTURES and report.added == 0


def test_catalog_out_of_step_with_the_index_triggers_a_rebuild(index_dir, corpus_dir):
    import sqlite3

    from searchapp.ingest.catalog import CATALOG_FILE

    with sqlite3.connect(index_dir / CATALOG_FILE) as db:  # as if killed between the commits
        db.execute("UPDATE meta SET value = '999' WHERE key = 'generation'")
    report = reindex(corpus_dir, index_dir)
    assert report.full
    assert report.documents == VALID_FIXTURES
    assert not reindex(corpus_dir, index_dir).full


def test_emptied_index_with_a_catalog_out_of_step_is_rebuilt(
    index_dir, corpus_dir, tmp_path, monkeypatch
):
    from searchapp.ingest.catalog import Catalog

    hour_ago = time.time() - 3600
    for path in corpus_dir.rglob("*"):
        os.utime(path, (hour_ago, hour_ago))
    reindex(corpus_dir, index_dir)  # files this old have their stat data trusted
    # A rebuild that found the folder empty is killed between its two commits: the index has
    # no segment left, the catalog still lists every file.
    corpus_dir.rename(tmp_path / "away")
    corpus_dir.mkdir()

    def killed(*args: object) -> None:
        raise RuntimeError("killed before the catalog commit")

    monkeypatch.setattr(Catalog, "commit", killed)
    with pytest.raises(RuntimeError):
        reindex(corpus_dir, index_dir, full=True)
    monkeypatch.undo()
    assert indexed_ids(index_dir) == set()
    # The same files come back, stat data and all: the stale catalog would call them unchanged.
    corpus_dir.rmdir()
    (tmp_path / "away").rename(corpus_dir)
    report = reindex(corpus_dir, index_dir)
    assert report.full and report.documents == VALID_FIXTURES


def test_progress_reports_bytes_of_the_files_read(tmp_path, corpus_dir):
    calls: list[tuple[int, int]] = []
    reindex(corpus_dir, tmp_path / "ix", progress=lambda done, total: calls.append((done, total)))
    sizes = [p.stat().st_size for p in corpus_dir.rglob("*") if p.is_file()]
    assert calls[-1] == (sum(sizes), sum(sizes))
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)


def test_a_record_id_that_repeats_another_files_id_is_skipped(index_dir, corpus_dir):
    # "wire.csv" row w1 has the id "wire-w1"; a file named so must not replace it.
    (corpus_dir / "wire-w1.txt").write_text("Impostor\n\nA different story about the FSB.")
    report = reindex(corpus_dir, index_dir)
    assert [s.reason for s in report.skipped if s.path == "wire-w1.txt"] == [
        "duplicate id 'wire-w1' (also collection/wire.csv)"
    ]
    engine = SearchEngine(index_dir)
    try:
        assert engine.article("wire-w1").title.startswith("GRU officers charged")
    finally:
        engine.close()
    assert reindex(corpus_dir, index_dir, full=True).documents == VALID_FIXTURES


def test_touched_file_with_duplicates_inside_it_is_not_parsed(tmp_path, monkeypatch):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    row = 'x,Same story,"{}",https://example.org/same'.format("A repeated story text. " * 5)
    (seeds / "feed.csv").write_text(
        "id,title,text,url\n" + row.replace("x", "1", 1) + "\n" + row.replace("x", "2", 1) + "\n"
    )
    assert reindex(seeds, tmp_path / "ix").duplicates == 1
    later = time.time() + 10
    os.utime(seeds / "feed.csv", (later, later))
    parsed = []
    real_parse = registry._parse
    monkeypatch.setattr(
        registry, "_parse", lambda d, p, *a: parsed.append(p) or real_parse(d, p, *a)
    )
    report = reindex(seeds, tmp_path / "ix")
    assert parsed == [] and (report.unchanged, report.duplicates) == (1, 1)


def test_summary_counts_files_in_plain_english(tmp_path: Path):
    (tmp_path / "one").mkdir()
    (tmp_path / "one" / "a.txt").write_text("Headline\n\nA body long enough to be an article.")
    summary = reindex(tmp_path / "one", tmp_path / "index").summary()
    assert "; 1 document in the index; 1 file found, 0 of them skipped (" in summary


@pytest.mark.whoosh_only
def test_switching_engines_and_back_rebuilds_what_the_catalog_no_longer_describes(
    index_dir, corpus_dir
):
    whoosh, xapian = EngineConfig("whoosh"), EngineConfig("xapian")
    reindex(corpus_dir, index_dir, engine=whoosh)  # Whoosh's catalog, at its generation
    (corpus_dir / "added.txt").write_text("Added while on Xapian\n\nA story of the GRU.")
    assert reindex(corpus_dir, index_dir, engine=xapian).full  # a new Xapian index
    # Back on Whoosh, whose index lacks added.txt, whatever the generations say.
    report = reindex(corpus_dir, index_dir, engine=whoosh)
    assert report.full and "added" in indexed_ids(index_dir)
