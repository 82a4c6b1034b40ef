"""The indexing fast paths give exactly what the plain paths give: the analysis shortcuts,
the tagger's word table, parallel segment workers and the vocabulary index."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest
from whoosh import fields

from searchapp.engines import workers as engine_workers
from searchapp.engines.whoosh import writer as whoosh_writer
from searchapp.engines.whoosh.schema import STEMMED, AnalysedText, StemmedText
from searchapp.engines.whoosh.storage import open_index, open_vocabulary
from searchapp.errors import IndexingFailed
from searchapp.reindex import reindex
from searchapp.search import SearchEngine
from searchapp.text import analysis
from tests.conftest import FIXTURES, SEEDS

TRICKY = [
    "Cyber-attack on the Kremlin's e-mail: 10,000 accounts, 11.6 per cent.",
    "cyber-and-spies a-the-b the-cyber co-operation - - x-",
    "Sergei and Yulia Skripal’s café in Salisbury; naïve résumé. US-UK ties",
    "word-" + "x" * 70 + " long-" + "y" * 61 + "-tail",
    "",
    "   \n\n ",
]


def texts() -> list[str]:
    found = [p.read_text("utf-8") for p in sorted(FIXTURES.rglob("*.txt"))]
    found += [p.read_text("utf-8") for p in sorted(SEEDS.iterdir()) if p.is_file()]
    return found + TRICKY


def expected_positions(text: str) -> dict[str, list[int]]:
    found: dict[str, list[int]] = defaultdict(list)
    for term in analysis.analyze(text, spans=False):
        found[term.text].append(term.pos)
    return dict(found)


@pytest.mark.parametrize("text", texts())
def test_positions_are_the_analyzer_terms(text: str):
    assert analysis.positions(text) == expected_positions(text)


@pytest.mark.parametrize("text", texts())
def test_stemmed_text_field_indexes_like_the_analyzer(text: str):
    plain = fields.TEXT(analyzer=STEMMED)
    assert sorted(StemmedText().index(text)) == sorted(plain.index(text))


@pytest.mark.parametrize("text", texts())
def test_word_table_is_the_unstemmed_analysis(text: str):
    table = analysis.words(text)
    terms = list(analysis.analyze(text, stemming=False, compounds=False))
    assert table.words == [t.text for t in terms]
    assert table.stems == [analysis.stem(t.text) for t in terms]
    assert table.pos == [t.pos for t in terms]
    assert list(zip(table.start, table.end, strict=True)) == [(t.start, t.end) for t in terms]


@pytest.mark.parametrize("text", texts())
def test_one_pass_gives_the_positions_and_the_word_table(text: str):
    found, table = analysis.positions_and_words(text)
    assert found == analysis.positions(text)
    assert table == analysis.words(text)


def test_word_tables_join_as_their_texts_do():
    every = texts()
    for first, second in zip(every, every[1:] + every[:1], strict=True):
        joined = analysis.words(first).then(analysis.words(second), len(first) + 1)
        assert joined == analysis.words(f"{first}\n{second}")


@pytest.mark.parametrize("text", texts())
def test_analysed_text_indexes_its_own_postings(text: str):
    plain = fields.TEXT(analyzer=STEMMED)
    value = AnalysedText(text, analysis.positions(text))
    assert sorted(StemmedText().index(value)) == sorted(plain.index(text))
    # The postings it carries are the ones indexed, not the text's own.
    assert list(StemmedText().index(AnalysedText(text, {"spi": [0, 4]}))) == [
        (b"spi", 2, 2.0, plain.format.encode([0, 4]))
    ]


def test_documents_store_plain_text(tmp_path, corpus_dir):
    reindex(corpus_dir, tmp_path / "ix")
    with open_index(tmp_path / "ix").searcher() as searcher:
        for stored in searcher.all_stored_fields():
            assert type(stored["body"]) is str and type(stored["title"]) is str


def snapshot(index_dir: Path) -> tuple[dict[str, object], list[str]]:
    """Stored fields and, per indexed term, the ids of the live documents holding it; and
    the vocabulary."""
    with open_index(index_dir).searcher() as searcher:
        reader = searcher.reader()
        stored = {f["id"]: f for f in searcher.all_stored_fields()}
        terms = {}
        for fieldname, text in reader.all_terms():
            ids = sorted(
                reader.stored_fields(docnum)["id"]
                for docnum in reader.postings(fieldname, text).all_ids()
                if not reader.is_deleted(docnum)
            )
            if ids:  # a deleted document's terms stay in the lexicon until a merge
                terms[(fieldname, text)] = ids
    vocabulary = open_vocabulary(index_dir).reader()
    try:
        words = sorted(vocabulary.lexicon("vocab"))
    finally:
        vocabulary.close()
    return {"stored": stored, "terms": terms}, words


def search_all(index_dir: Path, queries: list[str]) -> list[list[tuple[str, float]]]:
    engine = SearchEngine(index_dir)
    try:
        return [[(h, round(s, 6)) for h, s in engine.ranked(q)] for q in queries]
    finally:
        engine.close()


QUERIES = ["novichok", "spies OR ransomware", "skrip*", "recruters~", '"nerve agent"', "UK"]


def test_parallel_workers_build_the_same_index(tmp_path, corpus_dir, monkeypatch):
    serial = reindex(corpus_dir, tmp_path / "serial")
    monkeypatch.setattr(engine_workers, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(whoosh_writer, "WORKER_BATCH", 2)
    monkeypatch.setattr(engine_workers.os, "sched_getaffinity", lambda pid: {0, 1})
    finished = []

    class Recorded(whoosh_writer._Workers):
        def finish(self):
            result = super().finish()
            finished.append(result)
            return result

    monkeypatch.setattr(whoosh_writer, "_Workers", Recorded)
    parallel = reindex(corpus_dir, tmp_path / "parallel")
    [(segments, vocabularies)] = finished  # the workers wrote every document
    assert sum(segment.doc_count() for segment in segments) == serial.documents
    assert len(vocabularies) == 2
    assert parallel.summary().split(";")[0] == serial.summary().split(";")[0]
    assert parallel.documents == serial.documents
    assert snapshot(tmp_path / "parallel") == snapshot(tmp_path / "serial")
    assert search_all(tmp_path / "parallel", QUERIES) == search_all(tmp_path / "serial", QUERIES)


def test_incremental_runs_after_a_parallel_build(tmp_path, corpus_dir, monkeypatch):
    monkeypatch.setattr(engine_workers.os, "sched_getaffinity", lambda pid: {0, 1})
    monkeypatch.setattr(engine_workers, "PARALLEL_MIN_BYTES", 0)
    reindex(corpus_dir, tmp_path / "a")
    (corpus_dir / "ransomware.txt").unlink()
    extra = corpus_dir / "fresh.txt"
    extra.write_text("Zanzibar spies\n\nA new file about zanzibarian spies.\n", "utf-8")
    report = reindex(corpus_dir, tmp_path / "a")  # parallel again, deletions in the parent
    assert (report.added, report.deleted) == (1, 1)
    monkeypatch.setattr(engine_workers, "PARALLEL_MIN_BYTES", 10**12)
    shutil.rmtree(tmp_path / "b", ignore_errors=True)
    reindex(corpus_dir, tmp_path / "b", full=True)
    assert snapshot(tmp_path / "a")[0] == snapshot(tmp_path / "b")[0]
    # The same hits; scores differ, as Whoosh counts deleted documents in its statistics.
    hits = [{h for h, _ in found} for found in search_all(tmp_path / "a", QUERIES)]
    assert hits == [{h for h, _ in found} for found in search_all(tmp_path / "b", QUERIES)]


def test_a_failing_worker_leaves_the_last_index_serving(tmp_path, corpus_dir, monkeypatch):
    reindex(corpus_dir, tmp_path / "ix")
    before = snapshot(tmp_path / "ix")
    monkeypatch.setattr(engine_workers, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(engine_workers.os, "sched_getaffinity", lambda pid: {0, 1})
    # Workers open the index folder given to them, so a missing one fails.
    monkeypatch.setattr(whoosh_writer, "_Workers", _workers_of_nowhere(whoosh_writer._Workers))
    with pytest.raises(IndexingFailed, match="worker"):
        reindex(corpus_dir, tmp_path / "ix", full=True)
    assert snapshot(tmp_path / "ix") == before
    monkeypatch.undo()
    assert reindex(corpus_dir, tmp_path / "ix", full=True).documents == len(before[0]["stored"])
    assert snapshot(tmp_path / "ix") == before


def _report_resident_mb(index_dir: str, jobs, results, corrections=None) -> None:
    with open("/proc/self/status") as status:
        [resident_kb] = [line.split()[1] for line in status if line.startswith("VmRSS:")]
    results.put(int(resident_kb) / 1024)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")
def test_workers_do_not_carry_the_parents_heap(tmp_path, monkeypatch):
    monkeypatch.setattr(whoosh_writer, "_segment_worker", _report_resident_mb)
    ballast = b"x" * (300 * 2**20)  # the parent's heap: 300 MB written, so resident
    workers = whoosh_writer._Workers(tmp_path, 2)
    try:
        # A forked worker would start with the parent's 300 MB resident.
        assert [workers.results.get(timeout=60) < 200 for _ in range(2)] == [True, True]
    finally:
        workers.cancel()
    assert len(ballast) == 300 * 2**20


def _workers_of_nowhere(workers: type) -> type:
    class Broken(workers):
        def __init__(self, index_dir: Path, procs: int, corrections=None) -> None:
            super().__init__(index_dir / "missing", procs, corrections)

    return Broken


def test_vocabulary_keeps_unstemmed_words_and_a_full_reindex_drops_gone_ones(tmp_path, corpus_dir):
    index_dir = tmp_path / "ix"
    reindex(corpus_dir, index_dir)
    extra = corpus_dir / "fresh.txt"
    extra.write_text("Zanzibar\n\nThe zanzibarian spies of Zanzibar.\n", "utf-8")
    reindex(corpus_dir, index_dir)

    def vocabulary() -> set[str]:
        reader = open_vocabulary(index_dir).reader()
        try:
            return {word.decode("utf-8") for word in reader.lexicon("vocab")}
        finally:
            reader.close()

    assert {"zanzibarian", "zanzibar", "spies", "novichok"} <= vocabulary()
    assert "spi" not in vocabulary()  # words, not stems
    engine = SearchEngine(index_dir)
    try:
        assert engine.ranked("zanzib*")
        assert engine.search("zanzibaran").suggestion == "zanzibarian"
    finally:
        engine.close()
    extra.unlink()
    reindex(corpus_dir, index_dir)
    assert "zanzibarian" in vocabulary()  # incremental runs only add words
    reindex(corpus_dir, index_dir, full=True)
    assert "zanzibarian" not in vocabulary()


@pytest.mark.parametrize("text", texts())
def test_vocabulary_is_the_unstemmed_analysis(text: str):
    expected = {t.text for t in analysis.analyze(text, stemming=False, spans=False)}
    assert analysis.vocabulary(text) == expected


_FAILING_RUN = """
import sys
from pathlib import Path
from searchapp.engines.whoosh import writer
from searchapp.errors import IndexingFailed
from searchapp.text.article import Article

workers = writer._Workers(Path(sys.argv[1]) / "missing", 2)
try:
    for number in range(100_000):  # far more than the job queue holds
        workers.add(Article(str(number), "t", "word " * 200, f"{number}.txt", True))
except IndexingFailed as error:
    print(error)
finally:
    workers.cancel()
"""


def test_a_process_whose_workers_failed_exits_and_says_why(tmp_path):
    """The worker's own error is reported, and jobs queued for it are not waited for at exit."""
    run = subprocess.run(
        [sys.executable, "-c", _FAILING_RUN, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert "an indexing worker failed" in run.stdout and "missing" in run.stdout
