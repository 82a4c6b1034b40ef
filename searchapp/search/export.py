"""Exports: every hit of a search, not one page, in the order the results pages rank them, as
rows of plain text for CSV and JSON Lines (``/api/search/export``, ``searchapp search
--export``).

:func:`export` runs the search the results page runs (the same query, filters, sort, ranking,
fallback to any of the words and spelling correction) with no page window and no time
limit, and keeps only the ranked keys of the hits. :meth:`Export.rows` then reads the stored
fields :data:`EXPORT_CHUNK` hits at a time, so memory holds one chunk of articles whatever
the number of hits, and makes each row's snippet the cheap way (see :class:`_FirstMatch`):
Whoosh's highlighter, which the pages use, manages a few hundred hits a second.
"""

from __future__ import annotations

import csv
import io
import json
import re
from array import array
from collections.abc import Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

import searchapp.search.suggestions as suggestions

from ..engines.base import SORTS, Match, Sort, View
from ..engines.whoosh.highlight import SNIPPET_CHARS
from ..errors import BadRequest, QueryError
from ..text import analysis
from ..text.article import shorten
from .filters import Filters
from .parsing import SearchQuery, _query_terms, _scores_words, check_query_text
from .results import _metadata
from .service import SearchEngine

Format = Literal["csv", "jsonl"]
FORMATS: tuple[Format, ...] = ("csv", "jsonl")
# The columns of a row, in order (CSV's header row).
COLUMNS = ("id", "title", "date", "source", "author", "url", "tags", "score", "snippet")
# Hits whose stored fields are read at a time.
EXPORT_CHUNK = 256
# Characters of text gathered before they are handed on (one write, one HTTP chunk).
FLUSH_CHARS = 64 * 1024
# A snippet starts this many characters before the first matched word.
SNIPPET_LEAD = 60
# Candidate words (by their first letters) checked in one article before its snippet falls
# back to the opening.
MAX_CANDIDATES = 64


@dataclass(frozen=True, slots=True)
class ExportRow:
    """One exported hit. ``url`` is the article's own address (where its file gave one);
    ``score`` is None when the hits are sorted by date; ``snippet`` is plain text."""

    id: str
    title: str
    date: date | None
    source: str
    author: str
    url: str
    tags: tuple[str, ...]
    score: float | None
    snippet: str

    def to_dict(self) -> dict[str, Any]:
        """JSON Lines' object: the date ISO or null, the tags a list, the score or null."""
        return {
            "id": self.id,
            "title": self.title,
            "date": self.date.isoformat() if self.date else None,
            "source": self.source,
            "author": self.author,
            "url": self.url,
            "tags": list(self.tags),
            "score": self.score,
            "snippet": self.snippet,
        }

    def to_csv(self) -> list[str]:
        """CSV's cells: tags joined with "; ", an empty cell for no date or score."""
        return [
            self.id,
            self.title,
            self.date.isoformat() if self.date else "",
            self.source,
            self.author,
            self.url,
            "; ".join(self.tags),
            "" if self.score is None else repr(self.score),
            self.snippet,
        ]


def check_format(name: str) -> Format:
    """``name`` if it is an export format; :class:`BadRequest` otherwise."""
    if name not in FORMATS:
        raise BadRequest(f"format must be one of: {', '.join(FORMATS)}; got {name[:40]!r}.")
    return name  # type: ignore[return-value]  # checked above


class Export:
    """Every hit of one search, ranked; the rows are read as they are iterated."""

    def __init__(
        self,
        query: str,
        corrected_to: str | None,
        sort: Sort,
        view: View,
        q: SearchQuery,
        matches: list[Match],
        ranked: bool,
    ) -> None:
        self.query = query  # as typed (cleaned)
        self.corrected_to = corrected_to  # the suggestion searched instead, when it was
        self.sort = sort
        self.total = len(matches)
        self._view = view
        # Held while the rows are read: 16 bytes a hit, not the matches' hundred or so.
        self._keys = _compact_keys(matches)
        self._scores = array("d", (round(m.score or 0.0, 4) for m in matches)) if ranked else None
        typed = frozenset(q.typed)
        with_synonyms = frozenset(_query_terms(q.scored, ["body"]))
        self._finders = [_FirstMatch(terms) for terms in (typed, with_synonyms - typed) if terms]

    @property
    def shown_query(self) -> str:
        """The query the hits are for."""
        return self.corrected_to or self.query

    def rows(self) -> Iterator[ExportRow]:
        """The hits' rows, best first (or by date), reading :data:`EXPORT_CHUNK` articles'
        stored fields at a time (in key order within a chunk, which reads the index files
        more nearly in order)."""
        keys, scores = self._keys, self._scores
        for start in range(0, len(keys), EXPORT_CHUNK):
            chunk = keys[start : start + EXPORT_CHUNK]
            stored = {key: self._view.fields(key) for key in _in_order(chunk)}
            for offset, key in enumerate(chunk):
                fields = stored[key]
                meta = _metadata(fields)
                yield ExportRow(
                    id=fields["id"],
                    title=fields["title"],
                    date=meta["published"],
                    source=meta["source"],
                    author=meta["author"],
                    url=meta["url"],
                    tags=meta["tags"],
                    score=None if scores is None else scores[start + offset],
                    snippet=self._snippet(fields["body"]),
                )
            del stored

    def _snippet(self, body: str) -> str:
        """About :data:`SNIPPET_CHARS` of plain text from the first word matching the words
        as typed (else their synonyms), else the body's opening."""
        for finder in self._finders:
            at = finder.find(body)
            if at is not None:
                return _window(body, at)
        return _opening(body)

    def lines(self, format: Format) -> Iterator[str]:
        """The rows as CSV (a header row first) or JSON Lines, in pieces of about
        :data:`FLUSH_CHARS` characters."""
        return csv_text(self.rows()) if format == "csv" else jsonl_text(self.rows())


def export(
    engine: SearchEngine,
    text: str | None,
    *,
    filters: Filters | None = None,
    sort: Sort = "relevance",
    autocorrect: bool = True,
    as_typed: bool = False,
) -> Export:
    """Every hit of the search :meth:`SearchEngine.search` runs for these arguments, in the
    same order; refused as it refuses them (:class:`QueryError`), before any row is made."""
    filters = filters or Filters()
    text = "" if filters and not (text or "").strip() else check_query_text(text)
    if sort not in SORTS:
        raise QueryError(f"sort must be one of: {', '.join(SORTS)}.")
    view = engine.view()
    q = engine.query(text, view, filters, as_typed=as_typed)
    matches = _every_match(engine, view, q, sort)
    corrected_to = None
    if not matches and text and autocorrect:
        # As search() does: the spelling suggestion instead, when it is sure and finds hits.
        suggestion = engine._suggestion_cache.get(
            (view.generation(), text), lambda: suggestions.suggest(text, view)
        )
        if suggestion and suggestion.sure(view):
            try:
                suggested_q = engine.query(suggestion.text, view, filters)
            except QueryError:
                suggested_q = None
            if suggested_q is not None:
                suggested = _every_match(engine, view, suggested_q, sort)
                if suggested:
                    q, matches, corrected_to = suggested_q, suggested, suggestion.text
    ranked = sort == "relevance" and _scores_words(q.scored)
    return Export(text, corrected_to, sort, view, q, matches, ranked)


def _every_match(engine: SearchEngine, view: View, q: SearchQuery, sort: Sort) -> list[Match]:
    """All of the query's matches as one page of the results pages' own search (fallback to
    any of the words and feedback reordering included), without its time limit."""
    everything = max(view.doc_count(), 1)
    return engine._run(view, q, 1, everything, sort=sort).matches


def _compact_keys(matches: list[Match]) -> Sequence[Hashable]:
    """The matches' keys, as an array of integers where they are (both engines' are)."""
    try:
        return array("q", (match.key for match in matches))  # type: ignore[misc]
    except (TypeError, OverflowError):
        return [match.key for match in matches]


def _in_order(keys: Sequence[Hashable]) -> Sequence[Hashable]:
    try:
        return sorted(keys)  # type: ignore[type-var]  # engines' keys are numbers
    except TypeError:
        return keys


# -- snippets --------------------------------------------------------------------------------

_TOKEN = re.compile(analysis._TOKEN_PATTERN)
_WHITESPACE = re.compile(r"\s")


class _FirstMatch:
    """Finds the first word of a text whose index term is one of ``terms``: a regular
    expression finds the words starting as a term does (its stem but the last letter, as
    the highlighter's long-text windows do), and the analysis chain checks each of them in
    turn. Much cheaper than analysing the text; it misses what only a compound ("cyber-attack"
    for *cyberattack*) or an accent inside the first letters would match, and then the
    snippet is the opening."""

    def __init__(self, terms: Iterable[str]) -> None:
        self.terms = frozenset(terms)
        starts = sorted({t[: max(2, len(t) - 1)] for t in self.terms if t}, key=len, reverse=True)
        self.pattern = (
            re.compile(r"\b(?:" + "|".join(map(re.escape, starts)) + ")", re.IGNORECASE)
            if starts
            else None
        )

    def find(self, text: str) -> int | None:
        """Where the first matching word starts, or None."""
        if self.pattern is None:
            return None
        for checked, candidate in enumerate(self.pattern.finditer(text)):
            if checked >= MAX_CANDIDATES:
                return None
            token = _TOKEN.match(text, candidate.start())
            if token is not None:
                norm, stem, stopped = analysis.lexeme(token.group())
                if (norm if stopped else stem) in self.terms:
                    return candidate.start()
        return None


def _window(body: str, at: int) -> str:
    """About :data:`SNIPPET_CHARS` of ``body`` from a little before ``at``, whitespace made
    single spaces, cut at words, with ellipses where text is left out."""
    start = max(0, at - SNIPPET_LEAD)
    if start and not body[start - 1].isspace():  # don't start inside a word
        space = _WHITESPACE.search(body, start, at)
        start = space.end() if space else at
    piece = " ".join(body[start : start + SNIPPET_CHARS * 2].split())
    text = shorten(piece, SNIPPET_CHARS)
    if start + SNIPPET_CHARS * 2 < len(body) and not text.endswith("…"):
        text += " …"
    return f"… {text}" if body[:start].strip() else text


def _opening(body: str) -> str:
    """The body's first :data:`SNIPPET_CHARS` characters or so, as plain text."""
    return shorten(" ".join(body[: SNIPPET_CHARS * 2].split()), SNIPPET_CHARS)


# -- formats ---------------------------------------------------------------------------------


def csv_text(rows: Iterable[ExportRow]) -> Iterator[str]:
    """A header row, then a row per hit (RFC 4180: CRLF line ends, cells quoted when they
    hold a comma, a quote or a line break), in pieces of about :data:`FLUSH_CHARS`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(row.to_csv())
        if buffer.tell() >= FLUSH_CHARS:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def jsonl_text(rows: Iterable[ExportRow]) -> Iterator[str]:
    """A JSON object per hit and line, in pieces of about :data:`FLUSH_CHARS`."""
    pending: list[str] = []
    size = 0
    for row in rows:
        line = json.dumps(row.to_dict(), ensure_ascii=False) + "\n"
        pending.append(line)
        size += len(line)
        if size >= FLUSH_CHARS:
            yield "".join(pending)
            pending, size = [], 0
    if pending:
        yield "".join(pending)
