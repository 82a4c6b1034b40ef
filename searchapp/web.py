"""The Flask app: HTML pages and the JSON API over one :class:`SearchEngine`."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify, render_template, request, url_for
from markupsafe import Markup
from werkzeug.exceptions import HTTPException

from .config import Settings
from .errors import BadRequest, IndexMissing, SearchAppError
from .search import SearchEngine, SearchPage

log = logging.getLogger(__name__)

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
DEFAULT_PER_PAGE = 10
_INTEGER = re.compile(r"[+-]?[0-9]{1,9}")

# Pages use no script and nothing from other hosts; the policy makes that a guarantee.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}

bp = Blueprint("web", __name__)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """App factory. ``config`` may set ``INDEX_DIR`` and ``SEEDS_DIR`` (else the environment
    or the defaults, see :class:`Settings`) and any Flask setting such as ``TESTING``."""
    settings = Settings.load(config)
    app = Flask(__name__, template_folder=str(TEMPLATES_DIR))
    app.config.update(config or {})
    app.config.update(INDEX_DIR=settings.index_dir, SEEDS_DIR=settings.seeds_dir)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions["searchapp"] = SearchEngine(settings.index_dir)
    app.register_blueprint(bp)
    app.register_error_handler(Exception, handle_error)
    app.after_request(_add_security_headers)
    return app


def engine() -> SearchEngine:
    return current_app.extensions["searchapp"]


def _add_security_headers(response):
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def handle_error(exc: Exception):
    """The one error handler: the same message as JSON under /api/, as a page elsewhere."""
    if isinstance(exc, HTTPException) and exc.code is not None and exc.code < 400:
        return exc  # routing redirects
    if isinstance(exc, SearchAppError):
        status, message = exc.status, exc.message
    elif isinstance(exc, HTTPException):
        status = exc.code or 500
        message = {
            404: "Not found: there is nothing at this address.",
            405: f"Method {request.method} is not allowed here.",
        }.get(status, exc.description or exc.name)
    else:
        log.exception("unhandled error on %s", request.path)
        status, message = 500, "Internal error: the search could not be completed."
    if _wants_json():
        return jsonify(error=message), status
    template = "search.html" if request.endpoint == "web.search" else "error.html"
    return (
        render_template(
            template, status=status, message=message, q=request.args.get("q", ""), result=None
        ),
        status,
    )


def _int_arg(name: str, default: int) -> int:
    raw = request.args.get(name, "").strip()
    if not raw:
        return default
    if not _INTEGER.fullmatch(raw):
        raise BadRequest(f"{name} must be a whole number, got {raw[:40]!r}.")
    return int(raw)


def _search() -> SearchPage:
    """The search the request's ``q``, ``page``, ``per_page`` and ``exact`` ask for."""
    page, per_page = _int_arg("page", 1), _int_arg("per_page", DEFAULT_PER_PAGE)
    exact = request.args.get("exact") == "1"
    return engine().search(request.args.get("q"), page, per_page, autocorrect=not exact)


# -- pages ---------------------------------------------------------------------------------


@bp.get("/")
def home():
    try:
        documents, notice = engine().document_count(), None
    except IndexMissing as exc:
        documents, notice = None, exc.message
    return render_template("index.html", documents=documents, notice=notice, q="")


@bp.get("/search")
def search():
    if not request.args.get("q", "").strip():
        return home()
    return render_template("search.html", result=_search(), q=request.args["q"])


@bp.get("/article/<article_id>")
def article(article_id: str):
    q = request.args.get("q", "")
    view = engine().article(article_id, q)
    return render_template(
        "article.html",
        article=view,
        q=q,
        title_html=Markup(view.title_html),
        paragraphs=[Markup(p) for p in view.paragraphs_html],
    )


# -- JSON API ------------------------------------------------------------------------------


@bp.get("/api/search")
def api_search():
    result = _search()
    return jsonify(
        result.to_dict(lambda hit: url_for("web.article", article_id=hit.id, q=result.shown_query))
    )


@bp.get("/api/article/<article_id>")
def api_article(article_id: str):
    view = engine().article(article_id)
    return jsonify(id=view.id, title=view.title, body=view.body)


@bp.get("/api/health")
def api_health():
    return jsonify(status="ok", documents=engine().document_count())
