"""A reproducible synthetic corpus of news-like articles for speed benchmarks.

The speed benchmarks need corpora far larger than the 3,824 real articles in the news CSV
(see :func:`benchmarks.indexing.news_rows`), made of real English sentences so that analysis,
stemming and posting lists behave as they do on real text. This module splits that CSV into
a pool of headlines and sentences, then builds each article from random picks out of the pool:

- a headline, a blank line, a dateline (a date in 2016-2017 such as ``2017-03-05``), a blank
  line, then 15-40 sentences in paragraphs of 2-5 sentences separated by blank lines;
- article ``n`` depends only on the seed and ``n`` (not on how many are generated), so a
  10,000-article corpus is the first 10,000 files of the 100,000-article one;
- files are ``NNNN/article-NNNNNNN.txt``, 1,000 to a folder.

:func:`generate` writes a corpus under ``root/corpus-N-seedS`` and reuses it while its
``.manifest.json`` (written last) still matches, so an interrupted run is regenerated.

Usage, from the project root::

    python -m benchmarks.corpus --articles 100000 [--seed 1] [--root data/bench] [--data data]

or from code::

    corpus = generate(100_000, seed=1, root=Path("data/bench"), data_dir=Path("data"))
    for path in corpus_files(corpus): ...
"""

from __future__ import annotations

import argparse
import json
import random
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from benchmarks.indexing import news_rows

# Bump whenever the output for a given (articles, seed) changes, so cached corpora are rebuilt.
FORMAT_VERSION = 1
# A dot file: the reindex under test skips it instead of warning about a JSON file.
MANIFEST = ".manifest.json"
PER_FOLDER = 1000

MIN_SENTENCE_CHARS, MAX_SENTENCE_CHARS, MIN_SENTENCE_WORDS = 40, 400, 6
SENTENCES_PER_ARTICLE = (15, 40)
SENTENCES_PER_PARAGRAPH = (2, 5)
FIRST_DAY, LAST_DAY = date(2016, 1, 1), date(2017, 12, 31)

# A sentence ends at . ! or ? plus any closing quotes or brackets, where whitespace and then an
# uppercase letter, a digit or an opening quote follow. Abbreviations ("Sen. Warren") are cut
# too: a few odd sentences do not matter for a speed benchmark, a download-free splitter does.
_SENTENCE_END = re.compile(r"""([.!?]["'”’)\]]*)\s+(?=[A-Z0-9"'“‘])""")


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text`` that look like prose: 40-400 characters and 6+ words, with
    whitespace runs (newlines included) made single spaces."""
    flat = " ".join(text.split())
    # Whitespace is single spaces now, so a newline marks each cut unambiguously.
    pieces = _SENTENCE_END.sub("\\1\n", flat).split("\n")
    return [
        sentence
        for sentence in pieces
        if MIN_SENTENCE_CHARS <= len(sentence) <= MAX_SENTENCE_CHARS
        and len(sentence.split()) >= MIN_SENTENCE_WORDS
    ]


@dataclass(frozen=True)
class SentencePool:
    """What articles are made of: real headlines and sentences, without duplicates."""

    headlines: tuple[str, ...]
    sentences: tuple[str, ...]


def build_pool(rows: Iterable[Mapping[str, str]]) -> SentencePool:
    """Headlines and sentences from news CSV rows (``title`` and ``text``), in row order."""
    headlines: dict[str, None] = {}  # dicts dedupe and keep first-seen order
    sentences: dict[str, None] = {}
    for row in rows:
        # One line, no full stop: how a headline is written and how readers spot a title.
        headline = " ".join(row.get("title", "").split()).rstrip(".").strip()
        if headline:
            headlines[headline] = None
        for sentence in split_sentences(row.get("text", "")):
            sentences[sentence] = None
    if not headlines or not sentences:
        raise ValueError("no headlines or no sentences to build articles from")
    return SentencePool(tuple(headlines), tuple(sentences))


def article_path(number: int) -> str:
    """The path of article ``number`` relative to the corpus folder."""
    return f"{number // PER_FOLDER:04d}/article-{number:07d}.txt"


def make_article(pool: SentencePool, seed: int, number: int) -> tuple[str, str]:
    """Article ``number`` of the corpus for ``seed``: (relative path, file text)."""
    # A generator per article (string seeds hash the same in every run) so article n never
    # depends on the articles before it: corpora of different sizes share their prefix.
    rng = random.Random(f"{seed}:{number}")
    headline = rng.choice(pool.headlines)
    day = FIRST_DAY + timedelta(days=rng.randint(0, (LAST_DAY - FIRST_DAY).days))
    sentences = rng.choices(pool.sentences, k=rng.randint(*SENTENCES_PER_ARTICLE))
    paragraphs = []
    low, high = SENTENCES_PER_PARAGRAPH
    start = 0
    while start < len(sentences):
        left = len(sentences) - start
        size = rng.randint(low, min(high, left))
        if left - size == 1:  # never leave a lone sentence for the last paragraph
            size = size + 1 if size < high else size - 1
        paragraphs.append(" ".join(sentences[start : start + size]))
        start += size
    body = "\n\n".join(paragraphs)
    return article_path(number), f"{headline}\n\n{day.isoformat()}\n\n{body}\n"


@dataclass(frozen=True)
class Corpus:
    """A generated corpus: its folder, how many articles and their total size in bytes."""

    folder: Path
    articles: int
    bytes: int


def corpus_folder(root: Path, articles: int, seed: int) -> Path:
    return root / f"corpus-{articles}-seed{seed}"


def corpus_files(corpus: Corpus) -> list[Path]:
    """The article files of ``corpus`` in article order (which is also sorted path order)."""
    return [corpus.folder / article_path(number) for number in range(corpus.articles)]


def _manifest(articles: int, seed: int, size: int) -> dict[str, int]:
    return {"format": FORMAT_VERSION, "articles": articles, "seed": seed, "bytes": size}


def _cached(folder: Path, articles: int, seed: int) -> Corpus | None:
    """The corpus in ``folder`` if its manifest matches and every file has the size it says."""
    try:
        recorded = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        size = int(recorded["bytes"])
        if recorded != _manifest(articles, seed, size):
            return None
        # A stat per file: cheap next to writing them, and catches deleted or truncated files.
        corpus = Corpus(folder, articles, size)
        if sum(path.stat().st_size for path in corpus_files(corpus)) != size:
            return None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return corpus


def add_corpus_options(
    parser: argparse.ArgumentParser, size: int = 10_000, work: str = "where indexes are built"
) -> None:
    """The options of a benchmark over the generated corpus: its size and seed, where it and
    the news CSV are cached, where the benchmark builds its indexes."""
    parser.add_argument("--size", type=int, default=size, help="articles in the corpus")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--root", type=Path, default=Path("data/bench"), help="corpus cache")
    parser.add_argument("--data", type=Path, default=Path("data"), help="news wheel cache")
    parser.add_argument("--work", type=Path, default=None, help=work)


def generate(articles: int, seed: int, root: Path, data_dir: Path) -> Corpus:
    """Write (or reuse) the corpus of ``articles`` articles for ``seed`` under ``root``.

    ``data_dir`` is the download cache of the news CSV (see :func:`news_rows`). Articles are
    written one at a time, so memory does not grow with the corpus size.
    """
    if articles < 0:
        raise ValueError("articles must be >= 0")
    folder = corpus_folder(root, articles, seed)
    cached = _cached(folder, articles, seed)
    if cached is not None:
        return cached

    folder.mkdir(parents=True, exist_ok=True)
    # Gone before the first file changes, so a run cut short is never taken for a finished one.
    (folder / MANIFEST).unlink(missing_ok=True)
    pool = build_pool(news_rows(data_dir))
    size = 0
    for number in range(articles):
        relpath, text = make_article(pool, seed, number)
        path = folder / relpath
        if number % PER_FOLDER == 0:
            path.parent.mkdir(exist_ok=True)
        data = text.encode("utf-8")
        path.write_bytes(data)  # bytes, not write_text: no newline translation on any OS
        size += len(data)

    manifest = folder / MANIFEST
    partial = manifest.with_suffix(".tmp")
    partial.write_text(json.dumps(_manifest(articles, seed, size)) + "\n", encoding="utf-8")
    partial.replace(manifest)  # atomic: the manifest is either whole or absent
    return Corpus(folder, articles, size)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, required=True, help="how many articles")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument(
        "--root", type=Path, default=Path("data/bench"), help="where corpora are kept"
    )
    parser.add_argument("--data", type=Path, default=Path("data"), help="download cache")
    args = parser.parse_args()

    corpus = generate(args.articles, args.seed, args.root, args.data)
    print(f"{corpus.folder}  {corpus.articles} articles  {corpus.bytes / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
