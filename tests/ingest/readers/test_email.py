"""E-mail files: one article per message (subject, sender, date, the text body), attachments
as articles linked to their message, and mailboxes whose broken messages are skipped alone."""

from __future__ import annotations

import io
from datetime import date
from email.message import EmailMessage

import docx
import pytest

from searchapp.errors import CorpusError
from searchapp.ingest.discover import Skipped
from searchapp.ingest.readers.email import read_eml, read_mbox
from searchapp.ingest.readers.office import read_docx
from searchapp.text.article import Article


def message(
    body: str | None = "The firewall logs show a scan from 10.0.0.1.",
    subject: str | None = "Scan detected",
    sender: str = "Jane Doe <jane@example.org>",
    sent: str | None = "Tue, 04 Mar 2025 10:15:00 +0100",
    **headers: str,
) -> EmailMessage:
    msg = EmailMessage()
    if subject is not None:
        msg["Subject"] = subject
    msg["From"] = sender
    msg["To"] = "soc@example.org"
    if sent is not None:
        msg["Date"] = sent
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    if body is not None:
        msg.set_content(body)
    return msg


def docx_attachment() -> bytes:
    document = docx.Document()
    document.add_heading("Incident report", level=1)
    document.add_paragraph("The intrusion began on a Sunday.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def fake_reader(data: bytes, relpath: str, article_id: str) -> tuple[list[Article], list[Skipped]]:
    """What the registry's attachment reader does, for .docx and .txt only."""
    calls.append((relpath, article_id))
    if relpath.endswith(".docx"):
        return read_docx(data, relpath, article_id)
    if relpath.endswith(".txt"):
        text = data.decode("utf-8")
        return [Article(article_id, text.split("\n")[0], text, relpath, False)], []
    raise CorpusError(f"unsupported file type {'.' + relpath.rsplit('.', 1)[-1]!r}")


calls: list[tuple[str, str]] = []


@pytest.fixture(autouse=True)
def _no_calls():
    calls.clear()


def only(result):
    articles, skipped = result
    assert skipped == []
    [article] = articles
    return article


# --- One message --------------------------------------------------------------------------


def test_plain_message_gives_subject_sender_date_and_body():
    article = only(read_eml(message().as_bytes(), "mail/scan.eml", "scan"))
    assert article.id == "scan"
    assert article.path == "mail/scan.eml"
    assert (article.title, article.headline) == ("Scan detected", True)
    assert article.author == "Jane Doe"
    assert article.published == date(2025, 3, 4)
    assert article.body == "The firewall logs show a scan from 10.0.0.1."
    assert (article.parent, article.attachments) == ("", ())


def test_sender_without_a_name_is_the_address_and_no_subject_is_said():
    article = only(
        read_eml(message(subject=None, sender="ops@example.org").as_bytes(), "a.eml", "a")
    )
    assert article.author == "ops@example.org"
    assert (article.title, article.headline) == ("(no subject)", True)


def test_a_bad_date_is_no_date():
    article = only(read_eml(message(sent="sometime last week").as_bytes(), "a.eml", "a"))
    assert article.published is None
    article = only(read_eml(message(sent=None).as_bytes(), "a.eml", "a"))
    assert article.published is None


def test_encoded_headers_are_decoded():
    raw = (
        b"Subject: =?utf-8?q?Caf=C3=A9_breach?=\n"
        b"From: =?iso-8859-1?q?Jos=E9_P=E9rez?= <jose@example.es>\n"
        b"Date: Wed, 01 Jan 2020 00:00:00 +0000\n\nText.\n"
    )
    article = only(read_eml(raw, "a.eml", "a"))
    assert (article.title, article.author) == ("Café breach", "José Pérez")


def test_raw_8bit_utf8_headers_are_read():
    raw = "Subject: Zürich outage\nFrom: Jürg Meier <j@x.ch>\n\nText.\n".encode()
    article = only(read_eml(raw, "a.eml", "a"))
    assert (article.title, article.author) == ("Zürich outage", "Jürg Meier")


@pytest.mark.parametrize(
    ("header", "expected"),
    [("ru-RU", "ru"), ("DE", "de"), ("en, fr", ""), ("x-klingon", ""), (None, "")],
)
def test_content_language_gives_the_language(header: str | None, expected: str):
    msg = message() if header is None else in_language(message(), header)
    assert only(read_eml(msg.as_bytes(), "a.eml", "a")).lang == expected


def in_language(msg: EmailMessage, lang: str) -> EmailMessage:
    """``msg`` with a Content-Language header (set_content and add_attachment move or drop the
    Content- headers set before them)."""
    msg["Content-Language"] = lang
    return msg


def test_the_body_parts_content_language_wins_over_the_messages():
    msg = message(body=None)
    msg.set_content("Текст письма.")
    msg.add_alternative("<p>Текст письма.</p>", subtype="html")
    in_language(msg, "en")
    plain = next(part for part in msg.iter_parts() if part.get_content_subtype() == "plain")
    in_language(plain, "ru")
    assert only(read_eml(msg.as_bytes(), "a.eml", "a")).lang == "ru"


def test_attachments_state_their_own_language_not_the_messages():
    document = docx.Document()
    document.core_properties.language = "uk-UA"
    document.add_paragraph("Звіт про інцидент.")
    out = io.BytesIO()
    document.save(out)
    msg = message()
    msg.add_attachment(
        out.getvalue(),
        maintype="application",
        subtype="vnd.openxmlformats-officedocument.wordprocessingml.document",
        filename="report.docx",
    )
    msg.add_attachment("Texte de la note.\n", filename="note.txt")
    msg.add_attachment("Another note.\n", filename="plain.txt")
    in_language(msg, "en-GB")
    in_language(list(msg.iter_attachments())[1], "fr")
    mail, report, note, plain = only_both(
        read_eml(msg.as_bytes(), "a.eml", "a", read_attachment=fake_reader)
    )
    # The document's own language; else its part's header; never the message's.
    assert [a.lang for a in (mail, report, note, plain)] == ["en", "uk", "fr", ""]


def test_an_attached_message_states_its_own_language():
    inner = in_language(message("Пересланный текст.", subject="Original"), "ru")
    outer = message("Forwarding this.", subject="Fwd: Original")
    outer.add_attachment(inner, filename="alert.eml")
    in_language(outer, "en")
    mail, forwarded = only_both(
        read_eml(outer.as_bytes(), "f.eml", "f", read_attachment=fake_reader)
    )
    assert (mail.lang, forwarded.lang) == ("en", "ru")


def test_mbox_messages_state_their_languages():
    box = b"".join(
        b"From x@example.org Tue Mar  4 10:15:00 2025\n" + m.as_bytes() + b"\n"
        for m in (
            in_language(message("Eins.", Message_ID="<1@x>"), "de"),
            message("Two.", Message_ID="<2@x>"),
        )
    )
    articles, _ = read_mbox(box, "box.mbox", "box")
    assert [a.lang for a in articles] == ["de", ""]


def test_hard_wrapped_lines_and_quoted_replies_become_paragraphs():
    body = "We saw the scan\nat noon and blocked it.\n\n> Did you block it?\n> Please confirm.\n"
    article = only(read_eml(message(body).as_bytes(), "a.eml", "a"))
    assert article.body.split("\n\n") == [
        "We saw the scan at noon and blocked it.",
        "> Did you block it?",
        "> Please confirm.",
    ]


def test_html_only_message_is_read_from_its_html():
    msg = message(body=None)
    msg.set_content(
        "<html><head><style>p {color: red}</style></head><body><p>Patch <b>now</b>.</p>"
        "<p>Second paragraph.</p></body></html>",
        subtype="html",
    )
    article = only(read_eml(msg.as_bytes(), "a.eml", "a"))
    assert article.body == "Patch now.\n\nSecond paragraph."


def test_multipart_alternative_prefers_the_plain_text():
    msg = message("Plain version.")
    msg.add_alternative("<p>HTML version.</p>", subtype="html")
    article = only(read_eml(msg.as_bytes(), "a.eml", "a"))
    assert article.body == "Plain version."


def test_an_empty_plain_part_falls_back_to_the_html_one():
    msg = message(" \n")
    msg.add_alternative("<p>Only here.</p>", subtype="html")
    assert only(read_eml(msg.as_bytes(), "a.eml", "a")).body == "Only here."


@pytest.mark.parametrize("cte", ["quoted-printable", "base64"])
def test_transfer_encodings_are_undone(cte):
    text = "Schöne Grüße — the naïve café attack was stopped. " * 3
    msg = message(body=None)
    msg.set_content(text, cte=cte)
    assert cte in msg.as_string()
    assert only(read_eml(msg.as_bytes(), "a.eml", "a")).body == text.strip()


@pytest.mark.parametrize("charset", ["iso-8859-1", "koi8-r"])
def test_a_non_utf8_charset_is_decoded(charset):
    text = "Привет, атака отражена." if charset == "koi8-r" else "Déjà vu: l'attaque échoue."
    raw = (
        f"Subject: x\nFrom: a@b.c\nContent-Type: text/plain; charset={charset}\n"
        "Content-Transfer-Encoding: 8bit\n\n"
    ).encode() + text.encode(charset)
    assert only(read_eml(raw, "a.eml", "a")).body == text


def test_a_wrong_or_unknown_charset_falls_back_to_utf8():
    raw = b"Subject: x\nContent-Type: text/plain; charset=x-nonsense\n\n" + "Ça va.".encode()
    assert only(read_eml(raw, "a.eml", "a")).body == "Ça va."
    raw = b"Subject: x\nContent-Type: text/plain\n\n" + "Grüße.".encode()  # no charset
    assert only(read_eml(raw, "a.eml", "a")).body == "Grüße."


def test_no_text_and_no_headers_are_refused():
    with pytest.raises(CorpusError, match="no text in the e-mail"):
        read_eml(message(body="  \n\n").as_bytes(), "a.eml", "a")
    with pytest.raises(CorpusError, match="not an e-mail message"):
        read_eml(b"just some words\nwithout headers\n", "a.eml", "a")


# --- Attachments ----------------------------------------------------------------------------


def with_attachments() -> EmailMessage:
    msg = message("See the attached report.", Message_ID="<abc.123@example.org>")
    msg.add_attachment(
        docx_attachment(),
        maintype="application",
        subtype="vnd.openxmlformats-officedocument.wordprocessingml.document",
        filename="report.docx",
    )
    msg.add_attachment("IOC list\n10.0.0.1\n", filename="iocs.txt")
    msg.add_attachment("second copy\n", filename="iocs.txt")  # the same name: its own id
    msg.add_attachment(b"PK\x03\x04zip", maintype="application", subtype="zip", filename="x.zip")
    msg.add_attachment(b"\x89PNG...", maintype="image", subtype="png", filename="shot.png")
    msg.add_attachment(b"sig", maintype="application", subtype="pgp-signature", filename="s.asc")
    return msg


def test_attachments_are_articles_linked_both_ways():
    articles, skipped = read_eml(
        with_attachments().as_bytes(), "mail/inc.eml", "inc", read_attachment=fake_reader
    )
    mail, report, iocs, copy = articles
    assert mail.id == "inc" and mail.body == "See the attached report."
    assert mail.attachments == ("inc-report.docx", "inc-iocs.txt", "inc-iocs.txt-2")
    assert report.id == "inc-report.docx"
    assert (report.title, report.body) == ("Incident report", "The intrusion began on a Sunday.")
    for attachment in (report, iocs, copy):
        assert attachment.parent == "inc"
        assert attachment.path == "mail/inc.eml"
        # The message's sender and date stand in for what the attachment does not state.
        assert (attachment.author, attachment.published) == ("Jane Doe", date(2025, 3, 4))
    assert iocs.body == "IOC list\n10.0.0.1\n"
    # The image went to the reader (OCR may read it; this one refused it); the archive and
    # the signature, no documents, did not.
    assert [relpath for relpath, _ in calls] == [
        "mail/inc.eml#report.docx",
        "mail/inc.eml#iocs.txt",
        "mail/inc.eml#iocs.txt",
        "mail/inc.eml#shot.png",
    ]
    assert skipped == [Skipped("mail/inc.eml#shot.png", "unsupported file type '.png'")]


def test_without_an_attachment_reader_attachments_are_left_out():
    article = only(read_eml(with_attachments().as_bytes(), "a.eml", "a"))
    assert article.attachments == ()


def test_a_message_with_only_an_attachment_keeps_an_empty_body():
    msg = message(body=None)
    msg.add_attachment("Just the file.\n", filename="note.txt")
    mail, note = only_both(read_eml(msg.as_bytes(), "a.eml", "a", read_attachment=fake_reader))
    assert (mail.body, mail.attachments, note.parent) == ("", ("a-note.txt",), "a")


def only_both(result):
    articles, skipped = result
    assert skipped == []
    return articles


def test_no_text_and_a_failing_attachment_says_why():
    msg = message(body=None)
    msg.add_attachment(b"data", maintype="application", subtype="octet-stream", filename="r.pdf")
    with pytest.raises(CorpusError, match=r"no text in the e-mail \(attachment r.pdf: unsupp"):
        read_eml(msg.as_bytes(), "a.eml", "a", read_attachment=fake_reader)


def test_attachment_names_lose_folders_and_gain_a_suffix_from_their_type():
    msg = message()
    msg.add_attachment(b"x", maintype="application", subtype="pdf", filename="..\\..\\evil")
    read_eml(msg.as_bytes(), "a.eml", "a", read_attachment=fake_reader)
    assert calls == [("a.eml#evil.pdf", "a-evil.pdf")]


def test_a_latin1_text_attachment_is_handed_over_in_utf8():
    msg = message()
    msg.add_attachment(
        "Résumé du incident.\n".encode("latin-1"),
        maintype="text",
        subtype="plain",
        filename="r.txt",
        params={"charset": "iso-8859-1"},
    )
    _, note = only_both(read_eml(msg.as_bytes(), "a.eml", "a", read_attachment=fake_reader))
    assert note.body == "Résumé du incident.\n"


def test_an_attached_message_is_read_as_a_message_of_its_own():
    inner = message("Forwarded original text.", subject="Original alert")
    inner.add_attachment("inner file\n", filename="inner.txt")
    outer = message("Forwarding this.", subject="Fwd: Original alert")
    outer.add_attachment(inner, filename="alert.eml")
    articles = only_both(read_eml(outer.as_bytes(), "f.eml", "f", read_attachment=fake_reader))
    mail, forwarded, inner_file = articles
    assert mail.attachments == ("f-alert.eml",)
    assert (forwarded.id, forwarded.title, forwarded.parent) == (
        "f-alert.eml",
        "Original alert",
        "f",
    )
    assert forwarded.body == "Forwarded original text."
    assert forwarded.attachments == ("f-alert.eml-inner.txt",)
    assert (inner_file.parent, inner_file.path) == ("f-alert.eml", "f.eml")
    assert calls == [("f.eml#alert.eml/inner.txt", "f-alert.eml-inner.txt")]


def test_messages_nested_too_deep_are_skipped():
    msg = message("Level 0.")
    for level in range(1, 5):
        outer = message(f"Level {level}.")
        outer.add_attachment(msg, filename=f"m{level}.eml")
        msg = outer
    articles, skipped = read_eml(msg.as_bytes(), "n.eml", "n")
    assert [a.body for a in articles] == ["Level 4.", "Level 3.", "Level 2.", "Level 1."]
    assert [a.parent for a in articles] == ["", "n", "n-m4.eml", "n-m4.eml-m3.eml"]
    reason = "a message nested more than 3 deep, which is not read"
    assert skipped == [Skipped("n.eml#m4.eml/m3.eml/m2.eml/m1.eml", reason)]


# --- Mailboxes --------------------------------------------------------------------------------


def mbox(*messages: bytes) -> bytes:
    return b"".join(
        b"From sender@example.org Tue Mar  4 10:15:00 2025\n" + raw.rstrip(b"\n") + b"\n\n"
        for raw in messages
    )


def test_mbox_reads_each_message_and_skips_a_broken_one():
    first = message("First message.", Message_ID="<one@example.org>").as_bytes()
    garbage = b"\x00\x01 this is no header line\n\xff\xfe binary junk\n"
    third = message("From the logs, nothing.\n\nSecond paragraph.", subject="Third").as_bytes()
    data = mbox(first, garbage, third.replace(b"\nFrom the logs", b"\n>From the logs"))
    articles, skipped = read_mbox(data, "box/soc.mbox", "soc")
    assert [a.id for a in articles] == ["soc-one-example.org", "soc-3"]
    assert articles[0].body == "First message."
    assert articles[1].body == "From the logs, nothing.\n\nSecond paragraph."  # unquoted
    assert articles[1].title == "Third"
    assert all(a.path == "box/soc.mbox" for a in articles)
    assert skipped == [
        Skipped("box/soc.mbox#message 2", "not an e-mail message (it starts with no headers)")
    ]


def test_an_unquoted_from_line_inside_a_paragraph_does_not_split():
    body = "Line one\nFrom here on, all is fine.\n"
    articles, skipped = read_mbox(mbox(message(body).as_bytes()), "b.mbox", "b")
    assert skipped == [] and len(articles) == 1
    assert articles[0].body == "Line one From here on, all is fine."


def test_mbox_duplicates_and_messages_without_text_are_skipped():
    same = message("Same.", Message_ID="<dup@x>").as_bytes()
    data = mbox(same, same, message("  ").as_bytes())
    articles, skipped = read_mbox(data, "b.mbox", "b")
    assert [a.id for a in articles] == ["b-dup-x"]
    assert skipped == [
        Skipped("b.mbox#message 2", "duplicate id 'b-dup-x' (also message 1)"),
        Skipped("b.mbox#message 3", "no text in the e-mail"),
    ]


def test_mbox_attachments_are_linked_and_their_failures_located():
    msg = with_attachments()
    data = mbox(message("Hello.").as_bytes(), msg.as_bytes())
    articles, skipped = read_mbox(data, "b.mbox", "b", read_attachment=fake_reader)
    assert [a.id for a in articles] == [
        "b-1",
        "b-abc.123-example.org",
        "b-abc.123-example.org-report.docx",
        "b-abc.123-example.org-iocs.txt",
        "b-abc.123-example.org-iocs.txt-2",
    ]
    assert articles[1].attachments == tuple(a.id for a in articles[2:])
    assert {a.parent for a in articles[2:]} == {"b-abc.123-example.org"}
    assert calls[0] == ("b.mbox#message 2/report.docx", "b-abc.123-example.org-report.docx")
    assert [s.path for s in skipped] == ["b.mbox#message 2/shot.png"]


def test_not_an_mbox_and_an_all_broken_mbox_are_refused():
    with pytest.raises(CorpusError, match="not an mbox mailbox"):
        read_mbox(b"Subject: hi\n\nbody\n", "b.mbox", "b")
    with pytest.raises(CorpusError, match=r"no usable articles: all 1 skipped \(first, message 1"):
        read_mbox(mbox(b"garbage\n"), "b.mbox", "b")


def test_mbox_with_crlf_line_ends():
    first = message("One.", Message_ID="<a@x>").as_bytes().replace(b"\n", b"\r\n")
    second = message("Two.", Message_ID="<b@x>").as_bytes().replace(b"\n", b"\r\n")
    data = b"From a@x Mon Jan  1 00:00:00 2024\r\n" + first + b"\r\n"
    data += b"From b@x Mon Jan  1 00:00:00 2024\r\n" + second
    articles, skipped = read_mbox(data, "b.mbox", "b")
    assert skipped == []
    assert [(a.id, a.body) for a in articles] == [("b-a-x", "One."), ("b-b-x", "Two.")]
