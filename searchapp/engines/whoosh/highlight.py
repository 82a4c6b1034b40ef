"""Snippets and whole texts with the query's words marked: Whoosh's highlighter (fragments,
their scoring and order) over our analysis, each character escaped for HTML.

It runs on any engine's stored text: the words to mark are index terms, which every engine
shares (they come from :mod:`searchapp.text.analysis`)."""

from __future__ import annotations

import bisect
import functools
import html
import re
from collections.abc import Iterable, Iterator
from typing import Any

from whoosh import highlight

from ...text import analysis, scripts
from .schema import SCHEMA

SNIPPET_CHARS = 200
_WHITESPACE = re.compile(r"\s+")


class MarkFormatter(highlight.Formatter):
    """Escapes every character and wraps matches in ``<mark>``.

    With a ``budget`` (snippets), it takes the fragments best first while they fit and shows
    them in text order, with ellipses where text was left out. Without one it formats whole
    texts.
    """

    def __init__(self, budget: int | None = SNIPPET_CHARS) -> None:
        self.budget = budget

    def _text(self, text: str) -> str:
        return html.escape(_WHITESPACE.sub(" ", text), quote=False)

    def format_token(self, text: str, token, replace: bool = False) -> str:
        return f"<mark>{html.escape(highlight.get_text(text, token, replace), quote=False)}</mark>"

    def format(self, fragments: Iterable[highlight.Fragment], replace: bool = False) -> str:
        chosen = list(fragments)
        if self.budget is not None:
            chosen = self._fit(chosen, self.budget)
        out = ""
        shown_to = 0  # end of the text shown so far
        for fragment in chosen:
            skipped = fragment.text[shown_to : fragment.startchar].strip()
            if skipped:
                out += " … " if out else "… "
            elif out:
                out += " "
            out += self.format_fragment(fragment, replace=replace).strip()
            shown_to = fragment.endchar
        if chosen and chosen[-1].text[shown_to:].strip():
            out += " …"
        return out

    @staticmethod
    def _fit(fragments: list[highlight.Fragment], budget: int) -> list[highlight.Fragment]:
        """The best fragments that fit in about ``budget`` characters, in text order.

        Fragments showing a query word not shown yet go first, so a snippet covers as many of
        the words as it can; then the rest, best first, while they fit.
        """
        chosen: list[highlight.Fragment] = []
        shown: set[str] = set()
        used = 0
        for wants_new_words in (True, False):
            for fragment in fragments:
                if fragment in chosen:
                    continue
                words = {token.text for token in fragment.matches}
                length = fragment.endchar - fragment.startchar
                fits = not chosen or used + length <= budget * 1.25
                if fits and (not wants_new_words or words - shown):
                    chosen.append(fragment)
                    shown |= words
                    used += length
        return sorted(chosen, key=lambda f: f.startchar)


class Snippets(highlight.Highlighter):
    """Whoosh's highlighter, marking the index terms it is given: the words searched for and
    their synonyms, not the feedback terms that only reordered the hits (``highlight_hit``
    would mark every term of the query that ran).

    Whoosh analyses the whole text; here only the stretches around words that may match are
    analysed (see :class:`Scan`), with the same fragments as the result."""

    def snippet(self, scan: Scan, terms: Iterable[str], top: int = 3) -> str:
        return self.snippet_at(scan, terms, top)[0]

    def snippet_at(self, scan: Scan, terms: Iterable[str], top: int = 3) -> tuple[str, int | None]:
        """The snippet, and where its best fragment's first match is in the text (the page a
        paged document's hit is placed on); None without a match."""
        terms = frozenset(terms)
        tokens = self._merge_matched_tokens(
            highlight.set_matched_filter(scan.tokens_near(terms, self.fragmenter.surround), terms)
        )
        fragments = self.fragmenter.fragment_tokens(scan.text, tokens)
        best = highlight.top_fragments(fragments, top, self.scorer, self.order, minscore=1)
        where = best[0].matches[0].startchar if best and best[0].matches else None
        return self.formatter.format(best), where


class Scan:
    """A text's tokens (no analysis), to find the stretches a snippet needs analysed.

    Whoosh's ContextFragmenter, outside a fragment, only remembers the tokens that start
    within ``surround`` characters of the end of the last one; a fragment starts at a matched
    token and ends once ``2 * surround`` characters of tokens have passed without another.
    So tokens further than that from every matched token never reach a fragment, and the
    fragments from the stretches around the matches alone are the same. A token "may match"
    when its analysed form, or that of the compound it ends ("cyber-attack"), is a term:
    a superset of the analyser's matches, which only widens the stretches.
    """

    __slots__ = ("text", "lang", "_key", "_tokens", "_starts", "_forms", "_hyphens")

    def __init__(self, text: str, near: Iterable[str] | None = None, lang: str = "") -> None:
        """``near``: the terms the snippets will look for. In a text longer than
        :data:`LONG_TEXT_CHARS` (a long report), only the stretches around words that may
        match them are tokenized (see :func:`_windows`); the whole text when none does.
        ``lang``: the text's language, which chooses its stemmers as at indexing."""
        self.text = text
        self.lang = lang
        self._key = key = scripts.analysis_key(lang)
        windows = _windows(text, frozenset(near)) if near is not None else None
        self._tokens = _tokens(text, windows or [(0, len(text))])
        if windows and not any(_forms(token, key)[1] in near for token, _s, _e in self._tokens):
            self._tokens = _tokens(text, [(0, len(text))])
        self._starts = [start for _token, start, _end in self._tokens]
        # Each distinct token's normalised form, and the form the analyser emits for it.
        distinct = {t for t, _s, _e in self._tokens}
        self._forms = {token: _forms(token, key) for token in distinct}
        self._hyphens = [
            i for i, (token, _s, _e) in enumerate(self._tokens) if token in _HYPHEN_TOKENS
        ]

    def _matching(self, terms: frozenset[str]) -> list[int]:
        matching = {token for token, (_norm, form) in self._forms.items() if form in terms}
        found = [i for i, (token, _s, _e) in enumerate(self._tokens) if token in matching]
        tokens, forms = self._tokens, self._forms
        for i in self._hyphens:
            if 0 < i < len(tokens) - 1:
                before, after = forms[tokens[i - 1][0]][0], forms[tokens[i + 1][0]][0]
                if before and after and analysis.lexeme(before + after, self._key)[1] in terms:
                    found.append(i + 1)
        return sorted(set(found))

    def _emitted(self, i: int) -> bool:
        """Whether the analyser emits a term for token ``i`` (hyphens and unindexable
        tokens emit none)."""
        token = self._tokens[i][0]
        return token not in _HYPHEN_TOKENS and bool(self._forms[token][0])

    def _stretch(self, i: int, surround: int) -> tuple[int, int]:
        """First and last token that fragments around a match at token ``i`` may involve."""
        tokens = self._tokens
        last = i - 1  # the last token emitted before i: the fragmenter's memory ends there
        while last >= 0 and not self._emitted(last):
            last -= 1
        first = i
        if last >= 0:
            first = min(bisect.bisect_left(self._starts, tokens[last][2] - surround - 1), last)
        # Never start inside a compound: its joined form begins at its first half.
        while first > 0 and (
            tokens[first][0] in _HYPHEN_TOKENS or tokens[first - 1][0] in _HYPHEN_TOKENS
        ):
            first -= 1
        end, passed = i, 0
        while end + 1 < len(tokens) and passed < 2 * surround + 1:
            end += 1
            if self._emitted(end):
                passed += tokens[end][2] - tokens[end][1]
        return first, end

    def tokens_near(self, terms: frozenset[str], surround: int) -> Iterator[Any]:
        """The analyser's tokens (as Whoosh's highlighter asks for them) of the stretches
        around the tokens that may match ``terms``."""
        stretches: list[tuple[int, int]] = []
        for i in self._matching(terms):
            first, last = self._stretch(i, surround)
            if stretches and first <= stretches[-1][1] + 1:
                stretches[-1] = (stretches[-1][0], max(last, stretches[-1][1]))
            else:
                stretches.append((first, last))
        analyzer = SCHEMA["body"].analyzer
        for first, last in stretches:
            start, end = self._tokens[first][1], self._tokens[last][2]
            yield from analyzer(
                self.text[start:end],
                positions=True,
                chars=True,
                mode="index",
                removestops=False,
                start_char=start,
                lang=self.lang,
            )


# Texts longer than this are tokenized only around the words that may match (Scan).
LONG_TEXT_CHARS = 200_000
# Characters tokenized on each side of such a word: more than a fragment's reach (2 x 45).
_WINDOW_CHARS = 250


def _windows(text: str, terms: frozenset[str]) -> list[tuple[int, int]] | None:
    """In a long text, the stretches around the words that start like one of ``terms``
    (each stem but its last letter, case-insensitively: a stem is its word's start, give or
    take a final letter, as *spi* of *spy*), merged, cut at whitespace so no token is split;
    None for a short text or when nothing starts like them. A superset of the real matches but
    for a few words (an accent inside the start, a hyphenated compound); when it finds none of
    them, the caller tokenizes everything."""
    if len(text) <= LONG_TEXT_CHARS or not terms:
        return None
    starts = sorted({term[: max(2, len(term) - 1)] for term in terms}, key=len, reverse=True)
    pattern = re.compile(r"\b(?:" + "|".join(map(re.escape, starts)) + ")", re.IGNORECASE)
    windows: list[tuple[int, int]] = []
    for match in pattern.finditer(text):
        start = max(0, match.start() - _WINDOW_CHARS)
        end = min(len(text), match.end() + _WINDOW_CHARS)
        if windows and start <= windows[-1][1]:
            windows[-1] = (windows[-1][0], end)
        else:
            windows.append((start, end))
    if not windows:
        return None
    return [(_to_space(text, start, -1), _to_space(text, end, 1)) for start, end in windows]


def _to_space(text: str, at: int, step: int) -> int:
    """``at`` moved to the nearest whitespace (or the text's end) in direction ``step``."""
    while 0 < at < len(text) and not text[at].isspace():
        at += step
    return max(0, at)


# The analyser's hyphen tokens, which join the words around them into a compound.
_HYPHEN_TOKENS = analysis._HYPHEN_TOKENS


_TOKEN = re.compile(analysis._TOKEN_PATTERN)


def _tokens(text: str, windows: list[tuple[int, int]]) -> list[tuple[str, int, int]]:
    """The analyser's tokens and spans (:func:`analysis.tokenize`) within ``windows``: from
    the match objects (the cheapest way) unless Chinese or Japanese must be segmented."""
    if not scripts.has_cjk(text):
        return [
            (m.group(), m.start(), m.end())
            for start, end in windows
            for m in _TOKEN.finditer(text, start, end)
        ]
    return [
        (token, start + offset, end + offset)
        for offset, stop in windows
        for token, start, end in analysis.tokenize(text[offset:stop])
    ]


def _forms(token: str, key: str = scripts.DEFAULT_KEY) -> tuple[str, str]:
    """A token's normalised form and the term the analyser emits for it (the normalised
    word for a stopword, else its stem; "" for neither), in an article of analysis ``key``."""
    norm, stemmed, stopped = analysis.lexeme(token, key) if key else analysis.lexeme(token)
    return norm, norm if stopped else stemmed


# Stateless between calls, so one serves every thread.
SNIPPETS = Snippets(
    fragmenter=highlight.ContextFragmenter(maxchars=SNIPPET_CHARS, surround=45, charlimit=None),
    formatter=MarkFormatter(),
    order=highlight.SCORE,  # best first; MarkFormatter restores text order
)


def highlight_whole(text: str, terms: set[str], lang: str = "") -> str:
    """All of ``text``, escaped, with words whose index term is in ``terms`` marked (their
    terms as the text's language ``lang`` stems them)."""
    if terms:
        marked = highlight.highlight(
            text,
            terms,
            functools.partial(SCHEMA["body"].analyzer, lang=lang),
            highlight.WholeFragmenter(charlimit=None),
            MarkFormatter(budget=None),
            top=1,
            mode="index",
        )
        if marked:
            return marked
    return html.escape(text, quote=False)
