"""The search's parameters read from the request: the filters of a results page, which the
save form of a saved search reads too."""

from __future__ import annotations

import re

from flask import request

from ..errors import BadRequest
from ..search import Filters, parse_day

MAX_FILTER_VALUES = 20
MAX_FILTER_VALUE_LENGTH = 200

# Parameters that narrow a search; each may be repeated (?tag=GRU&tag=poisoning).
FILTER_PARAMS = ("source", "author", "tag", "year", "entity", "lang", "from", "to")


def _values(name: str, *, blanks: bool = False) -> tuple[str, ...]:
    """A filter parameter's values (without blank ones unless asked), bounded in number and
    length."""
    values = request.args.getlist(name)
    if len(values) > MAX_FILTER_VALUES:
        raise BadRequest(f"At most {MAX_FILTER_VALUES} values of {name} at once.")
    if any(len(v) > MAX_FILTER_VALUE_LENGTH for v in values):
        raise BadRequest(f"A {name} value may be at most {MAX_FILTER_VALUE_LENGTH} characters.")
    return tuple(v for v in values if blanks or v.strip())


def _filters() -> Filters:
    args = request.args
    years = []
    for raw in _values("year", blanks=True):
        if not re.fullmatch(r"[0-9]{4}", raw.strip()):
            raise BadRequest(f"year must be a four-digit year, got {raw[:40]!r}.")
        years.append(int(raw))
    date_from, date_to = args.get("from", "").strip(), args.get("to", "").strip()
    return Filters(
        sources=_values("source"),
        authors=_values("author"),
        tags=_values("tag"),
        years=tuple(years),
        entities=_values("entity"),
        lang=_values("lang"),
        date_from=parse_day(date_from) if date_from else None,
        date_to=parse_day(date_to, end=True) if date_to else None,
    )


def _autocorrect() -> bool:
    """Whether the search may be replaced by its spelling suggestion (``exact=1`` says not)."""
    exact = request.args.get("exact", "0")
    if exact not in ("0", "1"):
        raise BadRequest("exact must be 0 or 1.")
    return exact == "0"
