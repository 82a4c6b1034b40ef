"""Dates as sources write them: :func:`_parse_date` for a stated value, and
:func:`_recover_text_metadata` for a dateline or byline standing alone on one of the first lines
of a text."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

# --- Dates ----------------------------------------------------------------------------------------

# Missing parts of a date come from here, never from today; a missing year lands outside the
# accepted range and so rejects the date.
_DATE_DEFAULT = datetime(1, 1, 1)
_MIN_YEAR = 1900
_MAX_DATE_TEXT = 80  # longer strings are prose, not dates (and would be slow to try)
_DOTTED_TIME = re.compile(r"\b(\d{1,2})\.(\d\d)\b")


def _parse_date(value: object) -> date | None:
    """The calendar date ``value`` states, or None when it states none plausibly.

    Accepts ISO 8601, RFC 822, ``2017/2/7``, ``5 March 2018`` and the like, datetimes, dates
    and Unix timestamps; the date is the one written (a time zone does not shift it). Dates
    before 1900 or more than a year ahead are rejected. Never raises.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, datetime):
        return _in_range(value.date())
    if isinstance(value, date):
        return _in_range(value)
    if isinstance(value, int) and _MIN_YEAR <= value <= 9999:
        return _make_date(value, 1, 1)  # a bare year, as "2018" in a string would read
    if isinstance(value, int | float):
        return _from_timestamp(value)
    text = " ".join(str(value).split())
    if not text or len(text) > _MAX_DATE_TEXT:
        return None
    if text.isdigit() and len(text) >= 9:  # epoch seconds (or milliseconds) as a string
        return _from_timestamp(int(text))
    from dateutil import parser as date_parser

    # ignoretz: only the date as written is wanted, and unknown zone names ("BST") would
    # otherwise warn. British times ("07.34") confuse dateutil, so a failure is retried with
    # them in colon form.
    for attempt in (text, _DOTTED_TIME.sub(r"\1:\2", text)):
        try:
            parsed = date_parser.parse(attempt, default=_DATE_DEFAULT, ignoretz=True)
        except (ValueError, OverflowError, TypeError):
            continue
        return _in_range(parsed.date())
    return None


def _from_timestamp(value: float) -> date | None:
    if value != value or value < 10**8:  # NaN, or too small to be a timestamp of this era
        return None
    if value > 10**11:  # milliseconds
        value /= 1000
    try:
        return _in_range(datetime.fromtimestamp(value, UTC).date())
    except (OverflowError, OSError, ValueError):
        return None


def _in_range(day: date) -> date | None:
    latest = date.today() + timedelta(days=366)
    return day if _MIN_YEAR <= day.year and day <= latest else None


# --- Datelines and bylines in text ----------------------------------------------------------------

# Only this many non-blank lines at the top of a text are looked at: a dateline or byline
# stands before or just after the headline, and anything lower is article text.
_METADATA_LINES = 6

_DATE_PREFIX = re.compile(
    r"(?:(?:first|originally)\s+)?(?:published|posted|updated|modified|released|dated?|"
    r"last\s+(?:updated|modified|edited))(?:\s+(?:on|at))?\s*[:|–—-]?\s*",
    re.IGNORECASE,
)
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_WEEKDAYS = frozenset(
    "monday mon tuesday tue tues wednesday wed thursday thu thur thurs friday fri "
    "saturday sat sunday sun".split()
)
# Words a dateline may hold besides the date itself: times, zones, and small connectives.
_DATE_FILLER = frozenset(
    "am pm a.m. p.m. gmt bst utc cet cest eet eest est edt cst cdt mst mdt pst pdt et pt ist "
    "aest aedt jst msk z at on of the".split()
)
_DAY = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?")
_YEAR = re.compile(r"(?:19|20)\d\d")
_NUMERIC_DATE = re.compile(r"(\d{4})([-/])(\d{1,2})\2(\d{1,2})(?:t[\d:.]+(?:z|[+-]\d\d:?\d\d)?)?")
_TIME = re.compile(
    r"\d{1,2}(?:[:.]\d\d(?:[:.]\d\d)?)?(?:am|pm|a\.m\.|p\.m\.)|\d{1,2}[:.]\d\d(?:[:.]\d\d)?"
    r"|[+-]\d\d:?\d\d"
)
_DATE_WORDS = re.compile(r"[^\s,|•·()]+")

# A byline: "By" and one or more names of two to four capitalised words (particles allowed).
_NAME_WORD = r"[A-ZÀ-Þ][\w'’.-]*"
_PARTICLE = r"(?:de|van|von|der|den|da|di|du|la|le|al|el|bin|ibn|dos|del|ter)"
_PERSON = rf"{_NAME_WORD}(?:\s+(?:{_PARTICLE}\s+)*{_NAME_WORD}){{1,3}}"
# Case matters for the names, so only "by" ignores it.
_BYLINE = re.compile(rf"(?i:by)\s+({_PERSON}(?:\s*(?:,|\band\b|&)\s*{_PERSON})*)")
# "By Jane Smith, Security Correspondent": a job title is not a second author.
_ROLE_WORDS = frozenset(
    "correspondent editor reporter writer staff contributor columnist analyst producer "
    "photographer journalist desk team agencies".split()
)
_BYLINE_SPLIT = re.compile(r"\s*(?:,|\band\b|&)\s*")
_BYLINE_MAX_CHARS = 100


def _recover_text_metadata(text: str) -> tuple[str, date | None, str]:
    """``text`` without a dateline and a byline found on its first lines, and what they said.

    A dateline is a line that holds nothing but a date with day, month and year (optionally
    "Published:", a weekday, a time and a zone); a byline is "By" and capitalised names. A
    matched line becomes a blank line, so the text around it stays in separate paragraphs.
    Dates inside sentences are never read.
    """
    lines = text.splitlines()
    published: date | None = None
    author = ""
    seen = 0
    for index, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            continue
        seen += 1
        if seen > _METADATA_LINES:
            break
        if published is None and (found := _dateline(stripped)) is not None:
            published = found
            lines[index] = ""
        elif not author and (names := _byline(stripped)):
            author = names
            lines[index] = ""
    if published is None and not author:
        return text, None, ""
    return "\n".join(lines), published, author


def _dateline(line: str) -> date | None:
    if len(line) > _MAX_DATE_TEXT:
        return None
    prefix = _DATE_PREFIX.match(line)
    rest = line[prefix.end() :] if prefix else line
    day = month = year = None
    numeric: date | None = None
    for raw_word in _DATE_WORDS.findall(rest.lower()):
        word = raw_word.strip("-–—/")
        bare = word.rstrip(".")
        if not word or bare in _WEEKDAYS or word in _DATE_FILLER or bare in _DATE_FILLER:
            continue
        if _TIME.fullmatch(word):
            continue
        if bare in _MONTHS:
            if month is not None:
                return None
            month = _MONTHS[bare]
        elif _YEAR.fullmatch(bare):
            if year is not None:
                return None
            year = int(bare)
        elif match := _DAY.fullmatch(bare):
            if day is not None:
                return None
            day = int(match.group(1))
        elif match := _NUMERIC_DATE.fullmatch(word):
            if numeric is not None:
                return None
            numeric = _make_date(int(match.group(1)), int(match.group(3)), int(match.group(4)))
            if numeric is None:
                return None
        else:
            return None  # a word that is no part of a date: this is a sentence
    if numeric is not None:
        return numeric if day is month is year is None else None
    if day is None or month is None or year is None:
        return None
    return _make_date(year, month, day)


def _make_date(year: int, month: int, day: int) -> date | None:
    try:
        return _in_range(date(year, month, day))
    except ValueError:
        return None


def _byline(line: str) -> str:
    if len(line) > _BYLINE_MAX_CHARS:
        return ""
    match = _BYLINE.fullmatch(line)
    if match is None:
        return ""
    names = []
    for name in _BYLINE_SPLIT.split(match.group(1)):
        words = [word.lower().rstrip(".") for word in name.split()]
        # "By Late March" fits the pattern; calendar words are never part of a name.
        if any(word in _MONTHS or word in _WEEKDAYS for word in words):
            return ""
        if words and not _ROLE_WORDS.intersection(words):
            names.append(" ".join(name.split()))
    return ", ".join(names)
