"""CSV (``.csv``): one article per row under a header naming the columns."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from ...errors import CorpusError
from ...text.article import Article
from ..discover import Skipped
from .common import _ALIAS_FIELD, _ALIASES, _Batch, _decode_text, _norm_key

# Room for the longest article a CSV cell may hold (the csv module's default is 128 KiB).
_CSV_FIELD_LIMIT = 64 * 1024 * 1024
_CSV_SNIFF_BYTES = 64 * 1024


def _read_csv(data: bytes, relpath: str, file_id: str) -> tuple[list[Article], list[Skipped]]:
    text = _decode_text(data)
    if csv.field_size_limit() < _CSV_FIELD_LIMIT:
        csv.field_size_limit(_CSV_FIELD_LIMIT)
    delimiter = _sniff_delimiter(text)
    reader = csv.DictReader(io.StringIO(text, newline=""), dialect="excel", delimiter=delimiter)
    if delimiter != "," and not _has_text_column(reader.fieldnames):
        # The sniffer guessed wrong (long prose fools it); comma is the common case.
        reader = csv.DictReader(io.StringIO(text, newline=""), dialect="excel")
    header = reader.fieldnames or []
    if not _has_text_column(header):
        names = ", ".join(_ALIASES["body"])
        if not any(_norm_key(name) in _ALIAS_FIELD for name in header):
            raise CorpusError(f"no header row with known column names (a text column: {names})")
        raise CorpusError(f"no text column (expected one of: {names})")
    batch = _Batch(relpath, file_id)
    position = 0
    rows = iter(reader)
    while True:
        try:
            row = next(rows)
        except StopIteration:
            break
        except csv.Error as exc:
            batch.skip(f"row {position + 1}", f"unreadable CSV from here on: {exc}")
            break
        position += 1
        if None in row:  # more cells than the header: a broken quote shifted the columns
            cells = len(header) + len(row[None])
            batch.skip(f"row {position}", f"malformed row: {cells} cells, header has {len(header)}")
            continue
        batch.add_record(f"row {position}", position, row)
    return batch.result("no data rows under the header")


def _sniff_delimiter(text: str) -> str:
    # Only the delimiter is taken from the sniffer: its quoting guesses are unreliable on
    # prose, and real files quote the excel way.
    try:
        return csv.Sniffer().sniff(text[:_CSV_SNIFF_BYTES], delimiters=",;\t|").delimiter
    except csv.Error:
        # Rows of uneven length defeat the sniffer; the header line alone still tells.
        header = text.split("\n", 1)[0]
        counts = {delimiter: header.count(delimiter) for delimiter in ",;\t|"}
        best = max(counts, key=counts.__getitem__)
        return best if counts[best] else ","


def _has_text_column(header: Iterable[str] | None) -> bool:
    return any(_ALIAS_FIELD.get(_norm_key(name)) in ("body", "summary") for name in header or ())
