"""The Flask app: HTML pages and the JSON API over one :class:`SearchEngine`."""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from flask import Blueprint, Flask, current_app, jsonify, render_template, request, url_for
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address
from limits import parse_many
from markupsafe import Markup
from werkzeug.exceptions import HTTPException

from ..config import RATE_LIMIT_ENV, Settings, is_loopback
from ..errors import BadRequest, ConfigError, IndexMissing, SearchAppError
from ..search import MAX_QUERY_LENGTH, SearchEngine, SearchPage, language_code, language_name
from . import entities, export, files, forms, saved, timeline
from .params import FILTER_PARAMS, _autocorrect, _filters

log = logging.getLogger(__name__)

# In a wheel the templates are searchapp/templates; in a checkout, the top-level templates/.
_PACKAGE = Path(__file__).resolve().parent.parent
_PACKAGED_TEMPLATES = _PACKAGE / "templates"
TEMPLATES_DIR = (
    _PACKAGED_TEMPLATES if _PACKAGED_TEMPLATES.is_dir() else _PACKAGE.parent / "templates"
)
DEFAULT_PER_PAGE = 10
# Nothing the app accepts has a body; a client sending more than this is refused with 413.
MAX_CONTENT_LENGTH = 64 * 1024
_INTEGER = re.compile(r"[+-]?[0-9]{1,9}")

# Pages use no script, no inline style and nothing from other hosts; the policy makes that a
# guarantee, so text that slipped through escaping could still run nothing.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; "
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}

bp = Blueprint("web", __name__)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """App factory. ``config`` may set ``INDEX_DIR`` and ``SEEDS_DIR`` (else the environment
    or the defaults, see :class:`Settings`) and any Flask setting such as ``TESTING``."""
    settings = Settings.load(config)
    app = Flask(
        __name__, template_folder=str(TEMPLATES_DIR), static_folder=str(TEMPLATES_DIR / "static")
    )
    app.config.update(MAX_CONTENT_LENGTH=MAX_CONTENT_LENGTH)
    app.config.update(config or {})
    app.config.update(
        INDEX_DIR=settings.index_dir, SEEDS_DIR=settings.seeds_dir, RATE_LIMIT=settings.rate_limit
    )
    app.json.sort_keys = False  # type: ignore[attr-defined]
    # An id given as %2F would otherwise be redirected: /api/article/%2F/related to
    # /api/article/related, another article's address.
    app.url_map.merge_slashes = False
    _limit_api(app, settings.rate_limit, limit_loopback=settings.limit_loopback)
    app.extensions["searchapp"] = SearchEngine(settings.index_dir, config=settings.engine)
    app.register_blueprint(bp)
    app.register_blueprint(files.bp)
    app.register_blueprint(entities.bp)
    app.register_blueprint(saved.bp)
    app.register_blueprint(export.bp)
    app.jinja_env.globals["csrf_token"] = forms.csrf_token
    app.add_template_global(search_url)
    app.add_template_global(timeline.chart, "timeline_chart")
    app.add_template_global(MAX_QUERY_LENGTH, "max_query_length")
    app.add_template_filter(language_name)
    app.register_error_handler(Exception, handle_error)
    app.after_request(_add_security_headers)
    return app


def engine() -> SearchEngine:
    return current_app.extensions["searchapp"]


def _limit_api(app: Flask, rate_limit: str | None, *, limit_loopback: bool) -> None:
    """One budget per client address over the whole JSON API (in memory: waitress serves from
    one process), loopback clients exempt unless ``limit_loopback``. Behind a reverse proxy
    every client shares the proxy's address."""
    if rate_limit is None:
        return
    try:
        parse_many(rate_limit)
    except ValueError:
        raise ConfigError(
            f"Not a rate limit: {rate_limit!r} ({RATE_LIMIT_ENV}); write e.g. "
            '"20/second;300/minute", or "off".'
        ) from None
    Limiter(
        get_remote_address,
        app=app,
        application_limits=[rate_limit],
        application_limits_exempt_when=lambda: (
            not _wants_json() or (not limit_loopback and is_loopback(request.remote_addr or ""))
        ),
        storage_uri="memory://",
        headers_enabled=True,
    )


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
    elif isinstance(exc, RateLimitExceeded):
        status = 429
        message = f"Too many requests: at most {exc.limit.limit} from one client; retry later."
    elif isinstance(exc, HTTPException):
        status = exc.code or 500
        message = {
            404: "Not found: there is nothing at this address.",
            405: f"Method {request.method} is not allowed here.",
            413: f"Request too large: at most {MAX_CONTENT_LENGTH // 1024} KiB.",
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
    raw = request.args.get(name)
    if raw is None:
        return default
    if not _INTEGER.fullmatch(raw):
        raise BadRequest(f"{name} must be a whole number, got {raw[:40]!r}.")
    return int(raw)


def _search() -> SearchPage:
    """The search the request's ``q``, filters, ``sort``, ``page``, ``per_page`` and
    ``exact`` ask for."""
    page, per_page = _int_arg("page", 1), _int_arg("per_page", DEFAULT_PER_PAGE)
    autocorrect = _autocorrect()
    sort = request.args.get("sort", "relevance")
    return engine().search(
        request.args.get("q"),
        page,
        per_page,
        autocorrect=autocorrect,
        as_typed=not autocorrect,  # exact=1: the words as typed, nothing else
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
        (name, value, _filter_label(name, value))
        for name in FILTER_PARAMS
        for value in request.args.getlist(name)
        if value.strip()
    ]


def _filter_label(name: str, value: str) -> str:
    if name == "entity":
        return value
    if name == "lang":
        return f"language: {language_name(language_code(value))}"
    return f"{name}: {value}"


@bp.get("/article/<article_id>")
def article(article_id: str):
    q = request.args.get("q", "")
    view = engine().article(article_id, q)
    return render_template(
        "article.html",
        article=view,
        q=q,
        title_html=Markup(view.title_html),
        pages=[
            {"number": page.number, "paragraphs": [Markup(p) for p in page.paragraphs_html]}
            for page in view.pages
        ],
        matched_pages=[page.number for page in view.pages if page.number and page.matches],
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
        result.to_dict(
            lambda hit: url_for(
                "web.article",
                article_id=hit.id,
                q=result.shown_query,
                _anchor=f"page-{hit.page}" if hit.page else None,
            )
        )
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


@functools.cache
def openapi_description() -> dict[str, Any]:
    """The API's OpenAPI description (searchapp/data/openapi.yaml)."""
    text = resources.files("searchapp").joinpath("data/openapi.yaml").read_text("utf-8")
    return yaml.safe_load(text)


@bp.get("/api/openapi.json")
def api_openapi():
    return jsonify(openapi_description())
