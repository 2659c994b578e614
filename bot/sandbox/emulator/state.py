"""What every part of the fake Telegram shares: its state (chats, files, updates, webhook), and waiting on
a change of it. The parts build on it in one line, each using only those below it:
files, chats, users, webhook, and `server.FakeTelegram` with its HTTP table on top.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

import aiohttp
from aiohttp import web

from .limits import Limits, RateLimit
from .objects import DEFAULT_UPDATE_TYPES, FakeUser, RecordedCall, StoredFile

log = logging.getLogger("bot.sandbox.emulator")

# What a wait looks for: a recorded call, a message.
_Found = TypeVar("_Found")

THUMBNAIL_SIDE = 90  # Telegram's smallest photo size ("s")


def _brief(params: dict[str, Any]) -> str:
    text = ", ".join(
        f"{key}={value!r}" for key, value in params.items() if key in ("chat_id", "text", "caption", "offset")
    )
    return text[:120]


class EmulatorState:
    """The state of one bot's Telegram; see the module for the parts built on it."""

    def __init__(
        self,
        token: str = "123456:TEST",
        bot_username: str = "health_code_test_bot",
        *,
        bot_first_name: str = "Health Code Test Bot",
        webhook_max_attempts: int = 20,
        webhook_retry_delay: float = 0.25,
        rate_limit: RateLimit | None = None,
    ) -> None:
        self.token = token
        self.bot_user = {
            "id": int(token.split(":", 1)[0]),
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }
        self.webhook_max_attempts = webhook_max_attempts
        self.webhook_retry_delay = webhook_retry_delay
        # Flood limits (429) and arranged faults, checked before a method runs; off unless asked for.
        self.limits = Limits(rate_limit)
        # Seconds each request takes there and back (api.telegram.org is 50-250 ms away from Asia): half
        # before the method runs, half before the answer arrives. 0: a local fake's ~0 ms, which hides
        # how a sender that waits for each answer is held to one message per round trip.
        self.latency = 0.0
        # Requests being answered now, and the most at once: how many a sender keeps in flight.
        self.in_flight = 0
        self.most_in_flight = 0
        # The same per chat: two requests to one chat at once may arrive in either order.
        self.in_flight_to: dict[str, int] = {}
        self.most_in_flight_to_one_chat = 0
        self.base_url = ""
        self.calls: list[RecordedCall] = []
        # {"url", "secret_token"} while a webhook is set, plus the last delivery error if any.
        self.webhook: dict[str, Any] | None = None
        # (scope key, language_code) -> commands; scope key is e.g. "default" or "chat:42".
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        # chat_id (None for the bot's default) -> MenuButton
        self.menu_buttons: dict[int | None, dict[str, Any]] = {}

        self._users: dict[int, FakeUser] = {}
        self._blocked: set[int] = set()
        self._messages: dict[tuple[int, int], dict[str, Any]] = {}  # (chat_id, message_id), in send order
        self._last_message_id: dict[int, int] = {}
        self._reply_keyboards: dict[int, dict[str, Any]] = {}
        self._files: dict[str, StoredFile] = {}
        self._files_by_path: dict[str, StoredFile] = {}
        self._photo_sizes: dict[str, list[str]] = {}  # file_id of any size -> file_ids of all sizes
        self._file_counter = 0
        # An album's media_group_id, as Telegram's: a number in a string, new for each album.
        self._media_groups = itertools.count(13_000_000_000_000_000)
        self._pending: list[dict[str, Any]] = []
        self._last_update_id = 100_000
        self._allowed_updates: frozenset[str] = DEFAULT_UPDATE_TYPES
        self._explicit_allowed_updates: list[str] | None = None
        self._callback_queries: dict[str, bool] = {}  # id -> answered
        self._query_chats: dict[str, int] = {}  # id -> the chat whose button was pressed
        # Called with each change a chat client would show (see `observe`).
        self._observers: list[Callable[[dict[str, Any]], None]] = []
        self._query_counter = 0
        self._poller = 0  # bumped by each getUpdates; an older poll still waiting gets a 409
        # One condition for every change (new call, update queued or confirmed, webhook, shutdown):
        # waiters re-check their own predicate, which keeps the waiting code in one shape.
        self._changed = asyncio.Condition()
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._client: aiohttp.ClientSession | None = None
        self._webhook_task: asyncio.Task[None] | None = None

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def _wait(self, find: Callable[[], _Found | None], timeout: float, what: str, after: int) -> _Found:
        async with self._changed:
            try:
                await asyncio.wait_for(self._changed.wait_for(lambda: find() is not None), timeout)
            except TimeoutError:
                seen = [
                    f"{call.method}({_brief(call.params)}){'' if call.ok else ' -> ' + str(call.error)}"
                    for call in self.calls[after:]
                ]
                raise TimeoutError(f"{what} within {timeout}s; calls since mark {after}: {seen}") from None
            found = find()
        assert found is not None, "found under the lock just now"
        return found

    def _emit(self, event: dict[str, Any]) -> None:
        for observer in list(self._observers):
            try:
                observer(event)
            except Exception:  # noqa: BLE001 - a broken client must not break the bot's request
                log.exception("emulator: an observer failed on %s", event.get("type"))
