"""The synthetic benchmark corpus (benchmarks/corpus.py), built from fake news rows: nothing is
downloaded."""

from __future__ import annotations

import json
import os
import re
import sys
from datetime import date
from pathlib import Path

import pytest

from benchmarks import corpus as bench
from benchmarks.corpus import (
    Corpus,
    SentencePool,
    build_pool,
    corpus_files,
    generate,
    make_article,
    split_sentences,
)

CAPTION = "Photo: Reuters."
LONG = "The committee " + "heard evidence from many witnesses and " * 12 + "then adjourned."
SUBJECTS = ["The minister", "A spokesman", "The council", "Local police", "The company"]
VERBS = ["said on Monday", "confirmed late on Friday", "announced this week", "denied again"]
TOPICS = ["the plan was delayed", "talks would resume", "the café had closed", "costs had risen"]


def _sentence(i: int) -> str:
    # Distinct, filter-passing sentences with no internal boundary, so a paragraph can be split
    # back into exactly the sentences it was made of.
    subject, verb = SUBJECTS[i % len(SUBJECTS)], VERBS[i // len(SUBJECTS) % len(VERBS)]
    return f"{subject} {verb} that {TOPICS[i % len(TOPICS)]} in region {i}."


FAKE_ROWS = [
    {
        "article_id": str(row),
        "title": f"  Headline number {row} about events abroad.  " if row != 2 else "   ",
        "text": "\n\n".join(
            [CAPTION, " ".join(_sentence(row * 10 + i) for i in range(10)), LONG, "Ends here."]
        ),
        "publish_date": "2017-01-01",
    }
    for row in range(6)
]


@pytest.fixture
def news_calls(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Serve the fake rows in place of the news CSV; the list records each call's data dir."""
    calls: list[Path] = []

    def fake_news_rows(data_dir: Path) -> list[dict[str, str]]:
        calls.append(data_dir)
        return FAKE_ROWS

    monkeypatch.setattr(bench, "news_rows", fake_news_rows)
    return calls


@pytest.fixture
def pool() -> SentencePool:
    return build_pool(FAKE_ROWS)


def _bytes(corpus: Corpus) -> dict[str, bytes]:
    return {p.relative_to(corpus.folder).as_posix(): p.read_bytes() for p in corpus_files(corpus)}


def _age(corpus: Corpus) -> dict[Path, int]:
    """Set every file's mtime far in the past and return it: a rewrite is then unmistakable."""
    old = 1_000_000_000
    for path in corpus_files(corpus):
        os.utime(path, ns=(old, old))
    return {path: path.stat().st_mtime_ns for path in corpus_files(corpus)}


def _mtimes(corpus: Corpus) -> dict[Path, int]:
    return {path: path.stat().st_mtime_ns for path in corpus_files(corpus)}


# --- split_sentences ------------------------------------------------------------------------------


def test_splits_after_full_stop_exclamation_and_question_mark() -> None:
    text = (
        "The minister arrived in Paris on Monday for the talks. Officials said the first "
        "meeting went well! Would the deal survive the vote next month? 2017 was a year of "
        "surprises for every party involved."
    )
    assert split_sentences(text) == [
        "The minister arrived in Paris on Monday for the talks.",
        "Officials said the first meeting went well!",
        "Would the deal survive the vote next month?",
        "2017 was a year of surprises for every party involved.",
    ]


def test_closing_quotes_stay_with_their_sentence_and_opening_quotes_start_one() -> None:
    text = (
        'He said: "The talks will continue next week in Geneva." Then the delegates went home '
        "for the weekend. \u201cWe are pleased with the progress made so far,\u201d she "
        "said. 'Nothing is agreed until everything is agreed,' an aide added (in private.) "
        "Nobody else wanted to comment on the talks."
    )
    assert split_sentences(text) == [
        'He said: "The talks will continue next week in Geneva."',
        "Then the delegates went home for the weekend.",
        "\u201cWe are pleased with the progress made so far,\u201d she said.",
        "'Nothing is agreed until everything is agreed,' an aide added (in private.)",
        "Nobody else wanted to comment on the talks.",
    ]


def test_no_split_without_space_and_capital_after_the_stop() -> None:
    text = "Inflation rose to 3.5 percent in the quarter, i.e. faster than expected by anyone."
    assert split_sentences(text) == [text]


def test_whitespace_is_normalised() -> None:
    text = (
        "The talks\n ended  late\ton Friday\r\nevening in Geneva.\n\n  Both sides said\n"
        "very little to reporters afterwards."
    )
    assert split_sentences(text) == [
        "The talks ended late on Friday evening in Geneva.",
        "Both sides said very little to reporters afterwards.",
    ]


def test_filters_by_length_and_word_count() -> None:
    at_40 = "One two three four five six seven eight."  # 40 characters, 8 words
    assert len(at_40) == 40
    at_400 = "Word " * 79 + "ends."
    assert len(at_400) == 400
    at_39 = "One two three four five six seven nine."
    few_words = "Extraordinarily incomprehensible supercalifragilistic words."  # 4 words
    text = " ".join([CAPTION, at_40, at_39, at_400, LONG, few_words])
    assert len(at_39) == 39 and len(LONG) > 400
    assert split_sentences(text) == [at_40, at_400]


def test_empty_text() -> None:
    assert split_sentences("") == []
    assert split_sentences(" \n ") == []


# --- build_pool -----------------------------------------------------------------------------------


def test_pool_headlines_and_sentences(pool: SentencePool) -> None:
    assert pool.headlines == tuple(
        f"Headline number {row} about events abroad" for row in range(6) if row != 2
    )
    # The caption, the over-long sentence and "Ends here." are dropped; order is kept.
    assert pool.sentences == tuple(_sentence(i) for i in range(60))


def test_pool_deduplicates_keeping_first_order() -> None:
    rows = [
        {"title": "Same title.", "text": f"{_sentence(1)} {_sentence(0)}"},
        {"title": "Same title", "text": f"{_sentence(0)} {_sentence(2)}"},
    ]
    pool = build_pool(rows)
    assert pool.headlines == ("Same title",)
    assert pool.sentences == (_sentence(1), _sentence(0), _sentence(2))


def test_pool_needs_headlines_and_sentences() -> None:
    with pytest.raises(ValueError):
        build_pool([{"title": "A title", "text": CAPTION}])
    with pytest.raises(ValueError):
        build_pool([{"title": " ", "text": _sentence(0)}])


# --- make_article ---------------------------------------------------------------------------------


def test_article_shape(pool: SentencePool) -> None:
    counts, sizes, days = set(), set(), set()
    for number in range(300):
        relpath, text = make_article(pool, 7, number)
        assert relpath == f"0000/article-{number:07d}.txt"
        assert text.endswith("\n") and not text.endswith("\n\n")
        headline, dateline, *paragraphs = text.rstrip("\n").split("\n\n")
        assert headline in pool.headlines
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", dateline)
        day = date.fromisoformat(dateline)
        assert date(2016, 1, 1) <= day <= date(2017, 12, 31)
        days.add(day.year)
        total = 0
        for paragraph in paragraphs:
            assert "\n" not in paragraph
            sentences = split_sentences(paragraph)
            assert " ".join(sentences) == paragraph
            assert all(sentence in pool.sentences for sentence in sentences)
            assert 2 <= len(sentences) <= 5
            sizes.add(len(sentences))
            total += len(sentences)
        assert 15 <= total <= 40
        counts.add(total)
    # The whole range is used, not one fixed shape.
    assert sizes == {2, 3, 4, 5}
    assert min(counts) < 20 and max(counts) > 35
    assert days == {2016, 2017}


def test_article_is_a_function_of_seed_and_number(pool: SentencePool) -> None:
    assert make_article(pool, 1, 42) == make_article(pool, 1, 42)
    assert make_article(pool, 1, 42) != make_article(pool, 2, 42)
    assert make_article(pool, 1, 42) != make_article(pool, 1, 43)


def test_paths_hold_1000_articles_per_folder(pool: SentencePool) -> None:
    assert make_article(pool, 1, 0)[0] == "0000/article-0000000.txt"
    assert make_article(pool, 1, 999)[0] == "0000/article-0000999.txt"
    assert make_article(pool, 1, 1000)[0] == "0001/article-0001000.txt"
    assert make_article(pool, 1, 1_234_567)[0] == "1234/article-1234567.txt"


# --- generate -------------------------------------------------------------------------------------


def test_generate_writes_the_corpus(news_calls: list[Path], tmp_path: Path) -> None:
    corpus = generate(1005, 3, tmp_path / "bench", tmp_path / "data")
    assert corpus.folder == tmp_path / "bench" / "corpus-1005-seed3"
    assert corpus.articles == 1005
    files = corpus_files(corpus)
    assert files == sorted(corpus.folder.rglob("article-*.txt"))
    assert len(list((corpus.folder / "0000").iterdir())) == 1000
    assert len(list((corpus.folder / "0001").iterdir())) == 5
    assert corpus.bytes == sum(path.stat().st_size for path in files)
    pool = build_pool(FAKE_ROWS)
    for number in (0, 999, 1004):
        relpath, text = make_article(pool, 3, number)
        assert (corpus.folder / relpath).read_bytes() == text.encode("utf-8")
    manifest = json.loads((corpus.folder / bench.MANIFEST).read_text(encoding="utf-8"))
    assert manifest == {
        "format": bench.FORMAT_VERSION,
        "articles": 1005,
        "seed": 3,
        "bytes": corpus.bytes,
    }
    assert news_calls == [tmp_path / "data"]


def test_generate_is_utf8(news_calls: list[Path], tmp_path: Path) -> None:
    corpus = generate(50, 1, tmp_path, tmp_path)
    texts = [path.read_bytes() for path in corpus_files(corpus)]
    assert any("café".encode() in data for data in texts)
    assert all(data.decode("utf-8") for data in texts)


def test_same_seed_same_bytes_other_seed_other_bytes(
    news_calls: list[Path], tmp_path: Path
) -> None:
    first = generate(20, 5, tmp_path / "a", tmp_path)
    again = generate(20, 5, tmp_path / "b", tmp_path)
    other = generate(20, 6, tmp_path / "a", tmp_path)
    assert _bytes(first) == _bytes(again)
    assert first.bytes == again.bytes
    assert _bytes(first).keys() == _bytes(other).keys()
    assert all(_bytes(first)[name] != _bytes(other)[name] for name in _bytes(first))


def test_smaller_corpus_is_a_prefix_of_a_larger_one(news_calls: list[Path], tmp_path: Path) -> None:
    small = _bytes(generate(10, 1, tmp_path, tmp_path))
    large = _bytes(generate(25, 1, tmp_path, tmp_path))
    assert len(small) == 10 and len(large) == 25
    assert {name: large[name] for name in small} == small


def test_generate_reuses_a_finished_corpus(news_calls: list[Path], tmp_path: Path) -> None:
    corpus = generate(30, 1, tmp_path, tmp_path)
    before = _age(corpus)
    again = generate(30, 1, tmp_path, tmp_path)
    assert again == corpus
    assert _mtimes(again) == before
    assert len(news_calls) == 1  # the pool was not even built


def test_generate_rewrites_without_a_manifest(news_calls: list[Path], tmp_path: Path) -> None:
    corpus = generate(30, 1, tmp_path, tmp_path)
    expected = _bytes(corpus)
    before = _age(corpus)
    (corpus.folder / bench.MANIFEST).unlink()  # as after a run cut short
    again = generate(30, 1, tmp_path, tmp_path)
    assert again == corpus
    after = _mtimes(again)
    assert all(after[path] != before[path] for path in before)
    assert _bytes(again) == expected
    assert (corpus.folder / bench.MANIFEST).exists()


@pytest.mark.parametrize(
    "change", [{"articles": 31}, {"seed": 2}, {"format": 0}, {"bytes": 1}, {"junk": None}]
)
def test_generate_rewrites_when_the_manifest_disagrees(
    news_calls: list[Path], tmp_path: Path, change: dict[str, object]
) -> None:
    corpus = generate(30, 1, tmp_path, tmp_path)
    manifest = corpus.folder / bench.MANIFEST
    manifest.write_text(json.dumps({**json.loads(manifest.read_text()), **change}))
    before = _age(corpus)
    again = generate(30, 1, tmp_path, tmp_path)
    assert again == corpus
    after = _mtimes(again)
    assert all(after[path] != before[path] for path in before)
    assert json.loads(manifest.read_text())["articles"] == 30


@pytest.mark.parametrize("damage", ["truncate", "delete", "garble manifest"])
def test_generate_rewrites_a_damaged_corpus(
    news_calls: list[Path], tmp_path: Path, damage: str
) -> None:
    corpus = generate(30, 1, tmp_path, tmp_path)
    expected = _bytes(corpus)
    victim = corpus_files(corpus)[17]
    if damage == "truncate":
        victim.write_bytes(victim.read_bytes()[:-10])
    elif damage == "delete":
        victim.unlink()
    else:
        (corpus.folder / bench.MANIFEST).write_text("{not json")
    assert generate(30, 1, tmp_path, tmp_path) == corpus
    assert _bytes(corpus) == expected


def test_cli_prints_one_line(
    news_calls: list[Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["corpus.py", "--articles", "12", "--seed", "4", "--root", str(tmp_path)]
    monkeypatch.setattr(sys, "argv", [*argv, "--data", str(tmp_path / "data")])
    bench.main()
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    assert str(tmp_path / "corpus-12-seed4") in out
    assert "12 articles" in out and "MB" in out
