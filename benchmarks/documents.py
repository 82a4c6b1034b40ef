"""Documents: PDF text extraction, OCR, a full reindex of a folder of documents, and search
deep in long ones (``make bench-documents``; figures in docs/documents.md).

The folder, made once under ``data/bench/documents/`` from the news collection's text
(``make news``): text PDFs of 10,000 pages in all (one of 2,000 pages, the rest of 200), 200
scanned pages (page images, no text layer) in PDFs of 20, and Word files. Marker words sit
deep in the long documents (page 1,990 of the 2,000-page PDF, page 190 of the others).

Measured, each in one run:

- text extraction: pages/s of :func:`searchapp.ingest.readers.pdf.read_pdf` on one core;
- OCR: pages/s of the scanned PDFs (Tesseract; skipped without it);
- a full reindex of the whole folder, and one of the 2,000-page PDF alone: wall time and the
  peak memory of the reindex with its worker processes (their RSS summed, polled);
- search: latency of the marker words through :class:`SearchEngine`, and the page each hit
  is placed on.

Usage: ``python -m benchmarks.documents [--data DIR] [--json FILE]``
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
from docx import Document
from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont

from searchapp.ingest.readers.ocr import tesseract_available
from searchapp.ingest.readers.pdf import read_pdf
from searchapp.ingest.samples import news_csv_bytes
from searchapp.search import SearchEngine

TEXT_PAGES = 10_000
LONG_PAGES = 2_000
PAGES_PER_PDF = 200
SCANNED_PAGES = 200
SCANS_PER_PDF = 20
WORD_FILES = 20
LONG_MARKER = "quillfeather"  # on page 1,990 of the long PDF
DEEP_MARKER = "marrowstone"  # on page 190 of each 200-page PDF


def _paragraphs(data_dir: Path) -> list[str]:
    text = news_csv_bytes(data_dir).decode("utf-8")
    rows = csv.DictReader(io.StringIO(text))
    paragraphs = [p.strip() for row in rows for p in row["text"].split("\n") if len(p) > 80]
    # The PDF core fonts are Latin-1.
    return [p.encode("latin-1", "replace").decode("latin-1") for p in paragraphs]


def _pdf(path: Path, pages: int, paragraphs: list[str], start: int, markers: dict[int, str]):
    pdf = FPDF()
    pdf.set_auto_page_break(False)
    pdf.set_font("Helvetica", size=10)
    pdf.set_title(f"Report {path.stem}")
    at = start
    for number in range(1, pages + 1):
        pdf.add_page()
        pdf.set_xy(15, 15)
        text = "\n\n".join(paragraphs[(at + i) % len(paragraphs)] for i in range(3))[:2500]
        at += 3
        if number in markers:
            text += f"\n\nThe {markers[number]} annex lists the intercepted cables."
        pdf.multi_cell(180, 4.5, text)
    pdf.output(str(path))
    return at


def _scan(text: str, font: ImageFont.FreeTypeFont) -> Image.Image:
    image = Image.new("L", (1700, 2200), 255)
    draw = ImageDraw.Draw(image)
    words, lines, line = text.split(), [], ""
    for word in words:
        if len(line) + len(word) > 60:
            lines.append(line)
            line = ""
        line = f"{line} {word}".strip()
    lines.append(line)
    for i, row in enumerate(lines[:28]):
        draw.text((120, 150 + i * 70), row, fill=0, font=font)
    return image


def build(folder: Path, paragraphs: list[str]) -> None:
    if (folder / "done").exists():
        return
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    at = _pdf(folder / "long-report.pdf", LONG_PAGES, paragraphs, 0, {1990: LONG_MARKER})
    for n in range((TEXT_PAGES - LONG_PAGES) // PAGES_PER_PDF):
        at = _pdf(folder / f"report-{n:02d}.pdf", PAGES_PER_PDF, paragraphs, at, {190: DEEP_MARKER})
    font = ImageFont.load_default(size=40)
    for n in range(SCANNED_PAGES // SCANS_PER_PDF):
        pdf = FPDF()
        for _ in range(SCANS_PER_PDF):
            pdf.add_page()
            buffer = io.BytesIO()
            _scan(paragraphs[at % len(paragraphs)], font).save(buffer, "PNG")
            at += 1
            pdf.image(buffer, x=0, y=0, w=210, h=297)
        pdf.output(str(folder / f"scan-{n:02d}.pdf"))
    for n in range(WORD_FILES):
        doc = Document()
        doc.core_properties.title = f"Briefing {n}"
        for _ in range(60):
            doc.add_paragraph(paragraphs[at % len(paragraphs)])
            at += 1
        doc.save(str(folder / f"briefing-{n:02d}.docx"))
    (folder / "done").write_text("")


def _extraction(folder: Path, pattern: str) -> tuple[int, float]:
    pages, seconds = 0, 0.0
    for path in sorted(folder.glob(pattern)):
        data = path.read_bytes()
        started = time.perf_counter()
        articles, _skipped = read_pdf(data, path.name, path.stem)
        seconds += time.perf_counter() - started
        pages += sum(len(article.pages) for article in articles)
    return pages, seconds


def _reindex(seeds: Path, index: Path) -> tuple[float, float, str]:
    """Wall seconds, peak MB of the reindex and its workers, and its summary line."""
    command = [sys.executable, "-m", "searchapp.cli", "reindex", "--full"]
    command += ["--seeds", str(seeds), "--index", str(index)]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    peak = 0
    done = threading.Event()

    def poll() -> None:
        nonlocal peak
        parent = psutil.Process(process.pid)
        while not done.is_set():
            try:
                tree = [parent, *parent.children(recursive=True)]
                peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
            except psutil.Error:
                pass
            time.sleep(0.05)

    watcher = threading.Thread(target=poll, daemon=True)
    watcher.start()
    output = process.communicate()[0].decode()
    done.set()
    watcher.join()
    seconds = time.perf_counter() - started
    if process.returncode:
        raise SystemExit(f"reindex failed:\n{output}")
    summary = next((line for line in output.splitlines() if "added" in line), output.strip())
    return seconds, peak / 1e6, summary


def _latency(index: Path, queries: list[str], repeat: int = 20) -> dict[str, object]:
    engine = SearchEngine(index)
    found = {}
    times = []
    for _ in range(repeat):
        for q in queries:
            engine.forget_queries()
            started = time.perf_counter()
            page = engine.search(q)
            times.append((time.perf_counter() - started) * 1000)
            found[q] = [(hit.id, hit.page) for hit in page.hits[:3]] + [page.total]
    engine.close()
    times.sort()
    return {
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[int(len(times) * 0.95) - 1], 1),
        "hits": found,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=Path("data"))
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    folder = args.data / "bench" / "documents"
    build(folder, _paragraphs(args.data))
    results: dict[str, object] = {}

    pages, seconds = _extraction(folder, "*report*.pdf")
    results["text_pdf"] = {"pages": pages, "seconds": round(seconds, 2)}
    print(f"text PDFs: {pages} pages in {seconds:.1f} s, {pages / seconds:.0f} pages/s (1 core)")
    if tesseract_available():
        pages, seconds = _extraction(folder, "scan-*.pdf")
        results["ocr"] = {"pages": pages, "seconds": round(seconds, 2)}
        print(f"OCR: {pages} scanned pages in {seconds:.1f} s, {pages / seconds:.2f} pages/s")
    else:
        print("OCR: skipped (no Tesseract: make system)")

    with tempfile.TemporaryDirectory() as tmp:
        index = Path(tmp, "index")
        seconds, peak, summary = _reindex(folder, index)
        results["reindex_all"] = {"seconds": round(seconds, 1), "peak_mb": round(peak)}
        print(f"full reindex of the folder: {seconds:.1f} s, peak {peak:.0f} MB\n  {summary}")
        latency = _latency(index, [LONG_MARKER, DEEP_MARKER, f"{DEEP_MARKER} cables"])
        results["search"] = latency
        print(
            f"search deep in long documents: p50 {latency['p50_ms']} ms, p95 {latency['p95_ms']} ms"
        )
        for q, hits in latency["hits"].items():  # type: ignore[union-attr]
            print(f"  {q!r}: {hits[-1]} hits, first {hits[:-1]}")

        alone = Path(tmp, "alone")
        alone.mkdir()
        shutil.copy(folder / "long-report.pdf", alone)
        seconds, peak, summary = _reindex(alone, Path(tmp, "index-long"))
        results["reindex_long"] = {"seconds": round(seconds, 1), "peak_mb": round(peak)}
        print(f"reindex of the {LONG_PAGES}-page PDF alone: {seconds:.1f} s, peak {peak:.0f} MB")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
