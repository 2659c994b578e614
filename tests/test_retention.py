"""Data older than the retention period is deleted: old check-ins, declarations, colour changes, stale forms.

What is kept is what a current code rests on: the latest declaration of someone still checking in, and
the last colour change before the cutoff, whose reasons may still be active.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.memory import MemoryStorage
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.db.engine import create_storage_engine
from bot.db.models import Assessment, CheckIn, Code, Declaration, Override, User
from bot.fsm.storage import SqlStorage
from bot.retention import purge_expired

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
RETENTION = timedelta(days=60)
OLD = NOW - RETENTION - timedelta(hours=1)
RECENT = NOW - RETENTION + timedelta(hours=1)


def _user(user_id: int, when: datetime) -> User:
    return User(id=user_id, public_id=user_id * 7, language="en", privacy_accepted_at=when, created_at=when)


async def _declare(session: AsyncSession, user_id: int, when: datetime, colour: str = "green") -> Assessment:
    declaration = Declaration(user_id=user_id, answers={"full_name": "X"}, declared_at=when)
    session.add(declaration)
    await session.flush()
    session.add(
        CheckIn(
            user_id=user_id,
            day=when.date(),
            temperature_c=36.6,
            symptoms=[],
            declaration_id=declaration.id,
            reported_at=when,
        )
    )
    assessment = Assessment(
        user_id=user_id,
        declaration_id=declaration.id,
        cause="declaration",
        colour=colour,
        reasons=[] if colour == "green" else ["own_status_confirmed"],
        other_reasons=[],
        period_days=0,
        starts_on=None,
        ends_on=None,
        next_step="show_code_and_temperature",
        clears_by_checkins=colour == "green",
        rules_version="test",
        assessed_at=when,
        notified_at=when,
    )
    session.add(assessment)
    await session.flush()
    return assessment


async def _code(session: AsyncSession, assessment: Assessment) -> None:
    session.add(
        Code(
            user_id=assessment.user_id,
            assessment_id=assessment.id,
            token="t",
            colour=assessment.colour,
            language="en",
            issued_at=assessment.assessed_at,
            expires_at=assessment.assessed_at + timedelta(days=1),
            file_id=None,
            status={},
        )
    )


async def _count(session: AsyncSession, model, user_id: int) -> int:
    return await session.scalar(select(func.count()).select_from(model).where(model.user_id == user_id))


async def test_old_records_and_untouched_forms_are_deleted(
    engine: AsyncEngine, session_factory: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    async with session_factory.begin() as session:
        session.add_all([_user(1, OLD), _user(2, RECENT), _user(3, OLD)])
        await session.flush()
        # 1: declared once, long ago, and never came back: everything about them goes.
        await _code(session, await _declare(session, 1, OLD))
        # 2: declared recently: everything stays.
        await _code(session, await _declare(session, 2, RECENT))
        # 3: a confirmed case long ago, declared again since, and still checking in.
        await _declare(session, 3, OLD - timedelta(days=3), colour="red")
        await _declare(session, 3, OLD, colour="red")
        latest = await _declare(session, 3, RECENT + timedelta(days=1))
        await _code(session, latest)
    old_key, fresh_key = (StorageKey(bot_id=1, chat_id=user, user_id=user) for user in (4, 5))
    long_ago = SqlStorage(create_storage_engine(database_url), now=lambda: NOW - RETENTION - timedelta(days=1))
    await long_ago.set_data(old_key, {"answers": {"full_name": "Abandoned", "id_number": "11010519491231002X"}})
    await long_ago.close()
    storage = SqlStorage(create_storage_engine(database_url), now=lambda: NOW)
    try:
        await storage.set_data(fresh_key, {"answers": {"full_name": "Recent"}})
        assert (await storage.get_data(old_key))["answers"]["full_name"] == "Abandoned"  # now in the cache too

        purged = await purge_expired(session_factory, storage, NOW, RETENTION)

        assert (purged.checkins, purged.declarations, purged.assessments, purged.conversations) == (3, 3, 2, 1)
        assert await storage.get_data(old_key) == {}, "gone from the cache as well as the database"
        assert await storage.get_data(fresh_key) == {"answers": {"full_name": "Recent"}}
        again = await purge_expired(session_factory, storage, NOW, RETENTION)
        assert (again.checkins, again.declarations, again.assessments, again.conversations) == (0, 0, 0, 0)
    finally:
        await storage.close()
    async with session_factory() as session:
        counts = {
            user: [await _count(session, model, user) for model in (Declaration, CheckIn, Assessment, Code)]
            for user in (1, 2, 3)
        }
        assert counts == {1: [0, 0, 0, 0], 2: [1, 1, 1, 1], 3: [1, 1, 2, 1]}
        kept = list(await session.scalars(select(Assessment.colour).where(Assessment.user_id == 3)))
        assert sorted(kept) == ["green", "red"], "the last red before the cutoff stays: its reason is still active"
        assert await session.get(User, 1) is not None, "the account (language, consent) stays; its answers go"


async def test_an_override_for_someone_who_never_declared_outlives_the_purge(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    """The purge takes the colour changes of those whose declarations it deletes, not of everyone without one.

    A health authority's colour given to someone who has not declared yet is their only colour: the purge
    used to take it (and their code) at its next run, hours later.
    """
    async with session_factory.begin() as session:
        session.add_all([_user(1, RECENT), _user(2, OLD)])
        await session.flush()
        session.add(
            Assessment(
                user_id=1,
                declaration_id=None,
                cause="override",
                colour="red",
                reasons=["override"],
                other_reasons=[],
                period_days=0,
                starts_on=RECENT.date(),
                ends_on=None,
                next_step="follow_health_authority",
                clears_by_checkins=False,
                rules_version="test",
                assessed_at=RECENT,
                notified_at=RECENT,
            )
        )
        session.add(
            Override(user_id=1, colour="red", reason="order 7", starts_on=RECENT.date(), set_by=9, set_at=RECENT)
        )
        await session.execute(update(User).where(User.id == 1).values(colour="red"))
        await _declare(session, 2, OLD)

    purged = await purge_expired(session_factory, MemoryStorage(), NOW, RETENTION)

    assert (purged.declarations, purged.assessments) == (1, 1), "person 2's declaration and colour go"
    async with session_factory() as session:
        assert await _count(session, Assessment, 1) == 1
        assert (await session.get(User, 1)).colour == "red"
        assert (await session.get(User, 2)).colour is None


async def test_a_family_member_s_records_are_purged_like_a_person_s(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    """A member (issue 16) is a holder like anyone: their old answers go at the same age; the parent's stay."""
    async with session_factory.begin() as session:
        session.add(_user(10, RECENT))
        await session.flush()
        member = _user(-11, OLD)
        member.managed_by, member.relation = 10, "child"
        session.add(member)
        await session.flush()
        await _code(session, await _declare(session, -11, OLD))
        await _code(session, await _declare(session, 10, RECENT))

    purged = await purge_expired(session_factory, MemoryStorage(), NOW, RETENTION)

    assert (purged.checkins, purged.declarations, purged.assessments) == (1, 1, 1)
    async with session_factory() as session:
        counts = {
            user: [await _count(session, model, user) for model in (Declaration, CheckIn, Assessment, Code)]
            for user in (-11, 10)
        }
    assert counts == {-11: [0, 0, 0, 0], 10: [1, 1, 1, 1]}
