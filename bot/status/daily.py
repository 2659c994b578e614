"""The daily re-evaluation: after midnight, colours that the passing days change are changed, and people told.

Only a colour other than green can change with the days (green changes only with a check-in or a
declaration, which are assessed at once). Each person is claimed for the day in the database before
being re-evaluated, and each change is claimed in the same transaction that stores its notice in the
outbox (bot/broadcast/notices.py; the broadcast sender sends it within Telegram's limits, waiting out
a 429 and resuming after a crash), so running twice, or in two bot processes, re-evaluates once and
tells once. A process runs it at start-up and then once per local day,
looking every minute for the day to change: a bot that was down at midnight catches up when it
starts, and status_at works from the history, not from the last run.
"""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING

from aiogram import Bot
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.broadcast import notices
from bot.clock import Clock
from bot.db.models import BEFORE_ANY_ID, Assessment
from bot.db.repositories.assessments import AssessmentRepository
from bot.db.repositories.notices import NewNotice
from bot.db.repositories.organizations import OrganizationRepository
from bot.db.repositories.users import UserRepository
from bot.status.presenter import change_text
from bot.status.service import local_day, reassess_many

if TYPE_CHECKING:
    from bot.metrics import Metrics

logger = logging.getLogger(__name__)
BATCH = 200
# People per transaction of the re-evaluation: larger batches cost fewer round trips, each holds its rows longer.
REEVALUATE_BATCH = 500


@dataclass(frozen=True, slots=True)
class DailyRun:
    reevaluated: int
    changed: int
    told: int


async def run_daily(
    sessions: async_sessionmaker[AsyncSession], bot: Bot, i18n: I18n, now: datetime, zone: tzinfo
) -> DailyRun:
    """`told`: the notices stored for the sender; `bot` is kept for the callers, the sender does the sending."""
    reevaluated, changed = await reevaluate(sessions, now, zone)
    told = await tell_changes(sessions, i18n, now)
    await store_yesterday(sessions, local_day(now, zone) - timedelta(days=1))
    return DailyRun(reevaluated=reevaluated, changed=changed, told=told)


async def store_yesterday(sessions: async_sessionmaker[AsyncSession], yesterday: date) -> None:
    """Each organization's check-ins of the day just over, and everyone's, by colour after the night's
    re-evaluation, for /report's and /stats' charts: a pass over the people once a day, so a chart reads
    a row a day, not a row a person."""
    async with sessions() as session:
        repository = OrganizationRepository(session)
        await repository.store_days(await repository.checked_in_on(yesterday))
        await repository.store_city_days({yesterday: await repository.city_checked_in_on(yesterday)})
        await session.commit()


async def reevaluate(sessions: async_sessionmaker[AsyncSession], now: datetime, zone: tzinfo) -> tuple[int, int]:
    """Re-evaluate everyone due today, a batch per transaction: (re-evaluated, changed).

    Each batch is claimed by one statement and assessed with one read per table, so the cost grows with
    the people due, not with everyone's history; a batch that fails leaves its people unclaimed.
    """
    today = local_day(now, zone)
    reevaluated = changed = 0
    for claim in (UserRepository.claim_not_green, UserRepository.claim_override_ended):
        # keyset: ids only grow within a run, so a batch never reads past the people already taken; from
        # below every id, since a family member's is negative
        after = BEFORE_ANY_ID
        while True:
            with _collector_paused():
                claimed, batch_changed = await _reevaluate_batch(sessions, claim, today, after, now, zone)
            if not claimed:
                break
            reevaluated += len(claimed)
            changed += batch_changed
            after = claimed[-1]
    return reevaluated, changed


async def _reevaluate_batch(
    sessions: async_sessionmaker[AsyncSession],
    claim: Callable[[UserRepository, date, int, int], Awaitable[list[int]]],
    today: date,
    after: int,
    now: datetime,
    zone: tzinfo,
) -> tuple[list[int], int]:
    """One transaction: the people claimed (none when nobody is left after `after`), and how many changed."""
    async with sessions() as session:
        claimed = await claim(UserRepository(session), today, after, REEVALUATE_BATCH)
        if not claimed:
            return claimed, 0
        results = await reassess_many(session, claimed, now, zone, cause="daily", notified=False)
        for result in results:
            if result.changed and not result.colour_changed:
                # Reasons changed under the same colour (a yellow reason ended under red): nothing to tell.
                result.row.notified_at = now
        await session.commit()
    return claimed, sum(result.changed for result in results)


# How many batches are running with the cyclic garbage collector paused, in this process.
_paused = 0


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for one batch.

    A batch builds some 100,000 small objects (its people's check-ins) that live until it ends; while
    they live, every few hundred allocations the collector walked them all again: a third of the job's
    time at 100,000 people (loading the histories took 9.0 s with it, 4.0 s without). Reference
    counting still frees nearly everything at once; what only the collector frees (cycles) waits for
    the end of the batch, a fraction of a second, after which it runs as usual.
    """
    global _paused
    if _paused == 0 and not gc.isenabled():
        yield  # paused by someone else: theirs to resume
        return
    _paused += 1
    gc.disable()
    try:
        yield
    finally:
        _paused -= 1
        if _paused == 0:
            gc.enable()


async def tell_changes(sessions: async_sessionmaker[AsyncSession], i18n: I18n, now: datetime) -> int:
    """A notice in the outbox for every colour change nobody was told of: how many were stored."""
    told = 0
    while True:
        async with sessions() as session:
            assessments = AssessmentRepository(session)
            pending = await assessments.unnotified(BATCH)
            # The claim and the notice are committed together: each change is told exactly once.
            claimed = await assessments.claim_notifications([row.id for row, _language in pending], now)
            batch = [_notice(i18n, row, language) for row, language in pending if row.id in claimed]
            await notices.queue(session, batch, now)
            await session.commit()
        if batch:
            notices.wake()
        told += len(batch)
        if len(pending) < BATCH:
            return told


def _notice(i18n: I18n, row: Assessment, language: str) -> NewNotice:
    with i18n.context(), i18n.use_locale(language):
        return NewNotice(row.user_id, "colour", change_text(row, language))


class DailyJob:
    """A periodic step of the bot process (bot/background.py): the daily job once per local day; a failed
    run is tried again at the next step."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        bot: Bot,
        i18n: I18n,
        clock: Clock,
        zone: tzinfo,
        metrics: Metrics | None = None,
    ) -> None:
        self._sessions = sessions
        self._bot = bot
        self._i18n = i18n
        self._clock = clock
        self._zone = zone
        self._metrics = metrics
        self.done_for: date | None = None  # the local day this process last completed a run for

    async def __call__(self) -> None:
        now = self._clock()
        today = local_day(now, self._zone)
        if today == self.done_for:
            return
        started = time.perf_counter()
        try:
            result = await run_daily(self._sessions, self._bot, self._i18n, now, self._zone)
        except Exception:
            if self._metrics is not None:
                self._metrics.daily_failures.inc()
            raise  # logged by the runner, and tried again at the next step
        self.done_for = today
        if self._metrics is not None:
            self._metrics.daily_done(
                time.perf_counter() - started, result.reevaluated, result.changed, today, self._zone
            )
        logger.info("daily: %s re-evaluated, %s changed, %s told", result.reevaluated, result.changed, result.told)
