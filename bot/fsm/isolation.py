"""One person's updates handled one at a time, with memory only for the people being handled now.

aiogram's `SimpleEventIsolation` keeps an `asyncio.Lock` for every chat it has ever seen (about 350
bytes each, with its key): a bot that a city talks to grows by gigabytes until it restarts. Here a
chat's lock exists only while an update of that chat holds it or waits for it, so the memory follows
the updates in flight, not the number of people.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Hashable
from contextlib import asynccontextmanager

from aiogram.fsm.storage.base import BaseEventIsolation, StorageKey


class _ChatLock:
    __slots__ = ("lock", "users")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        # Updates holding the lock or waiting for it; at zero nobody can be relying on this lock.
        self.users = 0


class ChatEventIsolation(BaseEventIsolation):
    """The guarantee of `SimpleEventIsolation` (one process, one update of a chat at a time), without its leak."""

    def __init__(self) -> None:
        self._locks: dict[Hashable, _ChatLock] = {}

    # Not __len__: an empty isolation would be falsy, and aiogram's Dispatcher takes a falsy
    # `events_isolation` for none given and isolates nothing.
    @property
    def chats_in_flight(self) -> int:
        """Chats with an update being handled or waiting: the locks kept."""
        return len(self._locks)

    @asynccontextmanager
    async def lock(self, key: StorageKey) -> AsyncGenerator[None, None]:
        # No await between looking the entry up and counting ourselves in: on one event loop no other
        # update can free the entry in between, so everyone waiting on a chat waits on the same lock.
        entry = self._locks.get(key)
        if entry is None:
            entry = self._locks[key] = _ChatLock()
        entry.users += 1
        try:
            async with entry.lock:
                yield
        finally:
            # Also reached when the update is cancelled while still waiting: a waiter never leaves a lock behind.
            entry.users -= 1
            # Compared by identity: after close() the key may be gone or hold a newer entry.
            if entry.users == 0 and self._locks.get(key) is entry:
                del self._locks[key]

    async def close(self) -> None:
        self._locks.clear()
