"""Data older than the retention period is deleted: declarations with their colour and code, and stale forms."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aiogram.fsm.storage.base import StorageKey
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.db.engine import create_storage_engine
from bot.db.models import Assessment, Code, Declaration, User
from bot.fsm.storage import SqlStorage
from bot.retention import purge_expired

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
RETENTION = timedelta(days=60)


async def _declare(session: AsyncSession, user_id: int, when: datetime) -> None:
    session.add(User(id=user_id, public_id=user_id * 7, language="en", privacy_accepted_at=when, created_at=when))
    await session.flush()
    declaration = Declaration(user_id=user_id, answers={"full_name": "X"}, declared_at=when)
    session.add(declaration)
    await session.flush()
    assessment = Assessment(
        user_id=user_id,
        declaration_id=declaration.id,
        colour="green",
        reasons=[],
        other_reasons=[],
        period_days=0,
        starts_on=None,
        ends_on=None,
        next_step="show_code_and_temperature",
        clears_by_checkins=True,
        rules_version="test",
        assessed_at=when,
    )
    session.add(assessment)
    await session.flush()
    session.add(
        Code(
            user_id=user_id,
            assessment_id=assessment.id,
            token="t",
            colour="green",
            language="en",
            issued_at=when,
            expires_at=when + timedelta(days=1),
            file_id=None,
        )
    )


async def _count(session: AsyncSession, model) -> int:
    return await session.scalar(select(func.count()).select_from(model))


async def test_old_declarations_and_untouched_forms_are_deleted(
    engine: AsyncEngine, session_factory: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    async with session_factory.begin() as session:
        await _declare(session, 1, NOW - RETENTION - timedelta(hours=1))
        await _declare(session, 2, NOW - RETENTION + timedelta(hours=1))
    old_key, fresh_key = (StorageKey(bot_id=1, chat_id=user, user_id=user) for user in (3, 4))
    long_ago = SqlStorage(create_storage_engine(database_url), now=lambda: NOW - RETENTION - timedelta(days=1))
    await long_ago.set_data(old_key, {"answers": {"full_name": "Abandoned", "id_number": "11010519491231002X"}})
    await long_ago.close()
    storage = SqlStorage(create_storage_engine(database_url), now=lambda: NOW)
    try:
        await storage.set_data(fresh_key, {"answers": {"full_name": "Recent"}})
        assert (await storage.get_data(old_key))["answers"]["full_name"] == "Abandoned"  # now in the cache too

        purged = await purge_expired(session_factory, storage, NOW, RETENTION)

        assert (purged.declarations, purged.conversations) == (1, 1)
        assert await storage.get_data(old_key) == {}, "gone from the cache as well as the database"
        assert await storage.get_data(fresh_key) == {"answers": {"full_name": "Recent"}}
    finally:
        await storage.close()
    async with session_factory() as session:
        assert await _count(session, Declaration) == 1
        assert await _count(session, Assessment) == 1
        assert await _count(session, Code) == 1
        assert await session.scalar(select(Declaration.user_id)) == 2
