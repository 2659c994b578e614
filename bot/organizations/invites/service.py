"""Joining an organization by its invite link, and the membership that shows in /status."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.repositories.organizations import OrganizationRepository
from bot.organizations.service import OrganizationSummary, summary_of

# --- Members: joining by invite ------------------------------------------------------------------


class JoinOutcome(StrEnum):
    UNKNOWN_INVITE = "unknown invite"
    NO_ACCOUNT = "no account"
    ALREADY_MEMBER = "already member"
    JOINED = "joined"


@dataclass(frozen=True, slots=True)
class Invitation:
    """What an invite link leads to, for the person who opened it; `organization` None: no such invite."""

    organization: OrganizationSummary | None
    # The organization they belong to now, if any (joining another means leaving it).
    current: OrganizationSummary | None = None

    @property
    def already_member(self) -> bool:
        return self.organization is not None and self.current is not None and self.current.id == self.organization.id


async def invitation(session: AsyncSession, user_id: int | None, invite_code: str) -> Invitation:
    repository = OrganizationRepository(session)
    organization = await repository.by_invite(invite_code) if invite_code else None
    current = await repository.membership(user_id) if user_id is not None and organization is not None else None
    result = Invitation(
        organization=summary_of(organization) if organization is not None else None,
        current=summary_of(current) if current is not None else None,
    )
    await session.commit()
    return result


@dataclass(frozen=True, slots=True)
class Joined:
    outcome: JoinOutcome
    organization: OrganizationSummary | None = None
    # The organization they left by joining, if any.
    left: OrganizationSummary | None = None


async def join(session: AsyncSession, user_id: int, invite_code: str) -> Joined:
    """Join the organization of the invite, leaving any other (a person belongs to at most one).

    One commit whichever way it ends: the membership when it changed, else the end of the reads."""
    joined = await _join(OrganizationRepository(session), user_id, invite_code)
    await session.commit()
    return joined


async def _join(repository: OrganizationRepository, user_id: int, invite_code: str) -> Joined:
    organization = await repository.by_invite(invite_code) if invite_code else None
    if organization is None:
        return Joined(JoinOutcome.UNKNOWN_INVITE)
    current = await repository.membership(user_id)
    if current is not None and current.id == organization.id:
        return Joined(JoinOutcome.ALREADY_MEMBER, summary_of(organization))
    if not await repository.set_membership(user_id, organization.id):
        return Joined(JoinOutcome.NO_ACCOUNT, summary_of(organization))
    return Joined(JoinOutcome.JOINED, summary_of(organization), summary_of(current) if current is not None else None)


async def membership(session: AsyncSession, user_id: int) -> OrganizationSummary | None:
    """The organization a person belongs to, if any (a read: nothing is committed but the read is ended)."""
    organization = await OrganizationRepository(session).membership(user_id)
    await session.commit()
    return summary_of(organization) if organization is not None else None
