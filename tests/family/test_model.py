"""A family member is a holder like anyone, with no chat of their own: what is meant for them goes to the
chat of the account managing them, naming them; deleting that account deletes them."""

from __future__ import annotations

import pytest
from aiogram import Bot
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.broadcast import notices
from bot.db.models import Assessment, CheckIn, Code, Declaration, User
from bot.db.repositories.personal_data import PersonalDataRepository
from bot.domain.answers import Place
from bot.family.service import MEMBER_LIMIT, LimitReached, NotAnAccount, Relation, add_member, member, members
from bot.i18n import create_i18n
from bot.registration.service import submit_declaration
from bot.sandbox.emulator import FakeTelegram
from bot.status.daily import run_daily
from tests.stories import ZONE, add_person, answers, at, send_notices, told

PARENT = 7001
STRANGER = 7002


async def _parent_with_child(sessions: async_sessionmaker[AsyncSession], fake: FakeTelegram, **changes: object) -> int:
    await add_person(sessions, fake, PARENT, "en")
    async with sessions() as session:
        await submit_declaration(session, PARENT, answers(), at(1), ZONE)
    async with sessions() as session:
        added = await add_member(
            session, PARENT, Relation.CHILD, answers(full_name="Mia Chen", **changes), at(1, 10), ZONE
        )
    return added.member.id


async def test_a_member_is_a_holder_of_their_own_under_a_negative_id(
    session_factory: async_sessionmaker[AsyncSession], telegram: tuple[FakeTelegram, Bot]
) -> None:
    fake, _bot = telegram
    child = await _parent_with_child(session_factory, fake, places=frozenset({Place.ABROAD}))
    assert child < 0, "never a Telegram user's id"
    async with session_factory() as session:
        row = await session.get(User, child)
        assert row is not None
        assert (row.managed_by, row.relation, row.display_name, row.language) == (PARENT, "child", "Mia Chen", "en")
        assert row.colour == "red", "the member's own answers, not the parent's (green)"
        parent = await session.get(User, PARENT)
        assert parent is not None and parent.colour == "green"
        assert await session.scalar(select(func.count()).select_from(Declaration).where(Declaration.user_id == child))
        assert await session.scalar(select(func.count()).select_from(CheckIn).where(CheckIn.user_id == child))
        [listed] = await members(session, PARENT)
        assert (listed.id, listed.name, listed.colour) == (child, "Mia Chen", "red")
        assert await member(session, STRANGER, child) is None, "only the parent finds them"
        assert await member(session, PARENT, PARENT) is None, "an account is nobody's member"


async def test_a_notice_for_a_member_goes_to_the_parents_chat_naming_them(
    session_factory: async_sessionmaker[AsyncSession], telegram: tuple[FakeTelegram, Bot]
) -> None:
    fake, bot = telegram
    child = await _parent_with_child(session_factory, fake)
    async with session_factory() as session:
        assert await notices.tell(session, child, "colour", "Your code is <b>green</b>.", at(1, 11))
    assert await send_notices(session_factory, bot) == 1
    assert [call for call in fake.calls if int(call.params.get("chat_id", 0)) < 0] == []
    [text] = told(fake, PARENT)
    assert text == "👤 <b>Mia Chen</b>\nYour code is <b>green</b>."


async def test_the_daily_job_re_evaluates_a_member_like_anyone_not_green(
    session_factory: async_sessionmaker[AsyncSession], telegram: tuple[FakeTelegram, Bot]
) -> None:
    fake, bot = telegram
    i18n = create_i18n()
    child = await _parent_with_child(session_factory, fake, places=frozenset({Place.ABROAD}))
    # Not one check-in for the child: still red after the days, re-evaluated each day like anyone not green.
    result = await run_daily(session_factory, bot, i18n, at(2, 0, 5), ZONE)
    assert result.reevaluated == 1
    async with session_factory() as session:
        causes = list(await session.scalars(select(Assessment.cause).where(Assessment.user_id == child)))
    assert causes == ["declaration"]


async def test_the_limit_and_who_may_add(
    session_factory: async_sessionmaker[AsyncSession], telegram: tuple[FakeTelegram, Bot]
) -> None:
    fake, _bot = telegram
    child = await _parent_with_child(session_factory, fake)
    async with session_factory() as session:
        with pytest.raises(NotAnAccount):
            await add_member(session, child, Relation.CHILD, answers(), at(1, 12), ZONE)
        with pytest.raises(NotAnAccount):
            await add_member(session, STRANGER, Relation.CHILD, answers(), at(1, 12), ZONE)
    for number in range(MEMBER_LIMIT - 1):
        async with session_factory() as session:
            await add_member(session, PARENT, Relation.OTHER, answers(full_name=f"Kid {number}"), at(1, 12), ZONE)
    async with session_factory() as session:
        with pytest.raises(LimitReached):
            await add_member(session, PARENT, Relation.CHILD, answers(), at(1, 12), ZONE)
        assert len(await members(session, PARENT)) == MEMBER_LIMIT


async def test_deleting_the_parent_deletes_the_members_and_their_rows(
    session_factory: async_sessionmaker[AsyncSession], telegram: tuple[FakeTelegram, Bot]
) -> None:
    fake, _bot = telegram
    child = await _parent_with_child(session_factory, fake)
    async with session_factory() as session:
        assert await PersonalDataRepository(session).delete_user(PARENT)
        await session.commit()
    async with session_factory() as session:
        assert await session.get(User, child) is None
        for table in (Declaration, CheckIn, Assessment, Code):
            assert not await session.scalar(select(func.count()).select_from(table)), table
