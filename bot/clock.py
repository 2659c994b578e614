"""The current time, injected so tests can move it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


class FileClock:
    """Reads "now" from a file (an ISO moment with its offset), so a test moves a running bot through days.

    Read on every call (a test may rewrite it twice within the file system's time resolution). A
    missing or unreadable file is an error, not the system time, so a test never passes on the real clock.
    """

    def __init__(self, path: Path) -> None:
        self._path = path

    def __call__(self) -> datetime:
        moment = datetime.fromisoformat(self._path.read_text(encoding="utf-8").strip())
        if moment.tzinfo is None:
            raise ValueError(f"{self._path}: the moment needs an offset, e.g. 2026-03-01T08:00:00+08:00")
        return moment.astimezone(UTC)


def clock_for(clock_file: Path | None) -> Clock:
    return FileClock(clock_file) if clock_file is not None else system_clock
