"""Text analysis: tokenizing, normalising and stemming with NLTK.

This is the only module that uses NLTK, and it uses only parts that need no downloaded data
(a regexp tokenizer and the Snowball stemmers), with each article's language choosing
its stemmer and stopwords (:mod:`searchapp.text.scripts`). The same chain runs at index time and at
query time; the Whoosh side wraps :func:`analyze` in an analyzer (see ``schema.py``).
"""

from __future__ import annotations

import re
import sys
import tomllib
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

from . import scripts


def _import_nltk_without_scipy() -> None:
    """NLTK's package import tries ``scipy.stats`` for statistics searchapp never uses
    (collocation tests, sentence alignment) and does without it. SciPy is installed only for
    the evaluation benchmarks, yet would add about 0.75 s to every command's start-up, so it
    is hidden during that one import; it imports normally afterwards."""
    if "nltk" in sys.modules or "scipy" in sys.modules:
        return
    sys.modules["scipy"] = None  # type: ignore[assignment]  # `import scipy…` raises ImportError
    try:
        import nltk  # noqa: F401
    finally:
        if sys.modules.get("scipy", 0) is None:
            del sys.modules["scipy"]


_import_nltk_without_scipy()

from nltk import redos  # noqa: E402
from nltk.stem import LancasterStemmer, PorterStemmer  # noqa: E402
from nltk.stem.api import StemmerI  # noqa: E402
from nltk.stem.snowball import SnowballStemmer  # noqa: E402
from nltk.tokenize import RegexpTokenizer  # noqa: E402

# Tokens: numbers with separators (10,000 / 11.6); words, optionally joined by apostrophes
# (Kremlin’s, don't); and a hyphen directly between two words, which marks a compound.
_HYPHENS = "-\u2010\u2011"
_HYPHEN_TOKENS = frozenset(_HYPHENS)
_TOKEN_PATTERN = rf"\d+(?:[.,]\d+)+|\w+(?:['’]\w+)*|(?<=\w)[{_HYPHENS}](?=\w)"


class _TrustedRegexpTokenizer(RegexpTokenizer):
    """NLTK's RegexpTokenizer without NLTK's per-call ReDoS timeout.

    NLTK bounds every match of a caller's pattern with a wall-clock timeout, which made
    tokenizing 3.4x slower here. Our one pattern is fixed and linear (no nested or
    overlapping quantifiers), the case ``nltk.redos`` documents ``timeout=None`` for.
    """

    def _check_regexp(self) -> None:
        if self._regexp is None:
            self._regexp = redos.compile(self._pattern, self._flags, timeout=None)


_tokenizer = _TrustedRegexpTokenizer(_TOKEN_PATTERN)
# NLTK's English stemmers that need no downloaded data; benchmarks/relevance.py compares them.
STEMMERS: dict[str, Callable[[], StemmerI]] = {
    "snowball": lambda: SnowballStemmer("english"),
    "porter": PorterStemmer,
    "lancaster": LancasterStemmer,
}
STEMMER = "snowball"
_stemmer: StemmerI = STEMMERS[STEMMER]()
_THOUSANDS = re.compile(r"\d{1,3}(?:,\d{3})+")
# Longer "words" are base64 blobs, URLs run together or garbage; they only bloat the index.
MAX_TOKEN_LENGTH = 60


def _load_stopwords() -> frozenset[str]:
    text = resources.files("searchapp").joinpath("data/stopwords.txt").read_text("utf-8")
    return frozenset(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


STOPWORDS: frozenset[str] = _load_stopwords()


@contextmanager
def variant(stemmer: str = STEMMER, stopwords: frozenset[str] | None = None) -> Iterator[None]:
    """Run the chain with another stemmer or stopword list, for experiments
    (``benchmarks/relevance.py``): an index built inside must be searched inside too."""
    global _stemmer, STOPWORDS
    saved = _stemmer, STOPWORDS
    _stemmer = STEMMERS[stemmer]()
    STOPWORDS = STOPWORDS if stopwords is None else stopwords
    stem.cache_clear()
    lexeme.cache_clear()
    try:
        yield
    finally:
        _stemmer, STOPWORDS = saved
        stem.cache_clear()
        lexeme.cache_clear()


@dataclass(slots=True)
class Term:
    """One analysed token: its index text, position and character span in the source."""

    text: str
    pos: int
    start: int
    end: int
    stopped: bool = False


@lru_cache(maxsize=200_000)
def normalize(word: str) -> str:
    """Lower-case, fold accents and curly apostrophes, drop a possessive ``'s``."""
    if _THOUSANDS.fullmatch(word):
        return word.replace(",", "")
    word = word.replace("’", "'").lower()
    if not word.isascii():
        word = _fold(word)
    if word.endswith("'s"):
        word = word[:-2]
    return word.strip("'")


# Combining marks kept: the breve of Cyrillic й, a letter of its own that Russian endings
# (-ый, -ий) and so the Russian stemmer depend on.
_KEPT_MARKS = frozenset("\u0306")


def _fold(word: str) -> str:
    """Accents folded (é -> e, ё -> е, Arabic short vowels dropped), full-width forms made
    plain (NFKD), but й kept."""
    decomposed = unicodedata.normalize("NFKD", word)
    kept = "".join(
        ch
        for i, ch in enumerate(decomposed)
        if not unicodedata.combining(ch)
        or (ch in _KEPT_MARKS and i and "\u0400" <= decomposed[i - 1] <= "\u04ff")
    )
    return unicodedata.normalize("NFC", kept)


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Snowball English stem of an already normalised word.

    Module-level (so Whoosh can pickle a schema that refers to it) and cached, because the
    NLTK stemmer is pure Python and dominates indexing time without a cache.
    """
    return _stemmer.stem(word)


@cache
def _snowball(language: str) -> StemmerI:
    return SnowballStemmer(language)


@cache
def _stoplist(language: str) -> frozenset[str]:
    """The stopwords of a Snowball language, folded as :func:`normalize` folds words."""
    if language == "english":
        return STOPWORDS
    code = next(code for code, name in scripts.SNOWBALL.items() if name == language)
    words = _STOPLISTS.get(code, "").split()
    return frozenset(normalize(word) for word in words)


_STOPLISTS: dict[str, str] = tomllib.loads(
    resources.files("searchapp").joinpath("data/stoplists.toml").read_text("utf-8")
)


# French and Italian elide an article or pronoun into the next word (l'espionnage,
# d'informations, dell'intelligence), which is searched without it, as Lucene's
# ElisionFilter does.
_ELIDING = frozenset({"french", "italian"})
_ELISION = re.compile(r"^(?:[cdjlmnst]|qu|jusqu|lorsqu|puisqu|quoiqu|dell|dall|nell|sull|all|un)'")


@lru_cache(maxsize=200_000)
def lexeme(token: str, key: str = scripts.DEFAULT_KEY) -> tuple[str, str, bool]:
    """``(normalised word, its index term, is a stopword)`` for a token in an article of
    analysis ``key`` (:func:`searchapp.text.scripts.analysis_key`); ``("", "", False)`` when
    it normalises to nothing or is too long to index. One cached lookup per token instead of
    two, which is most of what analysing a document costs.

    The index term is the word's stem; where ``key`` stems the word's script otherwise than
    English articles do (French words, Ukrainian ones unstemmed), the stem is marked with the
    key (``fr:attaqu``), so a query's French stems count in French articles only and never
    add to an English article's score through a stem the two languages happen to share."""
    norm = normalize(token) if len(token) <= MAX_TOKEN_LENGTH else ""
    if not norm:
        return "", "", False
    script = scripts.script_of(norm)
    language = scripts.stemmers(key)[script]
    if language == "english":
        return norm, stem(norm), norm in STOPWORDS
    if language is None:
        stemmed, stopped = norm, False
    else:
        if language in _ELIDING:
            norm = _ELISION.sub("", norm) or norm
        # The folded word, as for English: a query typed without its accents stems the same.
        stemmed, stopped = _snowball(language).stem(norm), norm in _stoplist(language)
    if language != scripts.stemmers(scripts.DEFAULT_KEY)[script]:
        stemmed = f"{key}:{stemmed}"
    return norm, stemmed, stopped


def _tokens(text: str) -> list[str]:
    """The tokens of ``text``, Chinese and Japanese ones segmented into their words."""
    tokens = _tokenizer.tokenize(text)
    if not scripts.has_cjk(text):
        return tokens
    return [word for token in tokens for word, _at in scripts.segment(token)]


def tokenize(text: str, spans: bool = True) -> Iterator[tuple[str, int, int]]:
    """Yield ``(token, start, end)`` for every token of ``text`` (offsets 0 without ``spans``).

    One ``tokenize`` (findall) pass; spans come from ``str.find`` from the previous token on,
    which is exact because tokens are substrings in order, and much faster than NLTK's
    ``span_tokenize`` generator chain. Japanese pairs of characters overlap, so the search
    for the next one starts one character on, not after the last one.
    """
    cursor = 0
    cjk = scripts.has_cjk(text)  # once: the per-token test is for Chinese and Japanese only
    for token in _tokens(text):
        if spans:
            start = text.find(token, cursor)
            cursor = start + (1 if cjk and scripts.has_cjk(token) else len(token))
            yield token, start, start + len(token)
        else:
            yield token, 0, 0


def analyze(
    text: str,
    *,
    stemming: bool = True,
    remove_stops: bool = True,
    compounds: bool = True,
    spans: bool = True,
    lang: str = "",
) -> Iterator[Term]:
    """The analysis chain: tokenize, normalise, drop stopwords, stem.

    With ``compounds`` a hyphenated pair ("cyber-criminal") is also indexed joined
    ("cybercriminal") at the position of its second half, so both spellings find it while the
    halves keep their positions for phrase queries. With ``remove_stops=False`` stopwords are
    yielded flagged ``stopped`` (the highlighter wants every token). Without ``spans`` the
    character offsets are not computed (all 0). ``lang``: the article's language, which
    chooses the stemmers (:mod:`searchapp.text.scripts`).
    """
    key = scripts.analysis_key(lang)
    previous: tuple[str, int] | None = None  # (normalised word, start) of the last word
    hyphenated = False  # a hyphen joins the last word to the next
    pos = -1
    for token, start, end in tokenize(text, spans):
        if token in _HYPHEN_TOKENS:
            hyphenated = previous is not None
            continue
        norm, stemmed, stopped = lexeme(token, key) if key else lexeme(token)
        if not norm:
            previous, hyphenated = None, False
            continue
        joined = previous[0] + norm if compounds and hyphenated and previous else None
        joined_start = previous[1] if previous else 0
        previous, hyphenated = (norm, start), False
        # Removed stopwords take no position, so "Sergei and Yulia" matches "Sergei Yulia";
        # nor does a join to one ("mara" of Mar-a-Lago), so "mar lago" stays a phrase.
        if not (stopped and remove_stops) or (joined and pos < 0):
            pos += 1
        if joined:
            joined_stem = lexeme(joined, key)[1] if key else stem(joined)
            yield Term(joined_stem if stemming else joined, pos, joined_start, end)
        if stopped:
            if not remove_stops:
                yield Term(norm, pos, start, end, stopped=True)
            continue
        yield Term(stemmed if stemming else norm, pos, start, end)


def positions(text: str, lang: str = "") -> dict[str, list[int]]:
    """Each stem of ``text`` with its positions: exactly the terms of :func:`analyze` with
    its defaults, without the per-token :class:`Term` objects and spans. The indexing path
    (``schema.StemmedText``, and feedback terms at search time); a test keeps the two in
    step. The token loop is repeated here, in :func:`positions_and_words` and in
    :func:`analyze` rather than shared: a shared generator would cost what these paths save."""
    found: dict[str, list[int]] = {}
    previous = ""  # the last word, normalised; "" when there is none to join to
    hyphenated = False
    pos = -1
    key = scripts.analysis_key(lang)
    for token in _tokens(text):
        if token in _HYPHEN_TOKENS:
            hyphenated = bool(previous)
            continue
        norm, stemmed, stopped = lexeme(token, key) if key else lexeme(token)
        if not norm:
            previous, hyphenated = "", False
            continue
        if hyphenated and previous:
            if not stopped or pos < 0:
                pos += 1
            joined = previous + norm
            found.setdefault(lexeme(joined, key)[1] if key else stem(joined), []).append(pos)
            if not stopped:
                found.setdefault(stemmed, []).append(pos)
        elif not stopped:
            pos += 1
            found.setdefault(stemmed, []).append(pos)
        previous, hyphenated = norm, False
    return found


@dataclass(slots=True)
class Words:
    """The words of a text without stopwords or compound joins, as parallel lists: what
    ``analyze(text, stemming=False, compounds=False)`` yields, plus each word's stem; and
    the compound joins ``analyze`` would add ("cyberattack")."""

    words: list[str]
    stems: list[str]
    pos: list[int]
    start: list[int]
    end: list[int]
    joined: set[str]

    def vocabulary(self) -> set[str]:
        """The distinct unstemmed terms :func:`analyze` yields: see :func:`vocabulary`."""
        return set(self.words) | self.joined

    def then(self, other: Words, offset: int) -> Words:
        """The table of this text followed by ``other``'s text starting at character
        ``offset`` (``words(a + "\n" + b)`` is ``words(a).then(words(b), len(a) + 1)``)."""
        shift = len(self.words)
        return Words(
            self.words + other.words,
            self.stems + other.stems,
            self.pos + [pos + shift for pos in other.pos],
            self.start + [start + offset for start in other.start],
            self.end + [end + offset for end in other.end],
            self.joined | other.joined,
        )


def positions_and_words(text: str, lang: str = "") -> tuple[dict[str, list[int]], Words]:
    """:func:`positions` and :func:`words` of ``text`` from one pass (the indexing path, which
    needs both for every title and body)."""
    found: dict[str, list[int]] = {}
    table = Words([], [], [], [], [], set())
    previous = ""  # the last word, normalised; "" when there is none to join to
    hyphenated = False
    pos = -1  # index position: joins take one (unless to a stopword), stopwords none
    word_pos = -1  # word table position: neither joins nor stopwords take one
    key = scripts.analysis_key(lang)
    for token, start, end in tokenize(text):
        if token in _HYPHEN_TOKENS:
            hyphenated = bool(previous)
            continue
        norm, stemmed, stopped = lexeme(token, key) if key else lexeme(token)
        if not norm:
            previous, hyphenated = "", False
            continue
        if hyphenated and previous:
            joined = previous + norm
            table.joined.add(joined)
            if not stopped or pos < 0:
                pos += 1
            found.setdefault(lexeme(joined, key)[1] if key else stem(joined), []).append(pos)
            if not stopped:
                found.setdefault(stemmed, []).append(pos)
        elif not stopped:
            pos += 1
            found.setdefault(stemmed, []).append(pos)
        previous, hyphenated = norm, False
        if stopped:
            continue
        word_pos += 1
        table.words.append(norm)
        # The table's stems are English's, which the gazetteer and the name rules know.
        table.stems.append(lexeme(token)[1] if key else stemmed)
        table.pos.append(word_pos)
        table.start.append(start)
        table.end.append(end)
    return found, table


def words(text: str, lang: str = "") -> Words:
    """The :class:`Words` of ``text`` (the tagger's table when the caller has none)."""
    return positions_and_words(text, lang)[1]


def vocabulary(text: str) -> set[str]:
    """The distinct normalised, unstemmed words of ``text``, compounds joined, no stopwords:
    the unstemmed terms :func:`analyze` yields (what prefix*, wild?card, fuzzy~ and "did you
    mean" look words up in)."""
    return words(text).vocabulary()


_SENTENCE_START = re.compile(r"(?:^|[.!?:\"“”‘(\[]\s*|\n\s*)$")


def starts_sentence(text: str, at: int) -> bool:
    """Whether the word at ``at`` begins a sentence, a quote or a line (where capitals say
    nothing about names)."""
    return bool(_SENTENCE_START.search(text[max(0, at - 4) : at]))


_METADATA_WORD = re.compile(r"\w+(\.?\w+)*")


def metadata_words(text: str) -> list[str]:
    """The words of a metadata value (an outlet, an author), lowercased and unstemmed, as
    `source:` and `author:` match them: "Al Jazeera" -> ["al", "jazeera"], "bbc.co.uk" whole.
    (Whoosh's SimpleAnalyzer, which the Whoosh schema uses for those fields, gives the same.)"""
    return [match.group().lower() for match in _METADATA_WORD.finditer(text)]
