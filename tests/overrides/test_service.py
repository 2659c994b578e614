"""Overrides through the real services and database: precedence, expiry, audit, refusal."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import Assessment, AuditEntry, User
from bot.domain.answers import Colour, OwnStatus, Place
from bot.i18n import create_i18n
from bot.overrides import service
from bot.registration.service import submit_declaration
from bot.status.daily import run_daily
from bot.status.service import reassess
from tests.stories import ZONE, add_person, answers, at, check_in, send_notices, told

ADMIN = 900
ADMINS = frozenset({ADMIN})


async def _colour(sessions: async_sessionmaker[AsyncSession], user_id: int, now: datetime) -> str:
    async with sessions() as session:
        result = await reassess(session, user_id, now, ZONE, cause="daily")
        await session.commit()
        return result.row.colour


async def test_an_override_releases_a_confirmed_case_and_ends_on_its_date(session_factory, telegram) -> None:
    fake, bot = telegram
    await add_person(session_factory, fake, 1, "en")
    async with session_factory() as session:
        await submit_declaration(session, 1, answers(own_status=OwnStatus.CONFIRMED), at(1), ZONE)
    assert await _colour(session_factory, 1, at(10)) == "red"

    async with session_factory() as session:
        done = await service.set_override(
            session,
            ADMINS,
            ADMIN,
            1,
            Colour.YELLOW,
            "CDC: release to home observation",
            date(2026, 3, 16),
            at(10),
            ZONE,
        )
    assert done.reassessed.row.colour == "yellow" and done.reassessed.row.cause == "override"
    for day in range(10, 15):
        await check_in(session_factory, 1, at(day))
    # 16 March (day 15) is the first day without it: the rules again, counted from the override's start,
    # which released the confirmed case: normal check-ins since, so green.
    assert (await run_daily(session_factory, bot, create_i18n(), at(15, 0), ZONE)).told == 1
    await send_notices(session_factory, bot)
    assert "GREEN CODE" in told(fake, 1)[-1]
    async with session_factory() as session:
        audit = list(await session.scalars(select(AuditEntry.action).where(AuditEntry.subject_id == 1)))
        causes = list(await session.scalars(select(Assessment.cause).where(Assessment.user_id == 1)))
    assert audit == ["override"]
    assert causes == ["declaration", "override", "daily"]


async def test_a_later_fever_still_counts_after_an_override_ends(session_factory, telegram) -> None:
    fake, _bot = telegram
    await add_person(session_factory, fake, 2, "en")
    async with session_factory() as session:
        await submit_declaration(session, 2, answers(places=frozenset({Place.ABROAD})), at(1), ZONE)
    async with session_factory() as session:
        await service.set_override(
            session, ADMINS, ADMIN, 2, Colour.GREEN, "released early", date(2026, 3, 6), at(2), ZONE
        )
    await check_in(session_factory, 2, at(3), symptoms=["cough"])
    assert await _colour(session_factory, 2, at(4, 23)) == "green", "the override holds while it lasts"
    # From 6 March (day 5) the rules apply to what happened since the override began: the trip is
    # released, the cough on 4 March is not, so yellow.
    status = await _colour(session_factory, 2, at(5))
    assert status == "yellow"


async def test_ending_an_override_today_brings_the_rules_back_at_once(session_factory, telegram) -> None:
    fake, _bot = telegram
    await add_person(session_factory, fake, 3, "en")
    async with session_factory() as session:
        await submit_declaration(session, 3, answers(places=frozenset({Place.ABROAD})), at(1), ZONE)
    async with session_factory() as session:
        await service.set_override(session, ADMINS, ADMIN, 3, Colour.GREEN, "mistaken entry", None, at(1, 10), ZONE)
    assert await _colour(session_factory, 3, at(1, 11)) == "green"
    async with session_factory() as session:
        ended = await service.end_override(session, ADMINS, ADMIN, 3, at(1, 12), ZONE)
    assert ended is not None and ended.reassessed.row.colour == "red", "an override ended the day it began never was"
    async with session_factory() as session:
        assert await service.end_override(session, ADMINS, ADMIN, 3, at(1, 13), ZONE) is None


async def test_only_administrators_may_override_and_refusals_are_on_record(session_factory, telegram) -> None:
    fake, _bot = telegram
    await add_person(session_factory, fake, 4, "en")
    async with session_factory() as session:
        await submit_declaration(session, 4, answers(), at(1), ZONE)
    async with session_factory() as session:
        with pytest.raises(service.NotAllowed):
            await service.set_override(session, ADMINS, 4, 4, Colour.GREEN, "I say so", None, at(1), ZONE)
    async with session_factory() as session:
        with pytest.raises(service.NoSuchPerson):
            await service.set_override(session, ADMINS, ADMIN, 404, Colour.RED, "nobody", None, at(1), ZONE)
        denied = list(await session.scalars(select(AuditEntry).where(AuditEntry.action == "denied")))
        users = list(await session.scalars(select(User.id)))
    assert [(entry.actor_id, entry.details) for entry in denied] == [(4, {"attempted": "override"})]
    assert users == [4]
