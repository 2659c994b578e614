"""The daily re-evaluation, through the real services and database and a real Bot talking HTTP to the fake API.

The clock is a parameter: each test walks through weeks of days in well under a second per day.
"""

from __future__ import annotations

import asyncio
import gc
from typing import Any

import pytest
from aiogram import Bot
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.db.models import Assessment, User
from bot.db.repositories.notices import NoticeRepository
from bot.domain.answers import Place
from bot.i18n import create_i18n
from bot.registration.service import submit_declaration
from bot.sandbox.emulator import FakeTelegram, FakeUser
from bot.status import daily
from bot.status.daily import reevaluate, run_daily
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


async def _declare(sessions: async_sessionmaker[AsyncSession], people: range, **declared: Any) -> None:
    for person in people:
        async with sessions.begin() as session:
            session.add(
                User(id=person, public_id=person * 31, language="en", privacy_accepted_at=at(1), created_at=at(1))
            )
        async with sessions() as session:
            await submit_declaration(session, person, answers(**declared), at(1), ZONE)


async def test_the_job_costs_the_same_statements_for_five_people_due_as_for_thirty(
    engine: AsyncEngine, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    """A batch is claimed, read and written with a fixed number of statements: none per person."""
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    abroad = frozenset({Place.ABROAD})  # red for 14 days of check-ins: nothing changes on the days below
    await _declare(session_factory, range(1, 6), places=abroad)
    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        assert await reevaluate(session_factory, at(2, 0, 5), ZONE) == (5, 0)
        few = len(statements)
        await _declare(session_factory, range(6, 31), places=abroad)
        statements.clear()
        assert await reevaluate(session_factory, at(3, 0, 5), ZONE) == (30, 0)
        assert len(statements) == few, statements
        statements.clear()
        assert await reevaluate(session_factory, at(3, 0, 6), ZONE) == (0, 0)
        assert len(statements) <= 2, "the same day's second run only finds nobody left to claim"
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)


async def test_two_runs_in_small_batches_reevaluate_and_change_each_person_once(
    session_factory: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(daily, "REEVALUATE_BATCH", 4)
    await _declare(session_factory, range(1, 14), contacts=frozenset({"same_building"}))
    for day in range(2, 8):
        for person in range(1, 14):
            await check_in(session_factory, person, at(day))
    # Day 8: seven normal days since the exposure, so every one of the 13 turns green today.
    first, second = await _gather(
        reevaluate(session_factory, at(8, 0, 5), ZONE), reevaluate(session_factory, at(8, 0, 5), ZONE)
    )
    assert (first[0] + second[0], first[1] + second[1]) == (13, 13)
    async with session_factory() as session:
        daily_rows = (
            await session.execute(
                select(
                    Assessment.user_id, func.count(), func.max(Assessment.colour), func.count(Assessment.notified_at)
                )
                .where(Assessment.cause == "daily")
                .group_by(Assessment.user_id)
            )
        ).all()
        colours = set(await session.scalars(select(User.colour)))
    assert sorted(row[0] for row in daily_rows) == list(range(1, 14))
    assert {tuple(row[1:]) for row in daily_rows} == {(1, "green", 0)}, "one change each, left for the telling side"
    assert colours == {"green"}, "each person's row carries the new colour"
    assert await reevaluate(session_factory, at(8, 9), ZONE) == (0, 0)


async def _gather(*runs: Any) -> list[Any]:
    return list(await asyncio.gather(*runs))


async def test_the_collector_is_paused_only_while_a_batch_runs_even_when_it_fails(
    session_factory: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    await _declare(session_factory, range(1, 4), places=frozenset({Place.ABROAD}))
    seen: list[bool] = []
    real = daily.reassess_many

    async def watched(*args: Any, **kwargs: Any) -> Any:
        seen.append(gc.isenabled())
        return await real(*args, **kwargs)

    monkeypatch.setattr(daily, "reassess_many", watched)
    assert gc.isenabled()
    assert await reevaluate(session_factory, at(2, 0, 5), ZONE) == (3, 0)
    assert seen == [False] and gc.isenabled()

    async def failing(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(daily, "reassess_many", failing)
    with pytest.raises(RuntimeError):
        await reevaluate(session_factory, at(3, 0, 5), ZONE)
    assert gc.isenabled(), "a failed batch gives the collector back"
    # Paused by someone else (a caller, or a test runner): left as it was found.
    gc.disable()
    try:
        monkeypatch.setattr(daily, "reassess_many", real)
        await reevaluate(session_factory, at(4, 0, 5), ZONE)
        assert not gc.isenabled()
    finally:
        gc.enable()
