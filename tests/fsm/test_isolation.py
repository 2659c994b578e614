"""A person's updates are handled one at a time, and a chat nobody is being handled for costs no memory."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from aiogram import Bot, Dispatcher, Router
from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.types import Message, Update
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.app import code_settings_for, create_dispatcher, create_storage
from bot.config import load_settings
from bot.fsm.isolation import ChatEventIsolation
from bot.i18n import create_i18n
from tests.stories import close_quickly


def key(chat_id: int) -> StorageKey:
    return StorageKey(bot_id=42, chat_id=chat_id, user_id=chat_id)


async def test_updates_of_one_chat_run_one_at_a_time_in_arrival_order() -> None:
    isolation = ChatEventIsolation()
    inside: list[int] = []
    order: list[str] = []

    async def update(name: str) -> None:
        async with isolation.lock(key(1)):
            inside.append(1)
            assert len(inside) == 1, "two updates of one chat handled at once"
            order.append(f"{name} in")
            # Several switches of the event loop while holding the lock: the others get every chance to enter.
            for _ in range(5):
                await asyncio.sleep(0)
            order.append(f"{name} out")
            inside.pop()

    await asyncio.gather(*(update(name) for name in "abc"))
    assert order == ["a in", "a out", "b in", "b out", "c in", "c out"]
    assert isolation.chats_in_flight == 0


async def test_updates_of_different_chats_do_not_wait_for_each_other() -> None:
    isolation = ChatEventIsolation()
    first_inside = asyncio.Event()
    second_done = asyncio.Event()

    async def first() -> None:
        async with isolation.lock(key(1)):
            first_inside.set()
            await asyncio.wait_for(second_done.wait(), 1)

    async def second() -> None:
        await first_inside.wait()
        async with isolation.lock(key(2)):
            second_done.set()

    await asyncio.gather(first(), second())
    assert isolation.chats_in_flight == 0


async def test_a_chat_s_lock_is_kept_while_someone_holds_or_waits_and_freed_after() -> None:
    isolation = ChatEventIsolation()
    release = asyncio.Event()
    entered: list[str] = []

    async def holder() -> None:
        async with isolation.lock(key(1)):
            entered.append("holder")
            await release.wait()

    async def waiter() -> None:
        async with isolation.lock(key(1)):
            entered.append("waiter")

    holding = asyncio.create_task(holder())
    await asyncio.sleep(0)
    waiting = asyncio.create_task(waiter())
    await asyncio.sleep(0)
    assert entered == ["holder"] and isolation.chats_in_flight == 1

    release.set()
    await asyncio.gather(holding, waiting)
    assert entered == ["holder", "waiter"]
    assert isolation.chats_in_flight == 0


async def test_an_update_cancelled_while_waiting_or_failing_inside_leaves_no_lock() -> None:
    isolation = ChatEventIsolation()
    release = asyncio.Event()

    async def holder() -> None:
        async with isolation.lock(key(1)):
            await release.wait()

    async def waiter() -> None:
        async with isolation.lock(key(1)):
            pytest.fail("a cancelled waiter got in")

    holding = asyncio.create_task(holder())
    await asyncio.sleep(0)
    waiting = asyncio.create_task(waiter())
    await asyncio.sleep(0)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    release.set()
    await holding

    with pytest.raises(RuntimeError):
        async with isolation.lock(key(2)):
            raise RuntimeError("the handler failed")
    assert isolation.chats_in_flight == 0
    # And the chat is usable again at once.
    async with isolation.lock(key(1)):
        assert isolation.chats_in_flight == 1


async def test_memory_follows_the_updates_in_flight_not_the_people_seen() -> None:
    isolation = ChatEventIsolation()
    for chat_id in range(10_000):
        async with isolation.lock(key(chat_id)):
            pass
    assert isolation.chats_in_flight == 0


async def test_closing_while_an_update_is_handled_does_not_break_its_end() -> None:
    isolation = ChatEventIsolation()
    async with isolation.lock(key(1)):
        await isolation.close()
        async with isolation.lock(key(2)):
            pass
    assert isolation.chats_in_flight == 0


def text_update(update_id: int, chat_id: int, text: str) -> Update:
    return Update.model_validate(
        {
            "update_id": update_id,
            "message": {
                "message_id": update_id,
                "date": 0,
                "chat": {"id": chat_id, "type": "private"},
                "from": {"id": chat_id, "is_bot": False, "first_name": "P"},
                "text": text,
            },
        }
    )


async def test_through_the_dispatcher_a_double_tap_is_handled_in_turn_and_nothing_stays() -> None:
    isolation = ChatEventIsolation()
    dispatcher = Dispatcher(storage=MemoryStorage(), events_isolation=isolation)
    router = Router()
    events: list[str] = []

    @router.message()
    async def slow_step(message: Message) -> None:
        events.append(f"{message.chat.id} {message.text} in")
        for _ in range(5):
            await asyncio.sleep(0)
        events.append(f"{message.chat.id} {message.text} out")

    dispatcher.include_router(router)
    bot = Bot("42:isolation-test")
    try:
        await asyncio.gather(
            dispatcher.feed_update(bot, text_update(1, 1, "first")),
            dispatcher.feed_update(bot, text_update(2, 1, "second")),
            dispatcher.feed_update(bot, text_update(3, 2, "other")),
        )
    finally:
        await close_quickly(bot)
    mine = [event for event in events if event.startswith("1 ")]
    assert mine == ["1 first in", "1 first out", "1 second in", "1 second out"]
    # Another person's update was not held up behind them.
    assert events.index("2 other in") < events.index("1 second in")
    assert isolation.chats_in_flight == 0


async def test_the_bot_without_redis_uses_the_freeing_isolation(tmp_path: Path) -> None:
    settings = load_settings(
        bot_token="1:x",
        code_secret="isolation-test",
        data_dir=tmp_path,
        database_url=f"sqlite+aiosqlite:///{tmp_path}/s.db",
    )
    storage, isolation = create_storage(settings)
    try:
        assert isinstance(isolation, ChatEventIsolation)
        dispatcher = create_dispatcher(
            settings=settings,
            session_factory=async_sessionmaker(),
            storage=storage,
            events_isolation=isolation,
            i18n=create_i18n(),
            code_settings=code_settings_for(settings, "test_bot"),
        )
        # The FSM middleware holds the isolation the updates are locked with: this one, not a stand-in.
        assert dispatcher.fsm.events_isolation is isolation
    finally:
        await storage.close()
