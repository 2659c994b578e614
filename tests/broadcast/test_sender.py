"""The broadcast engine through the real database (SQLite and PostgreSQL) and a real Bot on the fake Bot API."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest
from aiogram import Bot
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.broadcast.limits import RateLimiter
from bot.broadcast.presenter import default_text, preview
from bot.broadcast.sender import Sender, SenderSettings
from bot.broadcast.service import Audience, progress, start_broadcast
from bot.clock import Clock, system_clock
from bot.db.models import Broadcast, BroadcastRecipient, User
from bot.i18n import create_i18n
from bot.sandbox.emulator import FakeTelegram, FakeUser, RateLimit
from tests.stories import add_person, at, told

NOW = at(1, 8)


class MovableTimer:
    """The sender's real-time clock (leases, retry times), moved by the test instead of waited for."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


HR = 500
FAST = SenderSettings(lease=timedelta(seconds=5), retry_base=0.05, progress_every=0.05, poll_every=0.05)


def make_sender(
    sessions: async_sessionmaker[AsyncSession],
    bot: Bot,
    *,
    rate: float = 500,
    settings: SenderSettings = FAST,
    process_id: str | None = None,
    timer: Clock = system_clock,
) -> Sender:
    return Sender(
        sessions,
        bot,
        create_i18n(),
        lambda: NOW,
        RateLimiter(rate, per_chat_interval=0.2),
        settings,
        process_id=process_id,
        timer=timer,
    )


async def people(
    sessions: async_sessionmaker[AsyncSession], fake: FakeTelegram, ids: Sequence[int], language: str = "en"
) -> list[int]:
    for user_id in ids:
        await add_person(sessions, fake, user_id, language)
    return list(ids)


async def start(sessions: async_sessionmaker[AsyncSession], recipients: Sequence[int], **options: object) -> int:
    values: dict[str, object] = {
        "organization_id": None,
        "created_by": HR,
        "audience": Audience.EVERYONE,
        "text": None,
        "now": NOW,
    }
    values.update(options)
    async with sessions() as session:
        return await start_broadcast(session, recipient_ids=recipients, **values)  # type: ignore[arg-type]


async def states(sessions: async_sessionmaker[AsyncSession], broadcast_id: int) -> dict[int, tuple[str, int]]:
    async with sessions() as session:
        rows = await session.execute(
            select(BroadcastRecipient.user_id, BroadcastRecipient.state, BroadcastRecipient.attempts).where(
                BroadcastRecipient.broadcast_id == broadcast_id
            )
        )
        return {user_id: (state, attempts) for user_id, state, attempts in rows}


async def job(sessions: async_sessionmaker[AsyncSession], broadcast_id: int) -> Broadcast:
    async with sessions() as session:
        row = await session.get(Broadcast, broadcast_id)
        assert row is not None
        return row


def messages_to(fake: FakeTelegram, ids: Sequence[int]) -> dict[int, int]:
    """Messages each person received (calls that failed are not messages)."""
    received = dict.fromkeys(ids, 0)
    for call in fake.calls:
        if call.method == "sendMessage" and call.ok and int(call.params["chat_id"]) in received:
            received[int(call.params["chat_id"])] += 1
    return received


async def test_every_recipient_gets_one_message_in_their_language_and_the_job_is_done(
    session_factory: async_sessionmaker[AsyncSession], telegram: tuple[FakeTelegram, Bot]
) -> None:
    fake, bot = telegram
    english = await people(session_factory, fake, range(1001, 1021), "en")
    chinese = await people(session_factory, fake, range(2001, 2021), "zh")
    broadcast_id = await start(session_factory, english + chinese)
    sender = make_sender(session_factory, bot)

    assert await sender.drain() == 1
    assert messages_to(fake, english + chinese) == dict.fromkeys(english + chinese, 1)
    i18n = create_i18n()
    with i18n.context():
        assert told(fake, 1001) == [preview(None, "en")]
        assert told(fake, 2001) == [preview(None, "zh")]
        assert "✅ 打卡" in preview(None, "zh") and "✅ Check in" in preview(None, "en")
    finished = await job(session_factory, broadcast_id)
    assert (finished.status, finished.finished_at, finished.claimed_until) == ("done", NOW, None)
    async with session_factory() as session:
        counts = await progress(session, broadcast_id)
    assert (counts.sent, counts.blocked, counts.failed, counts.left, counts.total) == (40, 0, 0, 0, 40)
    assert await sender.drain() == 0, "a finished job is not sent again"
    assert messages_to(fake, english) == dict.fromkeys(english, 1)


async def test_hr_text_goes_as_written_escaped_and_unknown_or_repeated_ids_are_dropped(
    session_factory: async_sessionmaker[AsyncSession], telegram: tuple[FakeTelegram, Bot]
) -> None:
    fake, bot = telegram
    [alice, bob] = await people(session_factory, fake, [11, 12], "zh")
    broadcast_id = await start(session_factory, [alice, 999_999, bob, alice], text="Check in <b>now</b> & stay safe")
    await make_sender(session_factory, bot).drain()
    # Sent escaped, so the person reads exactly what HR typed, under who it is from, in their language.
    assert told(fake, alice) == ["📢 来自您所在单位人事部门的通知：\n\nCheck in &lt;b&gt;now&lt;/b&gt; &amp; stay safe"]
    [message] = [call.result for call in fake.calls if call.method == "sendMessage" and call.ok][-1:]
    assert message["text"].endswith("\n\nCheck in <b>now</b> & stay safe") and "entities" not in message
    # HR's own words carry the check-in button too, in the recipient's language.
    [sent] = [call for call in fake.calls if call.method == "sendMessage" and call.ok][-1:]
    assert "✅ 打卡" in str(sent.params.get("reply_markup")) and "chk:start" in str(sent.params.get("reply_markup"))
    assert (await states(session_factory, broadcast_id)).keys() == {alice, bob}
    i18n = create_i18n()
    with i18n.context():
        assert preview("a < b", "zh") == "📢 来自您所在单位人事部门的通知：\n\na &lt; b"
        assert preview("a < b", "en") == "📢 From your organization's HR office:\n\na &lt; b"
        with i18n.use_locale("en"):
            assert preview(None, "en") == default_text()


async def test_a_user_who_blocked_the_bot_is_marked_and_skipped_by_the_next_job(
    session_factory: async_sessionmaker[AsyncSession], telegram: tuple[FakeTelegram, Bot]
) -> None:
    fake, bot = telegram
    ids = await people(session_factory, fake, [21, 22, 23])
    fake.set_blocked(FakeUser(id=22, first_name="Jane"))
    first = await start(session_factory, ids)
    await make_sender(session_factory, bot).drain()
    assert await states(session_factory, first) == {21: ("sent", 0), 22: ("blocked", 0), 23: ("sent", 0)}
    async with session_factory() as session:
        marked = await session.scalar(select(User.unreachable_since).where(User.id == 22))
    assert marked == NOW

    mark = fake.mark()
    second = await start(session_factory, ids)
    assert (await states(session_factory, second))[22] == ("blocked", 0), "counted as blocked at once"
    await make_sender(session_factory, bot).drain()
    assert [int(call.params["chat_id"]) for call in fake.calls[mark:] if call.method == "sendMessage"] == [21, 23]


async def test_someone_blocked_in_another_job_after_this_one_started_is_not_tried(
    session_factory: async_sessionmaker[AsyncSession], telegram: tuple[FakeTelegram, Bot]
) -> None:
    fake, bot = telegram
    ids = await people(session_factory, fake, [24, 25])
    broadcast_id = await start(session_factory, ids)
    async with session_factory.begin() as session:
        await session.execute(update(User).where(User.id == 25).values(unreachable_since=NOW))
    await make_sender(session_factory, bot).drain()
    assert messages_to(fake, ids) == {24: 1, 25: 0}
    assert (await states(session_factory, broadcast_id))[25] == ("blocked", 0)


async def test_a_transient_error_is_retried_with_backoff_and_a_lasting_one_fails_after_the_last_attempt(
    session_factory: async_sessionmaker[AsyncSession], telegram: tuple[FakeTelegram, Bot]
) -> None:
    fake, bot = telegram
    ids = await people(session_factory, fake, [31, 32, 33])
    fake.limits.fail(31, times=2, code=500, description="Internal Server Error")
    fake.limits.fail(32, times=100, code=400, description="Bad Request: chat not found")
    broadcast_id = await start(session_factory, ids)
    started = time.monotonic()
    await make_sender(session_factory, bot).drain()
    # Backoff 0.05, 0.1, 0.2 s before the 2nd, 3rd and 4th attempts of the one that keeps failing.
    assert time.monotonic() - started >= 0.35
    assert await states(session_factory, broadcast_id) == {31: ("sent", 2), 32: ("failed", 4), 33: ("sent", 0)}
    assert messages_to(fake, ids) == {31: 1, 32: 0, 33: 1}
    failed = [call for call in fake.calls if call.method == "sendMessage" and int(call.params["chat_id"]) == 32]
    assert len(failed) == 4
    finished = await job(session_factory, broadcast_id)
    assert finished.status == "done"


async def test_a_429_waits_retry_after_and_tries_the_same_recipient_again_without_counting_an_attempt(
    session_factory: async_sessionmaker[AsyncSession], telegram: tuple[FakeTelegram, Bot]
) -> None:
    fake, bot = telegram
    ids = await people(session_factory, fake, [41, 42, 43])
    fake.limits.fail(42, retry_after=1)
    broadcast_id = await start(session_factory, ids)
    sender = make_sender(session_factory, bot)
    started = time.monotonic()
    await sender.drain()
    assert time.monotonic() - started >= 1.0, "everything waited retry_after"
    assert sender.retry_afters == 1
    assert await states(session_factory, broadcast_id) == {41: ("sent", 0), 42: ("sent", 0), 43: ("sent", 0)}
    assert messages_to(fake, ids) == {41: 1, 42: 1, 43: 1}


async def test_the_progress_message_is_edited_in_the_creators_language_and_ends_with_the_summary(
    session_factory: async_sessionmaker[AsyncSession], telegram: tuple[FakeTelegram, Bot]
) -> None:
    fake, bot = telegram
    await add_person(session_factory, fake, HR, "zh")
    ids = await people(session_factory, fake, range(51, 81))
    fake.set_blocked(FakeUser(id=51, first_name="Jane"))
    shown = await bot.send_message(HR, "Starting…")
    broadcast_id = await start(
        session_factory, ids, progress_chat_id=HR, progress_message_id=shown.message_id, created_by=HR
    )
    # Slow enough for a few progress ticks.
    await make_sender(session_factory, bot, rate=100).drain()

    edits = [call for call in fake.calls if call.method == "editMessageText" and call.ok]
    assert len(edits) >= 2
    i18n = create_i18n()
    with i18n.context(), i18n.use_locale("zh"):
        from bot.broadcast.presenter import summary_text
        from bot.broadcast.service import Progress

        summary = summary_text(Progress(sent=29, blocked=1, failed=0, left=0, total=30))
    assert edits[-1].params["text"] == summary
    assert "left" in edits[0].params["text"] or "剩余" in edits[0].params["text"]
    assert (await job(session_factory, broadcast_id)).status == "done"


async def test_editing_errors_are_ignored_when_the_progress_message_is_gone(
    session_factory: async_sessionmaker[AsyncSession], telegram: tuple[FakeTelegram, Bot]
) -> None:
    fake, bot = telegram
    await add_person(session_factory, fake, HR, "en")
    ids = await people(session_factory, fake, [61, 62])
    broadcast_id = await start(session_factory, ids, progress_chat_id=HR, progress_message_id=12345)
    await make_sender(session_factory, bot).drain()
    assert messages_to(fake, ids) == {61: 1, 62: 1}
    assert (await job(session_factory, broadcast_id)).status == "done"


async def test_a_job_left_by_a_crashed_process_is_resumed_after_its_lease_without_resending_or_skipping(
    session_factory: async_sessionmaker[AsyncSession], telegram: tuple[FakeTelegram, Bot]
) -> None:
    fake, bot = telegram
    ids = await people(session_factory, fake, range(71, 81))
    broadcast_id = await start(session_factory, ids)
    # As a process killed mid-job leaves it: three sent, one in flight, its lease still running.
    timer = MovableTimer(datetime.now(UTC))
    lease_end = timer.now + timedelta(seconds=20)
    async with session_factory.begin() as session:
        await session.execute(
            update(Broadcast).where(Broadcast.id == broadcast_id).values(claimed_by="dead", claimed_until=lease_end)
        )
        await session.execute(
            update(BroadcastRecipient)
            .where(BroadcastRecipient.user_id.in_([71, 72, 73]))
            .values(state="sent", done_at=NOW)
        )
        await session.execute(
            update(BroadcastRecipient).where(BroadcastRecipient.user_id == 74).values(state="sending")
        )
    sender = make_sender(session_factory, bot, timer=timer)
    assert await sender.work_once() is False, "the lease still holds"
    timer.now = lease_end + timedelta(milliseconds=1)
    assert await sender.drain() == 1
    assert messages_to(fake, ids) == {71: 0, 72: 0, 73: 0, **dict.fromkeys(range(74, 81), 1)}
    assert (await job(session_factory, broadcast_id)).claimed_by == sender.me


async def test_two_senders_never_send_one_job_twice(
    session_factory: async_sessionmaker[AsyncSession], telegram: tuple[FakeTelegram, Bot]
) -> None:
    fake, bot = telegram
    ids = await people(session_factory, fake, range(101, 161))
    first = await start(session_factory, ids[:30])
    second = await start(session_factory, ids[30:])
    senders = [make_sender(session_factory, bot, process_id=f"process-{number}") for number in range(4)]
    await asyncio.gather(*(sender.drain() for sender in senders))
    assert messages_to(fake, ids) == dict.fromkeys(ids, 1)
    assert sum(sender.sent for sender in senders) == 60
    assert (await job(session_factory, first)).status == (await job(session_factory, second)).status == "done"


async def test_only_one_process_sends_at_a_time_so_the_overall_rate_holds(
    session_factory: async_sessionmaker[AsyncSession], telegram: tuple[FakeTelegram, Bot]
) -> None:
    fake, bot = telegram
    ids = await people(session_factory, fake, [111, 112])
    await start(session_factory, ids[:1])
    second = await start(session_factory, ids[1:])
    one = make_sender(session_factory, bot, process_id="one")
    two = make_sender(session_factory, bot, process_id="two")
    assert await one._claim() is not None
    assert await two._claim() is None, "another job, but someone is sending"
    async with session_factory.begin() as session:
        await session.execute(update(Broadcast).where(Broadcast.id != second).values(status="done"))
    assert await two._claim() == second


async def test_a_cleanly_stopped_sender_gives_its_claim_up_and_another_goes_on_at_once(
    session_factory: async_sessionmaker[AsyncSession], telegram: tuple[FakeTelegram, Bot]
) -> None:
    fake, bot = telegram
    ids = await people(session_factory, fake, range(121, 161))
    broadcast_id = await start(session_factory, ids)
    slow = make_sender(session_factory, bot, rate=20, settings=SenderSettings(lease=timedelta(minutes=5)))
    task = asyncio.create_task(slow.run())
    while sum(messages_to(fake, ids).values()) < 5:
        await asyncio.sleep(0.02)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert (await job(session_factory, broadcast_id)).claimed_until is None
    await make_sender(session_factory, bot).drain()
    counts = messages_to(fake, ids)
    assert set(counts.values()) <= {1, 2} and sum(counts.values()) <= len(ids) + 1, "at most the one in flight"
    assert min(counts.values()) == 1
    assert (await job(session_factory, broadcast_id)).status == "done"


async def test_a_job_started_in_this_process_wakes_the_idle_sender_at_once(
    session_factory: async_sessionmaker[AsyncSession], telegram: tuple[FakeTelegram, Bot]
) -> None:
    fake, bot = telegram
    [user] = await people(session_factory, fake, [131])
    sender = make_sender(session_factory, bot, settings=SenderSettings(poll_every=30))
    task = asyncio.create_task(sender.run())
    try:
        await asyncio.sleep(0.2)  # idle, waiting up to 30 s for the next look
        started = time.monotonic()
        await start(session_factory, [user])
        await fake.wait_for_call("sendMessage", timeout=5)
        assert time.monotonic() - started < 2
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


async def test_a_job_with_nobody_left_finishes_at_once(
    session_factory: async_sessionmaker[AsyncSession], telegram: tuple[FakeTelegram, Bot]
) -> None:
    fake, bot = telegram
    broadcast_id = await start(session_factory, [])
    await make_sender(session_factory, bot).drain()
    assert (await job(session_factory, broadcast_id)).status == "done"


async def test_a_sender_whose_claim_was_taken_over_stops_before_its_next_message(
    session_factory: async_sessionmaker[AsyncSession], telegram: tuple[FakeTelegram, Bot]
) -> None:
    fake, bot = telegram
    ids = await people(session_factory, fake, range(141, 161))
    broadcast_id = await start(session_factory, ids)
    # Two in flight: the one that was already on its way when the claim was taken may still arrive.
    stalled = make_sender(
        session_factory, bot, rate=20, process_id="stalled", settings=dataclasses.replace(FAST, in_flight=2)
    )
    task = asyncio.create_task(stalled.drain())
    while sum(messages_to(fake, ids).values()) < 3:
        await asyncio.sleep(0.01)
    # As if its lease had run out during a stall and another process had taken the job.
    async with session_factory.begin() as session:
        await session.execute(update(Broadcast).where(Broadcast.id == broadcast_id).values(claimed_by="other"))
    assert await task == 1
    assert stalled.sent <= 4 + 1
    assert (await job(session_factory, broadcast_id)).status == "sending"


@pytest.mark.slow  # paced by a real rate limit over seconds of wall time
async def test_at_the_configured_rate_a_rate_limited_api_answers_no_429(
    session_factory: async_sessionmaker[AsyncSession], telegram: tuple[FakeTelegram, Bot]
) -> None:
    fake, bot = telegram
    fake.limits.rate_limit = RateLimit(per_second=30, per_chat_per_second=1)
    await add_person(session_factory, fake, HR, "en")
    ids = await people(session_factory, fake, range(201, 251))
    shown = await bot.send_message(HR, "Starting…")
    # HR is among the recipients too: their chat also carries the progress edits.
    await start(session_factory, [HR, *ids], progress_chat_id=HR, progress_message_id=shown.message_id)
    sender = Sender(session_factory, bot, create_i18n(), lambda: NOW, RateLimiter(25), FAST)
    started = time.monotonic()
    await sender.drain()
    elapsed = time.monotonic() - started
    assert messages_to(fake, [HR, *ids]) == {HR: 2, **dict.fromkeys(ids, 1)}, "HR: the progress message and theirs"
    assert fake.limits.too_many_requests == 0 and sender.retry_afters == 0
    assert elapsed >= 50 / 25, "no faster than configured"


@pytest.mark.slow  # paced by a real rate limit over seconds of wall time
async def test_above_the_limit_the_api_answers_429_and_the_sender_still_delivers_once(
    session_factory: async_sessionmaker[AsyncSession], telegram: tuple[FakeTelegram, Bot]
) -> None:
    fake, bot = telegram
    fake.limits.rate_limit = RateLimit(per_second=10, per_chat_per_second=1)
    ids = await people(session_factory, fake, range(301, 331))
    await start(session_factory, ids)
    sender = Sender(session_factory, bot, create_i18n(), lambda: NOW, RateLimiter(40, burst=10), FAST)
    await sender.drain()
    assert fake.limits.too_many_requests >= 1 and sender.retry_afters == fake.limits.too_many_requests
    assert messages_to(fake, ids) == dict.fromkeys(ids, 1)
