"""FSM storage in the bot's own database, so the default set-up needs no extra service.

aiogram's storages are process-wide and know nothing of the update's session, so this one runs its
own short transactions on a separate engine: a handler holding a connection never waits for the pool
it is itself using.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder, KeyBuilder, StateType, StorageKey
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.db.models import FsmState
from bot.db.repositories.upsert import dialect_insert


def _utc_now() -> datetime:
    return datetime.now(UTC)


class SqlStorage(BaseStorage):
    def __init__(
        self,
        engine: AsyncEngine,
        key_builder: KeyBuilder | None = None,
        now: Callable[[], datetime] = _utc_now,
    ) -> None:
        self._engine = engine
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        self._key_builder = key_builder or DefaultKeyBuilder(with_destiny=True)
        self._now = now

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        await self._upsert(key, {"state": value})

    async def get_state(self, key: StorageKey) -> str | None:
        async with self._sessions() as session:
            return await session.scalar(select(FsmState.state).where(FsmState.key == self._key(key)))

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        await self._upsert(key, {"data": dict(data)})

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        async with self._sessions() as session:
            data = await session.scalar(select(FsmState.data).where(FsmState.key == self._key(key)))
        return dict(data or {})

    async def forget(self, key: StorageKey) -> None:
        async with self._sessions.begin() as session:
            await session.execute(delete(FsmState).where(FsmState.key == self._key(key)))

    async def close(self) -> None:
        await self._engine.dispose()

    def _key(self, key: StorageKey) -> str:
        return self._key_builder.build(key)

    async def _upsert(self, key: StorageKey, values: dict[str, Any]) -> None:
        row = {"key": self._key(key), "state": None, "data": {}, "updated_at": self._now(), **values}
        async with self._sessions.begin() as session:
            await self._execute_upsert(session, row, changed=[*values, "updated_at"])

    @staticmethod
    async def _execute_upsert(session: AsyncSession, row: dict[str, Any], changed: list[str]) -> None:
        statement = dialect_insert(session, FsmState).values(**row)
        statement = statement.on_conflict_do_update(
            index_elements=[FsmState.key], set_={name: statement.excluded[name] for name in changed}
        )
        await session.execute(statement)
