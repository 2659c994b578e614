"""Telegram's send budget for one bot token: in this process alone, or shared by every process through Redis.

Telegram counts messages per bot, not per process: two processes each pacing themselves at 25/s send
50/s together and meet 429s. With REDIS_URL set, every process asks one Redis-held budget instead.

The Redis budget is a small token bucket in one Lua script (GCRA: one key holds the "theoretical arrival
time" of the next message), plus a key per chat holding when it may get the next message, plus a pause
key a 429 sets. One script call checks all three and takes the slot atomically, with Redis's own clock,
so processes on several machines agree. The `limits` library was the alternative; it answers "allowed or
not" for one limit at a time, so taking the global and the per-chat slot together would race between
two calls, and it does not say how long to wait, which the sender needs to sleep instead of spin.
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from typing import TYPE_CHECKING, Protocol

from bot.broadcast.limits import CEILING, CEILING_WINDOW, PAID_CEILING, PER_CHAT_INTERVAL, RateLimiter

if TYPE_CHECKING:
    from redis.asyncio import Redis


class Budget(Protocol):
    rate_per_second: float

    async def take(self, chat_id: Hashable | None = None) -> float:
        """Take a slot for a message to `chat_id` now and return 0; or take nothing and return the seconds to wait."""
        ...

    async def hold(self, chat_id: Hashable) -> None:
        """A message went to `chat_id` by other means (a reply): its next one waits its interval."""
        ...

    async def pause(self, seconds: float) -> None:
        """Telegram answered 429 "retry after `seconds`": nothing goes, from any process, until then."""
        ...


class LocalBudget:
    """The whole budget in this process (no Redis): the limiter's arithmetic, as before."""

    def __init__(self, limiter: RateLimiter) -> None:
        self.limiter = limiter
        self.rate_per_second = limiter.rate_per_second

    async def take(self, chat_id: Hashable | None = None) -> float:
        delay = self.limiter.delay(chat_id)
        if delay > 0:
            return delay
        self.limiter.take(chat_id)
        return 0.0

    async def hold(self, chat_id: Hashable) -> None:
        self.limiter.hold(chat_id)

    async def pause(self, seconds: float) -> None:
        self.limiter.pause(seconds)


# KEYS: the bucket, the pause, the chat (or the bucket again when there is none).
# ARGV: interval ms, burst, per-chat interval ms, 1 when there is a chat.
# Returns 0 when the slot is taken, else the milliseconds to wait.
_TAKE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local chat_interval = tonumber(ARGV[3])
local wait = 0
local paused = tonumber(redis.call('GET', KEYS[2]) or '0')
if paused > now then wait = paused - now end
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local tau = (burst - 1) * interval
if tat - tau - now > wait then wait = tat - tau - now end
if ARGV[4] == '1' then
  local free = tonumber(redis.call('GET', KEYS[3]) or '0')
  if free - now > wait then wait = free - now end
end
if wait > 0 then return math.ceil(wait) end
redis.call('SET', KEYS[1], tat + interval, 'PX', math.floor(tat + interval - now + 1000))
if ARGV[4] == '1' then
  redis.call('SET', KEYS[3], now + chat_interval, 'PX', chat_interval)
end
return 0
"""

# KEYS: the chat. ARGV: per-chat interval ms.
_HOLD = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local free = tonumber(redis.call('GET', KEYS[1]) or '0')
local until_ = now + tonumber(ARGV[1])
if until_ > free then redis.call('SET', KEYS[1], until_, 'PX', tonumber(ARGV[1])) end
return 0
"""

# KEYS: the pause, the bucket. ARGV: pause ms. The bucket restarts empty when the pause ends.
_PAUSE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local until_ = now + tonumber(ARGV[1])
local paused = tonumber(redis.call('GET', KEYS[1]) or '0')
if until_ > paused then redis.call('SET', KEYS[1], until_, 'PX', tonumber(ARGV[1]) + 1000) end
local tat = tonumber(redis.call('GET', KEYS[2]) or '0')
if until_ > tat then redis.call('SET', KEYS[2], until_, 'PX', tonumber(ARGV[1]) + 1000) end
return 0
"""


class RedisBudget:
    """One budget per bot token for every process sharing this Redis."""

    def __init__(
        self, redis: Redis, bot_id: int, rate_per_second: float, *, burst: int = 2, paid: bool = False
    ) -> None:
        self.rate_per_second = rate_per_second
        self._redis = redis
        self._prefix = f"telegram-budget:{bot_id}"
        # Whole milliseconds keep the script's arithmetic exact. Telegram's own ceiling, whatever the
        # configured rate: 30 in any 1.05 s (1,000 with paid broadcasts). A bucket of `burst`
        # lets rate + burst through in a second, so near the ceiling it only lets one through at a time.
        ceiling = PAID_CEILING if paid else CEILING
        self._interval_ms = max(1, math.ceil(max(1000.0 / rate_per_second, CEILING_WINDOW * 1000 / ceiling)))
        self._burst = burst if rate_per_second * CEILING_WINDOW + burst <= ceiling else 1
        self._chat_ms = int(PER_CHAT_INTERVAL * 1000)
        self._take = redis.register_script(_TAKE)
        self._hold = redis.register_script(_HOLD)
        self._pause = redis.register_script(_PAUSE)

    async def take(self, chat_id: Hashable | None = None) -> float:
        chat_key = f"{self._prefix}:chat:{chat_id}" if chat_id is not None else f"{self._prefix}:bucket"
        waited = await self._take(
            keys=[f"{self._prefix}:bucket", f"{self._prefix}:pause", chat_key],
            args=[self._interval_ms, self._burst, self._chat_ms, 1 if chat_id is not None else 0],
        )
        return float(waited) / 1000.0

    async def hold(self, chat_id: Hashable) -> None:
        await self._hold(keys=[f"{self._prefix}:chat:{chat_id}"], args=[self._chat_ms])

    async def pause(self, seconds: float) -> None:
        await self._pause(
            keys=[f"{self._prefix}:pause", f"{self._prefix}:bucket"], args=[int(max(0.0, seconds) * 1000)]
        )
