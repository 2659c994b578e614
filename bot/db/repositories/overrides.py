from __future__ import annotations

from datetime import date

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Override, User


class OverrideRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, override: Override) -> Override:
        self._session.add(override)
        await self._session.flush()
        return override

    async def for_user(self, user_id: int) -> list[Override]:
        statement = select(Override).where(Override.user_id == user_id).order_by(Override.id)
        return list(await self._session.scalars(statement))

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
        return result.rowcount or 0

    async def ending_due(self, today: date, limit: int) -> list[int]:
        """People whose override ended by today and who were not re-evaluated since: the rules take over."""
        statement = (
            select(User.id)
            .join(Override, Override.user_id == User.id)
            .where(
                Override.ends_on.is_not(None),
                Override.ends_on <= today,
                or_(User.status_evaluated_on.is_(None), User.status_evaluated_on < Override.ends_on),
            )
            .group_by(User.id)
            .order_by(User.id)
            .limit(limit)
        )
        return list(await self._session.scalars(statement))
