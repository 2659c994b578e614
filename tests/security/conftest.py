"""The whole dispatcher (the one `bot.app` builds: middlewares, every router, the error handler) fed
updates made by the fake Bot API, which records what the bot answers. In process: no subprocess."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.memory import MemoryStorage, SimpleEventIsolation
from aiogram.types import Update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import create_dispatcher
from bot.codes.service import CodeSettings
from bot.config import Settings
from bot.db.models import User
from bot.domain.tokens import key_from_secret
from bot.i18n import create_i18n
from bot.sandbox.emulator import FakeTelegram, FakeUser, RecordedCall
from tests.stories import close_quickly

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
ADMIN = FakeUser(id=1, first_name="Ada", username="ada_admin", language_code="en")


@dataclass
class Harness:
    fake: FakeTelegram
    bot: Bot
    dispatcher: Dispatcher
    sessions: async_sessionmaker[AsyncSession]
    now: list[datetime] = field(default_factory=lambda: [NOW])

    async def add_account(self, user: FakeUser, username: str | None = None, language: str = "en") -> None:
        """A person who agreed to the privacy notice, stored as last seen with `username`."""
        self.fake.add_user(user)
        async with self.sessions.begin() as session:
            session.add(
                User(
                    id=user.id,
                    public_id=user.id * 7919,
                    language=language,
                    privacy_accepted_at=NOW,
                    created_at=NOW,
                    username=username,
                )
            )

    async def send(self, user: FakeUser, text: str) -> list[RecordedCall]:
        """`user` writes `text`; the Bot API calls made while the update was handled."""
        return await self.feed(await self.fake.send_message(user, text))

    async def press(self, user: FakeUser, data: str) -> list[RecordedCall]:
        """`user` presses a button carrying `data` (forged or not) under a message of the bot."""
        sent = await self.bot.send_message(user.id, "…")
        message = {"chat": {"id": user.id}, "message_id": sent.message_id}
        return await self.feed(await self.fake.press_button(user, message, data))

    async def feed(self, update: dict[str, Any]) -> list[RecordedCall]:
        mark = self.fake.mark()
        await self.dispatcher.feed_update(self.bot, Update.model_validate(update, context={"bot": self.bot}))
        return self.fake.calls[mark:]


def texts(calls: list[RecordedCall], method: str = "sendMessage") -> list[str]:
    return [str(call.params.get("text", "")) for call in calls if call.method == method]


def _dispatcher(harness: Harness) -> Dispatcher:
    return create_dispatcher(
        settings=Settings(admin_ids=frozenset({ADMIN.id}), timezone="Asia/Shanghai", _env_file=None),
        session_factory=harness.sessions,
        storage=MemoryStorage(),
        events_isolation=SimpleEventIsolation(),
        i18n=create_i18n(),
        code_settings=CodeSettings(bot_username="health_code_test_bot", keys=(key_from_secret("test secret"),)),
        clock=lambda: harness.now[0],
    )


def another_process(harness: Harness) -> Harness:
    """A second bot process on the same database and Bot API: its own dispatcher, caches and memory."""
    other = Harness(harness.fake, harness.bot, Dispatcher(), harness.sessions, harness.now)
    other.dispatcher = _dispatcher(other)
    return other


@pytest.fixture
async def harness(session_factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[Harness]:
    async with FakeTelegram() as fake:
        bot = Bot(
            fake.token,
            session=AiohttpSession(api=TelegramAPIServer.from_base(fake.base_url)),
            default=DefaultBotProperties(parse_mode=ParseMode.HTML),
        )
        fake.add_user(ADMIN)
        running = Harness(fake, bot, Dispatcher(), session_factory)
        running.dispatcher = _dispatcher(running)
        try:
            yield running
        finally:
            await close_quickly(bot)


def logged_errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR]
