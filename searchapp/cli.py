"""The ``searchapp`` command: thin click wrappers over the indexer, the search engine and the
web app."""

from __future__ import annotations

import html
import json
import logging
import re
import sys
from pathlib import Path
from typing import NoReturn
from urllib.parse import quote, urlencode

import click

from .config import DEFAULT_INDEX_DIR, DEFAULT_SEEDS_DIR, INDEX_ENV, SEEDS_ENV
from .corpus import Skipped
from .errors import SearchAppError
from .indexer import reindex as run_reindex
from .search import SearchEngine

_MARK = re.compile(r"<mark>(.*?)</mark>", re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


def _folder_option(flag: str, envvar: str, default: str, what: str):
    return click.option(
        flag,
        f"{flag.lstrip('-')}_dir",
        envvar=envvar,
        default=default,
        show_default=True,
        type=click.Path(file_okay=False, path_type=Path),
        help=f"{what} (environment: {envvar}).",
    )


index_option = _folder_option("--index", INDEX_ENV, DEFAULT_INDEX_DIR, "Index folder")
seeds_option = _folder_option("--seeds", SEEDS_ENV, DEFAULT_SEEDS_DIR, "Folder of article files")


@click.group()
def main() -> None:
    """Full-text search over a folder of news articles."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")


def _fail(exc: SearchAppError) -> NoReturn:
    click.secho(f"error: {exc.message}", fg="red", err=True)
    sys.exit(1)


@main.command()
@seeds_option
@index_option
@click.option("--full", is_flag=True, help="Rebuild every document instead of updating.")
def reindex(seeds_dir: Path, index_dir: Path, full: bool) -> None:
    """Bring the index in step with the seeds folder (incremental unless --full)."""

    def warn(item: Skipped) -> None:
        click.secho(f"warning: skipped {item.path}: {item.reason}", fg="yellow", err=True)

    try:
        report = run_reindex(seeds_dir, index_dir, full=full, on_skip=warn)
    except SearchAppError as exc:
        _fail(exc)
    done = "Rebuilt" if report.full else "Reindexed"
    click.echo(f"{done} {index_dir} from {seeds_dir}: {report.summary()}")


def _terminal_snippet(snippet_html: str, color: bool) -> str:
    """The snippet HTML as terminal text, matches in bold (or [brackets] without colour)."""

    def mark(match: re.Match[str]) -> str:
        inner = match.group(1)
        return click.style(inner, bold=True, fg="yellow") if color else f"[{inner}]"

    return html.unescape(_TAG.sub("", _MARK.sub(mark, snippet_html)))


@main.command()
@click.argument("query")
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON instead.")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 100))
@click.option("--page", default=1, show_default=True, type=click.IntRange(1))
@index_option
@seeds_option
def search(
    query: str, as_json: bool, limit: int, page: int, index_dir: Path, seeds_dir: Path
) -> None:
    """Search the index and print ranked results."""
    engine = SearchEngine(index_dir)
    try:
        result = engine.search(query, page=page, per_page=limit)
    except SearchAppError as exc:
        _fail(exc)
    finally:
        engine.close()
    if as_json:
        payload = result.to_dict(
            lambda hit: f"/article/{quote(hit.id)}?{urlencode({'q': result.shown_query})}"
        )
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    color = sys.stdout.isatty()
    if result.corrected:
        click.echo(f"Showing results for: {result.suggestion} (no results for {result.query!r})")
    elif result.suggestion:
        click.echo(f"Did you mean: {result.suggestion}")
    click.echo(f"{result.total} result{'s' if result.total != 1 else ''} ({result.took_ms:.0f} ms)")
    for rank, hit in enumerate(result.hits, start=result.first_rank):
        click.echo()
        click.echo(f"{rank}. {click.style(hit.title, bold=True) if color else hit.title}")
        click.echo(f"   {hit.id}  score {hit.score:.2f}")
        click.echo(f"   {_terminal_snippet(hit.snippet, color)}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64))
@index_option
@seeds_option
def serve(host: str, port: int, threads: int, index_dir: Path, seeds_dir: Path) -> None:
    """Serve the web UI and JSON API with waitress."""
    from waitress import serve as waitress_serve

    from .web import create_app

    app = create_app({"INDEX_DIR": index_dir, "SEEDS_DIR": seeds_dir})
    click.echo(f"searchapp: serving {index_dir} on http://{host}:{port}/ (Ctrl+C to stop)")
    waitress_serve(app, host=host, port=port, threads=threads, ident="searchapp")


if __name__ == "__main__":
    main()
