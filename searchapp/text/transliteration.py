"""Cyrillic and Latin spellings of one name, so that a search for Навальный finds Navalny,
Nawalny and Naval'nyj, and a search for Zelenskyy finds Зеленський (docs/languages.md,
"Across scripts").

Two directions, two tools:

* :func:`latin_spellings` turns a Cyrillic word into the Latin spellings the index may hold:
  the standard schemes (Russian by ``iuliia``, Ukrainian by ``translitua``, the German press
  convention for Russian by a small table here), then bounded variants of the ambiguous
  letters (-ий: y, i, iy, ij…; х: kh, h, ch…), most common first, at most
  :data:`MAX_SPELLINGS`. The search layer checks each against the index vocabulary.
* :func:`skeleton` reduces a word of either script to a script-neutral key that all these
  spellings share: vowels and consonants folded into classes where the conventions disagree
  (ш ж ч щ х and sh, zh, ch, sch, kh are one class; с з ц and s, z, ts are one; и ы й і ї
  and i, y, j are one). :class:`SkeletonMap` keeps an index's Cyrillic words by skeleton, so
  a Latin query word finds them with one or two dictionary look-ups.

Every function accepts words as the analysis leaves them (lower-case, ё folded to е, Latin
accents folded) and raw words alike: each normalises its input itself.
"""

from __future__ import annotations

import heapq
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache

# The search layer looks each spelling up in the index vocabulary: cheap, but not free.
MAX_SPELLINGS = 64
# Past this many letters a word gets the schemes' spellings only: the variants of a long
# word (a compound, a run of letters) are never in an index, and would cost time.
MAX_VARIANT_LETTERS = 32

_CYRILLIC_RANGES = ((0x0400, 0x052F), (0x1C80, 0x1C8F), (0x2DE0, 0x2DFF), (0xA640, 0xA69F))
_LATIN_RANGES = ((0x0041, 0x024F), (0x1E00, 0x1EFF), (0xFB00, 0xFB06))
# Apostrophes and primes that schemes write for ь, ъ and the Ukrainian apostrophe.
_APOSTROPHES = "'’‘ʼʹʺ`´\"″′"
_UKRAINIAN_ONLY = frozenset("іїєґ")
_RUSSIAN_ONLY = frozenset("ыэъ")
_CYRILLIC_VOWELS = frozenset("аеиоуыэюяіїє")


def _in_ranges(ch: str, ranges: tuple[tuple[int, int], ...]) -> bool:
    point = ord(ch)
    return any(low <= point <= high for low, high in ranges)


# Fast paths for the usual words: Cyrillic letters only (no ҂ or combining marks), ASCII.
_CYRILLIC_ONLY = re.compile("[\u0400-\u0481\u048a-\u052f]+")
_CYRILLIC_OR_ASCII = re.compile("[\x00-\x7f\u0400-\u0481\u048a-\u052f]*")
_ASCII_LETTER = re.compile("[a-zA-Z]")


def is_cyrillic(word: str) -> bool:
    """Whether every letter of ``word`` is Cyrillic (and it has one)."""
    if _CYRILLIC_ONLY.fullmatch(word):
        return True
    letters = [ch for ch in word if ch.isalpha()]
    return bool(letters) and all(_in_ranges(ch, _CYRILLIC_RANGES) for ch in letters)


def is_latin(word: str) -> bool:
    """Whether every letter of ``word`` is Latin, accented or not (and it has one)."""
    if word.isascii():
        return bool(_ASCII_LETTER.search(word))
    letters = [ch for ch in word if ch.isalpha()]
    return bool(letters) and all(_in_ranges(ch, _LATIN_RANGES) for ch in letters)


def _normalise(word: str) -> str:
    word = word.lower()
    if _CYRILLIC_OR_ASCII.fullmatch(word):
        return word.replace("ё", "е")
    word = unicodedata.normalize("NFC", word).replace("ё", "е")
    out = []
    for ch in word:
        if _in_ranges(ch, _CYRILLIC_RANGES) or ch.isascii():
            out.append(ch)
        elif ch == "ß":
            out.append("ss")
        else:
            decomposed = unicodedata.normalize("NFKD", ch)
            out.append("".join(c for c in decomposed if not unicodedata.combining(c)))
    return "".join(out)


@lru_cache(maxsize=65_536)
def normalise(word: str) -> str:
    """``word`` as the analysis leaves it: lower-case, ё folded to е, Latin accents folded
    (ä -> a, ß -> ss), й and the Ukrainian letters kept."""
    return _normalise(word)


# -- the schemes ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Scheme:
    """One standard way of writing Cyrillic in Latin letters."""

    name: str
    language: str  # "ru" or "uk": the Cyrillic it is made for
    convention: str  # who writes this way
    translate: Callable[[str], str] = field(compare=False, repr=False)


def _iuliia(name: str) -> Callable[[str], str]:
    def translate(word: str) -> str:
        import iuliia  # imported on first use: the skeletons need no library

        return iuliia.schemas.get(name).translate(word)

    return translate


def _translitua(table: str) -> Callable[[str], str]:
    def translate(word: str) -> str:
        import translitua

        return translitua.translit(word, getattr(translitua, table))

    return translate


# The German press (Duden) writes Russian its own way, which no library has: Nawalny,
# Chodorkowski, Prigoschin, Jelzin, Sergej. Letters of context are handled in _german; "-"
# stands for the signs, which German doesn't write.
_GERMAN = dict(
    zip(
        "абвгдежзийклмнопрстуфхцчшщъыьэюя",
        "a b w g d e sch s i j k l m n o p r s t u f ch z tsch sch schtsch - y - e ju ja".split(),
        strict=True,
    )
)


def _german(word: str) -> str:
    out = []
    for i, ch in enumerate(word):
        before = word[i - 1] if i else ""
        after = word[i + 1] if i + 1 < len(word) else ""
        if ch == "е" and (not before or before in _CYRILLIC_VOWELS or before in "ьъ"):
            out.append("je")  # Jelzin, Solowjow
        elif ch == "й":
            if before in "иы" and not after:
                out.append("")  # Dmitri, Nawalny
            elif before in "оау":
                out.append("i")  # Schoigu, Nikolai
            else:
                out.append("j")  # Sergej, Majakowski
        elif ch == "к" and after == "с":
            out.append("x")  # Alexej
        elif ch == "с" and before == "к":
            out.append("")
        elif ch == "с" and before in _CYRILLIC_VOWELS and after in _CYRILLIC_VOWELS:
            out.append("ss")  # Wassili, Borissow
        else:
            out.append(_GERMAN.get(ch, ch))
    return "".join(out).replace("-", "")


SCHEMES: tuple[Scheme, ...] = (
    Scheme("wikipedia", "ru", "English press and Wikipedia (iuliia)", _iuliia("wikipedia")),
    Scheme("bgn_pcgn", "ru", "BGN/PCGN, US and UK governments (iuliia)", _iuliia("bgn_pcgn")),
    Scheme("icao", "ru", "ICAO Doc 9303, Russian passports (iuliia)", _iuliia("icao_doc_9303")),
    Scheme("german", "ru", "German press, Duden (table here)", _german),
    Scheme("french", "ru", "French, MVD 310-1997 French passports (iuliia)", _iuliia("mvd_310_fr")),
    Scheme("iso9", "ru", "ISO 9:1995 system B, GOST 7.79-2000 (iuliia)", _iuliia("gost_779_alt")),
    Scheme("scientific", "ru", "scholarly, its diacritics folded (iuliia)", _iuliia("scientific")),
    Scheme(
        "kmu",
        "uk",
        "Ukrainian national 2010 = BGN/PCGN 2019, passports (translitua)",
        _translitua("UkrainianKMU"),
    ),
    Scheme(
        "bgn_1965",
        "uk",
        "BGN/PCGN 1965, older English press (translitua)",
        _translitua("UkrainianBGN"),
    ),
    Scheme("german_uk", "uk", "German press, Duden (translitua)", _translitua("UkrainianGerman")),
    Scheme("french_uk", "uk", "French press (translitua)", _translitua("UkrainianFrench")),
    Scheme(
        "scholarly_uk",
        "uk",
        "scholarly (WWS), diacritics folded (translitua)",
        _translitua("UkrainianWWS"),
    ),
)


def languages(word: str) -> tuple[str, ...]:
    """The languages a Cyrillic word may be written in, likelier first: Ukrainian
    alone for і ї є ґ, Russian alone for ы э ъ, else both (Ukrainian first for -ськ-, -цьк-,
    its adjectives' and places' spelling)."""
    word = normalise(word)
    letters = set(word)
    if letters & _UKRAINIAN_ONLY:
        return ("uk",)
    if letters & _RUSSIAN_ONLY:
        return ("ru",)
    if "ськ" in word or "цьк" in word:
        return ("uk", "ru")
    return ("ru", "uk")


def _clean(spelling: str) -> str:
    """A scheme's output as the index holds it: accents folded, apostrophes and hyphens
    dropped; "" if a letter stayed Cyrillic (a Russian scheme given a Ukrainian letter)."""
    spelling = normalise(spelling)
    spelling = "".join(ch for ch in spelling if ch.isalnum())
    return spelling if spelling.isascii() else ""


def spellings_by_scheme(word: str) -> dict[str, str]:
    """Each scheme's spelling of a Cyrillic word (normalised), by scheme name, for the
    languages the word may be in; {} for other words."""
    word = normalise(word)
    if not is_cyrillic(word):
        return {}
    word = "".join(ch for ch in word if ch not in _APOSTROPHES)
    langs = languages(word)
    found = {}
    for lang in langs:
        for scheme in SCHEMES:
            if scheme.language == lang:
                spelling = _clean(scheme.translate(word))
                if spelling:
                    found[scheme.name] = spelling
    return found


# -- the variants --------------------------------------------------------------------------

# Each letter's Latin options, commonest first (the first is the English press's). The rules
# of context (word start, after a vowel, endings, Ukrainian) are in _letter_options and
# _units.
_OPTIONS: dict[str, tuple[str, ...]] = {
    "а": ("a",),
    "б": ("b",),
    "в": ("v", "w"),
    "г": ("g",),
    "ґ": ("g",),
    "д": ("d",),
    "е": ("e",),
    "ж": ("zh", "j", "sch", "sh", "z"),
    "з": ("z", "s"),
    "и": ("i", "y"),
    "і": ("i",),
    "ї": ("i", "yi", "ji", "ii"),
    "є": ("ie", "ye", "je", "e"),
    "й": ("y", "i", "j"),
    "к": ("k",),
    "л": ("l",),
    "м": ("m",),
    "н": ("n",),
    "о": ("o",),
    "п": ("p",),
    "р": ("r",),
    "с": ("s",),
    "т": ("t",),
    "у": ("u", "ou"),
    "ф": ("f",),
    "х": ("kh", "h", "ch"),
    "ц": ("ts", "tz", "z", "c"),
    "ч": ("ch", "tch", "tsch"),
    "ш": ("sh", "ch", "sch"),
    "щ": ("shch", "sch", "chtch", "shh", "schtsch"),
    "ъ": ("",),
    "ы": ("y", "i"),
    "ь": ("",),
    "э": ("e",),
    "ю": ("yu", "iu", "ju"),
    "я": ("ya", "ia", "ja"),
}
_ENDINGS_RU = {
    "ий": ("y", "i", "iy", "ii", "ij", "yy", "yi"),
    "ый": ("y", "yy", "yi", "i", "yj", "iy"),
    "ин": ("in", "ine"),  # French: Poutine, Douguine, Michoustine
}
_ENDINGS_UK = {"ий": ("yi", "y", "yy", "yj", "iy", "i", "ii"), "ій": ("ii", "iy", "i", "ij")}
_IA = {"ия": ("iya", "ia", "iia", "ija"), "ія": ("iia", "ia", "iya", "ija")}  # Yulia, Maria
_AFTER_VOWEL_Y = ("y", "i", "j")  # ой, ей, ай: oy/oi/oj…
_HUSHERS = frozenset("жчшщ")


def _e_options(word: str, i: int, lang: str) -> tuple[str, ...]:
    """The spellings of е at ``word[i]``. The analysis folds ё to е, so where ё is frequent
    (after ж ч ш щ ь: Gorbatschow, Solovyov; the first syllable of a short Russian word:
    Pyotr, Fyodor) its spellings are offered too, ranked after e's."""
    before = word[i - 1] if i else ""
    if before in "ьъ":
        return ("ye", "e", "ie", "je", "yo", "io", "jo")
    if not before or before in _CYRILLIC_VOWELS:
        return ("ye", "e", "ie", "je")  # Yeltsin, Eltsin, Jelzin
    if lang == "uk":
        return ("e",)
    if before in _HUSHERS:
        return ("e", "o", "yo", "io")
    if len(word) <= 6 and not any(ch in _CYRILLIC_VOWELS for ch in word[:i]):
        return ("e", "yo", "io", "jo")
    return ("e",)


def _letter_options(word: str, i: int, lang: str) -> tuple[str, ...]:
    """The spellings of the letter at ``word[i]`` in its context."""
    ch = word[i]
    before = word[i - 1] if i else ""
    after = word[i + 1] if i + 1 < len(word) else ""
    if ch in "ьъ" and after in _CYRILLIC_VOWELS and after not in "еяюєї":
        return ("", "y", "i")  # Ilyich, Il'ich, Ilich
    if ch == "е":
        return _e_options(word, i, lang)
    if ch == "є" and not before:
        return ("ye", "ie", "je", "e")
    if ch == "ї" and not before:
        return ("yi", "i", "ji")
    if ch == "й" and before in _CYRILLIC_VOWELS:
        return _AFTER_VOWEL_Y
    if ch == "г":
        if lang == "uk":
            return ("h", "g")
        return ("g", "gu") if after in "еиый" else ("g",)  # French: Sergueï, Guerassimov
    if ch == "и" and lang == "uk":
        return ("y", "i")
    if ch == "ю":
        return ("yu", "iu", "ju", "iou")  # Iouri
    if ch == "с" and before in _CYRILLIC_VOWELS and after in _CYRILLIC_VOWELS:
        return ("s", "ss")  # Wassili, Beloussov
    return _OPTIONS.get(ch, (ch,))


def _units(word: str, lang: str) -> list[tuple[str, ...]]:
    """The word as a list of option tuples, one per letter, pair or ending."""
    endings = _ENDINGS_UK if lang == "uk" else _ENDINGS_RU
    units: list[tuple[str, ...]] = []
    i = 0
    while i < len(word):
        ch = word[i]
        pair = word[i : i + 2]
        if word[i:] in endings:
            units.append(endings[word[i:]])
            break
        if pair in _IA:
            units.append(_IA[pair])
            i += 2
        elif pair == "кс":
            units.append(("ks", "x"))  # Aleksei, Alexei
            i += 2
        elif len(pair) == 2 and pair[1] == ch and ch not in _CYRILLIC_VOWELS:
            # A doubled consonant, also written single: Zaporizhia, Odesa.
            options = _letter_options(word, i, lang)
            units.append(tuple(dict.fromkeys([o + o for o in options] + list(options))))
            i += 2
        else:
            units.append(_letter_options(word, i, lang))
            i += 1
    return units


def _variants(word: str, lang: str, limit: int) -> Iterator[str]:
    """Up to ``limit`` spellings of a Cyrillic word by the letter options, in order of the
    summed ranks of the options chosen (best first: k-best over a product, without building
    the product)."""
    units = _units(word, lang)
    start = (0,) * len(units)
    heap = [(0, start)]
    seen = {start}
    while heap and limit > 0:
        cost, choice = heapq.heappop(heap)
        yield "".join(options[k] for options, k in zip(units, choice, strict=True))
        limit -= 1
        for at, options in enumerate(units):
            if choice[at] + 1 < len(options):
                nxt = choice[:at] + (choice[at] + 1,) + choice[at + 1 :]
                if nxt not in seen:
                    seen.add(nxt)
                    heapq.heappush(heap, (cost + 1, nxt))


@lru_cache(maxsize=16_384)
def _latin_spellings(word: str) -> tuple[str, ...]:
    found = dict.fromkeys(spellings_by_scheme(word).values())
    word = "".join(ch for ch in normalise(word) if ch.isalnum())
    if len(word) <= MAX_VARIANT_LETTERS:
        langs = languages(word)
        for n, lang in enumerate(langs):
            # The languages share what the schemes left, the likelier one taking the rest.
            share = (MAX_SPELLINGS - len(found)) // (len(langs) - n)
            for spelling in _variants(word, lang, MAX_SPELLINGS):
                if share <= 0:
                    break
                if spelling and spelling not in found:
                    found[spelling] = None
                    share -= 1
    return tuple(found)[:MAX_SPELLINGS]


def latin_spellings(word: str) -> list[str]:
    """The Latin spellings of a Cyrillic word, commonest first, normalised (lower-case, no
    apostrophes) and deduplicated, at most :data:`MAX_SPELLINGS`: the standard schemes'
    (:data:`SCHEMES`), then variants of its ambiguous letters. [] for a word that isn't
    Cyrillic."""
    if not word or not is_cyrillic(word):
        return []
    return list(_latin_spellings(word))


# -- the skeletons -------------------------------------------------------------------------

# A skeleton is written in a small alphabet: vowels a e i o u, consonants b d f g k l m n p
# r s t v, and x for the hushing and guttural class (ш ж ч щ х: sh zh ch sch kh), since
# "ch" is ч in English, ш in French and х in German, and "sch" is ш, ж or щ.
_CYRILLIC_KEY = str.maketrans(
    {
        **dict(zip("абвгґдезийклмнопрстуфыэ", "abvggdesiiklmnoprstufie", strict=True)),
        **dict.fromkeys("жхчшщ", "x"),
        "ц": "s",  # German z, English ts, ISO c: with с and з
        "і": "i",
        "ї": "ii",
        "є": "ie",
        "ю": "iu",
        "я": "ia",
        "ь": "",
        "ъ": "",
        # The other Cyrillic alphabets' letters, so their words get a key too.
        "ў": "u",
        "ј": "i",
        "љ": "l",
        "њ": "n",
        "ђ": "d",
        "ћ": "x",
        "џ": "x",
        "ѓ": "g",
        "ќ": "k",
        "ѕ": "s",
        "ә": "a",
        "ө": "o",
        "ү": "u",
        "ұ": "u",
        "қ": "k",
        "ғ": "g",
        "ң": "n",
        "һ": "g",
    }
)
# A soft or hard sign before a vowel is the glide that Latin writes (Ilyich, Darya).
_SIGN_BEFORE_VOWEL = re.compile("[ьъ](?=[ауыиэі])")
_LATIN_KEY = {
    "sch": "x",
    "sh": "x",
    "ch": "x",
    "zh": "x",
    "kh": "x",
    "gh": "g",  # Ukrainian зг: Zghurivka
    "ph": "f",
    "ck": "k",
    "ce": "se",
    "ci": "si",
    "cy": "si",  # ISO 9's c is ц
    "c": "k",
    "x": "ks",  # Alexei, Maxim
    "q": "k",
    "w": "v",
    "y": "i",
    "j": "i",
    "h": "g",  # Ukrainian г (Luhansk); х is kh, and kh is taken above
    "z": "s",
}
_LATIN_PART = re.compile("sch|[sczk]h|[gp]h|ck|c[eiy]|[cxqwyjhz]")
# ё, which the analysis folds to е, written yo or jo after a consonant: Fyodor, Solowjow.
_YO = re.compile("(?<=[^aeiouyj])[yj]o")
# French writes ou for у, j for ж, gu for г before e and i, and -ine for -ин (Poutine).
_FRENCH = (
    (re.compile("ou"), "u"),
    (re.compile("gu(?=[eiy])"), "g"),
    (re.compile("j"), "zh"),
    (re.compile("ine$"), "in"),
)
_REDUCE = (
    (re.compile("t(?=[sx])"), ""),  # ts, tch, tsch: the t is part of the letter
    (re.compile(r"([^aeiou])\1+"), r"\1"),  # doubled consonants: Odessa, Zaporizhzhia
    # Runs of i (Iuliia, -iy, Kyiv), but not at the start, where и stands before ю, я
    # (июля, of July, is not Юлия).
    (re.compile("(?<=.)i{2,}|(?<=^i)i+"), "i"),
    (re.compile("i(?=e)"), ""),  # the glide of е: Yeltsin, Alekseyev, Jewgeni
    (re.compile("(?<=x)ev$"), "ov"),  # -чёв, -щёв, -шёв: Gorbatschow, Chruschtschow
)


def _reduce(key: str) -> str:
    for pattern, replacement in _REDUCE:
        # A search first: most keys need no rule, and a miss is cheaper than a sub.
        if pattern.search(key):
            key = pattern.sub(replacement, key)
    return key


def _letters(word: str) -> str:
    """The word without apostrophes, hyphens and other marks."""
    return word if word.isalnum() else "".join(ch for ch in word if ch.isalnum())


def _cyrillic_key(word: str) -> str:
    if "ь" in word or "ъ" in word:
        word = _SIGN_BEFORE_VOWEL.sub("i", word)
    return _reduce(_letters(word.translate(_CYRILLIC_KEY)))


def _latin_key(word: str) -> str:
    word = _YO.sub("e", _letters(word))
    return _reduce(_LATIN_PART.sub(lambda m: _LATIN_KEY[m.group()], word))


def _skeleton(word: str) -> str:
    word = _normalise(word)
    if is_cyrillic(word):
        return _cyrillic_key(word)
    if is_latin(word):
        return _latin_key(word)
    return word


@lru_cache(maxsize=65_536)
def skeleton(word: str) -> str:
    """A script-neutral key: the same for a Cyrillic word and its Latin spellings
    (навальный, navalny, nawalny, navalnyy, naval'nyj: "navalni"), and for the Latin spellings
    of one name; for a word of another script, the normalised word itself."""
    return _skeleton(word)


def _french_key(word: str) -> str:
    for pattern, replacement in _FRENCH:
        word = pattern.sub(replacement, word)
    return _latin_key(word)


@lru_cache(maxsize=16_384)
def match_keys(word: str) -> tuple[str, ...]:
    """The skeletons a word is looked up by: a Latin word's own and, where it differs, its
    French reading's (Poutine, Prigojine, Iouri: j is ж there, not й); a Cyrillic word's
    own; none for others."""
    if not word:
        return ()
    if is_latin(word):
        plain = _letters(normalise(word))
        return tuple(dict.fromkeys((skeleton(word), _french_key(plain))))
    if is_cyrillic(word):
        return (skeleton(word),)
    return ()


def cyrillic_matches(latin_word: str, cyrillic_words: Iterable[str]) -> list[str]:
    """The Cyrillic words among ``cyrillic_words`` that ``latin_word`` may spell (by
    :func:`match_keys`), in their order, once each. For many look-ups in one vocabulary,
    build a :class:`SkeletonMap` once instead."""
    keys = match_keys(latin_word)
    if not keys:
        return []
    return [
        word
        for word in dict.fromkeys(cyrillic_words)
        if is_cyrillic(word) and _skeleton(word) in keys
    ]


class SkeletonMap:
    """A vocabulary's Cyrillic words by skeleton, built once (per index generation) and
    asked for the Cyrillic words a Latin word may spell. Words are kept as given."""

    def __init__(self, words: Iterable[str]) -> None:
        buckets: dict[str, list[str]] = {}
        count = 0
        for word in dict.fromkeys(words):
            # Uncached: a build must not flush the per-word caches of the query path.
            if word and is_cyrillic(word):
                buckets.setdefault(_skeleton(word), []).append(word)
                count += 1
        self._buckets = {key: tuple(found) for key, found in buckets.items()}
        self._count = count

    def __len__(self) -> int:
        return self._count

    def get(self, latin_word: str, exact: bool = False) -> list[str]:
        """The Cyrillic words ``latin_word`` may spell (by :func:`match_keys`): first those
        of which it is one of the :func:`latin_spellings`, then the others sharing a skeleton
        (a spelling no scheme or variant makes, a stem); with ``exact``, the first only. A
        Cyrillic word gets the words of its skeleton: its Russian and Ukrainian forms."""
        found: list[str] = []
        for key in match_keys(latin_word):
            found.extend(self._buckets.get(key, ()))
        if not found:
            return []
        found = list(dict.fromkeys(found))
        spelled = [word for word in found if spells(latin_word, word)]
        if exact:
            return spelled
        return spelled + [word for word in found if word not in spelled]


def spells(latin_word: str, cyrillic_word: str) -> bool:
    """Whether ``latin_word`` is one of the :func:`latin_spellings` of ``cyrillic_word`` (a
    Cyrillic ``latin_word``: whether the two are the same word)."""
    word = _letters(normalise(latin_word))
    if is_cyrillic(word):
        return word == _letters(normalise(cyrillic_word))
    return word in _latin_spellings_set(cyrillic_word)


@lru_cache(maxsize=16_384)
def _latin_spellings_set(word: str) -> frozenset[str]:
    return frozenset(latin_spellings(word))
