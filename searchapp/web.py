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
from .search import Filters, SearchEngine, SearchPage, parse_day

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
    app.add_template_global(search_url)
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


# Parameters that narrow a search; each may be repeated (?tag=GRU&tag=poisoning).
FILTER_PARAMS = ("source", "author", "tag", "year", "from", "to")


def _filters() -> Filters:
    args = request.args
    years = []
    for raw in args.getlist("year"):
        if not re.fullmatch(r"[0-9]{4}", raw.strip()):
            raise BadRequest(f"year must be a four-digit year, got {raw[:40]!r}.")
        years.append(int(raw))
    date_from, date_to = args.get("from", "").strip(), args.get("to", "").strip()
    return Filters(
        sources=tuple(v for v in args.getlist("source") if v.strip()),
        authors=tuple(v for v in args.getlist("author") if v.strip()),
        tags=tuple(v for v in args.getlist("tag") if v.strip()),
        years=tuple(years),
        date_from=parse_day(date_from) if date_from else None,
        date_to=parse_day(date_to, end=True) if date_to else None,
    )


def _search() -> SearchPage:
    """The search the request's ``q``, filters, ``sort``, ``page``, ``per_page`` and
    ``exact`` ask for."""
    page, per_page = _int_arg("page", 1), _int_arg("per_page", DEFAULT_PER_PAGE)
    exact = request.args.get("exact") == "1"
    sort = request.args.get("sort", "").strip() or "relevance"
    return engine().search(
        request.args.get("q"),
        page,
        per_page,
        autocorrect=not exact,
        filters=_filters(),
        sort=sort,  # type: ignore[arg-type]  # checked by search()
    )


def search_url(*, toggle: tuple[str, str] | None = None, **changes: Any) -> str:
    """This search's address with some parameters changed (None removes one), or with one
    filter value added or, if present, removed (``toggle=("tag", "GRU")``). Back to page 1
    unless a page is given."""
    args: dict[str, list[str]] = {k: request.args.getlist(k) for k in request.args}
    args.pop("page", None)
    args.pop("exact", None)
    if toggle:
        name, value = toggle
        values = args.get(name, [])
        args[name] = [v for v in values if v != value] if value in values else [*values, value]
    for name, value in changes.items():
        if value is None:
            args.pop(name, None)
        else:
            args[name] = [str(value)]
    return url_for("web.search", **{k: v for k, v in args.items() if v and any(v)})


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
    browsing = any(request.args.get(name, "").strip() for name in FILTER_PARAMS)
    if not request.args.get("q", "").strip() and not browsing:
        return home()
    return render_template(
        "search.html",
        result=_search(),
        q=request.args.get("q", ""),
        active_filters=_active_filters(),
        kept_args=[(k, v) for k in (*FILTER_PARAMS, "sort") for v in request.args.getlist(k)],
    )


def _active_filters() -> list[tuple[str, str, str]]:
    """(parameter, value, label) of each filter parameter in the request."""
    return [
        (name, value, f"{name}: {value}")
        for name in FILTER_PARAMS
        for value in request.args.getlist(name)
        if value.strip()
    ]


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
        related=engine().related(article_id),
        link=_safe_link(view.url),
    )


def _safe_link(url: str) -> str | None:
    """The article's own address if it is a web address (never javascript: and the like)."""
    return url if re.match(r"https?://", url, re.IGNORECASE) else None


# -- JSON API ------------------------------------------------------------------------------


@bp.get("/api/search")
def api_search():
    result = _search()
    return jsonify(
        result.to_dict(lambda hit: url_for("web.article", article_id=hit.id, q=result.shown_query))
    )


def _article_url(hit) -> str:
    return url_for("web.article", article_id=hit.id)


@bp.get("/api/article/<article_id>")
def api_article(article_id: str):
    return jsonify(engine().article(article_id).to_dict())


@bp.get("/api/article/<article_id>/related")
def api_related(article_id: str):
    limit = _int_arg("limit", 5)
    if not 1 <= limit <= 50:
        raise BadRequest("limit must be between 1 and 50.")
    related = engine().related(article_id, limit)
    return jsonify(id=article_id, related=[hit.to_dict(_article_url) for hit in related])


@bp.get("/api/health")
def api_health():
    return jsonify(status="ok", documents=engine().document_count())
