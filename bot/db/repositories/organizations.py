"""Organizations, their members and HR members, what HR may see of members, and the daily reminder's claim.

What HR sees of a member is read here and nowhere else: the name (from the latest declaration), the
current colour (the latest assessment), and the days of check-ins. No other answer leaves the database
through this repository.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Assessment, CheckIn, Declaration, Organization, Role, User

HR_ROLE = "hr"


@dataclass(frozen=True, slots=True)
class MemberRow:
    """One member as HR may see them. `name` is None before their first declaration, `colour` before their first code."""

    user_id: int
    name: str | None
    colour: str | None
    # The latest local day with a check-in, up to today.
    last_checkin: date | None
    language: str
    unreachable: bool


class OrganizationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    # --- Organizations ---------------------------------------------------------------------------

    async def add(self, name_en: str, name_zh: str, invite_code: str, created_by: int, now: datetime) -> Organization:
        organization = Organization(
            name_en=name_en, name_zh=name_zh, invite_code=invite_code, created_by=created_by, created_at=now
        )
        self._session.add(organization)
        await self._session.flush()
        return organization

    async def get(self, organization_id: int) -> Organization | None:
        return await self._session.get(Organization, organization_id)

    async def by_invite(self, invite_code: str) -> Organization | None:
        return await self._session.scalar(select(Organization).where(Organization.invite_code == invite_code))

    async def all(self) -> list[Organization]:
        return list(await self._session.scalars(select(Organization).order_by(Organization.id)))

    async def some(self, organization_ids: list[int]) -> list[Organization]:
        if not organization_ids:
            return []
        statement = select(Organization).where(Organization.id.in_(organization_ids)).order_by(Organization.id)
        return list(await self._session.scalars(statement))

    async def member_counts(self) -> dict[int, int]:
        statement = (
            select(User.organization_id, func.count())
            .where(User.organization_id.is_not(None))
            .group_by(User.organization_id)
        )
        return {organization_id: count for organization_id, count in await self._session.execute(statement)}

    async def hr_counts(self) -> dict[int, int]:
        statement = (
            select(Role.organization_id, func.count(func.distinct(Role.user_id)))
            .where(Role.role == HR_ROLE, Role.organization_id.is_not(None))
            .group_by(Role.organization_id)
        )
        return {organization_id: count for organization_id, count in await self._session.execute(statement)}

    # --- HR members ------------------------------------------------------------------------------

    async def is_hr(self, user_id: int, organization_id: int) -> bool:
        statement = select(Role.id).where(
            Role.user_id == user_id, Role.role == HR_ROLE, Role.organization_id == organization_id
        )
        return await self._session.scalar(statement.limit(1)) is not None

    async def hr_organization_ids(self, user_id: int) -> list[int]:
        statement = (
            select(Role.organization_id)
            .where(Role.user_id == user_id, Role.role == HR_ROLE, Role.organization_id.is_not(None))
            .distinct()
        )
        return sorted(organization_id for organization_id in await self._session.scalars(statement))

    # --- Membership ------------------------------------------------------------------------------

    async def membership(self, user_id: int) -> Organization | None:
        statement = select(Organization).join(User, User.organization_id == Organization.id).where(User.id == user_id)
        return await self._session.scalar(statement)

    async def set_membership(self, user_id: int, organization_id: int | None) -> bool:
        """True when the person has an account (and so now belongs to the organization)."""
        result = await self._session.execute(
            update(User).where(User.id == user_id).values(organization_id=organization_id)
        )
        return result.rowcount == 1

    async def members(self, organization_id: int, today: date) -> list[MemberRow]:
        """Every member, with only what HR may see; in no particular order."""
        in_organization = User.organization_id == organization_id
        latest_assessment = (
            select(Assessment.user_id, func.max(Assessment.id).label("id"))
            .join(User, User.id == Assessment.user_id)
            .where(in_organization)
            .group_by(Assessment.user_id)
            .subquery()
        )
        latest_declaration = (
            select(Declaration.user_id, func.max(Declaration.id).label("id"))
            .join(User, User.id == Declaration.user_id)
            .where(in_organization)
            .group_by(Declaration.user_id)
            .subquery()
        )
        last_checkin = (
            select(CheckIn.user_id, func.max(CheckIn.day).label("day"))
            .join(User, User.id == CheckIn.user_id)
            .where(in_organization, CheckIn.day <= today)
            .group_by(CheckIn.user_id)
            .subquery()
        )
        statement = (
            select(
                User.id,
                # Only the name is read out of the answers; the rest never leaves the database here.
                Declaration.answers["full_name"].as_string(),
                Assessment.colour,
                last_checkin.c.day,
                User.language,
                User.unreachable_since,
            )
            .select_from(User)
            .outerjoin(latest_assessment, latest_assessment.c.user_id == User.id)
            .outerjoin(Assessment, Assessment.id == latest_assessment.c.id)
            .outerjoin(latest_declaration, latest_declaration.c.user_id == User.id)
            .outerjoin(Declaration, Declaration.id == latest_declaration.c.id)
            .outerjoin(last_checkin, last_checkin.c.user_id == User.id)
            .where(in_organization)
        )
        return [
            MemberRow(
                user_id=user_id,
                name=name,
                colour=colour,
                last_checkin=day,
                language=language,
                unreachable=unreachable_since is not None,
            )
            for user_id, name, colour, day, language, unreachable_since in await self._session.execute(statement)
        ]

    # --- The daily reminder ----------------------------------------------------------------------

    async def set_reminder(self, organization_id: int, at: time | None, reminded_on: date | None) -> None:
        await self._session.execute(
            update(Organization)
            .where(Organization.id == organization_id)
            .values(reminder_at=at, reminded_on=reminded_on)
        )

    async def due_reminders(self, local_time: time, today: date) -> list[int]:
        """Organizations whose reminder time has come today and that were not reminded today."""
        statement = (
            select(Organization.id)
            .where(
                Organization.reminder_at.is_not(None),
                Organization.reminder_at <= local_time,
                or_(Organization.reminded_on.is_(None), Organization.reminded_on < today),
            )
            .order_by(Organization.id)
        )
        return list(await self._session.scalars(statement))

    async def claim_reminder(self, organization_id: int, today: date) -> bool:
        """Take today's reminder of this organization; False when another run (or bot process) took it first.

        On PostgreSQL the update locks the row until commit, so a second process waits and then finds it taken.
        """
        result = await self._session.execute(
            update(Organization)
            .where(
                Organization.id == organization_id,
                or_(Organization.reminded_on.is_(None), Organization.reminded_on < today),
            )
            .values(reminded_on=today)
        )
        return result.rowcount == 1
