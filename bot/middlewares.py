"""Per-update plumbing: one database session per update and the sender's account, loaded once."""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, User
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.accounts import Accounts
from bot.clock import system_clock
from bot.handled_updates import HandledUpdates

if TYPE_CHECKING:
    from redis.asyncio import Redis

logger = logging.getLogger(__name__)
# Telegram re-sends a missed update within minutes; an hour covers that with room and keeps the marks few.
HANDLED_FOR = timedelta(hours=1)
Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class DbSessionMiddleware(BaseMiddleware):
    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._session_factory = session_factory

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        async with self._session_factory() as session:
            data["session"] = session
            return await handler(event, data)


class AccountMiddleware(BaseMiddleware):
    """Puts the sender's stored account (or None before they agreed to the privacy notice) in `account`."""

    def __init__(self, accounts: Accounts) -> None:
        self._accounts = accounts

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        data["accounts"] = self._accounts
        account = await self._accounts.get(data["session"], user.id) if user is not None else None
        if account is not None and user is not None:
            username = user.username.lower() if user.username else None
            if username != account.username:
                # Rare (a new account, a renamed one): one write, so admins can name people by @username.
                await self._accounts.set_username(data["session"], user.id, username)
                account = await self._accounts.get(data["session"], user.id)
        data["account"] = account
        return await handler(event, data)


class DuplicateUpdateMiddleware(BaseMiddleware):
    """Drops an update already taken.

    Telegram re-delivers a webhook update it got no timely answer for, so a slow update can arrive
    twice; answering both would ask the next question twice or submit twice. The ids of the most
    recent updates are remembered (update ids only grow, so a bounded window suffices).

    Several processes behind one webhook share `handled` (their Redis), as the copy may reach another
    process. There an update is marked once handled rather than when taken, so one whose process died
    halfway is handled again elsewhere instead of lost; a copy arriving while the first is still being
    handled waits for the sender's conversation lock (aiogram's FSM middleware runs before this one)
    and then finds the mark.

    Without Redis, `recorded` (the database) keeps the marks across a restart: a copy re-delivered after
    a crash or a restart would otherwise find the window empty. Marked once handled too, for the same
    reason. The cost on the hot path is one INSERT per update: the database is asked whether an update
    was handled only for ids not above the highest one marked before this process started, since every
    later one was taken here and is in the window.
    """

    def __init__(
        self, window: int = 10_000, handled: Redis | None = None, recorded: HandledUpdates | None = None
    ) -> None:
        self._seen: OrderedDict[int, None] = OrderedDict()
        self._window = window
        self._handled = handled
        self._recorded = recorded
        # Per bot id: the highest update id marked in the database when this process first looked.
        self._marked_before: dict[int, int | None] = {}

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        update_id = getattr(event, "update_id", None)
        if update_id is None:
            return await handler(event, data)
        if self._handled is not None:
            return await self._once_across_processes(handler, event, data, update_id)
        if update_id in self._seen:
            logger.info("update %s delivered again: skipped", update_id)
            return None
        self._seen[update_id] = None
        while len(self._seen) > self._window:
            self._seen.popitem(last=False)
        if self._recorded is not None:
            return await self._once_across_restarts(handler, event, data, update_id)
        return await handler(event, data)

    async def _once_across_processes(
        self, handler: Handler, event: TelegramObject, data: dict[str, Any], update_id: int
    ) -> Any:
        assert self._handled is not None
        key = f"handled-update:{data['bot'].id}:{update_id}"
        if await self._handled.exists(key):
            logger.info("update %s delivered again, already handled: skipped", update_id)
            return None
        result = await handler(event, data)
        await self._handled.set(key, 1, ex=HANDLED_FOR)
        return result

    async def _once_across_restarts(
        self, handler: Handler, event: TelegramObject, data: dict[str, Any], update_id: int
    ) -> Any:
        assert self._recorded is not None
        bot_id = data["bot"].id
        if bot_id not in self._marked_before:
            self._marked_before[bot_id] = await self._recorded.latest(bot_id)
        marked_before = self._marked_before[bot_id]
        if marked_before is not None and update_id <= marked_before and await self._recorded.handled(bot_id, update_id):
            logger.info("update %s delivered again after a restart, already handled: skipped", update_id)
            return None
        result = await handler(event, data)
        try:
            await self._recorded.mark(bot_id, update_id, data.get("clock", system_clock)())
        except Exception as error:  # the update is done; a lost mark only risks handling a later copy again
            logger.warning("update %s: its handled mark was not stored (%s)", update_id, type(error).__name__)
        return result


class Provide(BaseMiddleware):
    """Builds a router's typed services from the update's data (its session, the clock, the settings), so a
    handler asks for the one use case it calls by name. Registered as an inner middleware it runs only once
    the filters chose a handler, so an update that passes the router by builds nothing."""

    def __init__(self, **factories: Callable[[dict[str, Any]], object]) -> None:
        self._factories = factories

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        for name, factory in self._factories.items():
            data[name] = factory(data)
        return await handler(event, data)
