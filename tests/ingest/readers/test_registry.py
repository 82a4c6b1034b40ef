"""The registry: a file's format by its content before its name, the size limit of binary
documents, and attachments of attached e-mails read to a depth."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from searchapp.errors import CorpusError
from searchapp.ingest.readers import parse_file, registry
from searchapp.ingest.readers.sniff import detect_format, media_type
from tests.ingest.readers.test_pdf import make_pdf, prose


def test_content_decides_over_the_name():
    pdf = make_pdf([prose(1)])
    assert detect_format(pdf, "report.txt") == "pdf"
    assert detect_format(b"\x89PNG\r\n\x1a\n....", "scan.txt") == "image"
    assert detect_format(b"Just text.", "notes.pdf") == "pdf"  # refused by the PDF reader
    assert detect_format(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1....", "old.txt") == "ole"
    assert detect_format(b"text", "a.doc") is None
    [article] = parse_file(pdf, "report.txt", "report").articles
    assert article.pages == (0,)
    with pytest.raises(CorpusError, match="not a readable PDF"):
        parse_file(b"Just text, not a PDF at all.", "notes.pdf", "notes")
    with pytest.raises(CorpusError, match="old Office file"):
        parse_file(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "old.txt", "old")


def test_media_types_follow_the_content():
    assert media_type(make_pdf([prose(2)])[:1024], "report.txt") == "application/pdf"
    assert media_type(b"\x89PNG\r\n\x1a\n", "scan.png") == "image/png"
    assert media_type(b"II*\x00", "scan.tif") == "image/tiff"
    assert media_type(b"Hello", "note.txt") == "text/plain; charset=utf-8"
    assert media_type(b"<rss/>", "feed.atom") == "application/atom+xml"


def test_binary_documents_over_the_size_limit_are_refused(monkeypatch):
    monkeypatch.setattr(registry, "MAX_DOCUMENT_BYTES", 1000)
    with pytest.raises(CorpusError, match="too big to read"):
        parse_file(make_pdf([prose(n) for n in range(5)]), "big.pdf", "big")
    [article] = parse_file(("Title\n\n" + "word " * 400).encode(), "long.txt", "long").articles
    assert article.title == "Title"  # text formats have no byte limit


def _nested(depth: int) -> bytes:
    """An e-mail carrying an e-mail carrying … ``depth`` levels, as plain attachments."""
    inner = b""
    for level in range(depth, 0, -1):
        message = EmailMessage()
        message["Subject"] = f"Level {level}"
        message["From"] = "a@example.org"
        message.set_content(f"The message of level {level}.")
        if inner:
            message.add_attachment(
                inner, maintype="application", subtype="octet-stream", filename=f"l{level + 1}.eml"
            )
        inner = bytes(message)
    return inner


def test_attached_e_mails_are_read_to_a_depth():
    parsed = parse_file(_nested(6), "mail.eml", "mail")
    titles = {article.title for article in parsed.articles}
    assert {"Level 1", "Level 2", "Level 3", "Level 4"} <= titles
    assert "Level 6" not in titles
    assert any("nested more than" in item.reason for item in parsed.skipped)
