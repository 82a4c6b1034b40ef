"""Word (``.docx``) and OpenDocument text (``.odt``) files: one article per document, its
paragraphs, headings and table rows in document order.

Both formats are zip archives of XML, so both pass :func:`_open_package` first, which refuses
what is not a zip, an encrypted or old binary (OLE) file, and a zip bomb, before any XML is
parsed. ``.docx`` is read by python-docx. ``.odt`` is read with lxml rather than odfpy: odfpy is
unmaintained since 2020 and builds the whole DOM itself anyway, while the format is just two XML
files (``content.xml`` for the text, ``meta.xml`` for title, author, date and language).
"""

from __future__ import annotations

import io
import zipfile
import zlib
from datetime import UTC, datetime
from typing import Any

from ...errors import CorpusError
from ...text.article import Article, split_title
from ..discover import Skipped
from .common import _authors, _cap_title, _one_line, _same_text, language_code
from .dates import _parse_date

# What a document may unpack to. zipfile stops each member at the size its directory states,
# so the stated sizes bound what reading can cost.
MAX_UNZIPPED_BYTES = 200_000_000
MAX_MEMBERS = 10_000
# A member this large compressed more than this ratio is a bomb, not text (XML compresses
# about 10:1, a run of zeros 1000:1).
MAX_COMPRESSION_RATIO = 200
_RATIO_CHECK_BYTES = 5_000_000

# An OLE compound file: an old Word 97-2003 .doc, or a password-protected .docx/.odt, which
# Office wraps encrypted in one.
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"

_WORD = "Word document"
_ODT = "OpenDocument text"


def _a(kind: str) -> str:
    return f"an {kind}" if kind[0] in "AEIOU" else f"a {kind}"


def _open_package(data: bytes, kind: str, required: str) -> zipfile.ZipFile:
    """``data`` as a zip archive holding ``required``, checked not to unpack to too much.

    Raises :class:`CorpusError` naming ``kind`` ("Word document") for anything else.
    """
    if not data.strip():
        raise CorpusError("empty file")
    if data.startswith(_OLE_MAGIC):
        raise CorpusError(
            "encrypted (password-protected) or an old binary Office file such as a Word "
            "97-2003 .doc, which is not read"
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as exc:
        raise CorpusError(f"not {_a(kind)} (not a zip archive: {exc})") from exc
    if len(members) > MAX_MEMBERS:
        raise CorpusError(
            f"refused as a possible zip bomb: {len(members):,} files in the archive "
            f"(the limit is {MAX_MEMBERS:,})"
        )
    total = sum(member.file_size for member in members)
    if total > MAX_UNZIPPED_BYTES:
        raise CorpusError(
            f"refused as a possible zip bomb: it unpacks to {total:,} bytes "
            f"(the limit is {MAX_UNZIPPED_BYTES:,})"
        )
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > _RATIO_CHECK_BYTES and ratio > MAX_COMPRESSION_RATIO:
            raise CorpusError(
                f"refused as a possible zip bomb: {member.filename} is compressed "
                f"{ratio:,.0f} to 1 (the limit is {MAX_COMPRESSION_RATIO} to 1)"
            )
        if member.flag_bits & 0x1:
            raise CorpusError(f"encrypted (password-protected): {member.filename} is encrypted")
    if required not in archive.namelist():
        raise CorpusError(f"not {_a(kind)} (no {required} in the archive)")
    return archive


def _read_member(archive: zipfile.ZipFile, name: str, kind: str) -> bytes:
    try:
        return archive.read(name)
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, OSError) as exc:
        raise CorpusError(f"damaged {kind}: cannot unpack {name} ({exc})") from exc


# --- Shared: blocks of text to an article ---------------------------------------------------------

# A block's role: the document's title, a top-level heading, or anything else.
_TITLE, _HEADING, _TEXT = "title", "heading", ""


def _document_article(
    blocks: list[tuple[str, str]],
    stated_title: str,
    author: str,
    published: object,
    article_id: str,
    relpath: str,
    kind: str,
    lang: object,
) -> Article:
    """The article of a document's ``(text, role)`` blocks: titled by its stated title, else by
    its first Title (or first-block Heading 1) paragraph, else by its first sentence; ``lang``
    is the language its properties state, as written."""
    blocks = [(_one_line(text), role) for text, role in blocks]
    blocks = [(text, role) for text, role in blocks if text]
    if not blocks:
        raise CorpusError(f"no text in the {kind}")
    paragraphs = [text for text, _ in blocks]
    title = _one_line(stated_title)
    if title:
        if len(paragraphs) > 1 and _same_text(paragraphs[0], title):
            paragraphs = paragraphs[1:]
        body, headline = paragraphs, True
    else:
        found = next((i for i, (_, role) in enumerate(blocks) if role == _TITLE), None)
        if found is None and blocks[0][1] == _HEADING:
            found = 0
        if found is not None and len(paragraphs) > 1:
            title, headline = paragraphs[found], True
            body = paragraphs[:found] + paragraphs[found + 1 :]
        else:
            title, body, headline = split_title(paragraphs)
    return Article(
        article_id,
        _cap_title(title),
        "\n\n".join(body),
        relpath,
        headline,
        published=_parse_date(published),
        author=_authors(author),
        lang=language_code(lang),
    )


def _joined_cells(cells: list[str]) -> str:
    """A table row as one paragraph: its non-empty cells, a merged cell's text once."""
    kept: list[str] = []
    for cell in cells:
        text = _one_line(cell)
        if text and (not kept or kept[-1] != text):
            kept.append(text)
    return " | ".join(kept)


# --- Word -----------------------------------------------------------------------------------------

# What python-docx's own blank template states: not the document's author or date.
_TEMPLATE_AUTHOR = "python-docx"
_TEMPLATE_CREATED = datetime(2013, 12, 23, 23, 15, tzinfo=UTC)


def read_docx(data: bytes, relpath: str, file_id: str) -> tuple[list[Article], list[Skipped]]:
    """A Word document: its body's paragraphs and table rows in order (headers, footers and
    comments are left out), with the title, author, creation date and language its properties
    state."""
    _open_package(data, _WORD, "word/document.xml").close()
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table
    from lxml import etree

    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, etree.XMLSyntaxError) as exc:
        raise CorpusError(f"not {_a(_WORD)} ({exc})") from exc
    roles = _docx_roles(document)
    blocks: list[tuple[str, str]] = []
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            blocks.extend((row, _TEXT) for row in _docx_table_rows(item))
        else:
            blocks.append((item.text, roles.get(item._p.style or "", _TEXT)))
    core = document.core_properties
    author = core.author if core.author != _TEMPLATE_AUTHOR else ""
    created = core.created if core.created != _TEMPLATE_CREATED else None
    article = _document_article(
        blocks, core.title, author, created, file_id, relpath, _WORD, core.language
    )
    return [article], []


def _docx_roles(document: Any) -> dict[str, str]:
    """Style ids of the Title and Heading 1 paragraph styles, with their role. Looked up once:
    python-docx's ``paragraph.style`` searches the styles part for every paragraph."""
    roles = {}
    try:
        for style in document.styles:
            role = {"title": _TITLE, "heading 1": _HEADING}.get((style.name or "").lower())
            if role and style.style_id:
                roles[style.style_id] = role
    except (AttributeError, KeyError, ValueError):  # a damaged styles part: no headings known
        return {}
    return roles


def _docx_table_rows(table: Any) -> list[str]:
    """Each row's cells joined; a cell merged across rows or columns is read once, where it
    starts."""
    rows: list[str] = []
    seen: set[Any] = set()  # the cells' w:tc elements: python-docx repeats a merged cell
    for row in table.rows:
        cells = []
        for cell in row.cells:
            if cell._tc in seen:
                continue
            seen.add(cell._tc)
            cells.append(_docx_cell_text(cell))
        if text := _joined_cells(cells):
            rows.append(text)
    return rows


def _docx_cell_text(cell: Any) -> str:
    from docx.table import Table

    parts = []
    for item in cell.iter_inner_content():
        if isinstance(item, Table):
            parts.extend(_docx_table_rows(item))
        else:
            parts.append(item.text)
    return " ".join(parts)


# --- OpenDocument ---------------------------------------------------------------------------------

_NS = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
    "draw": "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0",
    "dc": "http://purl.org/dc/elements/1.1/",
    "meta": "urn:oasis:names:tc:opendocument:xmlns:meta:1.0",
}


def _q(name: str) -> str:
    prefix, local = name.split(":")
    return f"{{{_NS[prefix]}}}{local}"


_P, _H = _q("text:p"), _q("text:h")
_TABLE, _ROW, _CELL = _q("table:table"), _q("table:table-row"), _q("table:table-cell")
_SPACE, _TAB, _BREAK = _q("text:s"), _q("text:tab"), _q("text:line-break")
_NOTE, _FRAME = _q("text:note"), _q("draw:frame")
# Inside a paragraph: markers and generated text that are not the paragraph's words.
_INLINE_SKIPPED = frozenset(
    _q(name)
    for name in (
        "text:note-citation",
        "office:annotation",
        "office:annotation-end",
        "text:ruby-text",
    )
)
# Outside paragraphs: deleted text of tracked changes, declarations, forms.
_BLOCK_SKIPPED = frozenset(
    _q(name)
    for name in (
        "text:tracked-changes",
        "text:sequence-decls",
        "text:variable-decls",
        "text:user-field-decls",
        "office:forms",
        "office:annotation",
    )
)
_ODT_MIMETYPES = (
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.text-template",
)


def read_odt(data: bytes, relpath: str, file_id: str) -> tuple[list[Article], list[Skipped]]:
    """An OpenDocument text: its headings, paragraphs, lists and table rows in order, with the
    title, author, creation date and language ``meta.xml`` states."""
    with _open_package(data, _ODT, "content.xml") as archive:
        names = set(archive.namelist())
        if "mimetype" in names:
            mimetype = _read_member(archive, "mimetype", _ODT).decode("ascii", "replace").strip()
            if mimetype not in _ODT_MIMETYPES:
                raise CorpusError(f"not {_a(_ODT)} (its type is {mimetype[:80]!r})")
        if "META-INF/manifest.xml" in names:
            if b"encryption-data" in _read_member(archive, "META-INF/manifest.xml", _ODT):
                raise CorpusError("encrypted (password-protected) OpenDocument file")
        content = _parse_xml(_read_member(archive, "content.xml", _ODT), "content.xml")
        meta = (
            _parse_xml(_read_member(archive, "meta.xml", _ODT), "meta.xml")
            if "meta.xml" in names
            else None
        )
    text_root = content.find("office:body/office:text", _NS)
    if text_root is None:
        raise CorpusError(f"not {_a(_ODT)} (content.xml has no office:text body)")
    blocks: list[tuple[str, str]] = []
    _odt_blocks(text_root, _odt_title_styles(content), blocks)
    title = author = lang = ""
    created = None
    if meta is not None:
        title = _meta_text(meta, "dc:title")
        # ODF's dc:creator is whoever saved it last; meta:initial-creator is the author.
        author = _meta_text(meta, "meta:initial-creator") or _meta_text(meta, "dc:creator")
        created = _meta_text(meta, "meta:creation-date") or _meta_text(meta, "dc:date") or None
        lang = _meta_text(meta, "dc:language")
    article = _document_article(blocks, title, author, created, file_id, relpath, _ODT, lang)
    return [article], []


def _parse_xml(data: bytes, name: str) -> Any:
    from lxml import etree

    # No entities, no network, lxml's default depth and size limits: a document is data.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise CorpusError(
            f"damaged OpenDocument text: {name} is not well-formed XML ({exc})"
        ) from exc


def _meta_text(meta: Any, name: str) -> str:
    element = meta.find(f"office:meta/{name}", _NS)
    return _one_line(element.text or "") if element is not None else ""


def _odt_title_styles(content: Any) -> frozenset[str]:
    """The paragraph styles that are "Title": the style itself and the automatic styles based
    on it (an edited title paragraph gets one, "P1")."""
    names = {"Title"}
    for style in content.iterfind("office:automatic-styles/style:style", _NS):
        if style.get(_q("style:parent-style-name")) == "Title":
            names.add(style.get(_q("style:name")) or "")
    return frozenset(names)


def _odt_blocks(element: Any, title_styles: frozenset[str], out: list[tuple[str, str]]) -> None:
    """Append the ``(text, role)`` of each paragraph, heading and table row under ``element``;
    lists, sections and other containers are read through. (lxml's depth limit bounds the
    recursion.)"""
    for child in element:
        tag = child.tag
        if tag in (_P, _H):
            nested: list[Any] = []  # text boxes and footnotes, read after the paragraph
            text = "".join(_odt_inline(child, nested))
            if tag == _H and child.get(_q("text:outline-level"), "1") == "1":
                role = _HEADING
            elif child.get(_q("text:style-name")) in title_styles:
                role = _TITLE
            else:
                role = _TEXT
            out.append((text, role))
            for inner in nested:
                _odt_blocks(inner, title_styles, out)
        elif tag == _TABLE:
            for row in child.iter(_ROW):
                if next(row.iterancestors(_TABLE)) is not child:
                    continue  # a nested table's row: read as its cell's text
                cells = []
                for cell in row.iterchildren(_CELL):  # covered (merged) cells are other tags
                    parts: list[tuple[str, str]] = []
                    _odt_blocks(cell, title_styles, parts)
                    cells.append(" ".join(text for text, _ in parts))
                out.append((_joined_cells(cells), _TEXT))
        elif tag not in _BLOCK_SKIPPED and isinstance(tag, str):
            _odt_blocks(child, title_styles, out)


def _odt_inline(element: Any, nested: list[Any]) -> list[str]:
    """The text of a paragraph's content: spans and links read through, ``text:s`` as its
    spaces, tabs and line breaks as spaces; frames and notes set aside in ``nested``."""
    parts = [element.text or ""]
    for child in element:
        tag = child.tag
        if tag == _SPACE:
            try:
                count = int(child.get(_q("text:c"), "1"))
            except ValueError:
                count = 1
            parts.append(" " * max(1, min(count, 100)))
        elif tag in (_TAB, _BREAK):
            parts.append(" ")
        elif tag in (_FRAME, _NOTE):
            nested.append(child)
        elif tag not in _INLINE_SKIPPED and isinstance(tag, str):
            parts.extend(_odt_inline(child, nested))
        parts.append(child.tail or "")
    return parts
