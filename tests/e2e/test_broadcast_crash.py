"""The broadcast engine in the real bot process: killed mid-job and restarted, and two processes on one database.

The jobs are stored straight through the service (as the HR feature stores them); the fake Bot API
enforces Telegram's limits (30 messages a second, one a second per chat), so a 429 would show.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from bot.broadcast.sender import default_in_flight
from bot.broadcast.service import Audience, start_broadcast
from bot.db.engine import create_engine, create_session_factory
from bot.db.models import Broadcast, User
from bot.sandbox.emulator import FakeTelegram, FakeUser, RateLimit
from tests.e2e.harness import BotProcess, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


async def people_and_job(database_url: str, fake: FakeTelegram, ids: Sequence[int]) -> int:
    """Accounts for `ids` (added to the fake too, so the bot may write to them first) and one job to them all."""
    for user_id in ids:
        fake.add_user(FakeUser(id=user_id, first_name="Member", language_code="en"))
    engine = create_engine(database_url, pool_size=1)
    try:
        sessions = create_session_factory(engine)
        async with sessions.begin() as session:
            existing = set(await session.scalars(select(User.id).where(User.id.in_(list(ids)))))
            fresh = [user_id for user_id in ids if user_id not in existing]
            if fresh:
                await session.execute(
                    insert(User),
                    [
                        {
                            "id": user_id,
                            "public_id": user_id * 7919,
                            "language": "zh" if user_id % 3 == 0 else "en",
                            "privacy_accepted_at": NOW,
                            "created_at": NOW,
                        }
                        for user_id in fresh
                    ],
                )
        async with sessions() as session:
            return await start_broadcast(
                session,
                organization_id=None,
                created_by=None,
                audience=Audience.EVERYONE,
                text=None,
                recipient_ids=ids,
                now=NOW,
            )
    finally:
        await engine.dispose()


async def job_row(database_url: str, broadcast_id: int) -> tuple[str, str | None]:
    engine = create_engine(database_url, pool_size=1)
    try:
        async with engine.connect() as connection:
            row = (
                await connection.execute(
                    select(Broadcast.status, Broadcast.claimed_by).where(Broadcast.id == broadcast_id)
                )
            ).one()
            return row[0], row[1]
    finally:
        await engine.dispose()


def received(fake: FakeTelegram, ids: Sequence[int]) -> Counter[int]:
    wanted = set(ids)
    counts: Counter[int] = Counter()
    for call in list(fake.calls):
        if call.method == "sendMessage" and call.ok and int(call.params["chat_id"]) in wanted:
            counts[int(call.params["chat_id"])] += 1
    return counts


# The sender keeps several requests in flight (at the default 25/s, 14): a crash may double those.
IN_FLIGHT = default_in_flight(25)


def assert_once_each_but_for(counts: Counter[int], ids: Sequence[int], crashes: int) -> None:
    missing = [user_id for user_id in ids if counts[user_id] == 0]
    doubled = [user_id for user_id in ids if counts[user_id] > 1]
    assert not missing, f"{len(missing)} recipients got nothing"
    assert len(doubled) <= crashes * IN_FLIGHT and all(counts[user_id] == 2 for user_id in doubled), (
        f"{len(doubled)} recipients got more than one message after {crashes} crash(es)"
    )


async def test_a_bot_killed_mid_job_resumes_it_after_restart_and_nobody_is_skipped_or_sent_twice(
    fake: FakeTelegram, start_bot, clean_database: str
) -> None:
    fake.limits.rate_limit = RateLimit(per_second=30, per_chat_per_second=1)
    ids = list(range(700_001, 700_401))
    bot = await start_bot("polling")
    broadcast_id = await people_and_job(clean_database, fake, ids)

    await wait_until(lambda: sum(received(fake, ids).values()) >= 120, "120 messages sent", timeout=60)
    await bot.kill()
    at_kill = sum(received(fake, ids).values())
    assert 120 <= at_kill < len(ids)
    assert (await job_row(clean_database, broadcast_id))[0] == "sending"

    await start_bot("polling")

    async def done() -> bool:
        return (await job_row(clean_database, broadcast_id))[0] == "done"

    # The killed process's claim runs out (a 20 s lease), then the restarted process goes on.
    await wait_until(done, "the job to finish after the restart", timeout=150)
    assert_once_each_but_for(received(fake, ids), ids, crashes=1)
    assert fake.limits.too_many_requests == 0


async def test_two_bot_processes_on_one_database_send_each_message_once_and_the_survivor_takes_over(
    fake: FakeTelegram, clean_database: str, tmp_path: Path
) -> None:
    """Both in webhook mode, so they can share the fake (it keeps one webhook; no updates are needed)."""
    fake.limits.rate_limit = RateLimit(per_second=30, per_chat_per_second=1)
    processes = [BotProcess(fake, clean_database, _folder(tmp_path / name), mode="webhook") for name in ("one", "two")]
    try:
        for process in processes:
            await process.start()
        # One job with both processes up and looking for work: one of them sends it, once.
        first_ids = list(range(800_001, 800_151))
        first = await people_and_job(clean_database, fake, first_ids)

        async def finished(broadcast_id: int) -> bool:
            return (await job_row(clean_database, broadcast_id))[0] == "done"

        await wait_until(lambda: finished(first), "the first job to finish", timeout=90)
        assert received(fake, first_ids) == Counter(dict.fromkeys(first_ids, 1))
        assert all(process.process is not None and process.process.returncode is None for process in processes)

        # A second job; the process sending it is killed; the other one takes it over when its lease runs out.
        second_ids = list(range(900_001, 900_201))
        second = await people_and_job(clean_database, fake, second_ids)
        await wait_until(
            lambda: sum(received(fake, second_ids).values()) >= 50, "50 messages of the second job", timeout=60
        )
        _status, claimed_by = await job_row(clean_database, second)
        assert claimed_by is not None
        [sending] = [p for p in processes if p.process is not None and claimed_by.startswith(f"{p.process.pid}-")]
        [survivor] = [p for p in processes if p is not sending]
        await sending.kill()
        await wait_until(lambda: finished(second), "the survivor to finish the second job", timeout=120)
        assert_once_each_but_for(received(fake, second_ids), second_ids, crashes=1)
        _status, claimed_by = await job_row(clean_database, second)
        assert survivor.process is not None and claimed_by is not None
        assert claimed_by.startswith(f"{survivor.process.pid}-")
        assert fake.limits.too_many_requests == 0
    finally:
        for process in processes:
            await process.stop()
            print(f"--- bot log ({process.data_dir.name}) ---\n{process.log()[-4000:]}")


def _folder(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


async def test_a_bot_stopped_cleanly_mid_job_gives_it_up_so_the_restarted_one_goes_on_at_once(
    fake: FakeTelegram, start_bot, clean_database: str
) -> None:
    ids = list(range(600_001, 600_121))
    bot = await start_bot("polling")
    broadcast_id = await people_and_job(clean_database, fake, ids)
    await wait_until(lambda: sum(received(fake, ids).values()) >= 30, "30 messages sent", timeout=30)
    await bot.stop()
    assert (await job_row(clean_database, broadcast_id))[0] == "sending"

    await start_bot("polling")
    restarted = time.monotonic()
    sent_before = sum(received(fake, ids).values())
    # Well within the 20 s lease a crashed process would leave behind.
    await wait_until(lambda: sum(received(fake, ids).values()) > sent_before, "the restarted bot to go on", timeout=5)
    assert time.monotonic() - restarted < 5

    async def done() -> bool:
        return (await job_row(clean_database, broadcast_id))[0] == "done"

    await wait_until(done, "the job to finish", timeout=60)
    assert_once_each_but_for(received(fake, ids), ids, crashes=1)
