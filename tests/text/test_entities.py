"""An article's entities: names, the gazetteer, indicators and corrections together
(searchapp.text.entities) and in the analysis every engine indexes."""

from searchapp.text.analysed import analyse
from searchapp.text.article import Article
from searchapp.text.corrections import Corrections
from searchapp.text.entities import entity_values, find_entities, grouped

TEXT = (
    "Sergei Skripal was poisoned in Salisbury. Investigators said Fancy Bear, also called "
    "APT28, exploited CVE-2023-23397 from 185.220.101.4 and hxxp://evil[.]com/drop.exe. "
    "Will they stop? Mr Skripal's daughter Yulia Skripal survived."
)


def values(text: str, corrections: Corrections | None = None) -> tuple[str, ...]:
    return entity_values(find_entities(text, corrections))


def test_every_kind_in_one_text():
    found = values(TEXT)
    for value in (
        "person:Sergei Skripal",
        "person:Yulia Skripal",
        "place:Salisbury",
        "org:Fancy Bear",
        "cve:CVE-2023-23397",
        "ip:185.220.101.4",
        "url:http://evil.com/drop.exe",
        "domain:evil.com",
    ):
        assert value in found, value
    assert "org:APT28" not in found  # the gazetteer's alias of Fancy Bear
    assert not any(v.endswith(":Will") for v in found)


def test_mentions_say_why():
    mentions = find_entities(TEXT)
    why: dict[str, str] = {}
    for m in mentions:
        why.setdefault(m.value, m.why)
    assert why["org:Fancy Bear"] == "the gazetteer (group)"
    assert any("'APT28', an alias of Fancy Bear" in m.why for m in mentions)
    assert why["cve:CVE-2023-23397"] == "an indicator (cve)"
    assert all(TEXT[m.start : m.end] for m in mentions)


def test_corrections_refuse_merge_and_add():
    corrections = Corrections.loads(
        'never = ["place:Salisbury"]\n'
        '[person."Sergei Skripal"]\naliases = ["Yulia Skripal"]\n'
        '[org."Investigators"]\naliases = []\n'
    )
    found = values(TEXT, corrections)
    assert "place:Salisbury" not in found
    assert "person:Yulia Skripal" not in found and "person:Sergei Skripal" in found
    assert "org:Investigators" in found  # a declared name is looked for in every text
    why = [m.why for m in find_entities(TEXT, corrections) if m.name == "Sergei Skripal"]
    assert any("an alias of Sergei Skripal in entities.toml" in w for w in why)


def test_a_declared_type_wins():
    corrections = Corrections.loads('[org."Salisbury"]\naliases = []\n')
    assert "org:Salisbury" in values(TEXT, corrections)
    assert "place:Salisbury" not in values(TEXT, corrections)


def test_grouped_as_hits_carry_them():
    groups = grouped(values(TEXT))
    assert set(groups) == {"person", "org", "place", "indicator"}
    assert "Sergei Skripal" in groups["person"] and "cve:CVE-2023-23397" in groups["indicator"]


def test_analysis_indexes_the_entities_and_skips_title_case_headlines():
    article = Article(
        id="a",
        title="Betsy DeVos Confirmed As Education Secretary",
        body="Michigan activist Betsy DeVos was confirmed after Mike Pence voted.",
        path="a.txt",
        headline=True,
    )
    found = analyse(article).entities
    assert {"person:Betsy DeVos", "person:Mike Pence", "place:Michigan"} <= set(found)
    assert not any("Confirmed" in v for v in found)
    assert analyse(article).stored()["entities"] == list(found)
