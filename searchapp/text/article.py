"""An article and the cleaning of its text: boilerplate lines dropped, paragraphs joined,
titles made from the first sentence when a file has no headline, urls normalised for
deduplication.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import parse_qsl, urlencode, urlsplit

# One to four capitalised words: a person or an agency in a photo credit.
_NAMES = r"[A-ZÀ-Þ][\w.'’-]*(?: [A-ZÀ-Þ][\w.'’-]*){0,3}"

# Lines that are page furniture rather than article text (matched against the whole line).
_BOILERPLATE = [
    *(
        re.compile(p, re.IGNORECASE)
        for p in (
            r"(show|hide|view|enlarge) (image|caption|photo|gallery)",
            r"comments are closed\.?",
            r"(skip )?advertisement",
            r"(share|print|email) (this|the) (article|story|page)",
            r"(read|see) more:?",
            r"[\w .&'’-]{1,60} contributed to this report\.?",
            r"(photo(graph)?|image|picture)( credit)?s?:.*",
            r"\(?reporting by .{1,200}editing by .{1,200}",
        )
    ),
    # A caption ending in a photo credit of capitalised names (case matters): "... 2013.
    # (Robert Galbraith/Reuters)", "(AP Photo/Evan Vucci)"; never "(15 mg/kg)".
    re.compile(rf".{{0,400}}\((?:{_NAMES}/)+{_NAMES}\)"),
]

_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*$")
# A full stop ends a sentence unless it follows a common abbreviation or a single initial.
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof gov gen col lt sgt st no vs etc jr sr inc ltd co corp dept rep sen".split()
)
# Where a sentence may end. Candidates are found by their end mark alone, which keeps the search
# linear on a long text with no full stop (a lazy ".+?" prefix would rescan from every offset).
_SENTENCE_STOP = re.compile(r"[.!?…](?=[\"'”’)\]]*(?:\s|$))")

HEADLINE_MAX_CHARS = 160
TITLE_MAX_CHARS = 100


@dataclass(frozen=True, slots=True)
class Article:
    """One article, with whatever metadata its file states (unknown values stay empty)."""

    id: str  # stable across reindexes; unique in the collection
    title: str
    body: str  # cleaned text, paragraphs separated by a blank line
    path: str  # the file it came from, relative to the seeds folder, with forward slashes
    headline: bool  # the title is the article's own headline, not made from its first sentence
    published: date | None = None
    source: str = ""  # outlet name, or the host of its url
    author: str = ""
    url: str = ""
    # A paged document's (PDF, scan) page starts: the offset in ``body`` where each page's
    # text begins, page 1 first; empty for an unpaged article. A blank page starts where the
    # next one does.
    pages: tuple[int, ...] = ()
    # An e-mail attachment's message (its article id), and a message's attachments.
    parent: str = ""
    attachments: tuple[str, ...] = ()
    # The language its metadata states (an ISO 639-1 code: "ru"), "" when it states none.
    lang: str = ""

    def page_at(self, offset: int) -> int | None:
        """The 1-based page holding the body's character ``offset``; None if unpaged."""
        return page_at(self.pages, offset)


def page_at(pages: tuple[int, ...] | list[int], offset: int) -> int | None:
    """The 1-based page of ``pages`` (page starts, :attr:`Article.pages`) holding the
    character ``offset``; None for an unpaged text."""
    if not pages:
        return None
    return max(1, bisect.bisect_right(pages, offset))


def join_pages(pages: list[list[str]]) -> tuple[str, tuple[int, ...]]:
    """A body from each page's paragraphs (paragraphs and pages both separated by a blank
    line), and where each page starts in it (:attr:`Article.pages`)."""
    parts: list[str] = []
    starts: list[int] = []
    length = 0
    blank = 0  # blank pages waiting for the start of the next page with text
    for paragraphs in pages:
        text = "\n\n".join(paragraphs)
        if not text:
            blank += 1
            continue
        if parts:
            length += 2  # the blank line before it
        starts.extend([length] * (blank + 1))
        blank = 0
        parts.append(text)
        length += len(text)
    starts.extend([length] * blank)
    return "\n\n".join(parts), tuple(starts)


def split_pages(body: str, pages: tuple[int, ...] | list[int]) -> list[str]:
    """Each page's text (:func:`join_pages` undone); ``[body]`` for an unpaged text."""
    if not pages:
        return [body]
    ends = [*pages[1:], len(body)]
    return [body[start:end].strip("\n") for start, end in zip(pages, ends, strict=True)]


def is_boilerplate(line: str) -> bool:
    return any(pattern.fullmatch(line) for pattern in _BOILERPLATE)


def clean_paragraphs(text: str) -> list[str]:
    """Paragraphs of a scraped page, with page furniture removed.

    Blocks are separated by blank lines. Inside a block, a line that ends a sentence ends a
    paragraph (scraped pages put one paragraph per line); other lines are hard-wrapped text
    and are joined to the next.
    """
    paragraphs: list[str] = []
    current: list[str] = []

    def flush() -> None:
        if current:
            paragraphs.append(" ".join(current))
            current.clear()

    for raw_line in text.splitlines():
        line = " ".join(raw_line.split())  # collapse runs of whitespace, drop control spacing
        if not line:
            flush()
            continue
        if is_boilerplate(line):
            flush()
            continue
        current.append(line)
        if _SENTENCE_END.search(line):
            flush()
    flush()
    return _drop_author_bio(paragraphs)


def _drop_author_bio(paragraphs: list[str]) -> list[str]:
    """Drop a trailing byline + bio ("Peter Simpson" / "Peter Simpson is a British journalist…")."""
    if len(paragraphs) >= 3:
        name, bio = paragraphs[-2], paragraphs[-1]
        words = name.split()
        if 2 <= len(words) <= 4 and all(w[:1].isupper() for w in words):
            if bio.startswith(name + " is ") or bio.startswith(name + " was "):
                return paragraphs[:-2]
    return paragraphs


def split_title(paragraphs: list[str]) -> tuple[str, list[str], bool]:
    """The title, the body paragraphs, and whether the title is a headline.

    A headline is a short first paragraph that does not end with a full stop; it is taken out
    of the body. Without one, the title is the first sentence, cut at a word boundary, and the
    body keeps all its text.
    """
    first = paragraphs[0]
    if len(paragraphs) > 1 and len(first) <= HEADLINE_MAX_CHARS and not first.endswith("."):
        return first, paragraphs[1:], True
    return shorten(first_sentence(first), TITLE_MAX_CHARS), paragraphs, False


def first_sentence(text: str) -> str:
    for match in _SENTENCE_STOP.finditer(text, 1):
        candidate = text[: match.end()]
        last_word = candidate.rstrip(".").rsplit(maxsplit=1)[-1].lower()
        if candidate.endswith(".") and (last_word in _ABBREVIATIONS or len(last_word) == 1):
            continue
        return candidate.strip()
    return text.strip()


def shorten(text: str, limit: int) -> str:
    """``text`` without a final full stop, cut at a word boundary to ``limit`` characters."""
    text = text.rstrip(".").strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(".,;:–—- ") + "…"


_TRACKING_PARAMS = re.compile(r"^(utm_\w+|fbclid|gclid|ocid|cmpid|ref|src)$", re.IGNORECASE)


def url_key(url: str) -> str | None:
    """The address without what doesn't change the page (scheme, "www.", a default port, a
    trailing slash, a fragment, tracking parameters): two copies of an article share it.
    None when ``url`` is no web address (a feed guid such as "tag:example.com,2018:1")."""
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").removeprefix("www.")
        port = parts.port
    except ValueError:  # "http://host:port/" with a bad port, an unbalanced "["
        return None
    if not host:
        return None
    netloc = host if port in (None, 80, 443) else f"{host}:{port}"
    params = [(k, v) for k, v in parse_qsl(parts.query) if not _TRACKING_PARAMS.match(k)]
    query = urlencode(sorted(params))
    return f"{netloc}{parts.path.rstrip('/')}" + (f"?{query}" if query else "")
