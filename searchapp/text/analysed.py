"""What the analysis makes of an article: the stems and positions of its title and body,
its gazetteer tags and its vocabulary, which every engine indexes (never terms of its own)."""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass
from typing import Any

from . import analysis, language
from .article import Article
from .corrections import Corrections
from .entities import entity_values, find_entities
from .tags import default_gazetteer


@dataclass(frozen=True, slots=True)
class AnalysedArticle:
    """An article with what our analysis makes of it: what every engine indexes.

    Stems map to their word positions (a compound join, "cyberattack", shares the position of
    its second half). Only a real headline is searched as the title: a title made from the
    first sentence is still stored and shown, but its words already count once in the body.
    The exact forms are the words written capitalised mid-sentence whose stem differs,
    unstemmed (case and accents folded), with their counts (:func:`exact_forms`): a query
    word matching its own form scores above one matching only its stem.
    """

    article: Article
    title_postings: dict[str, list[int]]  # empty unless the title is a real headline
    body_postings: dict[str, list[int]]
    title_exact: dict[str, int]  # empty unless the title is a real headline
    body_exact: dict[str, int]
    tags: tuple[str, ...]  # gazetteer tags by canonical name
    entities: tuple[str, ...]  # "type:name" values (text.entities), corrections applied
    words: frozenset[str]  # unstemmed vocabulary: what patterns and suggestions look up
    lang: str = ""  # ISO 639-1 code: the metadata's language, else the detected one; "" unknown

    @property
    def day(self) -> int:
        """The publication date as a day number (``date.toordinal``), 0 when unknown."""
        published = self.article.published
        return published.toordinal() if published else 0

    @property
    def source_words(self) -> list[str]:
        """The `source:` words, unstemmed, in order (computed when asked: Whoosh's index
        analyses its metadata fields itself, the same way)."""
        return analysis.metadata_words(self.article.source)

    @property
    def author_words(self) -> list[str]:
        return analysis.metadata_words(self.article.author)

    @property
    def year(self) -> int | None:
        published = self.article.published
        return published.year if published else None

    def stored(self) -> dict[str, Any]:
        """The stored fields, as :meth:`searchapp.engines.base.View.fields` returns them."""
        return stored_fields(self.article, self.tags, self.entities, self.lang)


def stored_fields(
    article: Article,
    tags: tuple[str, ...] | list[str],
    entities: tuple[str, ...] | list[str] = (),
    lang: str = "",
) -> dict[str, Any]:
    """What an engine stores of an article and gives back for display: id, title, body,
    path, url, source, author, tag (comma-separated), date (a ``date`` or None), pages (the
    page starts, a list; empty when unpaged), parent and attachments (article ids), and
    entities (their values, a list)."""
    return {
        "id": article.id,
        "title": article.title,
        "body": article.body,
        "path": article.path,
        "url": article.url,
        "source": article.source,
        "author": article.author,
        "tag": ",".join(tags),
        "date": article.published,
        "pages": list(article.pages),
        "parent": article.parent,
        "attachments": list(article.attachments),
        "entities": list(entities),
        "lang": lang or article.lang,
    }


def exact_forms(text: str, table: analysis.Words, *, headline: bool = False) -> dict[str, int]:
    """The words of ``text`` (``table`` its words) written as names are, capitalised in
    mid-sentence, whose stem doesn't spell them (*Steele*; not *steel*, *Steel*, *spies*, nor
    *Spies* opening a sentence), folded, with their counts. Lucene's keyword repeat keeps every
    original token beside a different stem; these are the ones that tell a name from a word,
    at a fraction of the postings (docs/relevance.md). A ``headline`` in Title Case, most of
    its words capitalised, says nothing about names and gives none."""
    found = [
        (word, start)
        for word, stem, start in zip(table.words, table.stems, table.start, strict=True)
        if text[start].isupper() and not analysis.starts_sentence(text, start)
        and word != stem
    ]  # fmt: skip
    if found and headline and _title_case(text, table):
        return {}
    return Counter(word for word, _start in found)


def _title_case(text: str, table: analysis.Words) -> bool:
    """Most words after the first capitalised (Title Case)."""
    later = table.start[1:]
    return len(later) >= 2 and sum(text[start].isupper() for start in later) * 2 > len(later)


# The languages whose capitalised words the name rules (text.names) read as names: German
# capitalises every noun, Russian sentences open on a capital the rules take for a name.
NAMED_LANGUAGES = frozenset({"", "en"})
# Set to a language code, every article whose metadata states none is taken to be in that
# language, undetected (a collection known to be of one language indexes faster).
LANGUAGE_ENV = "SEARCHAPP_LANGUAGE"


def language_of(article: Article) -> str:
    """The article's language: its metadata's, else :data:`LANGUAGE_ENV`'s, else detected
    from its text ("" when too short or unsure to tell)."""
    if article.lang:
        return article.lang
    assumed = os.environ.get(LANGUAGE_ENV, "")
    if assumed:
        return language.normalize_code(assumed)
    return language.detect(f"{article.title}\n{article.body}")


def analyse(article: Article, corrections: Corrections | None = None) -> AnalysedArticle:
    """Everything an engine indexes of ``article``, from one pass of the analysis over the
    title and one over the body, each word as the article's language (:func:`language_of`)
    analyses it; its entities with ``corrections`` applied."""
    lang = language_of(article)
    title_postings, title_words = analysis.positions_and_words(article.title, lang)
    body_postings, body_words = analysis.positions_and_words(article.body, lang)
    text = f"{article.title}\n{article.body}"
    words = title_words.then(body_words, len(article.title) + 1)  # the table of ``text``
    # A Title Case headline's capitals say nothing about names.
    names_from = len(article.title) + 1 if _title_case(article.title, title_words) else 0
    if lang not in NAMED_LANGUAGES:
        names_from = len(text)  # the name rules read English ("Mr", "spokesman", capitals)
    gazetteer = default_gazetteer()
    tagged = gazetteer.mentions(text, words)  # the tags, and the agencies and groups
    mentions = find_entities(text, corrections, table=words, names_from=names_from, tagged=tagged)
    return AnalysedArticle(
        article=article,
        title_postings=title_postings if article.headline else {},
        body_postings=body_postings,
        title_exact=(
            exact_forms(article.title, title_words, headline=True) if article.headline else {}
        ),
        body_exact=exact_forms(article.body, body_words),
        tags=tuple(gazetteer.tags_of(tagged)),
        entities=entity_values(mentions),
        words=frozenset(words.vocabulary()),
        lang=lang,
    )
