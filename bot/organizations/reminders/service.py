"""Reminders HR sends to their members now (/remind) and the organization's daily reminder (/schedule)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo
from enum import StrEnum

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from bot.broadcast import service as broadcast
from bot.broadcast.service import Audience, Progress
from bot.db.repositories.audit import AuditRepository
from bot.db.repositories.organizations import OrganizationRepository, members_of
from bot.organizations.report.service import AUDIENCE_MEMBERS, Reports, permitted_organization
from bot.organizations.service import Attempt, OrganizationSummary, local_day, summary_of

# --- Reminders -------------------------------------------------------------------------------------


async def recipient_count(session: AsyncSession, organization_id: int, audience: Audience, today: date) -> int:
    """How many members a reminder to `audience` reaches now (not committed: part of a use case)."""
    return await OrganizationRepository(session).count(organization_id, AUDIENCE_MEMBERS[audience], today)


def recipients_of(organization_id: int, audience: Audience, today: date) -> ColumnElement[bool]:
    """The members a reminder to `audience` goes to, as the condition the broadcast engine selects them by."""
    return members_of(organization_id, AUDIENCE_MEMBERS[audience], today)


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
    organization = await permitted_organization(session, actor_id, admin_ids, organization_id, Attempt.REMIND, now)
    if organization is None:
        return None
    count = await recipient_count(session, organization_id, audience, local_day(now, zone))
    summary = summary_of(organization)
    await session.commit()
    return ReminderDraft(summary, audience, count)


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
    organization = await permitted_organization(session, actor_id, admin_ids, organization_id, Attempt.REMIND, now)
    if organization is None:
        return Recipients(SendOutcome.DENIED)
    count = await recipient_count(session, organization_id, audience, local_day(now, zone))
    summary = summary_of(organization)
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
    organization = await permitted_organization(session, actor_id, admin_ids, organization_id, Attempt.SCHEDULE, now)
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
    summary = summary_of(organization)
    await session.commit()
    return Schedule(summary, at, starts_tomorrow=passed)


@dataclass(frozen=True, slots=True)
class HrReminders(Reports):
    """/remind's and /schedule's use cases, on top of the HR view's (who may act on which organization), bound
    to one update's session and the bot's settings (built by `Provide`); every use case still checks access."""

    async def draft_reminder(self, actor_id: int, organization_id: int, audience: Audience) -> ReminderDraft | None:
        return await draft_reminder(
            self.session, actor_id, self.admin_ids, organization_id, audience, self.clock(), self.zone
        )

    async def reminder_recipients(
        self, actor_id: int, organization_id: int, audience: Audience, now: datetime
    ) -> Recipients:
        return await reminder_recipients(
            self.session, actor_id, self.admin_ids, organization_id, audience, now, self.zone
        )

    async def send_reminder(
        self, actor_id: int, organization_id: int, audience: Audience, text: str | None, now: datetime
    ) -> int:
        return await send_reminder(
            self.session,
            organization_id=organization_id,
            actor_id=actor_id,
            audience=audience,
            text=text,
            now=now,
            zone=self.zone,
        )

    async def show_progress(self, broadcast_id: int, chat_id: int, message_id: int) -> Progress | None:
        return await broadcast.show_progress(self.session, broadcast_id, chat_id, message_id)

    async def schedule_of(self, actor_id: int, organization_id: int) -> OrganizationSummary | None:
        return await self.check_organization(actor_id, organization_id, Attempt.SCHEDULE)

    async def set_schedule(self, actor_id: int, organization_id: int, at: time | None) -> Schedule | None:
        return await set_schedule(self.session, actor_id, self.admin_ids, organization_id, at, self.clock(), self.zone)
