"""Telegram's flood limits as arithmetic: how long to wait before the next message may go.

Plain Python (no aiogram, no SQLAlchemy, no sleeping): the caller asks `delay(chat_id)`, sleeps that
long, then calls `take(chat_id)` right before the request. The clock is injected (monotonic seconds),
so the tests step through time without waiting.

Three limits hold at once:
- overall: `rate_per_second` messages, all chats together, as a token bucket holding at most `burst`
  messages (so any one second carries at most rate + burst messages; 25 + 2 stays under Telegram's 30);
- Telegram's own ceiling, whatever the configured rate: at most `ceiling` messages in any `window`
  seconds (30 in 1.05 s: the margin absorbs network jitter; 1,000 with paid broadcasts), which only
  binds at rates near it;
- per chat: one message per `per_chat_interval` seconds to the same chat.
A 429 from Telegram pauses everything for its `retry_after` (`pause`), then the pace starts again
from an empty bucket.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable, Hashable

MonotonicClock = Callable[[], float]

# Telegram: "avoid sending more than one message per second" to one chat. The margin keeps two
# requests a second apart on our side from arriving closer than that after network jitter.
PER_CHAT_INTERVAL = 1.1
# Telegram: "no more than 30 messages per second" to different chats; the window has the same margin.
CEILING = 30
CEILING_WINDOW = 1.05
# Paid broadcasts (allow_paid_broadcast, Bot API 7.11): up to 1,000 a second, at 0.1 Star a message beyond 30.
PAID_CEILING = 1000
# Remembered per-chat times beyond this many are pruned of those already past.
_CHATS_KEPT = 4096
_EPSILON = 1e-6


class RateLimiter:
    def __init__(
        self,
        rate_per_second: float,
        *,
        burst: float = 2.0,
        per_chat_interval: float = PER_CHAT_INTERVAL,
        ceiling: int = CEILING,
        window: float = CEILING_WINDOW,
        clock: MonotonicClock = time.monotonic,
    ) -> None:
        if rate_per_second <= 0:
            raise ValueError("rate_per_second must be positive")
        if burst < 1:
            raise ValueError("burst must allow at least one message")
        self.rate_per_second = rate_per_second
        self._interval = 1.0 / rate_per_second
        self._burst = float(burst)
        self._per_chat_interval = per_chat_interval
        self._clock = clock
        # Starts empty: the first message waits one interval, so a restart never opens with a burst.
        self._tokens = 0.0
        self._updated = clock()
        self._paused_until = -math.inf
        self._chat_free_at: dict[Hashable, float] = {}
        self._prune_above = _CHATS_KEPT
        self._ceiling = ceiling
        self._window = window
        self._recent: deque[float] = deque()  # when the messages of the last `window` seconds went

    def delay(self, chat_id: Hashable | None = None) -> float:
        """Seconds until a message to `chat_id` (None: no particular chat) is allowed; 0 means now."""
        now = self._clock()
        self._refill(now)
        # The bucket refills from `_updated`, which a pause puts in the future.
        token_ready_at = self._updated + max(0.0, 1.0 - self._tokens) * self._interval
        waits = [self._paused_until - now, token_ready_at - now]
        self._forget_before(now - self._window)
        if len(self._recent) >= self._ceiling:
            waits.append(self._recent[-self._ceiling] + self._window - now)
        if chat_id is not None and chat_id in self._chat_free_at:
            waits.append(self._chat_free_at[chat_id] - now)
        wait = max(waits)
        # Float rounding leaves crumbs like 1e-14 after sleeping the exact delay: those are "now".
        return wait if wait > _EPSILON else 0.0

    def take(self, chat_id: Hashable | None = None) -> None:
        """A message goes now (to `chat_id`): spend a token and start that chat's interval."""
        now = self._clock()
        self._refill(now)
        # May go below zero if the caller did not wait: the debt delays the next message.
        self._tokens -= 1.0
        self._recent.append(now)
        self._forget_before(now - self._window)
        if chat_id is not None:
            self._chat_free_at[chat_id] = now + self._per_chat_interval
            if len(self._chat_free_at) > self._prune_above:
                self._chat_free_at = {chat: at for chat, at in self._chat_free_at.items() if at > now}
                # Amortised: with many chats still in their interval, prune again only once it doubled.
                self._prune_above = max(_CHATS_KEPT, 2 * len(self._chat_free_at))

    def hold(self, chat_id: Hashable) -> None:
        """A message went to `chat_id` just now by other means (the bot's own reply): start its interval."""
        now = self._clock()
        self._chat_free_at[chat_id] = max(self._chat_free_at.get(chat_id, now), now + self._per_chat_interval)

    def pause(self, seconds: float) -> None:
        """Telegram answered 429 "retry after `seconds`": nothing goes until then, then the pace starts over."""
        now = self._clock()
        until = now + max(0.0, seconds)
        if until > self._paused_until:
            self._paused_until = until
        self._refill(now)
        self._tokens = min(self._tokens, 0.0)
        # The bucket refills from the end of the pause, not during it.
        self._updated = max(self._updated, self._paused_until)

    def _forget_before(self, moment: float) -> None:
        while self._recent and self._recent[0] <= moment:
            self._recent.popleft()

    def _refill(self, now: float) -> None:
        if now > self._updated:
            self._tokens = min(self._burst, self._tokens + (now - self._updated) / self._interval)
            self._updated = now
