"""Naming a person: a numeric Telegram id, or the @username of someone who has used the bot (confirmed with
Telegram, here the fake Bot API, that the account still holds it)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import User
from bot.roles.targets import Lookup, find_person, look_up
from bot.sandbox.emulator import FakeUser

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)


@pytest.fixture
async def session(session_factory: async_sessionmaker[AsyncSession]):
    async with session_factory() as session:
        session.add(
            User(id=1002, public_id=7, language="en", privacy_accepted_at=NOW, created_at=NOW, username="bob_1")
        )
        await session.commit()
        yield session


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1002", Lookup(user_id=1002)),
        (" 9999 ", Lookup(user_id=9999)),
        ("@bob_1", Lookup(user_id=1002, username="bob_1")),
        ("@BOB_1", Lookup(user_id=1002, username="bob_1")),
        ("bob_1", Lookup(user_id=1002, username="bob_1")),
        ("@nobody", Lookup(user_id=None, username="nobody")),
        ("0123", Lookup(user_id=None, well_formed=False)),
        ("-5", Lookup(user_id=None, well_formed=False)),
        ("<b>x</b>", Lookup(user_id=None, well_formed=False)),
        ("@ab", Lookup(user_id=None, well_formed=False)),
        ("", Lookup(user_id=None, well_formed=False)),
    ],
)
async def test_look_up(session: AsyncSession, telegram, text: str, expected: Lookup) -> None:
    fake, bot = telegram
    fake.add_user(FakeUser(id=1002, first_name="Bob", username="Bob_1"))
    assert await look_up(session, bot, text) == expected
    assert await find_person(session, bot, text) == expected.user_id
