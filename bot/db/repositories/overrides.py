from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime

from sqlalchemy import Row, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Override
from bot.db.repositories.rows import affected


class OverrideRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, override: Override) -> Override:
        self._session.add(override)
        await self._session.flush()
        return override

    async def for_users(self, user_ids: Collection[int]) -> Sequence[Row[int, str, str, date, date | None, str]]:
        """(user_id, colour, reason, starts_on, ends_on, category) of these people's overrides, by person, oldest
        first."""
        statement = (
            select(
                Override.user_id,
                Override.colour,
                Override.reason,
                Override.starts_on,
                Override.ends_on,
                Override.category,
            )
            .where(Override.user_id.in_(user_ids))
            .order_by(Override.user_id, Override.id)
        )
        return (await self._session.execute(statement)).all()

    async def decided_at(self, user_id: int) -> Sequence[Row[datetime, str]]:
        """(set_at, category) of a person's overrides, oldest first: what each of their decisions was."""
        statement = select(Override.set_at, Override.category).where(Override.user_id == user_id).order_by(Override.id)
        return (await self._session.execute(statement)).all()

    async def end_active(self, user_id: int, today: date) -> int:
        """End every override still in force from `today` on; the number ended."""
        result = await self._session.execute(
            update(Override)
            .where(
                Override.user_id == user_id,
                Override.starts_on <= today,
                or_(Override.ends_on.is_(None), Override.ends_on > today),
            )
            .values(ends_on=today)
        )
        return affected(result) or 0
