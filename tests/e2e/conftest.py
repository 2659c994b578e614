from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Callable, Collection, Iterator, Mapping
from datetime import datetime
from pathlib import Path

import pytest

from bot.sandbox.emulator import FakeTelegram
from tests.e2e.harness import BotProcess, WarmInterpreter


@pytest.fixture
async def start_bot(
    fake: FakeTelegram, clean_database: str, tmp_path: Path
) -> AsyncIterator[Callable[..., BotProcess]]:
    """Starts the bot process; every process started is stopped at the end, and its log shown on failure.

    It overrides the in-process `start_bot` of tests/inprocess.py here: what only a process shows."""
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


@pytest.fixture(scope="session", autouse=True)
def warm_interpreter() -> Iterator[None]:
    """Bot processes forked from one interpreter that imported the bot (see tests/e2e/warm_interpreter.py).

    E2E_COLD_START=1 starts each one as a fresh `python -m bot` instead.
    """
    if os.environ.get("E2E_COLD_START") == "1":
        yield
        return
    # A short folder: a Unix socket's path has a limit of about 100 bytes.
    folder = Path(tempfile.mkdtemp(prefix="warm-"))
    interpreter = WarmInterpreter(folder / "socket")
    interpreter.start()
    WarmInterpreter.current = interpreter
    try:
        yield
    finally:
        WarmInterpreter.current = None
        interpreter.stop()
        shutil.rmtree(folder, ignore_errors=True)
