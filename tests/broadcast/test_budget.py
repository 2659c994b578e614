"""The send budget shared through Redis: two processes (two budgets on one Redis) take from one bucket."""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from bot.broadcast.budget import LocalBudget, RedisBudget
from bot.broadcast.limits import RateLimiter

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/7")
BOT_ID = 123456789


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    client = Redis.from_url(REDIS_URL)
    await client.flushdb()
    yield client
    await client.aclose()


@pytest.mark.redis
async def test_two_processes_share_one_rate(redis: Redis) -> None:
    one, two = RedisBudget(redis, BOT_ID, 20), RedisBudget(redis, BOT_ID, 20)
    taken = 0
    started = time.monotonic()
    chat = 0
    while time.monotonic() - started < 1.0:
        for budget in (one, two):
            chat += 1
            if await budget.take(chat) == 0:
                taken += 1
    # 20 a second and a burst of two, for both together (each alone would take as many again).
    assert 19 <= taken <= 23


@pytest.mark.redis
async def test_one_message_a_second_per_chat_across_processes(redis: Redis) -> None:
    one, two = RedisBudget(redis, BOT_ID, 25), RedisBudget(redis, BOT_ID, 25)
    assert await one.take(42) == 0
    wait = await two.take(42)
    assert 1.0 <= wait <= 1.1, "the other process waits for the chat's interval"
    assert await two.take(43) <= 0.04, "another chat only waits for the overall pace"


@pytest.mark.redis
async def test_a_429_met_by_one_process_pauses_the_other(redis: Redis) -> None:
    one, two = RedisBudget(redis, BOT_ID, 25), RedisBudget(redis, BOT_ID, 25)
    await one.pause(3)
    assert 2.9 <= await two.take(7) <= 3.0
    await two.hold(8)
    assert await one.take(8) > 1.0, "a reply to that chat starts its interval"


@pytest.mark.redis
async def test_other_bots_have_budgets_of_their_own(redis: Redis) -> None:
    await RedisBudget(redis, BOT_ID, 25).pause(5)
    assert await RedisBudget(redis, BOT_ID + 1, 25).take(1) == 0


@pytest.mark.redis
async def test_near_telegrams_ceiling_no_burst_takes_it_over_30_a_second(redis: Redis) -> None:
    budget = RedisBudget(redis, BOT_ID, 30)
    taken = 0
    started = time.monotonic()
    chat = 0
    while time.monotonic() - started < 1.0:
        chat += 1
        if await budget.take(chat) == 0:
            taken += 1
    assert taken <= 30


async def test_without_redis_the_process_is_the_whole_budget() -> None:
    now = [0.0]
    budget = LocalBudget(RateLimiter(10, clock=lambda: now[0]))
    assert await budget.take(1) > 0, "starts empty, as the limiter always did"
    now[0] = 0.1
    assert await budget.take(1) == 0
    assert await budget.take(1) > 1.0


@pytest.mark.redis
async def test_with_paid_broadcasts_the_shared_budget_goes_past_30_a_second(redis: Redis) -> None:
    free, paid = RedisBudget(redis, BOT_ID, 30), RedisBudget(redis, BOT_ID + 1, 1000, paid=True)
    # Asked as fast as possible: the free budget makes the next message wait its 35 ms; the paid one 1 ms.
    free_waits = [await free.take(chat) for chat in range(40)]
    paid_waits = [await paid.take(chat) for chat in range(40)]
    assert max(free_waits) >= 0.03
    assert max(paid_waits) <= 0.002
