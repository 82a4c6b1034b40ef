"""A reindex killed while it reads documents leaves the last good index serving, and the next
reindex reads them."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from searchapp.reindex import reindex
from searchapp.search import SearchEngine
from tests.ingest.readers.test_pdf import make_pdf, prose
from tests.system.test_crash_safety import REINDEX


def _search_ids(index: Path, text: str) -> set[str]:
    engine = SearchEngine(index)
    try:
        return {hit.id for hit in engine.search(text).hits}
    finally:
        engine.close()


def test_a_reindex_killed_reading_a_pdf_leaves_the_last_good_index(tmp_path: Path):
    seeds, index = tmp_path / "seeds", tmp_path / "index"
    seeds.mkdir()
    (seeds / "note.txt").write_text("Harbour note\n\nThe harbour was closed for a day.\n")
    reindex(seeds, index)
    (seeds / "first.pdf").write_bytes(make_pdf([prose(1) + " Quillfeather."]))
    (seeds / "second.pdf").write_bytes(make_pdf([prose(2) + " Marrowstone."]))
    # SIGKILLed by itself as it starts reading the second PDF: the first is read, not indexed.
    command = [sys.executable, "-c", REINDEX, "4000000", "searchapp.ingest.readers.pdf:_read_pages"]
    command += ["2", "reindex", "--seeds", str(seeds), "--index", str(index)]
    killed = subprocess.run(command, capture_output=True, timeout=120, check=False)
    assert killed.returncode == -signal.SIGKILL, killed.stderr.decode()
    assert _search_ids(index, "harbour") == {"note"}
    assert _search_ids(index, "quillfeather") == set()
    report = reindex(seeds, index)  # no lock left behind
    assert report.added == 2, report.summary()
    assert _search_ids(index, "quillfeather") == {"first"}
    assert _search_ids(index, "marrowstone") == {"second"}
