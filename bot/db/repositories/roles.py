from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Role, User
from bot.db.repositories.rows import affected
from bot.db.repositories.upsert import dialect_insert


class RoleRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def holds(self, user_id: int, role: str) -> bool:
        statement = select(Role.id).where(Role.user_id == user_id, Role.role == role).limit(1)
        return await self._session.scalar(statement) is not None

    async def grant(
        self, user_id: int, role: str, granted_by: int, now: datetime, organization_id: int | None = None
    ) -> bool:
        """True when the role is new; granting one already held changes nothing."""
        if await self._find(user_id, role, organization_id) is not None:
            return False
        statement = (
            dialect_insert(self._session, Role)
            .values(user_id=user_id, role=role, organization_id=organization_id, granted_by=granted_by, granted_at=now)
            .on_conflict_do_nothing()
        )
        result = await self._session.execute(statement)
        return affected(result) == 1

    async def revoke(self, user_id: int, role: str, organization_id: int | None = None) -> bool:
        """True when the role was held."""
        statement = delete(Role).where(Role.user_id == user_id, Role.role == role)
        if organization_id is not None:
            statement = statement.where(Role.organization_id == organization_id)
        result = await self._session.execute(statement)
        return (affected(result) or 0) > 0

    async def scopes(self, role: str, user_ids: Iterable[int] | None = None) -> dict[int, frozenset[int] | None]:
        """Who holds `role` (of `user_ids`, or everyone) and where: None for everywhere (a role of no
        organization), else the organizations it was granted for."""
        statement = select(Role.user_id, Role.organization_id).where(Role.role == role)
        if user_ids is not None:
            statement = statement.where(Role.user_id.in_(set(user_ids)))
        found: dict[int, set[int] | None] = {}
        for user_id, organization_id in await self._session.execute(statement):
            held = found.setdefault(user_id, set())
            if held is None:
                continue
            if organization_id is None:
                found[user_id] = None
            else:
                held.add(organization_id)
        return {user_id: None if held is None else frozenset(held) for user_id, held in found.items()}

    async def holders(self, role: str) -> list[int]:
        """Everyone holding `role`, in any organization or none: a handful of rows through the role's rows."""
        statement = select(Role.user_id).where(Role.role == role).distinct()
        return sorted(await self._session.scalars(statement))

    async def all(self) -> list[Role]:
        return list(await self._session.scalars(select(Role).order_by(Role.role, Role.user_id)))

    async def of_user(self, user_id: int) -> list[Role]:
        return list(await self._session.scalars(select(Role).where(Role.user_id == user_id).order_by(Role.id)))

    async def usernames(self, user_ids: Iterable[int]) -> dict[int, str]:
        """The known @usernames (lowercased, without "@") of the people a role listing names."""
        ids = set(user_ids)
        if not ids:
            return {}
        rows = await self._session.execute(
            select(User.id, User.username).where(User.id.in_(ids), User.username.is_not(None))
        )
        return {user_id: username for user_id, username in rows if username is not None}

    async def names(self, user_ids: Iterable[int]) -> dict[int, str]:
        """The declared names of the people a role listing names, for an administrator (who sees every account)."""
        ids = set(user_ids)
        if not ids:
            return {}
        rows = await self._session.execute(
            select(User.id, User.display_name).where(User.id.in_(ids), User.display_name.is_not(None))
        )
        return {user_id: name for user_id, name in rows if name is not None}

    async def delete_user(self, user_id: int) -> None:
        await self._session.execute(delete(Role).where(Role.user_id == user_id))

    async def _find(self, user_id: int, role: str, organization_id: int | None) -> Role | None:
        statement = select(Role).where(Role.user_id == user_id, Role.role == role)
        statement = statement.where(
            Role.organization_id.is_(None) if organization_id is None else Role.organization_id == organization_id
        )
        return await self._session.scalar(statement.limit(1))
