"""When to search a spelling suggestion instead of the query: rules measured on real words.

The news collection (``make news``, 3,824 articles) is split in two halves by row. Half A is
indexed; half B stands for what the index doesn't hold. Two sets of one-word queries:

- **misspelled**: words of A (in at least 3 of its articles) with one or two random edits
  (a letter dropped, added or changed) that make no word of either half; names (words A
  writes capitalised) typed capitalised. Right when the suggestion searched is the word (or a
  word of its stem);
- **rare but right**: words of B (in at least 2 of its articles, so no typo) that A lacks
  entirely, names included: ``Skripal`` over a collection that never names him. Any
  replacement of one of them is wrong.

Each query runs through the search service as a user's would (``autocorrect=False``, so the
real suggestion and whether the query's own results are empty are both known); each rule then
decides whether that suggestion would have replaced the query. Reported for each rule: how
often a misspelling is corrected rightly or wrongly, how often it is missed (left for "Did you
mean"), and how often a right word is replaced.

Usage::

    python -m benchmarks.spelling [--data data] [--work data/bench/spelling] [--queries 300]
        [--seed 1] [--json out.json]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import re
import shutil
import string
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from searchapp.ingest.samples import news_csv_bytes
from searchapp.reindex import reindex
from searchapp.search import SearchEngine
from searchapp.search.suggestions import Correction, correct, is_sure, written_as_name
from searchapp.text import analysis

_WORD = re.compile(r"[^\W\d_]+")
_SENTENCE_END = re.compile(r"[.!?:\"“”'‘’(\[]\s*$")


@dataclass
class Words:
    """A half's vocabulary: articles per case-folded word, and how it is written mid-sentence."""

    articles: Counter[str]
    capitalised: Counter[str]
    lower: Counter[str]

    def is_name(self, word: str) -> bool:
        caps, low = self.capitalised[word], self.lower[word]
        return caps > 0 and caps >= 9 * low


def vocabulary(texts: list[str]) -> Words:
    words = Words(Counter(), Counter(), Counter())
    for text in texts:
        seen = set()
        for match in _WORD.finditer(text):
            token = match.group(0)
            word = analysis.normalize(token)
            seen.add(word)
            if match.start() and not _SENTENCE_END.search(
                text[max(0, match.start() - 3) : match.start()]
            ):
                (words.capitalised if token[0].isupper() else words.lower)[word] += 1
        words.articles.update(seen)
    return words


@dataclass
class Query:
    typed: str
    kind: str  # "misspelled" or "rare"
    name: bool
    expected: str | None  # the word a misspelling came from
    edits: int  # 0 for rare words


def misspell(word: str, edits: int, rng: random.Random) -> str:
    for _ in range(edits):
        at = rng.randrange(1, len(word))  # the first letter kept, as people rarely miss it
        kind = rng.choice("dis")
        letter = rng.choice(string.ascii_lowercase)
        if kind == "d":
            word = word[:at] + word[at + 1 :]
        elif kind == "i":
            word = word[:at] + letter + word[at:]
        else:
            word = word[:at] + letter + word[at + 1 :]
    return word


def levenshtein(a: str, b: str) -> int:
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
    return row[-1]


def make_queries(a: Words, b: Words, count: int, rng: random.Random) -> list[Query]:
    def usable(word: str) -> bool:
        return 5 <= len(word) <= 14 and word.isascii() and word not in analysis.STOPWORDS

    common = sorted(w for w, n in a.articles.items() if n >= 3 and usable(w))
    known = set(a.articles) | set(b.articles)
    queries: list[Query] = []
    for wanted_name in (True, False):
        pool = [w for w in common if a.is_name(w) == wanted_name]
        rng.shuffle(pool)
        made = 0
        for word in pool:
            if made == count // 2:
                break
            edits = 1 if made % 5 < 3 else 2  # three in five one edit away, two in five two
            typo = misspell(word, edits, rng)
            if typo in known or levenshtein(typo, word) != edits or len(typo) < 4:
                continue
            typed = typo.capitalize() if wanted_name else typo
            queries.append(Query(typed, "misspelled", wanted_name, word, edits))
            made += 1
    rare = sorted(w for w, n in b.articles.items() if n >= 2 and w not in a.articles and usable(w))
    for wanted_name in (True, False):
        pool = [w for w in rare if b.is_name(w) == wanted_name]
        rng.shuffle(pool)
        for word in pool[: count // 2]:
            typed = word.capitalize() if wanted_name else word
            queries.append(Query(typed, "rare", wanted_name, None, 0))
    return queries


@dataclass
class Outcome:
    query: Query
    total: int  # the query's own results
    correction: Correction | None
    word_is_name: bool | None  # how the index's articles write the offered word
    right: bool  # the correction is the word the misspelling came from (or shares its stem)


Rule = Callable[[Correction, "bool | None"], bool]


def _one_edit(c: Correction, word_is_name: bool | None) -> bool:
    return c.distance <= 1


def _typed_as_name(c: Correction) -> bool:
    return c.typed[:1].isupper()


def _same_kind(c: Correction, word_is_name: bool | None) -> bool:
    """Not a common word for a word typed capitalised."""
    return not (_typed_as_name(c) and word_is_name is False)


def _same_sound(c: Correction) -> bool:
    return consonants(c.typed) == consonants(c.word)


def consonants(word: str) -> str:
    """First letter and consonants, doubles as one (surveilance, surveillance: srvlnc)."""
    word = analysis.normalize(word)
    out = word[:1]
    for letter in word[1:]:
        if letter not in "aeiouy" and letter != out[-1:]:
            out += letter
    return out


RULES: dict[str, Rule] = {
    "always (before)": lambda c, n: True,
    "one edit": _one_edit,
    "one edit and in 2+ articles": lambda c, n: _one_edit(c, n) and c.frequency >= 2,
    "one edit, or two typed lower-case": lambda c, n: _one_edit(c, n) or not _typed_as_name(c),
    "one edit, or two sounding alike": lambda c, n: _one_edit(c, n) or _same_sound(c),
    "one edit, or two sounding alike typed lower-case": lambda c, n: (
        _one_edit(c, n) or (_same_sound(c) and not _typed_as_name(c))
    ),
    "same kind": _same_kind,
    "same kind, one edit, or two typed lower-case": lambda c, n: (
        _same_kind(c, n) and (_one_edit(c, n) or not _typed_as_name(c))
    ),
    "same kind and one edit (chosen)": is_sure,
    "same kind, one edit, in 2+ articles": lambda c, n: is_sure(c, n) and c.frequency >= 2,
}


def score(outcomes: list[Outcome], rule: Rule) -> dict[str, float]:
    def replaced(o: Outcome) -> bool:
        return o.total == 0 and o.correction is not None and rule(o.correction, o.word_is_name)

    def share(items: list[Outcome], test: Callable[[Outcome], bool]) -> float:
        return round(100 * sum(map(test, items)) / len(items), 1) if items else 0.0

    bad = [o for o in outcomes if o.query.kind == "misspelled"]
    rare = [o for o in outcomes if o.query.kind == "rare"]
    figures = {
        "misspelled: corrected rightly %": share(bad, lambda o: replaced(o) and o.right),
        "misspelled: corrected wrongly %": share(bad, lambda o: replaced(o) and not o.right),
        "misspelled: missed %": share(bad, lambda o: not replaced(o)),
        "rare: replaced wrongly %": share(rare, replaced),
    }
    for name in (True, False):
        label = "names" if name else "other words"
        figures[f"rare {label}: replaced wrongly %"] = share(
            [o for o in rare if o.query.name == name], replaced
        )
        figures[f"misspelled {label}: corrected wrongly %"] = share(
            [o for o in bad if o.query.name == name], lambda o: replaced(o) and not o.right
        )
    for edits in (1, 2):
        group = [o for o in bad if o.query.edits == edits]
        figures[f"misspelled, {edits} edit(s): corrected rightly %"] = share(
            group, lambda o: replaced(o) and o.right
        )
    return figures


def split_news(data_dir: Path, work: Path) -> tuple[Path, list[str], list[str]]:
    """Half A written as a CSV folder to index; the texts of both halves."""
    rows = list(csv.DictReader(io.StringIO(news_csv_bytes(data_dir).decode("utf-8"))))
    halves: tuple[list[dict], list[dict]] = (rows[0::2], rows[1::2])
    folder = work / "a"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    with open(folder / "news-a.csv", "w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(halves[0])

    def texts(half: list[dict]) -> list[str]:
        return [f"{r['title']}. {r['subtitle']}. {r['text']}" for r in half]

    return folder, texts(halves[0]), texts(halves[1])


def run(data_dir: Path, work: Path, count: int, seed: int) -> dict:
    folder, texts_a, texts_b = split_news(data_dir, work)
    index_dir = work / "a-index"
    shutil.rmtree(index_dir, ignore_errors=True)
    reindex(folder, index_dir)
    engine = SearchEngine(index_dir)
    queries = make_queries(vocabulary(texts_a), vocabulary(texts_b), count, random.Random(seed))
    view = engine.view()
    outcomes = []
    for query in queries:
        total = engine.search(query.typed, per_page=1, autocorrect=False, facets=False).total
        found = correct(query.typed, view)
        right = bool(
            found and query.expected and analysis.stem(found.word) == analysis.stem(query.expected)
        )
        word_is_name = written_as_name(found.word, view) if found else None
        outcomes.append(Outcome(query, total, found, word_is_name, right))
    kinds = Counter((o.query.kind, o.query.name) for o in outcomes)
    return {
        "articles indexed": len(texts_a),
        "queries": {
            f"{kind} {'names' if name else 'other'}": n for (kind, name), n in kinds.items()
        },
        "rules": {name: score(outcomes, rule) for name, rule in RULES.items()},
        "examples": [
            {
                "typed": o.query.typed,
                "kind": o.query.kind,
                "expected": o.query.expected,
                "suggested": o.correction.word if o.correction else None,
                "distance": o.correction.distance if o.correction else None,
                "sure": bool(o.correction and is_sure(o.correction, o.word_is_name)),
            }
            for o in outcomes[:: max(1, len(outcomes) // 40)]
        ],
        "outcomes": [
            {
                **asdict(o.query),
                "total": o.total,
                "suggested": o.correction.word if o.correction else None,
                "distance": o.correction.distance if o.correction else None,
                "frequency": o.correction.frequency if o.correction else None,
                "word_is_name": o.word_is_name,
                "right": o.right,
            }
            for o in outcomes
        ],
    }


def print_table(result: dict) -> None:
    print(f"{result['articles indexed']} articles indexed; queries: {result['queries']}")
    rules = result["rules"]
    columns = list(next(iter(rules.values())))
    for column in columns:
        print(f"\n{column}")
        for name, figures in rules.items():
            print(f"  {figures[column]:5.1f}  {name}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=Path("data"), help="download cache")
    parser.add_argument("--work", type=Path, default=Path("data/bench/spelling"))
    parser.add_argument("--queries", type=int, default=300, help="of each set (half names)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="write the figures and every query here")
    args = parser.parse_args(argv)
    result = run(args.data, args.work, args.queries, args.seed)
    print_table(result)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
