"""Shards failing on the network: the error that names the shard, which shard an error
names, and closing a dead connection."""

from __future__ import annotations

import re

import xapian

from ...errors import EngineUnavailable

_CONTEXT = re.compile(r"remote:tcp\((.*):(\d+)\)")


def _unavailable(name: str, exc: xapian.Error) -> EngineUnavailable:
    # Never exc.get_error_string(): it segfaults on errors without an errno (timeouts).
    return EngineUnavailable(
        f"Shard {name} is not answering ({exc.get_msg() or type(exc).__name__}); try again shortly."
    )


def _failed_shards(exc: xapian.Error, names: list[str]) -> list[str]:
    """The shard a network error names in its context ("remote:tcp(host:port)"), or all of
    ``names`` when it names none of them."""
    match = _CONTEXT.search(exc.get_context() or "")
    if match and f"{match.group(1)}:{match.group(2)}" in names:
        return [f"{match.group(1)}:{match.group(2)}"]
    return names


def _close(db: xapian.Database | None) -> None:
    try:
        if db is not None:
            db.close()
    except xapian.Error:
        pass  # a dead shard's connection: nothing left to close or release
