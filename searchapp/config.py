"""Where the index and the articles live: defaults, environment variables, overrides."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_INDEX_DIR = "index"
DEFAULT_SEEDS_DIR = "seeds"
INDEX_ENV = "SEARCHAPP_INDEX"
SEEDS_ENV = "SEARCHAPP_SEEDS"


@dataclass(frozen=True, slots=True)
class Settings:
    index_dir: Path
    seeds_dir: Path

    @classmethod
    def load(cls, overrides: Mapping[str, Any] | None = None) -> Settings:
        """Explicit overrides (``INDEX_DIR``, ``SEEDS_DIR``) win over the environment
        (``SEARCHAPP_INDEX``, ``SEARCHAPP_SEEDS``), which wins over ``index/`` and ``seeds/``
        in the working directory."""
        overrides = overrides or {}
        index_dir = overrides.get("INDEX_DIR") or os.environ.get(INDEX_ENV) or DEFAULT_INDEX_DIR
        seeds_dir = overrides.get("SEEDS_DIR") or os.environ.get(SEEDS_ENV) or DEFAULT_SEEDS_DIR
        return cls(Path(index_dir), Path(seeds_dir))
