from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from searchapp.text.tags import KINDS, Gazetteer, Mention, Tag, default_gazetteer


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return default_gazetteer()


@pytest.mark.parametrize(
    ("text", "tag"),
    [
        ("Britain expels diplomats", "UK"),
        ("British officials said", "UK"),
        ("the UK government", "UK"),
        ("a statement from Downing Street", "UK"),
        ("GRU officers were named", "GRU"),
        ("agents of Russian military intelligence", "GRU"),
        ("members of Unit 29155", "GRU"),
        ("the Kremlin denied it", "Russia"),
        ("Kremlin’s critics", "Russia"),
        ("a launch from Pyongyang", "North Korea"),
        ("the Chinese Communist Party", "China"),
        ("APT28, also known as Fancy Bear", "Fancy Bear"),
        ("a Novichok attack", "poisoning"),
    ],
)
def test_aliases_tag_their_canonical_name(gaz: Gazetteer, text: str, tag: str):
    assert tag in gaz.tags_for(text)


@pytest.mark.parametrize(
    ("words", "tag"),
    [
        (("sanction", "sanctions", "sanctioned", "Sanctions"), "sanctions"),
        (("poison", "poisoned", "poisoning"), "poisoning"),
        (("spy", "spies", "spying", "spied"), "espionage"),
        (("hacker", "hackers", "hacked", "hacking"), "cyber attack"),
        (("extradition", "extradited"), "extradition"),
    ],
)
def test_inflections_match_through_stems(gaz: Gazetteer, words: tuple[str, ...], tag: str):
    for word in words:
        assert gaz.tags_for(f"reports of {word} today") == [tag], word


@pytest.mark.parametrize(
    "text",
    ["a cyber-attack", "a cyber attack", "a cyberattack", "two cyber-attacks", "cyber‑attack"],
)
def test_hyphenated_and_joined_compounds(gaz: Gazetteer, text: str):
    assert gaz.tags_for(text) == ["cyber attack"]


def test_counter_intelligence_spellings(gaz: Gazetteer):
    for text in ("counter-intelligence", "counter intelligence", "counterintelligence"):
        assert gaz.tags_for(f"a {text} inquiry") == ["counter-intelligence"], text


@pytest.mark.parametrize(
    "text", ["the US government", "U.S. officials", "the US’s allies", "USA", "United States"]
)
def test_us_the_country(gaz: Gazetteer, text: str):
    assert gaz.tags_for(text) == ["US"]


@pytest.mark.parametrize(
    "text",
    [
        "He told us nothing",
        "Us and them",
        "let us know",
        "see example.co.uk and europa.eu",
        "the uk and eu in lower case",
        "a gru",
    ],
)
def test_acronyms_match_only_in_capitals(gaz: Gazetteer, text: str):
    assert gaz.tags_for(text) == []


def test_capitalised_aliases_need_a_capital(gaz: Gazetteer):
    assert gaz.tags_for("roast turkey and fine china") == []
    assert gaz.tags_for("Turkey and China") == ["China", "Turkey"]
    assert gaz.tags_for("TURKEY WARNS CHINA") == ["China", "Turkey"]


def test_multi_word_alias_across_a_stopword_gap(gaz: Gazetteer):
    for text in (
        "interference in the election",
        "Russia interfered with the elections",
        "election interference",
        "meddling in our election",
    ):
        assert "election interference" in gaz.tags_for(text), text
    assert gaz.tags_for("officers of the Ministry for State Security") == ["MSS"]


def test_multi_word_alias_needs_adjacent_words(gaz: Gazetteer):
    # No stopwords where the alias has none, and no clause break in between.
    assert gaz.tags_for("military and intelligence agencies") == []
    assert gaz.tags_for("before the election. Interference was") == []
    assert gaz.tags_for("data, breach") == []


def test_longest_match_and_exclude_phrases(gaz: Gazetteer):
    assert gaz.tags_for("Latin American countries") == []
    assert gaz.tags_for("across the Americas") == []
    assert gaz.tags_for("an American diplomat") == ["US"]
    assert gaz.tags_for("a case of food poisoning") == []
    assert gaz.tags_for("the Senate's nuclear option") == []
    assert gaz.tags_for("talks on the Minsk agreements") == []
    assert gaz.tags_for("protests in Minsk") == ["Belarus"]


def test_unstemmed_words_do_not_match_their_stem(gaz: Gazetteer):
    assert gaz.tags_for("brake defects and a birth defect") == []
    assert gaz.tags_for("he defected to the West") == ["defection"]
    assert gaz.tags_for("a North Korean defector") == ["North Korea", "defection"]
    assert gaz.tags_for("shelling in Hama") == []
    assert gaz.tags_for("Hamas fighters") == ["Hamas"]
    assert gaz.tags_for("Pakistan's ISI") == []
    assert gaz.tags_for("Isis fighters") == ["Islamic State"]


def test_tags_are_unique_and_in_gazetteer_order(gaz: Gazetteer):
    text = "Hackers hacked UK systems. Russia denies it; the Kremlin says Russia is innocent."
    tags = gaz.tags_for(text)
    assert tags == ["Russia", "UK", "cyber attack"]
    assert tags == sorted(tags, key=gaz.names.index)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "The recipe calls for two cups of flour and a pinch of salt.",
        "The agent negotiated a new contract for the striker.",
        "Quarterly results beat analyst expectations.",
    ],
)
def test_unrelated_text_has_no_tags(gaz: Gazetteer, text: str):
    assert gaz.tags_for(text) == []


def test_mentions_give_character_spans(gaz: Gazetteer):
    text = "The Kremlin denied a cyber-attack on the U.S. grid."
    assert gaz.mentions(text) == [
        Mention("Russia", 4, 11),
        Mention("cyber attack", 21, 33),
        Mention("US", 41, 44),
    ]
    assert [text[m.start : m.end] for m in gaz.mentions(text)] == ["Kremlin", "cyber-attack", "U.S"]


@pytest.mark.parametrize(
    ("value", "name"),
    [
        ("gru", "GRU"),
        ("GRU", "GRU"),
        ("military intelligence", "GRU"),
        ("Military  Intelligence", "GRU"),
        ("britain", "UK"),
        ("uk", "UK"),
        ("Cyber Attack", "cyber attack"),
        ("cyber-attacks", "cyber attack"),
        ("sanctioned", "sanctions"),
        ("kremlin", "Russia"),
        ("north korea", "North Korea"),
        ("Defectors", "defection"),
        ("defected", "defection"),
    ],
)
def test_canonical_lookup(gaz: Gazetteer, value: str, name: str):
    assert gaz.canonical(value) == name


@pytest.mark.parametrize("value", ["", "   ", "atlantis", "defect", "Latin America", "the"])
def test_canonical_unknown_is_none(gaz: Gazetteer, value: str):
    assert gaz.canonical(value) is None


def test_names_and_kinds(gaz: Gazetteer):
    assert gaz.names[:2] == ("Russia", "China")
    assert len(set(gaz.names)) == len(gaz.names)
    assert gaz.kind("GRU") == "agency"
    assert gaz.kind("Russia") == "state"
    assert gaz.kind("Lazarus Group") == "group"
    assert gaz.kind("espionage") == "topic"
    assert {tag.kind for tag in gaz.tags} == set(KINDS)
    with pytest.raises(KeyError):
        gaz.kind("gru")  # canonical names only; canonical() resolves the rest


def test_packaged_gazetteer_every_alias_matches_its_own_tag(gaz: Gazetteer):
    assert len(gaz.names) >= 40
    for tag in gaz.tags:
        for alias in tag.spellings:
            assert tag.name in gaz.tags_for(alias), (tag.name, alias)
            assert gaz.canonical(alias) == tag.name, (tag.name, alias)
            assert tag.name in gaz.tags_for(f"Reports say {alias} was involved."), alias
        for phrase in tag.exclude:
            assert tag.name not in gaz.tags_for(phrase), (tag.name, phrase)


def test_default_gazetteer_is_loaded_once():
    assert default_gazetteer() is default_gazetteer()
    assert Gazetteer.load().names == default_gazetteer().names


def test_tag_is_frozen():
    tag = Tag("GRU", "agency", ("military intelligence",))
    assert tag.spellings == ("GRU", "military intelligence")
    with pytest.raises(dataclasses.FrozenInstanceError):
        tag.name = "FSB"  # type: ignore[misc]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "gazetteer.toml"
    path.write_text(text, "utf-8")
    return path


def test_custom_gazetteer_file(tmp_path: Path):
    gaz = Gazetteer.load(
        write(
            tmp_path,
            """
            [Atlantis]
            kind = "state"
            aliases = ["Atlantean", "Atlanteans"]

            ["sea monsters"]
            kind = "topic"
            aliases = ["kraken"]
            """,
        )
    )
    assert gaz.names == ("Atlantis", "sea monsters")
    assert gaz.tags_for("Atlanteans fear the krakens") == ["Atlantis", "sea monsters"]


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[GRU]\nkind = "agency"\n', "GRU.*no 'aliases'"),
        ('[GRU]\naliases = ["military intelligence"]\n', "GRU.*no 'kind'"),
        ('[GRU]\nkind = "spooks"\naliases = []\n', "unknown kind 'spooks'"),
        ('[GRU]\nkind = "agency"\naliases = "military intelligence"\n', "list of strings"),
        ('[GRU]\nkind = "agency"\nalias = ["military intelligence"]\n', "unknown keys"),
        (
            '[GRU]\nkind = "agency"\naliases = ["military intelligence"]\n'
            '[FSB]\nkind = "agency"\naliases = ["Military Intelligence"]\n',
            "'Military Intelligence' of 'FSB' is also an alias of 'GRU'",
        ),
        (
            '[espionage]\nkind = "topic"\naliases = ["spies"]\n'
            '[tradecraft]\nkind = "topic"\naliases = ["spy"]\n',
            "'spy' of 'tradecraft' matches the same words as alias 'spies' of 'espionage'",
        ),
        (
            '[US]\nkind = "state"\naliases = ["American"]\n'
            '[UK]\nkind = "state"\naliases = []\nexclude = ["American"]\n',
            "exclude phrase 'American'",
        ),
        ('[US]\nkind = "state"\naliases = ["the"]\n', "'the' of 'US' has no searchable words"),
        ('[US]\nkind = "state"\naliases = [""]\n', "empty"),
        ('GRU = "agency"\n', "must be a table"),
        ("[GRU\n", "invalid TOML"),
        ("", "no tags"),
    ],
)
def test_malformed_gazetteer_raises_value_error(tmp_path: Path, toml: str, message: str):
    path = write(tmp_path, toml)
    with pytest.raises(ValueError, match=message) as caught:
        Gazetteer.load(path)
    assert str(path) in str(caught.value)
