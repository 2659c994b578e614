"""Shared fixtures. Every test that touches the database runs twice: on SQLite and on PostgreSQL.

`TEST_DATABASES=sqlite` (comma-separated backends) narrows that to the ones named: `make test-fast` runs on
SQLite only. The full suite, `make test`, leaves it unset and runs on both.
"""

from __future__ import annotations

# Fixtures of stories that several test folders tell (people, their days, a Bot on the fake API), and the
# bot in this process (`harness`, `fake`, `start_bot`: tests/inprocess.py).
pytest_plugins = ["tests.stories", "tests.inprocess"]

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from hypothesis import settings
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.db.engine import create_engine, create_session_factory
from bot.db.migrate import upgrade
from bot.db.models import Base

# `make test-fast` (HYPOTHESIS_PROFILE=fast) tries fewer examples of each property; the whole suite, the default.
settings.register_profile("fast", max_examples=25)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
ALL_BACKENDS = ("sqlite", "postgresql")


def _backends() -> list[object]:
    """The backends of this run, each marked with its name so `-m "not postgresql"` deselects it too."""
    named = os.environ.get("TEST_DATABASES", ",".join(ALL_BACKENDS))
    chosen = [name.strip() for name in named.split(",") if name.strip()]
    unknown = sorted(set(chosen) - set(ALL_BACKENDS))
    if unknown or not chosen:
        raise pytest.UsageError(f"TEST_DATABASES={named!r}: name some of {', '.join(ALL_BACKENDS)}")
    return [pytest.param(name, marks=getattr(pytest.mark, name)) for name in ALL_BACKENDS if name in chosen]


BACKENDS = _backends()


def _reset_postgres(url: str) -> None:
    """Start from an empty schema, so a run never depends on what an earlier one left."""

    async def drop() -> None:
        engine = create_engine(url, pool_size=1)
        try:
            async with engine.begin() as connection:
                await connection.execute(text("DROP SCHEMA public CASCADE"))
                await connection.execute(text("CREATE SCHEMA public"))
        finally:
            await engine.dispose()

    asyncio.run(drop())


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated, empty database of each backend, made once per test session."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('sqlite') / 'test.sqlite3'}"
    else:
        url = POSTGRES_URL
        try:
            _reset_postgres(url)
        except OSError as error:
            pytest.fail(f"PostgreSQL at {url} is not reachable ({error}); start it or set TEST_POSTGRES_URL")
    upgrade(url)
    yield url


async def _truncate(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            await connection.execute(table.delete())


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    await _truncate(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_session_factory(engine)


@pytest.fixture
async def clean_database(database_url: str) -> str:
    """For tests that hand the URL to another process: the tables emptied first."""
    engine = create_engine(database_url)
    try:
        await _truncate(engine)
    finally:
        await engine.dispose()
    return database_url


@pytest.fixture(scope="session")
def project_root() -> Path:
    return Path(__file__).resolve().parents[1]
