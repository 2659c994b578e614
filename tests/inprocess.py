"""The bot in this process: the fast tier (`make test-fast`), no bot process, no fork, no real-time waits.

Two ways, both on the dispatcher `bot.app` builds (middlewares, every router, the error handler):

- `harness` (`Harness`): updates fed one at a time with `feed_update`; each step returns the Bot API calls
  it caused. For a step and its answer, forged buttons, a second process's dispatcher (`another_process`).
- `start_bot` (`InProcessBot`): what `python -m bot` runs, in this event loop: `bot.app.prepare` (dispatcher,
  command menu, background jobs) and long polling of the fake Bot API. Tests talk to it through
  `tests.people.Person`, as they would to the process; its clock is the same file (`set_clock`), several
  people and administrators (`admin_ids`) as in a deployment, the background jobs at the process's pace or
  at once (`run_jobs`).

A registered plugin (tests/conftest.py): the fixtures `harness`, `fake` and `start_bot` are found by name in
every folder. tests/e2e overrides `start_bot` with the real process, for what only a process shows (kill and
restart, webhook, two processes, Redis, the command line).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import BaseStorage
from aiogram.fsm.storage.memory import MemoryStorage, SimpleEventIsolation
from aiogram.types import TelegramObject, Update
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.app import create_bot, create_dispatcher, create_storage, prepare
from bot.background import BackgroundJobs
from bot.clock import clock_for
from bot.codes.service import CodeSettings
from bot.config import Settings
from bot.db.engine import create_engine, create_session_factory
from bot.db.models import User
from bot.domain.tokens import key_from_secret
from bot.i18n import create_i18n
from bot.sandbox.emulator import FakeTelegram, FakeUser, RecordedCall
from bot.sandbox.process import TIMEZONE, write_clock
from tests.stories import close_quickly

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
ADMIN = FakeUser(id=1, first_name="Ada", username="ada_admin", language_code="en")
BOT_USERNAME = "health_code_test_bot"
# The code secret of every bot these tests run, in process or not: tokens in tests are signed with it.
CODE_SECRET = "e2e-code-secret-do-not-use-elsewhere"


# ------------------------------------------------------------------ one update at a time


@dataclass
class Harness:
    fake: FakeTelegram
    bot: Bot
    dispatcher: Dispatcher
    sessions: async_sessionmaker[AsyncSession]
    now: list[datetime] = field(default_factory=lambda: [NOW])

    async def add_account(self, user: FakeUser, username: str | None = None, language: str = "en") -> None:
        """A person who agreed to the privacy notice, stored as last seen with `username`."""
        self.fake.add_user(user)
        async with self.sessions.begin() as session:
            session.add(
                User(
                    id=user.id,
                    public_id=user.id * 7919,
                    language=language,
                    privacy_accepted_at=NOW,
                    created_at=NOW,
                    username=username,
                )
            )

    async def send(self, user: FakeUser, text: str) -> list[RecordedCall]:
        """`user` writes `text`; the Bot API calls made while the update was handled."""
        return await self.feed(await self.fake.send_message(user, text))

    async def press(self, user: FakeUser, data: str) -> list[RecordedCall]:
        """`user` presses a button carrying `data` (forged or not) under a message of the bot."""
        sent = await self.bot.send_message(user.id, "…")
        message = {"chat": {"id": user.id}, "message_id": sent.message_id}
        return await self.feed(await self.fake.press_button(user, message, data))

    async def feed(self, update: dict[str, Any]) -> list[RecordedCall]:
        mark = self.fake.mark()
        await self.dispatcher.feed_update(self.bot, Update.model_validate(update, context={"bot": self.bot}))
        return self.fake.calls[mark:]


def texts(calls: list[RecordedCall], method: str = "sendMessage") -> list[str]:
    return [str(call.params.get("text", "")) for call in calls if call.method == method]


# Built once: pydantic-settings reads the environment on every construction (~10 ms of CPU), and the
# dispatchers only read it.
SETTINGS = Settings(admin_ids=frozenset({ADMIN.id}), timezone="Asia/Shanghai", _env_file=None)


def _dispatcher(harness: Harness) -> Dispatcher:
    return create_dispatcher(
        settings=SETTINGS,
        session_factory=harness.sessions,
        storage=MemoryStorage(),
        events_isolation=SimpleEventIsolation(),
        i18n=create_i18n(),
        code_settings=CodeSettings(bot_username=BOT_USERNAME, keys=(key_from_secret("test secret"),)),
        clock=lambda: harness.now[0],
    )


def another_process(harness: Harness) -> Harness:
    """A second bot process on the same database and Bot API: its own dispatcher, caches and memory."""
    other = Harness(harness.fake, harness.bot, Dispatcher(), harness.sessions, harness.now)
    other.dispatcher = _dispatcher(other)
    return other


def fake_bot(fake: FakeTelegram) -> Bot:
    """A Bot talking HTTP to `fake`, with the bot's own defaults (HTML)."""
    return Bot(
        fake.token,
        session=AiohttpSession(api=TelegramAPIServer.from_base(fake.base_url)),
        default=DefaultBotProperties(parse_mode=ParseMode.HTML),
    )


@pytest.fixture
async def harness(session_factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[Harness]:
    async with FakeTelegram() as fake:
        bot = fake_bot(fake)
        fake.add_user(ADMIN)
        running = Harness(fake, bot, Dispatcher(), session_factory)
        running.dispatcher = _dispatcher(running)
        try:
            yield running
        finally:
            await close_quickly(bot)


def logged_errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR]


# ------------------------------------------------------------------ the bot process, in this process


class InProcessBot:
    """What `python -m bot` runs (long polling, background jobs), as tasks of this event loop.

    The same settings a `tests.e2e.harness.BotProcess` gets from its environment, and the same interface
    (`start`, `stop`, `set_clock`, `log`), so a scenario reads the same against either.
    """

    def __init__(
        self,
        fake: FakeTelegram,
        database_url: str,
        data_dir: Path,
        *,
        now: datetime | None = None,
        admin_ids: Collection[int] = (),
        code_secret: str = CODE_SECRET,
    ) -> None:
        self.fake = fake
        # With `now`, the bot's clock is a file the test moves (set_clock), as the process's; without, the real time.
        self.clock_path = data_dir / "clock" if now is not None else None
        if now is not None:
            self.set_clock(now)
        self.settings = Settings(
            _env_file=None,
            bot_token=SecretStr(fake.token),
            telegram_api_url=fake.base_url,
            database_url=database_url,
            data_dir=data_dir,
            code_secret=SecretStr(code_secret),
            timezone=TIMEZONE,
            admin_ids=frozenset(admin_ids),
            clock_file=self.clock_path,
            # Not from this process's environment: one bot on its own database, polling, as BotProcess's.
            redis_url=None,
            webhook_url=None,
            webhook_secret=None,
            metrics_port=None,
        )
        self.mode = "polling"
        self._closing: list[Callable[[], Awaitable[object]]] = []
        self._polling: asyncio.Task[None] | None = None
        self._dispatcher: Dispatcher | None = None
        self._handling: set[asyncio.Task[Any]] = set()
        self.jobs = BackgroundJobs()

    def set_clock(self, now: datetime) -> None:
        assert self.clock_path is not None, "start the bot with now=... to move its clock"
        write_clock(self.clock_path, now)

    async def start(self) -> None:
        settings = self.settings
        engine: AsyncEngine = create_engine(settings.effective_database_url)
        self._closing.append(engine.dispose)
        storage: BaseStorage
        storage, isolation = create_storage(settings)
        self._closing.append(storage.close)
        bot = create_bot(settings)
        self._closing.append(lambda: close_quickly(bot))
        sessions = create_session_factory(engine)
        clock = clock_for(settings.clock_file)
        dispatcher, self.jobs = await prepare(settings, sessions, storage, isolation, bot, create_i18n(), clock)
        dispatcher.update.outer_middleware(self._in_flight)
        await bot.delete_webhook(drop_pending_updates=False)
        mark = self.fake.mark()
        self._dispatcher = dispatcher
        self._polling = asyncio.create_task(
            dispatcher.start_polling(
                bot,
                allowed_updates=dispatcher.resolve_used_update_types(),
                # This is the test runner's process: its signals stay its own, and the session is closed below.
                handle_signals=False,
                close_bot_session=False,
            )
        )
        await self.fake.wait_for_call("getUpdates", after=mark)

    async def _in_flight(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        """Polling hands each update to a task of its own; `stop` waits for those still running, so none is
        cut off by the engine closing under it (a killed process would cut it off: tests/e2e)."""
        task = asyncio.current_task()
        assert task is not None
        self._handling.add(task)
        try:
            return await handler(event, data)
        finally:
            self._handling.discard(task)

    async def run_jobs(self) -> None:
        """Every periodic background step once, now (the daily job, reminders, deadlines, the purge)."""
        await self.jobs.run_each_once()

    @property
    def running(self) -> bool:
        return self._polling is not None and not self._polling.done()

    async def stop(self) -> None:
        """As SIGTERM would: polling ends, the dispatcher's shutdown awaits the jobs, then all is closed."""
        if self._polling is not None and self._dispatcher is not None:
            if not self._polling.done():
                await self._dispatcher.stop_polling()
            await self._polling
            self._polling = None
        await asyncio.gather(*self._handling, return_exceptions=True)
        await self.jobs.stop()
        while self._closing:
            await self._closing.pop()()

    def log(self) -> str:
        return ""  # the bot's log lines are this process's: pytest shows them with a failure


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(token="123456789:E2E-test-token", bot_username=BOT_USERNAME) as server:
        yield server


@pytest.fixture
async def start_bot(
    fake: FakeTelegram, clean_database: str, tmp_path: Path
) -> AsyncIterator[Callable[..., Awaitable[InProcessBot]]]:
    """Starts the bot in this process (`InProcessBot`); every one started is stopped at the end.

    The mode is polling: a webhook is what a process shows (tests/e2e).
    """
    started: list[InProcessBot] = []

    async def start(
        mode: str = "polling", now: datetime | None = None, admin_ids: Collection[int] = ()
    ) -> InProcessBot:
        assert mode == "polling", "the webhook runs in the bot process: tests/e2e"
        running = InProcessBot(fake, clean_database, tmp_path, now=now, admin_ids=admin_ids)
        started.append(running)
        await running.start()
        return running

    yield start
    for running in started:
        await running.stop()
