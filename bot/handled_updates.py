"""The database's record of handled updates: the use cases behind DuplicateUpdateMiddleware without Redis.

Each call is its own short transaction, apart from the update's own work: the mark is written once an
update is done (an update cut short by a crash is delivered again and handled, not lost), and a mark is
never held open while the update talks to Telegram (on SQLite that would hold the write lock).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.repositories.handled_updates import HandledUpdateRepository

# Telegram keeps an update it could not deliver for about a day; a mark older than that guards nothing.
KEPT_FOR = timedelta(days=1)


class HandledUpdates:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def latest(self, bot_id: int) -> int | None:
        async with self._sessions() as session:
            latest = await HandledUpdateRepository(session).latest(bot_id)
            await session.commit()
        return latest

    async def handled(self, bot_id: int, update_id: int) -> bool:
        async with self._sessions() as session:
            handled = await HandledUpdateRepository(session).handled(bot_id, update_id)
            await session.commit()
        return handled

    async def mark(self, bot_id: int, update_id: int, at: datetime) -> None:
        async with self._sessions() as session:
            await HandledUpdateRepository(session).mark(bot_id, update_id, at)
            await session.commit()
