"""The colour, name and last check-in day kept on the person's row follow the histories they sum up."""

from __future__ import annotations

from datetime import timedelta

from aiogram import Bot
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.engine import create_storage_engine
from bot.db.models import Assessment, User
from bot.domain.answers import Place
from bot.fsm.storage import SqlStorage
from bot.registration.service import submit_declaration
from bot.retention import purge_expired
from bot.sandbox.emulator import FakeTelegram
from bot.status.service import reassess
from tests.stories import ZONE, add_person, answers, at, check_in


async def _state(sessions: async_sessionmaker[AsyncSession], user_id: int) -> tuple[str | None, str | None, object]:
    async with sessions() as session:
        user = await session.get(User, user_id)
        assert user is not None
        return user.colour, user.display_name, user.last_checkin_on


async def _name_key(sessions: async_sessionmaker[AsyncSession], user_id: int) -> str | None:
    async with sessions() as session:
        return await session.scalar(select(User.name_key).where(User.id == user_id))


async def _latest_colour(sessions: async_sessionmaker[AsyncSession], user_id: int) -> str | None:
    async with sessions() as session:
        return await session.scalar(
            select(Assessment.colour).where(Assessment.user_id == user_id).order_by(Assessment.id.desc()).limit(1)
        )


async def test_a_declaration_check_ins_and_the_days_keep_the_row_current(
    session_factory: async_sessionmaker[AsyncSession], telegram: tuple[FakeTelegram, Bot]
) -> None:
    fake, _ = telegram
    await add_person(session_factory, fake, 1, "en")
    assert await _state(session_factory, 1) == (None, None, None)

    async with session_factory() as session:
        await submit_declaration(
            session, 1, answers(full_name="Mia Schmidt", places=frozenset({Place.ABROAD})), at(1), ZONE
        )
    assert await _state(session_factory, 1) == ("red", "Mia Schmidt", at(1).date())
    assert await _name_key(session_factory, 1) == "mia schmidt", "HR's lists sort by name, case aside"

    await check_in(session_factory, 1, at(2))
    await check_in(session_factory, 1, at(3), temperature_c=38.4)
    colour, name, last = await _state(session_factory, 1)
    assert (name, last) == ("Mia Schmidt", at(3).date())
    assert colour == await _latest_colour(session_factory, 1)

    # Days passing change the colour through the same writer as everything else.
    for day in range(4, 30):
        await check_in(session_factory, 1, at(day))
        async with session_factory() as session:
            await reassess(session, 1, at(day), ZONE, cause="daily", notified=True)
            await session.commit()
        assert (await _state(session_factory, 1))[0] == await _latest_colour(session_factory, 1)
    assert (await _state(session_factory, 1))[0] == "green"


async def test_a_purge_that_takes_every_colour_change_and_declaration_clears_the_row(
    session_factory: async_sessionmaker[AsyncSession], telegram: tuple[FakeTelegram, Bot]
) -> None:
    fake, _ = telegram
    await add_person(session_factory, fake, 1, "en")
    async with session_factory() as session:
        await submit_declaration(session, 1, answers(full_name="Mia Schmidt"), at(1), ZONE)
    assert (await _state(session_factory, 1))[:2] == ("green", "Mia Schmidt")

    async with session_factory() as session:
        url = session.bind.url.render_as_string(hide_password=False)
    storage = SqlStorage(create_storage_engine(url))
    try:
        await purge_expired(session_factory, storage, at(200), timedelta(days=60))
    finally:
        await storage.close()
    colour, name, last = await _state(session_factory, 1)
    assert (colour, name, await _name_key(session_factory, 1)) == (None, None, None)
    assert last == at(1).date()
