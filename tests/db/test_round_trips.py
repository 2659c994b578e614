"""An unchanged code costs one statement and, on PostgreSQL, no BEGIN or COMMIT (bench_dispatch's hot path);
a renewal still writes inside one transaction."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.dialects.postgresql import asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.accounts import Account
from bot.codes.service import CodeSettings, current_code
from bot.db.models import User
from bot.domain.tokens import SigningKey
from bot.registration.service import submit_declaration
from tests.stories import ZONE, answers, at

SETTINGS = CodeSettings(
    bot_username="health_bot", keys=(SigningKey(key_id=1, secret=b"a test secret of 32 bytes......"),)
)
ACCOUNT = Account(id=1, public_id=31, language="en")


class Trips:
    """The statements sent, and the transactions PostgreSQL was asked to begin."""

    def __init__(self, engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch) -> None:
        self.statements: list[str] = []
        self.begins = 0
        event.listen(engine.sync_engine, "before_cursor_execute", self._statement)
        start = asyncpg.AsyncAdapt_asyncpg_connection._start_transaction

        async def counted(connection: Any) -> None:
            if connection.isolation_level != "autocommit":
                self.begins += 1
            await start(connection)

        monkeypatch.setattr(asyncpg.AsyncAdapt_asyncpg_connection, "_start_transaction", counted)

    def _statement(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not re.match(r"\s*PRAGMA\b", statement, re.IGNORECASE):
            self.statements.append(statement)


async def _declared(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions.begin() as session:
        session.add(User(id=1, public_id=31, language="en", privacy_accepted_at=at(1), created_at=at(1)))
    async with sessions() as session:
        await submit_declaration(session, 1, answers(), at(1), ZONE)


async def test_an_unchanged_code_is_one_statement_without_a_transaction(
    engine: AsyncEngine, session_factory: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    await _declared(session_factory)
    async with session_factory() as session:
        first = await current_code(session, ACCOUNT, "en", at(1, 10), ZONE, SETTINGS)  # issued now
    assert first is not None
    trips = Trips(engine, monkeypatch)
    async with session_factory() as session:
        shown = await current_code(session, ACCOUNT, "en", at(1, 11), ZONE, SETTINGS)
        assert not session.in_transaction()
    assert shown is not None and shown.code.token == first.code.token
    # The code and the holder's name (no image drawn yet, so no file_id): one statement each, nothing else.
    assert len(trips.statements) == 2, trips.statements
    assert trips.begins == 0


async def test_a_renewal_writes_in_one_transaction(
    engine: AsyncEngine, session_factory: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    await _declared(session_factory)
    async with session_factory() as session:
        first = await current_code(session, ACCOUNT, "en", at(1, 10), ZONE, SETTINGS)
    trips = Trips(engine, monkeypatch)
    async with session_factory() as session:
        # The next day: renewed, with the status re-derived.
        renewed = await current_code(session, ACCOUNT, "en", at(2, 10), ZONE, SETTINGS)
    assert first is not None and renewed is not None and renewed.code.token != first.code.token
    assert any(re.match(r"\s*INSERT INTO codes", statement) for statement in trips.statements)
    if engine.dialect.name == "postgresql":
        assert trips.begins == 1
    async with session_factory() as session:
        again = await current_code(session, ACCOUNT, "en", at(2, 11), ZONE, SETTINGS)
    assert again is not None and again.code.token == renewed.code.token
