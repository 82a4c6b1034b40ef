"""How good the entities are (`make eval-entities`): precision and recall per type on the
hand-labelled gold sets of benchmarks/entities/.

* gold.toml: people, organisations and places of the three seeds and 50 articles of the news
  collection (labelled by hand; its header gives the guidelines). An article's entities are
  compared as sets: a name found counts as right when it is one of the spellings a label
  lists ("Sergei Skripal|Scrifal"), ignoring case.
* heldout.toml: 30 more news articles, labelled the same way after the rules were tuned on
  gold.toml and never used to tune them: the figures to trust.
* indicators.toml: threat-report passages with every indicator they hold, and traps; the
  indicators found are compared as ``kind:value`` sets. ioc-finder, the library the
  extraction was measured against, is scored on the same passages (its kinds mapped to ours).

``--errors`` lists every false positive and miss; ``--json`` writes the figures.
"""

from __future__ import annotations

import argparse
import json
import time
import tomllib
from collections import Counter
from pathlib import Path

from searchapp.ingest.readers import parse_file
from searchapp.text.analysed import analyse
from searchapp.text.corrections import fold
from searchapp.text.entities import split_value
from searchapp.text.indicators import find_indicators
from searchapp.text.names import TYPES

HERE = Path(__file__).resolve().parent / "entities"
# The set the rules were tuned on, and one labelled after the tuning and never used for it.
GOLD_SETS = ("gold.toml", "heldout.toml")
TARGETS = {"person": (0.85, 0.70), "org": (0.85, 0.70), "place": (None, None)}
INDICATOR_PRECISION = 0.98


def _articles(gold: list[dict], seeds: Path, news: Path) -> list:
    """The gold set's articles, read as the indexer reads them."""
    by_id = {}
    if any(item["collection"] == "news" for item in gold):
        parsed = parse_file(news.read_bytes(), news.name, news.stem)
        by_id = {article.id: article for article in parsed.articles}
    articles = []
    for item in gold:
        if item["collection"] == "seeds":
            path = seeds / item["key"]
            article = parse_file(path.read_bytes(), path.name, path.stem).articles[0]
        else:
            article = by_id[f"{news.stem}-{item['key']}"]
        articles.append(article)
    return articles


def evaluate_names(gold: list[dict], articles: list, errors: bool) -> dict[str, dict]:
    found_right, found_all, gold_found, gold_all = Counter(), Counter(), Counter(), Counter()
    seconds = 0.0
    analyse(articles[0])  # loads the name and place lists once, before the timing
    for item, article in zip(gold, articles, strict=True):
        started = time.perf_counter()
        values = analyse(article).entities
        seconds += time.perf_counter() - started
        predicted: dict[str, set[str]] = {kind: set() for kind in TYPES}
        for value in values:
            kind, name = split_value(value)
            if kind in predicted:
                predicted[kind].add(name)
        for kind in TYPES:
            labels = [{fold(s) for s in label.split("|")} for label in item.get(kind, [])]
            spellings = set().union(*labels) if labels else set()
            right = {name for name in predicted[kind] if fold(name) in spellings}
            found_right[kind] += len(right)
            found_all[kind] += len(predicted[kind])
            hit = [label for label in labels if any(fold(n) in label for n in predicted[kind])]
            gold_found[kind] += len(hit)
            gold_all[kind] += len(labels)
            if errors:
                wrong = sorted(predicted[kind] - right)
                missed = [
                    label for label in item.get(kind, []) if label not in _hit(hit, item, kind)
                ]
                for name in wrong:
                    print(f"  FP {kind:6} {item['key']:>24}  {name}")
                for label in missed:
                    print(f"  FN {kind:6} {item['key']:>24}  {label}")
    figures = {}
    for kind in TYPES:
        precision = found_right[kind] / found_all[kind] if found_all[kind] else 0.0
        recall = gold_found[kind] / gold_all[kind] if gold_all[kind] else 0.0
        figures[kind] = {
            "precision": round(precision, 3),
            "recall": round(recall, 3),
            "found": found_all[kind],
            "labelled": gold_all[kind],
        }
    figures["_seconds_per_article"] = seconds / max(1, len(articles))
    return figures


def _hit(hit: list[set[str]], item: dict, kind: str) -> list[str]:
    return [label for label in item.get(kind, []) if {fold(s) for s in label.split("|")} in hit]


_IOC_FINDER_KINDS = {
    "cves": "cve",
    "ipv4s": "ip",
    "ipv6s": "ip",
    "domains": "domain",
    "urls": "url",
    "email_addresses": "email",
    "md5s": "hash",
    "sha1s": "hash",
    "sha256s": "hash",
    "bitcoin_addresses": "crypto",
    "monero_addresses": "crypto",
    "ethereum_addresses": "crypto",
}


def _ioc_finder(text: str) -> set[str]:
    from ioc_finder import find_iocs

    found = find_iocs(text)
    values = set()
    for key, kind in _IOC_FINDER_KINDS.items():
        for value in found.get(key, []):
            values.add(f"{kind}:{value.lower() if kind not in ('crypto',) else value}")
    techniques = found.get("attack_techniques", {})
    for value in techniques.get("enterprise", []) if isinstance(techniques, dict) else []:
        values.add(f"technique:{value.upper()}")
    return values


def evaluate_indicators(passages: list[dict], errors: bool) -> dict[str, dict]:
    results = {}
    for name, finder in (
        ("searchapp", lambda t: {f"{i.kind}:{i.value}" for i in find_indicators(t)}),
        ("ioc-finder", _ioc_finder),
    ):
        right = found = labelled = caught = 0
        seconds = 0.0
        for passage in passages:
            gold = set(passage["indicators"])
            started = time.perf_counter()
            predicted = finder(passage["text"])
            seconds += time.perf_counter() - started
            if name == "ioc-finder":  # url values: compare without our normalising quirks
                predicted = {p.rstrip("/") if p.startswith("url:") else p for p in predicted}
                gold = {g.rstrip("/") if g.startswith("url:") else g for g in gold}
            right += len(predicted & gold)
            found += len(predicted)
            caught += len(gold & predicted)
            labelled += len(gold)
            if errors and name == "searchapp":
                for value in sorted(predicted - gold):
                    print(f"  FP indicator  {value}")
                for value in sorted(gold - predicted):
                    print(f"  FN indicator  {value}")
        results[name] = {
            "precision": round(right / found, 3) if found else 0.0,
            "recall": round(caught / labelled, 3) if labelled else 0.0,
            "found": found,
            "labelled": labelled,
            "ms_per_passage": round(1000 * seconds / max(1, len(passages)), 3),
        }
    return results


def _print_names(name: str, articles: int, names: dict) -> None:
    print(f"Entities on {articles} hand-labelled articles (benchmarks/entities/{name}):")
    print(f"  {'type':8} {'precision':>9} {'recall':>7} {'found':>6} {'labelled':>8}  target")
    for kind in TYPES:
        f = names[kind]
        low_p, low_r = TARGETS[kind]
        target = f"P >= {low_p}, R >= {low_r}" if low_p else "-"
        ok = (
            ""
            if not low_p
            else ("  met" if f["precision"] >= low_p and f["recall"] >= low_r else "  MISSED")
        )
        print(
            f"  {kind:8} {f['precision']:>9.3f} {f['recall']:>7.3f} {f['found']:>6} "
            f"{f['labelled']:>8}  {target}{ok}"
        )
    ms = 1000 * names["_seconds_per_article"]
    print(f"  whole analysis (stems, tags, entities): {ms:.2f} ms per article")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=Path, default=Path("../shared/seeds"))
    parser.add_argument("--news", type=Path, default=Path("data/news/NewsArticles.csv"))
    parser.add_argument("--errors", action="store_true", help="list false positives and misses")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    sets = {}
    for name in GOLD_SETS:
        gold = tomllib.loads((HERE / name).read_text("utf-8"))["article"]
        articles = _articles(gold, args.seeds, args.news)
        sets[name] = (gold, evaluate_names(gold, articles, args.errors))
    passages = tomllib.loads((HERE / "indicators.toml").read_text("utf-8"))["passage"]
    indicators = evaluate_indicators(passages, args.errors)
    for name, (gold, names) in sets.items():
        _print_names(name, len(gold), names)
    names = sets["gold.toml"][1]
    where = "benchmarks/entities/indicators.toml"
    print(f"Indicators on {len(passages)} hand-labelled passages ({where}):")
    header = f"{'extractor':10} {'precision':>9} {'recall':>7} {'found':>6} {'labelled':>8}"
    print(f"  {header} {'ms/passage':>10}")
    for name, f in indicators.items():
        mark = ""
        if name == "searchapp":
            mark = "  met" if f["precision"] >= INDICATOR_PRECISION else "  MISSED"
            mark = f"  target P >= {INDICATOR_PRECISION}{mark}"
        print(
            f"  {name:10} {f['precision']:>9.3f} {f['recall']:>7.3f} {f['found']:>6} "
            f"{f['labelled']:>8} {f['ms_per_passage']:>10.3f}{mark}"
        )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        figures = {"names": names, "heldout": sets["heldout.toml"][1], "indicators": indicators}
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
