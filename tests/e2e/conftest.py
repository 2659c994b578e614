from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Collection, Mapping
from datetime import datetime
from pathlib import Path

import pytest

from bot.sandbox.emulator import FakeTelegram
from tests.e2e.harness import BotProcess

BOT_USERNAME = "health_code_test_bot"


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(token="123456789:E2E-test-token", bot_username=BOT_USERNAME) as server:
        yield server


@pytest.fixture
async def start_bot(
    fake: FakeTelegram, clean_database: str, tmp_path: Path
) -> AsyncIterator[Callable[..., BotProcess]]:
    """Starts the bot process; every process started is stopped at the end, and its log shown on failure."""
    started: list[BotProcess] = []

    async def start(
        mode: str = "polling",
        now: datetime | None = None,
        admin_ids: Collection[int] = (),
        *,
        extra_env: Mapping[str, str] | None = None,
    ) -> BotProcess:
        process = BotProcess(
            fake, clean_database, tmp_path, mode=mode, now=now, admin_ids=admin_ids, extra_env=extra_env
        )
        await process.start()
        started.append(process)
        return process

    yield start
    for process in started:
        await process.stop()
        print(f"--- bot log ({process.mode}) ---\n{process.log()[-6000:]}")
