"""Who may do what. `admin` comes from ADMIN_IDS (configuration, not the database, so nobody can grant
it through the bot); `staff` (checkpoint verifiers), `hr` and `reviewer` (appeals) are granted by admins and stored.

Every use case that needs a role asks here, on the server, for every action: a button or command
reaching a handler proves nothing about who pressed it.

The use cases below each commit once: the change and its audit entry are one transaction. A refused
attempt is audited as `denied` (who, and what they tried; nothing of the target). Granting a role
already held, or revoking one not held, changes nothing and writes nothing.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot.broadcast import notices
from bot.clock import Clock
from bot.db.repositories.audit import AuditRepository
from bot.db.repositories.roles import RoleRepository
from bot.db.repositories.users import UserRepository


class RoleName(StrEnum):
    ADMIN = "admin"
    STAFF = "staff"
    HR = "hr"
    # Decides appeals against a colour (bot/appeals), as admins do.
    REVIEWER = "reviewer"


GRANTABLE = (RoleName.STAFF, RoleName.HR, RoleName.REVIEWER)


class Action(StrEnum):
    """What an administrator does; the audit log's `action` for a done change, `attempted` for a refused one."""

    GRANT = "grant"
    REVOKE = "revoke"
    LIST = "roles"


# What /grant and /revoke and their buttons do; /roles only lists.
CHANGES = (Action.GRANT, Action.REVOKE)
DENIED = "denied"


class Outcome(StrEnum):
    DENIED = "denied"
    DONE = "done"
    UNCHANGED = "unchanged"  # the role was already held (grant) or not held (revoke)


@dataclass(frozen=True, slots=True)
class RoleChange:
    outcome: Outcome
    action: Action
    role: RoleName
    user_id: int
    # The person's stored language and @username, when they have an account: they are told in it.
    language: str | None = None
    username: str | None = None
    # Their declared name, so the administrator's answer names them, not a bare id.
    name: str | None = None


@dataclass(frozen=True, slots=True)
class GrantedRole:
    user_id: int
    username: str | None
    role: RoleName | str
    granted_by: int
    granted_by_username: str | None
    granted_at: datetime


@dataclass(frozen=True, slots=True)
class RoleListing:
    admins: tuple[tuple[int, str | None], ...]  # (user id, @username if known), from configuration
    roles: tuple[GrantedRole, ...]
    # The declared names of everyone listed who has one (the holders, who granted, the administrators).
    names: Mapping[int, str] = field(default_factory=dict)


def is_admin(user_id: int, admin_ids: Collection[int]) -> bool:
    return user_id in admin_ids


async def may_verify(session: AsyncSession, user_id: int, admin_ids: Collection[int]) -> bool:
    """Checkpoint staff, and admins (who can do everything staff can)."""
    return is_admin(user_id, admin_ids) or await RoleRepository(session).holds(user_id, RoleName.STAFF)


async def may_review(session: AsyncSession, user_id: int, admin_ids: Collection[int]) -> bool:
    """Reviewers of appeals, and admins."""
    return is_admin(user_id, admin_ids) or await RoleRepository(session).holds(user_id, RoleName.REVIEWER)


async def deny(session: AsyncSession, actor_id: int, attempted: str, now: datetime) -> None:
    """Record a refused attempt: who, and what they tried (an `Action`). Nothing about whom they named."""
    await AuditRepository(session).add(now, actor_id, DENIED, details={"attempted": str(attempted)})
    await session.commit()


async def grant_role(
    session: AsyncSession, actor_id: int, admin_ids: Collection[int], user_id: int, role: RoleName, now: datetime
) -> RoleChange:
    return await _change(session, Action.GRANT, actor_id, admin_ids, user_id, role, now)


async def revoke_role(
    session: AsyncSession, actor_id: int, admin_ids: Collection[int], user_id: int, role: RoleName, now: datetime
) -> RoleChange:
    return await _change(session, Action.REVOKE, actor_id, admin_ids, user_id, role, now)


async def _change(
    session: AsyncSession,
    action: Action,
    actor_id: int,
    admin_ids: Collection[int],
    user_id: int,
    role: RoleName,
    now: datetime,
) -> RoleChange:
    if not is_admin(actor_id, admin_ids):
        await deny(session, actor_id, action, now)
        return RoleChange(Outcome.DENIED, action, role, user_id)
    if role not in GRANTABLE:
        raise ValueError(f"not a grantable role: {role}")
    roles = RoleRepository(session)
    if action is Action.GRANT:
        changed = await roles.grant(user_id, role.value, actor_id, now)
    else:
        changed = await roles.revoke(user_id, role.value)
    if changed:
        await AuditRepository(session).add(
            now, actor_id, action.value, subject_id=user_id, details={"role": role.value}
        )
    person = await UserRepository(session).get(user_id)
    await session.commit()
    return RoleChange(
        outcome=Outcome.DONE if changed else Outcome.UNCHANGED,
        action=action,
        role=role,
        user_id=user_id,
        language=person.language if person is not None else None,
        username=person.username if person is not None else None,
        name=person.display_name if person is not None else None,
    )


async def roles_of(session: AsyncSession, user_id: int) -> set[RoleName]:
    """The granted roles a person holds (not admin, which is configuration)."""
    held = {row.role for row in await RoleRepository(session).of_user(user_id)}
    return {role for role in GRANTABLE if role.value in held}


async def list_roles(
    session: AsyncSession, actor_id: int, admin_ids: Collection[int], now: datetime
) -> RoleListing | None:
    """Everyone with a role, for an administrator; None (and a `denied` entry) for anyone else."""
    if not is_admin(actor_id, admin_ids):
        await deny(session, actor_id, Action.LIST, now)
        return None
    repository = RoleRepository(session)
    rows = await repository.all()
    listed = {*admin_ids, *(row.user_id for row in rows), *(row.granted_by for row in rows)}
    usernames = await repository.usernames(listed)
    names = await repository.names(listed)
    await session.commit()
    order = {role.value: index for index, role in enumerate(GRANTABLE)}
    granted = tuple(
        GrantedRole(
            user_id=row.user_id,
            username=usernames.get(row.user_id),
            role=RoleName(row.role) if row.role in order else row.role,
            granted_by=row.granted_by,
            granted_by_username=usernames.get(row.granted_by),
            granted_at=row.granted_at,
        )
        for row in sorted(
            rows, key=lambda row: (order.get(row.role, len(order)), row.role, row.granted_at, row.user_id)
        )
    )
    admins = tuple((admin_id, usernames.get(admin_id)) for admin_id in sorted(admin_ids))
    return RoleListing(admins=admins, roles=granted, names=names)


@dataclass(frozen=True, slots=True)
class RoleService:
    """The administrators' role use cases bound to one update's session and the bot's settings (built by
    `Provide`), so a handler asks for this one thing; every use case still checks the actor itself."""

    session: AsyncSession
    admin_ids: Collection[int]
    clock: Clock

    def is_admin(self, user_id: int) -> bool:
        return is_admin(user_id, self.admin_ids)

    async def deny(self, actor_id: int, attempted: Action) -> None:
        await deny(self.session, actor_id, attempted, self.clock())

    async def change(self, action: Action, actor_id: int, user_id: int, role: RoleName) -> RoleChange:
        """Grant or revoke (one of `CHANGES`): the same checks, audit and answer either way."""
        return await _change(self.session, action, actor_id, self.admin_ids, user_id, role, self.clock())

    async def roles_of(self, user_id: int) -> set[RoleName]:
        """`roles_of` as a use case of its own: the read's transaction ends here."""
        held = await roles_of(self.session, user_id)
        await self.session.commit()
        return held

    async def stored_username(self, user_id: int) -> str | None:
        """The @username the person was last seen with, for a card when Telegram's forward does not say it."""
        found = (await RoleRepository(self.session).usernames([user_id])).get(user_id)
        await self.session.commit()
        return found

    async def list_roles(self, actor_id: int) -> RoleListing | None:
        return await list_roles(self.session, actor_id, self.admin_ids, self.clock())

    async def tell(self, change: RoleChange, text: str) -> bool:
        """The person hears of their new or lost role through the outbox, after the change was stored."""
        return await notices.tell(self.session, change.user_id, "role", text, self.clock())
