"""The PDF reader on PDFs made here with fpdf2: text, metadata, page offsets, running headers,
scanned pages (with and without Tesseract), the page limit and broken files."""

from __future__ import annotations

import io
import random
from datetime import UTC, date, datetime

import pypdfium2 as pdfium
import pytest
from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont

from searchapp.errors import CorpusError
from searchapp.ingest.readers import common, ocr
from searchapp.ingest.readers.pdf import _metadata_title, _page_list, _pdf_date, read_pdf

needs_tesseract = pytest.mark.skipif(
    not ocr.tesseract_available(),
    reason="needs Tesseract: Debian's tesseract-ocr and tesseract-ocr-eng (make system)",
)

_WORDS = (
    "naval patrol vessel harbour cargo insurance convoy coastguard piracy ransom crew "
    "shipping lane trade route freighter tanker monitoring agency report incident region"
).split()


def prose(seed: int, sentences: int = 4) -> str:
    rng = random.Random(seed)
    return " ".join(
        " ".join(rng.choice(_WORDS) for _ in range(rng.randint(8, 14))).capitalize() + "."
        for _ in range(sentences)
    )


def make_pdf(
    pages: list[str],
    *,
    title: str | None = None,
    author: str | None = None,
    created: datetime | None = None,
    header: str | None = None,
    footer: str | None = None,
    heading: str | None = None,
    lang: str | None = None,
) -> bytes:
    """A PDF with one text per page; ``header`` and ``footer`` may hold ``{n}``, the page.
    ``lang`` is the catalog's /Lang."""
    pdf = FPDF()
    pdf.set_auto_page_break(False)
    if lang is not None:
        pdf.set_lang(lang)
    if title is not None:
        pdf.set_title(title)
    if author is not None:
        pdf.set_author(author)
    if created is not None:
        pdf.set_creation_date(created)
    for number, text in enumerate(pages, 1):
        pdf.add_page()
        if header:
            pdf.set_font("helvetica", size=9)
            pdf.set_xy(10, 8)
            pdf.cell(0, 5, header.format(n=number))
        pdf.set_xy(10, 20)
        if heading and number == 1:
            pdf.set_font("helvetica", "B", size=18)
            pdf.multi_cell(0, 9, heading)
            pdf.ln(4)
        pdf.set_font("helvetica", size=11)
        pdf.multi_cell(0, 5, text)
        if footer:
            pdf.set_font("helvetica", size=9)
            pdf.set_xy(10, 282)
            pdf.cell(0, 5, footer.format(n=number), align="C")
    return bytes(pdf.output())


def scan_png(text: str) -> bytes:
    image = Image.new("L", (1400, 500), 255)
    font = ImageFont.load_default(size=48)
    draw = ImageDraw.Draw(image)
    for row, line in enumerate(text.split("\n")):
        draw.text((60, 60 + row * 80), line, font=font, fill=0)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def pdf_with_scan(scan_page: int, pages: int = 3) -> bytes:
    """Text pages, and at ``scan_page`` an image of text without a text layer."""
    pdf = FPDF()
    for number in range(1, pages + 1):
        pdf.add_page()
        if number == scan_page:
            pdf.image(
                io.BytesIO(scan_png("Scanned letter about\nthe harbour blockade")), x=10, w=180
            )
        else:
            pdf.set_font("helvetica", size=11)
            pdf.multi_cell(0, 5, f"Typed page {number}. " + prose(number))
    return bytes(pdf.output())


def read(data: bytes):
    articles, skipped = read_pdf(data, "reports/r.pdf", "r")
    assert len(articles) == 1
    return articles[0], skipped


# --- Text and metadata ----------------------------------------------------------------------------


def test_metadata_gives_title_author_and_date():
    data = make_pdf(
        [prose(1), prose(2)],
        title="Maritime Security Review",
        author="Jane Doe",
        created=datetime(2020, 7, 21, 9, 30, tzinfo=UTC),
    )
    article, skipped = read(data)
    assert (article.title, article.author, article.published) == (
        "Maritime Security Review",
        "Jane Doe",
        date(2020, 7, 21),
    )
    assert article.headline and skipped == []
    assert article.id == "r" and article.path == "reports/r.pdf"


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("ru-RU", "ru"), ("EN-gb", "en"), ("fra", "fr"), ("x-klingon", ""), (None, "")],
)
def test_the_catalogs_lang_gives_the_language(lang: str | None, expected: str):
    article, _ = read(make_pdf([prose(1)], lang=lang))
    assert article.lang == expected


def test_without_metadata_the_title_is_page_ones_heading():
    data = make_pdf([prose(1), prose(2)], title="Microsoft Word - draft3.doc", heading="Piracy Now")
    article, _ = read(data)
    assert article.title == "Piracy Now" and article.headline
    assert not article.body.startswith("Piracy Now")
    assert article.pages[0] == 0 and article.page_at(article.body.index(prose(2)[:30])) == 2


def test_without_a_heading_the_title_is_the_first_sentence():
    article, _ = read(make_pdf(["Ships were seized near the coast. " + prose(1)]))
    assert article.title == "Ships were seized near the coast" and not article.headline
    assert article.body.startswith("Ships were seized")


@pytest.mark.parametrize(
    "title",
    ["", "report.docx", "Microsoft Word - x.doc", "untitled", "Untitled-1", "123-45", "..."],
)
def test_junk_metadata_titles_are_refused(title):
    assert _metadata_title(title) == ""


def test_a_real_metadata_title_is_kept():
    assert _metadata_title("  Annual\nThreat Assessment ") == "Annual Threat Assessment"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("D:20200721093000+01'00'", date(2020, 7, 21)),
        ("D:20200721", date(2020, 7, 21)),
        ("D:2019", date(2019, 1, 1)),
        ("20200721093000Z", date(2020, 7, 21)),
        ("2020-07-21T09:30:00", date(2020, 7, 21)),
        ("D:20201341", None),
        ("", None),
        ("garbage", None),
    ],
)
def test_pdf_dates(value, expected):
    assert _pdf_date(value) == expected


def test_a_word_hyphenated_across_lines_is_joined():
    article, _ = read(
        make_pdf(["Analysts rely on artificial intelli-\ngence to follow the ships."])
    )
    assert "intelligence" in article.body and "intelli-" not in article.body


def test_running_headers_footers_and_page_numbers_are_dropped():
    texts = [f"Page text {n}. " + prose(n) for n in range(1, 7)]
    data = make_pdf(
        texts, header="Maritime Review 2020 | Chapter {n}", footer="Page {n} of 6", title="Review"
    )
    article, _ = read(data)
    assert "Maritime Review" not in article.body
    assert "of 6" not in article.body
    for n, text in enumerate(texts, 1):
        assert article.page_at(article.body.index(text[:40])) == n


def test_headers_are_kept_in_a_short_document():
    data = make_pdf([prose(1), prose(2)], header="Maritime Review 2020", footer="- {n} -")
    article, _ = read(data)
    assert "Maritime Review 2020" in article.body  # too few pages to tell it repeats
    assert "- 1 -" not in article.body and "- 2 -" not in article.body  # page numbers go


def test_paragraphs_are_separated_by_the_gap_between_them():
    text = "First paragraph without a full stop\n\nSecond one starts here"
    article, _ = read(make_pdf([text], title="Review"))
    assert "First paragraph without a full stop\n\nSecond one starts here" in article.body


def test_page_offsets_of_a_word_on_page_12():
    texts = [prose(n) for n in range(1, 21)]
    texts[11] += " Zanzibarite"
    article, _ = read(make_pdf(texts))
    assert len(article.pages) == 20
    assert article.page_at(article.body.index("Zanzibarite")) == 12
    assert article.page_at(article.body.index(texts[0][:30])) == 1


def test_a_300_page_pdf_is_read_whole():
    texts = [f"Short page {n} of the long report." for n in range(1, 301)]
    texts[279] = "The unique word quixotry is on this page."
    article, _ = read(make_pdf(texts))
    assert len(article.pages) == 300
    assert article.page_at(article.body.index("quixotry")) == 280


def test_pages_beyond_max_pages_are_reported(monkeypatch):
    monkeypatch.setattr(common, "MAX_PAGES", 3)
    article, skipped = read(make_pdf([f"Text of page {n}." for n in range(1, 7)]))
    assert len(article.pages) == 3 and "page 4" not in article.body
    assert [(s.path, s.reason) for s in skipped] == [
        ("reports/r.pdf#pages 4-6", "not read: a document is read to page 3 (MAX_PAGES)")
    ]


def test_page_lists():
    assert _page_list([3]) == "page 3"
    assert _page_list([3, 5, 6, 7]) == "pages 3, 5-7"
    assert _page_list([1, 2, 9]) == "pages 1-2, 9"


def test_blank_pages_keep_their_offsets():
    article, _ = read(make_pdf(["First page text.", "", "Third page text."]))
    assert article.pages == (0, 18, 18)
    assert article.page_at(article.body.index("Third")) == 3


# --- Scanned pages --------------------------------------------------------------------------------


def test_a_scanned_page_without_tesseract_is_reported_and_the_rest_kept(monkeypatch):
    monkeypatch.setattr(ocr, "tesseract_available", lambda: False)
    article, skipped = read(pdf_with_scan(scan_page=2))
    assert "Typed page 1" in article.body and "Typed page 3" in article.body
    assert [s.path for s in skipped] == ["reports/r.pdf#page 2"]
    assert "tesseract-ocr" in skipped[0].reason and "no text layer" in skipped[0].reason


def test_an_all_scanned_pdf_without_tesseract_is_refused(monkeypatch):
    monkeypatch.setattr(ocr, "tesseract_available", lambda: False)
    with pytest.raises(CorpusError, match=r"no text: the PDF's page has no text layer.*tesseract"):
        read(pdf_with_scan(scan_page=1, pages=1))


@needs_tesseract
def test_a_scanned_page_is_read_by_ocr():
    article, skipped = read(pdf_with_scan(scan_page=2))
    assert skipped == []
    where = article.body.lower().index("harbour blockade")
    assert article.page_at(where) == 2


# --- Broken PDFs ----------------------------------------------------------------------------------


def test_an_encrypted_pdf_is_refused():
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica")
    pdf.cell(text="Secret text.")
    pdf.set_encryption(owner_password="owner", user_password="user")
    with pytest.raises(CorpusError, match="encrypted: the PDF needs a password"):
        read(bytes(pdf.output()))


def test_a_pdf_encrypted_for_its_owner_only_is_read():
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica")
    pdf.cell(text="Readable but not editable.")
    pdf.set_encryption(owner_password="owner")
    article, _ = read(bytes(pdf.output()))
    assert "Readable but not editable" in article.body


def test_a_truncated_pdf_is_refused():
    data = make_pdf([prose(1), prose(2)])
    with pytest.raises(CorpusError, match="not a readable PDF"):
        read(data[: len(data) // 2])


def test_garbage_after_a_pdf_header_is_refused():
    data = b"%PDF-1.7\n" + random.Random(1).randbytes(5000)
    with pytest.raises(CorpusError, match="not a readable PDF"):
        read(data)


@pytest.mark.parametrize("data", [b"", b"  \n"])
def test_an_empty_file_is_refused(data):
    with pytest.raises(CorpusError, match="empty file"):
        read(data)


def pageless_pdf() -> bytes:
    """A well-formed PDF whose page tree is empty (fpdf2 always adds a page)."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.writelines(b"%010d 00000 n \n" % offset for offset in offsets)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1))
    out.write(b"startxref\n%d\n%%%%EOF\n" % xref)
    return out.getvalue()


def test_a_pdf_without_pages_is_refused():
    with pytest.raises(CorpusError, match="the PDF has no pages"):
        read(pageless_pdf())


def test_a_pdfium_pdf_without_pages_is_refused():
    buffer = io.BytesIO()
    pdfium.PdfDocument.new().save(buffer)
    with pytest.raises(CorpusError, match="pages|not a readable PDF"):
        read(buffer.getvalue())


def test_a_pdf_of_blank_pages_is_refused():
    with pytest.raises(CorpusError, match="no text: the PDF's pages are blank"):
        read(make_pdf(["", ""]))


def test_a_page_whose_text_fails_is_skipped(monkeypatch):
    from searchapp.ingest.readers import pdf as pdf_reader

    real = pdf_reader._page_text

    def failing(document, index):
        if index == 1:
            raise pdfium.PdfiumError("Failed to load text page.")
        return real(document, index)

    monkeypatch.setattr(pdf_reader, "_page_text", failing)
    article, skipped = read(make_pdf(["One.", "Two.", "Three."]))
    assert "Two" not in article.body and "Three" in article.body
    assert [s.path for s in skipped] == ["reports/r.pdf#page 2"]
    assert "text not readable" in skipped[0].reason


@needs_tesseract
def test_scanned_pages_read_side_by_side_stay_on_their_pages(monkeypatch):
    monkeypatch.setattr(ocr, "OCR_WORKERS", 2)
    pdf = FPDF()
    words = ["Harbour", "Lighthouse", "Customs", "Warehouse", "Ferry"]
    for word in words:
        pdf.add_page()
        pdf.image(io.BytesIO(scan_png(f"{word} report\nfiled today")), x=10, w=180)
    article, skipped = read(bytes(pdf.output()))
    assert skipped == []
    for number, word in enumerate(words, 1):
        assert article.page_at(article.body.index(word)) == number
