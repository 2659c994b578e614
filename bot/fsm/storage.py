"""FSM storage in the bot's own database, so the default set-up needs no extra service.

aiogram's storages are process-wide and know nothing of the update's session, so this one runs its
own short transactions on a separate engine: a handler holding a connection never waits for the pool
it is itself using.

Reads are served from a bounded write-through cache. That is safe because this storage is for a
single bot process (several processes behind one webhook share Redis instead), and every write goes
to the database before the cache changes, so a restart loses nothing.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Callable, Mapping
from copy import deepcopy
from datetime import UTC, datetime
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder, KeyBuilder, StateType, StorageKey
from sqlalchemy import bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.engine import one_statement_connection
from bot.db.models import FsmState

Entry = tuple[str | None, dict[str, Any]]


def _utc_now() -> datetime:
    return datetime.now(UTC)


class SqlStorage(BaseStorage):
    def __init__(
        self,
        engine: AsyncEngine,
        key_builder: KeyBuilder | None = None,
        now: Callable[[], datetime] = _utc_now,
        cache_size: int = 10_000,
    ) -> None:
        self._engine = engine
        self._key_builder = key_builder or DefaultKeyBuilder(with_destiny=True)
        self._now = now
        self._cache: OrderedDict[str, Entry] = OrderedDict()
        self._cache_size = cache_size

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        name = self._key(key)
        _, data = await self._entry(name)
        await self._write(name, _state_name(state), data)

    async def get_state(self, key: StorageKey) -> str | None:
        state, _ = await self._entry(self._key(key))
        return state

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        name = self._key(key)
        state, _ = await self._entry(name)
        await self._write(name, state, data)

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        _, data = await self._entry(self._key(key))
        # A copy: callers mutate what they get, and the cache must only change through a write.
        return deepcopy(data)

    async def set_state_and_data(self, key: StorageKey, state: StateType, data: Mapping[str, Any]) -> None:
        """Both in one write: a crash can never leave a new question with the old answers, and it halves the writes."""
        await self._write(self._key(key), _state_name(state), data)

    async def forget_untouched_since(self, cutoff: datetime) -> int:
        """Delete conversations (unfinished forms included) not written to since `cutoff`."""
        async with self._engine.begin() as connection:
            result = await connection.execute(
                delete(FsmState).where(FsmState.updated_at < cutoff).returning(FsmState.key)
            )
            keys = [row.key for row in result]
        for key in keys:
            self._cache.pop(key, None)
        return len(keys)

    async def close(self) -> None:
        self._cache.clear()
        await self._engine.dispose()

    def _key(self, key: StorageKey) -> str:
        return self._key_builder.build(key)

    async def _entry(self, name: str) -> Entry:
        if name in self._cache:
            self._cache.move_to_end(name)
            return self._cache[name]
        async with self._engine.connect() as connection:
            # A read alone: without BEGIN, and without the ROLLBACK that closing the transaction sends.
            connection = await one_statement_connection(connection)
            row = (await connection.execute(_SELECT, {"key": name})).first()
        entry: Entry = (row.state, dict(row.data or {})) if row is not None else (None, {})
        self._remember(name, entry)
        return entry

    def _remember(self, name: str, entry: Entry) -> None:
        self._cache[name] = entry
        self._cache.move_to_end(name)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    async def _write(self, name: str, state: str | None, data: Mapping[str, Any]) -> None:
        if state is None and not data:
            # A finished or deleted conversation leaves no row behind (not even its key, a user id).
            async with self._engine.begin() as connection:
                await connection.execute(_DELETE, {"key": name})
            self._remember(name, (None, {}))
            return
        stored = deepcopy(dict(data))
        # Straight through the driver: one statement is atomic on its own, and going through
        # SQLAlchemy's statement machinery cost about two thirds of a write (490 µs on SQLite).
        payload = json.dumps(stored)  # the text SQLAlchemy's JSON type stores and reads back
        now = self._now().astimezone(UTC)
        async with self._engine.connect() as connection:
            driver = (await connection.get_raw_connection()).driver_connection
            if driver is None:  # None only once the pool has invalidated the connection
                raise ConnectionError("the database connection was invalidated")
            if self._engine.dialect.name == "postgresql":
                await driver.execute(_POSTGRES_UPSERT, name, state, payload, now)
            else:
                await driver.execute(_SQLITE_UPSERT, (name, state, payload, now.strftime(_SQLITE_TIME)))
                await driver.commit()
        self._remember(name, (state, stored))


def _state_name(state: StateType) -> str | None:
    return state.state if isinstance(state, State) else state


_SELECT = select(FsmState.state, FsmState.data).where(FsmState.key == bindparam("key"))
_DELETE = delete(FsmState).where(FsmState.key == bindparam("key"))


_UPSERT = (
    "INSERT INTO fsm_states (key, state, data, updated_at) VALUES ({}, {}, {}, {}) "
    "ON CONFLICT (key) DO UPDATE SET state = excluded.state, data = excluded.data, updated_at = excluded.updated_at"
)
_SQLITE_UPSERT = _UPSERT.format("?", "?", "?", "?")
_POSTGRES_UPSERT = _UPSERT.format("$1", "$2", "$3", "$4")
# How SQLAlchemy's DateTime stores a (UTC) moment in SQLite, so reads and the retention purge compare alike.
_SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%f"
