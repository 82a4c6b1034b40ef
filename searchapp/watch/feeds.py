"""A saved search's Atom feed (RFC 4287, written by feedgen): one entry per matched
article, its id fixed by the saved search and the article, so a feed reader shows each new
match once however often it polls."""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from urllib.parse import quote

from feedgen.feed import FeedGenerator

from .saved import SavedMatch, SavedSearch


def _tag(search: SavedSearch, *parts: str) -> str:
    """A tag URI (RFC 4151) of the saved search, or of one of its entries: the same whatever
    address the server is reached at, and another for a search saved again under the name."""
    minted = search.created.strftime("%Y-%m-%d")
    stamp = search.created.strftime("%Y%m%dT%H%M%S")
    path = "/".join(quote(part, safe="") for part in ("saved", search.name, stamp, *parts))
    return f"tag:searchapp,{minted}:{path}"


def atom_feed(
    search: SavedSearch,
    matches: list[SavedMatch],
    snippets: Mapping[str, str],
    *,
    feed_url: str,
    search_url: str,
    article_url: Callable[[str], str],
) -> bytes:
    """The feed of ``search`` with ``matches`` (newest first) as entries: title, link to the
    article's page, the time it was found (``updated``), its published date when it has
    one, and its snippet (``snippets``, HTML, by article id) as content."""
    feed = FeedGenerator()
    feed.id(_tag(search))
    what = search.query or "(filters only)"
    feed.title(f"searchapp: {search.name}")
    feed.subtitle(f"New articles matching {what}")
    feed.link(href=feed_url, rel="self", type="application/atom+xml")
    feed.link(href=search_url, rel="alternate", type="text/html")
    feed.author({"name": "searchapp"})
    feed.generator("searchapp")
    feed.updated(matches[0].found if matches else search.created)
    # feedgen puts the entry added last first: add them oldest first.
    for match in reversed(matches):
        entry = feed.add_entry()
        entry.id(_tag(search, match.article_id))
        entry.title(match.title or match.article_id)
        entry.link(href=article_url(match.article_id), rel="alternate", type="text/html")
        entry.updated(match.found)
        if match.date:
            entry.published(f"{match.date}T00:00:00Z")
        content = snippets.get(match.article_id) or html.escape(match.title)
        if match.url and match.url.startswith(("http://", "https://")):
            # In the content: feedgen 1.0 writes no rel of an entry's links, so a second
            # link would be a second "alternate" (docs/watching.md).
            href = html.escape(match.url)
            content += f'<p>Original: <a href="{href}">{href}</a></p>'
        entry.content(content, type="html")
    return feed.atom_str(pretty=True)
