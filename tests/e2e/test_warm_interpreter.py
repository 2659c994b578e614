"""The warm interpreter the end-to-end tests start their bots from: each child is its own `python -m bot`.

If it mixed up environments, logs or exit codes, every end-to-end test would test something else.
"""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import pytest

from bot.sandbox.emulator import FakeTelegram
from tests.e2e.harness import ROOT, BotProcess, ForkedChild, WarmInterpreter

pytestmark = pytest.mark.e2e


@pytest.fixture
def warm() -> WarmInterpreter:
    if WarmInterpreter.current is None:
        pytest.skip("E2E_COLD_START=1: the bots start cold")
    return WarmInterpreter.current


def _environment(tmp_path: Path, **settings: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in {"BOT_TOKEN", "ADMIN_IDS", "TIMEZONE"}}
    return env | {"DATA_DIR": str(tmp_path), "BOT_TOKEN": "123:abc"} | settings


async def test_each_child_has_its_own_settings_log_and_exit_code(warm: WarmInterpreter, tmp_path: Path) -> None:
    wrong, right = tmp_path / "wrong.log", tmp_path / "migrated.log"
    failing = await warm.spawn(["run"], _environment(tmp_path, ADMIN_IDS="12,abc"), ROOT, wrong)
    database = tmp_path / "db.sqlite3"
    migrating = await warm.spawn(
        ["migrate"], _environment(tmp_path, DATABASE_URL=f"sqlite+aiosqlite:///{database}"), ROOT, right
    )

    assert await asyncio.wait_for(failing.wait(), 30) == 2
    assert await asyncio.wait_for(migrating.wait(), 30) == 0
    assert "ADMIN_IDS" in wrong.read_text() and "ADMIN_IDS" not in right.read_text()
    assert database.exists() and failing.pid != migrating.pid != os.getpid()


@pytest.mark.parametrize(("signum", "exit_code"), [(signal.SIGTERM, 0), (signal.SIGKILL, -signal.SIGKILL)])
async def test_a_signal_ends_a_child_as_it_would_a_cold_one(
    warm: WarmInterpreter, fake: FakeTelegram, tmp_path: Path, signum: int, exit_code: int
) -> None:
    bot = BotProcess(fake, f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}", tmp_path)
    await bot.start()  # it has asked the emulator for updates: running
    assert isinstance(bot.process, ForkedChild) and bot.process.returncode is None
    bot.process.send_signal(signum)
    assert await asyncio.wait_for(bot.process.wait(), 15) == exit_code
