"""Where the index and the articles live: defaults, environment variables, overrides."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_INDEX_DIR = "index"
DEFAULT_SEEDS_DIR = "seeds"
INDEX_ENV = "SEARCHAPP_INDEX"
SEEDS_ENV = "SEARCHAPP_SEEDS"
RATE_LIMIT_ENV = "SEARCHAPP_RATE_LIMIT"
# Requests one client may make to the JSON API (the pages are not limited): enough for a person
# or a polite script, not for a scraper. Any limits string ("10/second;300/minute"), or "off".
DEFAULT_RATE_LIMIT = "20/second;300/minute"


@dataclass(frozen=True, slots=True)
class Settings:
    index_dir: Path
    seeds_dir: Path
    rate_limit: str | None = DEFAULT_RATE_LIMIT  # None: no limit

    @classmethod
    def load(cls, overrides: Mapping[str, Any] | None = None) -> Settings:
        """Explicit overrides (``INDEX_DIR``, ``SEEDS_DIR``, ``RATE_LIMIT``) win over the
        environment (``SEARCHAPP_INDEX``, ``SEARCHAPP_SEEDS``, ``SEARCHAPP_RATE_LIMIT``), which
        wins over ``index/`` and ``seeds/`` in the working directory and the default limit."""
        overrides = overrides or {}
        index_dir = overrides.get("INDEX_DIR") or os.environ.get(INDEX_ENV) or DEFAULT_INDEX_DIR
        seeds_dir = overrides.get("SEEDS_DIR") or os.environ.get(SEEDS_ENV) or DEFAULT_SEEDS_DIR
        rate_limit = (
            overrides.get("RATE_LIMIT") or os.environ.get(RATE_LIMIT_ENV) or DEFAULT_RATE_LIMIT
        )
        if rate_limit.strip().lower() in ("off", "none", "0"):
            rate_limit = None
        return cls(Path(index_dir), Path(seeds_dir), rate_limit)


def is_loopback(host: str) -> bool:
    """Whether ``host`` (an address or name) is this machine: 127.0.0.0/8, ::1 or localhost."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
