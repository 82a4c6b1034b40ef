from __future__ import annotations

import re
import tracemalloc
from pathlib import Path

import pytest
from whoosh import query as whoosh_query

from searchapp.engines import query
from searchapp.errors import NotFound, QueryError
from searchapp.reindex import reindex
from searchapp.search import (
    MAX_EXPANSIONS,
    MAX_QUERY_LENGTH,
    Ranking,
    SearchEngine,
    build_query,
    expansion,
    suggestions,
)

# Every test on the Whoosh engine and again on Xapian (conftest.py).
pytestmark = pytest.mark.both_engines

SKRIPAL = "000_9025636b6e3d722b"
SPIES = "003_c6a6930e540fe979"
REPORT = "004_dea59cc362fdbe69"


def ids(engine: SearchEngine, q: str, **kwargs) -> list[str]:
    return [hit.id for hit in engine.search(q, **kwargs).hits]


def marked(snippet: str) -> list[str]:
    return re.findall(r"<mark>(.*?)</mark>", snippet)


# -- ranking on the real seeds -------------------------------------------------------------


@pytest.mark.parametrize(
    ("q", "first"),
    [
        ("Skripal poisoning", SKRIPAL),
        ("Navalny", SKRIPAL),
        ("spies networking sites", SPIES),
        ("LinkedIn fake accounts", SPIES),
        ("cyber criminals organised crime", REPORT),
        ("Brexit referendum interference", REPORT),
        ("Novichok Salisbury GRU", SKRIPAL),
    ],
)
def test_seed_queries_rank_the_right_article_first(seeds_engine, q, first):
    assert ids(seeds_engine, q)[0] == first


def test_title_match_outranks_body_only_match(seeds_engine):
    # "spies" is in the 003 headline; 000 only says "spy"/"spying" in its body.
    assert ids(seeds_engine, "spies")[0] == SPIES


def test_all_words_rank_first_but_missing_word_still_finds(engine):
    # Only nerve-agent has both words; recruitment has "spies" alone.
    result = ids(engine, "spies novichok")
    assert result[0] == "nerve-agent"
    assert "recruitment" in result
    # A word that is in no document does not empty the result list.
    assert ids(engine, "novichok xylophonic") == ["nerve-agent"]


def test_and_fallback_operator_requires_all_words_then_falls_back(fixture_index):
    engine = SearchEngine(fixture_index, Ranking(operator="and_fallback"))
    try:
        assert ids(engine, "spies novichok") == ["nerve-agent"]
        assert ids(engine, "novichok xylophonic") == ["nerve-agent"]
    finally:
        engine.close()


# -- analysis through the whole path ---------------------------------------------------------


@pytest.mark.parametrize("q", ["poisoned", "poisoning", "poison"])
def test_stem_variants_find_each_other(engine, q):
    assert {"nerve-agent", "poisoning-inquiry"} <= set(ids(engine, q))


@pytest.mark.parametrize("q", ["spy", "spies", "spying"])
def test_spy_variants_find_each_other(engine, q):
    assert {"nerve-agent", "recruitment"} <= set(ids(engine, q))


@pytest.mark.parametrize(
    "q", ["cyber criminal", '"cyber criminal"', "cyber-criminal", "cybercriminal"]
)
def test_hyphenated_compound_found_every_way(engine, q):
    assert ids(engine, q)[0] == "ransomware"


@pytest.mark.parametrize("q", ["MI5", "mi5", "GCHQ", "GRU", "Kremlin’s", "kremlin", "KREMLIN"])
def test_acronyms_possessives_and_case(engine, q):
    assert ids(engine, q)


# -- query syntax ----------------------------------------------------------------------------


def test_boolean_operators(engine):
    assert set(ids(engine, "kremlin AND poisoning")) == {"poisoning-inquiry"}
    assert set(ids(engine, "ransomware OR referendum")) == {"ransomware", "election"}
    assert "recruitment" not in ids(engine, "kremlin NOT recruiters")
    # Quoted: the word only, not its synonyms (Russia, Russian…).
    assert set(ids(engine, '"kremlin" NOT recruiters')) == {"poisoning-inquiry"}


def test_not_excludes_inside_an_or_group(engine):
    # OrGroup alone would turn this into "spies OR (NOT mi5)", excluding nothing.
    result = ids(engine, "spies NOT MI5")
    assert "nerve-agent" in result
    with_mi5 = set(ids(engine, "spies")) & set(ids(engine, "MI5", per_page=100))
    assert with_mi5 and set(ids(engine, "spies")) - set(result) == with_mi5
    everything = set(ids(engine, "*", per_page=100))
    assert set(ids(engine, "NOT kremlin", per_page=100)) == everything - {
        "recruitment",
        "poisoning-inquiry",
    }


def test_exact_phrase_needs_adjacent_words(engine):
    assert ids(engine, '"nerve agent"') == ["nerve-agent"]
    assert ids(engine, '"agent nerve"') == []


def test_phrase_across_a_stopword(engine):
    # Stopwords take no position, so the phrase matches across "and" as typed or left out.
    assert ids(engine, '"intelligence and security committee"') == ["election"]
    assert ids(engine, '"intelligence security"') == ["election"]
    assert ids(engine, '"security intelligence"') == []


def test_field_query(engine):
    assert set(ids(engine, "title:spies")) == {"recruitment", "nerve-agent"}  # "spy" in title
    # Bodies only (quoted: the word itself, no synonyms).
    assert set(ids(engine, '"kremlin"')) == {"recruitment", "poisoning-inquiry"}
    assert ids(engine, "title:kremlin") == []
    assert set(ids(engine, "title:(inquiry OR election)")) == {"poisoning-inquiry", "election"}


def test_title_made_from_first_sentence_is_shown_but_not_searched_as_title(engine):
    # ransomware.txt has no headline: its title is its first sentence, which the body keeps.
    assert ids(engine, "title:tuesday") == []
    hit = engine.search("tuesday").hits[0]
    assert hit.id == "ransomware"
    assert hit.title.startswith("The National Cyber Security Centre warned on Tuesday")
    assert "<mark>Tuesday</mark>" in hit.title_html


def test_field_names_are_case_insensitive(engine):
    assert ids(engine, "Title:spies") == ids(engine, "TITLE:spies") == ids(engine, "title:spies")
    assert ids(engine, '"Title:spies"') != ids(engine, "title:spies")  # quoted: plain words


def test_id_field_query(engine):
    assert ids(engine, "id:ransomware") == ["ransomware"]


def test_prefix_matches_unstemmed_words(engine):
    # "spy*" must find "spying" although the index holds the stem "spi".
    assert set(ids(engine, "spy*")) == {"nerve-agent", "recruitment"}
    assert ids(engine, "ransom*") == ["ransomware"]


def test_wildcard_and_fuzzy(engine):
    assert ids(engine, "n?vichok") == ["nerve-agent"]
    assert ids(engine, "novichock~") == ["nerve-agent"]
    assert ids(engine, "Skripall~") == ["nerve-agent"]


def test_question_mark_ending_a_word_is_punctuation(engine):
    assert ids(engine, "who poisoned Skripal?")[0] == "nerve-agent"
    assert ids(engine, "skrip?l") == ["nerve-agent"]


def test_term_ranges_are_expanded_and_bounded(engine, monkeypatch):
    assert ids(engine, "title:[saa TO sam]") == ["nerve-agent"]  # salisburi
    monkeypatch.setattr("searchapp.search.expansion.MAX_EXPANSIONS", 5)
    with pytest.raises(QueryError, match=r"'\[a TO z\]' matches more than 5"):
        engine.search("body:[a TO z]")


def test_wildcard_expanding_too_far_is_refused(engine, monkeypatch):
    monkeypatch.setattr("searchapp.search.expansion.MAX_EXPANSIONS", 5)
    with pytest.raises(QueryError, match="matches more than 5 different words"):
        engine.search("*e*")
    assert MAX_EXPANSIONS > 5


@pytest.mark.parametrize(
    "q", ["(((", "AND OR", "title:", ")", '"', '""', "~", "[a TO", "a AND", "NOT"]
)
def test_malformed_syntax_never_raises_anything_but_query_error(engine, q):
    try:
        engine.search(q)
    except QueryError as exc:
        assert exc.status == 400
        assert exc.message


def test_syntax_only_query_gets_a_clear_message(engine):
    with pytest.raises(QueryError, match="no words"):
        engine.search("(((")
    with pytest.raises(QueryError, match="Only very common words"):
        engine.search("the and of")


def test_unknown_field_is_refused_not_searched_as_text(engine):
    with pytest.raises(QueryError, match="Unknown field 'writer'"):
        engine.search("writer:smith")
    # A pasted headline with "word: word" is plain text, as are times and URLs.
    assert ids(engine, "networking sites: MI5")[0] == "recruitment"
    engine.search("10:30")
    engine.search("https://example.com/spies")


@pytest.mark.parametrize(
    ("q", "message"),
    [
        ("", "Missing query"),
        ("   ", "Missing query"),
        (None, "Missing query"),
        ("x" * (MAX_QUERY_LENGTH + 1), "Query too long"),
        ("\x00\x01", "no printable"),
    ],
)
def test_bad_query_text(engine, q, message):
    with pytest.raises(QueryError, match=message):
        engine.search(q)


def test_control_characters_are_ignored(engine):
    assert ids(engine, "novichok\x00") == ["nerve-agent"]


@pytest.mark.parametrize(("page", "per_page"), [(0, 10), (1, 0), (1, 101), (1001, 10), (-1, 10)])
def test_out_of_range_paging(engine, page, per_page):
    with pytest.raises(QueryError):
        engine.search("spies", page=page, per_page=per_page)


def test_paging(engine):
    everything = ids(engine, "kremlin OR spies OR gru OR gchq OR referendum", per_page=100)
    assert len(everything) >= 4
    first = ids(engine, "kremlin OR spies OR gru OR gchq OR referendum", per_page=2)
    second = engine.search("kremlin OR spies OR gru OR gchq OR referendum", page=2, per_page=2)
    assert first + [h.id for h in second.hits] == everything[:4]
    assert second.first_rank == 3
    assert second.total == len(everything)
    beyond = engine.search("kremlin", page=50, per_page=10)
    assert beyond.hits == [] and beyond.total > 0


# -- snippets --------------------------------------------------------------------------------


def test_snippet_marks_stemmed_matches(engine):
    hit = engine.search("poisoned").hits[0]
    assert {w.lower() for w in marked(hit.snippet)} <= {"poisoned", "poisoning", "poison"}
    assert marked(hit.snippet)


def test_snippet_is_short_and_has_up_to_three_fragments(seeds_engine):
    hit = seeds_engine.search("Kremlin Russian MI5 spying").hits[0]
    visible = re.sub(r"<[^>]+>", "", hit.snippet)
    assert 60 <= len(visible) <= 320
    assert 1 <= visible.count("…") <= 4


def test_snippet_shows_each_query_word_where_it_can(seeds_engine):
    # In the Skripal article the two names are paragraphs apart: two fragments, one each.
    hit = seeds_engine.search("Sturgess Navalni").hits[0]
    assert {"Sturgess", "Navalni"} <= set(marked(hit.snippet))
    assert " … " in hit.snippet


def test_snippet_ellipses_only_where_text_is_left_out(engine):
    snippet = engine.search("poisoning inquiry").hits[0].snippet
    assert not snippet.startswith("…")  # the match is in the first sentence
    assert "… …" not in snippet


def test_snippet_escapes_html_in_article_text(engine):
    result = engine.search("payloads")
    hit = result.hits[0]
    assert hit.id == "script-injection"
    assert "<script>" not in hit.snippet and "<script>" not in hit.title_html
    assert "&lt;script&gt;" in hit.snippet
    assert "&amp;" in hit.snippet
    assert re.sub(r"</?mark>", "", hit.snippet).count("<") == 0


def test_snippet_without_body_match_falls_back_to_leading_text(engine):
    hit = engine.search("title:inquiry").hits[0]
    assert hit.snippet.startswith("A public inquiry")
    assert "<mark>" in hit.title_html


def test_snippet_finds_matches_beyond_32k_characters(tmp_path: Path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    filler = "Routine text about weather and sport. " * 1500  # ~57,000 characters
    (seeds / "long.txt").write_text(f"Long report\n\n{filler}\n\nThe sleeper agent was Zhukov.")
    reindex(seeds, tmp_path / "ix")
    engine = SearchEngine(tmp_path / "ix")
    try:
        assert marked(engine.search("Zhukov").hits[0].snippet) == ["Zhukov"]
    finally:
        engine.close()


# -- did you mean ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("q", "suggestion"),
    [("Navalny", "navalni"), ("Skripall", "skripal"), ("Skripall poisoning", "skripal poisoning")],
)
def test_suggestions_on_seeds(seeds_engine, q, suggestion):
    assert seeds_engine.search(q).suggestion == suggestion


def test_no_suggestion_for_correct_words_or_plain_inflections(seeds_engine):
    for q in ("Skripal poisoning", "poisoned", "spies", "GRU", "title:spies"):
        assert seeds_engine.search(q).suggestion is None, q


def test_query_without_results_runs_the_suggestion(seeds_engine):
    result = seeds_engine.search("Kremlim Skripol")
    assert result.suggestion == "kremlin skripal"
    assert result.corrected and result.shown_query == "kremlin skripal"
    assert result.hits[0].id == SKRIPAL
    exact = seeds_engine.search("Kremlim Skripol", autocorrect=False)
    assert not exact.corrected and exact.total == 0 and exact.suggestion == "kremlin skripal"


def test_suggestion_keeps_the_rest_of_the_query(seeds_engine):
    assert seeds_engine.search('title:spies AND "Skripall"').suggestion == (
        'title:spies AND "skripal"'
    )


# -- articles and searchers ------------------------------------------------------------------


def test_article_view_with_highlighting(engine):
    view = engine.article("nerve-agent", "poisoned")
    assert view.title == "Former spy poisoned with nerve agent in Salisbury"
    assert "<mark>poisoned</mark>" in view.title_html
    assert any("<mark>poison</mark>" in p for p in view.paragraphs_html)
    assert len(view.paragraphs_html) == view.body.count("\n\n") + 1


def test_article_escapes_and_ignores_bad_queries(engine):
    view = engine.article("script-injection", "(((")
    assert "<script>" not in view.title_html + "".join(view.paragraphs_html)


def test_unknown_article(engine):
    with pytest.raises(NotFound):
        engine.article("nope")


def test_one_searcher_per_thread_reused_between_requests(engine):
    first = engine.view()
    engine.search("spies")
    assert engine.view() is first


def test_all_words_bonus_is_part_of_the_query_even_with_not(engine):
    view = engine.view()
    # Without the exact forms' bonus, which wraps the rest (test_exact.py).
    words = Ranking(exact_weight=0, exact_name_weight=0)
    q = build_query("spies novichok", view, words).scored
    assert isinstance(q, query.Or)
    assert any(isinstance(sub, query.And) for sub in q.subqueries)
    q = build_query("spies novichok NOT linkedin", view, words).scored
    assert isinstance(q, query.AndNot)
    assert any(isinstance(sub, query.And) for sub in q.a.subqueries)
    single = build_query("spies", view, words).scored  # title OR body, no bonus
    assert not any(isinstance(sub, query.And) for sub in single.subqueries)


@pytest.mark.whoosh_only
def test_the_engine_reads_index_files_instead_of_mapping_them(engine):
    # Every server thread opens its own readers: mapped, each would count the index again in
    # the server's memory (1.7 GB for a 106 MB index with 8 threads, measured).
    engine.search("spies")
    assert engine._engine._ix.storage.supports_mmap is False


def test_an_open_engine_suggests_words_of_later_reindexes(index_dir, corpus_dir):
    engine = SearchEngine(index_dir)
    assert engine.search("zeppelinn").suggestion is None
    (corpus_dir / "airship.txt").write_text("Zeppelin seen\n\nA zeppelin flew over the base.")
    reindex(corpus_dir, index_dir)
    assert engine.search("zeppelinn").suggestion == "zeppelin"
    reindex(corpus_dir, index_dir, full=True)  # Whoosh: the vocabulary's segments are merged
    assert engine.search("zeppelinn").suggestion == "zeppelin"
    engine.close()


@pytest.mark.whoosh_only
def test_the_vocabulary_in_memory_lets_go_of_deleted_files(index_dir, corpus_dir):
    engine = SearchEngine(index_dir)
    engine.search("zeppelinn")
    (corpus_dir / "airship.txt").write_text("Zeppelin seen\n\nA zeppelin flew over the base.")
    reindex(corpus_dir, index_dir)
    engine.search("zeppelinn")
    reindex(corpus_dir, index_dir, full=True)  # the vocabulary's old segments are deleted
    assert engine.search("zeppelinn").suggestion == "zeppelin"
    storage = engine._engine._vocabulary_ix.storage
    assert set(storage._contents) <= set(storage.list())  # what was deleted is let go
    engine.close()


@pytest.mark.whoosh_only
def test_the_vocabulary_is_read_once_for_all_threads(tmp_path: Path):
    words = ["".join(chr(97 + (n // 26**k) % 26) for k in range(4)) for n in range(40_000)]
    (tmp_path / "seeds").mkdir()
    (tmp_path / "seeds" / "words.txt").write_text("Word list\n\n" + " ".join(words))
    reindex(tmp_path / "seeds", tmp_path / "index")
    engine = SearchEngine(tmp_path / "index")
    engine.search("word")
    storage = engine._engine._vocabulary_ix.storage
    size = sum(len(data) for data in storage._contents.values())
    tracemalloc.start()
    readers = [engine._engine._vocabulary_ix.reader() for _ in range(5)]
    allocated = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    for reader in readers:
        reader.close()
    engine.close()
    assert allocated < size  # five readers, and not even one copy of the words


def test_suggestions_are_remembered_per_generation(index_dir, corpus_dir, monkeypatch):
    made = []

    def counted(*args):
        made.append(args[0])
        return real(*args)

    real = suggestions.suggest
    monkeypatch.setattr(suggestions, "suggest", counted)
    engine = SearchEngine(index_dir)
    first = engine.search("kremlim spys", per_page=1)
    assert first.corrected and engine.search("kremlim spys", page=2, per_page=1).corrected
    assert made == ["kremlim spys"]  # paging a corrected query corrects it once
    (corpus_dir / "kremlim.txt").write_text("Kremlim\n\nKremlim is a village, not a typo.")
    reindex(corpus_dir, index_dir)
    assert not engine.search("kremlim spys").corrected  # a new generation: asked again
    assert made == ["kremlim spys"] * 2
    engine.forget_queries()
    engine.search("kremlim spys")
    assert len(made) == 3
    engine.close()


@pytest.mark.parametrize("pattern", ["sp?es", "*ing", "s*e*", "[st]py", "n?vichok", "*qzx*"])
@pytest.mark.whoosh_only
def test_wildcards_match_the_words_whooshs_wildcard_matches(engine, pattern):
    engine.search("spies")
    view = engine.view()
    vocabulary = view.vocabulary
    ours = sorted(expansion._Expander(view)._wildcard_matches(pattern))
    whooshs = sorted(
        word.decode()
        for _field, word in whoosh_query.Wildcard("vocab", pattern).expanded_terms(vocabulary)
    )
    assert ours == whooshs
