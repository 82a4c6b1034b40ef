"""Saved searches on the web: the "Save this search" form of the results page (a POST with
a CSRF token, from this site only), the list at ``/saved``, each one's page, its Atom feed
``/feeds/<name>.atom`` and its JSON ``/api/saved/<name>``."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)

from ..errors import BadRequest, NotFound, SearchAppError
from ..search import Filters, SearchEngine
from ..watch import SavedMatch, SavedSearch, SavedSearches, check_name
from ..watch.feeds import atom_feed
from ..watch.saved import MAX_NAME_CHARS
from .forms import check_form, csrf_token
from .params import _filters

bp = Blueprint("saved", __name__)
FEED_ENTRIES = 50
MAX_MATCHES = 200


def _engine() -> SearchEngine:
    return current_app.extensions["searchapp"]


def store() -> SavedSearches:
    """This request's saved searches (opened once per request, closed at its end; created on
    disk by the first write only)."""
    if "saved_searches" not in g:
        create = request.method == "POST"
        g.saved_searches = SavedSearches(current_app.config["INDEX_DIR"], create=create)
    return g.saved_searches


@bp.teardown_app_request
def _close(_error: BaseException | None) -> None:
    saved = g.pop("saved_searches", None)
    if saved is not None:
        saved.close()


def search_args(search: SavedSearch) -> dict[str, Any]:
    """The results page's parameters of a saved search."""
    filters = search.filters
    args: dict[str, Any] = {"q": search.query} if search.query else {}
    for param, values in (
        ("source", filters.sources),
        ("author", filters.authors),
        ("tag", filters.tags),
        ("year", filters.years),
        ("entity", filters.entities),
        ("lang", filters.lang),
    ):
        if values:
            args[param] = list(values)
    if filters.date_from:
        args["from"] = filters.date_from.isoformat()
    if filters.date_to:
        args["to"] = filters.date_to.isoformat()
    return args


def save_search(name: str, text: str, filters: Filters) -> SavedSearch:
    """Check the name and that the search parses (the parser's message otherwise), then
    save it."""
    check_name(name)
    _engine().search(text, 1, 1, autocorrect=False, filters=filters, facets=False)
    return store().add(name, text, filters)


def snippets(search: SavedSearch, matches: list[SavedMatch]) -> dict[str, str]:
    """The matches' snippets (HTML) from the articles as they are now; none for an article
    gone from the index or no longer matching, or when there is no index to read."""
    ids = [match.article_id for match in matches]
    try:
        hits = _engine().hits_among(search.query, search.filters, ids)
    except SearchAppError:
        return {}
    return {hit.id: hit.snippet for hit in hits}


def _name(name: str) -> str:
    if len(name) > MAX_NAME_CHARS:
        raise NotFound(f"No saved search named {name[:MAX_NAME_CHARS]!r}….")
    return name


@bp.get("/saved")
def saved_list():
    searches = store().all()
    counts = {s.name: store().match_count(s.name) for s in searches}
    return render_template(
        "saved.html", searches=searches, counts=counts, token=csrf_token(), q="", args=search_args
    )


@bp.post("/saved")
def save():
    """Save the search whose parameters are this form's query string; the form gives the
    name and the token."""
    check_form()
    name = request.form.get("name", "").strip()
    search = save_search(name, request.args.get("q", ""), _filters())
    return redirect(url_for("saved.saved_page", name=search.name), 303)


@bp.get("/saved/<name>")
def saved_page(name: str):
    search = store().get(_name(name))
    matches = store().matches(search.name, MAX_MATCHES)
    return render_template(
        "saved_search.html",
        search=search,
        matches=matches,
        snippets=snippets(search, matches),
        count=store().match_count(search.name),
        token=csrf_token(),
        q=search.query,
        args=search_args(search),
    )


@bp.post("/saved/<name>/remove")
def remove(name: str):
    check_form()
    store().remove(_name(name))
    return redirect(url_for("saved.saved_list"), 303)


@bp.get("/api/saved")
def api_saved_list():
    return jsonify(
        saved=[
            {
                **s.to_dict(),
                "matches": store().match_count(s.name),
                "feed": url_for("saved.feed", name=s.name, _external=True),
            }
            for s in store().all()
        ]
    )


@bp.get("/api/saved/<name>")
def api_saved(name: str):
    search = store().get(_name(name))
    limit = request.args.get("limit", "50")
    if not limit.isdigit() or not 1 <= int(limit) <= MAX_MATCHES:
        raise BadRequest(f"limit must be a whole number from 1 to {MAX_MATCHES}.")
    matches = store().matches(search.name, int(limit))
    shown = snippets(search, matches)
    return jsonify(
        **search.to_dict(),
        feed=url_for("saved.feed", name=search.name, _external=True),
        search=url_for("web.search", **search_args(search), _external=True),
        total_matches=store().match_count(search.name),
        matches=[
            {
                **m.to_dict(),
                "snippet": shown.get(m.article_id, ""),
                "page": url_for("web.article", article_id=m.article_id),
            }
            for m in matches
        ],
    )


@bp.get("/feeds/<name>.atom")
def feed(name: str):
    search = store().get(_name(name))
    matches = store().matches(search.name, FEED_ENTRIES)
    body = atom_feed(
        search,
        matches,
        snippets(search, matches),
        feed_url=url_for("saved.feed", name=search.name, _external=True),
        search_url=url_for("web.search", **search_args(search), _external=True),
        article_url=lambda article_id: url_for(
            "web.article", article_id=article_id, _external=True
        ),
    )
    return Response(body, mimetype="application/atom+xml")
