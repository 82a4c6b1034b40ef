"""A few articles written as text files and indexed, and their ranking under changed settings
(the ranking tests of exact forms and names)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from searchapp.config import EngineConfig
from searchapp.reindex import reindex
from searchapp.search import ENGINE_RANKINGS, SearchEngine


def index_articles(root: Path, engine_name: str, articles: dict[str, tuple[str, str]]) -> Path:
    """``articles`` (file name -> title, body) as ``root/seeds/*.txt``, indexed into
    ``root/index`` by the engine."""
    seeds = root / "seeds"
    seeds.mkdir()
    for name, (title, body) in articles.items():
        (seeds / f"{name}.txt").write_text(f"{title}\n\n{body}\n", encoding="utf-8")
    reindex(seeds, root / "index", engine=EngineConfig(engine_name))
    return root / "index"


def ranked(index: Path, engine_name: str, text: str, **ranking) -> list[str]:
    """The ids of the hits of ``text``, with the engine's ranking changed by ``ranking``."""
    settings = replace(ENGINE_RANKINGS[engine_name], **ranking)
    engine = SearchEngine(index, settings, config=EngineConfig(engine_name))
    try:
        return [hit.id for hit in engine.search(text).hits]
    finally:
        engine.close()
