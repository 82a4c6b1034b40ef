"""The relevance harness (benchmarks/relevance.py) on small synthetic SMART-format files."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from benchmarks import relevance
from searchapp.ingest.readers import parse_article
from searchapp.search import DEFAULT_RANKING, ENGINE_RANKINGS

CRAN_DOCS = """\
.I 1
.T
supersonic flutter of thin swept wings .
.A
smith,j.
.B
j. ae. scs. 25, 1958, 324.
.W
supersonic flutter of thin swept wings .
  the flutter boundaries of thin swept wings were measured in a
wind tunnel at mach numbers from 1.2 to 2.5 .
.I 2
.T
heat conduction in composite slabs .
.A
jones,k.
.B
.W
heat conduction in composite slabs .
  transient heat conduction in a slab made of two layers is solved
for a linear heat input .
.A
a stray tag line, as in cranfield 240 .
.I 3
.T
boundary layer transition on a flat plate .
.A
.B
.W
boundary layer transition on a flat plate .
  transition of the laminar boundary layer on a flat plate was observed
at low speeds .
.I 4
.T
heat transfer in laminar separated flow .
.A
.B
.W
heat transfer in laminar separated flow .
  the rate of heat transfer to a separated laminar region is calculated
for several prandtl numbers .
.I 5
.T
buckling of cylindrical shells under axial compression .
.A
.B
.W
buckling of cylindrical shells under axial compression .
  initial imperfections lower the buckling load of thin cylindrical shells .
"""

# Numbered with gaps like cran.qry: the judgments number them 1, 2, 3 by position.
CRAN_QUERIES = """\
.I 001
.W
supersonic flutter of thin swept wings
.I 002
.W
what is the
.I 004
.W
what problems of heat conduction in
composite slabs have been solved so far .
.I 008
.W
what was it about
"""

CRAN_QRELS = """\
1 1 1
1 2 -1
2 3 2
3 2 1
3 4 4
3 5 -1
"""


def write_cran(root: Path) -> Path:
    folder = root / "cran"
    folder.mkdir(parents=True)
    (folder / "cran.all.1400").write_text(CRAN_DOCS)
    (folder / "cran.qry").write_text(CRAN_QUERIES)
    (folder / "cranqrel").write_text(CRAN_QRELS)
    return root


# -- readers ---------------------------------------------------------------------------------


def test_smart_records_and_stray_tags(tmp_path: Path) -> None:
    docs = relevance.read_documents(write_cran(tmp_path) / "cran" / "cran.all.1400")
    assert [d.id for d in docs] == ["1", "2", "3", "4", "5"]
    assert docs[0].title == "supersonic flutter of thin swept wings ."
    assert docs[0].text.startswith("supersonic flutter of thin swept wings .\n")
    assert "smith" not in docs[0].text  # authors and .B left out
    # A tag repeated inside a record continues the text; the tag line itself is dropped.
    assert docs[1].text.endswith("linear heat input .\na stray tag line, as in cranfield 240 .")


def test_cran_queries_map_by_position(tmp_path: Path) -> None:
    queries = relevance.read_queries(write_cran(tmp_path) / "cran" / "cran.qry", by_position=True)
    assert [(q.id, q.number) for q in queries] == [
        ("1", "001"),
        ("2", "002"),
        ("3", "004"),
        ("4", "008"),
    ]
    # One line, as a user would paste it.
    assert queries[2].text == (
        "what problems of heat conduction in composite slabs have been solved so far ."
    )


def test_cran_qrels_grades_and_not_relevant(tmp_path: Path) -> None:
    qrels = relevance.read_cran_qrels(write_cran(tmp_path) / "cran" / "cranqrel")
    # 1 -> 4, 2 -> 3, 4 -> 1; -1 is not relevant and is not listed.
    assert qrels == {"1": {"1": 4}, "2": {"3": 3}, "3": {"2": 4, "4": 1}}


def test_collection_drops_unjudged_queries(tmp_path: Path) -> None:
    root = write_cran(tmp_path)
    collection = relevance.load_collection(root, relevance.COLLECTIONS["cran"])
    assert [q.number for q in collection.queries] == ["001", "002", "004"]
    assert [q.number for q in collection.unjudged] == ["008"]
    assert set(collection.qrels) == {"1", "2", "3"}
    assert collection.unknown_docs == 0
    # --max-queries takes the first N judged queries.
    first = relevance.load_collection(root, relevance.COLLECTIONS["cran"], max_queries=2)
    assert [q.id for q in first.queries] == ["1", "2"]
    assert set(first.qrels) == {"1", "2"}


def test_cisi_records_and_qrels(tmp_path: Path) -> None:
    (tmp_path / "CISI.ALL").write_text(
        ".I 1\n.T \nUse Made of Technical Libraries\n.A \nSlater, M.\n.A\nOther, B.\n"
        ".W\n   This report is an analysis of use\nin technical libraries.\n"
        ".X\n1\t5\t1\n92\t1\t1\n"
    )
    (tmp_path / "CISI.QRY").write_text(
        ".I 1\n.W\nWhat problems are there in\nmaking up descriptive titles?\n"
        ".I 2\n.T\nA Paper Title\n.A\nAvram, H.D.\n.W\n    Networking is reviewed.\n"
        ".B\n(JASIS, Vol. 31)\n"
    )
    (tmp_path / "CISI.REL").write_text(
        "     1     28\t0\t0.000000\n     1     35\t0\t0.000000\n     1     35\t0\t0.000000\n"
    )
    [doc] = relevance.read_documents(tmp_path / "CISI.ALL")
    assert doc.title == "Use Made of Technical Libraries"
    assert doc.text == "This report is an analysis of use\nin technical libraries."
    queries = relevance.read_queries(tmp_path / "CISI.QRY")
    assert [q.text for q in queries] == [
        "What problems are there in making up descriptive titles?",
        "Networking is reviewed.",  # the .W statement, not the paper's title
    ]
    assert relevance.read_cisi_qrels(tmp_path / "CISI.REL") == {"1": {"28": 1, "35": 1}}


def test_med_qrels_and_untitled_documents(tmp_path: Path) -> None:
    (tmp_path / "MED.REL").write_text("1 0 13 1\n1 0 14 1\n2 0 80 1\n")
    assert relevance.read_med_qrels(tmp_path / "MED.REL") == {
        "1": {"13": 1, "14": 1},
        "2": {"80": 1},
    }
    (tmp_path / "MED.ALL").write_text(
        ".I 1\n.W\ncorrelation between maternal and fetal plasma levels of glucose .   \n"
        "  correlation coefficients have been determined .\n"
    )
    [doc] = relevance.read_documents(tmp_path / "MED.ALL")
    assert doc.title == ""
    assert doc.file_text() == doc.text + "\n"


def test_document_file_gives_searchapp_the_title() -> None:
    doc = relevance.Document("7", "heat conduction in composite slabs .", "the text .")
    assert doc.file_text() == "heat conduction in composite slabs\n\nthe text .\n"
    article = parse_article(doc.file_text().encode(), "7", "7.txt")
    assert article.title == "heat conduction in composite slabs"
    assert article.body == "the text ."


def test_configs_vary_one_setting_at_a_time() -> None:
    configs = relevance.expand_configs({"k1": [0.9, DEFAULT_RANKING.k1], "stemmer": ["porter"]})
    labels = [c.label for c in configs]
    # The default k1 is not run twice.
    assert labels == ["baseline", "searchapp", "k1=0.9", "stemmer=porter"]
    k1 = configs[2]
    assert k1.ranking == replace(DEFAULT_RANKING, k1=0.9)
    assert k1.analysis_key == ("snowball", "ours", "whoosh")
    assert configs[3].ranking == DEFAULT_RANKING
    assert configs[3].analysis_key == ("porter", "ours", "whoosh")
    assert configs[0].ranking is None


def test_configs_run_once_per_engine() -> None:
    configs = relevance.expand_configs({"b": [0.5]}, engines=["whoosh", "xapian"])
    assert [(c.label, c.engine) for c in configs] == [
        ("baseline", "whoosh"),
        ("searchapp", "whoosh"),
        ("b=0.5", "whoosh"),
        ("searchapp@xapian", "xapian"),
        ("b=0.5@xapian", "xapian"),
    ]
    # On Xapian: Xapian's defaults, with the same setting changed.
    assert configs[3].ranking == ENGINE_RANKINGS["xapian"]
    assert configs[4].ranking == replace(ENGINE_RANKINGS["xapian"], b=0.5)
    assert configs[4].analysis_key == ("snowball", "ours", "xapian")
    xapian_only = relevance.expand_configs({}, engines=["xapian"], baseline=False)
    assert [c.label for c in xapian_only] == ["searchapp@xapian"]


def test_configs_grid_crosses_every_value() -> None:
    configs = relevance.expand_configs(
        {"k1": [0.9, 2.0], "b": [0.5, 0.9]}, grid=True, baseline=False
    )
    assert [c.label for c in configs] == [
        "searchapp",
        "k1=0.9 b=0.5",
        "k1=0.9 b=0.9",
        "k1=2 b=0.5",
        "k1=2 b=0.9",
    ]


def test_keywords_keep_the_most_specific_words_in_query_order() -> None:
    docs = [
        relevance.Document("1", "", "flutter of swept wings at supersonic speed"),
        relevance.Document("2", "", "wings and speed of aircraft"),
        relevance.Document("3", "", "speed of heated aircraft wings"),
    ]
    frequency = relevance.document_frequencies(docs)
    assert frequency["wings"] == 3 and frequency["of"] == 0  # stopwords are not counted
    text = "what is known about the Flutter of swept wings at high speed on heated aircraft"
    # flutter, swept, heated occur once each; "high" and "known" occur nowhere.
    assert relevance.keywords(text, frequency) == "Flutter swept heated"


def test_analysis_variant_is_undone_after_the_run() -> None:
    from searchapp.text import analysis

    before = [t.text for t in analysis.analyze("the organizing committees")]
    with analysis.variant("lancaster", frozenset()):
        assert [t.text for t in analysis.analyze("the organizing committees")] == [
            "the",
            "org",
            "commit",
        ]
    assert [t.text for t in analysis.analyze("the organizing committees")] == before


# -- end to end ------------------------------------------------------------------------------


def test_main_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write_cran(tmp_path / "collections")
    out = tmp_path / "out.json"
    code = relevance.main(
        ["--collections", str(root), "--only", "cran", "--operator", "and_fallback"]
        + ["--json", str(out)]
    )
    assert code == 0

    report = json.loads(out.read_text())["collections"]["cran"]
    assert report["queries"] == ["1", "2", "3"]
    assert report["unjudged_queries"] == ["4"]
    configs = report["configs"]
    assert set(configs) == {"baseline", "searchapp", "operator=and_fallback"}
    for kinds in configs.values():
        assert set(kinds) == {"questions", "keywords"}
        for result in kinds.values():
            assert not result["crashes"]
            for value in [*result["mean"].values()] + [
                v for per_query in result["per_query"].values() for v in per_query.values()
            ]:
                assert 0.0 <= value <= 1.0
    # The only relevant document of query 1 is its exact match.
    ours = configs["searchapp"]["questions"]
    assert ours["per_query"]["1"]["nDCG@10"] == 1.0
    # Only stopwords: QueryError, counted as no hits, not as a crash.
    assert set(ours["query_errors"]) == {"2"}
    assert ours["per_query"]["2"] == dict.fromkeys(relevance.MEASURE_NAMES, 0.0)
    assert report["keyword_queries"]["3"] == "conduction composite slabs"
    assert configs["baseline"]["questions"]["p_value_vs_baseline"] is None
    assert 0.0 <= configs["searchapp"]["questions"]["p_value_vs_baseline"] <= 1.0

    printed = capsys.readouterr().out
    assert "searchapp" in printed and "operator=and_fallback" in printed
    assert "1 left out for lack of judgments" in printed
    assert "1 queries raised QueryError" in printed


def test_paired_p_value_against_the_baseline() -> None:
    baseline = {str(q): {"nDCG@10": 0.2 + 0.01 * (q % 3)} for q in range(20)}
    assert relevance.paired_p_value(baseline, baseline) == 1.0
    better = {q: {"nDCG@10": v["nDCG@10"] + 0.3 + 0.01 * (int(q) % 2)} for q, v in baseline.items()}
    assert relevance.paired_p_value(better, baseline) < 0.001
    noisy = {
        q: {"nDCG@10": v["nDCG@10"] + (0.1 if int(q) % 2 else -0.1)} for q, v in baseline.items()
    }
    assert relevance.paired_p_value(noisy, baseline) > 0.5
