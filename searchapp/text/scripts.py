"""Which stemmer a word gets, by its script and its article's language, and the segmenting
of Chinese and Japanese, whose words are not separated by spaces.

An article is analysed by its language (:func:`analysis_key`): its Latin-script words with
its language's Snowball stemmer, and the words of other scripts with that script's usual
language (Cyrillic: Russian, Arabic script: Arabic), unless the article's language is
another language of that script without a stemmer (a Ukrainian article's words stay
unstemmed). An English article quoting a Russian name stems the name as Russian.
"""

from __future__ import annotations

import logging
import re
from functools import cache

# Snowball stemmers NLTK ships (no download), by ISO 639-1 code.
SNOWBALL = {
    "ar": "arabic",
    "da": "danish",
    "de": "german",
    "en": "english",
    "es": "spanish",
    "fi": "finnish",
    "fr": "french",
    "hu": "hungarian",
    "it": "italian",
    "nl": "dutch",
    "no": "norwegian",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sv": "swedish",
}
# Languages written in another script than Latin: their Latin words are quotes (names,
# acronyms, English), stemmed as English.
_NOT_LATIN = frozenset(
    "ar fa ur ps he yi el ru uk be bg mk sr kk ky tg mn zh ja ko hi mr ne bn ta te th ka hy am"
    .split()
)  # fmt: skip
# Cyrillic and Arabic-script languages other than Russian and Arabic: no stemmer for them.
_OTHER_CYRILLIC = frozenset("uk be bg mk sr kk ky tg mn".split())
_OTHER_ARABIC = frozenset("fa ur ps".split())

# The analysis of English, of unknown languages and of every language analysed the same way.
DEFAULT_KEY = ""

LATIN, CYRILLIC, ARABIC, OTHER = "latin", "cyrillic", "arabic", "other"


def analysis_key(lang: str) -> str:
    """The key of the analysis an article in ``lang`` gets: :data:`DEFAULT_KEY` for every
    language analysed as English is (English, unknown, Russian, Arabic, Chinese…), else the
    code itself. Articles of one key share their index terms."""
    if stemmers(lang) == stemmers(DEFAULT_KEY):
        return DEFAULT_KEY
    return lang


@cache
def stemmers(lang: str) -> dict[str, str | None]:
    """The Snowball language for each script's words in an article in ``lang`` (None: not
    stemmed)."""
    if lang in SNOWBALL and lang not in _NOT_LATIN:
        latin: str | None = SNOWBALL[lang]
    elif lang in ("", "en") or lang in _NOT_LATIN:
        latin = "english"
    else:  # a Latin-script language without a stemmer (Polish, Czech…)
        latin = None
    return {
        LATIN: latin,
        CYRILLIC: None if lang in _OTHER_CYRILLIC else "russian",
        ARABIC: None if lang in _OTHER_ARABIC else "arabic",
        OTHER: None,
    }


def script_of(word: str) -> str:
    """The script of a normalised word's first letter: latin, cyrillic, arabic or other."""
    if word.isascii():
        return LATIN
    for ch in word:
        if ch.isalpha():
            point = ord(ch)
            if point < 0x0250 or 0x1E00 <= point <= 0x1EFF:
                return LATIN
            if 0x0400 <= point <= 0x052F:
                return CYRILLIC
            if 0x0600 <= point <= 0x06FF or 0x0750 <= point <= 0x077F:
                return ARABIC
            return OTHER
    return LATIN  # digits and underscores


# Han ideographs (Chinese, Japanese kanji) and Japanese kana.
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_KANA = re.compile(r"[\u3040-\u30ff]")


def has_cjk(text: str) -> bool:
    return not text.isascii() and bool(_CJK.search(text))


@cache
def _jieba():  # type: ignore[no-untyped-def]
    import jieba

    # jieba logs its dictionary loading at INFO to stderr on first use.
    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def segment(token: str) -> list[tuple[str, int]]:
    """A token holding Chinese or Japanese as its words, each with its offset in the token:
    Chinese by jieba's dictionary (its accurate mode); a token with kana (Japanese, which
    jieba doesn't know) as overlapping pairs of characters, as Lucene's CJK analyzer does.
    Other tokens are returned whole."""
    if not has_cjk(token):
        return [(token, 0)]
    if _KANA.search(token):
        if len(token) < 3:
            return [(token, 0)]
        return [(token[i : i + 2], i) for i in range(len(token) - 1)]
    words, at = [], 0
    for word in _jieba().lcut(token, HMM=True):
        words.append((word, at))
        at += len(word)
    return words
