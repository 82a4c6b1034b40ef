"""The shortcuts that make searching fast give what the plain Whoosh way gives: feedback terms
(Bo1 with fewer lookups), snippets (only the stretches near matches analysed), feedback
rescoring on posting blocks; and the time limit stops a search with a clear flag."""

from __future__ import annotations

from pathlib import Path

import pytest
from whoosh import classify, highlight, query

from searchapp import search
from searchapp.engines.whoosh import engine as whoosh_engine
from searchapp.engines.whoosh import highlight as highlight_module
from searchapp.engines.whoosh import vectorized
from searchapp.engines.whoosh.highlight import SNIPPETS, Scan
from searchapp.engines.whoosh.query import to_whoosh
from searchapp.engines.whoosh.schema import SCHEMA
from searchapp.reindex import reindex
from searchapp.search import SearchEngine, feedback
from searchapp.text import analysis
from tests.conftest import FIXTURES, SEEDS

QUERIES = ["russia", "poisoning inquiry", "ransomware", "spies", "UK intelligence", "gru"]


def _texts(root: Path) -> list[str]:
    return [p.read_text(errors="replace") for p in sorted(root.rglob("*.txt"))]


def _expander_terms(reader, texts: list[str], number: int) -> list[tuple[str, float]]:
    """Whoosh's own expansion, which searchapp used before."""
    expander = classify.Expander(reader, "body")
    for text in texts:
        expander.add_text(text)
    return expander.expanded_terms(number)


@pytest.mark.parametrize("number", [1, 3, 10, 14])
def test_feedback_terms_are_whooshs_bo1(engine: SearchEngine, number: int):
    view = engine.view()
    searcher, reader = view.searcher, view.reader
    for text in QUERIES:
        q = search.build_query(text, view)
        tops = [
            f"{h['title']}\n{h['body'][:2000]}"
            for h in searcher.search(to_whoosh(q.scored), limit=10)
        ]
        for texts in (tops, tops[:1], tops[:3]):
            expected = _expander_terms(reader, texts, number)
            assert feedback._expanded_terms(view, texts, number) == expected, text
    assert feedback._expanded_terms(view, [], 10) == []
    assert feedback._expanded_terms(view, ["zzzunknown qqqunknown"], 10) == []


def test_feedback_terms_on_the_seeds(seeds_engine: SearchEngine):
    view = seeds_engine.view()
    texts = _texts(SEEDS)
    for number in (5, 12, 40):
        assert feedback._expanded_terms(view, texts, number) == _expander_terms(
            view.reader, texts, number
        )


def _whole_text_snippet(text: str, terms: frozenset[str]) -> str:
    """The snippet from Whoosh's analysis of the whole text."""
    tokens = SCHEMA["body"].analyzer(
        text, positions=True, chars=True, mode="index", removestops=False
    )
    tokens = SNIPPETS._merge_matched_tokens(highlight.set_matched_filter(tokens, terms))
    fragments = SNIPPETS.fragmenter.fragment_tokens(text, tokens)
    return SNIPPETS.formatter.format(
        highlight.top_fragments(fragments, 3, SNIPPETS.scorer, SNIPPETS.order, minscore=1)
    )


# Texts that stress the stretches: compounds (joined terms start at the first half), long
# unindexed tokens, wide gaps of punctuation, many matches close together and far apart.
AWKWARD = [
    "cyber-attack " * 40 + "x" * 70 + " cyber-attack. " + "a-b-c-d-e-f " * 30 + "well-known",
    "-- - . ; " * 40 + "Russia " + "!!! " * 100 + "russia" + " word" * 3,
    ("y" * 65 + " ") * 5 + "Russia " + ("z" * 61 + "-" + "russia ") * 3,
    "The Kremlin’s spies. " + "Nothing here at all. " * 30 + "US-led sanctions on Kremlin's",
    "",
]


def test_snippets_are_those_of_the_whole_text():
    texts = _texts(FIXTURES) + _texts(SEEDS) + AWKWARD
    checked = 0
    for text in texts:
        words = [t.text for t in analysis.analyze(text, remove_stops=False)]
        term_sets = [frozenset(words[i : i + size]) for size in (1, 2, 5) for i in (0, 7, 40)]
        term_sets += [
            frozenset({"russia", "kremlin", "cyberattack", "attack", "us", "spi", "zzz"}),
            frozenset({"sanction"}),
            frozenset(),
        ]
        scan = Scan(text)
        for terms in term_sets:
            assert SNIPPETS.snippet(scan, terms) == _whole_text_snippet(text, terms), terms
            checked += 1
    assert checked > 100


def test_long_texts_scanned_around_their_matches_give_the_whole_texts_snippets(monkeypatch):
    monkeypatch.setattr(highlight_module, "LONG_TEXT_CHARS", 2_000)
    texts = _texts(FIXTURES) + _texts(SEEDS) + AWKWARD
    # A long report: the texts one after another, and words only deep in it.
    report = "\n\n".join(texts * 3) + "\n\nThe Quillfeather annex on Navaļny's dying spies."
    checked = windowed = 0
    for text in [*texts, report]:
        words = [t.text for t in analysis.analyze(text, remove_stops=False)]
        term_sets = [frozenset(words[i : i + size]) for size in (1, 2, 5) for i in (0, 7, 40)]
        term_sets += [
            frozenset({"russia", "kremlin", "cyberattack", "attack", "us", "spi", "zzz"}),
            frozenset({"quillfeath"}),
            frozenset({"navaļni", "navalni", "die"}),  # an accent, and a stem of another start
            frozenset({"cyberattack"}),  # found only hyphenated: everything is scanned
            frozenset(),
        ]
        for terms in term_sets:
            scan = Scan(text, near=terms)
            windowed += len(scan._tokens) < len(Scan(text)._tokens)
            assert SNIPPETS.snippet_at(scan, terms) == SNIPPETS.snippet_at(Scan(text), terms)
            checked += 1
    assert checked > 100 and windowed > 10


def test_feedback_rescoring_on_posting_blocks_matches_whoosh(engine: SearchEngine):
    searcher = engine.view().searcher
    extra = query.Or(
        [
            query.Term("body", "russia", boost=0.7),
            query.Term("body", "poison", boost=0.4),
            query.Term("body", "spi", boost=1.3),
            query.Term("body", "zzzunknown", boost=2.0),
        ],
        boost=0.9,
    )
    everything = sorted(searcher.document_number(id=i) for i in _ids(engine))
    for docnums in (everything, everything[::2], everything[-1:], []):
        fast = vectorized.scores_for(searcher, extra, docnums)
        slow = whoosh_engine._scores_for(searcher, extra, docnums)
        assert fast.keys() == slow.keys()
        assert list(fast.values()) == pytest.approx(list(slow.values()), rel=1e-12)


def _ids(engine: SearchEngine) -> list[str]:
    return [fields["id"] for fields in engine.view().searcher.all_stored_fields()]


@pytest.mark.parametrize("sort", ["relevance", "newest"])
@pytest.mark.parametrize("use_vectorized", [True, False])
def test_a_search_past_its_time_limit_says_so(fixture_index: Path, sort, use_vectorized):
    """A time limit of zero stops every search at its first check: an answer, flagged, with
    no wrong hits (only the ones found by then: here none)."""
    engine = SearchEngine(fixture_index, vectorized=use_vectorized, time_limit=0)
    relaxed = SearchEngine(fixture_index, vectorized=use_vectorized)
    try:
        stopped = engine.search("russia OR spies", sort=sort)
        full = relaxed.search("russia OR spies", sort=sort)
        assert stopped.timed_out and not full.timed_out
        assert full.total > 0 and stopped.total < full.total
        assert {h.id for h in stopped.hits} <= {h.id for h in full.hits}
        assert stopped.to_dict(lambda hit: "")["timed_out"] is True
        # No spelling retry once out of time (it would take longer still).
        assert engine.search("kremlim").corrected is False
    finally:
        engine.close()
        relaxed.close()


def test_time_limit_keeps_finished_segments(index_dir: Path, corpus_dir: Path, monkeypatch):
    """Segments searched before the deadline keep their hits; later ones are skipped."""
    (corpus_dir / "extra.txt").write_text("Extra\n\nRussian hackers hit the GRU archive.\n")
    reindex(corpus_dir, index_dir)
    engine = SearchEngine(index_dir)
    try:
        searcher = engine.view().searcher
        segments = list(searcher.leaf_searchers())
        assert len(segments) > 1
        q = search.build_query("russian", engine.view())
        all_ids, _scores, timed_out = vectorized.evaluate(searcher, to_whoosh(q.scored))
        assert not timed_out
        # The deadline passes once the first segment is done.
        checks = {"n": 0}
        first_segment = segments[0][0]

        real_run = vectorized.Evaluator.run

        def run(self, q):
            if self.segment is not first_segment:
                checks["n"] += 1
                raise vectorized.Expired
            return real_run(self, q)

        monkeypatch.setattr(vectorized.Evaluator, "run", run)
        ids, _scores, timed_out = vectorized.evaluate(searcher, to_whoosh(q.scored), deadline=1e18)
        assert timed_out and checks["n"] == 1
        end = segments[0][1] + first_segment.reader().doc_count_all()
        assert list(ids) == [i for i in all_ids if i < end]
    finally:
        engine.close()


def test_web_page_and_api_show_a_timed_out_search(app, client):
    app.extensions["searchapp"].time_limit = 0
    page = client.get("/search?q=russia")
    assert page.status_code == 200
    assert b"took too long and was stopped" in page.data
    data = client.get("/api/search?q=russia").get_json()
    assert data["timed_out"] is True
    app.extensions["searchapp"].time_limit = search.SEARCH_TIME_LIMIT
    assert client.get("/api/search?q=russia").get_json()["timed_out"] is False
    assert b"took too long" not in client.get("/search?q=russia").data
