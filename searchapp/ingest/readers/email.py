"""E-mail (``.eml``: one message; ``.mbox``: a mailbox of many): one article per message, titled
by its subject, by its sender, dated when it was sent, in the language its Content-Language
header states, and one more per readable attachment, linked to its message
(:attr:`~searchapp.text.article.Article.parent` and ``attachments``).

Messages are parsed by the standard library's ``email`` package. A mailbox is split into
messages here, on its "From " lines, rather than by ``mailbox``, which reads only files on disk.
"""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from email.message import EmailMessage
from typing import Any

from ...errors import CorpusError
from ...text.article import Article, clean_paragraphs
from ..discover import Skipped
from .common import (
    _Batch,
    _cap_title,
    _check_length,
    _html_to_paragraphs,
    _one_line,
    _slug,
    language_code,
)
from .dates import _parse_date

# Reads an attachment: (its bytes, "mail.eml#report.pdf", the article id it is to have) -> its
# articles and skipped entries; raises CorpusError for an unsupported or unreadable one.
AttachmentReader = Callable[[bytes, str, str], tuple[list[Article], list[Skipped]]]

# A message attached to a message attached to a message... is read this deep.
MAX_NESTING = 3
NO_SUBJECT = "(no subject)"

# Attachments that are no document: signatures, keys, calendars, archives, programs, media.
# They are passed over silently; any other attachment is offered to the attachment reader.
_NOT_DOCUMENT_TYPES = frozenset(
    """application/pgp-signature application/pgp-keys application/pgp-encrypted
    application/pkcs7-signature application/x-pkcs7-signature application/pkcs7-mime
    application/x-pkcs7-mime application/ms-tnef text/calendar text/vcard text/x-vcard
    application/ics""".split()
)
_NOT_DOCUMENT_MAINTYPES = frozenset(("audio", "video", "font"))
_NOT_DOCUMENT_SUFFIXES = frozenset(
    """.asc .sig .gpg .pgp .p7s .p7m .p7c .key .pem .crt .cer .ics .vcf .dat .exe .dll .msi .bat
    .cmd .com .scr .ps1 .sh .bin .iso .dmg .apk .jar .zip .7z .rar .gz .tgz .bz2 .xz .tar .mp3
    .wav .ogg .m4a .mp4 .mov .avi .mkv .webm .ttf .otf .woff .woff2""".split()
)
# Plain-text attachments are handed over in UTF-8 (their readers read no charset parameter).
_TRANSCODED_SUBTYPES = frozenset(("plain", "markdown", "x-markdown", "csv"))

# An mbox separator: a "From " line at the start or after a blank line (mboxo/mboxrd).
_MBOX_SEPARATOR = re.compile(rb"(?:\A|(?<=\n\n)|(?<=\n\r\n))From [^\n]*(?:\n|\Z)")
# A body line "From ..." is stored as ">From ...", and ">From" as ">>From" (mboxrd).
_MBOX_QUOTED_FROM = re.compile(rb"^>(>*From )", re.MULTILINE)


def read_eml(
    data: bytes, relpath: str, file_id: str, *, read_attachment: AttachmentReader | None = None
) -> tuple[list[Article], list[Skipped]]:
    """One message (article ``file_id``) and the articles of its readable attachments."""
    message = _parse_message(data)
    return _message_articles(message, file_id, relpath, "", read_attachment, 0)


def read_mbox(
    data: bytes, relpath: str, file_id: str, *, read_attachment: AttachmentReader | None = None
) -> tuple[list[Article], list[Skipped]]:
    """Every message of a mailbox (article ``<file_id>-<Message-ID>``, else ``-<position>``),
    with its attachments; a broken message is skipped ("box.mbox#message 3") and the rest
    kept."""
    data = data.lstrip(b"\r\n")
    if not data.startswith(b"From "):
        raise CorpusError('not an mbox mailbox (it does not start with a "From " line)')
    batch = _Batch(relpath, file_id)
    for position, chunk in enumerate(_mbox_messages(data), start=1):
        where = f"message {position}"
        try:
            message = _parse_message(chunk)
        except CorpusError as exc:
            batch.skip(where, exc.message)
            continue
        found: list[tuple[list[Article], list[Skipped]]] = []

        def make(
            article_id: str,
            message: EmailMessage = message,
            where: str = where,
            found: list[tuple[list[Article], list[Skipped]]] = found,
        ) -> Article:
            articles, skipped = _message_articles(
                message, article_id, relpath, f"{where}/", read_attachment, 0
            )
            found.append((articles[1:], skipped))
            return articles[0]

        before = len(batch.articles)
        batch.add(where, _message_key(message, position), make)
        if len(batch.articles) > before:  # kept: its attachments are kept with it
            extras, skipped = found[0]
            _add_attachments(batch, where, before, extras)
            batch.skipped.extend(skipped)
    return batch.result("the mailbox has no messages")


class _Found(BaseException):
    """Carries a sought attachment out of the reader (past its per-attachment handlers)."""


def attachment_file(
    data: bytes, relpath: str, file_id: str, article_id: str
) -> tuple[str, bytes] | None:
    """The file name and bytes of the attachment that the reader made article ``article_id``
    of (``data`` is the .eml or .mbox file ``relpath``, whose id is ``file_id``); None when
    none did."""

    def capture(part: bytes, where: str, attachment_id: str) -> tuple[list[Article], list]:
        if attachment_id == article_id:
            raise _Found(where.split("#", 1)[-1].rsplit("/", 1)[-1], part)
        return [], []

    reader = read_mbox if relpath.lower().endswith(".mbox") else read_eml
    try:
        reader(data, relpath, file_id, read_attachment=capture)
    except _Found as found:
        return found.args[0], found.args[1]
    except CorpusError:
        return None
    return None


def _mbox_messages(data: bytes) -> list[bytes]:
    starts = [match.end() for match in _MBOX_SEPARATOR.finditer(data)]
    separators = [match.start() for match in _MBOX_SEPARATOR.finditer(data)]
    messages = []
    for start, end in zip(starts, [*separators[1:], len(data)], strict=True):
        chunk = data[start:end]
        # The blank line before the next "From " line belongs to the separator.
        chunk = chunk.removesuffix(b"\n").removesuffix(b"\r")
        messages.append(_MBOX_QUOTED_FROM.sub(rb"\1", chunk))
    return messages


def _message_key(message: EmailMessage, position: int) -> str:
    message_id = _one_line(_raw_header(message, "message-id")).strip("<>").strip()
    return _slug(message_id) if message_id else str(position)


def _add_attachments(batch: _Batch, where: str, index: int, extras: list[Article]) -> None:
    """A kept message's (``batch.articles[index]``) attachment articles into the batch; one
    whose id another article has already is skipped and unlinked from its message."""
    dropped = set()
    for article in extras:
        if article.id in batch.seen:
            reason = f"duplicate id {article.id!r} (also {batch.seen[article.id]})"
            batch.skipped.append(Skipped(f"{batch.relpath}#{where}", reason))
            dropped.add(article.id)
            continue
        batch.seen[article.id] = where
        batch.articles.append(article)
    if dropped:
        message = batch.articles[index]
        kept = tuple(a for a in message.attachments if a not in dropped)
        batch.articles[index] = replace(message, attachments=kept)


# --- One message ----------------------------------------------------------------------------------


def _parse_message(data: bytes) -> EmailMessage:
    import email.parser
    import email.policy

    if not data.strip():
        raise CorpusError("empty message")
    message = email.parser.BytesParser(policy=email.policy.default).parsebytes(data)
    if not message.keys():
        raise CorpusError("not an e-mail message (it starts with no headers)")
    return message  # type: ignore[return-value]


def _message_articles(
    message: EmailMessage,
    article_id: str,
    relpath: str,
    prefix: str,
    read_attachment: AttachmentReader | None,
    depth: int,
) -> tuple[list[Article], list[Skipped]]:
    """The message's article first, then its attachments' articles, and the attachments that
    could not be read (``relpath#<prefix><file name>``). Raises :class:`CorpusError` when the
    message has neither text nor a readable attachment."""
    paragraphs, body_parts = _body(message)
    author = _sender(message)
    published = _sent(message)
    extras: list[Article] = []
    skipped: list[Skipped] = []
    linked: list[str] = []
    used_ids: set[str] = {article_id}
    for part in _attachment_parts(message, body_parts):
        name = _attachment_name(part)
        where = f"{relpath}#{prefix}{name}"
        attachment_id = _unique(f"{article_id}-{_slug(name)}", used_ids)
        try:
            if part.get_content_type() == "message/rfc822":
                articles, inner_skipped = _attached_message(
                    part, attachment_id, relpath, f"{prefix}{name}/", read_attachment, depth
                )
            elif read_attachment is None or _not_a_document(part, name):
                continue
            else:
                articles, inner_skipped = read_attachment(
                    _attachment_bytes(part), f"{relpath}#{prefix}{name}", attachment_id
                )
            # The part's Content-Language describes the attachment's own article, not those of
            # the attachments an attached message holds in turn (they have a parent already).
            part_lang = _content_language(part)
            articles = [
                replace(
                    article,
                    path=relpath,
                    parent=article.parent or article_id,
                    published=article.published or published,
                    author=article.author or author,
                    lang=article.lang or ("" if article.parent else part_lang),
                )
                for article in articles
            ]
            for article in articles:
                _check_length(article)
        except CorpusError as exc:
            skipped.append(Skipped(where, exc.message))
            continue
        except MemoryError:
            raise
        except Exception as exc:  # a document library's bug costs this attachment only
            skipped.append(Skipped(where, f"unreadable attachment ({exc!r})"))
            continue
        used_ids.update(article.id for article in articles)
        linked.extend(article.id for article in articles if article.parent == article_id)
        extras.extend(articles)
        skipped.extend(inner_skipped)
    if not paragraphs and not extras:
        if skipped:
            where = skipped[0].path.rsplit("#", 1)[-1]
            raise CorpusError(f"no text in the e-mail (attachment {where}: {skipped[0].reason})")
        raise CorpusError("no text in the e-mail")
    subject = _subject(message)
    # The language of the body part read (its own header), else the message's.
    body_lang = _content_language(body_parts[-1]) if paragraphs and body_parts else ""
    article = Article(
        article_id,
        _cap_title(subject or NO_SUBJECT),
        "\n\n".join(paragraphs),
        relpath,
        True,
        published=published,
        author=author,
        attachments=tuple(linked),
        lang=body_lang or _content_language(message),
    )
    _check_length(article)
    return [article, *extras], skipped


def _attached_message(
    part: EmailMessage,
    article_id: str,
    relpath: str,
    prefix: str,
    read_attachment: AttachmentReader | None,
    depth: int,
) -> tuple[list[Article], list[Skipped]]:
    if depth >= MAX_NESTING:
        raise CorpusError(f"a message nested more than {MAX_NESTING} deep, which is not read")
    inner = part.get_payload()
    inner = inner[0] if isinstance(inner, list) and inner else inner
    if not isinstance(inner, EmailMessage) or not inner.keys():
        raise CorpusError("not an e-mail message (the attached message has no headers)")
    return _message_articles(inner, article_id, relpath, prefix, read_attachment, depth + 1)


def _body(message: EmailMessage) -> tuple[list[str], list[Any]]:
    """The paragraphs of the message's own text (its plain-text body, else its HTML one), and
    the body parts considered (which are not attachments)."""
    parts = []
    for preference in ("plain", "html"):
        try:
            part = message.get_body(preferencelist=(preference,))
        except (KeyError, ValueError, TypeError, AttributeError):
            part = None
        if part is None:
            continue
        parts.append(part)
        text = _part_text(part)
        if preference == "html":
            text = "\n\n".join(_html_to_paragraphs(text))
        if paragraphs := clean_paragraphs(text):
            return paragraphs, parts
    return [], parts


def _part_text(part: EmailMessage) -> str:
    """A text part's content, decoded by its charset (quoted-printable or base64 undone);
    a missing, unknown or wrong charset falls back to UTF-8."""
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    declared = part.get_content_charset()
    for charset in (declared, "utf-8"):
        if charset:
            try:
                return payload.decode(charset)
            except (LookupError, UnicodeDecodeError):
                continue
    try:
        return payload.decode(declared or "utf-8", "replace")
    except LookupError:
        return payload.decode("utf-8", "replace")


def _attachment_parts(message: EmailMessage, body_parts: list[Any]) -> list[EmailMessage]:
    """Every named part and attached message in the message's multiparts at any depth (not
    inside an attached message: those are its own), in order; not the body, nor the pictures
    an HTML body shows inline."""
    found = []
    stack = [message]
    while stack:
        part = stack.pop()
        if part.get_content_maintype() == "multipart":
            stack.extend(reversed(list(part.iter_parts())))
        elif part is message or any(part is body for body in body_parts):
            continue
        elif part.get_content_type() == "message/rfc822":
            found.append(part)
        elif part.get_filename() and not _inline_picture(part):
            found.append(part)
    return found


def _inline_picture(part: EmailMessage) -> bool:
    return (
        part.get_content_maintype() == "image"
        and bool(part.get("content-id"))
        and part.get_content_disposition() != "attachment"
    )


def _attachment_name(part: EmailMessage) -> str:
    """The attachment's file name without folders, given the suffix of its type when it has
    none (an attached message is "<subject>.eml")."""
    try:
        name = part.get_filename() or ""
    except (ValueError, TypeError, IndexError):
        name = ""
    name = _one_line(_fix_text(name).replace("\\", "/").rsplit("/", 1)[-1]).replace("#", "-")
    content_type = part.get_content_type()
    if content_type == "message/rfc822":
        return name or "message.eml"
    if "." not in name.strip("."):
        name = (name or "attachment") + (mimetypes.guess_extension(content_type) or "")
    return name


def _unique(base: str, used: set[str]) -> str:
    candidate, number = base, 1
    while candidate in used:
        number += 1
        candidate = f"{base}-{number}"
    used.add(candidate)
    return candidate


def _not_a_document(part: EmailMessage, name: str) -> bool:
    content_type = part.get_content_type()
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return (
        content_type in _NOT_DOCUMENT_TYPES
        or part.get_content_maintype() in _NOT_DOCUMENT_MAINTYPES
        or suffix in _NOT_DOCUMENT_SUFFIXES
    )


def _attachment_bytes(part: EmailMessage) -> bytes:
    payload = part.get_payload(decode=True)
    data = payload if isinstance(payload, bytes) else b""
    if part.get_content_maintype() == "text" and part.get_content_subtype() in _TRANSCODED_SUBTYPES:
        charset = part.get_content_charset()
        if charset and charset.lower() not in ("utf-8", "utf8", "us-ascii", "ascii"):
            data = _part_text(part).encode("utf-8")
    return data


# --- Headers --------------------------------------------------------------------------------------


def _raw_header(message: EmailMessage, name: str) -> str:
    """A header's value as written (folding and encoded words kept), or empty."""
    for key, value in message.raw_items():
        if key.lower() == name:
            return _fix_text(str(value))
    return ""


def _fix_text(text: str) -> str:
    """Undecodable bytes of a raw 8-bit header (kept as surrogates by the parser) read as UTF-8."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return text


def _header(message: EmailMessage, name: str) -> Any:
    """The parsed header, or None when absent or too malformed for the parser."""
    try:
        return message[name]
    except (ValueError, IndexError, TypeError, AttributeError, LookupError):
        return None


def _subject(message: EmailMessage) -> str:
    header = _header(message, "subject")
    text = str(header) if header is not None else _raw_header(message, "subject")
    return _one_line(_fix_text(text))


def _sender(message: EmailMessage) -> str:
    """The From names ("Jane Doe <jane@x.org>" gives "Jane Doe"), an address where none."""
    header = _header(message, "from")
    try:
        addresses = [(a.display_name, a.addr_spec) for a in header.addresses] if header else []
    except (ValueError, IndexError, TypeError, AttributeError):
        addresses = []
    if not addresses:
        import email.utils

        addresses = email.utils.getaddresses([_raw_header(message, "from")])
    names = (_one_line(_fix_text(name or address)).strip("'\"") for name, address in addresses)
    return ", ".join(dict.fromkeys(name for name in names if name))


def _content_language(part: EmailMessage) -> str:
    """The language a part's (or a message's) Content-Language header states, as
    :func:`.common.language_code` reads it ("" for none, or several: "en, fr")."""
    header = _header(part, "content-language")
    return language_code(_fix_text(str(header))) if header is not None else ""


def _sent(message: EmailMessage) -> date | None:
    import email.utils

    raw = _one_line(_raw_header(message, "date"))
    if not raw:
        return None
    try:
        return _parse_date(email.utils.parsedate_to_datetime(raw))
    except (TypeError, ValueError, IndexError, OverflowError):
        return _parse_date(raw)  # not RFC 5322, but perhaps "2019-03-04 10:00"
