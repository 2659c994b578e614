"""broadcast_recipients has no foreign keys (migration 0012, for the speed of storing a reminder to 60,000):
what their cascades did is done by the code, and checked here on both databases."""

from __future__ import annotations

import asyncio

from aiogram import Bot
from aiogram.fsm.storage.memory import MemoryStorage
from sqlalchemy import delete, func, inspect, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.db.models import Broadcast, BroadcastRecipient, User
from bot.db.repositories.personal_data import PersonalDataRepository
from bot.retention import purge_expired
from bot.sandbox.emulator import FakeTelegram
from tests.broadcast.test_sender import make_sender, messages_to, people, start, states
from tests.security.test_retention_records import NOW, OLD, RETENTION, job, person

JANE, JOHN, ANN = 101, 202, 303


async def recipients_of(sessions: async_sessionmaker[AsyncSession], user_id: int) -> int:
    async with sessions() as session:
        statement = select(func.count()).select_from(BroadcastRecipient).where(BroadcastRecipient.user_id == user_id)
        return await session.scalar(statement) or 0


async def test_the_table_has_no_foreign_keys(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        keys = await connection.run_sync(lambda sync: inspect(sync).get_foreign_keys("broadcast_recipients"))
    assert keys == []


async def test_erasing_a_person_deletes_their_recipient_rows_and_no_one_elses(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with session_factory.begin() as session:
        session.add_all([person(JANE), person(JOHN)])
        jobs = [job("done", OLD), job("sending", None)]
        session.add_all(jobs)
        await session.flush()
        for broadcast in jobs:
            for user_id in (JANE, JOHN):
                session.add(BroadcastRecipient(broadcast_id=broadcast.id, user_id=user_id, state="sent"))

    async with session_factory.begin() as session:
        assert await PersonalDataRepository(session).delete_user(JANE)

    assert await recipients_of(session_factory, JANE) == 0
    assert await recipients_of(session_factory, JOHN) == 2


async def test_purging_a_finished_job_deletes_its_recipients_even_of_people_already_gone(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with session_factory.begin() as session:
        session.add(person(JOHN))
        old = job("done", OLD)
        session.add(old)
        await session.flush()
        # JANE's row outlived her (stored while she was being erased): the purge takes it with the job.
        session.add_all(
            [BroadcastRecipient(broadcast_id=old.id, user_id=user_id, state="sent") for user_id in (JANE, JOHN)]
        )

    purged = await purge_expired(session_factory, MemoryStorage(), NOW, RETENTION)

    assert purged.broadcasts == 1
    async with session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(BroadcastRecipient)) == 0
        assert await session.scalar(select(func.count()).select_from(Broadcast)) == 0


async def test_a_recipient_whose_person_was_erased_meanwhile_is_dropped_and_the_job_finishes(
    session_factory: async_sessionmaker[AsyncSession], telegram: tuple[FakeTelegram, Bot]
) -> None:
    fake, bot = telegram
    everyone = await people(session_factory, fake, [JANE, JOHN, ANN])
    broadcast_id = await start(session_factory, everyone)
    # The erasure committed between the job's INSERT ... SELECT reading the users and its commit: the
    # user is gone, the row stayed (no cascade). Before, the sender's inner join never saw it again.
    async with session_factory.begin() as session:
        await session.execute(delete(User).where(User.id == JOHN))

    await asyncio.wait_for(make_sender(session_factory, bot).drain(), timeout=20)

    async with session_factory() as session:
        finished = await session.get(Broadcast, broadcast_id)
        assert finished is not None and finished.status == "done"
    assert await states(session_factory, broadcast_id) == {JANE: ("sent", 0), ANN: ("sent", 0)}
    assert messages_to(fake, [JANE, JOHN, ANN]) == {JANE: 1, JOHN: 0, ANN: 1}
