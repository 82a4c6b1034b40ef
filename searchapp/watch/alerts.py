"""Alerts: after each reindex, every saved search runs over the articles that reindex added
or changed (not the whole collection), and what it matches is recorded with the time it was
found, each article once per saved search (:meth:`SavedSearches.record`)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from ..config import EngineConfig
from ..errors import SearchAppError
from ..ingest.discover import Skipped
from ..reindex import Progress, ReindexReport, reindex
from ..search import SearchEngine
from .saved import SavedMatch, SavedSearches

log = logging.getLogger(__name__)

# Articles looked up at once (an id clause each).
CHUNK = 1000


@dataclass
class AlertReport:
    """What the saved searches found in one reindex's new and changed articles."""

    checked: int = 0  # articles checked (added or changed)
    searches: int = 0  # saved searches run over them
    new: dict[str, int] = field(default_factory=dict)  # saved search -> new matches
    failed: dict[str, str] = field(default_factory=dict)  # saved search -> why it could not run
    seconds: float = 0.0

    def summary(self) -> str:
        found = ", ".join(f"{name} {count}" for name, count in sorted(self.new.items()) if count)
        text = (
            f"{self.searches} saved search{'' if self.searches == 1 else 'es'} checked "
            f"against {self.checked} new or changed article{'' if self.checked == 1 else 's'}"
            f": {found or 'no new matches'} ({self.seconds:.2f} s)"
        )
        for name, why in sorted(self.failed.items()):
            text += f"; {name} failed: {why}"
        return text


def check(
    engine: SearchEngine, store: SavedSearches, ids: list[str], now: datetime | None = None
) -> AlertReport:
    """Run every saved search over the articles ``ids`` and record what they match. A saved
    search that no longer parses (the query language changed) is reported, not fatal."""
    started = time.perf_counter()
    report = AlertReport(checked=len(ids))
    saved = store.all()
    report.searches = len(saved) if ids else 0
    if not ids or not saved:
        report.seconds = time.perf_counter() - started
        return report
    found = (now or datetime.now(UTC)).replace(microsecond=0)
    matches: dict[str, list[SavedMatch]] = {search.name: [] for search in saved}
    for at in range(0, len(ids), CHUNK):
        among = engine.among(ids[at : at + CHUNK])
        for search in saved:
            if search.name in report.failed:
                continue
            try:
                matched = engine.matching(among, search.query, search.filters)
            except SearchAppError as error:
                report.failed[search.name] = error.message
                log.warning("saved search %s failed: %s", search.name, error.message)
                continue
            fields = {among.fields[key]["id"]: among.fields[key] for key in among.keys}
            matches[search.name] += [_match(search.name, fields[i], found) for i in matched]
    for search in saved:
        if search.name not in report.failed:
            report.new[search.name] = store.record(matches[search.name])
    report.seconds = time.perf_counter() - started
    return report


def _match(name: str, fields: dict, found: datetime) -> SavedMatch:
    published = fields.get("date")
    if isinstance(published, datetime):
        published = published.date()
    return SavedMatch(
        name,
        fields["id"],
        found,
        fields.get("title", ""),
        published.isoformat() if isinstance(published, date) else None,
        fields.get("url") or None,
    )


@dataclass
class Update:
    """A reindex and the alerts it fired."""

    reindex: ReindexReport
    alerts: AlertReport

    def summary(self) -> str:
        return f"{self.reindex.summary()}\n{self.alerts.summary()}"


def update(
    seeds_dir: Path,
    index_dir: Path,
    *,
    full: bool = False,
    engine: EngineConfig | None = None,
    on_skip: Callable[[Skipped], None] | None = None,
    progress: Progress | None = None,
) -> Update:
    """Reindex (see :func:`searchapp.reindex.reindex`), then check the saved searches against
    the articles it added or changed. The alerts run after the commit: a reindex that fails
    records nothing, and the next one finds its articles new again."""
    engine = engine or EngineConfig.load()
    report = reindex(
        seeds_dir,
        index_dir,
        full=full,
        engine=engine,
        on_skip=on_skip,
        progress=progress,
        changes=True,
    )
    ids = report.changed or []
    with SavedSearches(index_dir) as store:
        if not ids or not store.all():
            return Update(report, AlertReport(checked=len(ids)))
        searcher = SearchEngine(index_dir, config=engine)
        try:
            alerts = check(searcher, store, ids)
        finally:
            searcher.close()
    return Update(report, alerts)
