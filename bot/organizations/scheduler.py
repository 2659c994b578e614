"""The daily reminder of each organization (/schedule 08:30): to its members who have not checked in yet.

Every bot process runs this loop. Each organization's reminder is claimed for the local day in the
database before its job is started (`UPDATE organizations SET reminded_on = today WHERE ... reminded_on
< today`: a row count of 1 means ours), in the same transaction as the job, so it fires once a day
however many processes look, and a crash before the commit leaves it for the next look. A bot that was
down at the reminder time sends it when it starts, the same day; a day it was down throughout is skipped.

A person gets one automatic check-in reminder a day, whoever set it: the organization's skips those their own
reminder (bot/reminders) already reached today, and counts the rest as reminded, in the same transaction, so
their own does not follow an hour later.

Logs carry organization and job ids and counts; never a user id.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, tzinfo

from sqlalchemy import and_
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.broadcast import service as broadcast
from bot.broadcast.service import Audience
from bot.clock import Clock
from bot.db.models import User
from bot.db.repositories.organizations import OrganizationRepository
from bot.db.repositories.reminders import ReminderRepository, not_reminded_on
from bot.organizations.reminders.service import recipients_of
from bot.organizations.service import local_day

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Fired:
    organization_id: int
    broadcast_id: int | None  # None: nobody to remind (everyone had checked in)
    recipients: int


async def fire_due(sessions: async_sessionmaker[AsyncSession], now: datetime, zone: tzinfo) -> list[Fired]:
    """Start today's reminder of every organization whose time has come; the ones this call started."""
    local = now.astimezone(zone)
    today = local.date()
    async with sessions() as session:
        due = await OrganizationRepository(session).due_reminders(local.time().replace(tzinfo=None), today)
        await session.commit()
    fired = []
    for organization_id in due:
        result = await _fire(sessions, organization_id, now, zone)
        if result is not None:
            fired.append(result)
    return fired


async def _fire(
    sessions: async_sessionmaker[AsyncSession], organization_id: int, now: datetime, zone: tzinfo
) -> Fired | None:
    today = local_day(now, zone)
    async with sessions() as session:
        if not await OrganizationRepository(session).claim_reminder(organization_id, today):
            await session.rollback()
            return None  # another process (or an earlier look) took it
        reminders = ReminderRepository(session)
        recipients = and_(recipients_of(organization_id, Audience.NOT_CHECKED_IN, today), not_reminded_on(User, today))
        count = await reminders.count(recipients)
        if not count:
            await session.commit()
            logger.info("daily reminder of organization %s: nobody left to remind", organization_id)
            return Fired(organization_id, None, 0)
        # The job's rows first: counting them as reminded takes them out of `recipients`.
        broadcast_id = await broadcast.start_broadcast(
            session,
            organization_id=organization_id,
            created_by=None,
            audience=Audience.NOT_CHECKED_IN,
            text=None,
            recipients=recipients,
            now=now,
            commit=False,
        )
        await reminders.count_as_reminded(recipients_of(organization_id, Audience.NOT_CHECKED_IN, today), today)
        # The claim, the job and the marks land together.
        await session.commit()
        broadcast.wake_sender()
    logger.info("daily reminder of organization %s: job %s for %s people", organization_id, broadcast_id, count)
    return Fired(organization_id, broadcast_id, count)


async def fire_due_now(sessions: async_sessionmaker[AsyncSession], clock: Clock, zone: tzinfo) -> None:
    """One look for due daily reminders: a periodic step of the bot process (bot/background.py)."""
    await fire_due(sessions, clock(), zone)
