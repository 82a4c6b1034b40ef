"""Searches over a few given articles rather than the collection: which of the articles a
reindex added or changed each saved search matches (:mod:`searchapp.watch.alerts`).

The articles are looked up once (one id filter), then each search only scores their
documents (:meth:`View.scores <searchapp.engines.base.View.scores>`): the cost grows with
those articles and the searches, not with the collection, and no snippet is made."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

from ..engines import query
from ..engines.base import View
from .parsing import SearchQuery


@dataclass(frozen=True, slots=True)
class Among:
    """Articles of one generation of the index: their documents and stored fields, in the
    order the ids were given (those no longer in the index left out)."""

    view: View
    keys: tuple[Hashable, ...]
    fields: dict[Hashable, dict[str, Any]]


def articles_among(view: View, ids: list[str]) -> Among:
    if not ids:
        return Among(view, (), {})
    among = query.Or([query.Term("id", article_id) for article_id in ids])
    found = view.search(query.Every(), among, len(ids))
    fields = {match.key: view.fields(match.key) for match in found.matches}
    order = {article_id: n for n, article_id in enumerate(ids)}
    keys = tuple(sorted(fields, key=lambda key: order[fields[key]["id"]]))
    return Among(view, keys, fields)


def matching(among: Among, q: SearchQuery) -> list[Hashable]:
    """The documents of ``among`` that ``q`` matches (its scored part and its filter)."""
    if not among.keys:
        return []
    scored = q.scored if q.filter is None else query.And([q.scored, q.filter])
    matched = among.view.scores(scored, list(among.keys))
    return [key for key in among.keys if key in matched]
