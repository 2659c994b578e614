"""Use cases of organizations: creating them, their HR members, joining by invite, and the HR view.

Who may do what is decided here, on the server, for every command and every button press:
administrators (ADMIN_IDS) manage organizations and may look at any of them; an HR member may look at,
remind and schedule only the organizations they hold the `hr` role for. Anyone else, and an HR member
asking about another organization, is refused the same way, and the attempt is audited as `denied`
(who, what they tried, which organization; nothing about its members).

What HR sees of a member is their name (from their latest declaration), their current colour and the
days they checked in: never their answers, symptoms, places or contacts.

Each use case commits once: a change and its audit entry are one transaction.
"""

from __future__ import annotations

import inspect
import secrets
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum

from sqlalchemy import ColumnElement
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.broadcast import service as broadcast
from bot.broadcast.service import Audience
from bot.db.models import Organization
from bot.db.repositories.appeals import AppealRepository
from bot.db.repositories.audit import AuditRepository
from bot.db.repositories.organizations import (
    HR_ROLE,
    CityCounts,
    Direction,
    MemberRow,
    OrganizationRepository,
    Position,
    Who,
    members_of,
)
from bot.db.repositories.roles import RoleRepository
from bot.db.repositories.users import UserRepository
from bot.organizations.chart import DAYS, ChartDay
from bot.roles.service import RoleName, is_admin

INVITE_PREFIX = "join-"
MAX_NAME_LENGTH = 200
MAX_REMINDER_LENGTH = 1000
PAGE_SIZE = 20
DENIED = "denied"


REVIEWER_ROLE = RoleName.REVIEWER.value


class Attempt(StrEnum):
    """What someone tried; the audit log's `attempted` when they were refused."""

    ORG = "org"
    CREATE = "org new"
    LIST = "orgs"
    GRANT_HR = "org hr"
    REVOKE_HR = "org unhr"
    GRANT_REVIEWER = "org reviewer"
    REVOKE_REVIEWER = "org unreviewer"
    REPORT = "report"
    LIST_MEMBERS = "members"
    EXPORT = "export"
    REMIND = "remind"
    SCHEDULE = "schedule"
    STATS = "stats"


class ListKind(StrEnum):
    NOT_CHECKED_IN = "unchecked"
    NOT_GREEN = "notgreen"


def new_invite_code() -> str:
    """12 characters of A-Z a-z 0-9 _ -: what a Telegram deep link allows."""
    return secrets.token_urlsafe(9)


def invite_link(bot_username: str, invite_code: str) -> str:
    return f"https://t.me/{bot_username}?start={INVITE_PREFIX}{invite_code}"


def local_day(now: datetime, zone: tzinfo) -> date:
    return now.astimezone(zone).date()


async def _deny(
    session: AsyncSession, actor_id: int, attempted: Attempt, now: datetime, organization_id: int | None = None
) -> None:
    details: dict[str, object] = {"attempted": attempted.value}
    if organization_id is not None:
        details["organization_id"] = organization_id
    await AuditRepository(session).add(now, actor_id, DENIED, details=details)
    await session.commit()


# --- Administrators: organizations and their HR members -----------------------------------------


@dataclass(frozen=True, slots=True)
class OrganizationSummary:
    id: int
    name_en: str
    name_zh: str
    invite_code: str
    reminder_at: time | None
    members: int = 0
    hr_members: int = 0


def _summary(organization: Organization, members: int = 0, hr_members: int = 0) -> OrganizationSummary:
    return OrganizationSummary(
        id=organization.id,
        name_en=organization.name_en,
        name_zh=organization.name_zh,
        invite_code=organization.invite_code,
        reminder_at=organization.reminder_at,
        members=members,
        hr_members=hr_members,
    )


async def create_organization(
    session: AsyncSession, actor_id: int, admin_ids: Collection[int], name_en: str, name_zh: str, now: datetime
) -> OrganizationSummary | None:
    """The new organization; None (and a `denied` entry) for anyone but an administrator."""
    if not is_admin(actor_id, admin_ids):
        await _deny(session, actor_id, Attempt.CREATE, now)
        return None
    for _attempt in range(3):
        try:
            organization = await OrganizationRepository(session).add(name_en, name_zh, new_invite_code(), actor_id, now)
            await AuditRepository(session).add(
                now, actor_id, "org_create", details={"organization_id": organization.id}
            )
            summary = _summary(organization)
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


async def city_stats(
    session: AsyncSession, actor_id: int, admin_ids: Collection[int], now: datetime, zone: tzinfo
) -> CityStats | None:
    """/stats: everyone's counts today, for administrators; None (and a `denied` entry) for anyone else."""
    if not is_admin(actor_id, admin_ids):
        await _deny(session, actor_id, Attempt.STATS, now)
        return None
    today = local_day(now, zone)
    since = datetime.combine(today, time(), zone)
    until = datetime.combine(today + timedelta(days=1), time(), zone)
    counts = await OrganizationRepository(session).city_counts(today, since, until)
    appeals_open = await AppealRepository(session).count_open()
    await session.commit()
    return CityStats(day=today, counts=counts, appeals_open=appeals_open)


async def list_organizations(
    session: AsyncSession, actor_id: int, admin_ids: Collection[int], now: datetime
) -> list[OrganizationSummary] | None:
    if not is_admin(actor_id, admin_ids):
        await _deny(session, actor_id, Attempt.LIST, now)
        return None
    repository = OrganizationRepository(session)
    members = await repository.member_counts()
    hr_members = await repository.hr_counts()
    summaries = [
        _summary(organization, members.get(organization.id, 0), hr_members.get(organization.id, 0))
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
        await _deny(session, actor_id, attempted, now)
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
    summary = _summary(organization)
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
        organization=_summary(organization) if organization is not None else None,
        current=_summary(current) if current is not None else None,
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
    """Join the organization of the invite, leaving any other (a person belongs to at most one)."""
    repository = OrganizationRepository(session)
    organization = await repository.by_invite(invite_code) if invite_code else None
    if organization is None:
        await session.commit()
        return Joined(JoinOutcome.UNKNOWN_INVITE)
    current = await repository.membership(user_id)
    if current is not None and current.id == organization.id:
        await session.commit()
        return Joined(JoinOutcome.ALREADY_MEMBER, _summary(organization))
    if not await repository.set_membership(user_id, organization.id):
        await session.commit()
        return Joined(JoinOutcome.NO_ACCOUNT, _summary(organization))
    result = Joined(JoinOutcome.JOINED, _summary(organization), _summary(current) if current is not None else None)
    await session.commit()
    return result


async def membership(session: AsyncSession, user_id: int) -> OrganizationSummary | None:
    """The organization a person belongs to, if any (a read: nothing is committed but the read is ended)."""
    organization = await OrganizationRepository(session).membership(user_id)
    await session.commit()
    return _summary(organization) if organization is not None else None


async def organization_line(session: AsyncSession, user_id: int, locale: str) -> str | None:
    """For /status: "Organization: <name>" in the current gettext locale (HTML-escaped), or None for none."""
    from bot.organizations.presenter import membership_line

    organization = await membership(session, user_id)
    return membership_line(organization, locale) if organization is not None else None


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
    return [_summary(organization) for organization in organizations]


async def refuse(
    session: AsyncSession, actor_id: int, attempted: Attempt, now: datetime, organization_id: int | None = None
) -> None:
    """Record a refused attempt (someone with no organization to look at asked anyway)."""
    await _deny(session, actor_id, attempted, now, organization_id)


async def _allowed(
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
        await _deny(session, actor_id, attempted, now, organization_id)
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
    organization = await _allowed(session, actor_id, admin_ids, organization_id, Attempt.REPORT, now)
    if organization is None:
        return None
    repository = OrganizationRepository(session)
    today = local_day(now, zone)
    first = today - timedelta(days=DAYS - 1)
    members = (await repository.counts(organization_id, today)).members
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
    today_colours = await repository.checked_in_by_colour(organization_id, today)
    await session.commit()
    return ReportHistory(
        organization=_summary(organization, members),
        members=members,
        days=[*past, ChartDay(day=today, checked_in=sum(today_colours.values()), colours=today_colours)],
    )


_LIST_MEMBERS = {ListKind.NOT_CHECKED_IN: Who.NOT_CHECKED_IN, ListKind.NOT_GREEN: Who.NOT_GREEN}
_AUDIENCE_MEMBERS = {
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
    organization = await _allowed(session, actor_id, admin_ids, organization_id, Attempt.REPORT, now)
    if organization is None:
        return None
    today = local_day(now, zone)
    counts = await OrganizationRepository(session).counts(organization_id, today)
    appeals_open = await AppealRepository(session).count_open_in_organization(organization_id)
    summary = _summary(organization, counts.members)
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
    organization = await _allowed(session, actor_id, admin_ids, organization_id, Attempt.LIST_MEMBERS, now)
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
    summary = _summary(organization)
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
    organization = await _allowed(session, actor_id, admin_ids, organization_id, Attempt.EXPORT, now)
    if organization is None:
        return None
    today = local_day(now, zone)
    count = 0
    async for rows in OrganizationRepository(session).stream_members(organization_id):
        written = write([_member(row, today) for row in rows])
        if inspect.isawaitable(written):
            await written
        count += len(rows)
    summary = _summary(organization, count)
    await session.commit()
    return MemberExport(summary, today, count)


# --- Reminders -------------------------------------------------------------------------------------


async def recipient_count(session: AsyncSession, organization_id: int, audience: Audience, today: date) -> int:
    """How many members a reminder to `audience` reaches now (not committed: part of a use case)."""
    return await OrganizationRepository(session).count(organization_id, _AUDIENCE_MEMBERS[audience], today)


def recipients_of(organization_id: int, audience: Audience, today: date) -> ColumnElement[bool]:
    """The members a reminder to `audience` goes to, as the condition the broadcast engine selects them by."""
    return members_of(organization_id, _AUDIENCE_MEMBERS[audience], today)


@dataclass(frozen=True, slots=True)
class ReminderDraft:
    """What /remind shows before sending: where, to whom, how many people that is now."""

    organization: OrganizationSummary
    audience: Audience
    count: int


async def draft_reminder(
    session: AsyncSession,
    actor_id: int,
    admin_ids: Collection[int],
    organization_id: int,
    audience: Audience,
    now: datetime,
    zone: tzinfo,
) -> ReminderDraft | None:
    organization = await _allowed(session, actor_id, admin_ids, organization_id, Attempt.REMIND, now)
    if organization is None:
        return None
    count = await recipient_count(session, organization_id, audience, local_day(now, zone))
    summary = _summary(organization)
    await session.commit()
    return ReminderDraft(summary, audience, count)


async def check_organization(
    session: AsyncSession,
    actor_id: int,
    admin_ids: Collection[int],
    organization_id: int,
    attempted: Attempt,
    now: datetime,
) -> OrganizationSummary | None:
    """The organization when the actor may act on it (`attempted`); None when refused (audited)."""
    organization = await _allowed(session, actor_id, admin_ids, organization_id, attempted, now)
    if organization is None:
        return None
    summary = _summary(organization)
    await session.commit()
    return summary


class SendOutcome(StrEnum):
    DENIED = "denied"
    NOBODY = "nobody"
    STARTED = "started"


@dataclass(frozen=True, slots=True)
class Recipients:
    outcome: SendOutcome
    organization: OrganizationSummary | None = None
    # How many members the reminder reaches, counted now; the job selects them again when it is stored.
    count: int = 0


async def reminder_recipients(
    session: AsyncSession,
    actor_id: int,
    admin_ids: Collection[int],
    organization_id: int,
    audience: Audience,
    now: datetime,
    zone: tzinfo,
) -> Recipients:
    """How many a confirmed reminder goes to, counted now; the access is checked again."""
    organization = await _allowed(session, actor_id, admin_ids, organization_id, Attempt.REMIND, now)
    if organization is None:
        return Recipients(SendOutcome.DENIED)
    count = await recipient_count(session, organization_id, audience, local_day(now, zone))
    summary = _summary(organization)
    await session.commit()
    return Recipients(SendOutcome.STARTED if count else SendOutcome.NOBODY, summary, count)


async def send_reminder(
    session: AsyncSession,
    *,
    organization_id: int,
    actor_id: int,
    audience: Audience,
    text: str | None,
    now: datetime,
    zone: tzinfo,
    progress_chat_id: int | None = None,
    progress_message_id: int | None = None,
) -> int:
    """Hand the job to the broadcast engine (which commits); its id. Its recipients are the audience as it
    is now, selected and written by the database in one statement."""
    return await broadcast.start_broadcast(
        session,
        organization_id=organization_id,
        created_by=actor_id,
        audience=audience,
        text=text,
        recipients=recipients_of(organization_id, audience, local_day(now, zone)),
        now=now,
        progress_chat_id=progress_chat_id,
        progress_message_id=progress_message_id,
    )


# --- The daily reminder ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Schedule:
    organization: OrganizationSummary
    at: time | None
    # True when the time has passed today: the first reminder is tomorrow.
    starts_tomorrow: bool = False


async def set_schedule(
    session: AsyncSession,
    actor_id: int,
    admin_ids: Collection[int],
    organization_id: int,
    at: time | None,
    now: datetime,
    zone: tzinfo,
) -> Schedule | None:
    """Set (or, with None, turn off) the daily reminder; None when refused (audited)."""
    organization = await _allowed(session, actor_id, admin_ids, organization_id, Attempt.SCHEDULE, now)
    if organization is None:
        return None
    local = now.astimezone(zone)
    passed = at is not None and at <= local.time().replace(tzinfo=None)
    # A time already past today starts tomorrow: setting 08:30 at noon does not send at once.
    reminded_on = local.date() if passed else organization.reminded_on
    await OrganizationRepository(session).set_reminder(organization_id, at, reminded_on)
    await AuditRepository(session).add(
        now,
        actor_id,
        "schedule",
        details={"organization_id": organization_id, "at": at.strftime("%H:%M") if at is not None else None},
    )
    await session.refresh(organization)
    summary = _summary(organization)
    await session.commit()
    return Schedule(summary, at, starts_tomorrow=passed)


async def schedule_of(
    session: AsyncSession, actor_id: int, admin_ids: Collection[int], organization_id: int, now: datetime
) -> OrganizationSummary | None:
    return await check_organization(session, actor_id, admin_ids, organization_id, Attempt.SCHEDULE, now)
