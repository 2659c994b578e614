"""A person's own reminders: who the job picks, one notice each a day, across restarts and two processes.

Through the real services and database (both backends); the notices are sent by the real sender to the
fake Bot API.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, time

from aiogram import Bot
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import Notice, User
from bot.db.repositories.reminders import RemindChoice
from bot.domain.answers import OwnStatus, Place
from bot.i18n import create_i18n
from bot.registration.service import submit_declaration
from bot.reminders import service
from bot.reminders.keyboards import ReminderAction, ReminderButton
from bot.reminders.presenter import composer
from bot.reminders.service import Queued, ReminderTimes, queue_due
from bot.sandbox.emulator import FakeTelegram
from tests.stories import ZONE, add_person, answers, at, check_in, send_notices

TIMES = ReminderTimes(default_at=time(9, 0), warning_at=time(20, 0))
RED = {"places": frozenset({Place.ABROAD})}


async def _declare(sessions: async_sessionmaker[AsyncSession], user_id: int, day: int, **changes: object) -> None:
    async with sessions() as session:
        await submit_declaration(session, user_id, answers(**changes), at(day), ZONE)


async def _choose(
    sessions: async_sessionmaker[AsyncSession], user_id: int, choice: RemindChoice, hour: int = 0
) -> None:
    async with sessions() as session:
        assert await service.choose(session, user_id, choice, time(hour, 0), at(1, 0, 1), ZONE) is not None


async def _queued(sessions: async_sessionmaker[AsyncSession]) -> dict[int, list[str]]:
    async with sessions() as session:
        rows = (await session.execute(select(Notice.user_id, Notice.kind).order_by(Notice.id))).all()
    kinds: dict[int, list[str]] = {}
    for user_id, kind in rows:
        kinds.setdefault(user_id, []).append(kind)
    return kinds


async def _run(sessions: async_sessionmaker[AsyncSession], now: datetime) -> Queued:
    return await queue_due(sessions, composer(create_i18n()), now, ZONE, TIMES)


async def test_the_job_reminds_who_is_not_green_and_not_checked_in_and_who_chose_a_time(
    session_factory: async_sessionmaker[AsyncSession], telegram: tuple[FakeTelegram, Bot]
) -> None:
    fake, _bot = telegram
    people = {
        1: "red, not checked in today",
        2: "red, checked in today",
        3: "red, opted out",
        4: "green, nothing chosen",
        5: "green, chose 08:00",
        6: "green, chose 10:00",
        7: "no declaration yet",
        8: "red, blocked the bot",
    }
    for user_id in people:
        await add_person(session_factory, fake, user_id, "en")
    for user_id in (1, 2, 3, 8):
        await _declare(session_factory, user_id, 1, **RED)
    for user_id in (4, 5, 6):
        await _declare(session_factory, user_id, 1)
    await check_in(session_factory, 2, at(3, 7))
    await _choose(session_factory, 3, RemindChoice.OFF)
    await _choose(session_factory, 5, RemindChoice.ON, 8)
    await _choose(session_factory, 6, RemindChoice.ON, 10)
    async with session_factory.begin() as session:
        await session.execute(update(User).where(User.id == 8).values(unreachable_since=at(2)))

    # Before the default time only the one who chose 08:00; then the default (not green) ones.
    assert await _run(session_factory, at(3, 8, 30)) == Queued(reminded=1, warned=0)
    assert await _queued(session_factory) == {5: ["reminder"]}
    assert await _run(session_factory, at(3, 9, 30)) == Queued(reminded=1, warned=0)
    assert await _queued(session_factory) == {5: ["reminder"], 1: ["reminder"]}
    # A later look that day (a restart, another process) reminds nobody twice; 6's time then comes.
    assert await _run(session_factory, at(3, 9, 45)) == Queued(reminded=0, warned=0)
    assert await _run(session_factory, at(3, 10, 0)) == Queued(reminded=1, warned=0)
    assert await _queued(session_factory) == {5: ["reminder"], 1: ["reminder"], 6: ["reminder"]}
    # The next day everyone due is reminded again.
    assert await _run(session_factory, at(4, 10, 0)) == Queued(reminded=4, warned=0)


async def test_two_processes_at_once_queue_one_reminder_each(
    session_factory: async_sessionmaker[AsyncSession], telegram: tuple[FakeTelegram, Bot]
) -> None:
    fake, _bot = telegram
    for user_id in range(1, 31):
        await add_person(session_factory, fake, user_id, "en")
        await _declare(session_factory, user_id, 1, **RED)
    runs = await asyncio.gather(*(_run(session_factory, at(2, 9, 1)) for _ in range(3)))
    assert sum(run.reminded for run in runs) == 30
    assert await _queued(session_factory) == {user_id: ["reminder"] for user_id in range(1, 31)}


async def test_the_evening_warning_goes_to_those_whose_count_a_missed_day_would_restart(
    session_factory: async_sessionmaker[AsyncSession], telegram: tuple[FakeTelegram, Bot]
) -> None:
    fake, bot = telegram
    for user_id, language in ((1, "en"), (2, "en"), (3, "en"), (4, "en"), (5, "zh"), (6, "en")):
        await add_person(session_factory, fake, user_id, language)
    for user_id in (1, 2, 3, 4, 5):
        await _declare(session_factory, user_id, 1, **RED)
    await _declare(session_factory, 6, 1, own_status=OwnStatus.CONFIRMED)  # never clears by check-ins
    for user_id in (1, 2, 4, 5, 6):
        await check_in(session_factory, user_id, at(2))
    await check_in(session_factory, 2, at(3, 12))  # checked in today
    await _choose(session_factory, 4, RemindChoice.OFF)
    # 3 missed day 2 already: today's miss restarts nothing that has begun.

    assert (await _run(session_factory, at(3, 19, 59))).warned == 0
    assert (await _run(session_factory, at(3, 20, 0))).warned == 2
    assert (await _run(session_factory, at(3, 20, 30))).warned == 0
    queued = await _queued(session_factory)
    assert {user_id for user_id, kinds in queued.items() if "warning" in kinds} == {1, 5}

    assert await send_notices(session_factory, bot) == sum(map(len, queued.values()))
    [english] = [call for call in fake.calls if call.params.get("chat_id") == 1 and "midnight" in call.params["text"]]
    assert "starts again" in english.params["text"]
    [chinese] = [
        call.params["text"] for call in fake.calls if call.params.get("chat_id") == 5 and "午夜" in call.params["text"]
    ]
    assert "重新" in chinese


async def test_a_reminder_is_sent_with_the_check_in_and_stop_buttons(
    session_factory: async_sessionmaker[AsyncSession], telegram: tuple[FakeTelegram, Bot]
) -> None:
    fake, bot = telegram
    await add_person(session_factory, fake, 1, "zh")
    await _declare(session_factory, 1, 1, **RED)
    await _run(session_factory, at(2, 9, 0))
    assert await send_notices(session_factory, bot) == 1
    [call] = [call for call in fake.calls if call.method == "sendMessage"]
    assert "打卡" in call.params["text"]
    markup = call.params["reply_markup"]
    markup = json.loads(markup) if isinstance(markup, str) else markup
    data = [button["callback_data"] for row in markup["inline_keyboard"] for button in row]
    assert data == [
        ReminderButton(action=ReminderAction.CHECK_IN).pack(),
        ReminderButton(action=ReminderAction.OFF).pack(),
    ]
    async with session_factory() as session:
        assert await session.scalar(select(Notice.id)) is None, "deleted once sent"
    # Sent and gone from the outbox: a restarted job that day does not queue it again.
    assert (await _run(session_factory, at(2, 9, 5))).reminded == 0


async def test_choosing_a_time_already_past_today_starts_tomorrow(
    session_factory: async_sessionmaker[AsyncSession], telegram: tuple[FakeTelegram, Bot]
) -> None:
    fake, _bot = telegram
    await add_person(session_factory, fake, 1, "en")
    await _declare(session_factory, 1, 1)
    async with session_factory() as session:
        chosen = await service.choose(session, 1, RemindChoice.ON, time(8, 0), at(2, 14), ZONE)
    assert chosen is not None and chosen.starts_tomorrow
    assert (await _run(session_factory, at(2, 14, 1))).reminded == 0
    assert (await _run(session_factory, at(3, 8, 0))).reminded == 1
