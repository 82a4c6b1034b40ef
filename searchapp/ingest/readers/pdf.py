"""PDF files (``.pdf``): one paged article, its text read by pypdfium2 page by page, scanned
pages read by OCR (:mod:`.ocr`), running headers, footers and page numbers dropped.

pypdfium2 is the fastest of the PDF libraries measured (``benchmarks/pdf_libraries.py``) and
opens damaged files the others refuse. Pages are opened and closed one at a time, so a
2,000-page report is read in little memory: only its text is kept.
"""

from __future__ import annotations

import ctypes
import re
from collections import Counter, deque
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from statistics import median

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image

# The modules, which tests patch (common.MAX_PAGES, ocr.tesseract_available), by full name:
# `from . import` would name the package, whose __init__ imports this module.
import searchapp.ingest.readers.common as common
import searchapp.ingest.readers.ocr as ocr

from ...errors import CorpusError
from ...text.article import Article, clean_paragraphs, join_pages, split_title
from ..discover import Skipped
from .common import _authors, _cap_title, _one_line, _same_text, language_code
from .dates import _parse_date

# A page with less text than this and an image on it is a scan (a page number or a stray mark
# may sit in a text layer over the image).
_SCAN_MAX_CHARS = 10
# Rendering for OCR at 300 dpi, but never a bitmap bigger than this (a poster-sized page).
_RENDER_MAX_PIXELS = 60_000_000
# Running headers and footers are looked for in documents of at least this many pages, among
# the lines this near a page's top or bottom.
_FURNITURE_MIN_PAGES = 4
_FURNITURE_LINES = 2
# A running header is short; a longer line repeated on every page is text.
_FURNITURE_MAX_CHARS = 120
_FURNITURE_MAX_WORDS = 12
# A gap between two lines this many times the page's usual line spacing ends a paragraph.
_PARAGRAPH_GAP = 1.5
# A line whose letters are this much bigger or smaller than the previous line's starts a new
# paragraph (a heading).
_SIZE_CHANGE = 0.2

# pdfium marks a hyphen that ends a line with U+FFFE (older versions with U+0002) and joins the
# two lines; other control characters are noise from broken fonts.
_SOFT_HYPHEN = re.compile(r"[\ufffe\x02](?=\s*\w)")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
_LIGATURES = str.maketrans(
    {"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st"}
)
_HYPHENATED = re.compile(r"(\w)-\n(?=[a-zà-ÿ])")
# "12", "Page 12", "12 of 300", "- 12 -", "[xii]".
_PAGE_NUMBER = re.compile(
    r"[\s\-–—|\[(]*(?:page|p\.|pg\.?)?\s*(?:\d{1,5}|[ivx]{1,6})"
    r"(?:\s*(?:of|/)\s*\d{1,5})?[\s\-–—|\])]*",
    re.IGNORECASE,
)
_DIGITS = re.compile(r"\d+")

# Titles that name a file or a template rather than the document.
_JUNK_TITLE = re.compile(
    r"(?:microsoft (?:word|powerpoint|excel) - .*"
    r"|.*\.(?:docx?|pdf|pptx?|xlsx?|rtf|odt|odp|txt|html?|indd|qxd|tex|dvi|e?ps|pub|wpd)"
    r"|untitled\b.*|document\d*|title|slide \d+|powerpoint presentation|[\W\d_]*)",
    re.IGNORECASE,
)
_JUNK_AUTHOR = re.compile(
    r"administrator|admin|user|owner|unknown|author|microsoft office user|[\W\d_]*",
    re.IGNORECASE,
)
_PDF_DATE = re.compile(r"D:\s*(\d{4})(\d\d)?(\d\d)?|(\d{4})(\d\d)(\d\d)(?:\d{6})?(?:Z|[+-].*)?$")

_NO_TEXT_LAYER = f"no text layer; {ocr.OCR_MISSING}"


def read_pdf(data: bytes, relpath: str, file_id: str) -> tuple[list[Article], list[Skipped]]:
    """The PDF as one paged article (:attr:`~searchapp.text.article.Article.pages`), with the
    title, author and date its metadata states and the language its catalog does (``/Lang``);
    pages that could not be read are reported."""
    if not data.strip():
        raise CorpusError("empty file")
    document = _open(data)
    try:
        metadata = _metadata(document)
        lang = _catalog_language(document)
        page_count = len(document)
        if page_count == 0:
            raise CorpusError("the PDF has no pages")
        lines, skipped, facts = _read_pages(document, relpath, page_count)
    finally:
        document.close()
    pages = clean_pages(lines)
    if not any(pages):
        raise CorpusError(_no_text_reason(facts, page_count))

    title = _metadata_title(metadata.get("Title", ""))
    first = next(i for i, page in enumerate(pages) if page)
    if title:
        headline = True
        if len(pages[first]) > 1 and _same_text(pages[first][0], title):
            pages[first] = pages[first][1:]  # the title page repeats the title
    else:
        title, pages[first], headline = split_title(pages[first])
    body, starts = join_pages(pages)
    article = Article(
        file_id,
        _cap_title(title),
        body,
        relpath,
        headline,
        published=_pdf_date(metadata.get("CreationDate", "")),
        author=_metadata_author(metadata.get("Author", "")),
        pages=starts,
        lang=lang,
    )
    return [article], skipped


def _open(data: bytes) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        code = getattr(exc, "err_code", None)
        if code == pdfium_c.FPDF_ERR_PASSWORD:
            raise CorpusError("encrypted: the PDF needs a password") from exc
        if code == pdfium_c.FPDF_ERR_SECURITY:
            raise CorpusError("encrypted: the PDF uses an unsupported security handler") from exc
        if _looks_pageless(data):
            # pdfium refuses a document without pages as malformed.
            raise CorpusError("the PDF has no pages") from exc
        detail = str(exc).removeprefix("Failed to load document ").strip("().")
        raise CorpusError(f"not a readable PDF ({detail or 'pdfium cannot parse it'})") from exc


def _looks_pageless(data: bytes) -> bool:
    """Whether the file's page tree, written out uncompressed, is empty."""
    return (
        re.search(rb"/Type\s*/Pages\b", data) is not None
        and re.search(rb"/Count\s+0\b", data) is not None
        and re.search(rb"/Type\s*/Page(?![s\w])", data) is None
    )


def _metadata(document: pdfium.PdfDocument) -> dict[str, str]:
    try:
        return document.get_metadata_dict(skip_empty=True)
    except (pdfium.PdfiumError, UnicodeDecodeError, ValueError):
        return {}


# A catalog's /Lang longer than this (in UTF-16 bytes) is no language tag.
_LANG_MAX_BYTES = 512


def _catalog_language(document: pdfium.PdfDocument) -> str:
    """The document's language as its catalog states it (``/Lang``, a tag such as "ru-RU"),
    :func:`.common.language_code`; "" when it states none."""
    try:
        size = pdfium_c.FPDFCatalog_GetLanguage(document, None, 0)
        if size <= 2 or size > _LANG_MAX_BYTES:  # 2: just the terminating NUL
            return ""
        buffer = ctypes.create_string_buffer(size)
        pdfium_c.FPDFCatalog_GetLanguage(
            document, ctypes.cast(buffer, ctypes.POINTER(pdfium_c.FPDF_WCHAR)), size
        )
    except (AttributeError, TypeError, ctypes.ArgumentError, pdfium.PdfiumError):
        return ""  # a pdfium without the call, or a catalog it cannot read
    return language_code(buffer.raw[:size].decode("utf-16-le", "replace").rstrip("\x00"))


# --- Pages ----------------------------------------------------------------------------------------


@dataclass
class _Facts:
    """What the pages were like, to explain a document without text."""

    scans_unread: list[int] = field(default_factory=list)  # scans skipped: no Tesseract
    scans_read: int = 0
    blank: int = 0
    unreadable: list[str] = field(default_factory=list)  # why each failed page failed


def _read_pages(
    document: pdfium.PdfDocument, relpath: str, page_count: int
) -> tuple[list[list[str]], list[Skipped], _Facts]:
    """Each page's lines (an empty string between paragraphs), up to ``MAX_PAGES``, and the
    pages that could not be read. Scanned pages are rendered here, one at a time (PDFium is
    not thread-safe), and read by Tesseract processes running side by side, a few ahead."""
    limit = common.MAX_PAGES
    can_ocr: bool | None = None  # asked on the first scanned page only
    facts = _Facts()
    pages: list[list[str]] = []
    skipped: list[Skipped] = []
    pending: deque[tuple[int, Future[str]]] = deque()  # page number, its OCR
    with ThreadPoolExecutor(max_workers=ocr.OCR_WORKERS) as pool:

        def settle() -> None:
            number, future = pending.popleft()
            try:
                read = future.result().split("\n")
            except CorpusError as exc:
                skipped.append(Skipped(f"{relpath}#page {number}", exc.message))
                return
            facts.scans_read += 1
            if any(line.strip() for line in read):
                pages[number - 1] = read  # else the few letters of the text layer, if any

        for number in range(1, min(page_count, limit) + 1):
            try:
                lines, scan = _page_text(document, number - 1)
            except Exception as exc:  # a broken page costs that page, not the whole file
                reason = f"text not readable ({exc})"
                skipped.append(Skipped(f"{relpath}#page {number}", reason))
                facts.unreadable.append(reason)
                pages.append([])
                continue
            pages.append(lines)
            if scan:
                if can_ocr is None:
                    can_ocr = ocr.tesseract_available()
                if can_ocr:
                    try:
                        image, dpi = _render(document, number - 1)
                    except Exception as exc:  # that page only, as a failed text layer
                        reason = f"not rendered for OCR ({exc})"
                        skipped.append(Skipped(f"{relpath}#page {number}", reason))
                        continue
                    pending.append((number, pool.submit(ocr.ocr_image, image, dpi=dpi)))
                    # Rendered pages waiting for OCR are held in memory: only a few.
                    while len(pending) > 2 * ocr.OCR_WORKERS:
                        settle()
                else:
                    facts.scans_unread.append(number)
            elif not any(lines):
                facts.blank += 1
        while pending:
            settle()
    if facts.scans_unread:
        where = _page_list(facts.scans_unread)
        skipped.append(Skipped(f"{relpath}#{where}", _NO_TEXT_LAYER))
    if page_count > limit:
        where = (
            f"page {page_count}" if page_count == limit + 1 else f"pages {limit + 1}-{page_count}"
        )
        reason = f"not read: a document is read to page {limit:,} (MAX_PAGES)"
        skipped.append(Skipped(f"{relpath}#{where}", reason))
    return pages, skipped, facts


def _page_text(document: pdfium.PdfDocument, index: int) -> tuple[list[str], bool]:
    """The page's lines, and whether it is a scan (no text layer, but something drawn)."""
    page = document[index]
    try:
        textpage = page.get_textpage()
        try:
            text = textpage.get_text_range()
            lines = _lines(textpage, text)
        finally:
            textpage.close()
        if len("".join(text.split())) >= _SCAN_MAX_CHARS:
            return lines, False
        image = next(iter(page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,))), None)
        drawn = not text.strip() and pdfium_c.FPDFPage_CountObjects(page) > 0
        return lines, image is not None or drawn
    finally:
        page.close()


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _lines(textpage: pdfium.PdfTextPage, text: str) -> list[str]:
    """The page's text lines, with an empty string where a gap or a change of type size
    between two lines ends a paragraph (pdfium marks neither)."""
    raw_lines = _LINE_BREAK.split(text)
    cleaned = [
        _CONTROL.sub("", _SOFT_HYPHEN.sub("", line).translate(_LIGATURES)) for line in raw_lines
    ]
    if len(raw_lines) < 2:
        return cleaned
    # Where each line sits: the bottom and height of its first letter's box, sized by the font.
    boxes: list[tuple[float, float] | None] = []
    for offset in [0, *(match.end() for match in _LINE_BREAK.finditer(text))]:
        char = pdfium_c.FPDFText_GetCharIndexFromTextIndex(textpage, offset)
        if char < 0:
            boxes.append(None)
            continue
        _left, bottom, _right, top = textpage.get_charbox(char, loose=True)
        boxes.append((bottom, top - bottom) if top > bottom else None)
    pitches = [
        a[0] - b[0]
        for a, b in zip(boxes, boxes[1:], strict=False)
        if a and b and a[0] > b[0] and abs(a[1] - b[1]) <= _SIZE_CHANGE * a[1]
    ]
    # Too few lines to tell the usual spacing: single spacing is assumed.
    usual = median(pitches) if len(pitches) >= 3 else None
    lines = [cleaned[0]]
    for line, before, here in zip(cleaned[1:], boxes[:-1], boxes[1:], strict=True):
        if before and here and _paragraph_break(before, here, usual):
            lines.append("")
        lines.append(line)
    return lines


def _paragraph_break(
    before: tuple[float, float], here: tuple[float, float], usual: float | None
) -> bool:
    (bottom_before, size_before), (bottom, size) = before, here
    if abs(size - size_before) > _SIZE_CHANGE * size_before:
        return True
    pitch = bottom_before - bottom
    if pitch <= 0:  # up the page: the next column, which may continue the paragraph
        return False
    return pitch > _PARAGRAPH_GAP * (usual if usual else 1.2 * size)


def _render(document: pdfium.PdfDocument, index: int) -> tuple[Image.Image, int]:
    """The page as a greyscale image for OCR, and its resolution in dpi."""
    page = document[index]
    try:
        width, height = page.get_size()  # in points, 72 to the inch
        scale = ocr.OCR_DPI / 72
        if width * height * scale * scale > _RENDER_MAX_PIXELS:
            scale = (_RENDER_MAX_PIXELS / (width * height)) ** 0.5
        bitmap = page.render(scale=scale, grayscale=True)
        image = bitmap.to_pil()
        bitmap.close()
    finally:
        page.close()
    return image, round(72 * scale)


def _page_list(numbers: list[int]) -> str:
    """``"page 3"``, ``"pages 3, 5-7"``."""
    ranges: list[str] = []
    start = previous = numbers[0]
    for number in [*numbers[1:], None]:
        if number is not None and number == previous + 1:
            previous = number
            continue
        ranges.append(str(start) if start == previous else f"{start}-{previous}")
        if number is not None:
            start = previous = number
    single = len(numbers) == 1
    return f"page {ranges[0]}" if single else f"pages {', '.join(ranges)}"


def _no_text_reason(facts: _Facts, page_count: int) -> str:
    pages = "page has" if page_count == 1 else f"{page_count:,} pages have"
    if facts.scans_unread:
        scans = len(facts.scans_unread)
        which = f"the PDF's {pages}" if scans == page_count else f"{scans:,} of its pages have"
        return f"no text: {which} no text layer (scanned?) and {ocr.OCR_MISSING}"
    if len(facts.unreadable) == page_count:
        return f"no text: no page's text could be read (first: {facts.unreadable[0]})"
    if facts.scans_read:
        return "no text: the PDF's pages have no text layer and OCR found no text on them"
    if facts.blank == page_count:
        return "no text: the PDF's pages are blank"
    return "no text in the PDF (only headers, footers and page numbers)"


# --- Cleaning -------------------------------------------------------------------------------------


def clean_pages(pages: list[list[str]]) -> list[list[str]]:
    """Each page's paragraphs from its lines (an empty line between paragraphs): running
    headers and footers and page numbers dropped, words hyphenated across lines joined. Used
    for PDF pages and for scans read by OCR (:mod:`.image`)."""
    top, bottom = _running_lines(pages)
    cleaned = []
    for lines in pages:
        lines = _strip_edge(lines, top)
        lines = _strip_edge(lines[::-1], bottom)[::-1]
        text = _HYPHENATED.sub(r"\1", "\n".join(line.rstrip() for line in lines))
        cleaned.append(clean_paragraphs(text))
    return cleaned


def _furniture_key(line: str) -> str:
    return _DIGITS.sub("#", " ".join(line.lower().split()))


def _edge_lines(lines: list[str]) -> list[str]:
    edge = [line for line in lines if line.strip()][:_FURNITURE_LINES]
    return [
        line
        for line in edge
        if len(line.strip()) <= _FURNITURE_MAX_CHARS and len(line.split()) <= _FURNITURE_MAX_WORDS
    ]


def _running_lines(pages: list[list[str]]) -> tuple[set[str], set[str]]:
    """The lines repeated (digits aside) at the top, and at the bottom, of most pages."""
    with_text = [lines for lines in pages if any(line.strip() for line in lines)]
    if len(pages) < _FURNITURE_MIN_PAGES or len(with_text) < _FURNITURE_MIN_PAGES - 1:
        return set(), set()
    found = []
    for edge in (_edge_lines, lambda lines: _edge_lines(lines[::-1])):
        counts: Counter[str] = Counter()
        for lines in with_text:
            counts.update({_furniture_key(line) for line in edge(lines)})
        found.append(
            {key for key, n in counts.items() if key and n >= 3 and 2 * n > len(with_text)}
        )
    return found[0], found[1]


def _strip_edge(lines: list[str], running: set[str]) -> list[str]:
    """``lines`` without the page numbers and running lines at their start."""
    dropped = 0
    for position, line in enumerate(lines):
        if not line.strip():
            continue
        if dropped > _FURNITURE_LINES or not _is_furniture(line, running):
            return lines[position:]
        dropped += 1
    return []


def _is_furniture(line: str, running: Iterable[str]) -> bool:
    stripped = line.strip()
    return _PAGE_NUMBER.fullmatch(stripped) is not None or _furniture_key(stripped) in running


# --- Metadata -------------------------------------------------------------------------------------


def _metadata_title(value: str) -> str:
    title = _one_line(_CONTROL.sub("", value))
    return "" if _JUNK_TITLE.fullmatch(title) else title


def _metadata_author(value: str) -> str:
    author = _one_line(_CONTROL.sub("", value))
    return "" if _JUNK_AUTHOR.fullmatch(author) else _authors(author)


def _pdf_date(value: str) -> date | None:
    """The date of a PDF date (``D:20200721093000+01'00'``, the year alone allowed), or of
    another format some producers write instead."""
    value = value.strip()
    match = _PDF_DATE.match(value)
    if match:
        parts = match.groups()[:3] if match.group(1) else match.groups()[3:]
        year, month, day = (int(part) if part else 1 for part in parts)
        try:
            return _parse_date(date(year, month, day))
        except ValueError:
            return None
    return _parse_date(value)
