"""Personal data is kept for RETENTION_DAYS (the privacy notice says how long), then deleted.

Check-ins and declarations older than that go, except the latest declaration of someone who still
checks in (their code and name rest on it); colour changes older than that go, except the last one
before the cutoff, which carries reasons still active (a confirmed case stays red). Someone with no
declaration left loses their colour and code. So does a form left unfinished that long, which may hold a
name and an ID number.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from aiogram.fsm.storage.base import BaseStorage
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.db.repositories.retention import RetentionRepository
from bot.fsm.storage import SqlStorage

logger = logging.getLogger(__name__)
PURGE_INTERVAL = timedelta(hours=6)


@dataclass(frozen=True, slots=True)
class Purged:
    checkins: int
    declarations: int
    assessments: int
    conversations: int


async def purge_expired(
    sessions: async_sessionmaker[AsyncSession], storage: BaseStorage, now: datetime, retention: timedelta
) -> Purged:
    cutoff = now - retention
    async with sessions() as session:
        repository = RetentionRepository(session)
        checkins = await repository.delete_checkins_before(cutoff)
        declarations = await repository.delete_declarations_before(cutoff)
        assessments = await repository.delete_assessments_before(cutoff)
        await repository.forget_purged_state()
        await session.commit()
    # Redis expires conversations by itself (the storage is made with a time to live).
    conversations = await storage.forget_untouched_since(cutoff) if isinstance(storage, SqlStorage) else 0
    return Purged(checkins=checkins, declarations=declarations, assessments=assessments, conversations=conversations)


async def purge_periodically(
    sessions: async_sessionmaker[AsyncSession], storage: BaseStorage, clock: Clock, retention: timedelta
) -> None:
    """Runs at start-up and every few hours, so a bot that was down at the due time catches up."""
    while True:
        try:
            purged = await purge_expired(sessions, storage, clock(), retention)
            logger.info(
                "retention: %s check-ins, %s declarations, %s colour changes, %s conversations deleted",
                purged.checkins,
                purged.declarations,
                purged.assessments,
                purged.conversations,
            )
        except Exception:  # a failed purge is retried at the next interval; it must not stop the bot
            logger.exception("retention: purge failed")
        await asyncio.sleep(PURGE_INTERVAL.total_seconds())
