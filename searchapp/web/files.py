"""``/file/<id>``: an article's original file (the PDF, the Word file, the e-mail), served as
a download and never rendered here, from inside the articles folder only."""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path, PurePosixPath

from flask import Blueprint, current_app, send_file

from ..errors import NotFound
from ..ingest.discover import ARTICLE_SUFFIXES
from ..ingest.readers.email import attachment_file
from ..ingest.readers.sniff import media_type, suffix
from ..search import SearchEngine

bp = Blueprint("files", __name__)


@bp.get("/file/<article_id>")
def original(article_id: str):
    engine: SearchEngine = current_app.extensions["searchapp"]
    fields = engine.stored(article_id)
    relpath = fields.get("path", "")
    file = open_source(Path(current_app.config["SEEDS_DIR"]), relpath)
    name = PurePosixPath(relpath).name
    if fields.get("parent") and suffix(relpath) in (".eml", ".mbox"):
        # An attachment's original is the attached file, taken out of its message again.
        with file:
            data = file.read()
        found = _attachment(data, relpath, article_id)
        if found:
            name, data = found
            relpath = name
        file = io.BytesIO(data)
    head = file.read(1024)
    file.seek(0)
    response = send_file(
        file,
        mimetype=media_type(head, relpath),
        as_attachment=True,
        download_name=name,
        conditional=True,
        max_age=0,
    )
    # Never shown inline by a browser, whatever the type says; a file a browser would render
    # (HTML, SVG in an image's name) still runs nothing.
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def _attachment(data: bytes, relpath: str, article_id: str) -> tuple[str, bytes] | None:
    """The attachment that became ``article_id``, by the container's id as discovery names it
    (its stem, or stem-suffix when another format shares the stem)."""
    stem = PurePosixPath(relpath).stem
    for file_id in (stem, f"{stem}-{suffix(relpath).lstrip('.')}"):
        found = attachment_file(data, relpath, file_id, article_id)
        if found:
            return found
    return None


def open_source(root: Path, relpath: str):
    """The file ``relpath`` names under ``root``, opened for reading; :class:`NotFound` for
    anything else: a path leaving the folder (``..``, absolute, through a symlink), a hidden
    file, a file type the folder's reader never reads, no file, or no regular file."""
    missing = NotFound("The article's original file is not in the articles folder.")
    parts = PurePosixPath(relpath).parts
    if (
        not relpath
        or relpath.startswith("/")
        or "\\" in relpath
        or "\x00" in relpath
        or any(part in ("", ".", "..") or part.startswith(".") for part in parts)
        or suffix(relpath) not in ARTICLE_SUFFIXES
    ):
        raise missing
    try:
        folder = root.resolve(strict=True)
        target = (folder / relpath).resolve(strict=True)
    except (OSError, RuntimeError):
        raise missing from None
    if not target.is_relative_to(folder):
        raise missing
    try:
        fd = os.open(target, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        raise missing from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise missing
    return open(fd, "rb")
