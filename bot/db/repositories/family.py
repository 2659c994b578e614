"""Family members: rows of `users` that are not Telegram accounts, each managed by one that is (issue 16)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import User


@dataclass(frozen=True, slots=True)
class MemberRow:
    id: int
    public_id: int
    name: str | None
    relation: str | None
    colour: str | None


_COLUMNS = (User.id, User.public_id, User.display_name, User.relation, User.colour)


class FamilyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(
        self, member_id: int, public_id: int, manager_id: int, relation: str, language: str, now: datetime
    ) -> None:
        # The manager agreed to the privacy notice, which says what is stored about members: on their behalf.
        self._session.add(
            User(
                id=member_id,
                public_id=public_id,
                language=language,
                privacy_accepted_at=now,
                created_at=now,
                managed_by=manager_id,
                relation=relation,
            )
        )
        await self._session.flush()

    async def members(self, manager_id: int) -> list[MemberRow]:
        """Their members, in the order they were added (through the index on managed_by)."""
        rows = await self._session.execute(
            select(*_COLUMNS).where(User.managed_by == manager_id).order_by(User.created_at, User.name_key, User.id)
        )
        return [MemberRow(*row) for row in rows]

    async def member(self, manager_id: int, member_id: int) -> MemberRow | None:
        """The member, only when `manager_id` manages them: anyone else's id finds nothing."""
        row = (
            await self._session.execute(select(*_COLUMNS).where(User.id == member_id, User.managed_by == manager_id))
        ).first()
        return MemberRow(*row) if row is not None else None

    async def count(self, manager_id: int) -> int:
        return await self._session.scalar(select(func.count()).where(User.managed_by == manager_id)) or 0

    async def managers(self, user_ids: list[int]) -> dict[int, tuple[int, str | None]]:
        """Of these ids, the members': the account managing each, and the member's name."""
        if not user_ids:
            return {}
        rows = await self._session.execute(
            select(User.id, User.managed_by, User.display_name).where(
                User.id.in_(user_ids), User.managed_by.is_not(None)
            )
        )
        return {member: (manager, name) for member, manager, name in rows if manager is not None}
