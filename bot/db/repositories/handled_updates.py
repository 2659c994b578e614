"""Marks of handled Telegram updates (see bot.middlewares.DuplicateUpdateMiddleware)."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import HandledUpdate
from bot.db.repositories.rows import affected, table_of


class HandledUpdateRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def mark(self, marks: Sequence[tuple[int, int, datetime]]) -> None:
        """Mark (bot id, update id, when) rows in one statement."""
        rows = [{"bot_id": bot_id, "update_id": update_id, "handled_at": at} for bot_id, update_id, at in marks]
        await self._session.execute(_mark_statement(self._session.get_bind().dialect.name), rows)

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


@functools.cache
def _mark_statement(dialect: str) -> Any:
    # One statement for every batch size (rows go as executemany parameters): a VALUES list of the batch's
    # own length was a new statement to compile for each size, about 1.3 ms a batch.
    # A copy handled twice at once (two processes on one database) must not fail the second.
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(table_of(HandledUpdate)).on_conflict_do_nothing()
