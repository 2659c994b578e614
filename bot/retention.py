"""Personal data is kept for RETENTION_DAYS (the privacy notice says how long), then deleted.

Check-ins and declarations older than that go, except the latest declaration of someone who still
checks in (their code and name rest on it); colour changes older than that go, except the last one
before the cutoff, which carries reasons still active (a confirmed case stays red). Someone with no
declaration left loses their colour and code. So does a form left unfinished that long, which may hold a
name and an ID number.

Checkpoint records (who was checked where and when: a movement trace) and finished reminder jobs with
their recipients go at the same age. Those tables only grow, so they are deleted in batches of their own
transactions: a first purge of a long-running deployment never holds the write lock (SQLite) or a
huge transaction (PostgreSQL) for long. Handled-update marks go after a day (bot.handled_updates).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from aiogram.fsm.storage.base import BaseStorage
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.db.repositories.appeals import AppealRepository
from bot.db.repositories.handled_updates import HandledUpdateRepository
from bot.db.repositories.retention import RetentionRepository
from bot.fsm.storage import SqlStorage
from bot.handled_updates import KEPT_FOR as HANDLED_UPDATES_KEPT_FOR

logger = logging.getLogger(__name__)
PURGE_INTERVAL = timedelta(hours=6)
BATCH = 5_000
# A reminder job carries one row per recipient, up to a whole organization: few jobs per transaction.
BROADCAST_BATCH = 20


@dataclass(frozen=True, slots=True)
class Purged:
    checkins: int
    declarations: int
    assessments: int
    conversations: int
    checks: int = 0
    broadcasts: int = 0
    handled_updates: int = 0
    appeals: int = 0


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
    checks = await _in_batches(sessions, lambda repository: repository.delete_checks_before(cutoff, BATCH), BATCH)
    broadcasts = await _in_batches(
        sessions,
        lambda repository: repository.delete_broadcasts_finished_before(cutoff, BROADCAST_BATCH),
        BROADCAST_BATCH,
    )
    async with sessions() as session:
        handled = await HandledUpdateRepository(session).delete_before(now - HANDLED_UPDATES_KEPT_FOR)
        # Decided and withdrawn appeals, by the index on their age; one still open waits for its decision.
        appeals = await AppealRepository(session).delete_closed_before(cutoff)
        await session.commit()
    # Redis expires conversations by itself (the storage is made with a time to live).
    conversations = await storage.forget_untouched_since(cutoff) if isinstance(storage, SqlStorage) else 0
    return Purged(
        checkins=checkins,
        declarations=declarations,
        assessments=assessments,
        conversations=conversations,
        checks=checks,
        broadcasts=broadcasts,
        handled_updates=handled,
        appeals=appeals,
    )


async def _in_batches(
    sessions: async_sessionmaker[AsyncSession],
    delete_batch: Callable[[RetentionRepository], Awaitable[int]],
    batch: int,
) -> int:
    """Repeat one batched deletion, each batch its own transaction, until a batch comes back short."""
    total = 0
    while True:
        async with sessions() as session:
            deleted = await delete_batch(RetentionRepository(session))
            await session.commit()
        total += deleted
        if deleted < batch:
            return total


async def purge(
    sessions: async_sessionmaker[AsyncSession], storage: BaseStorage, clock: Clock, retention: timedelta
) -> None:
    """A periodic step of the bot process (bot/background.py), every PURGE_INTERVAL from start-up, so a bot
    that was down at the due time catches up."""
    purged = await purge_expired(sessions, storage, clock(), retention)
    logger.info(
        "retention: %s check-ins, %s declarations, %s colour changes, %s conversations, %s checkpoint "
        "records, %s finished reminder jobs, %s closed appeals deleted",
        purged.checkins,
        purged.declarations,
        purged.assessments,
        purged.conversations,
        purged.checks,
        purged.broadcasts,
        purged.appeals,
    )
