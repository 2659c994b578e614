"""Marks of handled Telegram updates (see bot.middlewares.DuplicateUpdateMiddleware)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import HandledUpdate
from bot.db.repositories.rows import affected
from bot.db.repositories.upsert import dialect_insert


class HandledUpdateRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def mark(self, marks: Sequence[tuple[int, int, datetime]]) -> None:
        """Mark (bot id, update id, when) rows in one statement."""
        # A copy handled twice at once (two processes on one database) must not fail the second.
        statement = (
            dialect_insert(self._session, HandledUpdate)
            .values([{"bot_id": bot_id, "update_id": update_id, "handled_at": at} for bot_id, update_id, at in marks])
            .on_conflict_do_nothing()
        )
        await self._session.execute(statement)

    async def handled(self, bot_id: int, update_id: int) -> bool:
        statement = select(HandledUpdate.update_id).where(
            HandledUpdate.bot_id == bot_id, HandledUpdate.update_id == update_id
        )
        return await self._session.scalar(statement) is not None

    async def latest(self, bot_id: int) -> int | None:
        """The highest update id marked for this bot (the primary key's order: one index lookup)."""
        return await self._session.scalar(
            select(func.max(HandledUpdate.update_id)).where(HandledUpdate.bot_id == bot_id)
        )

    async def delete_before(self, cutoff: datetime) -> int:
        result = await self._session.execute(delete(HandledUpdate).where(HandledUpdate.handled_at < cutoff))
        return affected(result) or 0
