"""Entity pages and their API: ``/entity/<type>/<name>`` (HTML), ``/api/entity/<type>/<name>``,
``/api/entities?type=&prefix=`` (completion), and the corrections form of an entity page,
which edits ``entities.toml`` in the articles folder (a POST with a CSRF token, from this
site only; applied by the next reindex)."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for
from markupsafe import Markup

from ..errors import BadRequest, Forbidden
from ..search import SearchEngine
from ..text.corrections import FILENAME, add_alias, add_never
from ..text.entities import ENTITY_TYPES, TYPES
from .forms import check_form, csrf_token

bp = Blueprint("entities", __name__)
MAX_NAME_CHARS = 200


def _engine() -> SearchEngine:
    return current_app.extensions["searchapp"]


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name, str(default))
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise BadRequest(f"{name} must be a whole number from {low} to {high}.")
    return int(raw)


def _checked(kind: str, name: str) -> tuple[str, str]:
    if kind not in ENTITY_TYPES:
        raise BadRequest(f"type must be one of: {', '.join(ENTITY_TYPES)}.")
    if not name.strip() or len(name) > MAX_NAME_CHARS or not name.isprintable():
        raise BadRequest(f"An entity name is 1 to {MAX_NAME_CHARS} printable characters.")
    return kind, name


@bp.get("/entity/<kind>/<path:name>")
def entity(kind: str, name: str):
    kind, name = _checked(kind, name)
    page = _engine().entity(kind, name, _int_arg("page", 1, 1, 500), 20)
    if (page.type, page.name) != (kind, name):  # an alias or another spelling: its entity
        return redirect(url_for("entities.entity", kind=page.type, name=page.name), 302)
    return render_template(
        "entity.html",
        entity=page,
        contexts=[Markup(a.context_html) for a in page.articles],
        token=csrf_token(),
        editable=page.type in TYPES,
        saved=request.args.get("saved"),
        corrections_file=FILENAME,
        q="",
    )


@bp.get("/api/entity/<kind>/<path:name>")
def api_entity(kind: str, name: str):
    kind, name = _checked(kind, name)
    page = _engine().entity(
        kind, name, _int_arg("page", 1, 1, 500), _int_arg("per_page", 20, 1, 100)
    )
    return jsonify(page.to_dict(lambda article_id: url_for("web.article", article_id=article_id)))


@bp.get("/api/entities")
def api_entities():
    kind = request.args.get("type", "")
    prefix = request.args.get("prefix", "")
    if len(prefix) > MAX_NAME_CHARS:
        raise BadRequest(f"prefix may be at most {MAX_NAME_CHARS} characters.")
    limit = _int_arg("limit", 10, 1, 100)
    return jsonify(
        type=kind, prefix=prefix, entities=_engine().complete_entities(kind, prefix, limit)
    )


@bp.post("/entity/<kind>/<path:name>/corrections")
def correct(kind: str, name: str):
    """Never extract this name again, or give the entity another name (an alias)."""
    kind, name = _checked(kind, name)
    if kind not in TYPES:
        raise BadRequest("Indicators are found by their form; only names can be corrected.")
    check_form()
    path = Path(current_app.config["SEEDS_DIR"]) / FILENAME
    action = request.form.get("action")
    try:
        if action == "never":
            add_never(path, kind, name)
        elif action == "alias":
            alias = request.form.get("alias", "").strip()
            _checked(kind, alias)
            add_alias(path, kind, name, alias)
        elif action == "merge":
            into = request.form.get("into", "").strip()
            _checked(kind, into)
            add_alias(path, kind, into, name)
            name = into
        else:
            raise BadRequest("action must be never, alias or merge.")
    except ValueError as error:
        raise BadRequest(str(error)) from None
    except OSError as error:
        raise Forbidden(f"{FILENAME} cannot be written: {error.strerror or error}.") from None
    return redirect(url_for("entities.entity", kind=kind, name=name, saved=action), 303)
