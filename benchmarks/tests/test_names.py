"""The judged name set (benchmarks/names.py) on a small generated news CSV: the rule, the
checker, and the names collection evaluated end to end by benchmarks/relevance.py."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from benchmarks import names, relevance

ARTICLES = [
    # (title, text)
    (
        "May sets Brexit date",
        "Prime Minister Theresa May said on Monday that Britain would leave. May told MPs the "
        "date would hold. The talks open in May 2017.",
    ),
    (
        "Elections due in spring",
        "Voters go to the polls in May. The vote was called in March and will end in May.",
    ),
    (
        "Trade talks resume",
        "Officials met in Brussels. Theresa May was briefed by phone. Later, May said little. "
        "Shares rose on the news and exporters were pleased with the outcome of the meeting.",
    ),
    (
        "Storm hits the coast",
        "Heavy rain flooded the harbour and closed the roads, officials said on Tuesday.",
    ),
    (
        "Merkel meets Macron",
        "Angela Merkel and Emmanuel Macron met in Berlin to discuss the budget of the union.",
    ),
]


def write_news(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "NewsArticles.csv"
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["article_id", "publish_date", "title", "text"])
        for row, (title, text) in enumerate(ARTICLES, start=1):
            writer.writerow([row, "2017/3/1", title, text])
    return path


def may_query(**changes: object) -> names.NameQuery:
    query = names.NameQuery(
        id="theresa-may",
        text="Theresa May",
        kind="person",
        names=["Theresa May"],
        after=["May"],
        exclude=[r"\bMay \d", r"\b[Ii]n May\b"],
    )
    for key, value in changes.items():
        setattr(query, key, value)
    return query


@pytest.fixture
def documents(tmp_path: Path) -> list[relevance.Document]:
    docs, _skips = relevance.read_news(write_news(tmp_path / "news"))
    return docs


def test_news_is_read_as_searchapp_reads_the_csv(documents: list[relevance.Document]) -> None:
    assert [d.id for d in documents][:2] == ["NewsArticles-1", "NewsArticles-2"]
    assert documents[0].title == "May sets Brexit date"


def test_the_rule_grades_title_surname_and_passing_mentions(
    documents: list[relevance.Document],
) -> None:
    grades = names.rule_judgments(may_query(), documents)
    # 1: the surname in the title counts once the full name is in the article: about her.
    # 2: only the month May, never Theresa May: not judged at all.
    # 3: the full name and one later "May said": two mentions, in passing.
    assert grades == {"NewsArticles-1": 2, "NewsArticles-3": 1}
    mentions = may_query().matcher().mentions(documents[0].title, documents[0].text)
    # "in May 2017" is the month, excluded; the title "May" and "May told" are her.
    assert [m.form for m in mentions] == ["May", "Theresa May", "May"]
    assert mentions[0].in_title


def test_a_surname_counts_only_after_the_full_name() -> None:
    matcher = may_query(exclude=[]).matcher()
    assert matcher.mentions("Talks", "May said so. Then Theresa May spoke.") == [
        names.Mention(25, 36, "Theresa May", False)
    ]
    body = "Theresa May spoke. May said so. May agreed."
    assert len(matcher.mentions("Talks", body)) == 3
    assert names.rule_grade(matcher.mentions("Talks", body)) == 2  # three mentions: about her


def test_overrides_change_the_rule_and_are_checked(documents: list[relevance.Document]) -> None:
    query = may_query(overrides=[names.Override("NewsArticles-3", 2, "she is the subject")])
    built = names.build([query], documents)[0]
    assert built.judgments == {"NewsArticles-1": 2, "NewsArticles-3": 2}
    # A set of one query: too few, and one kind only; but the judgments agree with the rule.
    problems = names.check([built], documents)
    assert any("at least 50" in p for p in problems)
    assert any("no query of kind organisation, place" in p for p in problems)
    assert not any("disagree" in p for p in problems)


def _sound_set(documents: list[relevance.Document]) -> list[names.NameQuery]:
    merkel = names.NameQuery("merkel", "Angela Merkel", "person", ["Angela Merkel", "Merkel"])
    union = names.NameQuery("union", "Macron", "organisation", ["Emmanuel Macron", "Macron"])
    berlin = names.NameQuery("berlin", "Berlin", "place", ["Berlin"], judgments={})
    berlin.overrides = [names.Override("NewsArticles-5", 2, "the meeting is in Berlin")]
    queries = [merkel, union, berlin] * 17  # 51 queries of all three kinds
    queries = [
        names.NameQuery(f"{q.id}-{i}", q.text, q.kind, q.names, overrides=q.overrides)
        for i, q in enumerate(queries)
    ]
    return names.build(queries, documents)


def test_the_checker_passes_a_sound_set(documents: list[relevance.Document]) -> None:
    assert names.check(_sound_set(documents), documents) == []


def test_the_checker_fails_on_an_unknown_article(documents: list[relevance.Document]) -> None:
    queries = _sound_set(documents)
    queries[0].judgments["NewsArticles-99"] = 1
    problems = names.check(queries, documents)
    assert any("NewsArticles-99 is not in the collection" in p for p in problems)
    assert any("disagree with the rule" in p for p in problems)


def test_the_checker_fails_on_a_query_without_a_relevant_article(
    documents: list[relevance.Document],
) -> None:
    queries = _sound_set(documents)
    dropped = [names.Override("NewsArticles-1", 0, "say it is not her")]
    queries[1] = names.build([may_query(id="passing", overrides=dropped)], documents)[0]
    assert queries[1].judgments == {"NewsArticles-3": 1}  # mentioned in passing only
    problems = names.check(queries, documents)
    assert problems == ["query 'passing': no article judged about it (grade 2)"]


def test_the_file_round_trips_and_main_check_fails_loudly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    news = write_news(tmp_path / "news")
    docs, _ = relevance.read_news(news)
    path = tmp_path / "names.toml"
    path.write_text(names.dump(_sound_set(docs)), encoding="utf-8")
    loaded = names.load(path)
    assert loaded[2].overrides == [names.Override("NewsArticles-5", 2, "the meeting is in Berlin")]
    assert names.main(["check", "--news", str(news), "--names", str(path)]) == 0
    path.write_text(path.read_text().replace("NewsArticles-5 = 2", "NewsArticles-4 = 2", 1))
    assert names.main(["check", "--news", str(news), "--names", str(path)]) == 1
    assert "disagree with the rule" in capsys.readouterr().err
    # build puts the rule's judgments back.
    assert names.main(["build", "--news", str(news), "--out", str(path)]) == 0
    assert names.main(["check", "--news", str(news), "--names", str(path)]) == 0


def test_the_names_collection_end_to_end(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    news = write_news(tmp_path / "news")
    judged = tmp_path / "names.toml"
    docs, _ = relevance.read_news(news)
    judged.write_text(names.dump(names.build([may_query()], docs)), encoding="utf-8")
    out = tmp_path / "out.json"
    code = relevance.main(
        ["--collections", str(tmp_path / "none"), "--only", "names", "--news", str(news)]
        + ["--names", str(judged), "--json", str(out)]
    )
    assert code == 0
    report = json.loads(out.read_text())["collections"]["names"]
    assert report["documents"] == len(ARTICLES)
    assert report["queries"] == ["theresa-may"]
    assert report["query_texts"] == {"theresa-may": "Theresa May"}
    assert set(report["configs"]) == {"baseline", "searchapp"}
    for kinds in report["configs"].values():
        assert set(kinds) == {"names"}
        result = kinds["names"]
        assert not result["crashes"]
        # Both find the two articles naming her; the one about her comes first.
        assert result["per_query"]["theresa-may"]["R@100"] == 1.0
        assert result["per_query"]["theresa-may"]["nDCG@10"] > 0.9
    assert report["skipped_documents"] == {"snowball-ours-whoosh": []}
    printed = capsys.readouterr().out
    assert "names" in printed and "baseline" in printed


def test_without_the_news_the_names_collection_is_skipped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = relevance.main(
        ["--collections", str(tmp_path), "--only", "names", "--news", str(tmp_path / "no.csv")]
    )
    assert code == 0
    assert "run `make news`" in capsys.readouterr().err
