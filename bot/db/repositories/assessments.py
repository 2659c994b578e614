from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Assessment, User
from bot.db.repositories.rows import table_of


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

    async def add_many(self, assessments: Sequence[Assessment]) -> None:
        """As add, for a batch of people (one each): one insert and one update for all of them."""
        if not assessments:
            return
        self._session.add_all(assessments)
        await self._session.flush()
        users = table_of(User)
        await self._session.execute(
            update(users).where(users.c.id == bindparam("person")).values(colour=bindparam("new")),
            [{"person": row.user_id, "new": row.colour} for row in assessments],
        )

    async def oldest_and_current(self, user_ids: Collection[int]) -> dict[int, tuple[Assessment, Assessment]]:
        """Each of these people's first and latest status rows (the same row when there is one), in one query.

        Reads all their rows through (user_id, id): a handful each, as a row is written only on a change
        and the purge keeps one before its cutoff. (Picking the first and last in SQL by min/max id led
        PostgreSQL to hash-join them against every status row there is.)
        """
        rows = await self._session.scalars(
            select(Assessment).where(Assessment.user_id.in_(user_ids)).order_by(Assessment.user_id, Assessment.id)
        )
        found: dict[int, tuple[Assessment, Assessment]] = {}
        for row in rows:
            oldest = found[row.user_id][0] if row.user_id in found else row
            found[row.user_id] = (oldest, row)
        return found

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
        table = table_of(Assessment)
        rows = await self._session.execute(
            update(table)
            .where(table.c.id.in_(assessment_ids), table.c.notified_at.is_(None))
            .values(notified_at=now)
            .returning(table.c.id)
        )
        return {row[0] for row in rows}
