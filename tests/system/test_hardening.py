"""Hostile input at the web layer: generated queries and parameters, injection attempts in
article fields and in requests, traversal attempts, rate and size limits, response headers,
and what `serve` listens on."""

from __future__ import annotations

import http.client
import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from flask import Flask
from hypothesis import given
from hypothesis import strategies as st

from searchapp import cli
from searchapp.errors import ConfigError
from searchapp.reindex import reindex
from searchapp.search import MAX_QUERY_LENGTH
from searchapp.web import MAX_CONTENT_LENGTH, SECURITY_HEADERS, create_app
from tests.conftest import serve_in_thread

PROJECT = Path(__file__).resolve().parents[2]
TRACEBACK = re.compile(r"Traceback|File \"/|searchapp/\w+\.py")

# Query syntax, and the queries that break parsers.
SYNTAX = ["*", "?", "~", '"', "'", "(", ")", "[", "]", "{", "}", ":", "^", "\\", "/", "-", "+"]
SYNTAX += ["AND", "OR", "NOT", "TO", "ANDNOT", "ANDMAYBE", " ", "title:", "date:", "nosuch:"]
CLASSICS = [
    "*",
    "?",
    "~",
    '""',
    '"',
    '"unclosed phrase',
    "((((",
    "))))",
    "NOT",
    "NOT NOT",
    "spy NOT",
    "AND OR",
    "nosuchfield:spy",
    "title:",
    "[a TO",
    "date:[x TO y]",
    "date:[2017-13-45 TO 2018]",
    "date:[2018 TO 2017]",
    "date:{ TO }",
    "spy~99",
    "spy^99999999999999999999",
    "x" * 10_000,
    "spy\x00agent",
    "\x00",
    "\u202eﻻ \u05e9\u05dc\u05d5\u05dd",
    "🕵️‍♀️ spy 💣",
    "*a*",
    "?*",
    "a" + "?" * 50,
    "*" * 300,
    "%s%s%n",
    "{{7*7}}",
    "' OR 1=1 --",
]


def _is_json_error(response) -> bool:
    data = response.get_json()
    return list(data) == ["error"] and isinstance(data["error"], str) and data["error"]


def _check_api(response) -> None:
    assert response.status_code in (200, 400), response.get_data(as_text=True)[:300]
    assert response.is_json
    if response.status_code == 400:
        assert _is_json_error(response)
    assert not TRACEBACK.search(response.get_data(as_text=True))


def _check_page(response) -> None:
    assert response.status_code in (200, 400)
    html = response.get_data(as_text=True)
    assert response.content_type.startswith("text/html")
    assert html.rstrip().endswith("</html>")
    assert not TRACEBACK.search(html)


@pytest.mark.parametrize("q", CLASSICS)
def test_classic_bad_queries_get_an_answer_or_a_clear_400(client, q):
    api = client.get("/api/search", query_string={"q": q})
    _check_api(api)
    _check_page(client.get("/search", query_string={"q": q}))


def test_search_box_takes_as_much_as_the_search_accepts(client):
    assert f'maxlength="{MAX_QUERY_LENGTH}"' in client.get("/").get_data(as_text=True)


def test_overlong_queries_are_refused_with_the_limit(client):
    response = client.get("/api/search", query_string={"q": "x" * 10_000})
    assert response.status_code == 400
    assert str(MAX_QUERY_LENGTH) in response.get_json()["error"]


@pytest.mark.parametrize("q", ["*", "?*", "*e*", "s*", "title:*"])
def test_wildcards_over_the_whole_vocabulary_are_refused(client, monkeypatch, q):
    # The fixture index is small; at this bound each pattern matches too many words.
    monkeypatch.setattr("searchapp.search.expansion.MAX_EXPANSIONS", 5)
    response = client.get("/api/search", query_string={"q": q})
    assert response.status_code == 400
    assert response.get_json()["error"] == (
        f"{q.removeprefix('title:')!r} matches more than 5 different words; make it more specific."
    )


@pytest.fixture(scope="module")
def fuzz_client(fixture_index: Path, tmp_path_factory: pytest.TempPathFactory):
    """One client for all the examples of a property (hypothesis reruns the test body, not
    the fixtures)."""
    seeds = tmp_path_factory.mktemp("fuzz-seeds")
    app = create_app({"INDEX_DIR": fixture_index, "SEEDS_DIR": seeds, "RATE_LIMIT": "off"})
    yield app.test_client()
    app.extensions["searchapp"].close()


def test_wildcards_that_would_read_the_whole_vocabulary_are_refused(client, monkeypatch):
    # With the fixture's small vocabulary, a bound of 20 words plays the part of 200,000.
    monkeypatch.setattr("searchapp.search.expansion.MAX_WILDCARD_SCAN", 20)
    response = client.get("/api/search", query_string={"q": "*qzx*"})
    assert response.status_code == 400
    assert response.get_json()["error"] == (
        "'*qzx*' would have to read over 20 words; start it with a few letters."
    )
    assert client.get("/api/search", query_string={"q": "sp?es"}).get_json()["total"] > 0


@pytest.mark.parametrize("q", ["*qzx*", "qzx*", "qzxqzx~", "title:qz?x"])
def test_patterns_matching_no_word_find_nothing_rather_than_fail(client, q):
    response = client.get("/api/search", query_string={"q": q})
    assert response.status_code == 200
    assert response.get_json()["total"] == 0


query_text = st.one_of(
    st.text(max_size=MAX_QUERY_LENGTH + 10),
    st.lists(st.one_of(st.sampled_from(SYNTAX), st.text(max_size=8)), max_size=30).map("".join),
)
number_text = st.one_of(
    st.integers(-(10**12), 10**12).map(str),
    st.text(max_size=12),
    st.sampled_from(["", " ", "1.5", "1e3", "0x10", "١", "+1", "-0", "99999999999999999999"]),
)


@given(q=query_text, page=number_text, per_page=number_text)
def test_generated_queries_never_break_the_api_or_the_page(fuzz_client, q, page, per_page):
    params = {"q": q, "page": page, "per_page": per_page}
    _check_api(fuzz_client.get("/api/search", query_string=params))
    _check_page(fuzz_client.get("/search", query_string=params))


filter_values = st.lists(st.text(max_size=30), max_size=4)


@given(
    q=st.text(max_size=40),
    source=filter_values,
    tag=filter_values,
    year=filter_values,
    date_from=st.text(max_size=12),
    sort=st.text(max_size=12),
)
def test_generated_filters_never_break_the_api(fuzz_client, q, source, tag, year, date_from, sort):
    params = {"q": q, "source": source, "tag": tag, "year": year, "from": date_from}
    params["sort"] = sort
    _check_api(fuzz_client.get("/api/search", query_string=params))


def test_an_id_that_is_a_slash_is_not_redirected_to_another_article(client):
    assert client.get("/api/article/%2F/related").status_code == 404
    assert client.get("/article/%2F%2Frecruitment").status_code == 404


@given(article_id=st.text(min_size=1, max_size=300))
def test_generated_article_ids_are_found_or_404(fuzz_client, article_id):
    for path in ("/api/article/{}", "/api/article/{}/related", "/article/{}"):
        response = fuzz_client.get(path.format(http_quote(article_id)))
        assert response.status_code in (200, 404), (path, article_id)
        assert not TRACEBACK.search(response.get_data(as_text=True))


def http_quote(text: str) -> str:
    return quote(text, safe="")


def test_an_empty_index_answers_every_kind_of_query(tmp_path: Path):
    (tmp_path / "empty").mkdir()
    reindex(tmp_path / "empty", tmp_path / "index")
    app = create_app({"INDEX_DIR": tmp_path / "index", "RATE_LIMIT": "off"})
    client = app.test_client()
    for q in ("spy", "spy agent", '"nerve agent"', "spy*", "spy~", "NOT spy", "tag:GRU"):
        response = client.get("/api/search", query_string={"q": q})
        assert response.status_code == 200, q
        assert response.get_json()["total"] == 0, q
        assert client.get("/search", query_string={"q": q}).status_code == 200, q
    assert client.get("/search?tag=GRU").status_code == 200
    assert client.get("/api/health").get_json() == {"status": "ok", "documents": 0}
    assert client.get("/api/article/spy/related").status_code == 404
    app.extensions["searchapp"].close()


# -- injection in article fields and in requests -----------------------------------------------

HOSTILE = '"><img src=x onerror=alert(1)>'


@pytest.fixture(scope="module")
def hostile_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    root = tmp_path_factory.mktemp("hostile")
    seeds = root / "seeds"
    seeds.mkdir()
    record = {
        "id": "x",
        "title": f"Spy story <script>alert(1)</script> {HOSTILE}",
        "text": f"A spy story {HOSTILE} with <script>alert('body')</script> long enough text.",
        "source": HOSTILE,
        "author": "<b>Mallory</b>",
        "url": "javascript:alert(1)",
        "date": "2017-01-02",
    }
    (seeds / "hostile.jsonl").write_text(json.dumps(record) + "\n")
    # Plain text keeps markup as text (the JSON record's is stripped as markup when indexed).
    (seeds / "plain.txt").write_text(
        f"Spy handbook <script>alert(1)</script> {HOSTILE}\n\n"
        f"The spy handbook quotes <script>alert('body')</script> and {HOSTILE} verbatim.\n"
    )
    reindex(seeds, root / "index")
    app = create_app({"INDEX_DIR": root / "index", "SEEDS_DIR": seeds, "RATE_LIMIT": "off"})
    yield app
    app.extensions["searchapp"].close()


def _assert_inert(html: str, where: str) -> None:
    for raw in ("<script", "<img", "<b>Mallory", "javascript:"):
        assert raw not in html, (where, raw)


@pytest.mark.parametrize(
    "path",
    [
        "/search?q=spy",
        "/search?q=spyy+story",  # did you mean, with the hostile text around
        "/article/hostile-x?q=spy",
        "/search?source=" + http_quote(HOSTILE),
        "/search?q=" + http_quote("<script>alert(1)</script>:spy"),
        "/search?q=" + http_quote(f"{HOSTILE}spyy"),
        "/search?q=spy&tag=" + http_quote("<script>alert(1)</script>"),
        "/search?q=spy&from=" + http_quote("<script>"),
        "/search?q=spy&sort=" + http_quote(HOSTILE),
        "/article/" + http_quote("<script>alert(1)</script>"),
        "/" + http_quote("<script>alert(1)</script>"),
    ],
)
def test_hostile_text_is_escaped_in_every_page(hostile_app: Flask, path: str):
    response = hostile_app.test_client().get(path)
    assert response.status_code in (200, 400, 404)
    _assert_inert(response.get_data(as_text=True), path)


def test_hostile_text_reaches_the_page_escaped_not_dropped(hostile_app: Flask):
    html = hostile_app.test_client().get("/search?q=handbook").get_data(as_text=True)
    assert "handbook</mark> &lt;script&gt;alert(1)&lt;/script&gt;" in html  # the title, as text
    html = hostile_app.test_client().get("/search?q=story").get_data(as_text=True)
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in html  # the source facet


def test_api_snippets_are_escaped_html(hostile_app: Flask):
    results = hostile_app.test_client().get("/api/search?q=handbook").get_json()["results"]
    assert "<script" not in results[0]["snippet"] and "<img" not in results[0]["snippet"]
    assert "&lt;script&gt;alert('body')&lt;/script&gt;" in results[0]["snippet"]
    assert results[0]["title"].startswith("Spy handbook <script>")  # plain text, as stored


def test_hostile_query_text_in_json_errors_is_plain_json(client):
    response = client.get("/api/search", query_string={"q": "nosuch:<script>x</script>"})
    assert response.status_code == 400
    assert response.content_type == "application/json"
    page = client.get("/search", query_string={"q": "nosuch:<script>x</script>"})
    assert "Unknown field" in page.get_data(as_text=True)
    _assert_inert(page.get_data(as_text=True), "error message")


# -- paths ---------------------------------------------------------------------------------

TRAVERSALS = [
    "/article/..%2F..%2F..%2Fetc%2Fpasswd",
    "/article/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/api/article/..%2F..%2Fsearchapp%2Fweb.py",
    "/api/article/%2Fetc%2Fpasswd",
    "/api/article/..%252F..%252Fetc%252Fpasswd",
    "/api/article/..%5C..%5Cetc%5Cpasswd",
    "/api/article/searchapp-catalog.sqlite",
    "/api/article/..%2Fsearchapp-schema-version/related",
    "/static/..%2F..%2Fsearchapp%2Fweb.py",
    "/static/%2e%2e/%2e%2e/pyproject.toml",
    "/static//etc/passwd",
    "/static/../../../etc/passwd",
    "/static/..\\..\\pyproject.toml",
]
SECRETS = ("root:", "[project]", "import ", "SQLite format", "Blueprint")


@pytest.mark.parametrize("path", TRAVERSALS)
def test_paths_never_reach_files_outside_the_index(client, path):
    response = client.get(path)
    assert response.status_code in (400, 404)
    body = response.get_data(as_text=True)
    assert not any(secret in body for secret in SECRETS)


def test_id_queries_with_paths_search_ids_only(client):
    response = client.get("/api/search", query_string={"q": "id:../../etc/passwd"})
    assert response.status_code in (200, 400)
    assert "root:" not in response.get_data(as_text=True)


@pytest.fixture
def served(app: Flask) -> Iterator[tuple[str, int]]:
    """The app behind waitress on a loopback port, limits as `searchapp serve` sets them."""
    limits = {
        "max_request_body_size": MAX_CONTENT_LENGTH,
        "max_request_header_size": cli.MAX_REQUEST_HEADER_BYTES,
    }
    with serve_in_thread(app, **limits) as port:
        yield "127.0.0.1", port


def _raw_get(address: tuple[str, int], path: str, body_length: int = 0) -> tuple[int, bytes]:
    """A request sent exactly as written: no client cleans up the path. A body is announced
    but not sent: the server must refuse it on its length alone (sending it would race the
    server closing the connection)."""
    connection = http.client.HTTPConnection(*address, timeout=10)
    try:
        connection.putrequest("POST" if body_length else "GET", path, skip_accept_encoding=True)
        if body_length:
            connection.putheader("Content-Length", str(body_length))
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@pytest.mark.parametrize(
    "path",
    [
        "/static/../../../etc/passwd",
        "/static/../searchapp/web.py",
        "/static/%2e%2e/%2e%2e/pyproject.toml",
        "/article/../../etc/passwd",
        "/api/article/../../../etc/passwd",
        "//etc/passwd",
    ],
)
def test_raw_traversal_paths_over_http_reach_nothing(served, path):
    status, body = _raw_get(served, path)
    assert status in (400, 404), (path, status)
    assert not any(secret.encode() in body for secret in SECRETS)


def test_static_files_are_served_from_their_folder_only(client):
    response = client.get("/static/style.css")
    assert response.status_code == 200 and response.content_type.startswith("text/css")
    assert client.get("/static/base.html").status_code == 404


def test_request_bodies_over_the_limit_are_refused_by_the_server(served):
    status, _ = _raw_get(served, "/api/search?q=spy", body_length=1024 * 1024)
    assert status == 413


def test_request_lines_over_the_limit_are_refused_by_the_server(served):
    status, _ = _raw_get(served, "/api/search?q=" + "x" * (cli.MAX_REQUEST_HEADER_BYTES + 1))
    assert status == 431
    status, body = _raw_get(served, "/api/search?q=" + "x" * 5000)
    assert status == 400 and b"the limit is 2500" in body


# -- rate limit ------------------------------------------------------------------------------


def _limited_app(fixture_index: Path, limit: str) -> Flask:
    return create_app({"TESTING": True, "INDEX_DIR": fixture_index, "RATE_LIMIT": limit})


def test_api_rate_limit_gives_a_clear_429_per_client(fixture_index: Path):
    client = _limited_app(fixture_index, "3/minute").test_client()
    for _ in range(3):
        assert client.get("/api/search?q=spy").status_code == 200
    response = client.get("/api/health")  # one budget over the whole API
    assert response.status_code == 429
    assert response.get_json() == {
        "error": "Too many requests: at most 3 per 1 minute from one client; retry later."
    }
    assert int(response.headers["Retry-After"]) > 0
    assert response.headers["X-RateLimit-Limit"] == "3"
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value
    other = client.get("/api/search?q=spy", environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert other.status_code == 200
    assert client.get("/search?q=spy").status_code == 200  # pages are not limited


def test_rate_limit_off_and_from_the_environment(fixture_index: Path, monkeypatch):
    monkeypatch.setenv("SEARCHAPP_RATE_LIMIT", "2/minute")
    client = create_app({"TESTING": True, "INDEX_DIR": fixture_index}).test_client()
    statuses = [client.get("/api/health").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    client = _limited_app(fixture_index, "off").test_client()
    assert {client.get("/api/health").status_code for _ in range(50)} == {200}


def test_the_default_limit_spares_loopback_clients_only(fixture_index: Path, monkeypatch):
    # A local script running a batch of queries is the user; remote clients keep the limit.
    monkeypatch.delenv("SEARCHAPP_RATE_LIMIT", raising=False)
    client = create_app({"TESTING": True, "INDEX_DIR": fixture_index}).test_client()
    for address in ("127.0.0.1", "::1"):
        local = {client.get("/api/health", environ_base={"REMOTE_ADDR": address}).status_code
                 for _ in range(60)}  # fmt: skip
        assert local == {200}, address
    remote = [
        client.get("/api/health", environ_base={"REMOTE_ADDR": "10.0.0.2"}).status_code
        for _ in range(25)
    ]
    assert remote[:20] == [200] * 20 and remote[-1] == 429


def test_a_configured_limit_holds_for_loopback_too(fixture_index: Path, monkeypatch):
    monkeypatch.setenv("SEARCHAPP_RATE_LIMIT", "5/minute")
    client = create_app({"TESTING": True, "INDEX_DIR": fixture_index}).test_client()
    assert [client.get("/api/health").status_code for _ in range(6)][-1] == 429


def test_a_malformed_rate_limit_is_a_clear_configuration_error(fixture_index: Path):
    with pytest.raises(ConfigError, match="Not a rate limit: 'lots'"):
        _limited_app(fixture_index, "lots")


# -- headers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/", "/search?q=spy", "/search?q=(((", "/article/recruitment", "/nope", "/static/style.css"]
    + ["/api/search?q=spy", "/api/search?q=(((", "/api/nope", "/api/openapi.json"],
)
def test_every_response_carries_the_security_headers(client, path):
    response = client.get(path)
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value, (path, name)


def test_content_security_policy_allows_no_inline_code_or_style():
    policy = dict(
        directive.strip().split(" ", 1)
        for directive in SECURITY_HEADERS["Content-Security-Policy"].split(";")
    )
    assert policy["default-src"] == "'none'"
    assert "script-src" not in policy  # so default-src 'none' forbids every script
    assert policy["style-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert SECURITY_HEADERS["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("path", ["/", "/search?q=spy", "/article/recruitment", "/nope"])
def test_pages_hold_nothing_inline_that_the_policy_would_block(client, path):
    html = client.get(path).get_data(as_text=True)
    assert "<style" not in html and "<script" not in html
    assert not re.search(r"\s(style|on\w+)=", html)
    assert '<link rel="stylesheet" href="/static/style.css">' in html


# -- where the server listens ---------------------------------------------------------------


def test_serve_listens_on_loopback_unless_told_otherwise(runner, fixture_index, monkeypatch):
    calls: list[dict] = []
    monkeypatch.setattr("waitress.serve", lambda app, **kwargs: calls.append(kwargs))
    result = runner.invoke(cli.main, ["serve", "--index", str(fixture_index)])
    assert result.exit_code == 0, result.output
    assert calls[-1]["host"] == "127.0.0.1"
    assert "warning" not in result.output
    result = runner.invoke(cli.main, ["serve", "--index", str(fixture_index), "--host", "0.0.0.0"])
    assert calls[-1]["host"] == "0.0.0.0"
    assert "warning: listening on 0.0.0.0: anyone who can reach this machine" in result.output


def test_serve_by_default_limits_other_machines_only(runner, fixture_index, monkeypatch):
    monkeypatch.delenv("SEARCHAPP_RATE_LIMIT", raising=False)
    apps: list[Flask] = []
    monkeypatch.setattr("waitress.serve", lambda app, **kwargs: apps.append(app))
    for options in ([], ["--rate-limit", "3/minute"]):
        result = runner.invoke(cli.main, ["serve", "--index", str(fixture_index), *options])
        assert result.exit_code == 0, result.output
    default, configured = (app.test_client() for app in apps)
    assert {default.get("/api/health").status_code for _ in range(40)} == {200}
    remote = {"REMOTE_ADDR": "192.0.2.7"}
    assert [default.get("/api/health", environ_base=remote).status_code for _ in range(21)][
        -1
    ] == 429
    assert [configured.get("/api/health").status_code for _ in range(4)][-1] == 429


def test_serve_refuses_a_malformed_rate_limit(runner, fixture_index):
    result = runner.invoke(cli.main, ["serve", "--index", str(fixture_index), "--rate-limit", "x"])
    assert result.exit_code == 1 and "Not a rate limit" in result.output


def test_make_run_ignores_a_host_set_in_the_environment():
    dry_run = subprocess.run(
        ["make", "-n", "run"],
        cwd=PROJECT,
        env={"PATH": "/usr/bin:/bin", "HOST": "0.0.0.0"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "serve --watch --host 127.0.0.1 --port 5000" in dry_run
