"""What a file is, from its first bytes before its name: a PDF named ``.txt`` is still a PDF,
and a text file named ``.pdf`` is not one. Also each format's media type, which the original
file is served with."""

from __future__ import annotations

import io
import zipfile

# Formats, by the suffixes that name them (lowercased).
SUFFIX_FORMATS = {
    ".txt": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".csv": "csv",
    ".xml": "feed",
    ".rss": "feed",
    ".atom": "feed",
    ".pdf": "pdf",
    ".docx": "docx",
    ".odt": "odt",
    ".eml": "eml",
    ".mbox": "mbox",
    ".png": "image",
    ".jpg": "image",
    ".jpeg": "image",
    ".tif": "image",
    ".tiff": "image",
}
# Formats read from binary files (limited in size: MAX_DOCUMENT_BYTES).
BINARY_FORMATS = frozenset({"pdf", "docx", "odt", "image"})

_IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old Office files, and encrypted new ones
_ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"

_MEDIA_TYPES = {
    "text": "text/plain; charset=utf-8",
    "markdown": "text/markdown; charset=utf-8",
    "html": "text/html",
    "json": "application/json",
    "jsonl": "application/x-ndjson",
    "csv": "text/csv",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "odt": "application/vnd.oasis.opendocument.text",
    "eml": "message/rfc822",
    "mbox": "application/mbox",
}
_IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}


def suffix(relpath: str) -> str:
    """The file name's suffix, lowercased ("" without one; a dot file has none)."""
    name = relpath.rsplit("/", 1)[-1]
    return "." + name.rsplit(".", 1)[-1].lower() if "." in name.lstrip(".") else ""


def detect_format(data: bytes, relpath: str) -> str | None:
    """The format of a file with these bytes and this name: the one its content shows where
    it has a signature (PDF, Office, OpenDocument, PNG, JPEG, TIFF), else its suffix's; None
    for neither."""
    named = SUFFIX_FORMATS.get(suffix(relpath))
    head = data[:1024]
    # The PDF specification lets a header start within the first 1,024 bytes.
    if head.startswith(b"%PDF-") or (named == "pdf" and b"%PDF-" in head):
        return "pdf"
    if head.startswith(_IMAGE_MAGIC):
        return "image"
    if head.startswith(b"PK\x03\x04"):
        return _zip_format(data) or named
    if head.startswith(_OLE_MAGIC) and named not in ("docx", "odt"):
        return "ole"
    return named


def _zip_format(data: bytes) -> str | None:
    """docx or odt from the archive's own members; None for another zip."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "word/document.xml" in names:
                return "docx"
            if "mimetype" in names and archive.read("mimetype").strip() == _ODT_MIMETYPE:
                return "odt"
    except (zipfile.BadZipFile, OSError, ValueError, KeyError, RuntimeError):
        return None
    return None


def media_type(data_head: bytes, relpath: str) -> str:
    """The media type to serve a file with (its content's format, else its suffix's)."""
    fmt = detect_format(data_head, relpath)
    if fmt == "image":
        if data_head.startswith(b"\x89PNG"):
            return "image/png"
        if data_head.startswith(b"\xff\xd8\xff"):
            return "image/jpeg"
        if data_head.startswith((b"II*\x00", b"MM\x00*")):
            return "image/tiff"
        return _IMAGE_TYPES.get(suffix(relpath), "application/octet-stream")
    if fmt == "feed":
        return "application/atom+xml" if suffix(relpath) == ".atom" else "application/xml"
    return _MEDIA_TYPES.get(fmt or "", "application/octet-stream")
