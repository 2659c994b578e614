"""The roles handlers through a real dispatcher and the fake Bot API: forwards that name no person, and
forwards from people who are not administrators (which go on to the rest of the bot)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Update
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import fallback
from bot.db.models import AuditEntry
from bot.i18n import create_i18n
from bot.i18n.middleware import LocaleMiddleware
from bot.middlewares import DbSessionMiddleware
from bot.roles import handlers
from bot.sandbox.emulator import FakeTelegram, FakeUser
from tests.stories import close_quickly

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
ADMIN = FakeUser(id=1, first_name="Ada", language_code="en")
EVE = FakeUser(id=3, first_name="Eve", language_code="en")
BOT_SENDER = {"id": 999, "is_bot": True, "first_name": "Some bot", "username": "some_bot"}
CHANNEL = {"id": -1001, "type": "channel", "title": "News"}


@pytest.fixture
async def run(
    session_factory: async_sessionmaker[AsyncSession],
) -> AsyncIterator[Any]:
    async with FakeTelegram() as fake:
        bot = Bot(fake.token, session=AiohttpSession(api=TelegramAPIServer.from_base(fake.base_url)))
        dispatcher = Dispatcher()
        dispatcher["admin_ids"] = frozenset({ADMIN.id})
        dispatcher["clock"] = lambda: NOW
        dispatcher["zone"] = ZoneInfo("Asia/Shanghai")
        dispatcher.update.outer_middleware(DbSessionMiddleware(session_factory))
        LocaleMiddleware(create_i18n()).setup(dispatcher)
        dispatcher.include_routers(handlers.create_router(), fallback.create_router())

        async def forward(user: FakeUser, origin: dict[str, Any]) -> str:
            """`user` forwards a message with `origin`; the text of the bot's one answer."""
            fake.add_user(user)
            message = {
                "message_id": 1,
                "from": user.to_dict(),
                "chat": user.chat(),
                "date": int(time.time()),
                "text": "hello",
                "forward_origin": {"date": int(time.time()) - 60, **origin},
            }
            mark = fake.mark()
            update = Update.model_validate({"update_id": 1, "message": message}, context={"bot": bot})
            await dispatcher.feed_update(bot, update)
            [call] = [call for call in fake.calls[mark:] if call.method == "sendMessage"]
            return call.params["text"]

        try:
            yield forward
        finally:
            await close_quickly(bot)


@pytest.mark.parametrize(
    ("origin", "answer"),
    [
        ({"type": "channel", "chat": CHANNEL, "message_id": 5}, "not forwarded from a person's account"),
        ({"type": "chat", "sender_chat": {**CHANNEL, "type": "supergroup"}}, "not forwarded from a person's account"),
        ({"type": "user", "sender_user": BOT_SENDER}, "That message is from a bot"),
        ({"type": "hidden_user", "sender_user_name": "Jo"}, "hides their account"),
        ({"type": "user", "sender_user": EVE.to_dict()}, "This message is from <b>Eve</b>"),
    ],
)
async def test_an_admins_forward_is_answered_by_who_sent_it(run: Any, origin: dict[str, Any], answer: str) -> None:
    assert answer in await run(ADMIN, origin)


async def test_anyone_elses_forward_goes_on_to_the_fallback_and_is_not_audited(
    run: Any, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    text = await run(EVE, {"type": "user", "sender_user": ADMIN.to_dict()})
    assert "I did not understand that" in text
    async with session_factory() as session:
        assert list(await session.scalars(select(AuditEntry))) == []
