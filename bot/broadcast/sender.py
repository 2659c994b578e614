"""The broadcast engine: works through stored reminder jobs, within Telegram's limits, without losing its place.

Every bot process runs one sender. A sender claims a job in the database (bot/db/repositories/broadcasts.py:
a lease it renews with every message), so each job is sent by exactly one process, and a crashed
process's job is taken over when its lease runs out; a cleanly stopped process gives its claim up at once.
Without a shared budget only one process sends jobs at a time (the rate is the bot's, not the process's);
with one (Redis, bot/broadcast/budget.py) every process may send a job of its own, paced together.

The same sender sends the notices outbox (bot/broadcast/notices.py: a colour changed, a role, an
override): between every batch of a job's recipients, and whenever there is no job. A notice is claimed
on its own, committed before the request, and deleted once Telegram took it; a 429 waits and keeps the
claim; a crashed process's claims run out and those notices are sent again.

Per recipient: the row is written "sending" and committed before the request, and "sent", "blocked" or
"failed" after it. A job resumed after a crash sends its "sending" rows again: at most the one message
in flight at the crash is doubled, and nobody is skipped. That bound holds because a process sends one
message at a time: with N requests in flight, a crash could double N messages.

Limits (bot/broadcast/limits.py): `rate_per_second` overall and one message a second per chat. A 429
pauses everything for its retry_after, then the same recipient is tried again (not counted as a failed
attempt). A 403 (they blocked the bot) marks the recipient "blocked" and the user unreachable, which
later jobs skip. Anything else is tried again with exponential backoff, up to `max_attempts` in all,
then "failed".

Logs carry job ids, counts and error kinds; never a user id or a text.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import math
import os
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from aiogram import Bot
from aiogram.enums import ParseMode
from aiogram.exceptions import AiogramError, TelegramBadRequest, TelegramForbiddenError, TelegramRetryAfter
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.broadcast import wakeup
from bot.broadcast.budget import Budget, LocalBudget
from bot.broadcast.limits import RateLimiter
from bot.broadcast.presenter import progress_text, recipient_text, summary_text
from bot.broadcast.service import Progress
from bot.checkin.keyboards import start_keyboard
from bot.clock import Clock, system_clock
from bot.db.repositories.broadcasts import BLOCKED, FAILED, SENT, BroadcastRepository, Due, JobInfo
from bot.db.repositories.notices import NoticeRepository, NoticeToSend
from bot.i18n import DEFAULT_LOCALE
from bot.retry_after import paced

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SenderSettings:
    # How long a claim holds without renewal. It is renewed with every message and every few seconds
    # while waiting, so it only has to outlast a stall; it is how long a crashed process's job waits.
    lease: timedelta = timedelta(seconds=20)
    # Tries per recipient for errors other than 429 and 403: the first and three more.
    max_attempts: int = 4
    # Seconds before the second try; doubled for each further one (1, 2, 4).
    retry_base: float = 1.0
    # The progress message is edited at most this often (seconds).
    progress_every: float = 2.0
    # Idle: how often to look for a job started by another process (seconds).
    poll_every: float = 1.0
    # Recipients read per query.
    batch: int = 100
    # Tries of the final summary when Telegram answers 429.
    summary_tries: int = 3
    # Notices read per query, and sent between two batches of a job's recipients.
    notice_batch: int = 50


class LostClaim(Exception):
    """Our lease ran out and another process took the job over: stop sending it."""


class Sender:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        bot: Bot,
        i18n: I18n,
        clock: Clock,
        limiter: RateLimiter | Budget,
        settings: SenderSettings | None = None,
        *,
        timer: Clock = system_clock,
        monotonic: Callable[[], float] = time.monotonic,
        process_id: str | None = None,
        exclusive: bool = True,
    ) -> None:
        self._sessions = sessions
        self._bot = bot
        self._i18n = i18n
        # `clock` dates what is recorded (done_at, finished_at, unreachable_since): the bot's notion of
        # now, which tests may move. Leases and retry times use `timer`, the real time: they are compared
        # across processes and must pass even when a test holds the bot's clock still.
        self._clock = clock
        self._timer = timer
        self._monotonic = monotonic
        self._budget: Budget = LocalBudget(limiter) if isinstance(limiter, RateLimiter) else limiter
        # True: one process sends jobs at a time (its budget is its own); False: the budget is shared.
        self._exclusive = exclusive
        self.settings = settings or SenderSettings()
        self.me = process_id or f"{os.getpid()}-{secrets.token_hex(8)}"
        self._renewed_at = -math.inf
        self._notices_renewed_at = -math.inf
        # Counters for the benchmark and the tests: messages delivered, 429s met, and when (monotonic
        # seconds) the first and the last message was delivered.
        self.sent = 0
        self.retry_afters = 0
        self.first_sent_at: float | None = None
        self.last_sent_at: float | None = None
        self.notices_sent = 0
        self.jobs_worked = 0

    # ------------------------------------------------------------------ the loop

    async def run(self) -> None:
        """Forever: claim a job and send it; when there is none, wait for a nudge or the next look."""
        event = wakeup.listen()
        try:
            while True:
                # Cleared before looking, so a job started while we look wakes the wait below at once.
                event.clear()
                try:
                    worked = await self.work_once()
                except Exception:  # the database or Telegram away: try again shortly; never stop the bot
                    logger.exception("broadcast: sender failed; trying again shortly")
                    await asyncio.sleep(self.settings.poll_every * 5)
                    continue
                if not worked:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(event.wait(), self.settings.poll_every)
        except asyncio.CancelledError:
            await self._release_quietly()
            raise
        finally:
            wakeup.forget(event)

    async def drain(self) -> int:
        """Send every job and notice there is until none is left to claim (the tests and the benchmark); jobs worked."""
        before = self.jobs_worked
        while await self.work_once():
            pass
        return self.jobs_worked - before

    async def work_once(self) -> bool:
        """Send the notices that are due, then claim one job and send it to the end; False when there was neither."""
        # The sender paces itself and meets its own 429s: the replies' retry middleware leaves its requests be.
        with paced():
            noticed = await self._notices()
            job_id = await self._claim()
            if job_id is None:
                return noticed
            self.jobs_worked += 1
            try:
                await self._work(job_id)
            except LostClaim:
                logger.warning("broadcast %s: claim lost to another process (this one stalled); leaving it", job_id)
            return True

    # ------------------------------------------------------------------ claims

    async def _claim(self) -> int | None:
        now = self._timer()
        async with self._sessions() as session:
            broadcasts = BroadcastRepository(session)
            if await broadcasts.claimable(self.me, now, exclusive=self._exclusive) is None:
                return None
            job_id = await broadcasts.claim(self.me, now, now + self.settings.lease, exclusive=self._exclusive)
            await session.commit()
        if job_id is not None:
            self._renewed_at = self._monotonic()
            logger.info("broadcast %s: claimed", job_id)
        return job_id

    async def _renew(self, job_id: int) -> None:
        async with self._sessions() as session:
            if not await BroadcastRepository(session).renew(job_id, self.me, self._timer() + self.settings.lease):
                raise LostClaim
            await session.commit()
        self._renewed_at = self._monotonic()

    async def _keep_claim(self, job_id: int) -> None:
        """Renew when a third of the lease has passed since the last renewal."""
        if self._monotonic() - self._renewed_at > self.settings.lease.total_seconds() / 3:
            await self._renew(job_id)

    async def _release_quietly(self) -> None:
        """On a clean stop: give the claim up, so a restarted process goes on at once (best effort)."""
        try:
            async with asyncio.timeout(2):
                async with self._sessions() as session:
                    await BroadcastRepository(session).release(self.me)
                    await NoticeRepository(session).release(self.me)
                    await session.commit()
        except Exception:  # stopping anyway; the lease runs out by itself
            logger.info("broadcast: could not release the claim on stopping; it runs out by itself")

    # ------------------------------------------------------------------ a job

    async def _work(self, job_id: int) -> None:
        async with self._sessions() as session:
            job = await BroadcastRepository(session).job(job_id)
        if job is None:
            return
        if job.created_by is not None:
            # Whoever started the job was most likely just sent its progress message, outside the limiter.
            await self._budget.hold(job.created_by)
        texts: dict[str, tuple[str, InlineKeyboardMarkup]] = {}
        shown = _Shown()
        if job.progress_chat_id is not None and job.progress_message_id is not None:
            shown.where = (job.progress_chat_id, job.progress_message_id)
        while True:
            async with self._sessions() as session:
                due = await BroadcastRepository(session).due(job_id, self._timer(), self.settings.batch)
            for recipient in due:
                await self._deliver(job, recipient, texts)
                await self._update_progress(job, shown)
            # A reminder to 60,000 takes 40 minutes: a colour change must not wait for its end.
            await self._notices(job.id)
            if due:
                continue
            async with self._sessions() as session:
                left, retry_at = await BroadcastRepository(session).left(job_id)
            if not left:
                break
            # Only recipients waiting for a retry are left: wait for the first (looking at least every poll).
            await self._update_progress(job, shown)
            wait = (retry_at - self._timer()).total_seconds() if retry_at is not None else 0.0
            await asyncio.sleep(min(max(wait, 0.05), self.settings.poll_every))
            await self._keep_claim(job_id)
        async with self._sessions() as session:
            broadcasts = BroadcastRepository(session)
            await broadcasts.finish(job_id, self.me, self._clock())
            # Read in the transaction that marks the job done: a progress message attached before it is
            # edited below; one attached after it finds the job done, and its sender shows the summary.
            shown.where = shown.where or await broadcasts.progress_message(job_id)
            await session.commit()
        final = await self._update_progress(job, shown, final=True)
        logger.info(
            "broadcast %s: done: %s sent, %s blocked, %s failed of %s",
            job_id,
            final.sent,
            final.blocked,
            final.failed,
            final.total,
        )

    async def _deliver(self, job: JobInfo, recipient: Due, texts: dict[str, tuple[str, InlineKeyboardMarkup]]) -> None:
        if recipient.language is None:
            # Erased while the job was being stored: their row would otherwise stay pending and the job never end.
            async with self._sessions() as session:
                broadcasts = BroadcastRepository(session)
                if not await broadcasts.renew(job.id, self.me, self._timer() + self.settings.lease):
                    raise LostClaim
                await broadcasts.forget(recipient.id)
                await session.commit()
            return
        if recipient.unreachable:
            # Blocked the bot in another job since this one was started: no request at all.
            async with self._sessions() as session:
                broadcasts = BroadcastRepository(session)
                if not await broadcasts.renew(job.id, self.me, self._timer() + self.settings.lease):
                    raise LostClaim
                await broadcasts.mark_done(recipient.id, BLOCKED, self._clock())
                await session.commit()
            return
        # "sending" is committed before the request, in the same transaction that checks the claim is
        # still ours: after a crash this recipient is sent again, never skipped.
        async with self._sessions() as session:
            broadcasts = BroadcastRepository(session)
            if not await broadcasts.renew(job.id, self.me, self._timer() + self.settings.lease):
                raise LostClaim
            marked = await broadcasts.mark_sending(recipient.id)
            await session.commit()
        self._renewed_at = self._monotonic()
        if not marked:
            return  # the row is gone: they deleted their data since the batch was read
        composed = texts.get(recipient.language)
        if composed is None:
            with self._i18n.context(), self._i18n.use_locale(recipient.language):
                # The check-in button goes under HR's own words too: they need not say how to check in.
                composed = texts[recipient.language] = (recipient_text(job.text), start_keyboard())
        text, start = composed
        keyboard: InlineKeyboardMarkup | None = start
        # A family member has no chat: the message goes to the account managing them, headed with the
        # member's name, without the check-in button (it would check in whoever presses it, not them).
        chat_id = recipient.chat_id or recipient.user_id
        if recipient.member_name is not None:
            text, keyboard = f"👤 <b>{html.escape(recipient.member_name)}</b>\n{text}", None

        attempts = recipient.attempts
        while True:
            await self._wait_turn(job.id, chat_id)
            try:
                await self._bot.send_message(chat_id, text, parse_mode=ParseMode.HTML, reply_markup=keyboard)
            except TelegramRetryAfter as error:
                # Not the recipient's fault: wait as told, slow everything down for as long, try again.
                self.retry_afters += 1
                await self._budget.pause(error.retry_after)
                logger.warning("broadcast %s: Telegram asked to wait %ss", job.id, error.retry_after)
                continue
            except TelegramForbiddenError:
                outcome = BLOCKED
            except AiogramError as error:  # a bad request, a server error, the network
                attempts += 1
                logger.warning(
                    "broadcast %s: a message failed (%s), attempt %s of %s",
                    job.id,
                    type(error).__name__,
                    attempts,
                    self.settings.max_attempts,
                )
                if attempts < self.settings.max_attempts:
                    delay = self.settings.retry_base * 2 ** (attempts - 1)
                    async with self._sessions() as session:
                        await BroadcastRepository(session).retry_later(
                            recipient.id, attempts, self._timer() + timedelta(seconds=delay)
                        )
                        await session.commit()
                    return
                outcome = FAILED
            else:
                outcome = SENT
                self._count_sent()
            break
        async with self._sessions() as session:
            broadcasts = BroadcastRepository(session)
            await broadcasts.mark_done(recipient.id, outcome, self._clock(), attempts=attempts)
            if outcome == BLOCKED:
                await broadcasts.mark_unreachable(chat_id, self._clock())
            await session.commit()

    async def _wait_turn(self, job_id: int | None, chat_id: int, *, patient: bool = True) -> bool:
        """Wait until the limits allow a message to `chat_id`, keeping the claim alive; then take the slot.

        Not `patient`: give up (False) rather than wait longer than the overall pace would anyway.
        `job_id` None: no job is claimed (a notice keeps its own claim).
        """
        while (delay := await self._budget.take(chat_id)) > 0:
            if not patient and delay > 1.0 / self._budget.rate_per_second:
                return False
            # In slices, so a long retry_after does not let the lease run out.
            await asyncio.sleep(min(delay, self.settings.lease.total_seconds() / 4))
            if job_id is not None:
                await self._keep_claim(job_id)
        return True

    # ------------------------------------------------------------------ notices

    async def _notices(self, job_id: int | None = None) -> bool:
        """Send one batch of the notices that are due (`job_id`: the job claimed meanwhile); False when none was.

        The batch is claimed by one statement; each notice is deleted once sent, so a crash doubles at
        most the one in flight, and the rest of the batch is sent by whoever takes it over.
        """
        now = self._timer()
        async with self._sessions() as session:
            notices = NoticeRepository(session)
            due = await notices.due(now, self.settings.notice_batch)
            if not due:
                return False
            claimed = set(await notices.claim([notice.id for notice in due], self.me, now, now + self.settings.lease))
            await session.commit()
        self._notices_renewed_at = self._monotonic()
        waiting = deque(notice for notice in due if notice.id in claimed)
        try:
            skipped = 0
            while waiting:
                notice = waiting.popleft()
                wait = await self._budget.take(notice.user_id)
                if wait > 1.0 / self._budget.rate_per_second:
                    # That chat just had a message (or a 429 pauses everything): the others go first.
                    waiting.append(notice)
                    skipped += 1
                    if skipped >= len(waiting):
                        await asyncio.sleep(min(wait, self.settings.lease.total_seconds() / 4))
                        await self._keep_notices(job_id)
                        skipped = 0
                    continue
                skipped = 0
                if wait > 0:
                    await self._wait_turn(job_id, notice.user_id)
                await self._notice(notice, job_id)
                await self._keep_notices(job_id)
        finally:
            if waiting:  # stopped early (cancelled, or the job's claim lost): the rest goes at once to others
                with contextlib.suppress(Exception):
                    async with self._sessions() as session:
                        await NoticeRepository(session).release_these([notice.id for notice in waiting], self.me)
                        await session.commit()
        return True

    async def _notice(self, notice: NoticeToSend, job_id: int | None) -> None:
        """Send one claimed notice; its slot in the budget is taken."""
        attempts = notice.attempts
        while True:
            try:
                await self._bot.send_message(
                    notice.user_id,
                    notice.text,
                    parse_mode=ParseMode.HTML,
                    reply_markup=InlineKeyboardMarkup.model_validate(notice.buttons) if notice.buttons else None,
                )
            except TelegramRetryAfter as error:
                # Keep the claim, wait as told (renewing it), and send the same notice again.
                self.retry_afters += 1
                await self._budget.pause(error.retry_after)
                logger.warning("notices: Telegram asked to wait %ss", error.retry_after)
                while (delay := await self._budget.take(notice.user_id)) > 0:
                    await asyncio.sleep(min(delay, self.settings.lease.total_seconds() / 4))
                    await self._keep_notices(job_id)
                continue
            except TelegramForbiddenError:
                outcome = BLOCKED
            except TelegramBadRequest as error:
                # "chat not found" (they never started the bot) and the like: another try says the same.
                logger.info("notices: a %s notice was refused (%s)", notice.kind, type(error).__name__)
                outcome = FAILED
            except AiogramError as error:  # a server error, the network
                attempts += 1
                logger.warning(
                    "notices: a %s notice failed (%s), attempt %s of %s",
                    notice.kind,
                    type(error).__name__,
                    attempts,
                    self.settings.max_attempts,
                )
                if attempts < self.settings.max_attempts:
                    delay = self.settings.retry_base * 2 ** (attempts - 1)
                    async with self._sessions() as session:
                        await NoticeRepository(session).retry_later(
                            notice.id, attempts, self._timer() + timedelta(seconds=delay)
                        )
                        await session.commit()
                    return
                outcome = FAILED
            else:
                outcome = SENT
                self.notices_sent += 1
                self._count_sent()
            break
        async with self._sessions() as session:
            await NoticeRepository(session).done(notice.id)
            if outcome == BLOCKED:
                await BroadcastRepository(session).mark_unreachable(notice.user_id, self._clock())
            await session.commit()

    async def _keep_notices(self, job_id: int | None) -> None:
        """Renew our notices' claims when a third of the lease has passed (and the job's, if one is claimed)."""
        if self._monotonic() - self._notices_renewed_at > self.settings.lease.total_seconds() / 3:
            async with self._sessions() as session:
                await NoticeRepository(session).renew(self.me, self._timer() + self.settings.lease)
                await session.commit()
            self._notices_renewed_at = self._monotonic()
        if job_id is not None:
            await self._keep_claim(job_id)

    def _count_sent(self) -> None:
        self.sent += 1
        self.last_sent_at = self._monotonic()
        if self.first_sent_at is None:
            self.first_sent_at = self.last_sent_at

    # ------------------------------------------------------------------ the progress message

    async def _update_progress(self, job: JobInfo, shown: _Shown, *, final: bool = False) -> Progress:
        """Edit the progress message: at most every `progress_every` seconds and only when it changed,
        or (final) with the summary. Returns the counts it read (or the last ones when it did not look)."""
        if not final and self._monotonic() - shown.at < self.settings.progress_every:
            return shown.progress
        shown.at = self._monotonic()
        async with self._sessions() as session:
            broadcasts = BroadcastRepository(session)
            shown.progress = Progress.from_counts(await broadcasts.counts(job.id))
            if shown.where is None and not final:
                # The job is stored before its progress message is sent, so the message may come later.
                shown.where = await broadcasts.progress_message(job.id)
        if shown.where is None:
            return shown.progress
        with self._i18n.context(), self._i18n.use_locale(job.creator_language or DEFAULT_LOCALE):
            text = summary_text(shown.progress) if final else progress_text(shown.progress)
        if text != shown.text and await self._edit(job, *shown.where, text, final):
            shown.text = text
        return shown.progress

    async def _edit(self, job: JobInfo, chat_id: int, message_id: int, text: str, final: bool) -> bool:
        """False when the edit did not happen now (a progress tick gives way rather than hold up the job).

        Errors other than 429 are ignored: the message may have been deleted, or show this already.
        """
        for _try in range(self.settings.summary_tries if final else 1):
            if not await self._wait_turn(job.id, chat_id, patient=final):
                return False
            try:
                await self._bot.edit_message_text(
                    text=text, chat_id=chat_id, message_id=message_id, parse_mode=ParseMode.HTML
                )
            except TelegramRetryAfter as error:
                self.retry_afters += 1
                await self._budget.pause(error.retry_after)
                continue
            except AiogramError as error:
                logger.info("broadcast %s: progress not shown (%s)", job.id, type(error).__name__)
            return True
        return False


@dataclass(slots=True)
class _Shown:
    """What the progress message shows, and when the counts were last read."""

    at: float = -math.inf
    text: str | None = None
    # (chat id, message id) of the progress message, once known.
    where: tuple[int, int] | None = None
    progress: Progress = Progress(sent=0, blocked=0, failed=0, left=0, total=0)
