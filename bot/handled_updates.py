"""The database's record of handled updates: the use cases behind DuplicateUpdateMiddleware without Redis.

Each call is its own short transaction, apart from the update's own work: the mark is written once an
update is done (an update cut short by a crash is delivered again and handled, not lost), and a mark is
never held open while the update talks to Telegram (on SQLite that would hold the write lock).

Marks are written by group commit: while one batch is being written, the marks of updates finishing
meanwhile gather and go in the next statement, so under load the cost is one write per batch instead of one
transaction per update (each SQLite commit is a sync of the file), and each update still returns only once
its own mark is stored.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.engine import one_statement_at_a_time
from bot.db.repositories.handled_updates import HandledUpdateRepository

# Telegram keeps an update it could not deliver for about a day; a mark older than that guards nothing.
KEPT_FOR = timedelta(days=1)


class HandledUpdates:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._waiting: list[tuple[int, int, datetime]] = []
        # Set while a batch is forming: every mark that joins it awaits this.
        self._forming: asyncio.Future[None] | None = None
        self._writing = asyncio.Lock()

    async def latest(self, bot_id: int) -> int | None:
        async with self._sessions() as session:
            await one_statement_at_a_time(session)
            latest = await HandledUpdateRepository(session).latest(bot_id)
            await session.commit()
        return latest

    async def handled(self, bot_id: int, update_id: int) -> bool:
        async with self._sessions() as session:
            await one_statement_at_a_time(session)
            handled = await HandledUpdateRepository(session).handled(bot_id, update_id)
            await session.commit()
        return handled

    async def mark(self, bot_id: int, update_id: int, at: datetime) -> None:
        self._waiting.append((bot_id, update_id, at))
        if self._forming is not None:
            await asyncio.shield(self._forming)
            return
        forming = self._forming = asyncio.get_running_loop().create_future()
        try:
            async with self._writing:
                # Taken once the previous batch is written: everything that arrived while it was.
                batch, self._waiting, self._forming = self._waiting, [], None
                async with self._sessions() as session:
                    # One INSERT, atomic by itself: BEGIN and COMMIT would be two more round trips.
                    await one_statement_at_a_time(session)
                    await HandledUpdateRepository(session).mark(batch)
                    await session.commit()
        except BaseException as error:
            if self._forming is forming:  # stopped before taking the batch: the next one takes its marks
                self._forming = None
            if isinstance(error, asyncio.CancelledError):
                forming.cancel()
            else:
                forming.set_exception(error)
                forming.exception()  # retrieved: a batch nobody else waits on logs no "never retrieved"
            raise
        forming.set_result(None)
