"""The deletions of the retention period, as statements over all users at once.

Each statement finds its rows through an index on the time it deletes by, and the foreign keys it
deletes through are indexed (migration 0010), so a purge costs what it deletes, not what is kept.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from datetime import datetime

from sqlalchemy import and_, delete, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.db.models import Assessment, Broadcast, BroadcastRecipient, CheckIn, Declaration, User, Verification
from bot.db.repositories.rows import affected

# Ids per statement when acting on the people a delete touched: well under SQLite's limit of bound values.
CHUNK = 1000


class RetentionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        # Who lost their last declaration to this purge: they lose every colour change (and so their code),
        # and the colour and name kept on their row. Found from the rows deleted, not by a look at everyone.
        self._lost_every_declaration: list[int] = []

    async def delete_checkins_before(self, cutoff: datetime) -> int:
        result = await self._session.execute(delete(CheckIn).where(CheckIn.reported_at < cutoff))
        return affected(result) or 0

    async def delete_declarations_before(self, cutoff: datetime) -> int:
        """Old declarations, except the latest of someone still checking in: their code and name rest on it.

        Run after the old check-ins are gone, so any check-in left is recent.
        """
        newer = aliased(Declaration)
        latest_id = select(func.max(newer.id)).where(newer.user_id == Declaration.user_id).scalar_subquery()
        still_active = exists().where(CheckIn.user_id == Declaration.user_id)
        deleted = await self._session.scalars(
            delete(Declaration)
            .where(Declaration.declared_at < cutoff, or_(Declaration.id != latest_id, ~still_active))
            .returning(Declaration.user_id)
            .execution_options(synchronize_session=False)
        )
        owners = list(deleted)
        touched = set(owners)
        for people in _chunks(touched):
            # Most of those touched lost only an older declaration: an index lookup each tells them apart.
            statement = select(Declaration.user_id).where(Declaration.user_id.in_(people)).distinct()
            touched.difference_update(await self._session.scalars(statement))
        self._lost_every_declaration = sorted(touched)
        return len(owners)

    async def delete_assessments_before(self, cutoff: datetime) -> int:
        """Old colour changes, except the last one before the cutoff: it carries reasons still active.

        Everyone whose declarations this purge took, all of them, loses every colour change, and so their code.
        """
        older = aliased(Assessment)
        last_before_cutoff = (
            select(func.max(older.id))
            .where(older.user_id == Assessment.user_id, older.assessed_at < cutoff)
            .scalar_subquery()
        )
        result = await self._session.execute(
            delete(Assessment)
            .where(and_(Assessment.assessed_at < cutoff, Assessment.id != last_before_cutoff))
            .execution_options(synchronize_session=False)
        )
        deleted = affected(result) or 0
        for people in _chunks(self._lost_every_declaration):
            result = await self._session.execute(
                delete(Assessment).where(Assessment.user_id.in_(people)).execution_options(synchronize_session=False)
            )
            deleted += affected(result) or 0
        return deleted

    async def forget_purged_state(self) -> None:
        """Whoever lost every colour change or declaration loses the colour or name kept on their row too.

        Those are the people who lost their last declaration: otherwise the last colour change before the
        cutoff and the latest declaration stay.
        """
        for people in _chunks(self._lost_every_declaration):
            await self._session.execute(
                update(User)
                .where(User.id.in_(people))
                .values(colour=None, display_name=None, name_key=None)
                .execution_options(synchronize_session=False)
            )

    async def delete_checks_before(self, cutoff: datetime, batch: int) -> int:
        """Up to `batch` checkpoint records older than the cutoff (when and where a person was checked: a
        movement trace), found through the index on `at`."""
        # The ids are read first: as a subquery, PostgreSQL may plan the delete as a hash join over all rows.
        ids = list(await self._session.scalars(select(Verification.id).where(Verification.at < cutoff).limit(batch)))
        if not ids:
            return 0
        result = await self._session.execute(
            delete(Verification).where(Verification.id.in_(ids)).execution_options(synchronize_session=False)
        )
        return affected(result) or 0

    async def delete_broadcasts_finished_before(self, cutoff: datetime, batch: int) -> int:
        """Up to `batch` reminder jobs finished before the cutoff, and first their recipients (who was
        reminded, and whether they had blocked the bot), found through the index on (broadcast_id, state).

        A job still sending is kept whatever its age: its recipients are its progress.
        """
        ids = list(
            await self._session.scalars(
                select(Broadcast.id).where(Broadcast.finished_at < cutoff, Broadcast.status == "done").limit(batch)
            )
        )
        if not ids:
            return 0
        # No foreign key cascades into them (migration 0012).
        await self._session.execute(
            delete(BroadcastRecipient)
            .where(BroadcastRecipient.broadcast_id.in_(ids))
            .execution_options(synchronize_session=False)
        )
        result = await self._session.execute(
            delete(Broadcast).where(Broadcast.id.in_(ids)).execution_options(synchronize_session=False)
        )
        return affected(result) or 0


def _chunks(ids: Collection[int]) -> Iterator[list[int]]:
    ordered = sorted(ids)
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]
