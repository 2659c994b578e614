"""Administrators' use cases: creating organizations, their statistics, and naming HR members and reviewers."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.broadcast import notices
from bot.clock import Clock
from bot.db.repositories.appeals import AppealRepository
from bot.db.repositories.audit import AuditRepository
from bot.db.repositories.organizations import HR_ROLE, CityCounts, OrganizationRepository
from bot.db.repositories.roles import RoleRepository
from bot.db.repositories.users import UserRepository
from bot.organizations.chart import DAYS, ChartDay
from bot.organizations.service import (
    REVIEWER_ROLE,
    Attempt,
    OrganizationSummary,
    audit_denial,
    invite_link,
    local_day,
    new_invite_code,
    summary_of,
)
from bot.roles.service import is_admin

# --- Administrators: organizations and their HR members -----------------------------------------


async def create_organization(
    session: AsyncSession, actor_id: int, admin_ids: Collection[int], name_en: str, name_zh: str, now: datetime
) -> OrganizationSummary | None:
    """The new organization; None (and a `denied` entry) for anyone but an administrator."""
    if not is_admin(actor_id, admin_ids):
        await audit_denial(session, actor_id, Attempt.CREATE, now)
        return None
    for _attempt in range(3):
        try:
            organization = await OrganizationRepository(session).add(name_en, name_zh, new_invite_code(), actor_id, now)
            await AuditRepository(session).add(
                now, actor_id, "org_create", details={"organization_id": organization.id}
            )
            summary = summary_of(organization)
            await session.commit()
            return summary
        except IntegrityError:  # the random invite code was taken: astronomically rare, draw another
            await session.rollback()
    raise RuntimeError("could not allocate an invite code")


@dataclass(frozen=True, slots=True)
class CityStats:
    day: date
    counts: CityCounts
    appeals_open: int
    # The chart's last DAYS days, today last: everyone's check-ins by colour.
    days: list[ChartDay]


async def city_stats(
    session: AsyncSession, actor_id: int, admin_ids: Collection[int], now: datetime, zone: tzinfo
) -> CityStats | None:
    """/stats: everyone's counts today, for administrators; None (and a `denied` entry) for anyone else."""
    if not is_admin(actor_id, admin_ids):
        await audit_denial(session, actor_id, Attempt.STATS, now)
        return None
    today = local_day(now, zone)
    since = datetime.combine(today, time(), zone)
    until = datetime.combine(today + timedelta(days=1), time(), zone)
    repository = OrganizationRepository(session)
    counts = await repository.city_counts(today, since, until)
    appeals_open = await AppealRepository(session).count_open()
    past = await _city_past_days(repository, today)
    await session.commit()
    today_bar = ChartDay(day=today, checked_in=counts.checked_in, colours=counts.checked_in_colours)
    return CityStats(day=today, counts=counts, appeals_open=appeals_open, days=[*past, today_bar])


async def _city_past_days(repository: OrganizationRepository, today: date) -> list[ChartDay]:
    """The DAYS - 1 days before today from their stored totals (the daily job's); a day not stored is
    counted once (a pass over everyone) and stored."""
    days = [today - timedelta(days=back) for back in range(DAYS - 1, 0, -1)]
    by_day = await repository.stored_city_days(days[0], days[-1])
    missing = {day: await repository.city_checked_in_on(day) for day in days if day not in by_day}
    await repository.store_city_days(missing)
    by_day.update(missing)
    return [ChartDay(day=day, checked_in=sum(by_day[day].values()), colours=by_day[day]) for day in days]


async def list_organizations(
    session: AsyncSession, actor_id: int, admin_ids: Collection[int], now: datetime
) -> list[OrganizationSummary] | None:
    if not is_admin(actor_id, admin_ids):
        await audit_denial(session, actor_id, Attempt.LIST, now)
        return None
    repository = OrganizationRepository(session)
    members = await repository.member_counts()
    hr_members = await repository.hr_counts()
    summaries = [
        summary_of(organization, members.get(organization.id, 0), hr_members.get(organization.id, 0))
        for organization in await repository.all()
    ]
    await session.commit()
    return summaries


class HrOutcome(StrEnum):
    DENIED = "denied"
    NO_ORGANIZATION = "no organization"
    DONE = "done"
    UNCHANGED = "unchanged"  # already HR there (grant), or not HR there (revoke)


@dataclass(frozen=True, slots=True)
class HrChange:
    outcome: HrOutcome
    granted: bool
    user_id: int
    organization: OrganizationSummary | None = None
    # The person's stored language and @username, when they have an account: they are told in it.
    language: str | None = None
    username: str | None = None
    # HR_ROLE, or REVIEWER_ROLE: a reviewer of appeals of this organization's members only.
    role: str = HR_ROLE
    # Their declared name, so the administrator's answer names them.
    name: str | None = None


async def change_hr(
    session: AsyncSession,
    actor_id: int,
    admin_ids: Collection[int],
    organization_id: int,
    user_id: int,
    grant: bool,
    now: datetime,
    role: str = HR_ROLE,
) -> HrChange:
    """Make `user_id` an HR member of the organization (`grant`), or no longer one; with `role="reviewer"`,
    a reviewer of its members' appeals."""
    if not is_admin(actor_id, admin_ids):
        if role == REVIEWER_ROLE:
            attempted = Attempt.GRANT_REVIEWER if grant else Attempt.REVOKE_REVIEWER
        else:
            attempted = Attempt.GRANT_HR if grant else Attempt.REVOKE_HR
        await audit_denial(session, actor_id, attempted, now)
        return HrChange(HrOutcome.DENIED, grant, user_id, role=role)
    if role not in (HR_ROLE, REVIEWER_ROLE):
        raise ValueError(f"not an organization's role: {role}")
    organization = await OrganizationRepository(session).get(organization_id)
    if organization is None:
        await session.commit()
        return HrChange(HrOutcome.NO_ORGANIZATION, grant, user_id, role=role)
    roles = RoleRepository(session)
    if grant:
        changed = await roles.grant(user_id, role, actor_id, now, organization_id=organization_id)
    else:
        changed = await roles.revoke(user_id, role, organization_id=organization_id)
    if changed:
        await AuditRepository(session).add(
            now,
            actor_id,
            "grant" if grant else "revoke",
            subject_id=user_id,
            details={"role": role, "organization_id": organization_id},
        )
    person = await UserRepository(session).get(user_id)
    summary = summary_of(organization)
    await session.commit()
    return HrChange(
        outcome=HrOutcome.DONE if changed else HrOutcome.UNCHANGED,
        granted=grant,
        user_id=user_id,
        organization=summary,
        language=person.language if person is not None else None,
        username=person.username if person is not None else None,
        role=role,
        name=person.display_name if person is not None else None,
    )


@dataclass(frozen=True, slots=True)
class OrgAdmin:
    """The administrators' organization use cases (/org, /orgs, /stats) bound to one update's session and the
    bot's settings (built by `Provide`), so a handler asks for this one thing; each still checks the actor."""

    session: AsyncSession
    admin_ids: Collection[int]
    clock: Clock
    zone: tzinfo
    # For the invite links shown to administrators.
    bot_username: str

    def is_admin(self, user_id: int) -> bool:
        return is_admin(user_id, self.admin_ids)

    def invite_link(self, organization: OrganizationSummary) -> str:
        return invite_link(self.bot_username, organization.invite_code)

    async def refuse(self, actor_id: int, attempted: Attempt) -> None:
        await audit_denial(self.session, actor_id, attempted, self.clock())

    async def create_organization(self, actor_id: int, name_en: str, name_zh: str) -> OrganizationSummary | None:
        return await create_organization(self.session, actor_id, self.admin_ids, name_en, name_zh, self.clock())

    async def change_hr(self, actor_id: int, organization_id: int, user_id: int, grant: bool, role: str) -> HrChange:
        return await change_hr(
            self.session, actor_id, self.admin_ids, organization_id, user_id, grant, self.clock(), role
        )

    async def city_stats(self, actor_id: int) -> CityStats | None:
        return await city_stats(self.session, actor_id, self.admin_ids, self.clock(), self.zone)

    async def list_organizations(self, actor_id: int) -> list[OrganizationSummary] | None:
        return await list_organizations(self.session, actor_id, self.admin_ids, self.clock())

    async def tell(self, change: HrChange, text: str) -> bool:
        """The person hears of their new or lost role through the outbox, after the change was stored."""
        return await notices.tell(self.session, change.user_id, change.role, text, self.clock())
