"""The bot process's shutdown (bot/app.py `run`), in-process against the fake Telegram: every background
job has ended before the database engine is disposed."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiogram import Dispatcher
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncEngine

import bot
from bot import app
from bot.broadcast.sender import Sender
from bot.config import Settings
from bot.sandbox.emulator import FakeTelegram

BOT_PACKAGE = Path(bot.__file__).parent
SENDER = {"run_sender", "Sender.run"}  # the task before this runner, and with it


def bot_tasks() -> list[str]:
    """The bot's own tasks still running (not the emulator's, not aiogram's, not the caller)."""
    found = []
    for task in asyncio.all_tasks():
        code = getattr(task.get_coro(), "cr_code", None)
        if task is asyncio.current_task() or task.done() or code is None:
            continue
        source = Path(code.co_filename)
        if source.is_relative_to(BOT_PACKAGE) and not source.is_relative_to(BOT_PACKAGE / "sandbox"):
            found.append(code.co_qualname)
    return found


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(token="123456789:shutdown-test-token", bot_username="health_code_test_bot") as server:
        yield server


@pytest.fixture
async def signals_restored() -> AsyncIterator[None]:
    """`app.run` polls with aiogram's signal handling, whose SIGINT and SIGTERM handlers stay on this loop
    after polling ends: left there, Ctrl+C (or a CI timeout's SIGTERM) no longer stops the test run."""
    yield
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.remove_signal_handler(signum)


async def test_on_shutdown_the_engine_is_disposed_only_after_every_background_job_ended(
    signals_restored: None,
    fake: FakeTelegram,
    clean_database: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    events: list[str] = []
    running_at_dispose: list[str] = []
    dispatchers: list[Dispatcher] = []
    engines: list[AsyncEngine] = []

    create_dispatcher, create_engine = app.create_dispatcher, app.create_engine

    def capture_dispatcher(**kwargs: Any) -> Dispatcher:
        dispatchers.append(create_dispatcher(**kwargs))
        return dispatchers[-1]

    def capture_engine(url: str) -> AsyncEngine:
        engines.append(create_engine(url))
        return engines[-1]

    dispose = AsyncEngine.dispose

    async def recorded_dispose(self: AsyncEngine, close: bool = True) -> None:
        if self in engines:
            events.append("engine disposed")
            running_at_dispose.extend(bot_tasks())
        await dispose(self, close)

    async def slow_release(self: Sender) -> None:
        # Giving the claim up on a clean stop takes a database round trip or two: make it take long enough
        # that a shutdown which does not wait for it disposes the engine first.
        await asyncio.sleep(0.3)
        events.append("sender released its claim")

    monkeypatch.setattr(app, "create_dispatcher", capture_dispatcher)
    monkeypatch.setattr(app, "create_engine", capture_engine)
    monkeypatch.setattr(AsyncEngine, "dispose", recorded_dispose)
    monkeypatch.setattr(Sender, "_release_quietly", slow_release)
    settings = Settings(
        bot_token=SecretStr(fake.token),
        telegram_api_url=fake.base_url,
        database_url=clean_database,
        data_dir=tmp_path,
        code_secret=SecretStr("shutdown-test-secret"),
        redis_url=None,
        webhook_url=None,
    )
    caplog.set_level(logging.INFO, logger="bot")
    running = asyncio.create_task(app.run(settings))
    async with asyncio.timeout(20):
        while not SENDER & set(bot_tasks()):
            assert not running.done(), "the bot stopped by itself"
            await asyncio.sleep(0.01)
        # Every periodic job takes its first step at start-up (the daily job, on an empty database).
        while not any(record.getMessage().startswith("daily: ") for record in caplog.records):
            await asyncio.sleep(0.01)
        await dispatchers[0].stop_polling()
        await running

    assert events == ["sender released its claim", "engine disposed"]
    assert running_at_dispose == []
    assert [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR] == []
