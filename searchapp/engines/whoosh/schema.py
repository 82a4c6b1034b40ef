"""The Whoosh schema, and the analyzer that plugs our NLTK analysis chain into Whoosh.

Whoosh pickles the schema into the index, so everything here is module-level and importable;
the index is nevertheless always opened with :data:`SCHEMA` from this module, so a code change
to analysis takes effect without unpickling surprises.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from whoosh import fields, formats
from whoosh.analysis import IDAnalyzer, SimpleAnalyzer, SpaceSeparatedTokenizer, Token, Tokenizer

from ...text import analysis
from ...text.analysed import exact_forms


class NltkAnalyzer(Tokenizer):
    """A Whoosh analyzer running :func:`searchapp.text.analysis.analyze`.

    Compound joins ("cyberattack" for "cyber-attack") are produced at index time only: at query
    time the parts alone, as a phrase, already find both spellings.
    """

    # Tells Whoosh the terms are stems (so it never offers them as spellings).
    is_morph = True

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NltkAnalyzer)

    def __hash__(self) -> int:
        return hash(NltkAnalyzer)

    def __call__(  # type: ignore[override]
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        lang: str = "",
        **kwargs: Any,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            # Whole-value terms (range ends, wildcard text): normalise, never split or stem.
            token.text = analysis.normalize(value)
            token.original = value
            token.boost = 1.0
            token.stopped = False
            if positions:
                token.pos = start_pos
            if chars:
                token.startchar, token.endchar = start_char, start_char + len(value)
            yield token
            return
        for term in analysis.analyze(
            value,
            remove_stops=removestops,
            compounds=mode != "query",
            spans=chars or keeporiginal,
            lang=lang,
        ):
            token.text = term.text
            token.boost = 1.0
            token.stopped = term.stopped
            if keeporiginal:
                token.original = value[term.start : term.end]
            if positions:
                token.pos = start_pos + term.pos
            if chars:
                token.startchar = start_char + term.start
                token.endchar = start_char + term.end
            yield token


STEMMED = NltkAnalyzer()


class ExactAnalyzer(NltkAnalyzer):
    """The chain without stemming or compound joins: the words as written, folded."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ExactAnalyzer)

    def __hash__(self) -> int:
        return hash(ExactAnalyzer)

    def __call__(self, value: str, **kwargs: Any) -> Iterator[Token]:  # type: ignore[override]
        token = Token(kwargs.get("positions", False), kwargs.get("chars", False))
        for term in analysis.analyze(value, stemming=False, compounds=False, spans=False):
            token.text, token.boost, token.stopped = term.text, 1.0, False
            token.pos = term.pos
            yield token


EXACT = ExactAnalyzer()


class AnalysedText(str):
    """Text handed to :class:`StemmedText` with its postings already computed (the indexer
    analyses each title and body once for postings, tags and vocabulary together)."""

    postings: dict[str, list[int]]

    def __new__(cls, text: str, postings: dict[str, list[int]]) -> AnalysedText:
        value = super().__new__(cls, text)
        value.postings = postings
        return value


_POSITIONS = formats.Positions()


@lru_cache(maxsize=65_536)
def _single_position(pos: int) -> bytes:
    # Most postings have one position: their encoding is looked up, not pickled each time.
    return _POSITIONS.encode([pos])


class StemmedText(fields.TEXT):
    """A TEXT field of :data:`STEMMED` that indexes through :func:`analysis.positions`:
    the same postings as the analyzer's token stream, about twice as fast to produce.
    Queries, highlighting and everything else still use the analyzer."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(analyzer=STEMMED, **kwargs)

    def index(self, value: Any, **kwargs: Any) -> Iterator[tuple[bytes, int, float, bytes]]:
        if not isinstance(value, str):
            raise ValueError(f"{value!r} is not text")
        postings = value.postings if isinstance(value, AnalysedText) else analysis.positions(value)
        boost = self.format.field_boost
        encode = self.format.encode
        cached = type(self.format) is formats.Positions  # another format encodes otherwise
        for word, poslist in postings.items():
            count = len(poslist)
            value_bytes = _single_position(poslist[0]) if cached and count == 1 else encode(poslist)
            yield word.encode("utf-8"), count, count * boost, value_bytes


class ExactForms(fields.FieldType):
    """The exact forms of a title or body (:func:`searchapp.text.analysed.exact_forms`): the
    capitalised words whose stem differs, the count as each posting's weight, nothing else
    (phrases and highlighting use the stemmed field). Indexed from the analysed article's
    counts; text given instead is analysed here, the same way."""

    def __init__(self) -> None:
        super().__init__(formats.Existence(), EXACT, scorable=True)

    def index(self, value: Any, **kwargs: Any) -> Iterator[tuple[bytes, int, float, bytes]]:
        if isinstance(value, str):
            value = exact_forms(value, analysis.words(value))
        for word, count in value.items():
            yield word.encode("utf-8"), count, float(count), b""


_ONCE = struct.pack(">I", 1)  # a Frequency posting of 1, as Whoosh's pack_uint writes it


class EntityValues(fields.KEYWORD):
    """The entity values of an article ("person:Christine Lee"), each an unscored term.
    Indexed straight from the analysed article's tuple: Whoosh's comma tokenizer made a Token
    per value, a good part of the entities' indexing cost."""

    def __init__(self) -> None:
        super().__init__(commas=True, scorable=False)

    def index(self, value: Any, **kwargs: Any) -> Iterator[tuple[bytes, int, float, bytes]]:
        if isinstance(value, str):  # as KEYWORD takes it: comma-separated
            value = [v.strip() for v in value.split(",") if v.strip()]

        for item in dict.fromkeys(value):
            yield item.encode("utf-8"), 1, 1.0, _ONCE


def build_schema() -> fields.Schema:
    return fields.Schema(
        id=fields.ID(stored=True, unique=True, sortable=True),
        title=StemmedText(stored=True, multitoken_query="phrase"),
        body=StemmedText(stored=True, multitoken_query="phrase"),
        title_exact=ExactForms(),
        body_exact=ExactForms(),
        path=fields.STORED(),
        url=fields.STORED(),
        # A paged document's page starts (a tuple of offsets in the body); an attachment's
        # message and a message's attachments (article ids).
        pages=fields.STORED(),
        parent=fields.STORED(),
        attachments=fields.STORED(),
        # Outlet and author are matched word by word, unstemmed (`source:jazeera`,
        # `author:"luke harding"`); source_name keeps the exact outlet for facets and their
        # filter links.
        source=fields.TEXT(analyzer=SimpleAnalyzer(), stored=True, multitoken_query="phrase"),
        source_name=fields.ID(sortable=True),
        author=fields.TEXT(analyzer=SimpleAnalyzer(), stored=True, multitoken_query="phrase"),
        # Gazetteer tags by canonical name ("GRU", "cyber attack"), comma-separated.
        tag=fields.KEYWORD(stored=True, commas=True, scorable=False),
        # Entities as "type:name" ("person:Christine Lee", "cve:CVE-2021-44228"),
        # comma-separated for indexing (names have no commas), and stored as a tuple.
        entity=EntityValues(),
        entities=fields.STORED(),
        # The language, an ISO 639-1 code ("ru"): one term, none when unknown; a column for
        # its facet; `lang:RU` is searched lower-cased.
        lang=fields.ID(stored=True, sortable=True, analyzer=IDAnalyzer(lowercase=True)),
        date=fields.DATETIME(stored=True),
        year=fields.NUMERIC(int, bits=32, sortable=True),
        # Date as a day number, 0 when unknown: Whoosh gives missing column values the
        # maximum, which would sort undated articles first in "newest first".
        day=fields.NUMERIC(int, bits=32, sortable=True),
    )


SCHEMA = build_schema()

# The vocabulary index (storage.VOCABULARY_DIR): the distinct unstemmed words of the articles,
# space-separated (see analysis.vocabulary), the dictionary for "did you mean" and for
# expanding prefix*, wild?card and fuzzy~ queries before stemming them. Existence postings:
# only the lexicon matters.
VOCABULARY_SCHEMA = fields.Schema(
    vocab=fields.FieldType(formats.Existence(), SpaceSeparatedTokenizer())
)
