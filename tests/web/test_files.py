"""``/file/<id>``: the original file as a download, from inside the articles folder only."""

from __future__ import annotations

import os
from email.message import EmailMessage
from pathlib import Path

import pytest

from searchapp.config import EngineConfig
from searchapp.engines.base import index_version
from searchapp.engines.registry import open_writer
from searchapp.reindex import reindex
from searchapp.text.article import Article
from searchapp.web import create_app
from tests.ingest.readers.test_pdf import make_pdf, prose

PDF = b"%PDF-1.4\n% a document\n"


def _article(article_id: str, path: str) -> Article:
    return Article(article_id, f"About {article_id}", "Some text of it.", path, True)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """An articles folder, a secret beside it, and articles pointing in and out of it."""
    seeds = tmp_path / "seeds"
    (seeds / "sub").mkdir(parents=True)
    (seeds / "report.pdf").write_bytes(PDF)
    (seeds / "renamed.txt").write_bytes(PDF)  # a PDF named .txt: served as what it is
    (seeds / "sub" / "note.txt").write_text("A note.\n")
    (seeds / "page.html").write_text("<script>alert(1)</script>")
    (seeds / ".hidden.txt").write_text("hidden")
    (seeds / "entities.toml").write_text("not an article file")
    (tmp_path / "secret.txt").write_text("the password")
    (seeds / "link.txt").symlink_to(tmp_path / "secret.txt")
    (seeds / "folder.txt").mkdir()
    os.mkfifo(seeds / "pipe.txt")
    articles = {
        "report": "report.pdf",
        "renamed": "renamed.txt",
        "note": "sub/note.txt",
        "page": "page.html",
        "up": "../secret.txt",
        "up-inside": "sub/../../secret.txt",
        "absolute": str(tmp_path / "secret.txt"),
        "link": "link.txt",
        "hidden": ".hidden.txt",
        "config": "entities.toml",
        "gone": "gone.pdf",
        "folder": "folder.txt",
        "pipe": "pipe.txt",
        "nothing": "",
        "backslash": "sub\\note.txt",
    }
    index = tmp_path / "index"
    index.mkdir()
    writer = open_writer(EngineConfig.load(), index)
    for article_id, path in articles.items():
        writer.add(_article(article_id, path))
    writer.commit(index_version(), full=True)
    return seeds


@pytest.fixture
def files_client(folder: Path):
    app = create_app(
        {
            "TESTING": True,
            "INDEX_DIR": folder.parent / "index",
            "SEEDS_DIR": folder,
            "RATE_LIMIT": "off",
        }
    )
    yield app.test_client()
    app.extensions["searchapp"].close()


def test_the_original_file_is_a_download_with_its_type_and_nosniff(files_client):
    response = files_client.get("/file/report")
    assert response.status_code == 200 and response.data == PDF
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == "attachment; filename=report.pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    note = files_client.get("/file/note")
    assert note.data == b"A note.\n" and note.mimetype == "text/plain"
    assert note.headers["Content-Disposition"] == "attachment; filename=note.txt"


def test_the_type_is_the_contents_not_the_names(files_client):
    response = files_client.get("/file/renamed")
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment")


def test_html_is_downloaded_never_rendered(files_client):
    response = files_client.get("/file/page")
    assert response.headers["Content-Disposition"] == "attachment; filename=page.html"
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize(
    "article_id",
    [
        "up",
        "up-inside",
        "absolute",
        "link",
        "hidden",
        "config",
        "gone",
        "folder",
        "pipe",
        "nothing",
        "backslash",
    ],
)
def test_nothing_outside_the_folder_or_not_an_article_file_is_served(files_client, article_id):
    response = files_client.get(f"/file/{article_id}")
    assert response.status_code == 404
    assert b"the password" not in response.data
    assert b"original file is not in the articles folder" in response.data


@pytest.mark.parametrize("url", ["/file/no-such-article", "/file/..%2Fsecret.txt", "/file/"])
def test_unknown_ids_and_paths_as_ids_are_not_found(files_client, url):
    response = files_client.get(url)
    assert response.status_code == 404
    assert b"the password" not in response.data


def test_the_article_page_links_its_original_file(files_client):
    page = files_client.get("/article/report").get_data(as_text=True)
    assert 'href="/file/report"' in page


def test_an_attachments_original_is_the_attached_file(tmp_path: Path):
    seeds = tmp_path / "mail"
    seeds.mkdir()
    pdf = make_pdf([prose(3) + " Quillfeather."], title="Attached report")
    message = EmailMessage()
    message["From"], message["Subject"] = "Ann <ann@example.org>", "The report"
    message.set_content("Attached, the report.")
    message.add_attachment(pdf, maintype="application", subtype="pdf", filename="report.pdf")
    (seeds / "mail.eml").write_bytes(bytes(message))
    reindex(seeds, tmp_path / "mail-index")
    app = create_app(
        {"TESTING": True, "INDEX_DIR": tmp_path / "mail-index", "SEEDS_DIR": seeds,
         "RATE_LIMIT": "off"}
    )  # fmt: skip
    client = app.test_client()
    try:
        attachment = client.get("/file/mail-report.pdf")
        assert attachment.data == pdf and attachment.mimetype == "application/pdf"
        assert attachment.headers["Content-Disposition"] == "attachment; filename=report.pdf"
        mail = client.get("/file/mail")
        assert mail.data == bytes(message) and mail.mimetype == "message/rfc822"
        page = client.get("/article/mail-report.pdf").get_data(as_text=True)
        assert 'href="/article/mail"' in page  # attached to its message
        assert 'href="/article/mail-report.pdf"' in client.get("/article/mail").get_data(
            as_text=True
        )
    finally:
        app.extensions["searchapp"].close()
