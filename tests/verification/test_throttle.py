from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from redis.asyncio import Redis

from bot.verification.throttle import FailureThrottle, RedisFailureThrottle, Throttle

# A logical database of the test run's own (emptied here), as tests/e2e/test_redis.py uses.
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/7")


@asynccontextmanager
async def emptied_redis() -> AsyncIterator[Redis]:
    client = Redis.from_url(REDIS_URL)
    await client.flushdb()
    try:
        yield client
    finally:
        await client.aclose()


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    async with emptied_redis() as client:
        yield client


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def make(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """A throttle of each kind: in this process, or in Redis (each one made is another bot process)."""
    # Only the Redis kind connects, so the in-process kind runs where there is no Redis (`make test-fast`).
    if request.param == "memory":
        yield lambda limit, window: FailureThrottle(limit=limit, window=window)
        return
    async with emptied_redis() as redis:

        def throttle(limit: int, window: float) -> Throttle:
            return RedisFailureThrottle(redis, limit=limit, window=window)

        yield throttle


async def test_ten_failures_a_minute_pass_the_eleventh_attempt_waits(make) -> None:  # type: ignore[no-untyped-def]
    throttle = make(10, 60)
    for second in range(10):
        assert await throttle.wait(1, 1000 + second) == 0
        await throttle.failed(1, 1000 + second)
    assert await throttle.wait(1, 1010) == 50  # until the oldest failure is a minute old
    assert await throttle.wait(2, 1010) == 0, "other accounts are not slowed"
    assert await throttle.wait(1, 1059.5) == 1
    assert await throttle.wait(1, 1060) == 0


async def test_failures_spread_over_more_than_a_minute_never_wait(make) -> None:  # type: ignore[no-untyped-def]
    throttle = make(10, 60)
    for second in range(0, 600, 7):
        assert await throttle.wait(1, second) == 0
        await throttle.failed(1, second)


async def test_a_refusal_period_is_logged_once_a_minute(make) -> None:  # type: ignore[no-untyped-def]
    throttle = make(2, 60)
    await throttle.failed(1, 0)
    await throttle.failed(1, 1)
    assert await throttle.should_log(1, 2)
    assert not await throttle.should_log(1, 30)
    assert await throttle.should_log(1, 62)


@pytest.mark.redis
async def test_with_redis_processes_count_failures_and_log_refusals_together(redis: Redis) -> None:
    one, two = RedisFailureThrottle(redis, limit=10, window=60), RedisFailureThrottle(redis, limit=10, window=60)
    for second in range(10):
        await (one if second % 2 else two).failed(7, 1000 + second)
    assert await one.wait(7, 1010) == 50 and await two.wait(7, 1010) == 50, "ten across both, not five each"
    assert await one.should_log(7, 1010)
    assert not await two.should_log(7, 1011), "the refusal period is audited once, by whichever saw it first"


async def test_memory_is_bounded_by_forgetting_quiet_accounts() -> None:
    throttle = FailureThrottle(limit=10, window=60, max_accounts=100)
    for account in range(1000):
        await throttle.failed(account, account * 61)
    assert len(throttle._accounts) <= 101
