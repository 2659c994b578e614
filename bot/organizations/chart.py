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

FONT_FILE = Path(__file__).resolve().parent.parent / "assets" / "fonts" / "NotoSansSC-Bold.ttf"
COLOURS = ("green", "yellow", "red", None)
DAYS = 14
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
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties

    font = FontProperties(fname=str(FONT_FILE))
    small = FontProperties(fname=str(FONT_FILE), size=8)
    figure = Figure(figsize=(8, 4.5), dpi=100)
    FigureCanvasAgg(figure)
    bars = figure.add_subplot()
    positions = list(range(len(days)))
    bottom = [0] * len(days)
    for colour in COLOURS:
        heights = [day.colours.get(colour, 0) for day in days]
        bars.bar(positions, heights, bottom=bottom, color=_FILL[colour], label=labels.colour_names[colour], width=0.7)
        bottom = [below + height for below, height in zip(bottom, heights, strict=True)]
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
    rate.set_ylabel(labels.rate, fontproperties=font)
    bars.legend(prop=small, loc="upper left")
    figure.suptitle(labels.title, fontproperties=font)
    figure.tight_layout()
    output = io.BytesIO()
    figure.savefig(output, format="png")
    return output.getvalue()


class ChartCache:
    """Drawn charts kept for a few minutes in this process: HR at 8 am sends /report again and again.

    Keyed by whatever the caller says makes a chart different (organization, language, day); each process
    keeps its own, so with several processes a chart is drawn at most once a process per period.
    """

    def __init__(self, seconds: float = 300.0, size: int = 256, clock: Callable[[], float] = time.monotonic) -> None:
        self._seconds = seconds
        self._size = size
        self._clock = clock
        self._charts: dict[Hashable, tuple[float, bytes]] = {}

    def get(self, key: Hashable) -> bytes | None:
        found = self._charts.get(key)
        if found is None or self._clock() - found[0] > self._seconds:
            return None
        return found[1]

    def put(self, key: Hashable, png: bytes) -> None:
        now = self._clock()
        self._charts = {k: v for k, v in self._charts.items() if now - v[0] <= self._seconds}
        while len(self._charts) >= self._size:
            del self._charts[next(iter(self._charts))]  # the oldest: dicts keep insertion order
        self._charts[key] = (now, png)
