"""Re-sharding: a Xapian index copied into another set of databases (another number of
shards), each article to the shard its id routes to under the new count."""

from __future__ import annotations

from pathlib import Path

import xapian

from ...config import EngineConfig
from ...errors import ConfigError, EngineUnavailable
from ...text.corrections import APPLIED, Corrections
from .documents import _article
from .engine import XapianEngine
from .writer import XapianWriter

_RESHARD_BATCH = 500  # documents fetched per round trip


def reshard(old: EngineConfig, new: EngineConfig, index_dir: Path) -> int:
    """Copy every document of the Xapian index ``old`` names into the databases ``new``
    names, each to its shard under the new count; returns the number copied.

    The articles are rebuilt from their stored fields and analysed again (a remote
    document's terms and positions would cost a round trip per term), so run it with the
    code that built the index. The new databases keep the old generation and version, so
    the reindex catalog still describes them: switch the configuration to ``new`` after.
    ``new`` must name other databases than ``old`` (a full commit drops whatever else they
    hold)."""
    if set(old.shards + old.writers) & set(new.shards + new.writers) or not (
        old.shards or new.shards
    ):
        raise ConfigError("Re-sharding needs new databases: old and new must not share any.")
    source = XapianEngine(old, index_dir)
    try:
        view = source.view()
        if view.partial:
            raise EngineUnavailable(f"Shards {', '.join(view.partial)} are not answering.")
        states = view._connection.states
        versions = {state.version for state in states}
        generations = {state.generation for state in states}
        if len(versions) != 1 or len(generations) != 1:
            raise ConfigError(
                "The index's shards disagree (a reindex died between their commits); run a "
                "full reindex instead."
            )
        # The entities as the index has them: the corrections it was last built with.
        corrections = Corrections.load(Path(index_dir) / APPLIED)
        writer = XapianWriter(new, index_dir, corrections)
        try:
            db = view._connection.db
            enquire = xapian.Enquire(db)
            enquire.set_query(xapian.Query.MatchAll)
            enquire.set_weighting_scheme(xapian.BoolWeight())
            enquire.set_docid_order(xapian.Enquire.ASCENDING)
            start = 0
            while True:
                batch = enquire.get_mset(start, _RESHARD_BATCH)
                batch.fetch()  # one round trip per shard for the whole batch
                for item in batch:
                    writer.add(_article(item.document.get_data()))
                if batch.size() < _RESHARD_BATCH:
                    break
                start += _RESHARD_BATCH
            writer._commit(versions.pop(), True, generations.pop())
        except BaseException:
            writer.cancel()
            raise
    finally:
        source.close()
    return writer.doc_count()
