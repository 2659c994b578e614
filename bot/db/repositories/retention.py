"""The deletions of the retention period, as statements over all users at once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, delete, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.db.models import Assessment, CheckIn, Declaration, User


class RetentionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def delete_checkins_before(self, cutoff: datetime) -> int:
        result = await self._session.execute(delete(CheckIn).where(CheckIn.reported_at < cutoff))
        return result.rowcount or 0

    async def delete_declarations_before(self, cutoff: datetime) -> int:
        """Old declarations, except the latest of someone still checking in: their code and name rest on it.

        Run after the old check-ins are gone, so any check-in left is recent.
        """
        newer = aliased(Declaration)
        latest_id = select(func.max(newer.id)).where(newer.user_id == Declaration.user_id).scalar_subquery()
        still_active = exists().where(CheckIn.user_id == Declaration.user_id)
        result = await self._session.execute(
            delete(Declaration).where(Declaration.declared_at < cutoff, or_(Declaration.id != latest_id, ~still_active))
        )
        return result.rowcount or 0

    async def delete_assessments_before(self, cutoff: datetime) -> int:
        """Old colour changes, except the last one before the cutoff: it carries reasons still active.

        Everyone whose declarations are all gone loses every colour change, and so their code.
        """
        older = aliased(Assessment)
        last_before_cutoff = (
            select(func.max(older.id))
            .where(older.user_id == Assessment.user_id, older.assessed_at < cutoff)
            .scalar_subquery()
        )
        declared = exists().where(Declaration.user_id == Assessment.user_id)
        result = await self._session.execute(
            delete(Assessment).where(
                or_(~declared, and_(Assessment.assessed_at < cutoff, Assessment.id != last_before_cutoff))
            )
        )
        return result.rowcount or 0

    async def forget_purged_state(self) -> None:
        """Whoever lost every colour change or declaration loses the colour or name kept on their row too."""
        await self._session.execute(
            update(User)
            .where(User.colour.is_not(None), ~exists().where(Assessment.user_id == User.id))
            .values(colour=None)
        )
        await self._session.execute(
            update(User)
            .where(User.display_name.is_not(None), ~exists().where(Declaration.user_id == User.id))
            .values(display_name=None, name_key=None)
        )
