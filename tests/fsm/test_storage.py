"""Conversation state in the database: it survives a restart, and concurrent writers do not clash."""

from __future__ import annotations

import asyncio

from aiogram.fsm.state import State, StatesGroup
from aiogram.fsm.storage.base import StorageKey
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.engine import create_engine
from bot.db.models import FsmState
from bot.fsm.storage import SqlStorage


class Registration(StatesGroup):
    full_name = State()
    phone = State()
    address = State()


def _key(user_id: int) -> StorageKey:
    return StorageKey(bot_id=1, chat_id=user_id, user_id=user_id)


async def test_state_and_data_survive_a_new_storage(engine: AsyncEngine, database_url: str) -> None:
    first = SqlStorage(create_engine(database_url, pool_size=1))
    await first.set_state(_key(7), Registration.address)
    await first.set_data(_key(7), {"answers": {"full_name": "Li Wei", "places": []}, "editing": False})
    await first.close()

    restarted = SqlStorage(create_engine(database_url, pool_size=1))
    try:
        assert await restarted.get_state(_key(7)) == Registration.address.state
        assert await restarted.get_data(_key(7)) == {"answers": {"full_name": "Li Wei", "places": []}, "editing": False}
        assert await restarted.get_state(_key(8)) is None
        assert await restarted.get_data(_key(8)) == {}
    finally:
        await restarted.close()


async def test_setting_state_keeps_data_and_clearing_keeps_nothing(engine: AsyncEngine, database_url: str) -> None:
    storage = SqlStorage(create_engine(database_url, pool_size=1))
    try:
        await storage.set_data(_key(1), {"a": 1})
        await storage.set_state(_key(1), Registration.phone)
        assert await storage.get_data(_key(1)) == {"a": 1}
        await storage.set_state(_key(1), None)
        await storage.set_data(_key(1), {})
        assert await storage.get_state(_key(1)) is None
        assert await storage.get_data(_key(1)) == {}
        async with engine.connect() as connection:
            rows = await connection.scalar(select(func.count()).select_from(FsmState))
        assert rows == 0, "a cleared conversation leaves no row, not even its key"
    finally:
        await storage.close()


async def test_concurrent_writers_of_many_users_all_land(engine: AsyncEngine, database_url: str) -> None:
    storage = SqlStorage(create_engine(database_url, pool_size=2))
    try:
        await asyncio.gather(*(storage.set_data(_key(user), {"n": user}) for user in range(40)))
        await asyncio.gather(*(storage.set_state(_key(user), Registration.full_name) for user in range(40)))
        for user in range(40):
            assert await storage.get_data(_key(user)) == {"n": user}
            assert await storage.get_state(_key(user)) == Registration.full_name.state
    finally:
        await storage.close()


async def test_mutating_what_was_read_changes_nothing_stored(engine: AsyncEngine, database_url: str) -> None:
    storage = SqlStorage(create_engine(database_url, pool_size=1), cache_size=2)
    try:
        await storage.set_data(_key(1), {"answers": {"a": 1}})
        read = await storage.get_data(_key(1))
        read["answers"]["a"] = 2
        assert await storage.get_data(_key(1)) == {"answers": {"a": 1}}
        for user in range(2, 6):  # pushes user 1 out of the small cache: the next read comes from the database
            await storage.set_state(_key(user), Registration.phone)
        assert await storage.get_data(_key(1)) == {"answers": {"a": 1}}
    finally:
        await storage.close()
