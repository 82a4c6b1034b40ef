"""Tagging articles with the security actors and topics they mention, from a gazetteer.

The gazetteer (``data/gazetteer.toml``, format described at its top) maps each tag's canonical
name to a kind and aliases. An alias matches a run of consecutive analysis terms, so matching
shares the index's tokenizing, normalising and stemming (:mod:`searchapp.text.analysis`):

* words are compared by Snowball stem ("spies" matches "spy", "sanctioned" "sanctions"), or,
  for a tag's ``unstemmed`` words, by normalised word ("defection" but not "defect");
* stopwords take no position, so "interference in the election" also matches "interfere with
  the elections"; but only where the alias has stopwords, so "military intelligence" does not
  match "military and intelligence"; hyphens split words: "cyber attack" matches "cyber-attack";
* a capital in an alias requires a capital in the text, and a word written all in capitals
  must appear exactly so: "US" matches "US" and "U.S.", never "us" or "Us";
* a multi-word alias does not match across a clause break (".", ",", a newline and so on);
* at each position the longest alias or ``exclude`` phrase wins and consumes its words, so
  "Latin American" is swallowed before "American" can tag US.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from .analysis import Words, analyze, words

KINDS = ("state", "agency", "group", "topic")
_KEYS = frozenset({"kind", "aliases", "unstemmed", "exclude"})
# Characters between two words of a multi-word match that end a clause: "the election. Interference"
# is two statements, not "election interference". An alias's own punctuation ("U.S.") is allowed.
_BOUNDARIES = frozenset(".,;:!?()[]{}<>|/\\\u2013\u2014\u2026\u2022\n")
_POSSESSIVES = ("'s", "\u2019s")


@dataclass(frozen=True, slots=True)
class Tag:
    """One gazetteer entry. ``name`` is matched too (stemmed, unless listed in ``unstemmed``)."""

    name: str
    kind: str
    aliases: tuple[str, ...]
    unstemmed: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()

    @property
    def spellings(self) -> tuple[str, ...]:
        """Every alias that tags this tag: the name first, then ``aliases`` and ``unstemmed``."""
        named = () if self.name in self.unstemmed else (self.name,)
        return named + self.aliases + self.unstemmed


@dataclass(frozen=True, slots=True)
class Mention:
    """One alias occurrence: the tag's canonical name and the character span in the text."""

    name: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class _Pattern:
    """A compiled alias (``tag`` is its tag's index) or exclude phrase (``tag`` is None)."""

    words: list[str]  # stems, or normalised words if unstemmed; a list to compare to slices
    # Per word: False (any case), True (must start with a capital) or the exact text required.
    cases: tuple[bool | str, ...]
    gap_chars: frozenset[str]  # punctuation the alias itself has between words ("U.S.")
    # Per gap between words: whether the alias has stopwords there. Only there may the text
    # have some, so "interference in the election" matches "interfere with the elections" but
    # "military intelligence" does not match "military and intelligence agencies".
    stopword_gaps: tuple[bool, ...]
    tag: int | None
    text: str

    def matches(self, i: int, seq: Sequence[str], table: Words, text: str) -> bool:
        n = len(self.words)
        if seq[i : i + n] != self.words:
            return False
        if n > 1:
            # Stopwords take no position, so consecutive positions mean adjacent words.
            if table.pos[i + n - 1] - table.pos[i] != n - 1:
                return False
            for k in range(1, n):
                gap = text[table.end[i + k - 1] : table.start[i + k]]
                for ch in gap:
                    if ch.isalnum() and not self.stopword_gaps[k - 1]:
                        return False
                    if ch in _BOUNDARIES and ch not in self.gap_chars:
                        return False
        for k, case in enumerate(self.cases):
            if case is False:
                continue
            surface = text[table.start[i + k] : table.end[i + k]]
            if case is True:
                if not surface[:1].isupper():
                    return False
            elif _strip_possessive(surface) != case:
                return False
        return True


def _strip_possessive(word: str) -> str:
    return word[:-2] if word.endswith(_POSSESSIVES) else word


def _word_case(word: str) -> bool | str:
    """The case requirement an alias word puts on the text (see :class:`_Pattern`)."""
    word = _strip_possessive(word)
    if any(ch.isalpha() for ch in word) and not any(ch.islower() for ch in word):
        return word  # an acronym: "US" must not match the pronoun
    return word[:1].isupper()


class Gazetteer:
    """Tags in order, with a matcher indexed by first word.

    Build with :meth:`load` (a TOML file, by default the packaged one) or :meth:`loads`, or
    directly from :class:`Tag` objects. Raises ``ValueError`` for an invalid gazetteer.
    """

    def __init__(self, tags: Iterable[Tag]) -> None:
        self._tags = tuple(tags)
        if not self._tags:
            raise ValueError("gazetteer: no tags")
        # Identifies the tag list: an index tagged with another one is rebuilt.
        self.digest = hashlib.sha256(repr(self._tags).encode("utf-8")).hexdigest()
        self._index: dict[str, int] = {}
        # User-typed names, case-folded, and compiled word sequences, for canonical().
        self._lookup: dict[str, int] = {}
        self._by_words: dict[tuple[bool, tuple[str, ...]], int] = {}
        # The matcher: first stem (or first word) -> patterns starting with it, longest first.
        self._by_stem: dict[str, list[_Pattern]] = {}
        self._by_word: dict[str, list[_Pattern]] = {}
        # Pattern key -> (tag index or None for an exclude phrase, description), to reject two
        # tags (or a tag and an exclude phrase) claiming the same words.
        owners: dict[tuple[bool, tuple[str, ...]], tuple[int | None, str]] = {}

        for index, tag in enumerate(self._tags):
            self._check(tag)
            self._index[tag.name] = index
            for alias in tag.spellings:
                folded = " ".join(alias.casefold().split())
                other = self._lookup.setdefault(folded, index)
                if other != index:
                    raise ValueError(
                        f"gazetteer: alias {alias!r} of {tag.name!r} "
                        f"is also an alias of {self._tags[other].name!r}"
                    )
            stemmed = [a for a in (tag.name, *tag.aliases) if a not in tag.unstemmed]
            for phrase, unstemmed, target in (
                *((alias, False, index) for alias in stemmed),
                *((alias, True, index) for alias in tag.unstemmed),
                *((phrase, False, None) for phrase in tag.exclude),
            ):
                pattern = self._compile(phrase, unstemmed, target, tag.name)
                key = (unstemmed, tuple(pattern.words))
                role = "exclude phrase" if target is None else "alias"
                role = f"{role} {phrase!r} of {tag.name!r}"
                other_target, other_role = owners.setdefault(key, (target, role))
                if other_target != target:
                    raise ValueError(f"gazetteer: {role} matches the same words as {other_role}")
                if target is not None:
                    self._by_words[key] = target
                table = self._by_word if unstemmed else self._by_stem
                table.setdefault(pattern.words[0], []).append(pattern)

        for table in (self._by_stem, self._by_word):
            for patterns in table.values():
                patterns.sort(key=lambda p: len(p.words), reverse=True)  # stable: file order

    @staticmethod
    def _check(tag: Tag) -> None:
        if not tag.name.strip():
            raise ValueError("gazetteer: a tag with an empty name")
        if tag.kind not in KINDS:
            raise ValueError(
                f"gazetteer: tag {tag.name!r} has unknown kind {tag.kind!r} "
                f"(expected one of {', '.join(KINDS)})"
            )
        for alias in (*tag.aliases, *tag.unstemmed, *tag.exclude):
            if not isinstance(alias, str) or not alias.strip():
                raise ValueError(f"gazetteer: tag {tag.name!r} has an empty or non-text alias")

    @staticmethod
    def _compile(phrase: str, unstemmed: bool, tag: int | None, name: str) -> _Pattern:
        terms = list(analyze(phrase, stemming=not unstemmed, compounds=False))
        if not terms:
            raise ValueError(f"gazetteer: {phrase!r} of {name!r} has no searchable words")
        gaps = [phrase[a.end : b.start] for a, b in zip(terms, terms[1:], strict=False)]
        return _Pattern(
            words=[t.text for t in terms],
            cases=tuple(_word_case(phrase[t.start : t.end]) for t in terms),
            gap_chars=frozenset("".join(gaps)) & _BOUNDARIES,
            stopword_gaps=tuple(any(ch.isalnum() for ch in gap) for gap in gaps),
            tag=tag,
            text=phrase,
        )

    @classmethod
    def loads(cls, text: str, source: str = "<string>") -> Gazetteer:
        """Parse gazetteer TOML ``text``; ``source`` names it in error messages."""
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise ValueError(f"gazetteer {source}: invalid TOML: {error}") from error
        tags = []
        for name, table in data.items():
            if not isinstance(table, dict):
                raise ValueError(f"gazetteer {source}: {name!r} must be a table, like [{name}]")
            unknown = set(table) - _KEYS
            if unknown:
                raise ValueError(
                    f"gazetteer {source}: tag {name!r} has unknown keys {sorted(unknown)} "
                    f"(expected {', '.join(sorted(_KEYS))})"
                )
            for key in ("kind", "aliases"):
                if key not in table:
                    raise ValueError(f"gazetteer {source}: tag {name!r} has no {key!r}")
            lists = {}
            for key in ("aliases", "unstemmed", "exclude"):
                value = table.get(key, [])
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    raise ValueError(
                        f"gazetteer {source}: {key!r} of tag {name!r} must be a list of strings"
                    )
                lists[key] = tuple(value)
            tags.append(Tag(name=name, kind=table["kind"], **lists))
        try:
            return cls(tags)
        except ValueError as error:
            raise ValueError(f"{error} (in {source})") from None

    @classmethod
    def load(cls, path: Path | None = None) -> Gazetteer:
        """Load a gazetteer file; by default the one packaged in ``searchapp/data``."""
        if path is None:
            return cls.packaged("gazetteer.toml")
        return cls.loads(Path(path).read_text("utf-8"), str(path))

    @classmethod
    def packaged(cls, filename: str) -> Gazetteer:
        """Load a file in gazetteer format packaged in ``searchapp/data``."""
        text = resources.files("searchapp").joinpath(f"data/{filename}").read_text("utf-8")
        return cls.loads(text, f"searchapp/data/{filename}")

    @property
    def names(self) -> tuple[str, ...]:
        """All canonical tag names, in gazetteer order."""
        return tuple(tag.name for tag in self._tags)

    @property
    def tags(self) -> tuple[Tag, ...]:
        return self._tags

    def tag(self, name: str) -> Tag:
        """The tag called ``name`` (a canonical name); KeyError if there is none."""
        return self._tags[self._index[name]]

    def kind(self, name: str) -> str:
        """The kind of the tag called ``name`` (a canonical name); KeyError if there is none."""
        return self.tag(name).kind

    def canonical(self, value: str) -> str | None:
        """The canonical name for a user-typed tag name or alias, ignoring case and
        inflection ("gru" -> "GRU", "britain" -> "UK", "Cyber-Attacks" -> "cyber attack")."""
        index = self._lookup.get(" ".join(value.casefold().split()))
        if index is None:
            for unstemmed in (False, True):
                words = analyze(value, stemming=not unstemmed, compounds=False, spans=False)
                index = self._by_words.get((unstemmed, tuple(t.text for t in words)))
                if index is not None:
                    break
        return None if index is None else self._tags[index].name

    def tags_for(self, text: str, table: Words | None = None) -> list[str]:
        """Canonical names of the tags ``text`` mentions, each once, in gazetteer order.
        ``table``: ``words(text)``, when the caller has it already."""
        found = {index for index, _, _ in self._scan(text, table)}
        return [self._tags[index].name for index in sorted(found)]

    def tags_of(self, mentions: Iterable[Mention]) -> list[str]:
        """:meth:`tags_for` from the text's :meth:`mentions`, when the caller has them."""
        found = {self._index[mention.name] for mention in mentions}
        return [self._tags[index].name for index in sorted(found)]

    def mentions(self, text: str, table: Words | None = None) -> list[Mention]:
        """Every alias occurrence in ``text``, in text order: why an article has its tags.
        ``table``: ``words(text)``, when the caller has it already."""
        return [
            Mention(self._tags[i].name, start, end) for i, start, end in self._scan(text, table)
        ]

    def _scan(self, text: str, table: Words | None = None) -> Iterator[tuple[int, int, int]]:
        """Yield ``(tag index, start, end)`` for each alias match: one pass, longest first."""
        table = words(text) if table is None else table
        by_stem, by_word = self._by_stem, self._by_word
        # Most words start no alias: find the few that may first.
        starts = [
            i
            for i, (word, stemmed) in enumerate(zip(table.words, table.stems, strict=True))
            if stemmed in by_stem or word in by_word
        ]
        after = 0  # a match consumes its words, so an exclude phrase hides its alias
        for i in starts:
            if i < after:
                continue
            best = None
            for pattern in by_stem.get(table.stems[i], ()):
                if pattern.matches(i, table.stems, table, text):
                    best = pattern
                    break
            for pattern in by_word.get(table.words[i], ()):
                if best is not None and len(pattern.words) <= len(best.words):
                    break
                if pattern.matches(i, table.words, table, text):
                    best = pattern
                    break
            if best is None:
                continue
            n = len(best.words)
            if best.tag is not None:
                yield best.tag, table.start[i], table.end[i + n - 1]
            after = i + n


@lru_cache(maxsize=1)
def default_gazetteer() -> Gazetteer:
    """The packaged gazetteer, loaded once."""
    return Gazetteer.load()


@lru_cache(maxsize=1)
def default_synonyms() -> Gazetteer:
    """The packaged query-time synonym groups (``data/synonyms.toml``), loaded once."""
    return Gazetteer.packaged("synonyms.toml")
