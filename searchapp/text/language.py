"""The language of an article: detected from its text (py3langid, whose model ships in its
wheel), or read from its metadata ("en-GB", "rus", "French") as an ISO 639-1 code.

Detection is restricted to :data:`CANDIDATES`, the languages searchapp analyses and a few
common others: fewer candidates mislabel fewer short texts, and leaving out the Cyrillic
languages searchapp does not analyse (Bulgarian, Belarusian, Serbian…) keeps short Russian
and Ukrainian texts apart (benchmarks/languages.py measures both, docs/languages.md).
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from itertools import islice
from typing import Any

# The languages searchapp analyses (Snowball stemmers, unstemmed Ukrainian, segmented
# Chinese and Japanese), then common ones of other scripts or far from these: what detect()
# chooses among, and so what it can return.
ANALYSED = "ar da de en es fi fr hu it nl no pt ro ru sv uk zh ja".split()
CANDIDATES = (*ANALYSED, "cs", "el", "fa", "he", "ko", "pl", "tr")

LANGUAGE_NAMES = {
    "ar": "Arabic",
    "cs": "Czech",
    "da": "Danish",
    "de": "German",
    "el": "Greek",
    "en": "English",
    "es": "Spanish",
    "fa": "Persian",
    "fi": "Finnish",
    "fr": "French",
    "he": "Hebrew",
    "hu": "Hungarian",
    "it": "Italian",
    "ja": "Japanese",
    "ko": "Korean",
    "nl": "Dutch",
    "no": "Norwegian",
    "pl": "Polish",
    "pt": "Portuguese",
    "ro": "Romanian",
    "ru": "Russian",
    "sv": "Swedish",
    "tr": "Turkish",
    "uk": "Ukrainian",
    "zh": "Chinese",
}

# Only the start of a text is read, the cost growing with its length: its first WINDOW
# characters (about 80 words), then its first MAX_CHARS when those leave the model less than
# SURE of the language (a title, a byline or a table of figures first). 200 characters were
# enough for the sample and the news, not for medical abstracts: 9 of MED's 1,033 were called
# French or German at 0.95 or more, which cost 0.65% of its nDCG@10 (docs/languages.md).
WINDOW = 500
SURE = 0.95
MAX_CHARS = 2_000
# Fewer letters than this is no text to judge (a number, an id, one short word).
MIN_LETTERS = 4
# The model's probability among the candidates (py3langid's, normalised for the length of
# the text) below which detect() says "" rather than guess. At 0.7, the first 2 words of the
# sample's texts are never mislabelled (62% get an answer) and 3 words once in 300; a few
# words of English ("Hello world", "NATO summit") get "" rather than another language. Every
# text of 200+ characters of the sample scores 0.98 or more, every news article of more
# than 400 characters 0.95 or more.
MIN_CONFIDENCE = 0.7

_LETTER = re.compile(r"[^\W\d_]")
# py3langid's labels that are not the ISO 639-1 code searchapp uses: Nynorsk is Norwegian
# (one Snowball stemmer for both).
_LABELS = {"nn": "no"}


@cache
def _identifier() -> Any:
    """py3langid's model restricted to the candidates, loaded once on first use (about half
    a second and 75 MB), never at import."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages([*CANDIDATES, *_LABELS])
    return identifier


def detect_with_confidence(text: str) -> tuple[str, float]:
    """The language of ``text`` (an ISO 639-1 code of :data:`CANDIDATES`) and the model's
    probability of it; ("", 0.0) for a text of too few letters. Deterministic: the model is
    a naive Bayes classifier, with no sampling."""
    found = _classify(text[:WINDOW])
    if found[1] < SURE and len(text) > WINDOW:
        found = _classify(text[:MAX_CHARS])
    return found


def _classify(sample: str) -> tuple[str, float]:
    if sum(1 for _ in islice(_LETTER.finditer(sample), MIN_LETTERS)) < MIN_LETTERS:
        return "", 0.0
    label, probability = _identifier().classify(sample)
    return _LABELS.get(label, label), probability


def detect(text: str) -> str:
    """The ISO 639-1 code of the language ``text`` is written in, judged from its first
    :data:`WINDOW` characters (:data:`MAX_CHARS` when those are not enough); "" when it
    has fewer than :data:`MIN_LETTERS` letters or the model is less sure of it than
    :data:`MIN_CONFIDENCE`."""
    code, probability = detect_with_confidence(text)
    return code if probability >= MIN_CONFIDENCE else ""


# A language tag ("en", "en-GB", "zh-Hant-TW", "ru_RU", "rus"), matched lowercased, once a POSIX
# locale's charset and modifier ("de_DE.UTF-8", "sr_RS@latin") are cut off.
_LANGUAGE_TAG = re.compile(r"([a-z]{2,3})(?:[-_][a-z0-9]{1,8})*")
_POSIX_SUFFIX = re.compile(r"[.@].*")
# Between the languages of a list ("en, fr", "de;q=0.8").
_LANGUAGE_SEPARATORS = re.compile(r"[,;/|]")
# A longer value is a sentence or a dump, not a language.
_LANGUAGE_MAX_CHARS = 200
# Three-letter codes whose two-letter code Babel's aliases miss (it reads "tgl" as "fil").
_THREE_LETTER_EXTRA = {"tgl": "tl"}
_NORWEGIAN = {"nb": "no", "nn": "no"}


def normalize_code(text: str) -> str:
    """The ISO 639-1 code (lower case) of the language a metadata value states: a language tag
    ("en-GB", "ru_RU", "EN", "zh-Hant"), a three-letter code ("rus", "ger", "fra"), a POSIX
    locale ("de_DE.UTF-8"), or a language's name in English or in itself ("French",
    "Deutsch"); Norwegian Bokmål and Nynorsk are "no", the stemmer's code. ``""`` for a value
    stating no language, several different ones ("en, fr"), or one with no two-letter code
    ("und", "fil", "x-klingon")."""
    text = text.strip()
    if not text or len(text) > _LANGUAGE_MAX_CHARS:
        return ""
    code = _language_code(text)
    return _NORWEGIAN.get(code, code)


@lru_cache(maxsize=4096)
def _language_code(text: str) -> str:
    codes = {_one_language(piece) for piece in _LANGUAGE_SEPARATORS.split(text)}
    codes.discard("")
    return codes.pop() if len(codes) == 1 else ""


def _one_language(text: str) -> str:
    text = " ".join(text.split()).casefold()
    if not text:
        return ""
    tag = _LANGUAGE_TAG.fullmatch(_POSIX_SUFFIX.sub("", text))
    if tag and (code := _code_of(tag.group(1))):
        return code
    # A name: "French", "English (United Kingdom)", "русский".
    name = re.sub(r"\s*\(.*\)$", "", text)
    return _language_names().get(name, "") or _native_language_names().get(name, "")


def _code_of(subtag: str) -> str:
    """The two-letter code of a primary language subtag: itself when it is one, else its
    alias's ("iw" is "he", "fra" and "fre" are "fr"); "" when it has none ("und", "fil")."""
    from babel.core import get_global

    codes = _two_letter_codes()
    if len(subtag) == 2 and subtag in codes:
        return subtag
    alias = _THREE_LETTER_EXTRA.get(subtag) or get_global("language_aliases").get(subtag) or ""
    alias = alias.split("_", 1)[0].lower()
    return alias if alias in codes else ""


@cache
def _two_letter_codes() -> frozenset[str]:
    """The ISO 639-1 codes, as the languages CLDR names in English (Babel's data)."""
    from babel import Locale

    return frozenset(code for code in Locale("en").languages if len(code) == 2)


@cache
def _language_names() -> dict[str, str]:
    """Two-letter codes by their languages' English names, casefolded ("french": "fr")."""
    from babel import Locale

    names: dict[str, str] = {}
    for code, name in Locale("en").languages.items():
        if len(code) == 2:
            names.setdefault(name.casefold(), code)
    return names


@cache
def _native_language_names() -> dict[str, str]:
    """Two-letter codes by their languages' own names ("deutsch": "de"); loads every language's
    locale data, so only asked when a name is not English."""
    from babel import Locale, UnknownLocaleError, localedata

    names: dict[str, str] = {}
    for code in sorted(_two_letter_codes()):
        if not localedata.exists(code):
            continue
        try:
            name = Locale(code).languages.get(code)
        except (UnknownLocaleError, ValueError, OSError):
            continue
        if name:
            names.setdefault(name.casefold(), code)
    return names


def language_name(code: str) -> str:
    """A language code's English name ("ru": "Russian"), or the code when it has none."""
    return LANGUAGE_NAMES.get(code) or _english_names().get(code, code)


@cache
def _english_names() -> dict[str, str]:
    from babel import Locale

    return {code: name for code, name in Locale("en").languages.items() if len(code) == 2}
