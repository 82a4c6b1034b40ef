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

# Only the start of a text is read, the cost growing with its length: the first WINDOW
# characters (about 50 words; 5 are right 99% of the time on the sample, and 3,712 news
# articles get the same answers from 300 characters as from 3,000), then the first
# MAX_CHARS when those leave the model unsure (a title, a byline, a table of figures first).
# 10,000 English articles take about a second.
WINDOW = 300
MAX_CHARS = 2_000
# Fewer letters than this is no text to judge (a number, an id, one short word).
MIN_LETTERS = 4
# The model's probability among the candidates (py3langid's, normalised for the length of
# the text) below which detect() says "" rather than guess. At 0.7, the first 2 words of the
# sample's texts are never mislabelled (62% get an answer) and 3 words once in 300; a few
# words of English ("Hello world", "NATO summit") get "" rather than another language. Every
# text of 200+ characters of the sample, and every news article, scores 0.98 or more.
MIN_CONFIDENCE = 0.7

_LETTER = re.compile(r"[^\W\d_]")
_QUALIFIER = re.compile(r"\s*\(.*\)\s*$")  # "English (US)"
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
    if found[1] < MIN_CONFIDENCE and len(text) > WINDOW:
        found = _classify(text[:MAX_CHARS])
    return found


def _classify(sample: str) -> tuple[str, float]:
    if sum(1 for _ in islice(_LETTER.finditer(sample), MIN_LETTERS)) < MIN_LETTERS:
        return "", 0.0
    label, probability = _identifier().classify(sample)
    return _LABELS.get(label, label), probability


def detect(text: str) -> str:
    """The ISO 639-1 code of the language ``text`` is written in, judged from its first
    :data:`WINDOW` characters (or :data:`MAX_CHARS` when those are not enough); "" when it
    has fewer than :data:`MIN_LETTERS` letters or the model is less sure of it than
    :data:`MIN_CONFIDENCE`."""
    code, probability = detect_with_confidence(text)
    return code if probability >= MIN_CONFIDENCE else ""


@lru_cache(maxsize=1024)
def normalize_code(value: str) -> str:
    """The ISO 639-1 code of a language as metadata states it: a tag or locale ("en-GB",
    "ru_RU", "zh-Hans", "de_DE.UTF-8"), an ISO 639-2/3 code ("rus", "fra", "ger"), any
    case, or a name in English ("French") or in the language itself ("русский"); the first
    of a list ("en, fr"). Norwegian Bokmål and Nynorsk are "no", the code of the stemmer.
    "" when the value names no language with a two-letter code ("und", "xx", "gsw")."""
    from babel import Locale, UnknownLocaleError

    value = value.strip()
    names = _names()
    code = names.get(value.casefold()) or names.get(_QUALIFIER.sub("", value).casefold())
    if code is None:
        first = re.split(r"[,;\s]+", value, maxsplit=1)[0].replace("-", "_")
        language = first.split("_")[0]
        # Babel resolves "und" (undetermined) to English, its likeliest language.
        if not language or language.casefold() in ("und", "mul", "zxx", "mis"):
            return ""
        # The whole tag, then its language alone (Babel refuses "en-US-x-twain").
        for tag in dict.fromkeys((first, language)):
            try:
                code = Locale.parse(tag).language
                break
            except (UnknownLocaleError, ValueError, TypeError):
                continue
        else:
            return ""
    code = {"nb": "no", "nn": "no"}.get(code, code)
    return code if len(code) == 2 else ""


@cache
def _names() -> dict[str, str]:
    """Language names, casefolded, to their codes: every English name in Babel's data, then
    each candidate language's name in itself ("русский", "Deutsch", "中文")."""
    from babel import Locale

    english = Locale("en").languages.items()
    # Two-letter codes first: a name shared with a three-letter code keeps the two-letter one.
    names: dict[str, str] = {}
    for code, name in sorted(english, key=lambda item: len(item[0].split("_")[0]) != 2):
        names.setdefault(name.casefold(), code.split("_")[0])  # "British English": en
    for code in LANGUAGE_NAMES:
        own = Locale(code).languages.get(code)
        if own:
            names.setdefault(own.casefold(), code)
    return names
