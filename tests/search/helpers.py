"""A few articles written as text files and indexed, and their ranking under changed settings
(the ranking tests of exact forms and names)."""

from __future__ import annotations

import json
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


# Articles that state their language in their records (JSON "lang"), each naming the GRU:
# id -> (language, title, text). The note states none, and has too few letters to detect one.
LANGUAGE_RECORDS = {
    "ru-skripal": (
        "ru",
        "Отравление в Солсбери",
        "Следователи назвали офицеров GRU, причастных к отравлению в Солсбери.",
    ),
    "ru-hackers": ("ru", "Хакеры GRU", "Хакеры GRU атаковали избирательную комиссию."),
    "ar-attack": ("ar", "هجوم إلكتروني", "اتهمت هولندا ضباط GRU بالتجسس على منظمة الأسلحة."),
    "en-officers": ("en", "GRU officers named", "Dutch police named four GRU officers."),
    "note": ("", "7", "GRU 12 34"),
}


def index_languages(root: Path, engine_name: str) -> Path:
    """:data:`LANGUAGE_RECORDS` as ``root/seeds/*.json``, indexed into ``root/index``."""
    seeds = root / "seeds"
    seeds.mkdir()
    for article_id, (lang, title, text) in LANGUAGE_RECORDS.items():
        record = {"id": article_id, "title": title, "text": text, "source": "Wire"}
        if lang:
            record["lang"] = lang
        (seeds / f"{article_id}.json").write_text(json.dumps(record, ensure_ascii=False))
    reindex(seeds, root / "index", engine=EngineConfig(engine_name))
    return root / "index"
