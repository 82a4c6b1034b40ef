"""The one exception hierarchy of searchapp.

Every error a user can cause or meet carries an HTTP status and a message written for that
user; the web layer turns any of them into the same JSON shape ``{"error": message}`` or an
HTML error page, and the CLI prints the message.
"""

from __future__ import annotations


class SearchAppError(Exception):
    """Base class: ``message`` is safe to show to the user."""

    status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadRequest(SearchAppError):
    """A parameter the user sent is missing, malformed or out of range."""

    status = 400


class QueryError(BadRequest):
    """The query text cannot be searched as written."""


class Forbidden(SearchAppError):
    """A write the server refuses: from another site, without its form's token."""

    status = 403


class NotFound(SearchAppError):
    status = 404


class IndexMissing(SearchAppError):
    """No index has been built at the configured place yet."""

    status = 503


class IndexOutdated(IndexMissing):
    """The index was built with another schema or analysis chain and must be rebuilt."""


class IndexLocked(SearchAppError):
    """Another process is writing the index (a reindex is running)."""

    status = 409


class EngineUnavailable(SearchAppError):
    """A shard of the index is down or too slow to answer; the message names it."""

    status = 503


class CorpusError(SearchAppError):
    """A source file cannot be turned into an article; the message is the reason."""

    status = 422


class ConfigError(SearchAppError):
    """A configured path or setting is unusable."""

    status = 500


class IndexingFailed(SearchAppError):
    """A reindex could not finish (an indexing worker failed); the last index is unchanged."""

    status = 500
