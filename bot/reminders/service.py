"""The daily check-in reminders a person gets for themselves, and the evening warning before a missed day.

A periodic job queues them into the notices outbox (bot/broadcast/notices.py), which the broadcast
sender sends within Telegram's limits and resumes after a crash. Three passes, each a keyset walk of
one claiming statement per batch (bot/db/repositories/reminders.py): the people reminded by default
(not green, no choice made) once the default time has come, the people who chose a time of their own
once theirs has, and, once the warning time has come, those counting days toward green who checked in
yesterday but not yet today. A person is claimed for the day per kind in the transaction that stores
their notice: once a day each, across restarts and processes.

Logs carry counts only, never a user id.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, time, tzinfo
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.broadcast import notices
from bot.clock import Clock
from bot.db.models import BEFORE_ANY_ID
from bot.db.repositories.notices import NewNotice
from bot.db.repositories.reminders import Due, RemindChoice, ReminderRepository, ReminderSetting
from bot.status.service import local_day

logger = logging.getLogger(__name__)
# People per claiming transaction: each is one statement and one insert of their notices.
BATCH = 500
REMINDER = "reminder"
WARNING = "warning"


@dataclass(frozen=True, slots=True)
class ReminderTimes:
    """Local times in the bot's zone: the default reminder (people not green) and the evening warning."""

    default_at: time = time(9, 0)
    warning_at: time = time(20, 0)


@dataclass(frozen=True, slots=True)
class Queued:
    reminded: int
    warned: int


Claim = Callable[[ReminderRepository, int], Awaitable[list[Due]]]
# (language, kind) -> the notice's text and its buttons as JSON: the presenter's `composer`, given by the caller
# so that the job stores words without knowing them.
Compose = Callable[[str, str], tuple[str, dict[str, Any]]]


async def queue_due(
    sessions: async_sessionmaker[AsyncSession], compose: Compose, now: datetime, zone: tzinfo, times: ReminderTimes
) -> Queued:
    """Queue a notice for everyone due now who has not had that kind today: how many of each."""
    local = now.astimezone(zone)
    today, clock = local.date(), local.time().replace(tzinfo=None)
    reminded = warned = 0
    if clock >= times.default_at:
        reminded += await _walk(
            sessions, compose, now, REMINDER, lambda r, after: r.claim_by_default(today, after, BATCH)
        )
    reminded += await _walk(
        sessions, compose, now, REMINDER, lambda r, after: r.claim_chosen(today, clock, after, BATCH)
    )
    if clock >= times.warning_at:
        warned = await _walk(sessions, compose, now, WARNING, lambda r, after: r.claim_warnings(today, after, BATCH))
    return Queued(reminded=reminded, warned=warned)


async def _walk(
    sessions: async_sessionmaker[AsyncSession], compose: Compose, now: datetime, kind: str, claim: Claim
) -> int:
    queued = 0
    after = BEFORE_ANY_ID  # keyset: a batch never reads past the people already taken (members' ids are negative)
    while True:
        async with sessions() as session:
            due = await claim(ReminderRepository(session), after)
            if not due:
                await session.rollback()
                return queued
            # The claim and the notices are committed together: a crash before the commit leaves both.
            await notices.queue(session, [_notice(compose, person, kind) for person in due], now)
            await session.commit()
        notices.wake()
        queued += len(due)
        after = due[-1].user_id
        if len(due) < BATCH:
            return queued


def _notice(compose: Compose, person: Due, kind: str) -> NewNotice:
    text, buttons = compose(person.language, kind)
    return NewNotice(person.user_id, kind, text, buttons)


async def remind_due(
    sessions: async_sessionmaker[AsyncSession], compose: Compose, clock: Clock, zone: tzinfo, times: ReminderTimes
) -> None:
    """One look for due reminders: a periodic step of the bot process (bot/background.py)."""
    queued = await queue_due(sessions, compose, clock(), zone, times)
    if queued.reminded or queued.warned:
        logger.info("reminders: %s reminded, %s warned", queued.reminded, queued.warned)


# --- The person's own choice (/remindme) -------------------------------------------------------------------


async def setting_of(session: AsyncSession, user_id: int) -> ReminderSetting | None:
    """Their reminder as it stands; None without an account. Ends the read."""
    setting = await ReminderRepository(session).setting(user_id)
    await session.commit()
    return setting


@dataclass(frozen=True, slots=True)
class Chosen:
    setting: ReminderSetting
    # The chosen time has passed today: the first reminder is tomorrow (one now would answer nothing).
    starts_tomorrow: bool = False


async def choose(
    session: AsyncSession, user_id: int, choice: RemindChoice | None, at: time | None, now: datetime, zone: tzinfo
) -> Chosen | None:
    """Store their choice (on at `at`, off, or back to the default) and commit; None without an account."""
    repository = ReminderRepository(session)
    local = now.astimezone(zone)
    passed = choice is RemindChoice.ON and at is not None and at <= local.time().replace(tzinfo=None)
    stored = await repository.choose(
        user_id, choice, at if choice is RemindChoice.ON else None, local_day(now, zone) if passed else None
    )
    if not stored:
        await session.rollback()
        return None
    setting = await repository.setting(user_id)
    await session.commit()
    assert setting is not None  # the row was just updated in this transaction
    return Chosen(setting, starts_tomorrow=passed)


@dataclass(frozen=True, slots=True)
class ReminderService:
    """/remindme's use cases bound to one update's session and the bot's clock, zone and reminder times."""

    session: AsyncSession
    clock: Clock
    zone: tzinfo
    times: ReminderTimes

    async def setting_of(self, user_id: int) -> ReminderSetting | None:
        return await setting_of(self.session, user_id)

    async def choose(self, user_id: int, choice: RemindChoice | None, at: time | None) -> Chosen | None:
        return await choose(self.session, user_id, choice, at, self.clock(), self.zone)
