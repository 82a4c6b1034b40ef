"""The analyst's corrections to the entities: ``entities.toml`` in the articles folder.

::

    # Never take these names for entities (any type), or only as one type.
    never = ["Will", "person:May"]
    # extract = false turns extraction off (a faster reindex, no entities).

    # An entity, its type and the other names it goes by: every alias found in a text is
    # this entity, an alias found as another type is this type, and each name is also
    # looked for in every text, so an entity the rules miss is still found.
    [org."Fancy Bear"]
    aliases = ["APT28", "GRU unit 26165", "Sofacy"]

    [person]
    "Christine Lee" = ["Christine Ching Kui Lee"]   # the short form of the same thing

Names are compared ignoring case and spacing. :meth:`Corrections.loads` raises
:class:`CorrectionsError` naming the line of a mistake; the reindex then keeps the last good
file in force. :func:`add_never` and :func:`add_alias` edit the file (comments kept).
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import tomlkit

from .names import TYPES

FILENAME = "entities.toml"
# In the index folder: the corrections the index was last built with (the last good ones).
APPLIED = "entities.applied.toml"
MAX_NAME_CHARS = 200
_LINE = re.compile(r"at line (\d+)")


class CorrectionsError(ValueError):
    """A mistake in an entities.toml, with the line it is on (0 when unknown)."""

    def __init__(self, source: str, line: int, message: str) -> None:
        where = f"{source}, line {line}" if line else source
        super().__init__(f"{where}: {message}")
        self.line = line


def fold(name: str) -> str:
    """A name as corrections compare it: case and spacing ignored."""
    return " ".join(name.casefold().split())


@dataclass(frozen=True, slots=True)
class Declared:
    """An entity the analyst named: its type, its name and its aliases."""

    type: str
    name: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Corrections:
    """What entities.toml says (empty when there is none)."""

    never: tuple[str, ...] = ()  # as written: "Will" or "person:May"
    declared: tuple[Declared, ...] = ()
    extract: bool = True  # False: no entities at all
    _never: frozenset[tuple[str, str]] = field(default=frozenset(), repr=False)
    _lookup: dict[str, Declared] = field(default_factory=dict, repr=False)
    _pattern: re.Pattern[str] | None = field(default=None, repr=False)

    @classmethod
    def build(
        cls, never: Iterable[str], declared: Iterable[Declared], extract: bool = True
    ) -> Corrections:
        never, declared = tuple(never), tuple(declared)
        refused = set()
        for item in never:
            kind, _, name = item.partition(":")
            if name and kind in TYPES:
                refused.add((kind, fold(name)))
            else:
                refused.add(("", fold(item)))
        lookup: dict[str, Declared] = {}
        spellings = []
        for entity in declared:
            for spelling in (entity.name, *entity.aliases):
                lookup[fold(spelling)] = entity
                spellings.append(spelling)
        pattern = None
        if spellings:
            # Longest first, so "GRU unit 26165" wins over "GRU"; whole words only.
            alternatives = sorted({re.escape(s.strip()) for s in spellings}, key=len, reverse=True)
            body = "|".join(a.replace(r"\ ", r"\s+") for a in alternatives)
            pattern = re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE)
        return cls(never, declared, extract, frozenset(refused), lookup, pattern)

    @classmethod
    def loads(cls, text: str, source: str = FILENAME) -> Corrections:
        """Parse entities.toml ``text``; :class:`CorrectionsError` for a mistake."""
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            match = _LINE.search(str(error))
            raise CorrectionsError(
                source, int(match.group(1)) if match else 0, f"invalid TOML: {error}"
            ) from None
        lines = text.splitlines()
        unknown = set(data) - {"never", "extract", *TYPES}
        if unknown:
            name = sorted(unknown)[0]
            raise CorrectionsError(
                source,
                _line_of(lines, name),
                f"unknown key {name!r}: expected never, extract, {', '.join(TYPES)}",
            )
        extract = data.get("extract", True)
        if not isinstance(extract, bool):
            line = _line_of(lines, "extract")
            raise CorrectionsError(source, line, "extract must be true or false")
        never = data.get("never", [])
        if not isinstance(never, list) or not all(isinstance(n, str) for n in never):
            raise CorrectionsError(
                source, _line_of(lines, "never"), "never must be a list of names"
            )
        declared: list[Declared] = []
        owner: dict[str, str] = {}
        for kind in TYPES:
            table = data.get(kind, {})
            if not isinstance(table, dict):
                raise CorrectionsError(source, _line_of(lines, kind), f"{kind} must be a table")
            for name, value in table.items():
                aliases = value.get("aliases", []) if isinstance(value, dict) else value
                extra = set(value) - {"aliases"} if isinstance(value, dict) else set()
                if extra or not isinstance(aliases, list):
                    raise CorrectionsError(
                        source,
                        _line_of(lines, name),
                        f"{kind} {name!r}: give its aliases as a list of names",
                    )
                for spelling in (name, *aliases):
                    if not isinstance(spelling, str) or not spelling.strip():
                        raise CorrectionsError(
                            source, _line_of(lines, name), f"{kind} {name!r}: an empty alias"
                        )
                    if len(spelling) > MAX_NAME_CHARS:
                        raise CorrectionsError(
                            source, _line_of(lines, name), f"{kind} {name!r}: a name too long"
                        )
                    other = owner.setdefault(fold(spelling), f"{kind} {name!r}")
                    if other != f"{kind} {name!r}":
                        raise CorrectionsError(
                            source,
                            _line_of(lines, spelling),
                            f"{spelling!r} is a name of both {other} and {kind} {name!r}",
                        )
                declared.append(Declared(kind, name.strip(), tuple(a.strip() for a in aliases)))
        return cls.build(never, declared, extract)

    @classmethod
    def load(cls, path: Path) -> Corrections:
        """The corrections in ``path``; empty when there is no such file."""
        try:
            text = Path(path).read_text("utf-8")
        except FileNotFoundError:
            return cls()
        except (OSError, UnicodeDecodeError) as error:
            raise CorrectionsError(str(path), 0, f"cannot be read: {error}") from None
        return cls.loads(text, str(path))

    @property
    def digest(self) -> str:
        """Identifies what the corrections say (not how the file is laid out)."""
        said = (self.never, self.declared, self.extract)
        return hashlib.sha256(repr(said).encode("utf-8")).hexdigest()

    def refused(self, kind: str, name: str) -> bool:
        """Whether ``never`` refuses this name (of this type)."""
        folded = fold(name)
        return ("", folded) in self._never or (kind, folded) in self._never

    def entity(self, name: str) -> Declared | None:
        """The declared entity this name is (its name or an alias), or None."""
        return self._lookup.get(fold(name))

    def find(self, text: str) -> Iterable[tuple[Declared, int, int, str]]:
        """Each declared name's occurrences in ``text``: (entity, start, end, as written)."""
        if self._pattern is None:
            return
        for match in self._pattern.finditer(text):
            entity = self._lookup.get(fold(match.group()))
            if entity is not None:
                yield entity, match.start(), match.end(), match.group()

    def names(self) -> dict[str, str]:
        """Each rule's names, folded, with the rule (what a change of rules touches)."""
        found = {}
        for item in self.never:
            kind, _, name = item.partition(":")
            found[fold(name if name and kind in TYPES else item)] = f"never {item}"
        for entity in self.declared:
            rule = repr((entity.type, entity.name, sorted(fold(a) for a in entity.aliases)))
            for spelling in (entity.name, *entity.aliases):
                found[fold(spelling)] = rule
        return found


def changed_names(old: Corrections, new: Corrections) -> set[str] | None:
    """The names (folded) whose rules differ between ``old`` and ``new``: the articles that
    mention one must be analysed again; None when every article must (extraction turned on
    or off)."""
    if old.extract != new.extract:
        return None
    before, after = old.names(), new.names()
    return {name for name in before.keys() | after.keys() if before.get(name) != after.get(name)}


def _line_of(lines: list[str], needle: str) -> int:
    for number, line in enumerate(lines, 1):
        if needle in line:
            return number
    return 0


# -- editing ----------------------------------------------------------------------------------


def _edit(path: Path, change: Callable[[tomlkit.TOMLDocument], None]) -> None:
    """Apply ``change`` to the parsed file and write it back whole (a temporary file renamed
    over it), checking first that the result is valid corrections."""
    path = Path(path)
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        text = "# Corrections to the entities (see the README): edited by searchapp too.\n"
    document = tomlkit.parse(text)
    change(document)
    result = tomlkit.dumps(document)
    Corrections.loads(result, str(path))
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".entities-", suffix=".toml")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(result)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def add_never(path: Path, kind: str, name: str) -> None:
    """Never extract ``name`` as a ``kind`` again (removing it from a declared entity)."""
    _check(kind, name)

    def change(document: tomlkit.TOMLDocument) -> None:
        never = document.setdefault("never", tomlkit.array())
        item = f"{kind}:{name}"
        if item not in never:
            never.append(item)
        _drop_spelling(document, name)

    _edit(path, change)


def add_alias(path: Path, kind: str, name: str, alias: str) -> None:
    """Declare ``alias`` a name of the ``kind`` entity ``name`` (merging it into that one)."""
    _check(kind, name)
    _check(kind, alias)

    def change(document: tomlkit.TOMLDocument) -> None:
        if fold(alias) != fold(name):
            _drop_spelling(document, alias)
        table = document.setdefault(kind, tomlkit.table())
        entry = table.get(name)
        if entry is None:
            entry = tomlkit.table()
            entry["aliases"] = tomlkit.array()
            table[name] = entry
        aliases = entry["aliases"] if isinstance(entry, dict) else entry
        if fold(alias) != fold(name) and fold(alias) not in {fold(a) for a in aliases}:
            aliases.append(alias)
        never = document.get("never")
        if never is not None:
            for item in list(never):
                if fold(item.partition(":")[2] or item) in (fold(name), fold(alias)):
                    never.remove(item)

    _edit(path, change)


def _drop_spelling(document: tomlkit.TOMLDocument, spelling: str) -> None:
    """Take ``spelling`` out of any declared entity's aliases (it is moving elsewhere)."""
    for kind in TYPES:
        table = document.get(kind)
        if table is None:
            continue
        for value in table.values():
            aliases = value.get("aliases", []) if isinstance(value, dict) else value
            for alias in list(aliases):
                if fold(alias) == fold(spelling):
                    aliases.remove(alias)


def _check(kind: str, name: str) -> None:
    if kind not in TYPES:
        raise ValueError(f"not an entity type: {kind!r} (expected {', '.join(TYPES)})")
    if not name.strip() or len(name) > MAX_NAME_CHARS or not name.isprintable():
        raise ValueError(f"not a name: {name!r}")
