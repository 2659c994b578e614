"""Telegram's limits in the real bot process: with REDIS_URL two processes share one send budget (a reply
that meets a 429: tests/broadcast/test_reply_after_429.py, in this process).

The fake Bot API enforces Telegram's limits here (30 messages a second, one a second per chat), answering
429 with retry_after beyond them.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from redis.asyncio import Redis

from bot.sandbox.emulator import FakeTelegram, RateLimit
from tests.e2e.harness import BotProcess, wait_until
from tests.e2e.test_broadcast_crash import job_row, people_and_job, received

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/7")


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    client = Redis.from_url(REDIS_URL)
    await client.flushdb()
    yield client
    await client.aclose()


async def test_two_processes_sending_two_reminders_at_once_share_one_budget(
    fake: FakeTelegram, clean_database: str, tmp_path: Path, redis: Redis
) -> None:
    """Both in webhook mode, so they can share the fake (it keeps one webhook; no updates are needed)."""
    fake.limits.rate_limit = RateLimit(per_second=30, per_chat_per_second=1)
    env = {"REDIS_URL": REDIS_URL, "BROADCAST_RATE": "25"}
    processes = []
    for name in ("one", "two"):
        folder = tmp_path / name
        folder.mkdir()
        processes.append(BotProcess(fake, clean_database, folder, mode="webhook", extra_env=env))
    try:
        for process in processes:
            await process.start()
        first_ids = list(range(810_001, 810_201))
        second_ids = list(range(820_001, 820_201))
        first = await people_and_job(clean_database, fake, first_ids)
        second = await people_and_job(clean_database, fake, second_ids)

        async def finished() -> bool:
            return all([(await job_row(clean_database, job))[0] == "done" for job in (first, second)])

        await wait_until(finished, "both reminders to finish", timeout=120)
        everyone = first_ids + second_ids
        assert received(fake, everyone) == Counter(dict.fromkeys(everyone, 1))
        assert fake.limits.too_many_requests == 0
        # Each process sent a job of its own: together, within the one budget.
        claimers = {(await job_row(clean_database, job))[1] for job in (first, second)}
        pids = {str(process.process.pid) for process in processes if process.process is not None}
        assert {claimer.split("-")[0] for claimer in claimers if claimer} == pids
    finally:
        for process in processes:
            await process.stop()
            print(f"--- bot log ({process.data_dir.name}) ---\n{process.log()[-4000:]}")
