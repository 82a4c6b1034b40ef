"""The analyst's corrections file, entities.toml (searchapp.text.corrections)."""

import pytest

from searchapp.text.corrections import (
    Corrections,
    CorrectionsError,
    add_alias,
    add_never,
    changed_names,
)

GOOD = """
# what the analyst wrote
never = ["Will", "person:May"]

[org."Fancy Bear"]
aliases = ["APT28", "GRU unit 26165"]

[person]
"Christine Lee" = ["Christine Ching Kui Lee"]
"""


def test_loads_rules():
    rules = Corrections.loads(GOOD)
    assert rules.refused("person", "will") and rules.refused("org", "WILL")
    assert rules.refused("person", "May") and not rules.refused("place", "May")
    assert rules.entity("apt28").name == "Fancy Bear"
    assert rules.entity("GRU  unit 26165").type == "org"
    assert rules.entity("christine ching kui lee").name == "Christine Lee"
    assert rules.entity("Lee") is None
    found = [(e.name, written) for e, _s, _e, written in rules.find("APT28, or GRU unit 26165.")]
    assert found == [("Fancy Bear", "APT28"), ("Fancy Bear", "GRU unit 26165")]


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ('never = ["Will"\n[org]\n', 2, "invalid TOML"),
        ('\n\nnevr = ["Will"]\n', 3, "unknown key 'nevr'"),
        ('never = "Will"\n', 1, "never must be a list"),
        ('[person]\n"A B" = "C"\n', 2, "aliases as a list"),
        ('[person]\n"A B" = ["X"]\n[org]\n"C D" = ["x"]\n', 4, "'x' is a name of both"),
        ('[person]\n"A B" = [""]\n', 2, "an empty alias"),
    ],
)
def test_mistakes_name_their_line(text, line, message):
    with pytest.raises(CorrectionsError) as caught:
        Corrections.loads(text, "entities.toml")
    assert caught.value.line == line
    assert message in str(caught.value)
    assert f"entities.toml, line {line}" in str(caught.value) or line == 0


def test_a_missing_file_is_no_corrections(tmp_path):
    assert Corrections.load(tmp_path / "entities.toml") == Corrections()


def test_changed_names_are_those_whose_rules_differ():
    old = Corrections.loads(GOOD)
    new = Corrections.loads(GOOD.replace('"GRU unit 26165"', '"Sofacy"').replace('"Will", ', ""))
    assert changed_names(old, new) == {"will", "gru unit 26165", "sofacy", "fancy bear", "apt28"}
    assert changed_names(old, Corrections.loads(GOOD)) == set()


def test_editing_keeps_comments_and_stays_valid(tmp_path):
    path = tmp_path / "entities.toml"
    path.write_text(GOOD)
    add_never(path, "person", "Tom")
    add_alias(path, "person", "Christine Lee", "Lee Ching Kui")
    add_alias(path, "org", "MI5", "Security Service")
    text = path.read_text()
    assert "# what the analyst wrote" in text
    rules = Corrections.load(path)
    assert rules.refused("person", "Tom")
    assert rules.entity("Lee Ching Kui").name == "Christine Lee"
    assert rules.entity("security service").name == "MI5"
    # An alias moved to another entity leaves its old one; a merged name is no longer refused.
    add_alias(path, "org", "MI5", "APT28")
    add_alias(path, "person", "Tom Smith", "Tom")
    rules = Corrections.load(path)
    assert rules.entity("APT28").name == "MI5" and not rules.refused("person", "Tom")


def test_editing_refuses_bad_names(tmp_path):
    for kind, name in (("person", ""), ("bogus", "X"), ("org", "a\nb"), ("org", "x" * 201)):
        with pytest.raises(ValueError):
            add_never(tmp_path / "entities.toml", kind, name)
    assert not (tmp_path / "entities.toml").exists()
