"""Every request the bot makes honours Telegram's "retry after": a 429 is waited out and the request sent again.

A reply that meets a 429 (two quick presses in one chat, at Telegram's one message a second per chat)
would otherwise raise, the apology would meet a 429 too, and the person would see nothing. Bounded: a
few tries and about a minute of waiting in all, so a handler never hangs for long; beyond that the
error is raised as before.

The broadcast sender paces itself and handles its own 429s (it pauses the whole budget, across
processes): its requests are marked with `paced()` and pass through untouched.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterator
from contextvars import ContextVar
from typing import TYPE_CHECKING

from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods.base import TelegramType

if TYPE_CHECKING:
    from aiogram import Bot
    from aiogram.methods import Response, TelegramMethod

logger = logging.getLogger(__name__)

_paced: ContextVar[bool] = ContextVar("paced", default=False)


@contextlib.contextmanager
def paced() -> Iterator[None]:
    """Requests made inside (in this task) handle their own 429s."""
    token = _paced.set(True)
    try:
        yield
    finally:
        _paced.reset(token)


def is_paced() -> bool:
    """Whether a request is the outbox sender's (inside `paced()`), not a reply to someone's update."""
    return _paced.get()


class RetryAfterMiddleware(BaseRequestMiddleware):
    def __init__(
        self,
        *,
        attempts: int = 3,
        max_wait: float = 60.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._attempts = attempts
        self._max_wait = max_wait
        self._sleep = sleep
        self.waits = 0  # 429s waited out (for the tests)

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        if _paced.get():
            return await make_request(bot, method)
        waited = 0.0
        attempt = 1
        while True:
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as error:
                if attempt >= self._attempts or waited + error.retry_after > self._max_wait:
                    raise
                logger.info(
                    "telegram: %s waits %ss as asked (try %s)", type(method).__name__, error.retry_after, attempt
                )
                self.waits += 1
                await self._sleep(error.retry_after)
                waited += error.retry_after
                attempt += 1
