"""The daily re-evaluation, through the real services and database and a real Bot talking HTTP to the fake API.

The clock is a parameter: each test walks through weeks of days in well under a second per day.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.checkin.service import checkin_answers, record_checkin
from bot.db.models import Assessment, User
from bot.domain.answers import Place
from bot.i18n import create_i18n
from bot.registration.service import submit_declaration
from bot.status.daily import run_daily
from tests.domain.factories import declaration
from tests.fake_telegram import FakeTelegram, FakeUser

ZONE = ZoneInfo("Asia/Shanghai")
DAY_1 = date(2026, 3, 2)


def at(day: int, hour: int = 9, minute: int = 0) -> datetime:
    """Local time on day `day` of the story (day 1 is DAY_1)."""
    return datetime.combine(DAY_1 + timedelta(days=day - 1), time(hour, minute), ZONE)


def answers(**changes: Any) -> dict[str, Any]:
    data = declaration(**changes).to_dict()
    del data["declared_on"]
    return data


@pytest.fixture
async def telegram() -> AsyncIterator[tuple[FakeTelegram, Bot]]:
    async with FakeTelegram() as fake:
        bot = Bot(fake.token, session=AiohttpSession(api=TelegramAPIServer.from_base(fake.base_url)))
        try:
            yield fake, bot
        finally:
            await bot.session.close()


async def _person(sessions: async_sessionmaker[AsyncSession], fake: FakeTelegram, user_id: int, language: str) -> None:
    fake.add_user(FakeUser(id=user_id, first_name="Jane", language_code=language))
    async with sessions.begin() as session:
        session.add(
            User(id=user_id, public_id=user_id * 31, language=language, privacy_accepted_at=at(1), created_at=at(1))
        )


async def _check_in(sessions: async_sessionmaker[AsyncSession], user_id: int, now: datetime, **report: Any) -> None:
    async with sessions() as session:
        carried = await checkin_answers(session, user_id, now.astimezone(ZONE).date(), changed=False)
        assert carried is not None
        await record_checkin(session, user_id, {**carried, "symptoms": [], "temperature_c": 36.6, **report}, now, ZONE)


def _told(fake: FakeTelegram, user_id: int, after: int = 0) -> list[str]:
    return [
        call.params["text"]
        for call in fake.calls[after:]
        if call.method == "sendMessage" and int(call.params["chat_id"]) == user_id
    ]


async def test_a_red_user_checking_in_for_14_days_turns_green_on_day_15_and_is_told_once(
    session_factory: async_sessionmaker[AsyncSession], telegram: tuple[FakeTelegram, Bot]
) -> None:
    fake, bot = telegram
    i18n = create_i18n()
    await _person(session_factory, fake, 1, "en")
    await _person(session_factory, fake, 2, "zh")
    async with session_factory() as session:
        await submit_declaration(session, 1, answers(places=frozenset({Place.ABROAD})), at(1), ZONE)
    async with session_factory() as session:
        await submit_declaration(session, 2, answers(places=frozenset({Place.ABROAD})), at(1), ZONE)
    for day in range(2, 16):
        # Just after midnight: the job, then the day's check-in (none on day 15: the count is complete).
        result = await run_daily(session_factory, bot, i18n, at(day, 0, 5), ZONE)
        if day < 15:
            assert (result.changed, result.told) == (0, 0), f"day {day}"
            assert result.reevaluated == 2
            await _check_in(session_factory, 1, at(day))
            await _check_in(session_factory, 2, at(day))
    assert result.told == 2
    [english] = _told(fake, 1)
    assert "GREEN CODE" in english and "complete" in english
    [chinese] = _told(fake, 2)
    assert "绿码" in chinese

    mark = fake.mark()
    again = await run_daily(session_factory, bot, i18n, at(15, 0, 6), ZONE)
    later = await run_daily(session_factory, bot, i18n, at(15, 14, 0), ZONE)
    assert (again.reevaluated, again.told, later.reevaluated, later.told) == (0, 0, 0, 0)
    assert _told(fake, 1, mark) == [] and _told(fake, 2, mark) == []
    async with session_factory() as session:
        causes = list(await session.scalars(select(Assessment.cause).where(Assessment.user_id == 1)))
    assert causes == ["declaration", "daily"]


async def test_a_missed_day_restarts_the_count_and_a_bot_down_at_midnight_catches_up(
    session_factory: async_sessionmaker[AsyncSession], telegram: tuple[FakeTelegram, Bot]
) -> None:
    fake, bot = telegram
    i18n = create_i18n()
    await _person(session_factory, fake, 3, "en")
    async with session_factory() as session:
        await submit_declaration(session, 3, answers(places=frozenset({Place.ABROAD})), at(1), ZONE)
    for day in range(2, 25):
        if day != 10:  # day 10 forgotten: days 11..24 are the fourteen that count
            await _check_in(session_factory, 3, at(day))
    # The bot was down every midnight; it starts on day 24 (still red), then day 25 (green).
    assert (await run_daily(session_factory, bot, i18n, at(24, 7), ZONE)).told == 0
    assert (await run_daily(session_factory, bot, i18n, at(25, 7), ZONE)).told == 1
    assert "GREEN CODE" in _told(fake, 3)[0]


async def test_nobody_is_told_twice_when_two_runs_overlap(
    session_factory: async_sessionmaker[AsyncSession], telegram: tuple[FakeTelegram, Bot]
) -> None:
    fake, bot = telegram
    i18n = create_i18n()
    await _person(session_factory, fake, 4, "en")
    async with session_factory() as session:
        await submit_declaration(session, 4, answers(contacts=frozenset({"same_building"})), at(1), ZONE)
    for day in range(2, 8):
        await _check_in(session_factory, 4, at(day))
    first, second = await _gather(
        run_daily(session_factory, bot, i18n, at(8, 0, 5), ZONE),
        run_daily(session_factory, bot, i18n, at(8, 0, 5), ZONE),
    )
    assert first.told + second.told == 1
    assert len(_told(fake, 4)) == 1


async def test_a_blocked_user_is_skipped_and_not_retried(
    session_factory: async_sessionmaker[AsyncSession], telegram: tuple[FakeTelegram, Bot]
) -> None:
    fake, bot = telegram
    i18n = create_i18n()
    await _person(session_factory, fake, 5, "en")
    fake.set_blocked(FakeUser(id=5, first_name="Jane"))
    async with session_factory() as session:
        await submit_declaration(session, 5, answers(contacts=frozenset({"same_building"})), at(1), ZONE)
    for day in range(2, 8):
        await _check_in(session_factory, 5, at(day))
    assert (await run_daily(session_factory, bot, i18n, at(8, 0, 5), ZONE)).told == 0
    assert (await run_daily(session_factory, bot, i18n, at(8, 0, 6), ZONE)).told == 0
    attempts = [call for call in fake.calls if call.method == "sendMessage"]
    assert len(attempts) == 1, "tried once, then the change counts as told"


async def _gather(*runs: Any) -> list[Any]:
    import asyncio

    return list(await asyncio.gather(*runs))
