"""What the fake refuses before running a method: Telegram's flood limits, and faults a test arranges.

Both are off by default. With `FakeTelegram(rate_limit=RateLimit(per_second=30, per_chat_per_second=1))`
messages (send*, edit*, forward*, copy*) beyond 30 in any one second, or a second one in the same chat
within a second, are answered 429 "Too Many Requests: retry after N" with `parameters.retry_after`, as
Telegram does; a message carrying `allow_paid_broadcast` (Bot API 7.11: the bot pays 0.1 Star a message beyond
the free 30/s) may be one of up to `paid_per_second` (1,000) in its second, while a message without it
is refused once its second carries 30 of any kind (Telegram does not say; this is the cautious reading); `fake.limits.too_many_requests` counts those answers. `fake.limits.fail(...)` makes the
next calls to a chat fail with a chosen error (a 500, a 400, a 429), for tests of retries.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .objects import TelegramError

_MESSAGE_METHODS = ("send", "edit", "forward", "copy")


@dataclass(frozen=True)
class RateLimit:
    """Telegram's documented limits for a bot: about 30 messages a second overall, one a second per chat."""

    per_second: int = 30
    per_chat_per_second: float = 1.0
    # Paid broadcasts: the overall ceiling for a message sent with allow_paid_broadcast.
    paid_per_second: int = 1000


class TooManyRequests(TelegramError):
    def __init__(self, retry_after: int) -> None:
        super().__init__(429, f"Too Many Requests: retry after {retry_after}")
        self.retry_after = retry_after

    def body(self) -> dict[str, Any]:
        return {**super().body(), "parameters": {"retry_after": self.retry_after}}


@dataclass
class _Fault:
    chat_id: int | None
    method: str
    times: int
    code: int
    description: str
    retry_after: int | None


class Limits:
    def __init__(self, rate_limit: RateLimit | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate_limit = rate_limit
        self.too_many_requests = 0  # 429s answered for exceeding the rate limit
        self.accepted = 0  # messages within the limits (only counted while a rate limit is set)
        self._clock = clock
        self._recent: deque[float] = deque()  # when the messages of the last second were accepted
        self._last_in_chat: dict[str, float] = {}
        self._faults: list[_Fault] = []

    def fail(
        self,
        chat_id: int | None = None,
        *,
        times: int = 1,
        method: str = "sendMessage",
        code: int = 500,
        description: str = "Internal Server Error",
        retry_after: int | None = None,
    ) -> None:
        """The next `times` calls of `method` (to `chat_id`, or any chat) fail with this error.

        With `retry_after`, a 429 carrying it (not counted in `too_many_requests`).
        """
        self._faults.append(_Fault(chat_id, method.lower(), times, code, description, retry_after))

    def check(self, method: str, params: dict[str, Any]) -> None:
        """Raise the error Telegram would answer instead of running `method`; return when it may run."""
        name = method.lower()
        chat = params.get("chat_id")
        for fault in self._faults:
            if fault.times > 0 and fault.method == name and (fault.chat_id is None or str(fault.chat_id) == str(chat)):
                fault.times -= 1
                if fault.retry_after is not None:
                    raise TooManyRequests(fault.retry_after)
                raise TelegramError(fault.code, fault.description)
        if self.rate_limit is None or not name.startswith(_MESSAGE_METHODS):
            return
        now = self._clock()
        while self._recent and self._recent[0] <= now - 1.0:
            self._recent.popleft()
        waits = []
        paid = str(params.get("allow_paid_broadcast", "")).lower() in {"true", "1"}
        ceiling = self.rate_limit.paid_per_second if paid else self.rate_limit.per_second
        if len(self._recent) >= ceiling:
            waits.append(self._recent[-ceiling] + 1.0 - now)
        key = str(chat)
        last = self._last_in_chat.get(key)
        gap = 1.0 / self.rate_limit.per_chat_per_second
        if chat is not None and last is not None and now - last < gap:
            waits.append(last + gap - now)
        if waits:
            self.too_many_requests += 1
            raise TooManyRequests(max(1, math.ceil(max(waits))))
        self.accepted += 1
        self._recent.append(now)
        if chat is not None:
            self._last_in_chat[key] = now
