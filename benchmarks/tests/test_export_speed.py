"""The export benchmark (benchmarks/export_speed.py), end to end on the fixture index."""

from __future__ import annotations

from pathlib import Path

from benchmarks import export_speed


def test_every_export_is_measured(fixture_index: Path) -> None:
    result = export_speed.run(fixture_index)
    assert result["documents"] > 0
    assert set(result["exports"]) == {*export_speed.EXPORTS, "broad, a tenth, csv (again)"}
    for measured in result["exports"].values():
        assert measured["rows"] >= 0 and measured["rows_per_s"] >= 0
        assert {"rss_growth_mb", "search_peak_mb", "stream_peak_mb"} <= set(measured)
    assert "articles: /api/search/export" in export_speed.format_result(result)


def test_rss_is_read_from_proc() -> None:
    with export_speed.RssSampler() as rss:
        pass
    assert rss.peak >= rss.start > 0
