"""JSON (``.json``: one object, or a list of them, possibly under a container key) and JSON
Lines (``.jsonl``, ``.ndjson``): one article per object."""

from __future__ import annotations

import json
from typing import Any

from ...errors import CorpusError
from ...text.article import Article
from ..discover import Skipped
from .common import _Batch, _decode_text, _norm_key, _record_article, _record_fields

_CONTAINER_KEYS = ("articles", "items", "entries", "data")


def _read_json(data: bytes, relpath: str, file_id: str) -> tuple[list[Article], list[Skipped]]:
    text = _decode_text(data)
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CorpusError(
            f"invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from exc
    except RecursionError as exc:
        raise CorpusError("invalid JSON: nested too deeply") from exc
    if isinstance(value, dict):
        container = _container_list(value)
        if container is None or "body" in _record_fields(value):
            # One object: one article, with the file's own id.
            return [_record_article(_record_fields(value), file_id, relpath)], []
        value = container
    if not isinstance(value, list):
        raise CorpusError("JSON must be an object or a list of objects")
    batch = _Batch(relpath, file_id)
    for position, item in enumerate(value, start=1):
        if isinstance(item, dict):
            batch.add_record(f"item {position}", position, item)
        else:
            batch.skip(f"item {position}", f"not a JSON object ({type(item).__name__})")
    return batch.result("no articles (the JSON list is empty)")


def _container_list(value: dict[str, Any]) -> list[Any] | None:
    keys = {_norm_key(key): key for key in value}
    for name in _CONTAINER_KEYS:
        if name in keys and isinstance(value[keys[name]], list):
            return value[keys[name]]
    return None


def _read_jsonl(data: bytes, relpath: str, file_id: str) -> tuple[list[Article], list[Skipped]]:
    batch = _Batch(relpath, file_id)
    for number, line in enumerate(_decode_text(data).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            batch.skip(f"line {number}", f"invalid JSON: {exc.msg} (column {exc.colno})")
            continue
        except RecursionError:
            batch.skip(f"line {number}", "invalid JSON: nested too deeply")
            continue
        if isinstance(value, dict):
            batch.add_record(f"line {number}", number, value)
        else:
            batch.skip(f"line {number}", f"not a JSON object ({type(value).__name__})")
    return batch.result("no records")
