"""Entities end to end, on both engines: extracted at reindex, searched by type, counted in
facets, and corrected by entities.toml, which an incremental reindex applies to the articles
it touches only (the others are neither read nor written again); a broken entities.toml is
reported with its line and the last good one stays in force."""

from __future__ import annotations

from pathlib import Path

import pytest

from searchapp.errors import QueryError
from searchapp.reindex import reindex
from searchapp.search import Filters, SearchEngine

pytestmark = pytest.mark.both_engines

ARTICLES = {
    "lee.txt": "Lawyer named by MI5\n\nMI5 warned that a lawyer, Christine Lee, befriended MPs. "
    "Lee denied acting for Beijing. Will anyone act? The United Front Work Department was named.",
    "skripal.txt": "Salisbury poisoning\n\nSergei Skripal and his daughter Yulia Skripal were "
    "poisoned in Salisbury. Investigators blamed the GRU, also known as Fancy Bear or APT28.",
    "exploit.txt": "Exchange flaw exploited\n\nThe group exploited CVE-2023-23397 from "
    "185.220.101.4 and served hxxp://evil[.]com/drop.exe, hash "
    "44d88612fea8a8f36de82e1278abb02f. Version 10.0.19041.1 was patched.",
    "quiet.txt": "Weather report\n\nIt rained all week and the rivers rose.",
}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for name, text in ARTICLES.items():
        (seeds / name).write_text(text)
    return seeds


def ids(engine: SearchEngine, text: str, **filters) -> set[str]:
    page = engine.search(text, per_page=100, filters=Filters(**filters) if filters else None)
    return {hit.id for hit in page.hits}


def entities_of(engine: SearchEngine, article_id: str) -> tuple[str, ...]:
    return tuple(engine.stored(article_id)["entities"])


def test_entities_are_searchable_by_type(folder: Path, tmp_path: Path):
    reindex(folder, tmp_path / "index")
    engine = SearchEngine(tmp_path / "index")
    assert ids(engine, 'person:"Christine Lee"') == {"lee"}
    assert ids(engine, "person:lee") == {"lee"}  # a name's word finds the name
    assert ids(engine, "person:skripal") == {"skripal"}  # Sergei and Yulia
    assert ids(engine, 'org:"Fancy Bear"') == ids(engine, "org:APT28") == {"skripal"}
    assert ids(engine, "place:salisbury poisoning") == {"skripal"}
    assert ids(engine, "cve:cve-2023-23397") == {"exploit"}
    assert ids(engine, "ip:185.220.101.4") == ids(engine, "domain:evil.com") == {"exploit"}
    assert ids(engine, "hash:44D88612FEA8A8F36DE82E1278ABB02F") == {"exploit"}
    assert ids(engine, "lawyer NOT person:lee") == set()
    assert ids(engine, "person:nobody") == set()
    for text in ("ip:999.1.1.1", "ip:10.0.19041.1", "cve:2023-1"):
        with pytest.raises(QueryError, match="is not a valid"):
            engine.search(text)
    assert ids(engine, "", entities=("person:Christine Lee",)) == {"lee"}
    with pytest.raises(QueryError, match="Not an entity"):
        engine.search("", filters=Filters(entities=("Christine Lee",)))


def test_hits_carry_their_entities_and_facets_count_every_hit(folder: Path, tmp_path: Path):
    reindex(folder, tmp_path / "index")
    engine = SearchEngine(tmp_path / "index")
    page = engine.search("poisoned OR lawyer OR exploited", per_page=1)
    assert page.total == 3 and len(page.hits) == 1
    people = {v.value: v.count for v in page.facets.person}
    assert people == {
        "person:Christine Lee": 1,
        "person:Sergei Skripal": 1,
        "person:Yulia Skripal": 1,
    }
    indicators = {v.value for v in page.facets.indicator}
    assert {"cve:CVE-2023-23397", "ip:185.220.101.4", "domain:evil.com"} <= indicators
    assert not any("10.0.19041" in v for v in indicators)  # a version is no address
    hit = engine.search('person:"Christine Lee"').hits[0]
    groups = hit.to_dict(lambda h: "")["entities"]
    assert "Christine Lee" in groups["person"] and "MI5" in groups["org"]
    assert groups["indicator"] == []
    assert not any(name == "Will" for names in groups.values() for name in names)


def test_corrections_are_applied_to_the_articles_they_touch(folder: Path, tmp_path: Path):
    index = tmp_path / "index"
    reindex(folder, index)
    (folder / "entities.toml").write_text(
        'never = ["place:Salisbury"]\n'
        '[person."Christine Lee"]\naliases = ["Christine Ching Kui Lee"]\n'
        '[person."Sergei Skripal"]\naliases = ["Yulia Skripal"]\n'  # merged, for the test
        '[org."United Front"]\naliases = ["United Front Work Department"]\n'
    )
    report = reindex(folder, index)
    # lee (Christine Lee, United Front...) and skripal (Salisbury, Skripal): re-analysed;
    # exploit and quiet mention none of the names: not even read.
    assert report.reanalysed == 2 and report.updated == 0 and report.unchanged == 2
    engine = SearchEngine(index)
    assert "place:Salisbury" not in entities_of(engine, "skripal")
    assert "person:Yulia Skripal" not in entities_of(engine, "skripal")
    assert "org:United Front" in entities_of(engine, "lee")
    assert ids(engine, 'person:"Yulia Skripal"') == {"skripal"}  # an alias finds its entity
    assert ids(engine, "place:Salisbury") == set()
    # Nothing changed since: nothing is re-analysed.
    assert reindex(folder, index).reanalysed == 0
    # Taking a rule out restores what it removed.
    (folder / "entities.toml").write_text('[person."Christine Lee"]\naliases = []\n')
    report = reindex(folder, index)
    assert report.reanalysed == 2
    assert "place:Salisbury" in entities_of(SearchEngine(index), "skripal")


def test_a_broken_corrections_file_keeps_the_last_good_one(folder: Path, tmp_path: Path):
    index = tmp_path / "index"
    (folder / "entities.toml").write_text('never = ["place:Salisbury"]\n')
    reindex(folder, index)
    assert "place:Salisbury" not in entities_of(SearchEngine(index), "skripal")
    (folder / "entities.toml").write_text('never = ["place:Salisbury"\n\n[person]\n')
    report = reindex(folder, index)
    assert len(report.warnings) == 1
    warning = report.warnings[0]
    assert "entities.toml, line" in warning and "the last good corrections stay in force" in warning
    assert report.reanalysed == 0
    assert "place:Salisbury" not in entities_of(SearchEngine(index), "skripal")
    # A full rebuild still applies the last good corrections.
    reindex(folder, index, full=True)
    assert "place:Salisbury" not in entities_of(SearchEngine(index), "skripal")


def test_turning_extraction_off_rebuilds_without_entities(folder: Path, tmp_path: Path):
    index = tmp_path / "index"
    reindex(folder, index)
    (folder / "entities.toml").write_text("extract = false\n")
    report = reindex(folder, index)
    assert report.full
    engine = SearchEngine(index)
    assert all(entities_of(engine, name.removesuffix(".txt")) == () for name in ARTICLES)
    assert ids(engine, "person:lee") == set()


def test_a_never_rule_for_a_word_no_search_finds_rebuilds(folder: Path, tmp_path: Path):
    index = tmp_path / "index"
    reindex(folder, index)
    (folder / "entities.toml").write_text('never = ["The"]\n')  # only a very common word
    assert reindex(folder, index).full
