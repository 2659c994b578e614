"""/report's picture: an organization's last days as a PNG, check-in rate (line) over people by colour (bars).

Pure: numbers and already-translated words in, PNG bytes out; no Telegram, no database, no gettext.
Drawn on a `Figure` with the Agg canvas, never pyplot, so nothing global is touched and several charts
can be drawn at once in threads. matplotlib is imported inside the function: importing it costs about
half a second, which bot start and every handler that never draws should not pay.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Generic, TypeVar

FONT_FILE = Path(__file__).resolve().parent.parent / "assets" / "fonts" / "NotoSansSC-Bold.ttf"
COLOURS = ("green", "yellow", "red", None)
DAYS = 14
DAY_SECONDS = 24 * 3600.0
V = TypeVar("V")
_HALF_BAR = 0.35
_FILL = {"green": "#2e9e44", "yellow": "#e6b800", "red": "#d62728", None: "#b0b0b0"}


@dataclass(frozen=True, slots=True)
class ChartDay:
    day: date
    checked_in: int
    # People counted that day by colour ("green", "yellow", "red", None for no code yet).
    colours: dict[str | None, int]


@dataclass(frozen=True, slots=True)
class ChartLabels:
    title: str
    people: str
    rate: str
    colour_names: dict[str | None, str]
    day_names: list[str]


def draw(days: list[ChartDay], members: int, labels: ChartLabels) -> bytes:
    """The chart as PNG bytes; `labels.day_names` are the days' labels in the reader's language."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.collections import PolyCollection
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties
    from matplotlib.ticker import MaxNLocator

    font = FontProperties(fname=str(FONT_FILE))
    small = FontProperties(fname=str(FONT_FILE), size=8)
    figure = Figure(figsize=(8, 4.5), dpi=100)
    FigureCanvasAgg(figure)
    bars = figure.add_subplot()
    positions = list(range(len(days)))
    bottom = [0] * len(days)
    # One collection of rectangles per colour rather than `bar()`, which adds each bar as an artist of
    # its own and recomputes the limits for each: that was a fifth of the drawing.
    for colour in COLOURS:
        heights = [day.colours.get(colour, 0) for day in days]
        boxes = [
            [
                (x - _HALF_BAR, below),
                (x + _HALF_BAR, below),
                (x + _HALF_BAR, below + height),
                (x - _HALF_BAR, below + height),
            ]
            for x, below, height in zip(positions, bottom, heights, strict=True)
        ]
        bars.add_collection(
            PolyCollection(boxes, facecolors=_FILL[colour], edgecolors="none", label=labels.colour_names[colour])
        )
        bottom = [below + height for below, height in zip(bottom, heights, strict=True)]
    bars.set_xlim(-0.6, len(days) - 0.4)
    bars.set_ylim(0, max(1, *bottom) * 1.05)
    # Five ticks a side instead of the locators' seven or eight: each tick is two lines and a text laid
    # out at draw time, and fewer read as well.
    bars.yaxis.set_major_locator(MaxNLocator(5, integer=True))
    bars.set_ylabel(labels.people, fontproperties=font)
    bars.set_xticks(positions, labels.day_names, rotation=45, ha="right", fontproperties=small)
    rate = bars.twinx()
    rate.plot(
        positions,
        [100 * day.checked_in / members if members else 0 for day in days],
        color="#1f4e9e",
        marker="o",
        linewidth=2,
    )
    rate.set_ylim(0, 105)
    rate.set_yticks(range(0, 101, 25))
    rate.set_ylabel(labels.rate, fontproperties=font)
    bars.legend(prop=small, loc="upper left")
    figure.suptitle(labels.title, fontproperties=font)
    # Fixed margins, measured for the rotated day labels and both axes' titles: tight_layout() drew the
    # figure once to measure it and left a layout engine that made savefig draw it twice more.
    figure.subplots_adjust(left=0.12, right=0.9, bottom=0.17, top=0.9)
    output = io.BytesIO()
    # zlib's fastest level: a fifth of the drawing went into compressing at the default 6, for a file
    # only about a tenth smaller (flat colours compress well at any level).
    figure.savefig(output, format="png", pil_kwargs={"compress_level": 1})
    return output.getvalue()


class _Timed(Generic[V]):
    """Values kept for `seconds`, at most `size` of them (the oldest go first)."""

    def __init__(self, seconds: float, size: int, clock: Callable[[], float]) -> None:
        self._seconds = seconds
        self._size = size
        self._clock = clock
        self._values: dict[Hashable, tuple[float, V]] = {}

    def get(self, key: Hashable) -> V | None:
        found = self._values.get(key)
        if found is None or self._clock() - found[0] > self._seconds:
            return None
        return found[1]

    def put(self, key: Hashable, value: V) -> None:
        now = self._clock()
        self._values = {k: v for k, v in self._values.items() if now - v[0] <= self._seconds}
        while len(self._values) >= self._size:
            del self._values[next(iter(self._values))]  # the oldest: dicts keep insertion order
        self._values[key] = (now, value)


class ChartCache:
    """Charts kept for a few minutes in this process (HR at 8 am sends /report again and again), and the
    days before today kept all day: their check-ins no longer change, and reading them is the costly part
    (a row per member per day), so only the first chart of the day in a process pays for it.

    Each process keeps its own; keys are whatever the caller says makes a value different.
    """

    def __init__(self, seconds: float = 300.0, size: int = 256, clock: Callable[[], float] = time.monotonic) -> None:
        self.charts: _Timed[bytes] = _Timed(seconds, size, clock)
        self.past_days: _Timed[list[ChartDay]] = _Timed(DAY_SECONDS, size, clock)

    def get(self, key: Hashable) -> bytes | None:
        return self.charts.get(key)

    def put(self, key: Hashable, png: bytes) -> None:
        self.charts.put(key, png)
