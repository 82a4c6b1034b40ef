"""Opening the engine the configuration names: Whoosh, or Xapian (one database or shards).
Each engine's package is imported only when it is asked for."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..config import EngineConfig
from ..text.corrections import Corrections
from .base import Engine, Writer


def open_engine(
    config: EngineConfig, index_dir: Path, *, k1: float, b: float, **options: Any
) -> Engine:
    """The engine ``config`` names, searching the index in ``index_dir`` (or its shards) with
    BM25's ``k1`` and ``b``; ``options`` are the engine's own. The index is opened at the
    first :meth:`Engine.view`: :class:`~searchapp.errors.IndexMissing` if there is none."""
    if config.name == "xapian":
        from .xapian.engine import XapianEngine

        return XapianEngine(config, Path(index_dir), k1=k1, b=b, **options)
    from .whoosh.engine import WhooshEngine

    return WhooshEngine(Path(index_dir), k1=k1, b=b, **options)


def open_writer(
    config: EngineConfig, index_dir: Path, corrections: Corrections | None = None
) -> Writer:
    """A writer of the index ``config`` names, created empty when there is none yet, whose
    articles' entities get ``corrections``; :class:`~searchapp.errors.IndexLocked` while
    another reindex writes it."""
    if config.name == "xapian":
        from .xapian.writer import XapianWriter

        return XapianWriter(config, Path(index_dir), corrections)
    from .whoosh.writer import WhooshWriter

    return WhooshWriter(Path(index_dir), corrections)
