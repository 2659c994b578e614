from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Assessment, User


class AssessmentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, assessment: Assessment) -> Assessment:
        """The newest change of a person's status; their row carries its colour from the same transaction."""
        self._session.add(assessment)
        await self._session.flush()
        await self._session.execute(update(User).where(User.id == assessment.user_id).values(colour=assessment.colour))
        return assessment

    async def current(self, user_id: int) -> Assessment | None:
        statement = select(Assessment).where(Assessment.user_id == user_id).order_by(Assessment.id.desc()).limit(1)
        return await self._session.scalar(statement)

    async def oldest(self, user_id: int) -> Assessment | None:
        statement = select(Assessment).where(Assessment.user_id == user_id).order_by(Assessment.id).limit(1)
        return await self._session.scalar(statement)

    async def due_for_daily(self, today: date, limit: int) -> list[int]:
        """Users whose colour is not green and who were not re-evaluated today: only days can change theirs."""
        latest = select(Assessment.user_id, func.max(Assessment.id).label("id")).group_by(Assessment.user_id).subquery()
        statement = (
            select(User.id)
            .join(latest, latest.c.user_id == User.id)
            .join(Assessment, Assessment.id == latest.c.id)
            .where(
                Assessment.colour != "green",
                or_(User.status_evaluated_on.is_(None), User.status_evaluated_on < today),
            )
            .order_by(User.id)
            .limit(limit)
        )
        return list(await self._session.scalars(statement))

    async def unnotified(self, limit: int) -> list[tuple[Assessment, str]]:
        """Changes nobody has been told of yet, with the language of the person to tell."""
        statement = (
            select(Assessment, User.language)
            .join(User, User.id == Assessment.user_id)
            .where(Assessment.notified_at.is_(None))
            .order_by(Assessment.id)
            .limit(limit)
        )
        return [(row[0], row[1]) for row in await self._session.execute(statement)]

    async def claim_notifications(self, assessment_ids: list[int], now: datetime) -> set[int]:
        """Mark changes as told in one statement: the ids this run claimed (others were claimed first elsewhere)."""
        if not assessment_ids:
            return set()
        table = Assessment.__table__
        rows = await self._session.execute(
            update(table)
            .where(table.c.id.in_(assessment_ids), table.c.notified_at.is_(None))
            .values(notified_at=now)
            .returning(table.c.id)
        )
        return {row[0] for row in rows}
