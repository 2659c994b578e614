"""The HR view: who may look at which organization, /report, its member lists and their files.

What HR sees of a member is their name (from their latest declaration), their current colour and the
days they checked in: never their answers, symptoms, places or contacts.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.broadcast.service import Audience
from bot.clock import Clock
from bot.db.models import Organization
from bot.db.repositories.appeals import AppealRepository
from bot.db.repositories.organizations import Direction, MemberRow, OrganizationRepository, Position, Who
from bot.organizations.chart import DAYS, ChartCache, ChartDay
from bot.organizations.service import (
    PAGE_SIZE,
    Attempt,
    ListKind,
    OrganizationSummary,
    audit_denial,
    local_day,
    summary_of,
)
from bot.roles.service import is_admin

# --- The HR view -----------------------------------------------------------------------------------


async def is_hr_member(session: AsyncSession, user_id: int) -> bool:
    """Whether this person is on the HR office of any organization (not committed)."""
    return bool(await OrganizationRepository(session).hr_organization_ids(user_id))


async def organizations_for(
    session: AsyncSession, user_id: int, admin_ids: Collection[int]
) -> list[OrganizationSummary]:
    """The organizations this person may look at: all for an administrator, their own for an HR member."""
    repository = OrganizationRepository(session)
    if is_admin(user_id, admin_ids):
        organizations = await repository.all()
    else:
        organizations = await repository.some(await repository.hr_organization_ids(user_id))
    await session.commit()
    return [summary_of(organization) for organization in organizations]


async def refuse(
    session: AsyncSession, actor_id: int, attempted: Attempt, now: datetime, organization_id: int | None = None
) -> None:
    """Record a refused attempt (someone with no organization to look at asked anyway)."""
    await audit_denial(session, actor_id, attempted, now, organization_id)


async def permitted_organization(
    session: AsyncSession,
    actor_id: int,
    admin_ids: Collection[int],
    organization_id: int,
    attempted: Attempt,
    now: datetime,
) -> Organization | None:
    """The organization when the actor may act on it; otherwise None, with the refusal audited and committed.

    An organization that does not exist is refused like one that is not theirs (for anyone but an
    administrator), so the answer does not tell which organizations exist.
    """
    repository = OrganizationRepository(session)
    if is_admin(actor_id, admin_ids):
        organization = await repository.get(organization_id)
        if organization is None:
            await session.commit()
        return organization
    # The role first: for anyone who is not HR there, the organization is never read at all.
    organization = await repository.get(organization_id) if await repository.is_hr(actor_id, organization_id) else None
    if organization is None:
        await audit_denial(session, actor_id, attempted, now, organization_id)
        return None
    return organization


@dataclass(frozen=True, slots=True)
class Member:
    """One member as HR sees them: no answers beyond the name."""

    user_id: int
    name: str | None
    colour: str | None
    checked_in_today: bool
    last_checkin: date | None
    unreachable: bool
    # Given when they joined, never reused in the organization: tells two people of one name apart.
    member_number: int | None = None

    @property
    def green(self) -> bool:
        return self.colour == "green"


def _member(row: MemberRow, today: date) -> Member:
    return Member(
        user_id=row.user_id,
        name=(row.name or "").strip() or None,
        colour=row.colour,
        checked_in_today=row.last_checkin == today,
        last_checkin=row.last_checkin,
        unreachable=row.unreachable,
        member_number=row.member_number,
    )


@dataclass(frozen=True, slots=True)
class Report:
    organization: OrganizationSummary
    day: date
    members: int
    checked_in: int
    green: int
    yellow: int
    red: int
    no_code: int
    unreachable: int
    not_green: int
    # Members with an appeal against their colour open: a count, never whose or why.
    appeals_open: int = 0

    @property
    def not_checked_in(self) -> int:
        return self.members - self.checked_in


@dataclass(frozen=True, slots=True)
class ReportHistory:
    organization: OrganizationSummary
    members: int
    days: list[ChartDay]


async def report_history(
    session: AsyncSession,
    actor_id: int,
    admin_ids: Collection[int],
    organization_id: int,
    now: datetime,
    zone: tzinfo,
    past: list[ChartDay] | None = None,
) -> ReportHistory | None:
    """The last DAYS days for /report's chart (check-ins per day by colour); None when refused.

    Past days come from their stored totals (organization_days: 13 rows), which the daily job writes
    just after each midnight; a day it has not written (the first days after the upgrade, a missed night)
    is counted here once from the check-ins, by each member's colour now, and stored. `past`, the days
    before today from an earlier call today, spares even that read. Today is counted from the members'
    own rows (their last check-in day and colour).
    """
    organization = await permitted_organization(session, actor_id, admin_ids, organization_id, Attempt.REPORT, now)
    if organization is None:
        return None
    repository = OrganizationRepository(session)
    today = local_day(now, zone)
    first = today - timedelta(days=DAYS - 1)
    members, today_colours = await repository.members_checked_in_by_colour(organization_id, today)
    if past is None:
        days = [first + timedelta(days=offset) for offset in range(DAYS - 1)]
        by_day = await repository.stored_days(organization_id, days[0], days[-1])
        missing = [day for day in days if day not in by_day]
        if missing:
            counted: dict[date, dict[str | None, int]] = {day: {} for day in missing}
            for day, colour, count in await repository.checkins_by_day(organization_id, missing[0], missing[-1]):
                if day in counted:
                    counted[day][colour] = count
            await repository.store_days({(organization_id, day): counts for day, counts in counted.items()})
            by_day.update(counted)
        past = [ChartDay(day=day, checked_in=sum(by_day[day].values()), colours=by_day[day]) for day in days]
    await session.commit()
    return ReportHistory(
        organization=summary_of(organization, members),
        members=members,
        days=[*past, ChartDay(day=today, checked_in=sum(today_colours.values()), colours=today_colours)],
    )


_LIST_MEMBERS = {ListKind.NOT_CHECKED_IN: Who.NOT_CHECKED_IN, ListKind.NOT_GREEN: Who.NOT_GREEN}
AUDIENCE_MEMBERS = {
    Audience.NOT_CHECKED_IN: Who.NOT_CHECKED_IN,
    Audience.NOT_GREEN: Who.NOT_GREEN,
    Audience.EVERYONE: Who.EVERYONE,
}


@dataclass(frozen=True, slots=True)
class MemberPage:
    organization: OrganizationSummary
    kind: ListKind
    day: date
    members: tuple[Member, ...]
    page: int
    pages: int
    total: int

    @property
    def first_number(self) -> int:
        return self.page * PAGE_SIZE + 1


def page_count(total: int) -> int:
    return max(1, -(-total // PAGE_SIZE))


@dataclass(frozen=True, slots=True)
class MemberExport:
    organization: OrganizationSummary
    day: date
    count: int


async def report(
    session: AsyncSession,
    actor_id: int,
    admin_ids: Collection[int],
    organization_id: int,
    now: datetime,
    zone: tzinfo,
) -> Report | None:
    """Today's counts (SQL aggregates over the organization's rows); None when refused (audited)."""
    organization = await permitted_organization(session, actor_id, admin_ids, organization_id, Attempt.REPORT, now)
    if organization is None:
        return None
    today = local_day(now, zone)
    counts = await OrganizationRepository(session).counts(organization_id, today)
    appeals_open = await AppealRepository(session).count_open_in_organization(organization_id)
    summary = summary_of(organization, counts.members)
    await session.commit()
    return Report(
        organization=summary,
        day=today,
        members=counts.members,
        checked_in=counts.checked_in,
        green=counts.green,
        yellow=counts.yellow,
        red=counts.red,
        no_code=counts.no_code,
        unreachable=counts.unreachable,
        not_green=counts.not_green,
        appeals_open=appeals_open,
    )


async def member_page(
    session: AsyncSession,
    actor_id: int,
    admin_ids: Collection[int],
    organization_id: int,
    kind: ListKind,
    page: int,
    now: datetime,
    zone: tzinfo,
    *,
    after: int | None = None,
    before: int | None = None,
) -> MemberPage | None:
    """Page `page` of a list, read from a keyset cursor: just `after` (Next) or `before` (Previous) a member.

    Without a cursor, page 0 is the first page and any page from the last on is the last page. The
    page number only labels the page; the cursor says where it is. A cursor whose member has gone, or a
    Previous that reaches the start, shows the first page; a Next beyond the end shows the last.
    """
    organization = await permitted_organization(
        session, actor_id, admin_ids, organization_id, Attempt.LIST_MEMBERS, now
    )
    if organization is None:
        return None
    today = local_day(now, zone)
    repository = OrganizationRepository(session)
    who = _LIST_MEMBERS[kind]
    total = await repository.count(organization_id, who, today)
    pages = page_count(total)
    page = min(max(page, 0), pages - 1)
    last = Position(Direction.LAST)
    last_size = total - (pages - 1) * PAGE_SIZE
    rows: list[MemberRow] = []
    if after is not None and page > 0:
        rows = await repository.page(organization_id, who, today, Position(Direction.AFTER, after), PAGE_SIZE)
        if not rows and total:
            page, rows = pages - 1, await repository.page(organization_id, who, today, last, last_size)
    elif before is not None and 0 < page < pages - 1:
        rows = await repository.page(organization_id, who, today, Position(Direction.BEFORE, before), PAGE_SIZE)
        if len(rows) < PAGE_SIZE:
            rows = []
    elif page == pages - 1 and page > 0:
        rows = await repository.page(organization_id, who, today, last, last_size)
    if not rows:
        page = 0
        rows = await repository.page(organization_id, who, today, Position(Direction.FIRST), PAGE_SIZE)
    summary = summary_of(organization)
    await session.commit()
    return MemberPage(
        organization=summary,
        kind=kind,
        day=today,
        members=tuple(_member(row, today) for row in rows),
        page=page,
        pages=pages,
        total=total,
    )


async def export_members(
    session: AsyncSession,
    actor_id: int,
    admin_ids: Collection[int],
    organization_id: int,
    now: datetime,
    zone: tzinfo,
    write: Callable[[list[Member]], Awaitable[object] | object],
) -> MemberExport | None:
    """Hand every member, in list order, to `write` a batch at a time as they are read (one batch in memory).

    `write` may return an awaitable (a batch drawn in a thread, off the event loop): it is awaited before
    the next batch is read, so no more than one batch is ever waiting."""
    organization = await permitted_organization(session, actor_id, admin_ids, organization_id, Attempt.EXPORT, now)
    if organization is None:
        return None
    today = local_day(now, zone)
    count = 0
    async for rows in OrganizationRepository(session).stream_members(organization_id):
        written = write([_member(row, today) for row in rows])
        if inspect.isawaitable(written):
            await written
        count += len(rows)
    summary = summary_of(organization, count)
    await session.commit()
    return MemberExport(summary, today, count)


@dataclass(frozen=True, slots=True)
class Reports:
    """The HR view's use cases bound to one update's session and the bot's settings (built by `Provide`), so
    a handler asks for this one thing; every use case still checks who may see which organization."""

    session: AsyncSession
    admin_ids: Collection[int]
    clock: Clock
    zone: tzinfo
    # /report's charts kept for the day (none in tests that do not give one).
    charts: ChartCache | None = None

    def is_admin(self, user_id: int) -> bool:
        return is_admin(user_id, self.admin_ids)

    async def organizations_for(self, user_id: int) -> list[OrganizationSummary]:
        return await organizations_for(self.session, user_id, self.admin_ids)

    async def refuse(self, actor_id: int, attempted: Attempt) -> None:
        await refuse(self.session, actor_id, attempted, self.clock())

    async def check_organization(
        self, actor_id: int, organization_id: int, attempted: Attempt
    ) -> OrganizationSummary | None:
        """The organization when the actor may act on it (`attempted`); None when refused (audited)."""
        organization = await permitted_organization(
            self.session, actor_id, self.admin_ids, organization_id, attempted, self.clock()
        )
        if organization is None:
            return None
        summary = summary_of(organization)
        await self.session.commit()
        return summary

    async def report(self, actor_id: int, organization_id: int, now: datetime) -> Report | None:
        return await report(self.session, actor_id, self.admin_ids, organization_id, now, self.zone)

    async def report_history(
        self, actor_id: int, organization_id: int, now: datetime, past: list[ChartDay] | None
    ) -> ReportHistory | None:
        return await report_history(self.session, actor_id, self.admin_ids, organization_id, now, self.zone, past)

    async def member_page(
        self, actor_id: int, organization_id: int, kind: ListKind, page: int, *, after: int | None, before: int | None
    ) -> MemberPage | None:
        return await member_page(
            self.session,
            actor_id,
            self.admin_ids,
            organization_id,
            kind,
            page,
            self.clock(),
            self.zone,
            after=after,
            before=before,
        )

    async def export_members(
        self, actor_id: int, organization_id: int, write: Callable[[list[Member]], Awaitable[object] | object]
    ) -> MemberExport | None:
        return await export_members(
            self.session, actor_id, self.admin_ids, organization_id, self.clock(), self.zone, write
        )
