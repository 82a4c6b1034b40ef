"""The PDF reader on a real published document: the freedesktop.org Shared MIME-info
specification that Debian's shared-mime-info package ships (Chromium depends on it). Each
page's words are checked against pypdf's reading of the same page."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from searchapp.ingest.readers.pdf import read_pdf

SPEC = Path("/usr/share/doc/shared-mime-info/shared-mime-info-spec.pdf")

pytestmark = pytest.mark.skipif(
    not SPEC.is_file(), reason="needs Debian's shared-mime-info (installed by make system)"
)


def test_a_real_specification_is_read_whole_with_its_pages():
    data = SPEC.read_bytes()
    [article], skipped = read_pdf(data, "spec.pdf", "spec")
    reference = [page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages]
    assert skipped == [] and len(article.pages) == len(reference) > 10
    # Words that occur on one page only (by pypdf): read by us on that page too.
    pages_of: dict[str, set[int]] = {}
    for number, text in enumerate(reference, 1):
        for word in set(re.findall(r"[A-Za-z]{9,}", text)):
            pages_of.setdefault(word, set()).add(number)
    unique = {word: pages.pop() for word, pages in pages_of.items() if len(pages) == 1}
    checked = [
        (word, page)
        for word, page in unique.items()
        if len(re.findall(rf"\b{word}\b", article.body)) == 1
    ]
    assert len(checked) > 50
    placed = sum(article.page_at(article.body.index(word)) == page for word, page in checked)
    assert placed / len(checked) > 0.95, (placed, len(checked))
