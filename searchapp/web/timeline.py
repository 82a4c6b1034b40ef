"""The timeline chart's layout: a :class:`~searchapp.search.timeline.Histogram` as bars and
labelled ticks in SVG coordinates, which ``templates/_timeline.html`` draws (on the results
page and the entity page; ``timeline_chart`` in the templates).

Months are drawn at even steps, 14 px each while they fit in 600 px and narrower beyond, so
twenty years (240 months) make bars of 2.5 px in the same width. Only months with hits get a
bar (an empty month is the space between); each bar's link covers its month's whole column,
so a short bar is as easy to click as a tall one. The x axis labels years, every one or every
2, 5, 10… so that labels never overlap; a span too short to hold two Januaries labels every
few months instead, from the first.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..search.timeline import Histogram

PLOT_HEIGHT = 60  # px of the tallest bar
BASELINE = 64  # y of the bars' foot
LABEL_Y = 80  # y of the labels' baseline
HEIGHT = 84
MARGIN = 1.0
MAX_STEP = 14.0  # px per month, while the months fit in MAX_WIDTH
MAX_WIDTH = 600.0  # px of the months, however many
MAX_GAP = 3.0  # px between bars (less when bars are narrow)
YEAR_LABEL = 32.0  # px a year label needs ("2017" in 10 px type is about 24, and a space)
MONTH_LABEL = 44.0  # px a month label needs ("2017-03")
MIN_WIDTH = MONTH_LABEL + 2 * MARGIN  # room for the first month's label
YEAR_STEPS = (1, 2, 5, 10, 20, 50, 100)


@dataclass(frozen=True, slots=True)
class Bar:
    month: str  # "YYYY-MM"
    count: int
    label: str  # what it says: "2017-03: 1,204 hits"
    x: float
    y: float
    width: float
    height: float
    slot_x: float  # the month's whole column (the link's target area)
    slot_width: float


@dataclass(frozen=True, slots=True)
class Tick:
    x: float
    label: str  # drawn from x on


@dataclass(frozen=True, slots=True)
class Chart:
    width: float
    bars: tuple[Bar, ...]  # months with hits only, oldest first
    ticks: tuple[Tick, ...]
    first: str  # the first and last months drawn ("" when nothing is dated)
    last: str
    height: int = HEIGHT
    baseline: int = BASELINE
    label_y: int = LABEL_Y


def _px(value: float) -> float:
    """A coordinate to two decimals (a whole one as an int: "14", not "14.0")."""
    value = round(value, 2)
    return int(value) if value.is_integer() else value


def chart(histogram: Histogram, noun: str = "hit", nouns: str = "hits") -> Chart:
    """The layout of ``histogram``'s months (an empty chart when none is dated), each bar
    labelled with its month and count of ``noun`` (one) or ``nouns`` (several)."""
    months = histogram.months
    if not months:
        return Chart(0.0, (), (), "", "")
    count = len(months)
    step = min(MAX_STEP, MAX_WIDTH / count)
    gap = min(MAX_GAP, step / 4)
    width = _px(max(count * step + 2 * MARGIN, MIN_WIDTH))
    biggest = histogram.biggest
    bars = []
    for i, month in enumerate(months):
        if not month.count:
            continue
        height = math.ceil(PLOT_HEIGHT * month.count / biggest)
        x = MARGIN + i * step
        bars.append(
            Bar(
                month.month,
                month.count,
                f"{month.month}: {month.count:,} {noun if month.count == 1 else nouns}",
                _px(x),
                BASELINE - height,
                _px(step - gap),
                height,
                _px(x - gap / 2),
                _px(step),
            )
        )
    return Chart(
        width, tuple(bars), _ticks(histogram, step, width), months[0].month, months[-1].month
    )


def _ticks(histogram: Histogram, step: float, width: float) -> tuple[Tick, ...]:
    """Years at their Januaries, every 1, 2, 5… years as room allows; else (fewer than two
    Januaries) months, every so many from the first."""
    months = histogram.months

    def fits(i: int, label: float) -> bool:
        return MARGIN + i * step + label <= width

    every = next((k for k in YEAR_STEPS if k * 12 * step >= YEAR_LABEL), YEAR_STEPS[-1])
    years = tuple(
        Tick(_px(MARGIN + i * step), str(month.year))
        for i, month in enumerate(months)
        if month.number == 1 and month.year % every == 0 and fits(i, YEAR_LABEL)
    )
    if len(years) >= 2:
        return years
    every = math.ceil(MONTH_LABEL / step)
    return tuple(
        Tick(_px(MARGIN + i * step), month.month)
        for i, month in enumerate(months)
        if i % every == 0 and fits(i, MONTH_LABEL)
    )
