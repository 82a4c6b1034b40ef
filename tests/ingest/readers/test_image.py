"""The image reader and the OCR module on scans drawn here with Pillow: PNG, JPEG, a two-page
TIFF, no Tesseract, no text, broken and oversized images."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageDraw, ImageFont

from searchapp.errors import CorpusError
from searchapp.ingest.readers import common, ocr
from searchapp.ingest.readers.image import read_image

needs_tesseract = pytest.mark.skipif(
    not ocr.tesseract_available(),
    reason="needs Tesseract: Debian's tesseract-ocr and tesseract-ocr-eng (make system)",
)


def scan(lines: list[str]) -> Image.Image:
    image = Image.new("L", (1600, 120 + 90 * len(lines)), 255)
    font = ImageFont.load_default(size=48)
    draw = ImageDraw.Draw(image)
    for row, line in enumerate(lines):
        draw.text((60, 60 + row * 90), line, font=font, fill=0)
    return image


def encoded(image: Image.Image, kind: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, kind, **options)
    return buffer.getvalue()


LETTER = [
    "Harbour Blockade Report",
    "",
    "The convoy reached the port at dawn.",
    "No ship was lost.",
]


def read(data: bytes, name: str = "scans/letter.png"):
    articles, skipped = read_image(data, name, "letter")
    assert len(articles) == 1
    return articles[0], skipped


@needs_tesseract
@pytest.mark.parametrize(("kind", "name"), [("PNG", "a.png"), ("JPEG", "a.jpg")])
def test_a_scanned_image_is_read(kind, name):
    article, skipped = read(
        encoded(scan(LETTER), kind, **({"quality": 95} if kind == "JPEG" else {})), name
    )
    assert skipped == []
    assert article.title == "Harbour Blockade Report" and article.headline
    assert "convoy reached the port" in article.body
    assert article.pages == (0,) and article.path == name


@needs_tesseract
def test_each_frame_of_a_tiff_is_a_page():
    first = scan(["The first page is about patrols."])
    second = scan(["The second page is about insurance."])
    data = encoded(first, "TIFF", save_all=True, append_images=[second])
    article, skipped = read(data, "scans/two.tiff")
    assert skipped == [] and len(article.pages) == 2
    assert article.page_at(article.body.index("insurance")) == 2
    assert article.page_at(article.body.index("patrols")) == 1


@needs_tesseract
def test_frames_beyond_max_pages_are_reported(monkeypatch):
    monkeypatch.setattr(common, "MAX_PAGES", 1)
    pages = [scan([f"Page number {word} of the file."]) for word in ("one", "two", "three")]
    data = encoded(pages[0], "TIFF", save_all=True, append_images=pages[1:])
    article, skipped = read(data, "s.tif")
    assert len(article.pages) == 1
    assert [(s.path, s.reason) for s in skipped] == [
        ("s.tif#pages 2-3", "not read: a document is read to page 1 (MAX_PAGES)")
    ]


@needs_tesseract
def test_an_image_without_text_is_refused():
    with pytest.raises(CorpusError, match="no text found by OCR in the image"):
        read(encoded(Image.new("L", (400, 300), 255), "PNG"))


@needs_tesseract
def test_ocr_image_takes_bytes_and_images():
    image = scan(["Bytes or images alike."])
    assert "Bytes or images alike" in ocr.ocr_image(encoded(image, "PNG"))
    assert "Bytes or images alike" in ocr.ocr_image(image, dpi=300)


def test_ocr_failure_is_a_corpus_error():
    if not ocr.tesseract_available():
        pytest.skip("needs Tesseract: Debian's tesseract-ocr and tesseract-ocr-eng (make system)")
    with pytest.raises(CorpusError, match="OCR failed"):
        ocr.ocr_image(b"not an image at all")


def test_without_tesseract_an_image_is_refused_with_the_install_hint(monkeypatch):
    monkeypatch.setattr(ocr, "tesseract_available", lambda: False)
    with pytest.raises(
        CorpusError, match=r"a scanned image: OCR needs Tesseract: install tesseract-ocr"
    ):
        read(encoded(scan(LETTER), "PNG"))


def test_missing_tesseract_command_is_reported(monkeypatch):
    monkeypatch.setattr(ocr, "_COMMAND", "no-such-tesseract-command")
    with pytest.raises(CorpusError, match="OCR needs Tesseract"):
        ocr.ocr_image(b"")


def test_a_corrupt_image_is_refused():
    with pytest.raises(CorpusError, match=r"not a readable image \("):
        read(b"\x89PNG\r\n\x1a\n" + b"garbage" * 50)


def test_a_truncated_image_is_refused(monkeypatch):
    monkeypatch.setattr(ocr, "tesseract_available", lambda: True)
    data = encoded(scan(LETTER), "PNG")
    with pytest.raises(CorpusError, match="not a readable image"):
        read(data[: len(data) // 2])


def test_an_empty_file_is_refused():
    with pytest.raises(CorpusError, match="empty file"):
        read(b"")


def test_a_decompression_bomb_is_refused(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    with pytest.raises(CorpusError, match="image too large"):
        read(encoded(Image.new("L", (100, 100), 255), "PNG"))
