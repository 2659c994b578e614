"""The daily re-evaluation, through the real services and database and a real Bot talking HTTP to the fake API.

The clock is a parameter: each test walks through weeks of days in well under a second per day.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiogram import Bot
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import Assessment, User
from bot.db.repositories.notices import NoticeRepository
from bot.domain.answers import Place
from bot.i18n import create_i18n
from bot.registration.service import submit_declaration
from bot.sandbox.emulator import FakeTelegram, FakeUser
from bot.status.daily import run_daily
from tests.stories import ZONE, add_person, answers, at, check_in, send_notices, told


async def test_a_red_user_checking_in_for_14_days_turns_green_on_day_15_and_is_told_once(
    session_factory: async_sessionmaker[AsyncSession], telegram: tuple[FakeTelegram, Bot]
) -> None:
    fake, bot = telegram
    i18n = create_i18n()
    await add_person(session_factory, fake, 1, "en")
    await add_person(session_factory, fake, 2, "zh")
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
            await check_in(session_factory, 1, at(day))
            await check_in(session_factory, 2, at(day))
    assert result.told == 2
    assert told(fake, 1) == [], "stored in the outbox: the sender sends it"
    assert await send_notices(session_factory, bot) == 2
    [english] = told(fake, 1)
    assert "GREEN CODE" in english and "complete" in english
    [chinese] = told(fake, 2)
    assert "绿码" in chinese

    mark = fake.mark()
    again = await run_daily(session_factory, bot, i18n, at(15, 0, 6), ZONE)
    later = await run_daily(session_factory, bot, i18n, at(15, 14, 0), ZONE)
    assert (again.reevaluated, again.told, later.reevaluated, later.told) == (0, 0, 0, 0)
    assert await send_notices(session_factory, bot) == 0
    assert told(fake, 1, mark) == [] and told(fake, 2, mark) == []
    async with session_factory() as session:
        causes = list(await session.scalars(select(Assessment.cause).where(Assessment.user_id == 1)))
    assert causes == ["declaration", "daily"]


async def test_a_missed_day_restarts_the_count_and_a_bot_down_at_midnight_catches_up(
    session_factory: async_sessionmaker[AsyncSession], telegram: tuple[FakeTelegram, Bot]
) -> None:
    fake, bot = telegram
    i18n = create_i18n()
    await add_person(session_factory, fake, 3, "en")
    async with session_factory() as session:
        await submit_declaration(session, 3, answers(places=frozenset({Place.ABROAD})), at(1), ZONE)
    for day in range(2, 25):
        if day != 10:  # day 10 forgotten: days 11..24 are the fourteen that count
            await check_in(session_factory, 3, at(day))
    # The bot was down every midnight; it starts on day 24 (still red), then day 25 (green).
    assert (await run_daily(session_factory, bot, i18n, at(24, 7), ZONE)).told == 0
    assert (await run_daily(session_factory, bot, i18n, at(25, 7), ZONE)).told == 1
    await send_notices(session_factory, bot)
    assert "GREEN CODE" in told(fake, 3)[0]


async def test_nobody_is_told_twice_when_two_runs_overlap(
    session_factory: async_sessionmaker[AsyncSession], telegram: tuple[FakeTelegram, Bot]
) -> None:
    fake, bot = telegram
    i18n = create_i18n()
    await add_person(session_factory, fake, 4, "en")
    async with session_factory() as session:
        await submit_declaration(session, 4, answers(contacts=frozenset({"same_building"})), at(1), ZONE)
    for day in range(2, 8):
        await check_in(session_factory, 4, at(day))
    first, second = await _gather(
        run_daily(session_factory, bot, i18n, at(8, 0, 5), ZONE),
        run_daily(session_factory, bot, i18n, at(8, 0, 5), ZONE),
    )
    assert first.told + second.told == 1
    await _gather(send_notices(session_factory, bot), send_notices(session_factory, bot))
    assert len(told(fake, 4)) == 1


async def test_a_blocked_user_is_skipped_and_not_retried(
    session_factory: async_sessionmaker[AsyncSession], telegram: tuple[FakeTelegram, Bot]
) -> None:
    fake, bot = telegram
    i18n = create_i18n()
    await add_person(session_factory, fake, 5, "en")
    fake.set_blocked(FakeUser(id=5, first_name="Jane"))
    async with session_factory() as session:
        await submit_declaration(session, 5, answers(contacts=frozenset({"same_building"})), at(1), ZONE)
    for day in range(2, 8):
        await check_in(session_factory, 5, at(day))
    assert (await run_daily(session_factory, bot, i18n, at(8, 0, 5), ZONE)).told == 1
    assert await send_notices(session_factory, bot) == 0
    assert (await run_daily(session_factory, bot, i18n, at(8, 0, 6), ZONE)).told == 0
    assert await send_notices(session_factory, bot) == 0
    attempts = [call for call in fake.calls if call.method == "sendMessage"]
    assert len(attempts) == 1, "tried once, then the change counts as told"
    async with session_factory() as session:
        assert await NoticeRepository(session).count() == 0
        assert (await session.get(User, 5)).unreachable_since is not None, "later reminders skip them"


async def _gather(*runs: Any) -> list[Any]:
    return list(await asyncio.gather(*runs))
