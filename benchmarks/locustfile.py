"""A locust user searching searchapp the way a reader does, for the load test.

Run it through ``python -m benchmarks.load``, which starts the server, writes the query set and
reads the results. Locust itself runs as a subprocess there: it monkeypatches the standard
library with gevent, so it is never imported into a process that does other work.

It talks to 127.0.0.1 or localhost only: any other ``--host`` (or none) stops it at start.

Inputs, from the environment:

- ``SEARCHAPP_LOAD_QUERIES``: a JSON file of query lists (``keywords``, ``questions``,
  ``phrases``, ``misspellings``), as :func:`benchmarks.load.write_queries` makes them;
- ``SEARCHAPP_LOAD_LOG`` (optional): a file to append one line per request to (name, start
  time, milliseconds, 1 if it failed), tab-separated, from which exact percentiles are taken.

Each user sends its next request as soon as the last one is answered (no think time), picking
one of: an API search by keywords, by a question or by a quoted phrase; a search narrowed by a
tag or a year from the facets of an earlier answer; page 2; a misspelt word ("Did you mean");
the HTML results page; an article from earlier results, as JSON or as its HTML page. Any
status but 200 (or an API answer that is not JSON) counts as a failure.
"""

from __future__ import annotations

import json
import os
import random
import sys
from collections import deque
from typing import IO, Any
from urllib.parse import quote, urlencode, urlsplit

from locust import FastHttpUser, constant, events, task
from locust.env import Environment
from locust.exception import StopTest

from searchapp.config import is_loopback

QUERIES_ENV = "SEARCHAPP_LOAD_QUERIES"
LOG_ENV = "SEARCHAPP_LOAD_LOG"
KNOWN_ARTICLES = 50  # hits a user remembers to open later
_log: IO[str] | None = None


def is_loopback_url(url: str | None) -> bool:
    """Whether ``url`` points at this machine: 127.0.0.0/8, ::1 or localhost."""
    return is_loopback(urlsplit(url or "").hostname or "")


def _refusal(host: str | None) -> str:
    return (
        f"refusing to load-test {host or '(no --host given)'}: this locustfile only runs "
        "against 127.0.0.1 or localhost, e.g. --host http://127.0.0.1:5000"
    )


def _load_queries() -> dict[str, list[str]]:
    path = os.environ.get(QUERIES_ENV)
    if not path:
        sys.exit(f"{QUERIES_ENV} is not set: run the load test with `python -m benchmarks.load`")
    with open(path, encoding="utf-8") as file:
        return json.load(file)


@events.init.add_listener
def _check_host(environment: Environment, **_: Any) -> None:
    # SystemExit is not caught by locust's event hooks, so this ends the run before any user.
    if not is_loopback_url(environment.host):
        sys.exit(_refusal(environment.host))


@events.init.add_listener
def _open_log(**_: Any) -> None:
    global _log
    if os.environ.get(LOG_ENV):
        _log = open(os.environ[LOG_ENV], "a", encoding="utf-8")  # closed at quit


@events.request.add_listener
def _record(
    name: str, response_time: float, start_time: float, exception: Exception | None, **_: Any
) -> None:
    if _log is not None:
        _log.write(f"{name}\t{start_time:.6f}\t{response_time:.3f}\t{int(exception is not None)}\n")


@events.quitting.add_listener
def _close_log(**_: Any) -> None:
    if _log is not None:
        _log.close()


class Reader(FastHttpUser):
    wait_time = constant(0)
    queries: dict[str, list[str]] = {}

    def __init__(self, environment: Environment) -> None:
        # Also covers a host typed into the web UI after start (the init check saw the flag).
        if not is_loopback_url(self.host):
            raise StopTest(_refusal(self.host))
        super().__init__(environment)
        if not Reader.queries:
            Reader.queries = _load_queries()
        self.rng = random.Random()
        self.tags: list[str] = []
        self.years: list[str] = []
        self.articles: deque[tuple[str, str]] = deque(maxlen=KNOWN_ARTICLES)  # (id, page url)

    def _get(self, path: str, name: str, api: bool = True) -> dict[str, Any] | None:
        with self.client.get(path, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
                return None
            if not api:
                response.success()
                return None
            try:
                body = response.json()
            except ValueError:
                response.failure("not JSON")
                return None
            response.success()
            return body

    def _search(self, name: str, q: str, **params: str) -> None:
        body = self._get("/api/search?" + urlencode({"q": q, **params}), f"search: {name}")
        if body:  # remember what a reader could click next
            facets = body.get("facets", {})
            self.tags = [f["value"] for f in facets.get("tag", [])] or self.tags
            self.years = [f["value"] for f in facets.get("year", [])] or self.years
            self.articles.extend((hit["id"], hit["url"]) for hit in body.get("results", []))

    def _pick(self, kind: str) -> str:
        return self.rng.choice(self.queries[kind])

    @task(30)
    def keywords(self) -> None:
        self._search("keywords", self._pick("keywords"))

    @task(10)
    def question(self) -> None:
        self._search("question", self._pick("questions"))

    @task(10)
    def phrase(self) -> None:
        self._search("phrase", self._pick("phrases"))

    @task(8)
    def filtered(self) -> None:
        facets = [(name, seen) for name, seen in (("tag", self.tags), ("year", self.years)) if seen]
        if not facets:
            return self.keywords()  # no facets seen yet
        name, values = self.rng.choice(facets)
        self._search("filtered", self._pick("keywords"), **{name: self.rng.choice(values)})

    @task(6)
    def page_two(self) -> None:
        self._search("page 2", self._pick("keywords"), page="2")

    @task(5)
    def misspelt(self) -> None:
        self._search("misspelt", self._pick("misspellings"))

    @task(6)
    def results_page(self) -> None:
        self._get("/search?" + urlencode({"q": self._pick("keywords")}), "search: html", api=False)

    @task(8)
    def article_json(self) -> None:
        if not self.articles:
            return self.keywords()
        article_id, _ = self.rng.choice(self.articles)
        self._get(f"/api/article/{quote(article_id, safe='')}", "article: api")

    @task(4)
    def article_page(self) -> None:
        if not self.articles:
            return self.keywords()
        _, url = self.rng.choice(self.articles)
        self._get(url, "article: html", api=False)
