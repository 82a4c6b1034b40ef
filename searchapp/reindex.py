"""Keeping the index in step with the article folder, whichever engine holds it.

A reindex is one engine writer and one commit (see :class:`~searchapp.engines.base.Writer`):
searches keep reading the previous generation until then, so a crash or a bad file mid-run
leaves the last good index serving.

The catalog (see :mod:`searchapp.ingest.catalog`) remembers each file's stat data and the
articles it gave, so an unchanged file is never read again and the same article found in two
files (same url or same text) is indexed once.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .config import EngineConfig
from .engines import query
from .engines.base import Writer, index_version
from .engines.registry import open_engine, open_writer
from .errors import ConfigError, CorpusError, IndexMissing
from .ingest.catalog import ArticleRecord, Catalog, FileRecord
from .ingest.discover import Skipped, SourceFile, discover
from .ingest.readers import ParsedFile, read_source
from .text import analysis
from .text.article import Article, url_key
from .text.corrections import APPLIED, FILENAME, Corrections, CorrectionsError, changed_names
from .text.entities import ENTITY_TYPES

log = logging.getLogger(__name__)

# Called with (bytes read so far, bytes to read in all) as files are indexed.
Progress = Callable[[int, int], None]

# A file modified this shortly before its stat may change again, after it is read, and keep
# its size and modification time: file system clocks tick every few milliseconds (FAT's every
# 2 s). Such a file's time is recorded as unknown, so the next reindex compares its bytes
# (git's "racily clean" files).
RACY_NS = 2_000_000_000
_UNKNOWN_MTIME = -1  # never a file's st_mtime_ns after 1970


@dataclass
class ReindexReport:
    added: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    duplicates: int = 0  # articles not indexed because another file holds them (all files)
    skipped: list[Skipped] = field(default_factory=list)  # files, folders and entries
    documents: int = 0  # in the index after the run
    seconds: float = 0.0
    full: bool = False
    # Every article file found in the folder (those it then skipped too) and, of them, those
    # skipped whole: each of the others gave its articles (counted above) or was unchanged.
    files: int = 0
    files_skipped: int = 0
    # Articles analysed again because entities.toml changed what their entities are; and
    # what was wrong with entities.toml (the last good one then stays in force).
    reanalysed: int = 0
    warnings: list[str] = field(default_factory=list)
    # With ``reindex(changes=True)``: the ids of the articles added or changed, in the order
    # they were written (what saved searches check for new matches).
    changed: list[str] | None = None

    def summary(self) -> str:
        return (
            f"added {self.added}, updated {self.updated}, deleted {self.deleted}, "
            f"unchanged {self.unchanged}, duplicates {self.duplicates}, "
            f"skipped {len(self.skipped)}; "
            f"{self.documents} document{'' if self.documents == 1 else 's'} in the index; "
            f"{self.files} file{'' if self.files == 1 else 's'} found, "
            f"{self.files_skipped} of them skipped"
            + (f"; {self.reanalysed} re-analysed for entities.toml" if self.reanalysed else "")
            + f" ({self.seconds:.2f} s)"
        )


# -- duplicates -------------------------------------------------------------------------------

_NON_WORD = re.compile(r"\W+")


def text_key(article: Article) -> str | None:
    """A digest of the body's words, ignoring case, punctuation and spacing."""
    words = _NON_WORD.sub(" ", article.body.casefold()).strip()
    if len(words) < 50:  # too short to call two texts the same article
        return None
    return hashlib.sha1(words.encode("utf-8")).hexdigest()


def _article_digest(article: Article) -> str:
    # Tags are not part of it: they follow from title and body, and a changed gazetteer
    # changes index_version(), which rebuilds everything anyway.
    fields = (
        article.title,
        article.body,
        str(article.headline),
        str(article.published or ""),
        article.source,
        article.author,
        article.url,
    )
    return hashlib.sha256("\0".join(fields).encode("utf-8")).hexdigest()


@dataclass
class _Run:
    """The state of one reindex: the writer, the catalog and the counts."""

    writer: Writer
    catalog: Catalog
    report: ReindexReport
    full: bool
    rereading: set[str]  # files whose articles are being replaced in this run
    forced: set[str] = field(default_factory=set)  # files re-read for their entities
    racy_since: int = 0  # files modified since (ns) have their time recorded as unknown
    writes: int = 0

    def mtime_to_record(self, source: SourceFile) -> int:
        if self.racy_since <= source.mtime_ns <= time.time_ns():
            return _UNKNOWN_MTIME
        return source.mtime_ns

    def id_taken(self, article: Article) -> str | None:
        """The other file already giving this id (a record id can repeat a file name)."""
        owner = self.catalog.file_giving(article.id)
        if owner is None and not self.full:
            owner = self.catalog.file_of(article.id)
            if owner in self.rereading:
                owner = None
        return owner if owner != article.path else None

    def duplicate_of(self, url: str | None, text: str | None) -> str | None:
        for key in (url, text):
            if key is not None and (claimant := self.catalog.claimant(key)) is not None:
                return claimant
        if self.full:
            return None
        return self.catalog.indexed_with_key(url, text, outside=self.rereading)

    def replace_file(
        self,
        source: SourceFile,
        parsed: ParsedFile,
        skip: Callable[[Skipped], None],
        on_article: Callable[[int], None],
    ) -> None:
        """Index the articles of one file in place of what it gave before."""
        previous = {a.id: a for a in self.catalog.articles_in(source.relpath)}
        records = []
        for position, article in enumerate(parsed.articles):
            on_article(position)
            owner = self.id_taken(article)
            if owner is not None:
                skip(Skipped(source.relpath, f"duplicate id {article.id!r} (also {owner})"))
                continue
            self.catalog.give(article.id, article.path)
            keys = (url_key(article.url), text_key(article))
            original = self.duplicate_of(*keys)
            digest = _article_digest(article)
            if original is not None:
                records.append(ArticleRecord(article.id, article.path, digest, *keys, original))
                continue
            records.append(ArticleRecord(article.id, article.path, digest, *keys))
            for key in keys:
                if key is not None:
                    self.catalog.claim(key, article.id)
            before = previous.get(article.id)
            was_indexed = before is not None and before.duplicate_of is None
            same = was_indexed and before.digest == digest
            forced = same and source.relpath in self.forced  # only its entities may change
            if same and not forced and not self.full:
                self.report.unchanged += 1
                continue
            if was_indexed and not self.full:  # a full commit drops every other document
                self.writer.delete(article.id)
            self.writer.add(article)
            self.writes += 1
            if forced:
                self.report.reanalysed += 1
            elif same:
                self.report.unchanged += 1
            elif was_indexed:
                self.report.updated += 1
            else:
                self.report.added += 1
            if self.report.changed is not None and not same:
                self.report.changed.append(article.id)
        now_indexed = {r.id for r in records if r.duplicate_of is None}
        for old in previous.values():
            if old.duplicate_of is None and old.id not in now_indexed:
                self.delete(old.id)
        mtime_ns = self.mtime_to_record(source)
        record = FileRecord(source.relpath, source.size, mtime_ns, parsed.digest)
        self.catalog.record_file(record, records)

    def forget_file(self, path: str) -> None:
        for old in self.catalog.articles_in(path):
            if old.duplicate_of is None:
                self.delete(old.id)
        self.catalog.forget_file(path)

    def delete(self, article_id: str) -> None:
        if not self.full:
            self.writer.delete(article_id)
        self.writes += 1
        self.report.deleted += 1


def reindex(
    seeds_dir: Path,
    index_dir: Path,
    *,
    full: bool = False,
    on_skip: Callable[[Skipped], None] | None = None,
    progress: Progress | None = None,
    engine: EngineConfig | None = None,
    changes: bool = False,
) -> ReindexReport:
    """Bring the index in step with the files under ``seeds_dir``: the index of ``engine``
    (else the configured one, see :meth:`EngineConfig.load`), its catalog in ``index_dir``.

    Incremental by default: files whose path, size and modification time are unchanged are not
    read at all; changed ones are re-read and their articles updated; missing ones are
    deleted. ``full`` rebuilds every document and drops everything else in one commit. Each
    skipped file or entry is passed to ``on_skip``, or logged as a warning without one.
    ``changes``: list the ids of the articles added or changed in the report (``changed``).
    """
    started = time.perf_counter()
    racy_since = time.time_ns() - RACY_NS
    seeds_dir, index_dir = Path(seeds_dir), Path(index_dir)
    if not seeds_dir.is_dir():
        raise ConfigError(f"Seeds folder {seeds_dir} does not exist or is not a folder.")
    try:
        sources, skipped = discover(seeds_dir)
    except OSError as exc:  # never taken for an empty folder, whose articles would all go
        reason = exc.strerror or exc
        raise ConfigError(f"Seeds folder {seeds_dir} cannot be listed: {reason}.") from exc
    report = ReindexReport(full=full, files=len(sources), changed=[] if changes else None)

    def skip(item: Skipped) -> None:
        report.skipped.append(item)
        if on_skip:
            on_skip(item)
        else:
            log.warning("skipped %s: %s", item.path, item.reason)

    for item in skipped:
        if not item.path.endswith("/"):  # a file, not a folder
            report.files += 1
            report.files_skipped += 1
        skip(item)

    index_dir.mkdir(parents=True, exist_ok=True)
    engine = engine or EngineConfig.load()
    applied, corrections, corrections_text = _corrections(seeds_dir, index_dir, report)
    writer = open_writer(engine, index_dir, corrections)
    catalog = None
    try:
        catalog = Catalog(index_dir)
        version = index_version()
        # The catalog describes one engine's index: after a switch of engines, however their
        # generations compare, it describes the other one.
        described = f"{version} {engine.name}"
        if writer.built_by() != version:
            # Built by another schema, analysis chain or gazetteer: rebuild it all. Searchers
            # keep the old generation until the commit, as with any reindex.
            full = report.full = True
        elif not catalog.describes(writer.generation(), described) and (
            writer.doc_count() or not catalog.is_empty()
        ):
            # The last reindex committed the index but not the catalog (it was killed between
            # the two): the catalog can't be trusted, so rebuild. An empty index is no excuse:
            # the run killed so may have emptied it, and the catalog still lists every file.
            log.warning("the reindex catalog is out of step with the index; rebuilding")
            full = report.full = True
        run = _Run(writer, catalog, report, full, rereading=set(), racy_since=racy_since)
        if not full and corrections.digest != applied.digest:
            names = changed_names(applied, corrections)
            touched = None if names is None else _files_naming(engine, index_dir, catalog, names)
            if touched is None:  # a name no search can find: every article is analysed again
                full = run.full = report.full = True
            else:
                run.forced = touched
        _update(run, sources, skipped, skip, progress)
        del sources  # a big folder's file list, freed while workers finish
        if run.writes or full:
            writer.commit(version, full=full)
        else:
            writer.cancel()
        catalog.commit(writer.generation(), described)
        if corrections_text is not None:
            _write_applied(index_dir, corrections_text)
    except BaseException:
        writer.cancel()  # also after a failed commit: lets go of the write lock
        raise
    finally:
        if catalog is not None:
            catalog.close()  # after a failure, this rolls the catalog back and unlocks it
    report.documents = writer.doc_count()
    report.seconds = time.perf_counter() - started
    return report


def _corrections(
    seeds_dir: Path, index_dir: Path, report: ReindexReport
) -> tuple[Corrections, Corrections, str | None]:
    """The corrections the index was built with, those to build it with now, and the text
    to record as applied after the commit (None: keep the record as it is). A mistake in
    entities.toml is reported, and the last good corrections stay in force."""
    try:
        applied = Corrections.load(index_dir / APPLIED)
    except CorrectionsError:
        applied = Corrections()  # damaged: what it held is re-applied from entities.toml
    path = seeds_dir / FILENAME
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        return applied, Corrections(), ""
    except (OSError, UnicodeDecodeError) as error:
        text, problem = None, CorrectionsError(str(path), 0, f"cannot be read: {error}")
    else:
        try:
            return applied, Corrections.loads(text, str(path)), text
        except CorrectionsError as error:
            problem = error
    report.warnings.append(f"{problem}; the last good corrections stay in force")
    log.warning("%s", report.warnings[-1])
    return applied, applied, None


def _write_applied(index_dir: Path, text: str) -> None:
    temporary = index_dir / f".{APPLIED}.tmp"
    temporary.write_text(text, "utf-8")
    temporary.replace(index_dir / APPLIED)


def _files_naming(
    engine: EngineConfig, index_dir: Path, catalog: Catalog, names: set[str]
) -> set[str] | None:
    """The files of the indexed articles that mention any of ``names`` (folded) or have an
    entity so named: those whose entities a change of corrections may change. None when a
    name cannot be searched for (only very common words)."""
    if not names:
        return set()
    clauses: list[query.Query] = []
    for name in names:
        stems = [t.text for t in analysis.analyze(name, compounds=False)]
        if not stems:
            return None
        for fieldname in ("title", "body"):
            if len(stems) == 1:
                clauses.append(query.Term(fieldname, stems[0]))
            else:
                clauses.append(query.Phrase(fieldname, stems))
        for kind in ENTITY_TYPES:
            for spelling in {name, name.title(), name.upper()}:
                clauses.append(query.Term("entity", f"{kind}:{spelling}"))
    searcher = open_engine(engine, index_dir, k1=1.2, b=0.75)
    try:
        view = searcher.view()
        found = view.search(query.Or(clauses), None, max(view.doc_count(), 1))
        ids = [view.fields(match.key)["id"] for match in found.matches]
    except IndexMissing:
        return set()
    finally:
        searcher.close()
    return {path for path in map(catalog.file_of, ids) if path is not None}


def _relpath(source: SourceFile) -> str:
    return source.relpath


def _update(
    run: _Run,
    sources: list[SourceFile],
    unlisted: list[Skipped],
    skip: Callable[[Skipped], None],
    progress: Progress | None,
) -> None:
    catalog, report = run.catalog, run.report
    known: dict[str, FileRecord] = {}
    repeating: set[str] = set()  # files holding duplicates of articles that may change
    if run.full:
        # Every file is read again: one set of the folder's paths, no per-file records. The
        # rebuilt index drops the articles of files that could not be listed, so they go too.
        on_disk_paths = {source.relpath for source in sources}
        gone = [path for path in catalog.paths() if path not in on_disk_paths]
        del on_disk_paths
        to_read = sorted(sources, key=_relpath)
    else:
        known = catalog.files()
        on_disk = {source.relpath: source for source in sources}
        changed = {
            s.relpath
            for s in sources
            if (record := known.get(s.relpath)) is None
            or (record.size, record.mtime_ns) != (s.size, s.mtime_ns)
        }
        # Files that exist but could not be listed keep their indexed articles, and so do the
        # files of folders that could not be (their paths end with "/").
        cannot_list = {item.path for item in unlisted}
        folders = tuple(path for path in cannot_list if path.endswith("/"))
        gone = [
            path
            for path in known
            if path not in on_disk and path not in cannot_list and not path.startswith(folders)
        ]
        changed |= {path for path in run.forced if path in on_disk}
        # Duplicates of articles that change or go may have to be indexed in their place.
        rereading = changed.union(gone)
        frontier = set(rereading)
        while frontier:
            found = catalog.files_repeating(frontier)
            repeating |= found
            frontier = found - rereading
            rereading |= frontier
        run.rereading = rereading
        to_read = sorted((on_disk[p] for p in rereading if p in on_disk), key=_relpath)
        report.unchanged += catalog.indexed_count(set(known) - rereading)

    for path in sorted(gone):
        run.forget_file(path)
    total = sum(source.size for source in to_read)
    run.writer.expect(total)
    done = 0

    def advance(nbytes: int) -> None:
        nonlocal done
        done += nbytes
        if progress:
            progress(done, total)

    for source in to_read:
        known_file = known.get(source.relpath)
        # Touched but identical: nothing to parse, unless a duplicate's original changed.
        unchanged_bytes = (
            known_file.digest
            if known_file
            and not run.full
            and source.relpath not in repeating
            and source.relpath not in run.forced
            else None
        )
        try:
            parsed = read_source(source, unless_digest=unchanged_bytes)
        except CorpusError as exc:
            report.files_skipped += 1
            if source.relpath in known and not run.full:
                skip(Skipped(source.relpath, f"{exc.message}; previous version kept"))
                report.unchanged += catalog.indexed_count([source.relpath])
            else:
                skip(Skipped(source.relpath, exc.message))
                run.forget_file(source.relpath)
            advance(source.size)
            continue
        if parsed is None:
            catalog.touch_file(source.relpath, source.size, run.mtime_to_record(source))
            report.unchanged += catalog.indexed_count([source.relpath])
            advance(source.size)
            continue
        for item in parsed.skipped:
            skip(item)
        # A file of many articles advances the progress article by article.
        count = max(1, len(parsed.articles))
        shares = [source.size * (i + 1) // count - source.size * i // count for i in range(count)]
        run.replace_file(source, parsed, skip, on_article=lambda i, s=shares: advance(s[i]))
        if not parsed.articles:
            advance(source.size)
    report.duplicates = catalog.duplicate_count()
