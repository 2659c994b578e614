"""Issue 12, item 7: without Redis, an update re-delivered after a restart was handled twice (the window of
recent update ids lived in memory). The ids of handled updates are kept in the database now."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from aiogram.fsm.storage.memory import SimpleEventIsolation
from aiogram.types import Update
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.app import code_settings_for, create_dispatcher
from bot.config import load_settings
from bot.db.engine import create_storage_engine
from bot.db.models import HandledUpdate
from bot.fsm.storage import SqlStorage
from bot.handled_updates import KEPT_FOR, HandledUpdates
from bot.i18n import create_i18n
from bot.retention import purge_expired
from bot.sandbox.emulator import FakeTelegram, FakeUser

NOW = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
ANNA = FakeUser(id=5001, first_name="Anna", language_code="en")


@pytest.fixture
async def start_bot(
    telegram: tuple[FakeTelegram, Bot],
    engine: AsyncEngine,
    session_factory: async_sessionmaker[AsyncSession],
    database_url: str,
) -> AsyncIterator[Callable[[], Dispatcher]]:
    """Starts the real dispatcher, as a bot process does, on the one database: each call is a restart."""
    storages: list[SqlStorage] = []
    settings = load_settings(bot_token="1:x", code_secret="redelivery", database_url=database_url, _env_file=None)

    def start() -> Dispatcher:
        storage = SqlStorage(create_storage_engine(database_url))
        storages.append(storage)
        return create_dispatcher(
            settings=settings,
            session_factory=session_factory,
            storage=storage,
            events_isolation=SimpleEventIsolation(),
            i18n=create_i18n(),
            code_settings=code_settings_for(settings, "health_bot"),
            clock=lambda: NOW,
        )

    try:
        yield start
    finally:
        for storage in storages:
            await storage.close()


def start_command(bot: Bot, update_id: int) -> Update:
    message = {
        "message_id": update_id,
        "from": ANNA.to_dict(),
        "chat": ANNA.chat(),
        "date": int(time.time()),
        "text": "/start",
        "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
    }
    return Update.model_validate({"update_id": update_id, "message": message}, context={"bot": bot})


def answers(fake: FakeTelegram, after: int) -> int:
    return sum(1 for call in fake.calls[after:] if call.method == "sendMessage")


async def test_an_update_redelivered_after_a_restart_is_handled_once(
    telegram: tuple[FakeTelegram, Bot], start_bot: Callable[[], Dispatcher]
) -> None:
    fake, bot = telegram
    fake.add_user(ANNA)
    mark = fake.mark()
    await start_bot().feed_update(bot, start_command(bot, 700))
    assert answers(fake, mark) == 1

    restarted = start_bot()
    mark = fake.mark()
    await restarted.feed_update(bot, start_command(bot, 700))
    assert answers(fake, mark) == 0

    # A new update after the restart is answered as ever, and one older than any marked too.
    await restarted.feed_update(bot, start_command(bot, 701))
    await start_bot().feed_update(bot, start_command(bot, 650))
    assert answers(fake, mark) == 2


async def test_a_copy_within_one_process_is_still_skipped(
    telegram: tuple[FakeTelegram, Bot], start_bot: Callable[[], Dispatcher]
) -> None:
    fake, bot = telegram
    fake.add_user(ANNA)
    dispatcher = start_bot()
    mark = fake.mark()
    await dispatcher.feed_update(bot, start_command(bot, 800))
    await dispatcher.feed_update(bot, start_command(bot, 800))
    assert answers(fake, mark) == 1


async def test_marks_go_after_a_day_with_the_retention_purge(
    telegram: tuple[FakeTelegram, Bot],
    start_bot: Callable[[], Dispatcher],
    session_factory: async_sessionmaker[AsyncSession],
    database_url: str,
) -> None:
    fake, bot = telegram
    fake.add_user(ANNA)
    await start_bot().feed_update(bot, start_command(bot, 900))
    storage = SqlStorage(create_storage_engine(database_url))
    try:
        await purge_expired(session_factory, storage, NOW + KEPT_FOR - timedelta(minutes=1), timedelta(days=60))
        async with session_factory() as session:
            assert await session.scalar(select(func.count()).select_from(HandledUpdate)) == 1
        await purge_expired(session_factory, storage, NOW + KEPT_FOR + timedelta(minutes=1), timedelta(days=60))
        async with session_factory() as session:
            assert await session.scalar(select(func.count()).select_from(HandledUpdate)) == 0
    finally:
        await storage.close()


async def test_marks_of_updates_finishing_together_are_written_together(
    session_factory: async_sessionmaker[AsyncSession], engine: AsyncEngine
) -> None:
    """Group commit: many updates finishing at once cost a few statements, and every mark is stored."""
    inserts: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT"):
            inserts.append(statement)

    marks = HandledUpdates(session_factory)
    when = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        await asyncio.gather(*(marks.mark(7, update_id, when) for update_id in range(1, 51)))
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)
    assert 1 <= len(inserts) <= 3, len(inserts)
    assert all([await marks.handled(7, update_id) for update_id in range(1, 51)])
    assert not await marks.handled(7, 51)
