"""Word and OpenDocument text files: text in document order, tables, titles, metadata, and the
archives refused before any XML is read (not a zip, encrypted or old .doc, zip bombs)."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, date, datetime

import docx
import pytest

from searchapp.errors import CorpusError
from searchapp.ingest.readers import office
from searchapp.ingest.readers.office import read_docx, read_odt


def docx_bytes(document: docx.document.Document) -> bytes:
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def report() -> docx.document.Document:
    document = docx.Document()
    document.add_heading("Ransomware hits the port", level=1)
    document.add_paragraph("The port of Lisbon was attacked on Monday.")
    document.add_heading("Timeline", level=2)
    table = document.add_table(rows=3, cols=3)
    for r, row in enumerate([["Day", "Event", ""], ["Mon", "Attack", "confirmed"], ["", "", ""]]):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    document.add_paragraph("Systems were restored by Friday.")
    return document


def only(result):
    articles, skipped = result
    assert skipped == []
    [article] = articles
    return article


# --- Word -------------------------------------------------------------------------------------


def test_docx_paragraphs_headings_and_table_rows_in_document_order():
    article = only(read_docx(docx_bytes(report()), "news/port.docx", "port"))
    assert article.id == "port"
    assert article.path == "news/port.docx"
    assert article.title == "Ransomware hits the port"  # the first block, a Heading 1
    assert article.headline
    assert article.body.split("\n\n") == [
        "The port of Lisbon was attacked on Monday.",
        "Timeline",
        "Day | Event",  # empty cells skipped, an empty row dropped
        "Mon | Attack | confirmed",
        "Systems were restored by Friday.",
    ]


def test_docx_core_properties_give_title_author_and_date():
    document = report()
    document.core_properties.title = "Port attack report"
    document.core_properties.author = "Ana Silva; Rui Costa"
    document.core_properties.created = datetime(2021, 5, 3, 22, 30, tzinfo=UTC)
    article = only(read_docx(docx_bytes(document), "port.docx", "port"))
    assert article.title == "Port attack report"
    assert article.headline
    # The stated title is not the first heading, which stays in the body.
    assert article.body.startswith("Ransomware hits the port\n\nThe port of Lisbon")
    assert article.author == "Ana Silva, Rui Costa"
    assert article.published == date(2021, 5, 3)


@pytest.mark.parametrize(
    ("language", "expected"),
    [("ru-RU", "ru"), ("DE", "de"), ("French", "fr"), ("x-klingon", ""), ("", "")],
)
def test_docx_core_properties_give_the_language(language: str, expected: str):
    document = report()
    document.core_properties.language = language
    assert only(read_docx(docx_bytes(document), "port.docx", "port")).lang == expected


def test_docx_without_a_stated_language_has_none():
    assert only(read_docx(docx_bytes(report()), "port.docx", "port")).lang == ""


def test_docx_stated_title_repeated_as_first_paragraph_is_not_kept_twice():
    document = docx.Document()
    document.core_properties.title = "Quarterly threat review"
    document.add_paragraph("Quarterly threat review", style="Title")
    document.add_paragraph("Phishing rose again.")
    article = only(read_docx(docx_bytes(document), "q.docx", "q"))
    assert article.title == "Quarterly threat review"
    assert article.body == "Phishing rose again."


def test_docx_title_style_anywhere_is_the_title():
    document = docx.Document()
    document.add_paragraph("CONFIDENTIAL")
    document.add_paragraph("Incident summary", style="Title")
    document.add_paragraph("A breach was found in March.")
    article = only(read_docx(docx_bytes(document), "i.docx", "i"))
    assert article.title == "Incident summary"
    assert article.body == "CONFIDENTIAL\n\nA breach was found in March."


def test_docx_without_a_title_splits_one_off_the_text_and_ignores_the_template_metadata():
    document = docx.Document()  # python-docx's template says author "python-docx", 2013
    document.add_paragraph("Attackers used a stolen password. They stayed for weeks.")
    article = only(read_docx(docx_bytes(document), "a.docx", "a"))
    assert article.title == "Attackers used a stolen password"
    assert not article.headline
    assert article.body == "Attackers used a stolen password. They stayed for weeks."
    assert article.author == ""
    assert article.published is None


def test_docx_merged_cells_are_read_once_and_headers_footers_ignored():
    document = docx.Document()
    document.sections[0].header.paragraphs[0].text = "Page header text"
    document.sections[0].footer.paragraphs[0].text = "Page footer text"
    document.add_paragraph("Merged table follows")
    table = document.add_table(rows=2, cols=3)
    merged = table.cell(0, 0).merge(table.cell(0, 1))
    merged.text = "Wide"
    table.cell(0, 2).text = "Right"
    tall = table.cell(1, 0).merge(table.cell(1, 1))
    tall.text = "Bottom"
    table.cell(1, 2).text = "End"
    article = only(read_docx(docx_bytes(document), "m.docx", "m"))
    assert article.body.split("\n\n")[-2:] == ["Wide | Right", "Bottom | End"]
    assert "header" not in article.body and "footer" not in article.body


def test_docx_vertically_merged_cell_is_read_in_its_first_row():
    document = docx.Document()
    document.add_paragraph("Intro.")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).merge(table.cell(1, 0)).text = "Tall"
    table.cell(0, 1).text = "a"
    table.cell(1, 1).text = "b"
    article = only(read_docx(docx_bytes(document), "v.docx", "v"))
    assert article.body.split("\n\n")[-2:] == ["Tall | a", "b"]


def test_empty_docx_is_refused():
    with pytest.raises(CorpusError, match="no text in the Word document"):
        read_docx(docx_bytes(docx.Document()), "e.docx", "e")


def test_a_docx_that_is_not_a_zip_is_refused():
    with pytest.raises(CorpusError, match=r"not a Word document \(not a zip archive"):
        read_docx(b"plain text pretending to be Word", "x.docx", "x")


def test_a_zip_without_a_document_is_not_a_word_document():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "hello")
    with pytest.raises(CorpusError, match=r"not a Word document \(no word/document.xml"):
        read_docx(out.getvalue(), "x.docx", "x")


def test_an_ole_file_is_refused_as_encrypted_or_old_doc():
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    for reader in (read_docx, read_odt):
        with pytest.raises(CorpusError, match=r"encrypted.*97-2003 \.doc"):
            reader(ole, "x.docx", "x")


def test_a_corrupt_document_xml_is_a_clear_error():
    data = docx_bytes(report())
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            payload = b"<w:document" if item.filename == "word/document.xml" else src.read(item)
            dst.writestr(item, payload)
    with pytest.raises(CorpusError, match="not a Word document"):
        read_docx(out.getvalue(), "x.docx", "x")


# --- Zip bombs ----------------------------------------------------------------------------


def zeros_zip(member: str, size: int, extra: dict[str, bytes] | None = None) -> bytes:
    """A zip holding ``size`` zero bytes as ``member``, written in chunks (never in memory)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, payload in (extra or {}).items():
            archive.writestr(name, payload)
        with archive.open(member, "w", force_zip64=True) as stream:
            chunk = bytes(1 << 20)
            for _ in range(size // len(chunk)):
                stream.write(chunk)
    return out.getvalue()


def test_a_zip_bomb_is_refused_naming_the_limit(monkeypatch):
    monkeypatch.setattr(office, "MAX_UNZIPPED_BYTES", 20_000_000)
    bomb = zeros_zip("word/document.xml", 32 << 20)
    assert len(bomb) < 100_000
    with pytest.raises(
        CorpusError, match=r"zip bomb.*33,554,432 bytes \(the limit is 20,000,000\)"
    ):
        read_docx(bomb, "bomb.docx", "bomb")


def test_an_absurdly_compressed_member_is_refused():
    bomb = zeros_zip("word/media/blank.bin", 8 << 20, {"word/document.xml": b"<x/>"})
    with pytest.raises(CorpusError, match=r"zip bomb: word/media/blank.bin is compressed .* to 1"):
        read_docx(bomb, "bomb.docx", "bomb")
    with pytest.raises(CorpusError, match="zip bomb"):
        read_odt(bomb, "bomb.odt", "bomb")


def test_too_many_members_are_refused(monkeypatch):
    monkeypatch.setattr(office, "MAX_MEMBERS", 5)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for n in range(6):
            archive.writestr(f"m{n}.xml", "<x/>")
    with pytest.raises(CorpusError, match=r"6 files in the archive \(the limit is 5\)"):
        read_odt(out.getvalue(), "many.odt", "many")


# --- OpenDocument -------------------------------------------------------------------------

NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0"'
)

BODY = """
<text:tracked-changes><text:changed-region><text:deletion><text:p>Deleted words</text:p>
</text:deletion></text:changed-region></text:tracked-changes>
<text:p text:style-name="P1">Botnet <text:span>takedown</text:span></text:p>
<text:h text:outline-level="2">What happened</text:h>
<text:p>Police<text:s text:c="3"/>seized<text:tab/>servers<text:line-break/>in
  three   countries.<text:note><text:note-citation>1</text:note-citation><text:note-body>
  <text:p>Europol said so.</text:p></text:note-body></text:note></text:p>
<text:list><text:list-item><text:p>First item</text:p></text:list-item>
<text:list-item><text:list><text:list-item><text:p>Nested item</text:p></text:list-item>
</text:list></text:list-item></text:list>
<table:table><table:table-header-rows><table:table-row>
<table:table-cell><text:p>Country</text:p></table:table-cell>
<table:table-cell><text:p>Servers</text:p></table:table-cell></table:table-row>
</table:table-header-rows>
<table:table-row><table:table-cell table:number-columns-spanned="2"><text:p>Spain</text:p>
<text:p>and Italy</text:p></table:table-cell><table:covered-table-cell/></table:table-row>
<table:table-row><table:table-cell/><table:table-cell><text:p>12</text:p></table:table-cell>
</table:table-row></table:table>
<text:section><text:p>Closing <text:a>line</text:a>.</text:p></text:section>
"""

STYLES = """<office:automatic-styles>
<style:style style:name="P1" style:family="paragraph" style:parent-style-name="Title"/>
</office:automatic-styles>"""


def odt_bytes(
    body: str = BODY,
    meta: str | None = "",
    styles: str = STYLES,
    mimetype: str = "application/vnd.oasis.opendocument.text",
    manifest: str | None = None,
) -> bytes:
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {NS}>{styles}'
        f"<office:body><office:text>{body}</office:text></office:body></office:document-content>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), mimetype, zipfile.ZIP_STORED)
        archive.writestr("content.xml", content)
        if meta is not None:
            archive.writestr(
                "meta.xml",
                f"<office:document-meta {NS}><office:meta>{meta}</office:meta>"
                "</office:document-meta>",
            )
        if manifest is not None:
            archive.writestr("META-INF/manifest.xml", manifest)
    return out.getvalue()


def test_odt_text_in_order_with_spaces_tables_lists_and_notes():
    article = only(read_odt(odt_bytes(), "ops/botnet.odt", "botnet"))
    assert article.id == "botnet" and article.path == "ops/botnet.odt"
    assert article.title == "Botnet takedown"  # styled with an automatic style based on Title
    assert article.headline
    assert article.body.split("\n\n") == [
        "What happened",
        "Police seized servers in three countries.",
        "Europol said so.",
        "First item",
        "Nested item",
        "Country | Servers",
        "Spain and Italy",
        "12",
        "Closing line.",
    ]
    assert "Deleted" not in article.body


def test_odt_meta_gives_title_author_and_date():
    meta = (
        "<dc:title>Botnet takedown</dc:title><dc:creator>Last Editor</dc:creator>"
        "<meta:initial-creator>Marta Ruiz</meta:initial-creator>"
        "<meta:creation-date>2022-11-08T09:12:00</meta:creation-date>"
        "<dc:date>2023-01-01T00:00:00</dc:date>"
    )
    article = only(read_odt(odt_bytes(meta=meta), "b.odt", "b"))
    assert article.title == "Botnet takedown"
    assert article.body.startswith("What happened")  # the title paragraph is not repeated
    assert article.author == "Marta Ruiz"
    assert article.published == date(2022, 11, 8)


def test_odt_meta_falls_back_to_creator_and_date():
    meta = "<dc:creator>Jon Berg</dc:creator><dc:date>2020-02-29T10:00:00Z</dc:date>"
    article = only(read_odt(odt_bytes(meta=meta), "b.odt", "b"))
    assert (article.author, article.published) == ("Jon Berg", date(2020, 2, 29))


@pytest.mark.parametrize(
    ("meta", "expected"),
    [
        ("<dc:language>uk-UA</dc:language>", "uk"),
        ("<dc:language>por</dc:language>", "pt"),
        ("<dc:language>und</dc:language>", ""),
        ("<dc:title>No language</dc:title>", ""),
        (None, ""),
    ],
)
def test_odt_meta_gives_the_language(meta: str | None, expected: str):
    assert only(read_odt(odt_bytes(meta=meta), "b.odt", "b")).lang == expected


def test_odt_first_heading_is_the_title_without_meta_and_styles():
    body = '<text:h text:outline-level="1">Leak at the ministry</text:h><text:p>Files.</text:p>'
    article = only(read_odt(odt_bytes(body, meta=None, styles=""), "l.odt", "l"))
    assert (article.title, article.body) == ("Leak at the ministry", "Files.")


def test_odt_refusals():
    with pytest.raises(CorpusError, match="no text in the OpenDocument text"):
        read_odt(odt_bytes("<text:p>  </text:p>"), "e.odt", "e")
    with pytest.raises(CorpusError, match=r"not an OpenDocument text \(its type is .*spreadsheet"):
        read_odt(odt_bytes(mimetype="application/vnd.oasis.opendocument.spreadsheet"), "s.odt", "s")
    with pytest.raises(CorpusError, match=r"encrypted \(password-protected\)"):
        manifest = "<manifest><file-entry><encryption-data/></file-entry></manifest>"
        read_odt(odt_bytes(manifest=manifest), "c.odt", "c")
    with pytest.raises(CorpusError, match=r"not an OpenDocument text \(no content.xml"):
        read_odt(docx_bytes(report()), "w.odt", "w")
    with pytest.raises(CorpusError, match="not an OpenDocument text"):
        read_odt(b"not a zip", "n.odt", "n")


def test_odt_entities_are_not_expanded():
    out = io.BytesIO()
    content = (
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        f"<office:document-content {NS}><office:body><office:text><text:p>Hi &e; there"
        "</text:p></office:text></office:body></office:document-content>"
    )
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("content.xml", content)
    article = only(read_odt(out.getvalue(), "x.odt", "x"))
    assert "root" not in article.body
    assert article.title.startswith("Hi")


def test_broken_content_xml_is_a_clear_error():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("content.xml", "<office:document-content")
    with pytest.raises(CorpusError, match="content.xml is not well-formed XML"):
        read_odt(out.getvalue(), "x.odt", "x")
