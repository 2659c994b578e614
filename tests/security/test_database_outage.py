"""The audit's database outage, through the real dispatcher: PostgreSQL unreachable (it was down for 32 s).
The person gets an apology in their language, the log gets the update id and the error's type and nothing
they typed, and the form in progress is kept for when the database is back."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.memory import MemoryStorage, SimpleEventIsolation
from aiogram.types import Update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import code_settings_for, create_dispatcher
from bot.config import load_settings
from bot.db.engine import create_engine, create_session_factory
from bot.i18n import create_i18n
from bot.registration.questions import Registration
from bot.sandbox.emulator import FakeTelegram, FakeUser

NOW = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
TYPED = "Zhang Secret-Name 11010519491231002X"
JANE = FakeUser(id=8080, first_name="Jane", language_code="zh-hans")
APOLOGY = "抱歉"


def dispatcher_on(engine: AsyncEngine, storage: MemoryStorage) -> Dispatcher:
    settings = load_settings(bot_token="1:x", code_secret="outage", _env_file=None)
    return create_dispatcher(
        settings=settings,
        session_factory=create_session_factory(engine),
        storage=storage,
        events_isolation=SimpleEventIsolation(),
        i18n=create_i18n(),
        code_settings=code_settings_for(settings, "health_bot"),
        clock=lambda: NOW,
    )


@pytest.fixture
async def send(telegram: tuple[FakeTelegram, Bot]) -> AsyncIterator[Callable[..., Any]]:
    fake, bot = telegram
    fake.add_user(JANE)

    async def send(dispatcher: Dispatcher) -> list[str]:
        update = await fake.send_message(JANE, TYPED)
        mark = fake.mark()
        await dispatcher.feed_update(bot, Update.model_validate(update, context={"bot": bot}))
        return [call.params["text"] for call in fake.calls[mark:] if call.method == "sendMessage"]

    yield send


async def mid_form(storage: MemoryStorage, bot: Bot) -> StorageKey:
    key = StorageKey(bot_id=bot.id, chat_id=JANE.id, user_id=JANE.id)
    await storage.set_state(key, Registration.full_name)
    await storage.set_data(key, {"nationality": "CN"})
    return key


def assert_logged_without_what_was_typed(caplog: pytest.LogCaptureFixture, error: str) -> None:
    assert "Secret-Name" not in caplog.text and "11010519491231002X" not in caplog.text
    assert any(f"failed: {error}" in record.getMessage() for record in caplog.records)


async def test_postgresql_unreachable_apologises_and_keeps_the_form(
    telegram: tuple[FakeTelegram, Bot], send: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    _fake, bot = telegram
    # Nothing listens on port 9: every connection is refused, as while PostgreSQL restarts.
    engine = create_engine("postgresql+asyncpg://postgres@127.0.0.1:9/healthcode", pool_size=1)
    storage = MemoryStorage()
    key = await mid_form(storage, bot)
    try:
        with caplog.at_level(logging.DEBUG):
            told = await send(dispatcher_on(engine, storage))
    finally:
        await engine.dispose()

    assert len(told) == 1 and APOLOGY in told[0]
    assert_logged_without_what_was_typed(caplog, "ConnectionRefusedError")
    assert await storage.get_state(key) == Registration.full_name.state
    assert await storage.get_data(key) == {"nationality": "CN"}
