"""Who may do what. `admin` comes from ADMIN_IDS (configuration, not the database, so nobody can grant
it through the bot); `staff` (checkpoint verifiers) and `hr` are granted by admins and stored.

Every use case that needs a role asks here, on the server, for every action: a button or command
reaching a handler proves nothing about who pressed it.
"""

from __future__ import annotations

from collections.abc import Collection
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.repositories.roles import RoleRepository


class RoleName(StrEnum):
    ADMIN = "admin"
    STAFF = "staff"
    HR = "hr"


GRANTABLE = (RoleName.STAFF, RoleName.HR)


def is_admin(user_id: int, admin_ids: Collection[int]) -> bool:
    return user_id in admin_ids


async def may_verify(session: AsyncSession, user_id: int, admin_ids: Collection[int]) -> bool:
    """Checkpoint staff, and admins (who can do everything staff can)."""
    return is_admin(user_id, admin_ids) or await RoleRepository(session).holds(user_id, RoleName.STAFF)
