"""The words of a query's text as typed: quoted phrases, operators, metadata clauses, and the
plain words searched as typed (which synonyms and spelling suggestions work on)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..engines.base import FILTER_FIELDS

_QUOTED = re.compile(r'("[^"]*"?)')
_QUERY_WORD = re.compile(r"\w+(?:['’]\w+)*")
_OPERATORS = frozenset({"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "TO"})
# A metadata clause (`source:reuters`, `author:"jane doe"`, `date:[2017 TO 2018]`): its words
# are names and dates, never offered spelling corrections from the article text.
_FILTER_CLAUSE = re.compile(
    rf"\b(?:{'|'.join(FILTER_FIELDS)}):(?:\"[^\"]*\"?|\[[^\]]*\]?|\([^)]*\)?|\S+)",
    re.IGNORECASE,
)


def _plain_words(text: str) -> Iterator[re.Match[str]]:
    """Words of the query that are searched as typed (no operators, fields, patterns,
    metadata clauses)."""
    clauses = [m.span() for m in _FILTER_CLAUSE.finditer(text)]
    for match in _QUERY_WORD.finditer(text):
        if any(start <= match.start() < end for start, end in clauses):
            continue
        word = match.group(0)
        before = text[match.start() - 1] if match.start() else " "
        after = text[match.end()] if match.end() < len(text) else " "
        if word in _OPERATORS or after in ":*?~" or before in "*?^~" or word.isdigit():
            continue
        yield match
