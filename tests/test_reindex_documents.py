"""A folder of documents, end to end: a reindex reads PDFs, Word files, e-mails with
attachments and scans, skips the bad ones with counted warnings, keeps the rest, and a search
finds a word on its page."""

from __future__ import annotations

import io
import zipfile
from email.message import EmailMessage
from pathlib import Path

import pytest
from docx import Document

from searchapp.ingest.readers import ocr
from searchapp.reindex import reindex
from searchapp.search import SearchEngine
from tests.ingest.readers.test_pdf import make_pdf, pdf_with_scan, prose, scan_png

needs_tesseract = pytest.mark.skipif(
    not ocr.tesseract_available(),
    reason="needs Tesseract: Debian's tesseract-ocr and tesseract-ocr-eng (make system)",
)


def _report(seed: int = 0) -> bytes:
    """20 pages, "quillfeather" on page 12."""
    pages = [prose(seed + n) for n in range(1, 21)]
    pages[11] += " The quillfeather cable was intercepted."
    return make_pdf(pages, title=f"Maritime security review {seed}", author="Jane Doe")


def _docx(text: str) -> bytes:
    document = Document()
    document.core_properties.title = "Briefing on convoys"
    document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _bomb() -> bytes:
    """A .docx whose document.xml unzips to 300 MB of zeros (about 300 KB zipped)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            block = b"\x00" * 1_000_000
            for _ in range(300):
                member.write(block)
    return buffer.getvalue()


def _mail(subject: str, body: str, attachment: tuple[str, bytes] | None = None) -> bytes:
    message = EmailMessage()
    message["From"] = "Ann Analyst <ann@example.org>"
    message["To"] = "desk@example.org"
    message["Subject"] = subject
    message["Date"] = "Tue, 21 Jul 2020 09:30:00 +0100"
    message["Message-ID"] = f"<{subject.replace(' ', '.')}@example.org>"
    message.set_content(body)
    if attachment:
        name, data = attachment
        message.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
    return bytes(message)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "review.pdf").write_bytes(_report())
    (seeds / "mislabelled.txt").write_bytes(make_pdf([prose(99) + " Zanzibar ferry."]))
    (seeds / "briefing.docx").write_bytes(_docx("The convoy sailed under escort at dawn."))
    (seeds / "corrupt.pdf").write_bytes(_report()[:1500])
    (seeds / "bomb.docx").write_bytes(_bomb())
    (seeds / "note.txt").write_text("Harbour note\n\nThe harbour was closed for a day.\n")
    mails = [
        _mail("Convoy schedule", "The convoy leaves on Monday.", ("plan.pdf", _report(100))),
        b"this is no message at all\n",
        _mail("Ferry delays", "The ferry is late again."),
    ]
    (seeds / "inbox.mbox").write_bytes(
        b"".join(b"From someone@example.org Tue Jul 21 09:30:00 2020\n" + m + b"\n" for m in mails)
    )
    return seeds


def _search(index: Path, text: str):
    engine = SearchEngine(index)
    try:
        return engine.search(text)
    finally:
        engine.close()


def test_a_folder_of_documents_is_read_and_its_bad_ones_counted(folder: Path, tmp_path: Path):
    index = tmp_path / "index"
    report = reindex(folder, index)
    reasons = {item.path: item.reason for item in report.skipped}
    assert "encrypted" not in " ".join(reasons.values())
    assert "not a readable PDF" in reasons["corrupt.pdf"]
    assert "unzip" in reasons["bomb.docx"] or "bomb" in reasons["bomb.docx"]
    assert any(path.startswith("inbox.mbox#message") for path in reasons), reasons
    assert report.files == 7 and report.files_skipped == 2
    # review, mislabelled, briefing, note, two messages and the attached plan
    assert report.added == 7, report.summary()
    assert f"skipped {len(report.skipped)}" in report.summary()

    page = _search(index, "quillfeather")
    hits = {hit.id: hit for hit in page.hits}
    assert set(hits) >= {"review"} and hits["review"].page == 12
    assert "<mark>quillfeather</mark>" in hits["review"].snippet
    # The attachment is its own article, on its page, linked to its message.
    attached = [hit for hit in page.hits if hit.parent]
    assert attached and attached[0].page == 12
    [message] = [
        hit for hit in _search(index, "convoy leaves").hits if hit.id == attached[0].parent
    ]
    assert message.title == "Convoy schedule" and message.author == "Ann Analyst"
    assert _search(index, "zanzibar").hits[0].id == "mislabelled"  # a PDF named .txt
    assert _search(index, "escort").hits[0].title == "Briefing on convoys"


def test_a_scanned_page_without_tesseract_is_skipped_with_the_package_named(
    folder: Path, tmp_path: Path, monkeypatch
):
    monkeypatch.setattr(ocr, "tesseract_available", lambda: False)
    (folder / "scanned.pdf").write_bytes(pdf_with_scan(2))
    (folder / "photo.png").write_bytes(scan_png("Harbour blockade"))
    report = reindex(folder, tmp_path / "index")
    reasons = {item.path: item.reason for item in report.skipped}
    assert "tesseract-ocr" in reasons["scanned.pdf#page 2"]
    assert "tesseract-ocr" in reasons["photo.png"]
    assert "scanned" in {hit.id for hit in _search(tmp_path / "index", prose(1).split()[0]).hits}


@needs_tesseract
def test_a_scanned_page_is_searchable_with_tesseract(folder: Path, tmp_path: Path):
    (folder / "photo.png").write_bytes(scan_png("Harbour blockade lifted"))
    reindex(folder, tmp_path / "index")
    assert "photo" in {hit.id for hit in _search(tmp_path / "index", "blockade").hits}
