"""Deadlines that are kept: reviewers are reminded of appeals near their due time (a reviewer of some
organizations, of their members' only), and admins told of those past it. A periodic task of every bot
process; each appeal is claimed for each step by one conditional UPDATE in the same transaction as the
notices it causes, so it is reminded and escalated once however many processes run. One notice per
recipient per run, whatever the number of appeals: the work grows with the appeals due (through the
partial index on open ones), never with people or days.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.appeals import presenter
from bot.broadcast import notices
from bot.clock import Clock
from bot.db.models import Appeal
from bot.db.repositories.appeals import AppealRepository
from bot.db.repositories.notices import NewNotice
from bot.db.repositories.roles import RoleRepository
from bot.db.repositories.users import UserRepository
from bot.roles.service import RoleName

logger = logging.getLogger(__name__)
BATCH = 500
# Reviewers are reminded when this share of the time to answer is left.
REMIND_WHEN_LEFT = 0.25


@dataclass(frozen=True, slots=True)
class Kept:
    reminded: int
    escalated: int


async def keep_deadlines(
    sessions: async_sessionmaker[AsyncSession],
    i18n: I18n,
    now: datetime,
    zone: tzinfo,
    admin_ids: Collection[int],
    appeal_hours: int,
) -> Kept:
    due_by = now + timedelta(hours=appeal_hours * REMIND_WHEN_LEFT)
    async with sessions() as session:
        appeals = AppealRepository(session)
        reminded = await _claim_all(lambda: appeals.claim_reminders(due_by, now, BATCH))
        overdue = await _claim_all(lambda: appeals.claim_escalations(now, BATCH))
        queued: list[NewNotice] = []
        if reminded:
            scopes = await RoleRepository(session).scopes(RoleName.REVIEWER.value)
            organizations = await appeals.organizations_of([appeal.id for appeal in reminded])
            # Nobody to review them (no global reviewer): the admins are the reviewers.
            if not any(scope is None for scope in scopes.values()):
                scopes.update({admin: None for admin in admin_ids})
            languages = await UserRepository(session).languages(scopes)
            for reviewer, scope in sorted(scopes.items()):
                theirs = [a for a in reminded if scope is None or organizations.get(a.id) in scope]
                if not theirs:
                    continue
                language = languages.get(reviewer, "en")
                with i18n.context(), i18n.use_locale(language):
                    text = presenter.reminder(len(theirs), min(a.due_at for a in theirs), language, zone)
                queued.append(NewNotice(reviewer, "appeal", text))
        if overdue:
            languages = await UserRepository(session).languages(admin_ids)
            for admin in sorted(admin_ids):
                language = languages.get(admin, "en")
                with i18n.context(), i18n.use_locale(language):
                    text = presenter.overdue(len(overdue), min(appeal.due_at for appeal in overdue), language, zone)
                queued.append(NewNotice(admin, "appeal", text))
        await notices.queue(session, queued, now)
        await session.commit()
    if queued:
        notices.wake()
    return Kept(reminded=len(reminded), escalated=len(overdue))


async def _claim_all(claim: Callable[[], Awaitable[list[Appeal]]]) -> Sequence[Appeal]:
    claimed: list[Appeal] = []
    while True:
        batch = await claim()
        claimed += batch
        if len(batch) < BATCH:
            return claimed


async def keep_deadlines_now(
    sessions: async_sessionmaker[AsyncSession],
    i18n: I18n,
    clock: Clock,
    zone: tzinfo,
    admin_ids: Collection[int],
    appeal_hours: int,
) -> None:
    """One look for appeals near or past their due time: a periodic step of the bot process (bot/background.py)."""
    kept = await keep_deadlines(sessions, i18n, clock(), zone, admin_ids, appeal_hours)
    if kept.reminded or kept.escalated:
        logger.info("appeals: %s reminded, %s escalated", kept.reminded, kept.escalated)
