"""People and their days, through the real services: shared by the tests of the daily job and overrides."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.broadcast.limits import RateLimiter
from bot.broadcast.sender import Sender, SenderSettings
from bot.checkin.service import checkin_answers, record_checkin
from bot.db.models import User
from bot.i18n import create_i18n
from bot.sandbox.emulator import FakeTelegram, FakeUser
from tests.domain.factories import declaration

ZONE = ZoneInfo("Asia/Shanghai")
DAY_1 = date(2026, 3, 2)


def at(day: int, hour: int = 9, minute: int = 0) -> datetime:
    """Local time on day `day` of the story (day 1 is DAY_1)."""
    return datetime.combine(DAY_1 + timedelta(days=day - 1), time(hour, minute), ZONE)


def answers(**changes: Any) -> dict[str, Any]:
    data = declaration(**changes).to_dict()
    del data["declared_on"]
    return data


async def close_quickly(bot: Bot) -> None:
    """Closes the Bot's HTTP session without aiogram's 250 ms wait for TLS connections to close: the fake Bot
    API is plain HTTP on loopback, and that wait, once per test, was a quarter of `make test-fast`."""
    if isinstance(bot.session, AiohttpSession):
        # create_session() hands back the session in use; closed first, aiogram's close() has nothing to wait for.
        await (await bot.session.create_session()).close()
    await bot.session.close()


@pytest.fixture
async def telegram() -> AsyncIterator[tuple[FakeTelegram, Bot]]:
    """The fake Bot API and a real Bot talking HTTP to it."""
    async with FakeTelegram() as fake:
        bot = Bot(fake.token, session=AiohttpSession(api=TelegramAPIServer.from_base(fake.base_url)))
        try:
            yield fake, bot
        finally:
            await close_quickly(bot)


async def add_person(
    sessions: async_sessionmaker[AsyncSession], fake: FakeTelegram, user_id: int, language: str
) -> None:
    fake.add_user(FakeUser(id=user_id, first_name="Jane", language_code=language))
    async with sessions.begin() as session:
        session.add(
            User(id=user_id, public_id=user_id * 31, language=language, privacy_accepted_at=at(1), created_at=at(1))
        )


async def check_in(sessions: async_sessionmaker[AsyncSession], user_id: int, now: datetime, **report: Any) -> None:
    async with sessions() as session:
        carried = await checkin_answers(session, user_id, now.astimezone(ZONE).date(), changed=False)
        assert carried is not None
        await record_checkin(session, user_id, {**carried, "symptoms": [], "temperature_c": 36.6, **report}, now, ZONE)


def told(fake: FakeTelegram, user_id: int, after: int = 0) -> list[str]:
    return [
        call.params["text"]
        for call in fake.calls[after:]
        if call.method == "sendMessage" and int(call.params["chat_id"]) == user_id
    ]


async def send_notices(sessions: async_sessionmaker[AsyncSession], bot: Bot) -> int:
    """What the bot's sender does in the background: send every notice in the outbox. How many were sent."""
    sender = Sender(
        sessions,
        bot,
        create_i18n(),
        lambda: at(1),
        RateLimiter(500, per_chat_interval=0.01),
        SenderSettings(retry_base=0.01, poll_every=0.01),
    )
    await sender.drain()
    return sender.notices_sent
