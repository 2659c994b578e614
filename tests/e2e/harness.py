"""Runs the real bot process (`python -m bot`) against the fake Bot API, and talks to it as a person would."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import time
from collections.abc import Callable, Collection
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bot.db.engine import create_engine
from tests.fake_telegram import FakeTelegram, FakeUser

ROOT = Path(__file__).resolve().parents[2]
CODE_SECRET = "e2e-code-secret-do-not-use-elsewhere"
WEBHOOK_SECRET = "e2e_webhook_secret"
BOT_METHODS_WITH_MESSAGES = {"sendMessage", "sendPhoto", "sendDocument", "editMessageText", "editMessageCaption"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class BotProcess:
    def __init__(
        self,
        fake: FakeTelegram,
        database_url: str,
        data_dir: Path,
        mode: str = "polling",
        now: datetime | None = None,
        admin_ids: Collection[int] = (),
    ) -> None:
        self.fake = fake
        self.admin_ids = tuple(admin_ids)
        # With `now`, the bot's clock is a file the test moves (set_clock); without, the real time.
        self.clock_path = data_dir / "clock" if now is not None else None
        if now is not None:
            self.set_clock(now)
        self.database_url = database_url
        self.data_dir = data_dir
        self.mode = mode
        self.webhook_port = free_port() if mode == "webhook" else None
        self.process: asyncio.subprocess.Process | None = None
        self.log_path = data_dir / "bot.log"

    def set_clock(self, now: datetime) -> None:
        assert self.clock_path is not None, "start the bot with now=... to move its clock"
        assert now.tzinfo is not None
        self.clock_path.write_text(now.isoformat(), encoding="utf-8")

    @property
    def webhook_base(self) -> str:
        return f"http://127.0.0.1:{self.webhook_port}"

    def environment(self) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith(("WEBHOOK_", "REDIS_"))}
        env.update(
            BOT_TOKEN=self.fake.token,
            TELEGRAM_API_URL=self.fake.base_url,
            DATABASE_URL=self.database_url,
            DATA_DIR=str(self.data_dir),
            CODE_SECRET=CODE_SECRET,
            TIMEZONE="Asia/Shanghai",
            LOG_LEVEL="INFO",
            PYTHONUNBUFFERED="1",
        )
        env.pop("CLOCK_FILE", None)
        env["ADMIN_IDS"] = ",".join(str(admin_id) for admin_id in self.admin_ids)
        if self.clock_path is not None:
            env["CLOCK_FILE"] = str(self.clock_path)
        if self.mode == "webhook":
            env.update(
                WEBHOOK_URL=f"{self.webhook_base}/telegram",
                WEBHOOK_SECRET=WEBHOOK_SECRET,
                WEBHOOK_HOST="127.0.0.1",
                WEBHOOK_PORT=str(self.webhook_port),
            )
        return env

    async def start(self, timeout: float = 30) -> None:
        mark = self.fake.mark()
        log = open(self.log_path, "ab")  # noqa: SIM115 - closed with the process
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", cwd=ROOT, env=self.environment(), stdout=log, stderr=log
        )
        log.close()
        ready_method = "setWebhook" if self.mode == "webhook" else "getUpdates"
        try:
            await self.fake.wait_for_call(ready_method, timeout=timeout, after=mark)
        except TimeoutError:
            raise AssertionError(f"bot did not start; its log:\n{self.log()}") from None

    async def stop(self) -> None:
        await self._end(signal.SIGTERM)

    async def kill(self) -> None:
        """As a crash or an OOM kill would: no chance to clean up."""
        await self._end(signal.SIGKILL)

    async def _end(self, signum: int) -> None:
        if self.process is None or self.process.returncode is not None:
            return
        self.process.send_signal(signum)
        try:
            await asyncio.wait_for(self.process.wait(), 15)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


async def count_rows(database_url: str, model: Any) -> int:
    """Rows of a table, read the way an auditor would: from the database, not through the bot."""
    engine = create_engine(database_url, pool_size=1)
    try:
        async with engine.connect() as connection:
            return await connection.scalar(select(func.count()).select_from(model))
    finally:
        await engine.dispose()


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
        for _index, message in reversed(self.bot_messages()):
            if inline_buttons(message):
                return message
        raise AssertionError("no message with buttons")

    async def press(
        self, label: str, expect: str | None = None, message: dict[str, Any] | None = None
    ) -> dict[str, Any] | None:
        """Press the button whose label contains `label` on `message` (default: the newest message with buttons)."""
        message = message or self.last_message_with_buttons()
        buttons = [button for button in inline_buttons(message) if label in button["text"]]
        assert buttons, f"no button {label!r} in {[button['text'] for button in inline_buttons(message)]}"
        self._seen = self.fake.mark()
        await self.fake.press_button(self.user, message, buttons[0]["callback_data"])
        return await self.expect(expect) if expect else None

    async def callback_answer(self, timeout: float = 10) -> dict[str, Any]:
        call = await self.fake.wait_for_call("answerCallbackQuery", timeout=timeout, after=self._seen)
        return call.params
