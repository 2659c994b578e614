"""Slowing down an account that sends many codes that do not verify (someone guessing or forging tokens).

Without Redis it is kept in this process's memory (a restart forgets it). With REDIS_URL every bot
process behind the webhook counts into one place (`RedisFailureThrottle`), so ten failures a minute
means ten across them all, and a refusal period is audited once, not once per process. A token carries
a 128-bit signature, so guessing is hopeless anyway; the limit keeps a misused staff account from
hammering the bot, and every refusal period is written to the audit log, which is what an administrator
looks at. `now` is the bot's clock in seconds (tests move it), in both kinds.
"""

from __future__ import annotations

import math
import secrets
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from redis.asyncio import Redis

LIMIT = 10  # failed verifications allowed ...
WINDOW = 60.0  # ... within this many seconds


class Throttle(Protocol):
    async def wait(self, account_id: int, now: float) -> int:
        """Seconds `account_id` must wait before verifying again; 0 when it may go on."""
        ...

    async def should_log(self, account_id: int, now: float) -> bool:
        """True for the first refusal in a window: a persistent account is audited once a minute, not per attempt."""
        ...

    async def failed(self, account_id: int, now: float) -> None: ...


@dataclass
class _Account:
    failures: deque[float] = field(default_factory=deque)
    # Until then, refusals are not written to the audit log again.
    logged_until: float = float("-inf")


class FailureThrottle:
    def __init__(self, limit: int = LIMIT, window: float = WINDOW, max_accounts: int = 10_000) -> None:
        self._limit = limit
        self._window = window
        self._max_accounts = max_accounts
        self._accounts: dict[int, _Account] = {}

    async def wait(self, account_id: int, now: float) -> int:
        """Seconds `account_id` must wait before verifying again; 0 when it may go on."""
        state = self._accounts.get(account_id)
        if state is None:
            return 0
        self._forget_old(state, now)
        if len(state.failures) < self._limit:
            return 0
        return max(1, math.ceil(state.failures[0] + self._window - now))

    async def should_log(self, account_id: int, now: float) -> bool:
        """True for the first refusal in a window: a persistent account is audited once a minute, not per attempt."""
        state = self._accounts.get(account_id)
        if state is None or now < state.logged_until:
            return False
        state.logged_until = now + self._window
        return True

    async def failed(self, account_id: int, now: float) -> None:
        state = self._accounts.get(account_id)
        if state is None:
            if len(self._accounts) >= self._max_accounts:
                self._prune(now)
            state = self._accounts.setdefault(account_id, _Account())
        self._forget_old(state, now)
        state.failures.append(now)

    def _forget_old(self, state: _Account, now: float) -> None:
        while state.failures and state.failures[0] <= now - self._window:
            state.failures.popleft()

    def _prune(self, now: float) -> None:
        for account_id in list(self._accounts):
            state = self._accounts[account_id]
            self._forget_old(state, now)
            if not state.failures:
                del self._accounts[account_id]


# KEYS: the account's "logged until". ARGV: now, window. 1 when this refusal starts a new logged period.
_SHOULD_LOG = """
local until_ = tonumber(redis.call('GET', KEYS[1]) or '-1')
local now = tonumber(ARGV[1])
if now < until_ then return 0 end
redis.call('SET', KEYS[1], tostring(now + tonumber(ARGV[2])), 'EX', math.ceil(tonumber(ARGV[2])) + 1)
return 1
"""


class RedisFailureThrottle:
    """The same limit, counted in Redis for every bot process: one sorted set of failure times per account."""

    def __init__(
        self, redis: Redis, limit: int = LIMIT, window: float = WINDOW, prefix: str = "verify-throttle"
    ) -> None:
        self._redis = redis
        self._limit = limit
        self._window = window
        self._prefix = prefix
        self._should_log = redis.register_script(_SHOULD_LOG)

    async def wait(self, account_id: int, now: float) -> int:
        key = self._failures(account_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.zremrangebyscore(key, "-inf", now - self._window)
            pipe.zrange(key, 0, 0, withscores=True)
            pipe.zcard(key)
            _removed, oldest, count = await pipe.execute()
        if count < self._limit:
            return 0
        return max(1, math.ceil(float(oldest[0][1]) + self._window - now))

    async def should_log(self, account_id: int, now: float) -> bool:
        key = f"{self._prefix}:{account_id}:logged"
        return bool(await self._should_log(keys=[key], args=[now, self._window]))

    async def failed(self, account_id: int, now: float) -> None:
        key = self._failures(account_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            # Two failures in the same instant are two members.
            pipe.zadd(key, {f"{now}:{secrets.token_hex(4)}": now})
            pipe.expire(key, math.ceil(self._window) + 1)
            await pipe.execute()

    def _failures(self, account_id: int) -> str:
        return f"{self._prefix}:{account_id}:failures"
