"""Appeals against a colour: stored, queued for reviewers, decided once, reminded and escalated once.

Every change of an open appeal is one conditional UPDATE (`state = 'open'`): of two reviewers deciding
the same appeal at once, or a reviewer and the person withdrawing it, exactly one statement finds it
open. On PostgreSQL the second waits for the first's commit and then sees it decided.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from typing import TypeVarTuple

from sqlalchemy import Select, delete, func, literal_column, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from bot.db.models import APPEAL_OPEN, Appeal, User
from bot.db.repositories.rows import affected

_Ts = TypeVarTuple("_Ts")

OPEN = "open"
UPHELD = "upheld"
GRANTED = "granted"
WITHDRAWN = "withdrawn"


class AppealRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, appeal: Appeal) -> Appeal:
        """Raises IntegrityError when the person already has an open appeal (the partial unique index)."""
        self._session.add(appeal)
        await self._session.flush()
        return appeal

    async def get(self, appeal_id: int) -> Appeal | None:
        return await self._session.get(Appeal, appeal_id)

    async def open_of(self, user_id: int) -> Appeal | None:
        statement = select(Appeal).where(Appeal.user_id == user_id, literal_column(APPEAL_OPEN))
        return await self._session.scalar(statement)

    async def of_user(self, user_id: int) -> list[Appeal]:
        """All of a person's appeals, oldest first."""
        statement = select(Appeal).where(Appeal.user_id == user_id).order_by(Appeal.id)
        return list(await self._session.scalars(statement))

    async def queue(
        self, after: tuple[datetime, int] | None, limit: int, organizations: Collection[int] | None = None
    ) -> list[Appeal]:
        """Open appeals, the one due first first; `after` (due_at, id) pages on by keyset. `organizations`:
        only of those organizations' members (a reviewer of some organizations); None: all."""
        statement = _of_members(select(Appeal).where(literal_column(APPEAL_OPEN)), organizations)
        if after is not None:
            due_at, appeal_id = after
            statement = statement.where(
                (Appeal.due_at > due_at) | ((Appeal.due_at == due_at) & (Appeal.id > appeal_id))
            )
        return list(await self._session.scalars(statement.order_by(Appeal.due_at, Appeal.id).limit(limit)))

    async def count_open(self, organizations: Collection[int] | None = None) -> int:
        statement = select(func.count()).select_from(Appeal).where(literal_column(APPEAL_OPEN))
        return await self._session.scalar(_of_members(statement, organizations)) or 0

    async def organization_of(self, appeal_id: int) -> tuple[bool, int | None]:
        """Whether the appeal exists, and the organization its person belongs to (None: none)."""
        statement = (select(User.organization_id).select_from(Appeal).join(User, User.id == Appeal.user_id)).where(
            Appeal.id == appeal_id
        )
        row = (await self._session.execute(statement)).first()
        return (False, None) if row is None else (True, row[0])

    async def organizations_of(self, appeal_ids: Collection[int]) -> dict[int, int | None]:
        """The organization of each appeal's person, for reminding the reviewers of that organization."""
        if not appeal_ids:
            return {}
        statement = select(Appeal.id, User.organization_id).join(User, User.id == Appeal.user_id)
        rows = await self._session.execute(statement.where(Appeal.id.in_(appeal_ids)))
        return {appeal_id: organization_id for appeal_id, organization_id in rows}

    async def count_open_in_organization(self, organization_id: int) -> int:
        """For HR: how many of the organization's members have an appeal open; never which."""
        statement = (
            select(func.count())
            .select_from(Appeal)
            .join(User, User.id == Appeal.user_id)
            .where(literal_column("appeals." + APPEAL_OPEN), User.organization_id == organization_id)
        )
        return await self._session.scalar(statement) or 0

    async def decide(
        self,
        appeal_id: int,
        state: str,
        by: int,
        at: datetime,
        category: str | None = None,
        text: str | None = None,
        ends_on: date | None = None,
    ) -> bool:
        """Close an open appeal with a decision; False when it was no longer open (decided or withdrawn)."""
        result = await self._session.execute(
            update(Appeal)
            .where(Appeal.id == appeal_id, Appeal.state == OPEN)
            .values(
                state=state, decided_by=by, decided_at=at, category=category, decision_text=text, grant_ends_on=ends_on
            )
            .execution_options(synchronize_session=False)
        )
        return affected(result) == 1

    async def withdraw(self, user_id: int, at: datetime) -> int | None:
        """Withdraw the person's open appeal; its id, or None when there was none."""
        result = await self._session.execute(
            update(Appeal)
            .where(Appeal.user_id == user_id, Appeal.state == OPEN)
            .values(state=WITHDRAWN, decided_at=at)
            .returning(Appeal.id)
            .execution_options(synchronize_session=False)
        )
        return result.scalar_one_or_none()

    async def claim_reminders(self, due_by: datetime, now: datetime, limit: int) -> list[Appeal]:
        """Open appeals due by `due_by` whose reviewers were not reminded yet, marked reminded in the same
        statement: however many processes run the job, each appeal is claimed once."""
        due = (
            select(Appeal.id)
            .where(literal_column(APPEAL_OPEN), Appeal.due_at <= due_by, Appeal.reminded_at.is_(None))
            .order_by(Appeal.due_at, Appeal.id)
            .limit(limit)
        )
        return await self._claim(due, Appeal.reminded_at, now)

    async def claim_escalations(self, now: datetime, limit: int) -> list[Appeal]:
        """Open appeals past their due time not yet escalated to admins, marked escalated; as claim_reminders."""
        due = (
            select(Appeal.id)
            .where(literal_column(APPEAL_OPEN), Appeal.due_at <= now, Appeal.escalated_at.is_(None))
            .order_by(Appeal.due_at, Appeal.id)
            .limit(limit)
        )
        return await self._claim(due, Appeal.escalated_at, now)

    async def _claim(
        self, due: Select[int], column: InstrumentedAttribute[datetime | None], now: datetime
    ) -> list[Appeal]:
        claimed = (
            update(Appeal)
            .where(Appeal.id.in_(due.scalar_subquery()), column.is_(None))
            .values({column: now})
            .returning(Appeal.id)
            .execution_options(synchronize_session=False)
        )
        ids = sorted((await self._session.execute(claimed)).scalars())
        if not ids:
            return []
        return list(await self._session.scalars(select(Appeal).where(Appeal.id.in_(ids)).order_by(Appeal.id)))

    async def delete_closed_before(self, cutoff: datetime) -> int:
        """The retention purge: decided and withdrawn appeals made before `cutoff`. Open ones stay."""
        result = await self._session.execute(delete(Appeal).where(Appeal.created_at < cutoff, Appeal.state != OPEN))
        return affected(result)

    async def delete_user(self, user_id: int) -> None:
        await self._session.execute(delete(Appeal).where(Appeal.user_id == user_id))


def _of_members(statement: Select[*_Ts], organizations: Collection[int] | None) -> Select[*_Ts]:
    if organizations is None:
        return statement
    return statement.join(User, User.id == Appeal.user_id).where(User.organization_id.in_(organizations))
