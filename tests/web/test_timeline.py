"""The timeline on the results page, in the JSON API and on the entity page: one SVG bar per
month with hits, each a link that filters the search to its month; no script, no inline
style, everything escaped; and its layout (searchapp/web/timeline.py) for few and many months."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from urllib.parse import parse_qs, urlsplit

import pytest

from searchapp.search import Histogram, MonthCount
from searchapp.search.timeline import histogram
from searchapp.web.timeline import MAX_STEP, MAX_WIDTH, MONTH_LABEL, PLOT_HEIGHT, YEAR_LABEL, chart

# Every test on the Whoosh engine and again on Xapian (conftest.py); the layout's once.
both_engines = pytest.mark.both_engines

SVG = re.compile(r'<svg class="histogram".*?</svg>', re.DOTALL)


def page_svg(html: str) -> ET.Element:
    """The page's one timeline, parsed as XML (so it is well formed, and escaped)."""
    found = SVG.findall(html)
    assert len(found) == 1, found
    return ET.fromstring(found[0])


def links(svg: ET.Element) -> list[ET.Element]:
    return svg.findall("a")


def api_of(href: str) -> str:
    assert href.startswith("/search?")
    return "/api" + href


@both_engines
def test_the_api_gives_the_histogram_over_all_hits(client):
    data = client.get("/api/search", query_string={"tag": "Russia", "per_page": 1}).get_json()
    h = data["histogram"]
    assert list(h) == ["months", "undated", "total"]
    assert len(data["results"]) == 1 < data["total"]  # a page of one, a histogram of all
    assert sum(m["count"] for m in h["months"]) + h["undated"] == h["total"] == data["total"]
    months = [m["month"] for m in h["months"]]
    assert months == sorted(months) and any(m["count"] == 0 for m in h["months"])
    assert h["months"][0]["count"] and h["months"][-1]["count"]


@both_engines
@pytest.mark.parametrize(
    "params",
    [{"tag": "Russia"}, {"q": "spy"}, {"q": "russia OR election OR spy", "sort": "newest"}],
)
def test_one_link_per_month_with_hits_filtering_to_that_month(client, params):
    h = client.get("/api/search", query_string=params).get_json()["histogram"]
    response = client.get("/search", query_string=params)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    svg = page_svg(html)
    shown = [m for m in h["months"] if m["count"]]
    bars = links(svg)
    assert len(bars) == len(shown) and shown
    assert len(svg.findall(".//rect[@class='bar']")) == len(shown)
    for bar, month in zip(bars, shown, strict=True):
        noun = "hit" if month["count"] == 1 else "hits"
        said = f"{month['month']}: {month['count']} {noun}"
        assert bar.get("aria-label") == said and bar.findtext("title") == said
        href = bar.get("href")
        args = parse_qs(urlsplit(href).query)
        assert args["from"] == args["to"] == [month["month"]]
        assert "page" not in args
        for name, value in params.items():  # the search and its filters are kept
            assert args[name] == [value]
        filtered = client.get(api_of(href)).get_json()
        assert filtered["total"] == month["count"]
        assert [m for m in filtered["histogram"]["months"]] == [month]
        result = "result" if month["count"] == 1 else "results"
        assert f"{month['count']} {result}" in client.get(href).get_data(as_text=True)
    if h["undated"]:
        assert f"{h['undated']} hit{'s' if h['undated'] > 1 else ''} without a date" in html


@both_engines
def test_a_month_already_chosen_is_replaced_by_the_bar_clicked(client):
    html = client.get("/search?tag=Russia&from=2016&to=2018&page=1").get_data(as_text=True)
    for bar in links(page_svg(html)):
        args = parse_qs(urlsplit(bar.get("href")).query)
        assert len(args["from"]) == len(args["to"]) == 1 and args["from"] == args["to"]


@both_engines
def test_the_page_runs_no_script_and_has_no_inline_style(client):
    response = client.get("/search", query_string={"tag": "Russia"})
    html = response.get_data(as_text=True)
    assert "<svg" in html
    assert "<script" not in html.lower()
    assert not re.search(r"\sstyle\s*=", html, re.IGNORECASE)
    assert not re.search(r"\son[a-z]+\s*=", html, re.IGNORECASE)
    assert "javascript:" not in html.lower()
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "style-src 'self'" in policy
    assert "unsafe-inline" not in policy and "script-src" not in policy


@both_engines
def test_the_chart_escapes_the_query(client):
    typed = "spy </svg><script>alert('x')</script> & <title>\""
    response = client.get("/search", query_string={"q": typed})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<script>" not in html
    svg = page_svg(html)  # well formed: nothing typed closed it or opened an element
    assert {child.tag for child in svg} <= {"line", "a", "text"}
    bars = links(svg)
    assert bars
    for bar in bars:
        assert parse_qs(urlsplit(bar.get("href")).query)["q"] == [typed]
        assert [child.tag for child in bar] == ["title", "rect", "rect"]


@both_engines
def test_no_dated_hit_no_chart(client):
    data = client.get("/api/search", query_string={"q": "poisoned"}).get_json()
    assert data["histogram"]["months"] == [] and data["histogram"]["undated"] == data["total"]
    html = client.get("/search", query_string={"q": "poisoned"}).get_data(as_text=True)
    assert "<svg" not in html
    assert f"{data['total']} hits without a date" in html


@both_engines
def test_the_entity_page_reuses_the_timeline(client):
    data = client.get("/api/entity/org/GRU").get_json()
    html = client.get("/entity/org/GRU").get_data(as_text=True)
    svg = page_svg(html)
    assert svg.get("aria-label").startswith("Articles per month")
    dated = [m for m in data["months"] if m["month"]]
    bars = links(svg)
    assert len(bars) == len(dated) and dated
    for bar, month in zip(bars, dated, strict=True):
        noun = "article" if month["articles"] == 1 else "articles"
        assert bar.get("aria-label") == f"{month['month']}: {month['articles']} {noun}"
        args = parse_qs(urlsplit(bar.get("href")).query)
        assert args == {"entity": ["org:GRU"], "from": [month["month"]], "to": [month["month"]]}
        assert client.get(api_of(bar.get("href"))).get_json()["total"] == month["articles"]
    undated = sum(m["articles"] for m in data["months"] if not m["month"])
    if undated:
        assert f"{undated} article{'s' if undated > 1 else ''} without a date" in html


# -- the layout ----------------------------------------------------------------------------


def _spread(months: dict[str, int]) -> Histogram:
    return histogram(months)


def test_few_months_are_wide_bars_labelled_by_month():
    drawn = chart(_spread({"2017-01": 2, "2017-04": 1, "2017-12": 4}))
    assert [b.month for b in drawn.bars] == ["2017-01", "2017-04", "2017-12"]  # no empty bars
    assert {b.slot_width for b in drawn.bars} == {MAX_STEP}
    assert drawn.bars[2].height == PLOT_HEIGHT and drawn.bars[1].height == PLOT_HEIGHT // 4
    assert all(b.y + b.height == drawn.baseline for b in drawn.bars)
    assert [t.label for t in drawn.ticks] == ["2017-01", "2017-05", "2017-09"]
    assert all(t.x + MONTH_LABEL <= drawn.width for t in drawn.ticks)


def test_one_month_has_room_for_its_label():
    drawn = chart(_spread({"2018-09": 1}))
    assert len(drawn.bars) == 1 and drawn.width >= MONTH_LABEL
    assert [t.label for t in drawn.ticks] == ["2018-09"]
    assert chart(Histogram((), 3)).bars == ()


def test_a_small_month_is_still_drawn_and_as_easy_to_click():
    drawn = chart(_spread({"2017-01": 1000, "2017-02": 1}))
    assert drawn.bars[1].height == 1
    assert drawn.bars[0].slot_width == drawn.bars[1].slot_width


@pytest.mark.parametrize("years", [2, 20, 60, 120])
def test_many_months_fit_with_narrow_bars_and_some_years_labelled(years):
    counts = {f"{2000 + y:04d}-{m:02d}": 1 + (y * m) % 7 for y in range(years) for m in (1, 7)}
    drawn = chart(_spread(counts))
    assert drawn.width <= MAX_WIDTH + 2
    assert len(drawn.bars) == len(counts)
    labels = [t.label for t in drawn.ticks]
    assert all(re.fullmatch(r"[0-9]{4}", label) for label in labels)
    assert 2 <= len(labels) <= 20
    xs = [t.x for t in drawn.ticks]
    assert all(b - a >= YEAR_LABEL for a, b in zip(xs, xs[1:], strict=False))
    assert all(b.x + b.width <= drawn.width for b in drawn.bars)


def test_twenty_years_render_as_one_link_per_month_with_hits(app):
    counts = {f"{2000 + y:04d}-{m:02d}": 3 for y in range(20) for m in range(1, 13, 2)}
    h = _spread(counts)
    assert len(h.months) == 239
    with app.test_request_context():
        macro = app.jinja_env.get_template("_timeline.html").module.timeline
        html = str(macro(h, "/search?q=spy"))
    svg = page_svg(html)
    assert len(links(svg)) == len(counts)
    assert float(svg.get("width")) <= MAX_WIDTH + 2
    assert [t.text for t in svg.findall("text")] == [str(y) for y in range(2000, 2020, 2)]
    assert "/search?q=spy&amp;from=2000-01&amp;to=2000-01" in html  # the href escaped


def test_no_links_without_an_address(app):
    with app.test_request_context():
        macro = app.jinja_env.get_template("_timeline.html").module.timeline
        html = str(macro(Histogram((MonthCount("2017-05", 2),), 1), label="Things <b>"))
    svg = page_svg(html)
    assert links(svg) == [] and svg.find("g/title").text == "2017-05: 2 hits"
    assert svg.get("aria-label") == "Things <b>, 2017-05 to 2017-05"
    assert "Things &lt;b&gt;" in html and "1 hit without a date" in html
