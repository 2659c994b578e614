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
"failed" after it. A job resumed after a crash sends its "sending" rows again: nobody is skipped, and at
most the messages in flight at the crash are doubled.

Several requests are in flight at once (`in_flight`, by default what half a second carries at the rate):
waiting for each answer before the next request held the sender to one message per round trip to
Telegram (50-250 ms from Asia: 4-20 messages a second, whatever the rate). Each request still takes its
slot in the budget before it starts, so the pace is the same; the requests merely overlap. A job is
finished, and its summary shown, only once every request in flight has its outcome recorded. Notices go
concurrently to different chats only: two to one chat (a colour and its correction) go one after the other.

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
import sys
import time
from collections import deque
from collections.abc import Callable, Coroutine, Hashable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

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
    # Requests in flight at once; None: what half a second carries at the rate, plus one (14 at 25/s),
    # enough for a 500 ms round trip. It is also how many messages a crash may double.
    in_flight: int | None = None


def default_in_flight(rate_per_second: float) -> int:
    """Requests in flight to keep a rate through a round trip of up to half a second (14 at 25/s)."""
    return math.ceil(rate_per_second * 0.5) + 1


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
        paid: bool = False,
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
        self._in_flight = self.settings.in_flight or default_in_flight(self._budget.rate_per_second)
        # Paid broadcasts: stored messages (not replies, which go another way) ask for Telegram's higher limit.
        self._paid: bool | None = True if paid else None
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
        flight = _Flight(self._in_flight)
        try:
            while True:
                read_from = flight.finished
                async with self._sessions() as session:
                    # "sending" rows are due too (in flight at a crash): ours in flight now are read and passed over.
                    due = await BroadcastRepository(session).due(
                        job_id, self._timer(), self.settings.batch + len(flight)
                    )
                # So are ours that finished while the batch was read: the row read is older than their outcome
                # (a failure put back for a later try would otherwise be sent again at once).
                fresh = [recipient for recipient in due if not flight.busy_since(recipient.id, read_from)]
                flight.forget_finished()
                for recipient in fresh:
                    await self._deliver(job, recipient, texts, flight)
                    await self._update_progress(job, shown)
                # A reminder to 60,000 takes 40 minutes: a colour change must not wait for its end.
                await self._notices(job.id)
                if fresh:
                    continue
                if flight:
                    # Their outcomes decide what is left: a failure comes back for another try.
                    await flight.wait_all()
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
        finally:
            await flight.settle()
            if sys.exc_info()[0] is not None:
                await shown.stop_ticking()
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

    async def _deliver(
        self, job: JobInfo, recipient: Due, texts: dict[str, tuple[str, InlineKeyboardMarkup]], flight: _Flight
    ) -> None:
        """Start sending to `recipient` (in `flight`) once its row is "sending" and its slot in the budget taken."""
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
        # A place in flight first: rows "sending" are never more than the requests in flight.
        await flight.reserve()
        try:
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
                flight.unreserve()
                return  # the row is gone: they deleted their data since the batch was read
            text, keyboard, chat_id = self._compose(job, recipient, texts)
            await self._wait_turn(job.id, chat_id)
        except BaseException:
            flight.unreserve()
            raise
        flight.start(recipient.id, self._send(job, recipient, chat_id, text, keyboard))
        # Let the request go out now: the slot was taken for this moment, and a request that starts late
        # may reach Telegram within a second of the chat's next one.
        await asyncio.sleep(0)

    def _compose(
        self, job: JobInfo, recipient: Due, texts: dict[str, tuple[str, InlineKeyboardMarkup]]
    ) -> tuple[str, InlineKeyboardMarkup | None, int]:
        """The text, the keyboard and the chat of `recipient`'s message."""
        assert recipient.language is not None
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
        return text, keyboard, chat_id

    async def _send(
        self, job: JobInfo, recipient: Due, chat_id: int, text: str, keyboard: InlineKeyboardMarkup | None
    ) -> None:
        """One recipient's request (its slot already taken), its retries after a 429, and its outcome."""
        attempts = recipient.attempts
        while True:
            try:
                await self._bot.send_message(
                    chat_id,
                    text,
                    parse_mode=ParseMode.HTML,
                    reply_markup=keyboard,
                    allow_paid_broadcast=self._paid,
                )
            except TelegramRetryAfter as error:
                # Not the recipient's fault: wait as told, slow everything down for as long, try again.
                # Every request in flight meets it: each pauses the (shared) budget and waits its own turn.
                self.retry_afters += 1
                await self._budget.pause(error.retry_after)
                logger.warning("broadcast %s: Telegram asked to wait %ss", job.id, error.retry_after)
                await self._wait_turn(job.id, chat_id)
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
        most those in flight, and the rest of the batch is sent by whoever takes it over. Several are in
        flight at once, never two to one chat: a chat's notices arrive in the order they were stored.
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
        flight = _Flight(self._in_flight)
        try:
            skipped = 0
            while waiting:
                flight.check()
                notice = waiting.popleft()
                if notice.user_id in flight.keys:
                    # The chat's previous notice is still on its way: this one goes after it.
                    waiting.append(notice)
                    skipped += 1
                    if skipped >= len(waiting):
                        await flight.wait_one()
                        skipped = 0
                    continue
                await flight.reserve()
                wait = await self._budget.take(notice.user_id)
                if wait > 1.0 / self._budget.rate_per_second:
                    flight.unreserve()
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
                    try:
                        await self._wait_turn(job_id, notice.user_id)
                    except BaseException:
                        flight.unreserve()
                        raise
                flight.start(notice.user_id, self._notice(notice, job_id))
                await asyncio.sleep(0)  # the request goes out in the slot it took
                await self._keep_notices(job_id)
            await flight.wait_all()
        finally:
            await flight.settle()
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
                    allow_paid_broadcast=self._paid,
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
        or (final) with the summary. Returns the counts it read (or the last ones when it did not look).

        A tick runs beside the sends (awaited, its round trip to Telegram every two seconds cost a tenth
        of the rate at 200 ms); the summary waits for the last tick, so it is the last edit.
        """
        ticking = shown.ticking
        if ticking is not None and ticking.done():
            shown.ticking = None
            ticking.result()  # a tick's error (the claim lost, the database away) is the job's
        if final:
            if ticking is not None and not ticking.done():
                await asyncio.wait([ticking])
                shown.ticking = None
                ticking.result()
            return await self._show_progress(job, shown, final=True)
        if ticking is not None and not ticking.done():
            return shown.progress
        if self._monotonic() - shown.at < self.settings.progress_every:
            return shown.progress
        shown.ticking = asyncio.create_task(self._show_progress(job, shown, final=False))
        return shown.progress

    async def _show_progress(self, job: JobInfo, shown: _Shown, *, final: bool) -> Progress:
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
                if self._paid:
                    # An edit cannot be paid for: this 429 says the free 30 a second are used up by the
                    # paid sends, not that they go too fast. Pausing them all would stall the broadcast;
                    # a tick gives way, the summary waits on its own.
                    if not final:
                        return False
                    await asyncio.sleep(error.retry_after)
                    continue
                await self._budget.pause(error.retry_after)
                continue
            except AiogramError as error:
                logger.info("broadcast %s: progress not shown (%s)", job.id, type(error).__name__)
            return True
        return False


class _Flight:
    """Requests under way, at most `size` at once, each under a key (a recipient, or a chat) while it runs.

    A request's error (the claim lost, the database away) is raised in the loop that started it, at its
    next `reserve`, `check` or wait.
    """

    def __init__(self, size: int) -> None:
        self._places = asyncio.Semaphore(max(1, size))
        self._tasks: dict[asyncio.Task[None], Hashable] = {}
        self.keys: set[Hashable] = set()
        self._error: BaseException | None = None
        # Requests finished so far, and when (in that count) each key last finished.
        self.finished = 0
        self._finished_at: dict[Hashable, int] = {}

    def busy_since(self, key: Hashable, mark: int) -> bool:
        """Under way now, or finished after `finished` was `mark`."""
        return key in self.keys or self._finished_at.get(key, -1) >= mark

    def forget_finished(self) -> None:
        """The keys' finishing times are only needed for the read under way; dropping them keeps this small."""
        self._finished_at.clear()

    def __len__(self) -> int:
        return len(self._tasks)

    def check(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    async def reserve(self) -> None:
        """Wait for a place; `start` takes it, `unreserve` gives it back."""
        self.check()
        await self._places.acquire()

    def unreserve(self) -> None:
        self._places.release()

    def start(self, key: Hashable, request: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(request)
        self._tasks[task] = key
        self.keys.add(key)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        key = self._tasks.pop(task)
        self.keys.discard(key)
        self._finished_at[key] = self.finished
        self.finished += 1
        self._places.release()
        if not task.cancelled() and (error := task.exception()) is not None and self._error is None:
            self._error = error

    async def wait_one(self) -> None:
        if self._tasks:
            await asyncio.wait(list(self._tasks), return_when=asyncio.FIRST_COMPLETED)
        self.check()

    async def wait_all(self) -> None:
        if self._tasks:
            await asyncio.wait(list(self._tasks))
        self.check()

    async def settle(self) -> None:
        """Stopped early by an error: let what is under way finish and record its outcome.

        Stopped by cancelling (the bot stopping), or cancelled meanwhile: cancel the rest; their rows stay "sending" (or their notices claimed) and are
        sent again by whoever resumes: those are the messages a crash may double.
        """
        if not self._tasks:
            return
        tasks = list(self._tasks)
        current = asyncio.current_task()
        if current is not None and current.cancelling():
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            return
        try:
            await asyncio.wait(tasks)
        except asyncio.CancelledError:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise


@dataclass(slots=True)
class _Shown:
    """What the progress message shows, and when the counts were last read."""

    at: float = -math.inf
    text: str | None = None
    # (chat id, message id) of the progress message, once known.
    where: tuple[int, int] | None = None
    progress: Progress = Progress(sent=0, blocked=0, failed=0, left=0, total=0)
    # The tick under way beside the sends, if any.
    ticking: asyncio.Task[Progress] | None = None

    async def stop_ticking(self) -> None:
        if self.ticking is not None and not self.ticking.done():
            self.ticking.cancel()
            with contextlib.suppress(BaseException):
                await self.ticking
