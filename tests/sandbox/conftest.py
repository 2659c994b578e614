"""The whole sandbox (emulator, real bot process, chat page) started as `python -m bot sandbox` starts it,
on each test database backend."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from bot.db.engine import create_engine
from bot.db.models import Base
from bot.sandbox.runner import Sandbox

LOG_TAIL = 6000


@asynccontextmanager
async def running_sandbox(data_dir: Path, database_url: str) -> AsyncIterator[Sandbox]:
    # Port 0: tests run side by side with a sandbox someone has open on the default port.
    async with Sandbox(data_dir, port=0, database_url=database_url) as started:
        try:
            yield started
        finally:
            print_bot_log(started)


def print_bot_log(sandbox: Sandbox) -> None:
    # pytest shows a test's output only when it fails, so this is the bot's side of a failure.
    if sandbox.bot is not None:
        print(f"--- bot log (tail) ---\n{sandbox.bot.log()[-LOG_TAIL:]}")


@pytest.fixture
async def sandbox(clean_database: str, tmp_path: Path) -> AsyncIterator[Sandbox]:
    """A fresh sandbox for one test: its own people's chats, organization and clock."""
    async with running_sandbox(tmp_path / "sandbox", clean_database) as started:
        yield started


@pytest.fixture(scope="module")
async def _module_sandbox(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Sandbox]:
    # Starting the bot process takes seconds; tests that each keep to their own person can share one.
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            for table in reversed(Base.metadata.sorted_tables):
                await connection.execute(table.delete())
    finally:
        await engine.dispose()
    async with Sandbox(tmp_path_factory.mktemp("sandbox") / "sandbox", port=0, database_url=database_url) as started:
        yield started


@pytest.fixture
def shared_sandbox(_module_sandbox: Sandbox) -> Iterator[Sandbox]:
    """One sandbox for every test of a module: a test must act only as people no other test of the module
    acts as, and judge the rest by what changed while it ran."""
    yield _module_sandbox
    print_bot_log(_module_sandbox)
