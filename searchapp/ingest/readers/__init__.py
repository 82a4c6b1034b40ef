"""Turning one source file's bytes into articles, one reader per format.

Single-article formats: plain text (``.txt``), Markdown (``.md``, ``.markdown``), HTML pages
(``.html``, ``.htm``) and a JSON file holding one object. Their article's id is the file's id.

Multi-article formats: JSON lists, JSON Lines (``.jsonl``, ``.ndjson``), CSV and RSS/Atom feeds
(``.xml``, ``.rss``, ``.atom``). Each record or entry becomes an article whose id is
``"{file_id}-{key}"``, the key being the record's own id, else a hash of its url, else its
1-based position, so ids survive a reindex and records appended to the file. A record that
cannot be used is reported as a :class:`~searchapp.ingest.discover.Skipped` entry
(``news.csv#row 7``) and the rest of the file is kept; a file with nothing usable raises
:class:`~searchapp.errors.CorpusError`.

Metadata (date, outlet, author, url, language) is taken only where the file states it: record
fields, front matter, HTML meta tags, feed elements, document properties, e-mail headers, or a
dateline or byline standing alone on one of the first lines of a text. A stated language is
kept as its ISO 639-1 code (:func:`.common.language_code`), never guessed from the text.
Nothing here reaches the network.

The modules, from the top down:

- :mod:`.registry`: the reader for each suffix (``_READERS``), :func:`read_source`,
  :func:`parse_file` and :class:`ParsedFile`;
- one per format, each importing only the shared modules below: :mod:`.text`, :mod:`.markdown`,
  :mod:`.html`, :mod:`.json` (JSON and JSON Lines), :mod:`.csv`, :mod:`.feeds` (RSS and Atom);
- :mod:`.common`: the length limit ``MAX_ARTICLE_CHARS``, bytes to text, an HTML fragment's
  text, record fields and metadata cleaning, and the batch of a multi-article file;
- :mod:`.dates`: dates as written, and datelines and bylines in text.

Names are re-exported here to be read; a test patching one patches it in its own module
(``registry._parse``, ``common.MAX_ARTICLE_CHARS``), where the code looks it up.
"""

from __future__ import annotations

from ..discover import ARTICLE_SUFFIXES
from .common import MAX_ARTICLE_CHARS as MAX_ARTICLE_CHARS
from .dates import _parse_date as _parse_date
from .registry import _READERS as _READERS
from .registry import ParsedFile, parse_file, read_source
from .text import parse_article

__all__ = [
    "ARTICLE_SUFFIXES",
    "ParsedFile",
    "parse_article",
    "parse_file",
    "read_source",
]
