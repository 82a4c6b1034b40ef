"""``/api/search/export``: every hit of a search, with the filters, sort and spelling
correction of the results page it is linked from, streamed as CSV or JSON Lines
(:mod:`searchapp.search.export`)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from flask import Blueprint, Response, current_app, request, url_for

from ..search import SearchEngine
from ..search.export import check_format, export
from .params import _autocorrect, _filters

bp = Blueprint("export", __name__)

MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson"}
# Parameters of the results page that the export leaves out: it has every hit.
_PAGING = ("page", "per_page", "format")
_MAX_NAME_CHARS = 40


def _engine() -> SearchEngine:
    return current_app.extensions["searchapp"]


@bp.get("/api/search/export")
def export_search():
    """Everything is checked, and the search run, before the first byte is sent: a bad
    parameter is a 400 with the app's JSON error, never a broken file."""
    format = check_format(request.args.get("format", "csv"))
    result = export(
        _engine(),
        request.args.get("q"),
        filters=_filters(),
        sort=request.args.get("sort", "relevance"),  # type: ignore[arg-type]  # checked
        autocorrect=_autocorrect(),
        as_typed=not _autocorrect(),
    )
    response = Response(_encoded(result.lines(format)), content_type=MEDIA_TYPES[format])
    name = _file_name(result.shown_query)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.{format}"'
    response.headers["X-Total-Count"] = str(result.total)
    return response


def _encoded(pieces: Iterator[str]) -> Iterator[bytes]:
    for piece in pieces:
        if piece:
            yield piece.encode("utf-8")


def _file_name(query: str) -> str:
    """searchapp-<the query's letters and digits>, ASCII only (safe in the header)."""
    slug = re.sub(r"[^a-z0-9]+", "-", query.lower()).strip("-")[:_MAX_NAME_CHARS].strip("-")
    return f"searchapp-{slug}" if slug else "searchapp-export"


@bp.app_template_global()
def export_url(format: str) -> str:
    """The export of this results page's search (query, filters, sort, ``exact``)."""
    args = {k: request.args.getlist(k) for k in request.args if k not in _PAGING}
    return url_for("export.export_search", format=format, **args)
