"""The entities of an article: people, organisations and places (:mod:`.names`, the
gazetteer's agencies and groups) and technical indicators (:mod:`.indicators`), with the
analyst's corrections (:mod:`.corrections`) applied. Each has a value, ``type:name``
("person:Christine Lee", "cve:CVE-2021-44228"), which the engines index and facet on."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from . import indicators
from .analysis import Words
from .corrections import Corrections
from .names import TYPES, find_names
from .tags import Gazetteer, default_gazetteer
from .tags import Mention as TagMention

INDICATOR_KINDS = indicators.KINDS
# Every entity type, as the query language names them (`person:`, `cve:`).
ENTITY_TYPES = (*TYPES, *INDICATOR_KINDS)
# How hits and facets group them: people, organisations, places and indicators.
GROUPS = ("person", "org", "place", "indicator")
# Gazetteer kinds that are organisations (states are tags; places come from the place list).
_ORG_KINDS = ("agency", "group")
MAX_ENTITIES = 300  # per article: a phone book of a PDF keeps its first 300


@dataclass(frozen=True, slots=True)
class Mention:
    """One mention of an entity in a text, and why it was taken."""

    type: str  # one of ENTITY_TYPES
    name: str  # the entity's name (corrections and surnames applied), or indicator value
    start: int
    end: int
    why: str

    @property
    def value(self) -> str:
        return f"{self.type}:{self.name}"


def group_of(kind: str) -> str:
    """The group (GROUPS) of an entity type."""
    return kind if kind in TYPES else "indicator"


def split_value(value: str) -> tuple[str, str]:
    """``("person", "Christine Lee")`` from ``"person:Christine Lee"``."""
    kind, _, name = value.partition(":")
    return kind, name


def find_entities(
    text: str,
    corrections: Corrections | None = None,
    *,
    table: Words | None = None,
    names_from: int = 0,
    gazetteer: Gazetteer | None = None,
    tagged: list[TagMention] | None = None,
) -> list[Mention]:
    """Every entity mention of ``text``, in text order. ``table``: ``words(text)`` when the
    caller has it (the gazetteer's matching uses it); ``names_from``: where names may start
    (after a Title Case headline, whose capitals say nothing); ``tagged``: the gazetteer's
    mentions of ``text``, when the caller has them."""
    corrections = corrections or Corrections()
    if not corrections.extract:
        return []
    gazetteer = gazetteer or default_gazetteer()
    taken: list[Mention] = []
    for entity, start, end, written in corrections.find(text):
        why = "named in entities.toml"
        if written.casefold() != entity.name.casefold():
            why = f"{written!r}, an alias of {entity.name} in entities.toml"
        taken.append(Mention(entity.type, entity.name, start, end, why))
    for mention in gazetteer.mentions(text, table) if tagged is None else tagged:
        kind = gazetteer.kind(mention.name)
        if kind in _ORG_KINDS:
            why = f"the gazetteer ({kind})"
            written = text[mention.start : mention.end]
            if written != mention.name:
                why = f"{written!r}, an alias of {mention.name} in the gazetteer ({kind})"
            taken.append(Mention("org", mention.name, mention.start, mention.end, why))
    names = find_names(text[names_from:], None) if names_from else find_names(text, table)
    for name in names:
        start, end = name.start + names_from, name.end + names_from
        taken.append(Mention(name.type, name.name, start, end, name.why))
    for found in indicators.find_indicators(text):
        why = f"an indicator ({found.kind})"
        taken.append(Mention(found.kind, found.value, found.start, found.end, why))
    return _corrected(_without_overlaps(taken, len(text)), corrections)


_CLAIMED, _ADDRESS = 1, 2  # a character's claim: by any mention, by a url's or e-mail's


def _without_overlaps(mentions: list[Mention], size: int) -> list[Mention]:
    """The first claim on a span wins (entities.toml, then the gazetteer, then the names and
    indicators), except that an indicator's host repeats its url's or e-mail's span."""
    kept: list[Mention] = []
    claimed = bytearray(size)
    for mention in mentions:
        span = claimed[mention.start : mention.end]
        if mention.type in ("domain", "ip"):
            if _CLAIMED in span:
                continue
        elif span.count(0) != len(span):
            continue
        kept.append(mention)
        mark = _ADDRESS if mention.type in ("url", "email") else _CLAIMED
        claimed[mention.start : mention.end] = bytes([mark]) * (mention.end - mention.start)
    kept.sort(key=lambda m: (m.start, m.end))
    return kept


def _corrected(mentions: list[Mention], corrections: Corrections) -> list[Mention]:
    if not corrections.never and not corrections.declared:
        return mentions
    found = []
    for mention in mentions:
        if mention.type in TYPES:
            declared = corrections.entity(mention.name)
            if declared is not None and (declared.type, declared.name) != (
                mention.type,
                mention.name,
            ):
                why = f"{mention.name!r} ({mention.why}), an alias of {declared.name}"
                why += " in entities.toml"
                mention = Mention(declared.type, declared.name, mention.start, mention.end, why)
        if corrections.refused(mention.type, mention.name):
            continue
        found.append(mention)
    return found


def entity_values(mentions: Iterable[Mention]) -> tuple[str, ...]:
    """Each entity's value once, in order of first mention, at most MAX_ENTITIES."""
    values: dict[str, None] = {}
    for mention in mentions:
        values.setdefault(mention.value.replace(",", " "), None)
        if len(values) >= MAX_ENTITIES:
            break
    return tuple(values)


def grouped(values: Iterable[str]) -> dict[str, list[str]]:
    """Values by group, as hits carry them: names for people, organisations and places,
    ``kind:value`` for indicators (as the query language writes them)."""
    groups: dict[str, list[str]] = {group: [] for group in GROUPS}
    for value in values:
        kind, name = split_value(value)
        if kind in TYPES:
            groups[kind].append(name)
        elif kind in INDICATOR_KINDS:
            groups["indicator"].append(value)
    return groups
