"""How an analysed article becomes a Xapian document, and what each shard's metadata says;
and reading them back. Documents hold our own analysis (:func:`searchapp.text.analysed.analyse`):

=================  ==========================================================================
title (headline)   ``S``\\ stem at each position + 1 (scored; counts in the document length)
body               the bare stem (our stems are lower case: no clash with the prefixes)
source / author    ``XSRC``/``A`` + word at its position, wdf 0: phrase-searchable, unscored
source_name        boolean ``XSN`` + outlet, and slot 2 (facet)
tag                boolean ``K`` + tag; slots 7+: one bit per gazetteer tag, 8 to a slot (facet)
entity             boolean ``XN`` + ``type:name``; slot 1000: the values, newline-separated (facet)
lang               boolean ``XL`` + language code, and slot 1001 (facet); none when unknown
year / day         boolean ``Y`` + year; slots 1 and 0 ``sortable_serialise`` (ranges, facet)
id                 boolean ``Q`` + id (replace and delete by it), slot 3 (ties)
sort keys          slots 4 and 5: day number then id, for newest/oldest (undated last in both)
lengths            slot 6: the title's and body's term counts (for the shard's totals)
vocabulary         boolean ``W`` + unstemmed word: patterns and suggestions, in every shard
exact forms        ``XT`` (headline) / ``XE`` (body) + each exact form (``exact_forms``), wdf
                   its count, no positions (they count in the document length, as Lucene's
                   keyword repeat counts in the field's)
presence           boolean ``XF`` + metadata field name, for ``Every(field)`` (``year:*``)
stored fields      ``set_data``: JSON of ``AnalysedArticle.stored()`` (date ISO) + headline
=================  ==========================================================================

Each shard keeps a JSON state in its metadata (``STATE_KEY``): the generation, the version
that built it, its shard number and count, and its title and body lengths (exact
``field_length``).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

import xapian

from ...text.analysed import AnalysedArticle
from ...text.article import Article
from ...text.tags import default_gazetteer

DATABASE_DIR = "xapian"  # the local database, in the index folder
STATE_KEY = "searchapp"  # each shard's metadata entry holding its _State

# Term prefixes (upper case, so never confused with a body stem).
TITLE, SOURCE, AUTHOR = "S", "XSRC", "A"
SOURCE_NAME, TAG, YEAR, ID, WORD, PRESENT = "XSN", "K", "Y", "Q", "W", "XF"
ENTITY = "XN"
LANG = "XL"
TITLE_EXACT, BODY_EXACT = "XT", "XE"
FIELD_PREFIXES = {"title": TITLE, "body": "", "source": SOURCE, "author": AUTHOR}
EXACT_PREFIXES = {"title_exact": TITLE_EXACT, "body_exact": BODY_EXACT}
METADATA_WORD_FIELDS = ("source", "author")
PRESENCE_FIELDS = ("source", "author", "tag", "date", "year", "lang")

SLOT_DAY, SLOT_YEAR, SLOT_SOURCE, SLOT_ID, SLOT_NEWEST, SLOT_OLDEST, SLOT_LENGTHS = range(7)
# A document's tags as bits, one per gazetteer tag, TAG_BITS to a slot: a match spy per slot
# counts at most 2**TAG_BITS values, split into tags here (few spies, few values each).
SLOT_TAGS = 7
TAG_BITS = 8
# A document's entity values: a match spy counts each set of them, split into values here.
SLOT_ENTITIES = 1000
# A document's language code (none when unknown): a match spy counts the languages.
SLOT_LANG = 1001

# Sort keys: a 7-digit day number then the id, so the key's order is the date's, ties by id.
_LAST_DAY = date.max.toordinal()  # 3652059: "newest" counts days back from it
_UNDATED_LAST = 9_999_999  # "oldest" gives undated articles this day: after every real one

MAX_TERM_BYTES = 245  # Xapian's limit on a term's length


def _term(prefix: str, text: str) -> str:
    """``prefix + text``, or, past Xapian's length limit (a long compound or outlet name),
    its start and a digest: the same text always gives the same term."""
    term = prefix + text
    if len(term) * 4 <= MAX_TERM_BYTES or len(term.encode("utf-8")) <= MAX_TERM_BYTES:
        return term
    head = text.encode("utf-8")[:180].decode("utf-8", "ignore")
    return f"{prefix}{head}#{hashlib.sha1(text.encode('utf-8')).hexdigest()}"


@dataclass(frozen=True, slots=True)
class _Lengths:
    """Terms of the title and body fields (Whoosh's field lengths)."""

    title: int = 0
    body: int = 0

    def __add__(self, other: _Lengths) -> _Lengths:
        return _Lengths(self.title + other.title, self.body + other.body)

    def __sub__(self, other: _Lengths) -> _Lengths:
        return _Lengths(self.title - other.title, self.body - other.body)


def _add_postings(doc: xapian.Document, prefix: str, postings: dict[str, list[int]]) -> int:
    length = 0
    for stem, positions in postings.items():
        term = _term(prefix, stem)
        for pos in positions:
            doc.add_posting(term, pos + 1)
        length += len(positions)
    return length


def _document(analysed: AnalysedArticle) -> tuple[xapian.Document, _Lengths]:
    """The Xapian document of an analysed article (layout: module docstring)."""
    article = analysed.article
    doc = xapian.Document()
    lengths = _Lengths(
        _add_postings(doc, TITLE, analysed.title_postings),
        _add_postings(doc, "", analysed.body_postings),
    )
    for prefix, words in ((SOURCE, analysed.source_words), (AUTHOR, analysed.author_words)):
        for pos, word in enumerate(words, 1):
            doc.add_posting(_term(prefix, word), pos, 0)
    doc.add_boolean_term(_term(ID, article.id))
    doc.add_value(SLOT_ID, article.id)
    if article.source:
        doc.add_boolean_term(_term(SOURCE_NAME, article.source))
        doc.add_value(SLOT_SOURCE, article.source)
    masks: dict[int, int] = {}
    for tag in analysed.tags:
        doc.add_boolean_term(_term(TAG, tag))
        group, bit = divmod(_tag_numbers()[tag], TAG_BITS)
        masks[group] = masks.get(group, 0) | 1 << bit
    for group, mask in masks.items():
        doc.add_value(SLOT_TAGS + group, bytes([mask]))
    for value in analysed.entities:
        doc.add_boolean_term(_term(ENTITY, value))
    if analysed.entities:
        doc.add_value(SLOT_ENTITIES, "\n".join(analysed.entities))
    lang = analysed.lang or article.lang  # as stored_fields stores it
    if lang:
        doc.add_boolean_term(_term(LANG, lang))
        doc.add_value(SLOT_LANG, lang)
    day = analysed.day
    if analysed.year is not None:
        doc.add_boolean_term(f"{YEAR}{analysed.year}")
        doc.add_value(SLOT_YEAR, xapian.sortable_serialise(analysed.year))
        doc.add_value(SLOT_DAY, xapian.sortable_serialise(day))
    doc.add_value(SLOT_NEWEST, f"{_LAST_DAY - day:07d}{article.id}")  # day 0: last
    doc.add_value(SLOT_OLDEST, f"{day or _UNDATED_LAST:07d}{article.id}")
    doc.add_value(SLOT_LENGTHS, f"{lengths.title} {lengths.body}")
    present = {
        "source": analysed.source_words,
        "author": analysed.author_words,
        "tag": analysed.tags,
        "date": analysed.year,
        "year": analysed.year,
        "lang": lang,
    }
    for fieldname, value in present.items():
        if value:
            doc.add_boolean_term(PRESENT + fieldname)
    for word in analysed.words:
        # A word too long for a term (a long compound) is left out of the vocabulary.
        if len((WORD + word).encode("utf-8")) <= MAX_TERM_BYTES:
            doc.add_boolean_term(WORD + word)
    for prefix, forms in ((TITLE_EXACT, analysed.title_exact), (BODY_EXACT, analysed.body_exact)):
        for word, count in forms.items():
            doc.add_term(_term(prefix, word), count)
    stored = analysed.stored()
    stored["date"] = article.published.isoformat() if article.published else None
    stored["headline"] = article.headline
    doc.set_data(json.dumps(stored, ensure_ascii=False))
    return doc, lengths


def _stored(data: bytes) -> dict[str, Any]:
    """A document's stored fields as :func:`searchapp.text.analysed.stored_fields` gives them."""
    fields = json.loads(data)
    fields.pop("headline", None)
    fields["date"] = date.fromisoformat(fields["date"]) if fields.get("date") else None
    return fields


def _article(data: bytes) -> Article:
    """The article a document was made from (for re-sharding)."""
    fields = json.loads(data)
    published = fields.get("date")
    return Article(
        id=fields["id"],
        title=fields["title"],
        body=fields["body"],
        path=fields["path"],
        headline=fields["headline"],
        published=date.fromisoformat(published) if published else None,
        source=fields["source"],
        author=fields["author"],
        url=fields["url"],
        pages=tuple(fields.get("pages", ())),
        parent=fields.get("parent", ""),
        attachments=tuple(fields.get("attachments", ())),
        lang=fields.get("lang", ""),
    )


def _lengths_value(doc: xapian.Document) -> _Lengths:
    title, body = doc.get_value(SLOT_LENGTHS).decode().split()
    return _Lengths(int(title), int(body))


@dataclass(frozen=True, slots=True)
class _State:
    """What a shard's metadata says about it (see the module docstring)."""

    generation: int = 0
    version: str | None = None
    shard: tuple[int, int] | None = None  # its number and the count it was built for
    lengths: _Lengths = _Lengths()

    @classmethod
    def read(cls, db: xapian.Database) -> _State:
        raw = db.get_metadata(STATE_KEY)
        if not raw:
            return cls()
        state = json.loads(raw)
        return cls(
            state["generation"],
            state["version"],
            tuple(state["shard"]) if state["shard"] else None,
            _Lengths(state["title"], state["body"]),
        )

    def dump(self) -> str:
        return json.dumps(
            {
                "generation": self.generation,
                "version": self.version,
                "shard": list(self.shard) if self.shard else None,
                "title": self.lengths.title,
                "body": self.lengths.body,
            }
        )


@lru_cache(maxsize=1)
def _tag_numbers() -> dict[str, int]:
    """Each gazetteer tag's bit (its place in the gazetteer, which index_version covers)."""
    return {name: number for number, name in enumerate(default_gazetteer().names)}


def _tag_slots() -> int:
    return -(-len(default_gazetteer().names) // TAG_BITS)
