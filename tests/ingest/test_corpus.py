from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from searchapp.errors import CorpusError
from searchapp.ingest.discover import ARTICLE_SUFFIXES, Skipped, SourceFile, discover
from searchapp.ingest.readers import parse_article, read_source
from searchapp.text.article import (
    Article,
    clean_paragraphs,
    is_boilerplate,
    shorten,
    split_title,
    url_key,
)
from tests.conftest import DUPLICATES, MALFORMED, MALFORMED_ENTRIES, SEEDS, VALID_FIXTURES


def iter_articles(sources: list[SourceFile]) -> Iterator[Article | Skipped]:
    """Each source read in turn; unreadable files and entries come back as Skipped."""
    for source in sources:
        try:
            parsed = read_source(source)
        except CorpusError as exc:
            yield Skipped(source.relpath, exc.message)
            continue
        yield from parsed.articles
        yield from parsed.skipped


def seed_articles() -> dict[str, Article]:
    sources, skipped = discover(SEEDS)
    assert skipped == []
    return {a.id: a for a in iter_articles(sources)}


def test_seed_ids_are_file_names_without_extension():
    assert set(seed_articles()) == {
        "000_9025636b6e3d722b",
        "003_c6a6930e540fe979",
        "004_dea59cc362fdbe69",
    }


def test_headline_line_becomes_the_title_and_leaves_the_body():
    article = seed_articles()["003_c6a6930e540fe979"]
    assert article.headline
    assert article.title == "Foreign spies using networking sites to train UK officials: MI5"
    assert not article.body.startswith("Foreign spies using networking sites")
    assert article.body.startswith("Foreign spies have extended their dark arts")


def test_title_after_dropped_show_image_line():
    article = seed_articles()["004_dea59cc362fdbe69"]
    assert article.title == (
        "Russia report reveals Kremlin’s “symbiotic relationship” with cyber criminals"
    )
    assert "show image" not in article.body


def test_title_from_first_sentence_cut_at_word_boundary():
    article = seed_articles()["000_9025636b6e3d722b"]
    assert not article.headline
    assert article.title.startswith("MI5 quietly strengthened the security protections")
    assert article.title.endswith("…")
    assert len(article.title) <= 100
    words = article.title.rstrip("…").split()
    assert all(word in article.body for word in words)  # cut between words, not inside one
    # Without a headline the body keeps all of its text.
    assert article.body.startswith("MI5 quietly strengthened")


def test_boilerplate_lines_are_dropped():
    body = seed_articles()["003_c6a6930e540fe979"].body
    for furniture in (
        "(Robert Galbraith/Reuters)",
        "PA Media contributed to this report.",
        "Comments are closed.",
        "Peter Simpson is a British journalist",
    ):
        assert furniture not in body
    assert "LinkedIn spokesperson" in body


@pytest.mark.parametrize(
    ("line", "furniture"),
    [
        ("Logo in Mountain View, February 6, 2013. (Robert Galbraith/Reuters)", True),
        ("(AP Photo/Evan Vucci)", True),
        ("show image", True),
        ("Rats were given the drug (15 mg/kg)", False),
        ("Doses of 10 mg/kg were given (mg/kg)", False),
        ("Results are in the table (see Table 2/Figure 3)", False),
        ("Comments are closed on the proposal to cut funding.", False),
    ],
)
def test_boilerplate_patterns_spare_real_text(line: str, furniture: bool):
    assert is_boilerplate(line) is furniture


def test_paragraphs_kept_and_blank_lines_collapsed():
    body = seed_articles()["000_9025636b6e3d722b"].body
    assert "\n\n\n" not in body
    assert body.count("\n\n") == 13  # 14 paragraphs
    assert body == body.strip()


def test_source_files_are_not_modified(tmp_path: Path):
    before = {p.name: p.read_bytes() for p in SEEDS.glob("*.txt")}
    seed_articles()
    assert before == {p.name: p.read_bytes() for p in SEEDS.glob("*.txt")}


@pytest.mark.parametrize(
    ("raw", "expected_title"),
    [
        ("Short headline\n\nThe body starts here.", "Short headline"),
        ("One sentence only, no headline. Second sentence.", "One sentence only, no headline"),
        ("Mr. Smith went to Washington. Then left.", "Mr. Smith went to Washington"),
        ("x" * 300, "x" * 99 + "…"),
    ],
)
def test_titles_are_never_empty(raw: str, expected_title: str):
    article = parse_article(raw.encode(), "id", "id.txt")
    assert article.title == expected_title


def test_title_only_file_keeps_its_text_as_title():
    article = parse_article(b"Just a headline", "id", "id.txt")
    assert article.title == "Just a headline"


def test_hard_wrapped_lines_are_joined_into_paragraphs():
    text = "Headline\n\nThis paragraph was\nwrapped at a narrow\nwidth by an editor.\nNext one.\n"
    assert clean_paragraphs(text) == [
        "Headline",
        "This paragraph was wrapped at a narrow width by an editor.",
        "Next one.",
    ]


def test_split_title_needs_a_body_to_call_a_line_a_headline():
    assert split_title(["No full stop here"]) == (
        "No full stop here",
        ["No full stop here"],
        False,
    )
    assert split_title(["A headline", "Body."]) == ("A headline", ["Body."], True)


def test_shorten():
    assert shorten("A short one.", 100) == "A short one"
    assert shorten("alpha beta gamma delta", 12) == "alpha beta…"
    assert shorten("It ended. Then more words", 12) == "It ended…"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (MALFORMED["empty.txt"], "empty file"),
        (MALFORMED["blank.txt"], "empty file"),
        (MALFORMED["binary.txt"], "binary file"),
        (MALFORMED["latin1.txt"], "not UTF-8"),
        (b"show image\n\nComments are closed.\n", "no article text"),
    ],
)
def test_malformed_files_raise_with_a_reason(data: bytes, reason: str):
    with pytest.raises(CorpusError, match=reason):
        parse_article(data, "bad", "bad.txt")


def test_utf8_bom_is_accepted():
    article = parse_article("\ufeffHeadline here\n\nBody text.".encode(), "bom", "bom.txt")
    assert article.title == "Headline here"


def test_discover_is_recursive_and_iter_articles_reports_skips(corpus_dir: Path):
    sources, skipped = discover(corpus_dir)
    assert skipped == []
    assert "nested/deeper/election.txt" in {s.relpath for s in sources}
    results = list(iter_articles(sources))
    articles = [r for r in results if isinstance(r, Article)]
    skips = {r.path: r.reason for r in results if isinstance(r, Skipped)}
    # Articles repeated in another file are only merged by the indexer.
    assert len(articles) == VALID_FIXTURES + DUPLICATES
    assert set(skips) == set(MALFORMED) | MALFORMED_ENTRIES
    assert skips["binary.txt"].startswith("binary file")
    assert skips["binary.csv"].startswith("binary file")


def test_files_named_alike_in_other_formats_get_their_suffix_in_the_id(tmp_path: Path):
    for name in ("news.csv", "news.txt", "news.md", "sub/news.html", "sub/news.txt"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text("Headline\n\nBody.")
    sources, skipped = discover(tmp_path)
    # The plain-text file keeps the bare name whatever else is in the folder.
    assert {s.relpath: s.id for s in sources} == {
        "news.csv": "news-csv",
        "news.md": "news-md",
        "news.txt": "news",
        "sub/news.html": "news-html",
    }
    assert skipped == [Skipped("sub/news.txt", "duplicate id 'news' (also news.txt)")]


def test_discover_finds_every_supported_format(tmp_path: Path):
    names = [f"a{suffix}" for suffix in sorted(ARTICLE_SUFFIXES)] + ["b.TXT", "c.doc", ".d.txt"]
    for index, name in enumerate(names):
        (tmp_path / name.replace("a.", f"a{index}.")).write_text("x")
    sources, _ = discover(tmp_path)
    found = {s.path.suffix.lower() for s in sources}
    assert found == ARTICLE_SUFFIXES
    assert "b.TXT" in {s.relpath for s in sources}
    assert not {".doc"} & found and ".d.txt" not in {s.relpath for s in sources}


def test_duplicate_ids_in_subfolders_are_skipped_not_merged(corpus_dir: Path):
    (corpus_dir / "nested" / "ransomware.txt").write_text("Another\n\nDifferent text.")
    sources, skipped = discover(corpus_dir)
    # Folders are walked top-down in sorted order: the top-level file wins.
    assert [s.path for s in skipped] == ["nested/ransomware.txt"]
    assert skipped[0].reason == "duplicate id 'ransomware' (also ransomware.txt)"
    assert sum(1 for s in sources if s.id == "ransomware") == 1


def test_symlinked_folders_are_not_followed(corpus_dir: Path):
    (corpus_dir / "nested" / "loop").symlink_to(corpus_dir, target_is_directory=True)
    sources, _ = discover(corpus_dir)
    assert len({s.id for s in sources}) == len(sources)


@pytest.mark.parametrize(
    "url, key",
    [
        ("https://www.bbc.co.uk/news/a/?utm_source=rss#top", "bbc.co.uk/news/a"),
        ("http://bbc.co.uk:80/news/a", "bbc.co.uk/news/a"),
        ("https://example.org:8443/x?b=2&a=1&fbclid=z", "example.org:8443/x?a=1&b=2"),
        ("http://host:notaport/x", None),  # malformed: no key, and no crash
        ("http://[::1/x", None),
        ("tag:example.com,2018:1", None),
        ("", None),
    ],
)
def test_url_key_ignores_what_does_not_change_the_page(url, key):
    assert url_key(url) == key
