"""Who is writing: the stored account of the sender, looked up once per update.

Accounts change only through this bot's own use cases (agreeing to the privacy notice, choosing a
language), which tell the cache. So a single bot process may keep them in memory and save a query
on every update; with several processes (REDIS_URL set) the cache is off and every update reads
the database.
"""

from __future__ import annotations

import secrets
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.engine import one_statement_at_a_time
from bot.db.repositories.users import UserRepository


@dataclass(frozen=True, slots=True)
class Account:
    id: int
    public_id: int
    language: str
    # Lowercased, without "@"; kept so an administrator can name this person by it.
    username: str | None = None


class Accounts:
    def __init__(self, cache_size: int = 50_000) -> None:
        self._cache: OrderedDict[int, Account | None] = OrderedDict()
        self._cache_size = cache_size

    async def get(self, session: AsyncSession, user_id: int) -> Account | None:
        if user_id in self._cache:
            self._cache.move_to_end(user_id)
            return self._cache[user_id]
        await one_statement_at_a_time(session)
        row = await UserRepository(session).get(user_id)
        account = (
            Account(id=row.id, public_id=row.public_id, language=row.language, username=row.username)
            if row is not None
            else None
        )
        # End the read: otherwise the connection stays checked out while the handler talks to Telegram.
        await session.commit()
        if self._cache_size:
            self._cache[user_id] = account
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return account

    async def accept_privacy(
        self, session: AsyncSession, user_id: int, language: str, now: datetime, username: str | None = None
    ) -> None:
        """The first thing stored about a person, and only after they agreed to the notice."""
        users = UserRepository(session)
        for _attempt in range(3):
            try:
                # 63 random bits: the opaque id a code carries instead of anything about the person.
                await users.add_if_missing(user_id, secrets.randbits(63), language, now, username)
                await session.commit()
                break
            except IntegrityError:  # the random id was taken: astronomically rare, draw another
                await session.rollback()
        else:
            raise RuntimeError("could not allocate a public id")
        self.forget(user_id)

    async def set_username(self, session: AsyncSession, user_id: int, username: str | None) -> None:
        users = UserRepository(session)
        for attempt in range(2):
            try:
                await users.set_username(user_id, username)
                await session.commit()
                break
            except IntegrityError:
                # Another account took the name in a transaction committed meanwhile (the unique index):
                # once more, and the name is cleared from that one, now visible.
                await session.rollback()
                if attempt:
                    raise
        self.forget(user_id)

    async def set_language(self, session: AsyncSession, user_id: int, language: str) -> None:
        await UserRepository(session).set_language(user_id, language)
        await session.commit()
        self.forget(user_id)

    def forget(self, user_id: int) -> None:
        """Drop the cached account (e.g. once it was deleted), so the next update reads the database."""
        self._cache.pop(user_id, None)
