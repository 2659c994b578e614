"""Issue 12, item 1: a role given by @username reaches the account holding that name now, or nobody.

The story of the audit: someone used the bot as @gate_officer and renamed; the real officer took the
name. Their stored rows still said @gate_officer for the first, and /grant picked it.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import Organization, Role, User
from bot.db.repositories.users import UserRepository
from bot.sandbox.emulator import FakeUser
from tests.inprocess import ADMIN, NOW, Harness, texts

OLD_HOLDER = FakeUser(id=10, first_name="Former", username="someone_else_now")
OFFICER = FakeUser(id=20, first_name="Officer", username="gate_officer")


async def _roles(sessions: async_sessionmaker[AsyncSession]) -> set[tuple[int, str]]:
    async with sessions() as session:
        return {(row.user_id, row.role) for row in await session.scalars(select(Role))}


async def _stale_name(harness: Harness) -> None:
    """@gate_officer is stored for the former holder; Telegram gives it to the officer, not yet seen with it."""
    await harness.add_account(OLD_HOLDER, username="gate_officer")
    await harness.add_account(OFFICER, username=None)


async def test_grant_by_a_name_that_moved_on_is_refused_and_asks_for_the_id(harness: Harness) -> None:
    await _stale_name(harness)
    [answer] = texts(await harness.send(ADMIN, "/grant staff @gate_officer"))
    assert "numeric Telegram id" in answer and "forward" in answer
    assert await _roles(harness.sessions) == set()


async def test_revoke_by_a_name_that_moved_on_is_refused(harness: Harness) -> None:
    await _stale_name(harness)
    async with harness.sessions.begin() as session:
        session.add(Role(user_id=OLD_HOLDER.id, role="staff", granted_by=ADMIN.id, granted_at=NOW))
    [answer] = texts(await harness.send(ADMIN, "/revoke staff @gate_officer"))
    assert "numeric Telegram id" in answer
    assert await _roles(harness.sessions) == {(OLD_HOLDER.id, "staff")}


async def test_org_hr_by_a_name_that_moved_on_is_refused(harness: Harness) -> None:
    await _stale_name(harness)
    async with harness.sessions.begin() as session:
        session.add(
            Organization(id=5, name_en="Acme", name_zh="艾克米", invite_code="acme-code", created_by=1, created_at=NOW)
        )
    [answer] = texts(await harness.send(ADMIN, "/org hr 5 @gate_officer"))
    assert "numeric Telegram id" in answer
    assert await _roles(harness.sessions) == set()


async def test_once_the_holder_writes_the_name_is_theirs_alone_and_the_grant_reaches_them(harness: Harness) -> None:
    await _stale_name(harness)
    await harness.send(OFFICER, "hello")  # seen with the name: the former holder's row loses it
    async with harness.sessions() as session:
        names = {row.id: row.username for row in await session.execute(select(User.id, User.username))}
    assert names == {OLD_HOLDER.id: None, OFFICER.id: "gate_officer"}

    answers = texts(await harness.send(ADMIN, "/grant staff @gate_officer"))
    assert await _roles(harness.sessions) == {(OFFICER.id, "staff")}
    assert any("staff" in text for text in answers)


async def test_a_name_stored_for_its_current_holder_still_works(harness: Harness) -> None:
    await harness.add_account(OFFICER, username="gate_officer")
    await harness.send(ADMIN, "/grant staff @Gate_Officer")
    assert await _roles(harness.sessions) == {(OFFICER.id, "staff")}


async def test_storing_a_name_takes_it_from_every_other_account(session_factory) -> None:
    async with session_factory.begin() as session:
        for user_id, name in ((1, "taken"), (2, None), (3, "other")):
            session.add(
                User(
                    id=user_id, public_id=user_id, language="en", privacy_accepted_at=NOW, created_at=NOW, username=name
                )
            )
    async with session_factory.begin() as session:
        await UserRepository(session).set_username(2, "taken")
        await UserRepository(session).add_if_missing(4, 4, "en", NOW, "OTHER")
    async with session_factory() as session:
        names = {row.id: row.username for row in await session.execute(select(User.id, User.username))}
    assert names == {1: None, 2: "taken", 3: None, 4: "other"}


async def test_the_database_refuses_a_second_holder_but_any_number_without_a_name(session_factory) -> None:
    async with session_factory.begin() as session:
        for user_id in (1, 2):
            session.add(User(id=user_id, public_id=user_id, language="en", privacy_accepted_at=NOW, created_at=NOW))
    with pytest.raises(IntegrityError):
        async with session_factory.begin() as session:
            session.add(User(id=3, public_id=3, language="en", privacy_accepted_at=NOW, created_at=NOW, username="dup"))
            session.add(User(id=4, public_id=4, language="en", privacy_accepted_at=NOW, created_at=NOW, username="dup"))
