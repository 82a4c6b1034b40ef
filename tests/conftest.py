"""Shared fixtures: a small corpus (with malformed files), indexes built in tmp_path, and the
Flask ``app``/``client`` plus a CLI ``runner`` in the style of Flask's tutorial.

Modules marked ``both_engines`` run every test on the Whoosh engine and again on a local Xapian
database, except tests marked ``whoosh_only`` (they look at Whoosh's own files or objects).
The engine of a test is also in its environment (SEARCHAPP_ENGINE), so the reindexes and
engines a test makes itself follow it, as the CLI and the app do.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from hypothesis import settings
from waitress import wasyncore
from waitress.server import create_server

from searchapp.config import CONFIG_ENV, ENGINE_ENV, EngineConfig
from searchapp.engines import query
from searchapp.reindex import reindex
from searchapp.search import SearchEngine
from searchapp.web import create_app

# Property-based tests draw the same examples on every run, so a CI run never fails on luck;
# HYPOTHESIS_PROFILE=explore draws new ones, many more (a bug it finds is then kept in
# .hypothesis/ and replayed first).
settings.register_profile("repeatable", derandomize=True, deadline=None)
settings.register_profile("explore", max_examples=2000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

FIXTURES = Path(__file__).parent / "fixtures" / "corpus"
FORMATS = Path(__file__).parent / "fixtures" / "formats"


def missing_program(program: str, package: str) -> str | None:
    """Why a test that runs ``program`` must skip here (None: it is installed)."""
    if shutil.which(program):
        return None
    return f"needs {program}, from Debian's {package}; install it with `make system`"


def needs_program(program: str, package: str) -> pytest.MarkDecorator:
    reason = missing_program(program, package)
    return pytest.mark.skipif(reason is not None, reason=reason or "")


def require_program(program: str, package: str) -> None:
    """Skip the calling test or fixture unless ``program`` is installed."""
    reason = missing_program(program, package)
    if reason:
        pytest.skip(reason)


SEEDS = Path(__file__).parent.parent / "seeds"

# Files that must be skipped with a warning, one or more per format.
MALFORMED = {
    "empty.txt": b"",
    "blank.txt": b"  \n\n \n",
    "binary.txt": b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00",  # a program, named .txt
    "latin1.txt": "Caf\xe9 au lait and espionage".encode("latin-1"),
    "broken.json": b'{"title": "Half an article", "text": "cut off',
    "binary.csv": b"id,title,text\n1,\x00\x01,\x00\x02\n",
    "notafeed.xml": b"<config><retries>3</retries></config>",
    "nav-only.html": b"<html><body><nav><a href='/'>Home</a> <a href='/uk'>UK</a></nav></body>",
}
# Entries of multi-article files that must be skipped, the rest of their file kept.
MALFORMED_ENTRIES = {"collection/wire.csv#row 3", "collection/digest.jsonl#line 3"}
# Six .txt articles, and seven from the files in collection/ (one of each format); two more
# there repeat other articles (same url, same text) and are indexed once.
VALID_FIXTURES = 13
DUPLICATES = 2


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    definition = metafunc.definition
    if (
        "engine_name" in metafunc.fixturenames
        and definition.get_closest_marker("both_engines")
        and not definition.get_closest_marker("whoosh_only")
    ):
        metafunc.parametrize("engine_name", ["whoosh", "xapian"], indirect=True, scope="session")


@pytest.fixture(scope="session")
def engine_name(request: pytest.FixtureRequest) -> str:
    """The engine of this test: "whoosh" unless its module runs on both."""
    return getattr(request, "param", "whoosh")


@pytest.fixture(autouse=True)
def engine_environment(engine_name: str) -> Iterator[None]:
    # Its own MonkeyPatch: a test's monkeypatch.undo() must not switch engines.
    with pytest.MonkeyPatch.context() as patch:
        for variable in (*ENGINE_ENV.values(), CONFIG_ENV):
            patch.delenv(variable, raising=False)
        patch.setenv(ENGINE_ENV["name"], engine_name)
        yield


def make_corpus(root: Path) -> Path:
    """Copy the fixture corpus to ``root`` and add the malformed files."""
    shutil.copytree(FIXTURES, root)
    for name, data in MALFORMED.items():
        (root / name).write_bytes(data)
    return root


@pytest.fixture
def corpus_dir(tmp_path: Path) -> Path:
    return make_corpus(tmp_path / "corpus")


@pytest.fixture
def index_dir(tmp_path: Path, corpus_dir: Path) -> Path:
    """A fresh index of the fixture corpus that a test may change."""
    path = tmp_path / "index"
    reindex(corpus_dir, path)
    return path


@pytest.fixture(scope="session")
def fixture_index(tmp_path_factory: pytest.TempPathFactory, engine_name: str) -> Path:
    """A read-only index of the fixture corpus shared by the whole session."""
    root = tmp_path_factory.mktemp(f"fixture-{engine_name}")
    corpus = make_corpus(root / "corpus")
    reindex(corpus, root / "index", engine=EngineConfig(engine_name))
    return root / "index"


@pytest.fixture(scope="session")
def seeds_index(tmp_path_factory: pytest.TempPathFactory, engine_name: str) -> Path:
    """A read-only index of the project's real seeds/ folder."""
    path = tmp_path_factory.mktemp(f"seeds-{engine_name}") / "index"
    reindex(SEEDS, path, engine=EngineConfig(engine_name))
    return path


@pytest.fixture
def engine(fixture_index: Path, engine_name: str):
    engine = SearchEngine(fixture_index, config=EngineConfig(engine_name))
    yield engine
    engine.close()


@pytest.fixture
def seeds_engine(seeds_index: Path, engine_name: str):
    engine = SearchEngine(seeds_index, config=EngineConfig(engine_name))
    yield engine
    engine.close()


@pytest.fixture
def app(fixture_index: Path, tmp_path: Path):
    # Unlimited: tests make hundreds of requests; tests/test_hardening.py checks the limit.
    config = {
        "TESTING": True,
        "INDEX_DIR": fixture_index,
        "SEEDS_DIR": tmp_path,
        "RATE_LIMIT": "off",
    }
    app = create_app(config)
    yield app
    app.extensions["searchapp"].close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@contextmanager
def engine_view(index_dir: Path, config: EngineConfig | None = None) -> Iterator:
    """A view of the index in ``index_dir``, through ``config``'s engine (else the test's)."""
    engine = SearchEngine(index_dir, config=config)
    try:
        yield engine.view()
    finally:
        engine.close()


def stored_documents(index_dir: Path, config: EngineConfig | None = None) -> list[dict]:
    """The stored fields of every document in the index, through ``config``'s engine (else
    the test's)."""
    with engine_view(index_dir, config) as view:
        found = view.search(query.Every(), None, limit=1_000_000)
        return [view.fields(match.key) for match in found.matches]


def indexed_ids(index_dir: Path) -> set[str]:
    return {fields["id"] for fields in stored_documents(index_dir)}


@contextmanager
def serve_in_thread(app: Flask, *, threads: int = 2, **options: int) -> Iterator[int]:
    """``app`` served for real by waitress on a free loopback port in a background thread;
    yields the port. ``options`` are waitress's (its request size limits, say)."""
    sockets: dict = {}
    server = create_server(app, map=sockets, host="127.0.0.1", port=0, threads=threads, **options)
    thread = threading.Thread(target=server.run, name="waitress", daemon=True)
    thread.start()
    try:
        yield server.effective_port
    finally:
        # Closing the sockets from the server's own loop thread lets that loop end without a
        # race; then its worker threads are stopped.
        server.trigger.pull_trigger(lambda: wasyncore.close_all(sockets))
        thread.join(timeout=10)
        server.task_dispatcher.shutdown()
    assert not thread.is_alive(), "waitress did not stop"
