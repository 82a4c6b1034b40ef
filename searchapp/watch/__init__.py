"""Watching: saved searches and the alerts a reindex fires on them (:mod:`.saved`,
:mod:`.alerts`), their Atom feeds (:mod:`.feeds`), and the articles folder watched for
files arriving, changing and going (:mod:`.folder`)."""

from .alerts import AlertReport, Update, check, update
from .saved import SavedMatch, SavedSearch, SavedSearches, check_name

__all__ = [
    "AlertReport",
    "SavedMatch",
    "SavedSearch",
    "SavedSearches",
    "Update",
    "check",
    "check_name",
    "update",
]
