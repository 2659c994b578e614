"""One simulated person in their private chat with the bot, and the reads a test makes around them.

Talks to the fake Bot API only, so the same scenario runs against the bot in this process (tests/inprocess.py)
or against the real bot process (tests/e2e/harness.py).
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select

from bot.db.engine import create_engine
from bot.sandbox.emulator import FakeTelegram, FakeUser

BOT_METHODS_WITH_MESSAGES = {"sendMessage", "sendPhoto", "sendDocument", "editMessageText", "editMessageCaption"}


async def count_rows(database_url: str, model: Any) -> int:
    """Rows of a table, read the way an auditor would: from the database, not through the bot."""
    engine = create_engine(database_url, pool_size=1)
    try:
        async with engine.connect() as connection:
            return await connection.scalar(select(func.count()).select_from(model))
    finally:
        await engine.dispose()


async def wait_until(condition: Callable[[], object], what: str, timeout: float = 10) -> None:
    """Until `condition()` (or what it returns, when awaitable) is truthy; polls, since it may read a database."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def message_text(message: dict[str, Any]) -> str:
    return message.get("text") or message.get("caption") or ""


def inline_buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    markup = message.get("reply_markup") or {}
    return [button for row in markup.get("inline_keyboard", []) for button in row]


class Person:
    """One simulated user in their private chat with the bot."""

    def __init__(self, fake: FakeTelegram, user: FakeUser) -> None:
        self.fake = fake
        self.user = user
        self._seen = 0
        self._last_query: tuple[int, str | None] = (-1, None)  # (_seen when pressed, callback query id)

    def bot_messages(self, after: int = 0) -> list[tuple[int, dict[str, Any]]]:
        found = []
        for index, call in enumerate(self.fake.calls[after:], start=after):
            if call.method in BOT_METHODS_WITH_MESSAGES and isinstance(call.result, dict):
                chat = call.result.get("chat") or {}
                if chat.get("id") == self.user.id:
                    found.append((index, call.result))
        return found

    async def expect(self, contains: str | Callable[[dict[str, Any]], bool], timeout: float = 15) -> dict[str, Any]:
        """The first bot message to this person, after the last thing they did, that matches."""
        predicate = contains if callable(contains) else (lambda message: contains in message_text(message))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for _index, message in self.bot_messages(self._seen):
                if predicate(message):
                    return message
            await asyncio.sleep(0.02)
        said = [message_text(message)[:120] for _index, message in self.bot_messages(self._seen)]
        raise AssertionError(f"no bot message matching {contains!r}; the bot said: {said}")

    async def say(self, text: str, expect: str | None = None) -> dict[str, Any] | None:
        self._seen = self.fake.mark()
        await self.fake.send_message(self.user, text)
        return await self.expect(expect) if expect else None

    async def send_sticker(self, expect: str) -> dict[str, Any]:
        self._seen = self.fake.mark()
        await self.fake.send_sticker(self.user)
        return await self.expect(expect)

    async def send_photo(self, png: bytes, expect: str) -> dict[str, Any]:
        self._seen = self.fake.mark()
        await self.fake.send_photo(self.user, png)
        return await self.expect(expect)

    async def share_contact(self, phone: str, owner_id: int | None, expect: str) -> dict[str, Any]:
        self._seen = self.fake.mark()
        await self.fake.send_contact(self.user, phone, owner_id)
        return await self.expect(expect)

    def last_message_with_buttons(self) -> dict[str, Any]:
        """The newest message that shows buttons now, as the chat shows it after edits and deletions.

        The messages as first sent would still offer a question's buttons after the bot replaced them with the
        chosen answer, and pressing one would race the next question (a flaky "earlier message" answer).
        """
        message = self._newest_with_buttons()
        if message is None:
            raise AssertionError("no message with buttons")
        return message

    def _newest_with_buttons(self) -> dict[str, Any] | None:
        return next((m for m in reversed(self.fake.chat_history(self.user)) if inline_buttons(m)), None)

    async def press(
        self, label: str, expect: str | None = None, message: dict[str, Any] | None = None
    ) -> dict[str, Any] | None:
        """Press the button whose label contains `label` on `message` (default: the newest message with buttons).

        Without `message`, waits a moment for such a button: the next question may not have arrived yet.
        """
        deadline = time.monotonic() + 10
        while message is None:
            newest = self._newest_with_buttons()
            if newest is not None and (self._buttons(newest, label) or time.monotonic() > deadline):
                message = newest
            elif time.monotonic() > deadline:
                raise AssertionError("no message with buttons")
            else:
                await asyncio.sleep(0.02)
        buttons = self._buttons(message, label)
        assert buttons, f"no button {label!r} in {[button['text'] for button in inline_buttons(message)]}"
        self._seen = self.fake.mark()
        update = await self.fake.press_button(self.user, message, buttons[0]["callback_data"])
        self._last_query = (self._seen, str(update["callback_query"]["id"]))
        return await self.expect(expect) if expect else None

    @staticmethod
    def _buttons(message: dict[str, Any], label: str) -> list[dict[str, Any]]:
        return [button for button in inline_buttons(message) if label in button["text"]]

    async def callback_answer(self, timeout: float = 10) -> dict[str, Any]:
        """The bot's answer to the last press (the one before may be answered after this press began).

        After a press made through `fake.press_button` directly (the test set `_seen` itself), the first
        answer since then.
        """
        mark, query_id = self._last_query
        if mark != self._seen:
            query_id = None
        call = await self.fake.wait_for_call(
            "answerCallbackQuery",
            lambda call: query_id is None or str(call.params.get("callback_query_id")) == query_id,
            timeout=timeout,
            after=self._seen,
        )
        return call.params
