"""The notices outbox, sent by the broadcast engine's sender through a real Bot talking HTTP to the fake API."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import pytest
from aiogram import Bot
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.broadcast import notices
from bot.db.models import Notice, User
from bot.db.repositories.notices import NewNotice, NoticeRepository
from bot.db.repositories.personal_data import PersonalDataRepository
from bot.sandbox.emulator import FakeTelegram, FakeUser, RateLimit
from tests.broadcast.test_sender import NOW, make_sender, messages_to, people, start
from tests.stories import told


async def store(sessions: async_sessionmaker[AsyncSession], *items: tuple[int, str]) -> None:
    async with sessions() as session:
        await notices.queue(session, [NewNotice(user_id, "colour", text) for user_id, text in items], NOW)
        await session.commit()


async def left(sessions: async_sessionmaker[AsyncSession]) -> list[Notice]:
    async with sessions() as session:
        return list(await session.scalars(select(Notice).order_by(Notice.id)))


async def test_each_notice_is_sent_once_as_stored_and_then_forgotten(
    session_factory: async_sessionmaker[AsyncSession], telegram: tuple[FakeTelegram, Bot]
) -> None:
    fake, bot = telegram
    ids = await people(session_factory, fake, range(3001, 3011))
    await store(session_factory, *[(user_id, f"<b>Your code is now GREEN</b> {user_id}") for user_id in ids])
    sender = make_sender(session_factory, bot)

    assert await sender.drain() == 0, "no job was worked, only notices"
    assert messages_to(fake, ids) == dict.fromkeys(ids, 1)
    assert told(fake, 3001) == ["<b>Your code is now GREEN</b> 3001"]
    assert [call.params.get("parse_mode") for call in fake.calls if call.method == "sendMessage"] == ["HTML"] * 10
    assert await left(session_factory) == []
    await sender.drain()
    assert messages_to(fake, ids) == dict.fromkeys(ids, 1)


async def test_a_429_waits_retry_after_keeps_the_claim_and_sends_the_same_notice(
    session_factory: async_sessionmaker[AsyncSession], telegram: tuple[FakeTelegram, Bot]
) -> None:
    fake, bot = telegram
    [user_id] = await people(session_factory, fake, [3101])
    await store(session_factory, (user_id, "changed"))
    fake.limits.fail(user_id, retry_after=1)
    sender = make_sender(session_factory, bot)
    started = time.monotonic()
    await sender.drain()
    assert time.monotonic() - started >= 1.0, "waited the retry_after"
    attempts = [call for call in fake.calls if call.method == "sendMessage"]
    assert [call.ok for call in attempts] == [False, True]
    assert sender.retry_afters == 1 and sender.notices_sent == 1
    assert await left(session_factory) == []


async def test_a_blocked_person_is_tried_once_and_marked_unreachable_and_later_notices_are_not_stored(
    session_factory: async_sessionmaker[AsyncSession], telegram: tuple[FakeTelegram, Bot]
) -> None:
    fake, bot = telegram
    [user_id] = await people(session_factory, fake, [3201])
    fake.set_blocked(FakeUser(id=user_id, first_name="Jane"))
    await store(session_factory, (user_id, "changed"))
    await make_sender(session_factory, bot).drain()
    assert len([call for call in fake.calls if call.method == "sendMessage"]) == 1
    assert await left(session_factory) == []
    async with session_factory() as session:
        assert (await session.get(User, user_id)).unreachable_since is not None  # type: ignore[union-attr]
        assert not await notices.tell(session, user_id, "role", "You are now staff", NOW)
    assert await left(session_factory) == []


async def test_a_chat_that_never_started_the_bot_is_dropped_at_once_and_a_server_error_is_retried(
    session_factory: async_sessionmaker[AsyncSession], telegram: tuple[FakeTelegram, Bot]
) -> None:
    fake, bot = telegram
    [known] = await people(session_factory, fake, [3301])
    await store(session_factory, (3399, "You are now staff"), (known, "changed"))
    fake.limits.fail(known, code=500, times=2)
    sender = make_sender(session_factory, bot)
    for _look in range(100):  # a retry waits its backoff: drain stops while nothing is due yet
        await sender.drain()
        if not await left(session_factory):
            break
        await asyncio.sleep(0.02)
    tries = [call.ok for call in fake.calls if call.method == "sendMessage" and int(call.params["chat_id"]) == 3399]
    assert tries == [False], "a 400 is not retried"
    assert [
        call.ok for call in fake.calls if call.method == "sendMessage" and int(call.params["chat_id"]) == known
    ] == [
        False,
        False,
        True,
    ]
    assert await left(session_factory) == []


async def test_a_crashed_process_s_notices_are_sent_once_its_claim_runs_out_and_a_live_claim_is_left_alone(
    session_factory: async_sessionmaker[AsyncSession], telegram: tuple[FakeTelegram, Bot]
) -> None:
    fake, bot = telegram
    dead, alive = await people(session_factory, fake, [3401, 3402])
    await store(session_factory, (dead, "from the crashed one"), (alive, "from the live one"))
    sender = make_sender(session_factory, bot)
    async with session_factory() as session:
        # Timers are the real time; the claims are set around it.
        now = sender._timer()
        await session.execute(
            update(Notice).where(Notice.user_id == dead).values(claimed_by="crashed", claimed_until=now - timedelta(1))
        )
        await session.execute(
            update(Notice).where(Notice.user_id == alive).values(claimed_by="busy", claimed_until=now + timedelta(1))
        )
        await session.commit()
    await sender.drain()
    assert messages_to(fake, [dead, alive]) == {dead: 1, alive: 0}
    assert [notice.user_id for notice in await left(session_factory)] == [alive]


async def test_two_senders_send_each_notice_once(
    session_factory: async_sessionmaker[AsyncSession], telegram: tuple[FakeTelegram, Bot]
) -> None:
    fake, bot = telegram
    ids = await people(session_factory, fake, range(3501, 3561))
    await store(session_factory, *[(user_id, "changed") for user_id in ids])
    await asyncio.gather(make_sender(session_factory, bot).drain(), make_sender(session_factory, bot).drain())
    assert messages_to(fake, ids) == dict.fromkeys(ids, 1)
    assert await left(session_factory) == []


@pytest.mark.slow  # paced by a real rate limit over seconds of wall time
async def test_notices_go_out_during_a_long_reminder_not_after_it(
    session_factory: async_sessionmaker[AsyncSession], telegram: tuple[FakeTelegram, Bot]
) -> None:
    fake, bot = telegram
    members = await people(session_factory, fake, range(3601, 3901))
    [changed] = await people(session_factory, fake, [3999])
    await start(session_factory, members)
    await store(session_factory, (changed, "your colour changed"))
    fake.limits.rate_limit = RateLimit(per_second=30, per_chat_per_second=1)
    await make_sender(session_factory, bot, rate=1000).drain()
    order = [int(call.params["chat_id"]) for call in fake.calls if call.method == "sendMessage" and call.ok]
    assert order.index(changed) < 150, "sent after the reminder's first batch, not at its end"


async def test_deleting_ones_data_deletes_the_notices_still_waiting_for_them(
    session_factory: async_sessionmaker[AsyncSession], telegram: tuple[FakeTelegram, Bot]
) -> None:
    fake, _bot = telegram
    [user_id] = await people(session_factory, fake, [3701])
    await store(session_factory, (user_id, "changed"), (3702, "someone else"))
    async with session_factory() as session:
        await PersonalDataRepository(session).delete_user(user_id)
        await session.commit()
        assert await NoticeRepository(session).count() == 1


async def test_a_correction_withdraws_a_notice_still_waiting_and_is_told_only_after_it_was_sent(
    session_factory: async_sessionmaker[AsyncSession], telegram: tuple[FakeTelegram, Bot]
) -> None:
    """A checkpoint's fever pressed by mistake and corrected: if the fever notice has not left yet, the person
    hears of neither; once it was sent (or while a sender holds it), the correction is told."""
    fake, bot = telegram
    waiting, sent, sending = await people(session_factory, fake, [3601, 3602, 3603])
    async with session_factory() as session:
        await notices.tell(session, sent, "fever", "fever", NOW)
    await make_sender(session_factory, bot).drain()
    assert told(fake, sent) == ["fever"]
    async with session_factory() as session:
        await notices.tell(session, waiting, "fever", "fever", NOW)
        await notices.tell(session, waiting, "colour", "another change", NOW)
        await notices.tell(session, sending, "fever", "fever", NOW)
        await session.execute(
            update(Notice)
            .where(Notice.user_id == sending)
            .values(claimed_by="another process", claimed_until=NOW + timedelta(minutes=1))
        )
        await session.commit()
        for user_id in (waiting, sent, sending):
            assert await notices.take_back_or_tell(session, user_id, "fever", "fever_corrected", "corrected", NOW)
    kinds = sorted((notice.user_id, notice.kind) for notice in await left(session_factory))
    assert kinds == [
        (waiting, "colour"),
        (sent, "fever_corrected"),
        (sending, "fever"),
        (sending, "fever_corrected"),
    ]
