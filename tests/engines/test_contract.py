"""The engine contract (searchapp/engines/base.py: View, Engine, Writer), through the registry,
on every engine: Whoosh, one local Xapian database, and Xapian shards served by xapian-tcpsrv.

Every engine indexes the same small folder, written here, with `reindex`, and must give the
same answers: the same ids, in the same order where the contract fixes it (BM25 with tf and
length deciding, ties and dates by id). Scores may differ between engines, so they are only
compared within one engine. Where the reference engine itself breaks the contract, the test
stays as strict and is marked as an expected failure on that engine only (`known_break`).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pytest

from searchapp.config import EngineConfig
from searchapp.engines import query as q
from searchapp.engines.base import Engine, View, Writer, index_version
from searchapp.engines.registry import open_engine, open_writer
from searchapp.engines.xapian.cluster import start_cluster
from searchapp.errors import IndexLocked, IndexMissing
from searchapp.ingest.discover import discover
from searchapp.ingest.readers import read_source
from searchapp.reindex import reindex
from searchapp.text.analysed import AnalysedArticle, analyse
from searchapp.text.article import Article, join_pages, page_at
from tests.conftest import missing_program

ENGINES = ("whoosh", "xapian", "xapian-shards")
SHARDS = 2
K1, B = 2.0, 0.75


def record(title: str, text: str, **meta: str) -> str:
    return json.dumps({"title": title, "text": text, **meta})


# Files are indexed in path order, so folders a/, b/, c/ make the insertion order differ from
# the id order (tie-z before tie-a; zeppelin-raid before kettle-adjacent on the same day).
CORPUS = {
    "a/airship-hangar.json": record(
        "Airship hangar reopens",
        "The old airship hangar near the harbour reopened. Engineers restored a zeppelin "
        "airship and its engines for visitors.",
        date="2018-06-01", source="The Guardian", author="Luke Harding",
    ),
    "a/tie-z.txt": "Lantern night\n\nLanterns glowed along the quay.\n",
    "a/zeppelin-raid.json": record(
        "Zeppelin raid on the harbour",
        "A zeppelin airship crossed the harbour at night. The zeppelin crew dropped flares "
        "on the docks while the airship engines droned.",
        date="2017-03-05", source="Reuters", author="Jane Doe",
        url="https://example.com/zeppelin-raid", lang="en",
    ),
    "b/kettle-adjacent.json": record(
        "Kitchen auction", "Bidders fought for a copper kettle at the auction.",
        date="2017-03-05", source="The Guardian",
    ),
    # A dateline: plain text carries a date, not a source.
    "b/kettle-near.txt": "Brass and tin\n\nDate: 2018-06-01\n\n"
    "The shop sold copper and brass kettles to collectors.\n",
    # Tied with tie-z: the same lengths, exact forms (lanterns, flickered/glowed) included.
    "b/tie-a.txt": "Lantern dusk\n\nLanterns flickered along the pier.\n",
    "b/zeppelin-museum.json": record(
        "Museum of flight", "The museum shows a model zeppelin beside early biplanes and gliders.",
        date="2016-11-20", source="Reuters", author="John Smith",
    ),
    "c/gru-officers.json": record(
        "GRU officers named",
        "Dutch police named four GRU officers accused of a cyber attack on the chemical "
        "weapons watchdog. Russian diplomats were expelled.",
        date="2018-10-04", source="The Guardian", author="Luke Harding",
    ),
    "c/kettle-far.txt": "Market day\n\nTraders sold copper pots, pans and a kettle.\n",
    "c/kettle-reversed.txt": "Old kitchen\n\nThe kettle was copper.\n",
    "c/sanctions-moscow.json": record(
        "Sanctions on Moscow widen",
        "Britain widened sanctions on Russian banks after the poisoning. The Kremlin denied "
        "any role.",
        date="2018-03-14", source="Reuters", author="Jane Doe", lang="en",
    ),
}  # fmt: skip
PUBLISHED = {
    "airship-hangar": date(2018, 6, 1),
    "gru-officers": date(2018, 10, 4),
    "kettle-adjacent": date(2017, 3, 5),
    "kettle-far": None,
    "kettle-near": date(2018, 6, 1),
    "kettle-reversed": None,
    "sanctions-moscow": date(2018, 3, 14),
    "tie-a": None,
    "tie-z": None,
    "zeppelin-museum": date(2016, 11, 20),
    "zeppelin-raid": date(2017, 3, 5),
}
ALL = sorted(PUBLISHED)
ZEPPELIN = {"zeppelin-raid", "airship-hangar", "zeppelin-museum"}  # body stem "zeppelin"
AIRSHIP = {"zeppelin-raid", "airship-hangar"}
KETTLE = {"kettle-adjacent", "kettle-near", "kettle-far", "kettle-reversed"}  # "kettl"
RUSSIAN = {"gru-officers", "sanctions-moscow"}
STATED_ENGLISH = {"zeppelin-raid", "sanctions-moscow"}  # their records say lang: en
REUTERS = {"zeppelin-raid", "zeppelin-museum", "sanctions-moscow"}
GUARDIAN = {"airship-hangar", "kettle-adjacent", "gru-officers"}
# Added by the writer tests.
DIRIGIBLE = Article(
    "dirigible", "Dirigible over the pier", "A dirigible and a zeppelin moored at the pier.",
    "d/dirigible.txt", headline=True, published=date(2019, 1, 2), source="Reuters",
)  # fmt: skip
BALLOON = Article("balloon", "Balloon", "A hot air balloon rose.", "d/balloon.txt", True)

WHOOSH_TIES = "Whoosh breaks ties by document number (insertion order), not by article id"
WHOOSH_FACETS = "Whoosh counts missing values under '' (source), 2**31-1 (year), None (tag)"
WHOOSH_SCORES_METADATA = "Whoosh scores source/author terms (BM25) and tag terms (1.0)"
WHOOSH_NEW_INDEX = "a new Whoosh index is marked as built by the current version at once"


def write_corpus(root: Path) -> Path:
    for relpath, text in CORPUS.items():
        (root / relpath).parent.mkdir(parents=True, exist_ok=True)
        (root / relpath).write_text(text)
    return root


@dataclass
class Built:
    """One engine's index of the corpus, and an engine searching it."""

    kind: str
    config: EngineConfig
    corpus: Path
    index_dir: Path
    engine: Engine

    def view(self) -> View:
        return self.engine.view()

    def writer(self) -> Writer:
        return open_writer(self.config, self.index_dir)


@contextmanager
def built_index(kind: str, root: Path, *, build: bool = True) -> Iterator[Built]:
    """The corpus written under ``root`` and indexed there by ``reindex`` on engine ``kind``
    (``xapian-shards``: in a cluster started under ``root``, stopped after); ``build=False``
    leaves the index unbuilt."""
    corpus, index_dir = write_corpus(root / "corpus"), root / "index"
    index_dir.mkdir()
    with ExitStack() as stack:
        if kind == "xapian-shards":
            reason = missing_program("xapian-tcpsrv", "xapian-tools")
            if reason:
                pytest.skip(reason)
            config = stack.enter_context(start_cluster(root / "cluster", SHARDS)).config()
        else:
            config = EngineConfig(kind)
        if build:
            reindex(corpus, index_dir, engine=config)
        engine = open_engine(config, index_dir, k1=K1, b=B)
        stack.callback(engine.close)
        yield Built(kind, config, corpus, index_dir, engine)


@pytest.fixture(scope="module", params=ENGINES)
def built(request, tmp_path_factory) -> Iterator[Built]:
    """A read-only index shared by the module's tests."""
    with built_index(request.param, tmp_path_factory.mktemp(request.param)) as index:
        yield index


@pytest.fixture(params=ENGINES)
def fresh(request, tmp_path) -> Iterator[Built]:
    """An index the test may change."""
    with built_index(request.param, tmp_path) as index:
        yield index


@pytest.fixture(scope="module")
def analysed(tmp_path_factory) -> dict[str, AnalysedArticle]:
    """The articles as the readers and the shared analysis make them: what engines index."""
    sources, _skipped = discover(write_corpus(tmp_path_factory.mktemp("reference")))
    articles = [article for source in sources for article in read_source(source).articles]
    return {article.id: analyse(article) for article in articles}


def known_break(request, index: Built, reason: str, *kinds: str) -> None:
    if index.kind in (kinds or ("whoosh",)):
        request.applymarker(pytest.mark.xfail(reason=reason, strict=True))


def ids(view: View, scored: q.Query, filter: q.Query | None = None, limit=100, **kw) -> list:
    return [view.fields(m.key)["id"] for m in view.search(scored, filter, limit, **kw).matches]


def scores(view: View, scored: q.Query, filter: q.Query | None = None) -> dict[str, float]:
    return {view.fields(m.key)["id"]: m.score for m in view.search(scored, filter, 100).matches}


def body(stem: str) -> q.Term:
    return q.Term("body", stem)


# -- searching --------------------------------------------------------------------------------


def test_a_term_finds_its_articles_best_first(built):
    view = built.view()
    assert view.doc_count() == len(ALL) and view.partial == ()
    found = view.search(body("zeppelin"), None, 100)
    # BM25 (b > 0) fixes this order: two occurrences first, then the shorter article.
    assert ids(view, body("zeppelin")) == ["zeppelin-raid", "zeppelin-museum", "airship-hangar"]
    assert found.total == 3 and found.facets is None and not found.timed_out
    top = view.search(body("zeppelin"), None, 2)
    assert top.total == 3 and top.matches == found.matches[:2]
    assert [m.score for m in found.matches] == sorted(
        (m.score for m in found.matches), reverse=True
    )
    assert all(m.score > 0 for m in found.matches)
    keys = [m.key for m in view.search(q.Every(), None, 100).matches]
    expected = {m.key: m.score for m in found.matches}
    assert view.scores(body("zeppelin"), keys) == pytest.approx(expected)
    assert view.scores(body("zeppelin"), []) == {}
    assert ids(view, body("absent")) == [] and view.search(body("absent"), None, 5).total == 0
    assert ids(view, q.Term("title", "zeppelin")) == ["zeppelin-raid"]
    assert ids(view, q.Term("id", "tie-a")) == ["tie-a"]


def test_ties_go_by_id(request, built):
    known_break(request, built, WHOOSH_TIES)
    view = built.view()
    # Same length, one occurrence each: the same score.
    found = view.search(body("lantern"), None, 10)
    assert len({m.score for m in found.matches}) == 1
    assert ids(view, body("lantern")) == ["tie-a", "tie-z"]
    assert ids(view, q.Every()) == ALL
    assert ids(view, q.Every(), limit=3) == ALL[:3]
    assert ids(view, q.Term("tag", "Russia")) == sorted(RUSSIAN)
    # kettle-adjacent and zeppelin-raid share a day, and four articles have none.
    dated = [i for i in ALL if PUBLISHED[i]]
    undated = [i for i in ALL if not PUBLISHED[i]]
    newest = sorted(dated, key=lambda i: (-PUBLISHED[i].toordinal(), i))
    assert ids(view, q.Every(), sort="newest") == newest + undated
    assert ids(view, q.Every(), sort="oldest") == sorted(dated, key=PUBLISHED.get) + undated


def test_sorted_by_date_undated_last(built):
    view = built.view()
    dated = sorted(d for d in PUBLISHED.values() if d)
    for sort, days in (("newest", dated[::-1]), ("oldest", dated)):
        found = ids(view, q.Every(), sort=sort)
        assert sorted(found) == ALL
        assert [PUBLISHED[i] for i in found] == days + [None] * 4, sort
        kettles = ids(view, body("kettl"), sort=sort)
        kettle_days = [PUBLISHED["kettle-adjacent"], PUBLISHED["kettle-near"]]  # 2017, 2018
        if sort == "newest":
            kettle_days.reverse()
        assert [PUBLISHED[i] for i in kettles] == kettle_days + [None, None], sort
        assert ids(view, q.Every(), sort=sort, limit=2) == found[:2]
    assert view.search(q.Every(), None, 1, sort="newest").total == len(ALL)


def test_a_filter_restricts_without_changing_scores(built):
    view = built.view()
    words = q.Or([body("zeppelin"), body("airship")])
    plain = view.search(words, None, 100)
    since_2010 = q.DateRange("date", datetime(2010, 1, 1), None)  # every zeppelin is dated
    everything = view.search(words, since_2010, 100)
    assert everything.total == plain.total == 3 and everything.matches == plain.matches
    unfiltered = scores(view, words)
    march_5 = q.DateRange("date", datetime(2017, 3, 5), datetime(2017, 3, 5, 23, 59))
    for filter, expected in (
        (q.Term("source", "reuters"), ZEPPELIN & REUTERS),
        (q.Phrase("author", ("luke", "harding")), {"airship-hangar"}),
        (q.NumericRange("year", 2017, 2018), {"zeppelin-raid", "airship-hangar"}),
        (q.Term("year", 2016), {"zeppelin-museum"}),
        (march_5, {"zeppelin-raid"}),
        (q.Not(q.Term("source", "reuters")), {"airship-hangar"}),
        (q.Term("tag", "Russia"), set()),
    ):
        found = view.search(words, filter, 100)
        assert found.total == len(found.matches) == len(expected), filter
        assert scores(view, words, filter) == {i: unfiltered[i] for i in expected}, filter


def test_metadata_never_adds_to_scores(request, built):
    known_break(request, built, WHOOSH_SCORES_METADATA)
    view = built.view()
    plain = scores(view, body("russian"))
    metadata = [q.Term("source", "reuters"), q.Term("tag", "UK"), q.Term("author", "doe")]
    mixed = scores(view, q.Or([body("russian"), *metadata]))
    assert set(mixed) == RUSSIAN | REUTERS
    assert mixed == pytest.approx({i: plain.get(i, 0.0) for i in mixed}, abs=1e-12)


def real_values(facets: dict) -> dict:
    """The counts of values articles have (search's _real_value drops the rest)."""
    return {
        name: {v: n for v, n in counts.items() if v not in ("", None, 2**31 - 1)}
        for name, counts in facets.items()
    }


ENTITY_FACETS = {"org:GRU": 1, "org:Kremlin": 1, "place:Britain": 1, "place:Moscow": 1}
EVERY_FACETS = {
    "source": {"Reuters": 3, "The Guardian": 3},
    "year": {2016: 1, 2017: 2, 2018: 4},
    "tag": {"Russia": 2, "GRU": 1, "cyber attack": 1, "UK": 1, "poisoning": 1, "sanctions": 1},
    "entity": ENTITY_FACETS,
    "month": {"2016-11": 1, "2017-03": 2, "2018-03": 1, "2018-06": 2, "2018-10": 1},
}
UNDATED = 4  # of the 11 articles: counted under the month ""
# zeppelin-raid, airship-hangar, zeppelin-museum, gru-officers, sanctions-moscow
MIXED_FACETS = {
    "source": {"Reuters": 3, "The Guardian": 2},
    "year": {2016: 1, 2017: 1, 2018: 3},
    "tag": EVERY_FACETS["tag"],
    "entity": ENTITY_FACETS,
    "month": {"2016-11": 1, "2017-03": 1, "2018-03": 1, "2018-06": 1, "2018-10": 1},
}


def languages_of(analysed: dict[str, AnalysedArticle], ids) -> dict[str, int]:
    """The language facet of these articles: their languages as stored, unknown ones left out
    (by the engines themselves: the facet has no placeholder for them)."""
    return dict(Counter(lang for i in ids if (lang := analysed[i].stored()["lang"])))


def test_facets_count_every_hit(built, analysed):
    view = built.view()
    mixed = q.Or([body("zeppelin"), body("russian")])
    every = {**EVERY_FACETS, "lang": languages_of(analysed, ALL)}
    some = {**MIXED_FACETS, "lang": languages_of(analysed, ZEPPELIN | RUSSIAN)}
    assert every["lang"]["en"] >= len(STATED_ENGLISH)
    for sort in ("relevance", "newest", "oldest"):
        for scored, total, expected in ((q.Every(), 11, every), (mixed, 5, some)):
            found = view.search(scored, None, 1, sort=sort, facets=True)
            assert len(found.matches) == 1 and found.total == total
            assert real_values(found.facets) == expected, (sort, scored)
            assert view.search(scored, None, 1, sort=sort).facets is None
    filtered = view.search(q.Every(), q.Term("source", "reuters"), 1, facets=True)
    assert real_values(filtered.facets)["year"] == {2016: 1, 2017: 1, 2018: 1}
    assert filtered.facets["lang"] == languages_of(analysed, REUTERS)


def test_facets_hold_only_the_values_articles_have(request, built, analysed):
    known_break(request, built, WHOOSH_FACETS)
    view = built.view()
    every = {
        **EVERY_FACETS,
        "lang": languages_of(analysed, ALL),
        "month": {**EVERY_FACETS["month"], "": UNDATED},
    }
    for sort in ("relevance", "newest"):
        assert view.search(q.Every(), None, 1, sort=sort, facets=True).facets == every


def test_phrases_with_slop(built):
    view = built.view()

    def phrase(*words: str, slop: int = 1) -> set:
        return set(ids(view, q.Phrase("body", words, slop=slop)))

    # copper kettle; copper brass kettles; copper pots pans kettle; kettle (was) copper
    assert phrase("copper", "kettl") == {"kettle-adjacent"}
    assert phrase("copper", "kettl", slop=2) == {"kettle-adjacent", "kettle-near"}
    assert phrase("copper", "kettl", slop=3) == KETTLE - {"kettle-reversed"}
    assert phrase("copper", "kettl", slop=10) == KETTLE - {"kettle-reversed"}
    assert phrase("kettl", "copper") == {"kettle-reversed"}  # in order only
    assert phrase("brass", "kettl") == {"kettle-near"}
    assert phrase("sold", "copper", "kettl") == set()
    assert phrase("sold", "copper", "kettl", slop=2) == {"kettle-near"}
    assert phrase("sold", "copper", "kettl", slop=3) == {"kettle-near", "kettle-far"}
    assert set(ids(view, q.Phrase("title", ("zeppelin", "raid")))) == {"zeppelin-raid"}
    assert set(ids(view, q.Phrase("title", ("raid", "zeppelin")))) == set()


STEELE = Article(
    "steele", "Hearing with Steele", "The committee heard Christopher Steele on Tuesday. "
    "Steele said the Steeles of Sheffield made steel. Spies listened.", "d/steele.txt", True,
)  # fmt: skip


def test_exact_forms(fresh):
    # None in the corpus: no word there is written capitalised mid-sentence unlike its stem.
    assert ids(fresh.view(), q.Term("body_exact", "lanterns")) == []
    writer = fresh.writer()
    writer.add(STEELE)
    writer.add(DIRIGIBLE)
    writer.commit(index_version(), full=False)
    view = fresh.view()

    def exact(field: str, word: str) -> list:
        return ids(view, q.Term(field, word))

    # Capitalised mid-sentence and unlike the stem ("steel", "christoph"), folded.
    assert exact("body_exact", "steele") == exact("body_exact", "christopher") == ["steele"]
    assert exact("body_exact", "steeles") == ["steele"]
    assert exact("title_exact", "steele") == ["steele"]
    assert exact("body_exact", "steel") == exact("body_exact", "spies") == []  # a stem; opening
    assert exact("title_exact", "hearing") == []  # the first word
    assert all(score > 0 for score in scores(view, q.Term("body_exact", "steele")).values())
    assert view.search(q.Term("body", "steel"), None, 10).total == 1  # the stems as before


def test_patterns_on_metadata_fields(built):
    view = built.view()

    def found(query: q.Query) -> set:
        return set(ids(view, query))

    assert found(q.Term("source", "reuters")) == REUTERS
    assert found(q.Term("source", "guardian")) == GUARDIAN
    assert found(q.Phrase("source", ("the", "guardian"))) == GUARDIAN
    assert found(q.Prefix("source", "guard")) == GUARDIAN
    assert found(q.Prefix("source", "re")) == REUTERS
    assert found(q.Wildcard("source", "re?ters")) == REUTERS
    assert found(q.Wildcard("source", "*uard*")) == GUARDIAN
    assert found(q.Prefix("source", "zz")) == set()
    assert found(q.Phrase("author", ("jane", "doe"))) == {"zeppelin-raid", "sanctions-moscow"}
    assert found(q.Phrase("author", ("doe", "jane"))) == set()
    assert found(q.Prefix("author", "hard")) == {"airship-hangar", "gru-officers"}
    jane_john = {"zeppelin-raid", "sanctions-moscow", "zeppelin-museum"}
    assert found(q.Wildcard("author", "j*")) == jane_john
    assert found(q.Term("tag", "cyber attack")) == {"gru-officers"}
    assert found(q.Every("source")) == REUTERS | GUARDIAN
    assert found(q.Every("author")) == {"airship-hangar", "zeppelin-raid", "zeppelin-museum",
                                        "gru-officers", "sanctions-moscow"}  # fmt: skip


# -- vocabulary and term statistics -----------------------------------------------------------


def test_vocabulary(built, analysed):
    view = built.view()
    words = sorted(set().union(*(a.words for a in analysed.values())))
    assert all(view.has_word(word) for word in words)
    assert view.has_word("kettles") and not view.has_word("kettl")  # words, not stems
    assert not view.has_word("zeppelins") and not view.has_word("Zeppelin")
    assert list(view.words_from("")) == words
    assert list(view.words_from("kett")) == ["kettle", "kettles"]
    assert list(view.words_from("lantern")) == ["lantern", "lanterns"]
    assert list(view.words_from("zz")) == []
    assert list(view.words_within("kettls", 1, 1)) == ["kettle", "kettles"]
    assert list(view.words_within("ketle", 1, 1)) == ["kettle"]
    assert list(view.words_within("ketle", 2, 1)) == ["kettle", "kettles"]
    assert list(view.words_within("xettle", 1, 0)) == ["kettle"]
    assert list(view.words_within("xettle", 1, 1)) == []  # the first letter differs
    assert list(view.words_within("zepelin", 1, 2)) == ["zeppelin"]


def test_languages(built, analysed):
    """Documents per language over the whole index (every shard), and ``lang`` as a filter
    field: one term per document, none for an unknown language."""
    view = built.view()
    languages = languages_of(analysed, ALL)
    assert view.languages() == languages and "" not in languages
    assert languages["en"] >= len(STATED_ENGLISH)
    english = {i for i in ALL if analysed[i].stored()["lang"] == "en"}
    assert STATED_ENGLISH <= english
    assert set(ids(view, q.Every(), q.Term("lang", "en"))) == english
    assert set(ids(view, q.Term("lang", "en"))) == english  # scored, it adds nothing
    assert set(ids(view, q.Every("lang"))) == {i for i in ALL if analysed[i].stored()["lang"]}
    assert ids(view, q.Every(), q.Term("lang", "ru")) == []
    assert ids(view, q.Every(), q.Term("lang", "")) == []
    zeppelins = view.search(body("zeppelin"), q.Term("lang", "en"), 10, facets=True)
    assert zeppelins.facets["lang"] == {"en": zeppelins.total}


def test_term_statistics(built, analysed):
    view = built.view()
    assert (view.doc_frequency("body", "zeppelin"), view.frequency("body", "zeppelin")) == (3, 4)
    assert (view.doc_frequency("title", "zeppelin"), view.frequency("title", "zeppelin")) == (1, 1)
    assert (view.doc_frequency("body", "kettl"), view.frequency("body", "kettl")) == (4, 4)
    assert (view.doc_frequency("body", "absent"), view.frequency("body", "absent")) == (0, 0)
    assert (view.field_length("body"), view.field_length("title")) == (84, 26)
    assert list(view.terms_between("body", "copper", "dock", False, True)) == [
        "copper", "crew", "cross", "cyber", "deni", "diplomat"]  # fmt: skip
    assert list(view.terms_between("title", "m", None, True, False)) == [
        "market", "moscow", "museum", "name", "night", "offic", "old", "raid", "reopen", "sanction",
        "tin", "widen", "zeppelin"]  # fmt: skip
    for fieldname in ("title", "body"):
        postings = [getattr(a, f"{fieldname}_postings") for a in analysed.values()]
        stems = sorted(set().union(*postings))
        assert list(view.terms_between(fieldname, None, None, False, False)) == stems
        assert list(view.terms_between(fieldname, "copper", "kettl", True, True)) == [
            s for s in stems if "copper" < s < "kettl"
        ]
        for stem in stems:
            holding = [p[stem] for p in postings if stem in p]
            assert view.doc_frequency(fieldname, stem) == len(holding), stem
            assert view.frequency(fieldname, stem) == sum(map(len, holding)), stem


def test_more_like(built):
    view = built.view()
    like = view.more_like("zeppelin-raid", 5)
    # airship, harbour, engines and zeppelin are shared with the hangar, zeppelin alone with
    # the museum, none of its words with the others.
    assert [view.fields(m.key)["id"] for m in like] == ["airship-hangar", "zeppelin-museum"]
    assert like[0].score > like[1].score > 0
    assert [view.fields(m.key)["id"] for m in view.more_like("zeppelin-raid", 1)] == [
        "airship-hangar"
    ]
    assert [view.fields(m.key)["id"] for m in view.more_like("tie-a", 5)] == ["tie-z"]
    assert view.more_like("no-such-article", 5) is None


# -- boolean semantics ------------------------------------------------------------------------


def test_boolean_operators(built):
    view = built.view()

    def found(query: q.Query) -> set:
        return set(ids(view, query))

    zeppelin, airship, kettle = body("zeppelin"), body("airship"), body("kettl")
    assert found(q.And([zeppelin, airship])) == AIRSHIP
    assert found(q.Or([zeppelin, kettle])) == ZEPPELIN | KETTLE
    assert found(q.AndNot(zeppelin, airship)) == {"zeppelin-museum"}
    assert found(q.AndMaybe(zeppelin, airship)) == ZEPPELIN
    assert found(q.And([zeppelin, q.Not(airship)])) == {"zeppelin-museum"}
    assert found(q.Not(kettle)) == set(ALL) - KETTLE
    assert found(q.Or([q.And([zeppelin, airship]), q.AndNot(kettle, body("copper"))])) == AIRSHIP
    assert found(q.And([q.Or([zeppelin, kettle]), q.Term("source", "reuters")])) == {
        "zeppelin-raid", "zeppelin-museum"}  # fmt: skip
    assert found(q.Every()) == set(ALL) and view.search(q.Every(), None, 1).total == len(ALL)
    assert found(q.And([q.Every(), kettle])) == KETTLE
    assert found(q.NullQuery) == set() and view.search(q.NullQuery, None, 5).total == 0
    # Scores: And and Or add up their parts; AndNot keeps a's, AndMaybe adds b's where it is.
    z, a = scores(view, zeppelin), scores(view, airship)
    both = {i: z[i] + a[i] for i in AIRSHIP}
    assert scores(view, q.And([zeppelin, airship])) == pytest.approx(both)
    assert scores(view, q.Or([zeppelin, airship])) == pytest.approx({**z, **both})
    museum = {"zeppelin-museum": z["zeppelin-museum"]}
    assert scores(view, q.AndNot(zeppelin, airship)) == pytest.approx(museum)
    assert scores(view, q.AndMaybe(zeppelin, airship)) == pytest.approx({**z, **both})
    assert scores(view, q.Or([zeppelin, airship], boost=2.0)) == pytest.approx(
        {i: 2 * s for i, s in {**z, **both}.items()}
    )


# -- stored fields ----------------------------------------------------------------------------


def test_stored_fields_round_trip(built, analysed):
    view = built.view()
    assert view.document("zeppelin-raid") == {
        "id": "zeppelin-raid",
        "title": "Zeppelin raid on the harbour",
        "body": "A zeppelin airship crossed the harbour at night. The zeppelin crew dropped "
        "flares on the docks while the airship engines droned.",
        "path": "a/zeppelin-raid.json",
        "url": "https://example.com/zeppelin-raid",
        "source": "Reuters",
        "author": "Jane Doe",
        "tag": "",
        "date": date(2017, 3, 5),
        "pages": [],
        "parent": "",
        "attachments": [],
        "entities": [],
        "lang": "en",
    }
    assert view.document("sanctions-moscow")["tag"] == "Russia,UK,poisoning,sanctions"
    assert view.document("kettle-near") == {
        "id": "kettle-near",
        "title": "Brass and tin",
        "body": "The shop sold copper and brass kettles to collectors.",
        "path": "b/kettle-near.txt",
        "url": "",
        "source": "",
        "author": "",
        "tag": "",
        "date": date(2018, 6, 1),
        "pages": [],
        "parent": "",
        "attachments": [],
        "entities": [],
        "lang": analysed["kettle-near"].lang,  # none stated: the detected one, if any
    }
    assert view.document("tie-a")["date"] is None
    for match in view.search(q.Every(), None, 100).matches:
        fields = view.fields(match.key)
        assert fields == view.document(fields["id"]) == analysed[fields["id"]].stored()
        assert type(fields["date"]) in (date, type(None))  # a date, never a datetime
    assert view.document("no-such-article") is None


# -- writing ----------------------------------------------------------------------------------


def test_writer_changes_show_at_the_commit(fresh):
    before = fresh.view().generation()
    writer = fresh.writer()
    assert writer.built_by() == index_version() and writer.doc_count() == len(ALL)
    generation = writer.generation()
    with pytest.raises(IndexLocked):
        fresh.writer()
    writer.delete("tie-a")
    writer.add(DIRIGIBLE)
    writer.add(BALLOON)
    view = fresh.view()
    assert view.generation() == before and view.doc_count() == len(ALL)
    assert view.document("dirigible") is None and view.document("tie-a") is not None
    assert writer.doc_count() == len(ALL)  # documents committed
    writer.commit(index_version(), full=False)
    assert writer.doc_count() == len(ALL) + 1 and writer.generation() != generation
    view = fresh.view()
    assert view.generation() != before and view.doc_count() == len(ALL) + 1
    assert view.document("tie-a") is None and view.document("dirigible")["source"] == "Reuters"
    assert set(ids(view, body("zeppelin"))) == ZEPPELIN | {"dirigible"}
    assert ids(view, body("lantern")) == ["tie-z"]
    assert view.has_word("dirigible") and view.doc_frequency("body", "dirig") == 1
    again = fresh.writer()  # the commit let go of the lock
    assert (again.built_by(), again.generation()) == (index_version(), writer.generation())
    assert again.doc_count() == len(ALL) + 1
    again.cancel()


def test_paged_documents_keep_their_pages_and_links(fresh):
    body_text, pages = join_pages([["Page one text."], [], ["The zeppelin on page three."]])
    report = Article("report", "Report", body_text, "d/mail.eml", True, pages=pages, parent="mail")
    mail = Article("mail", "Mail", "See the report.", "d/mail.eml", True, attachments=("report",))
    writer = fresh.writer()
    writer.add(report)
    writer.add(mail)
    writer.commit(index_version(), full=False)
    view = fresh.view()
    stored = view.document("report")
    assert stored["pages"] == [0, 16, 16] and stored["parent"] == "mail"
    assert view.document("mail")["attachments"] == ["report"]
    assert view.document("mail")["pages"] == [] and view.document("mail")["parent"] == ""
    [key] = [m.key for m in view.search(body("zeppelin"), None, 100).matches if
             view.fields(m.key)["id"] == "report"]  # fmt: skip
    assert page_at(view.fields(key)["pages"], stored["body"].index("zeppelin")) == 3


def test_writer_cancel_drops_the_changes(fresh):
    writer = fresh.writer()
    generation = writer.generation()
    writer.add(DIRIGIBLE)
    writer.delete("tie-a")
    writer.cancel()
    view = fresh.view()
    assert view.document("dirigible") is None and view.document("tie-a") is not None
    assert view.doc_count() == len(ALL) and not view.has_word("dirigible")
    again = fresh.writer()  # cancel let go of the lock
    assert (again.generation(), again.doc_count()) == (generation, len(ALL))
    again.cancel()


def test_a_full_commit_drops_every_other_document(fresh):
    writer = fresh.writer()
    writer.add(DIRIGIBLE)
    writer.add(BALLOON)
    writer.commit(index_version(), full=True)
    assert writer.doc_count() == 2
    view = fresh.view()
    assert sorted(ids(view, q.Every())) == ["balloon", "dirigible"] and view.doc_count() == 2
    assert not view.has_word("kettle") and view.has_word("balloon")
    assert view.doc_frequency("body", "zeppelin") == 1


@pytest.mark.parametrize("kind", ENGINES)
def test_a_first_build(kind, tmp_path):
    with built_index(kind, tmp_path, build=False) as index:
        with pytest.raises(IndexMissing):
            index.view()
        writer = index.writer()
        assert writer.doc_count() == 0
        writer.add(DIRIGIBLE)
        writer.commit(index_version(), full=True)
        assert writer.doc_count() == 1 and index.view().doc_count() == 1
        assert ids(index.view(), body("zeppelin")) == ["dirigible"]
        again = index.writer()
        assert again.built_by() == index_version()
        again.cancel()


@pytest.mark.parametrize("kind", ENGINES)
def test_a_new_index_is_built_by_nothing(request, kind, tmp_path):
    with built_index(kind, tmp_path, build=False) as index:
        known_break(request, index, WHOOSH_NEW_INDEX)
        writer = index.writer()
        try:
            assert writer.built_by() is None
        finally:
            writer.cancel()


# -- generations ------------------------------------------------------------------------------


def test_generations(fresh):
    old = fresh.view()
    generation = old.generation()
    assert fresh.view().generation() == generation  # nothing committed
    (fresh.corpus / "c/kettle-far.txt").unlink()
    (fresh.corpus / "d").mkdir()
    (fresh.corpus / "d/dirigible.txt").write_text("Dirigible\n\nA dirigible zeppelin.\n")
    reindex(fresh.corpus, fresh.index_dir, engine=fresh.config)

    # Another thread's request moves to the new generation...
    def another_request() -> dict:
        view = fresh.view()
        return {
            "generation": view.generation(),
            "count": view.doc_count(),
            "kettles": set(ids(view, body("kettl"))),
            "dirigible": view.document("dirigible"),
        }

    with ThreadPoolExecutor(1) as pool:
        seen = pool.submit(another_request).result()
    assert seen["generation"] != generation and seen["count"] == len(ALL)
    assert seen["kettles"] == KETTLE - {"kettle-far"} and seen["dirigible"] is not None
    # ... while a view opened before the reindex keeps answering from its own.
    assert old.generation() == generation and old.doc_count() == len(ALL)
    assert set(ids(old, body("kettl"))) == KETTLE and old.document("dirigible") is None
    assert old.document("kettle-far")["title"] == "Market day"
    assert not old.has_word("dirigible")
    # This thread's next view is the newest.
    new = fresh.view()
    assert new.generation() == seen["generation"]
    assert new.document("kettle-far") is None and new.has_word("dirigible")
    assert set(ids(new, body("zeppelin"))) == ZEPPELIN | {"dirigible"}
