"""The JSON API against its OpenAPI description (/api/openapi.json): the description lists
exactly the routes and parameters the code has, and schemathesis fuzzes every operation with
requests made from it (valid and invalid), checking statuses, content types and shapes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from flask import Flask, Request
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.utils import cached_property

from searchapp.search import Filters, SearchEngine
from searchapp.watch import SavedSearches
from searchapp.web import create_app, openapi_description

# Every check but positive_data_acceptance: a query valid by the schema may still be refused
# (a wildcard matching too many words, a tag that is not in the tag list).
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


# Loaded when the module is, as schemathesis needs the operations to parametrize the test
# (its fixture-based loader fails under pytest 9); the fixture below gives it an index.
APP = create_app({"INDEX_DIR": "no-index-yet", "RATE_LIMIT": "off"})
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", APP)


@pytest.fixture(scope="module", autouse=True)
def contract_app(fixture_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    APP.extensions["searchapp"] = SearchEngine(fixture_index)
    # Saved searches live beside the index; this folder holds one to read.
    saved_dir = tmp_path_factory.mktemp("saved")
    with SavedSearches(saved_dir) as store:
        store.add("gru", "GRU", Filters())
    APP.config["INDEX_DIR"] = saved_dir
    yield APP
    APP.extensions["searchapp"].close()


@schema.parametrize()
@settings(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api_conforms_to_its_description(case):
    case.call_and_validate(checks=CHECKS)


def _operations() -> set[tuple[str, str]]:
    return {
        (method.upper(), path)
        for path, item in openapi_description()["paths"].items()
        for method in item
    }


def test_description_lists_every_api_route(contract_app: Flask):
    routes = {
        (method, re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule))
        for rule in contract_app.url_map.iter_rules()
        if rule.rule.startswith("/api/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routes == _operations()


class _ArgsRecorder(Request):
    """A request that notes the name of every query parameter the code reads."""

    read: set[str] = set()

    @cached_property
    def args(self) -> ImmutableMultiDict[str, str]:  # type: ignore[override]
        recorder = self.read

        class Recording(ImmutableMultiDict):
            def get(self, key, default=None, type=None):  # noqa: A002
                recorder.add(key)
                return super().get(key, default, type)

            def getlist(self, key, type=None):  # noqa: A002
                recorder.add(key)
                return super().getlist(key, type)

            def __getitem__(self, key):
                recorder.add(key)
                return super().__getitem__(key)

        return Recording(super().args)


def _parameters(operation: dict) -> set[str]:
    components = openapi_description()["components"]["parameters"]
    resolved = [
        components[p["$ref"].rsplit("/", 1)[1]] if "$ref" in p else p
        for p in operation.get("parameters", [])
    ]
    return {p["name"] for p in resolved if p["in"] == "query"}


def test_description_lists_exactly_the_parameters_the_code_reads(contract_app: Flask):
    contract_app.request_class = _ArgsRecorder
    article_id = contract_app.test_client().get("/api/search?q=spy").json["results"][0]["id"]
    for path, item in openapi_description()["paths"].items():
        _ArgsRecorder.read = set()
        url = path.replace("{article_id}", article_id)
        name = "gru" if path.startswith("/api/saved/") else "GRU"
        url = url.replace("{kind}", "org").replace("{name}", name)
        query = {"q": "spy", "type": "org"} if path == "/api/entities" else {"q": "spy"}
        response = contract_app.test_client().get(url, query_string=query)
        assert response.status_code == 200, path
        assert _ArgsRecorder.read == _parameters(item["get"]), path


def test_description_is_served_as_json(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    assert response.json["openapi"].startswith("3.1")
    assert set(response.json["paths"]) >= {"/api/search", "/api/health"}
