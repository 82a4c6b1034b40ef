"""The judged name queries of the news collection (``benchmarks/names.toml``): build and check.

Each query is a name as an analyst types it (a person, an organisation or a place) with the
articles of the news collection (``make news``: 3,824 world-news articles, 2016-2017, read
as searchapp reads the CSV) judged for it. Judgments never come from a search engine; they
come from the text, by a stated rule, then a reading of the doubtful ones:

1. **Forms of the name.** ``names``: the forms that always mean it, matched case-sensitively
   as whole words (``Theresa May``, ``Mrs May``; ``Merkel``). ``after``: forms that mean it
   only once a ``names`` form has appeared in the same article (``May`` after ``Theresa
   May``; ``Steele`` after ``Christopher Steele``): counted in the body after the first
   ``names`` form, and in the title when the article holds a ``names`` form anywhere.
   ``exclude``: regular expressions of what is not the name (``in May`` the month,
   ``Jean-Marie Le Pen`` for Marine Le Pen); a form overlapping one of their matches does not
   count.
2. **The rule.** An article is a candidate when a ``names`` form occurs in it (outside the
   excluded spans). Grade 2 (about it) when a counted form is in the title or the article has
   at least :data:`ABOUT_MENTIONS` counted mentions; grade 1 (mentions it in passing)
   otherwise. Articles not listed are 0.
3. **Review.** Borderline grades (one mention short of or at the threshold) and ambiguous forms
   were read in the article text; where the rule is wrong an override records the grade and
   why (``overrides``: article, grade, reason). Overrides may also add an article the rule
   misses (a grade for a non-candidate) or drop one (grade 0).

``judgments`` in the file are the rule's grades with the overrides applied; ``check`` recomputes
them from the collection and fails when they differ, so the file cannot drift from the rule.

Usage::

    python -m benchmarks.names build --news data/news/NewsArticles.csv --out benchmarks/names.toml
    python -m benchmarks.names check --news data/news/NewsArticles.csv [--names FILE]
    python -m benchmarks.names show --news data/news/NewsArticles.csv QUERY_ID [ARTICLE_ID ...]

``build`` reads the query definitions and overrides from ``--out`` (the committed file) and
rewrites it with fresh judgments; ``show`` prints each counted mention in context, for review.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.relevance import NAMES_TOML, NEWS_CSV, Document, read_news

KINDS = ("person", "organisation", "place")
GRADES = (0, 1, 2)
ABOUT_MENTIONS = 3  # counted mentions that make an article about the name (grade 2)
MIN_QUERIES = 50
MAX_JUDGED = 150  # judged articles per query: more is not reviewable


class NamesError(Exception):
    """The judged set is malformed or disagrees with the collection."""


@dataclass(frozen=True, slots=True)
class Override:
    article: str
    grade: int
    reason: str


@dataclass(slots=True)
class NameQuery:
    id: str
    text: str  # as an analyst types it
    kind: str  # one of KINDS
    names: list[str]  # forms that always mean the name
    after: list[str] = field(default_factory=list)  # forms that do once a name form appeared
    exclude: list[str] = field(default_factory=list)  # regexes of what is not the name
    overrides: list[Override] = field(default_factory=list)
    judgments: dict[str, int] = field(default_factory=dict)  # article id -> grade (> 0)

    def matcher(self) -> Matcher:
        return Matcher(self.names, self.after, self.exclude)


@dataclass(frozen=True, slots=True)
class Mention:
    start: int
    end: int
    form: str
    in_title: bool


def _forms(forms: Sequence[str]) -> re.Pattern[str] | None:
    if not forms:
        return None
    alternatives = "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")


class Matcher:
    """Finds the counted mentions of one name in an article (see the module docstring)."""

    def __init__(self, names: Sequence[str], after: Sequence[str], exclude: Sequence[str]):
        self.names = _forms(names)
        self.after = _forms(after)
        self.exclude = [re.compile(p) for p in exclude]

    def mentions(self, title: str, body: str) -> list[Mention]:
        text = f"{title}\n\n{body}"
        body_start = len(title) + 2
        excluded = [m.span() for p in self.exclude for m in p.finditer(text)]

        def kept(pattern: re.Pattern[str] | None) -> list[re.Match[str]]:
            if pattern is None:
                return []
            return [
                m
                for m in pattern.finditer(text)
                if not any(s < m.end() and m.start() < e for s, e in excluded)
            ]

        full = kept(self.names)
        if not full:
            return []
        first = min(m.start() for m in full)
        taken = [(m.start(), m.end()) for m in full]
        short = [
            m
            for m in kept(self.after)
            if (m.start() < len(title) or m.start() > first)
            and not any(s < m.end() and m.start() < e for s, e in taken)
        ]
        found = [
            Mention(m.start(), m.end(), m.group(), m.start() < body_start) for m in full + short
        ]
        return sorted(found, key=lambda m: m.start)


def rule_grade(mentions: Sequence[Mention]) -> int:
    """2 when a counted form is in the title or there are ``ABOUT_MENTIONS``; 1 when any; 0."""
    if not mentions:
        return 0
    if any(m.in_title for m in mentions) or len(mentions) >= ABOUT_MENTIONS:
        return 2
    return 1


def rule_judgments(query: NameQuery, documents: Iterable[Document]) -> dict[str, int]:
    """The rule's grade (> 0 only) of every article for ``query``, overrides not applied."""
    matcher = query.matcher()
    grades = {}
    for doc in documents:
        grade = rule_grade(matcher.mentions(doc.title, doc.text))
        if grade:
            grades[doc.id] = grade
    return grades


def apply_overrides(grades: dict[str, int], overrides: Iterable[Override]) -> dict[str, int]:
    judged = dict(grades)
    for override in overrides:
        judged[override.article] = override.grade
    return {doc: g for doc, g in sorted(judged.items(), key=_by_row) if g > 0}


def _by_row(item: tuple[str, int]) -> tuple[str, int]:
    prefix, _, row = item[0].rpartition("-")
    return (prefix, int(row)) if row.isdigit() else (item[0], 0)


# -- the file --------------------------------------------------------------------------------


def load(path: Path) -> list[NameQuery]:
    """The queries of a names file; :class:`NamesError` when one is malformed."""
    try:
        with path.open("rb") as file:
            data = tomllib.load(file)
    except tomllib.TOMLDecodeError as exc:
        raise NamesError(f"{path}: not valid TOML: {exc}") from exc
    queries = []
    for position, q in enumerate(data.get("query", []), start=1):
        where = f"{path}: query {position} ({q.get('id', '?')})"
        try:
            overrides = [
                Override(str(o["article"]), int(o["grade"]), str(o["reason"]))
                for o in q.get("overrides", [])
            ]
            query = NameQuery(
                id=str(q["id"]),
                text=str(q["text"]),
                kind=str(q["kind"]),
                names=[str(n) for n in q["names"]],
                after=[str(n) for n in q.get("after", [])],
                exclude=[str(p) for p in q.get("exclude", [])],
                overrides=overrides,
                judgments={str(d): int(g) for d, g in q.get("judgments", {}).items()},
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise NamesError(f"{where}: malformed ({exc!r})") from exc
        for pattern in query.exclude:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise NamesError(f"{where}: bad exclude pattern {pattern!r}: {exc}") from exc
        queries.append(query)
    return queries


HEADER = """\
# Judged name queries over the news collection (make news): benchmarks/names.py says how they
# are judged, docs/names-eval.md what they measure. Regenerate the judgments with
#   python -m benchmarks.names build --news data/news/NewsArticles.csv --out benchmarks/names.toml
# and edit only id, text, kind, names, after, exclude and overrides by hand.
"""


def _string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a TOML basic string


def _strings(values: Sequence[str]) -> str:
    return "[" + ", ".join(_string(v) for v in values) + "]"


def dump(queries: Sequence[NameQuery]) -> str:
    """The names file: one ``[[query]]`` table each, judgments in article order."""
    parts = [HEADER]
    for q in queries:
        lines = [
            "",
            "[[query]]",
            f"id = {_string(q.id)}",
            f"text = {_string(q.text)}",
            f"kind = {_string(q.kind)}",
            f"names = {_strings(q.names)}",
        ]
        if q.after:
            lines.append(f"after = {_strings(q.after)}")
        if q.exclude:
            lines.append(f"exclude = {_strings(q.exclude)}")
        if q.overrides:
            lines.append("overrides = [")
            for o in q.overrides:
                lines.append(
                    f"    {{ article = {_string(o.article)}, grade = {o.grade}, "
                    f"reason = {_string(o.reason)} }},"
                )
            lines.append("]")
        lines.append("[query.judgments]")
        lines += [f"{doc} = {grade}" for doc, grade in q.judgments.items()]
        parts.append("\n".join(lines) + "\n")
    return "".join(parts)


# -- build and check -------------------------------------------------------------------------


def build(queries: Sequence[NameQuery], documents: Sequence[Document]) -> list[NameQuery]:
    """The queries with their judgments regenerated: the rule's, the overrides applied."""
    for q in queries:
        q.judgments = apply_overrides(rule_judgments(q, documents), q.overrides)
    return list(queries)


def check(queries: Sequence[NameQuery], documents: Sequence[Document]) -> list[str]:
    """Every problem of the judged set against the collection (empty: it is sound)."""
    problems: list[str] = []
    ids = {d.id for d in documents}
    if len(queries) < MIN_QUERIES:
        problems.append(f"{len(queries)} queries; at least {MIN_QUERIES} are needed")
    kinds = {q.kind for q in queries}
    if missing := [k for k in KINDS if k not in kinds]:
        problems.append(f"no query of kind {', '.join(missing)}")
    seen: set[str] = set()
    for q in queries:
        where = f"query {q.id!r}"
        if q.id in seen:
            problems.append(f"{where}: id used twice")
        seen.add(q.id)
        if q.kind not in KINDS:
            problems.append(f"{where}: kind {q.kind!r} is not one of {', '.join(KINDS)}")
        if not q.names:
            problems.append(f"{where}: no names forms")
        for doc, grade in q.judgments.items():
            if doc not in ids:
                problems.append(f"{where}: judged article {doc} is not in the collection")
            if grade not in GRADES[1:]:
                problems.append(f"{where}: {doc} has grade {grade}, not 1 or 2")
        if 2 not in q.judgments.values():
            problems.append(f"{where}: no article judged about it (grade 2)")
        if len(q.judgments) > MAX_JUDGED:
            problems.append(f"{where}: {len(q.judgments)} judged articles (at most {MAX_JUDGED})")
        rule = rule_judgments(q, documents)
        overridden: set[str] = set()
        for o in q.overrides:
            if o.article not in ids:
                problems.append(f"{where}: override of {o.article}, not in the collection")
            if o.grade not in GRADES:
                problems.append(f"{where}: override of {o.article} to grade {o.grade}")
            if not o.reason.strip():
                problems.append(f"{where}: override of {o.article} gives no reason")
            if o.article in overridden:
                problems.append(f"{where}: {o.article} overridden twice")
            overridden.add(o.article)
            if rule.get(o.article, 0) == o.grade:
                problems.append(
                    f"{where}: override of {o.article} to {o.grade} is what the rule gives; "
                    "remove it"
                )
        expected = apply_overrides(rule, q.overrides)
        if expected != q.judgments:
            differ = sorted(
                set(expected.items()) ^ set(q.judgments.items()), key=lambda item: _by_row(item)
            )
            shown = ", ".join(
                f"{doc}: file {q.judgments.get(doc, 0)}, rule {expected.get(doc, 0)}"
                for doc in dict.fromkeys(doc for doc, _ in differ)
            )
            problems.append(
                f"{where}: judgments disagree with the rule and the overrides ({shown}); "
                "run build, or record an override"
            )
    return problems


def show(query: NameQuery, documents: Sequence[Document], articles: Sequence[str]) -> str:
    """Each article's rule grade and its counted mentions in context (all judged ones when
    ``articles`` is empty), for reviewing."""
    matcher = query.matcher()
    by_id = {d.id: d for d in documents}
    wanted = list(articles) or list(query.judgments)
    out = []
    for doc_id in wanted:
        doc = by_id.get(doc_id)
        if doc is None:
            out.append(f"{doc_id}: not in the collection")
            continue
        mentions = matcher.mentions(doc.title, doc.text)
        text = f"{doc.title}\n\n{doc.text}"
        out.append(
            f"{doc_id} rule {rule_grade(mentions)} file {query.judgments.get(doc_id, 0)} "
            f"({len(mentions)} mentions, {len(doc.text.split())} words): {doc.title}"
        )
        for m in mentions:
            context = " ".join(text[max(0, m.start - 70) : m.end + 70].split())
            out.append(f"    {context}")
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name, what in (
        ("build", "regenerate the judgments from the rule and the overrides"),
        ("check", "validate the judged set against the collection"),
        ("show", "print a query's counted mentions in context"),
    ):
        command = commands.add_parser(name, help=what)
        command.add_argument("--news", type=Path, default=NEWS_CSV, help="the news CSV")
        if name == "build":
            command.add_argument("--out", type=Path, default=NAMES_TOML, help="the names file")
        else:
            command.add_argument("--names", type=Path, default=NAMES_TOML, help="the names file")
        if name == "show":
            command.add_argument("query")
            command.add_argument("articles", nargs="*")
    args = parser.parse_args(argv)
    if not args.news.is_file():
        print(f"no news collection at {args.news} (run `make news`)", file=sys.stderr)
        return 2
    path = args.out if args.command == "build" else args.names
    try:
        queries = load(path)
    except (OSError, NamesError) as exc:
        print(f"cannot read the names file: {exc}", file=sys.stderr)
        return 2
    documents, _skips = read_news(args.news)
    if args.command == "build":
        built = build(queries, documents)
        path.write_text(dump(built), encoding="utf-8")
        judged = sum(len(q.judgments) for q in built)
        overrides = sum(len(q.overrides) for q in built)
        print(f"{path}: {len(built)} queries, {judged} judgments, {overrides} overrides")
        return 0
    if args.command == "show":
        matches = [q for q in queries if q.id == args.query]
        if not matches:
            print(f"no query {args.query!r} in {path}", file=sys.stderr)
            return 2
        print(show(matches[0], documents, args.articles))
        return 0
    problems = check(queries, documents)
    for problem in problems:
        print(f"{path}: {problem}", file=sys.stderr)
    if problems:
        print(f"{path}: {len(problems)} problems", file=sys.stderr)
        return 1
    judged = sum(len(q.judgments) for q in queries)
    print(f"{path}: {len(queries)} queries, {judged} judgments agree with the rule and overrides")
    return 0


if __name__ == "__main__":
    sys.exit(main())
