"""A nudge from `start_broadcast` to the sender of the same process, so a new job starts at once.

Other processes find the job by polling (about every second); this only saves that second here.
"""

from __future__ import annotations

import asyncio

_listeners: set[asyncio.Event] = set()


def listen() -> asyncio.Event:
    """An event set whenever a job is started in this process; `forget` it when done."""
    event = asyncio.Event()
    _listeners.add(event)
    return event


def forget(event: asyncio.Event) -> None:
    _listeners.discard(event)


def notify() -> None:
    for event in _listeners:
        event.set()
