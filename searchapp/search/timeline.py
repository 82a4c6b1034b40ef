"""A timeline of hits: how many per month over every hit (not only the page), from the
``month`` facet the engines count on each search (:func:`searchapp.engines.base.months_of`).

The months run without a gap from the first dated hit's month to the last one's, months
without hits counted 0, so a chart can draw them at even steps; the hits with no date are
counted apart. Every hit is counted once: the months' counts and ``undated`` add up to the
hits the facet counted, which is the search's total unless it timed out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

_MONTH = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])")


@dataclass(frozen=True, slots=True)
class MonthCount:
    month: str  # "YYYY-MM"
    count: int

    @property
    def year(self) -> int:
        return int(self.month[:4])

    @property
    def number(self) -> int:
        """The month of the year, 1 to 12."""
        return int(self.month[5:7])


@dataclass(frozen=True, slots=True)
class Histogram:
    """Hits per month, oldest first, with the months between that had none (count 0), and
    the hits without a date."""

    months: tuple[MonthCount, ...] = ()
    undated: int = 0

    @property
    def total(self) -> int:
        return sum(m.count for m in self.months) + self.undated

    @property
    def biggest(self) -> int:
        """The largest month's count (0 when nothing is dated)."""
        return max((m.count for m in self.months), default=0)

    @property
    def first(self) -> str | None:
        return self.months[0].month if self.months else None

    @property
    def last(self) -> str | None:
        return self.months[-1].month if self.months else None

    def to_dict(self) -> dict[str, Any]:
        """The JSON API's shape: ``{"months": [{"month", "count"}…], "undated", "total"}``."""
        return {
            "months": [{"month": m.month, "count": m.count} for m in self.months],
            "undated": self.undated,
            "total": self.total,
        }


def histogram(counts: Mapping[str, int] | Iterable[tuple[str, int]]) -> Histogram:
    """The histogram of a ``month`` facet: counts per "YYYY-MM", "" for the undated (a key
    that is not a month counts as undated, so no hit is lost)."""
    items = counts.items() if isinstance(counts, Mapping) else counts
    dated: dict[int, int] = {}  # year * 12 + month - 1 -> count
    undated = 0
    for month, count in items:
        if count <= 0:
            continue
        match = _MONTH.fullmatch(month or "")
        if match is None:
            undated += count
            continue
        key = int(match[1]) * 12 + int(match[2]) - 1
        dated[key] = dated.get(key, 0) + count
    if not dated:
        return Histogram((), undated)
    months = tuple(
        MonthCount(f"{key // 12:04d}-{key % 12 + 1:02d}", dated.get(key, 0))
        for key in range(min(dated), max(dated) + 1)
    )
    return Histogram(months, undated)
