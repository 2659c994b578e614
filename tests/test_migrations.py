"""The migration stairway: every revision upgrades, downgrades and upgrades again, on both backends."""

from __future__ import annotations

import asyncio

from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from bot.db.engine import create_engine
from bot.db.migrate import PROJECT_ROOT, alembic_config, downgrade, upgrade
from bot.db.models import Base


def _revisions(url: str) -> list[str]:
    script = ScriptDirectory.from_config(alembic_config(url))
    return [revision.revision for revision in reversed(list(script.walk_revisions()))]


async def _tables(url: str) -> set[str]:
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as connection:
            return set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))
    finally:
        await engine.dispose()


def test_stairway(database_url: str) -> None:
    revisions = _revisions(database_url)
    assert revisions, "no migrations found"
    downgrade(database_url, "base")
    try:
        previous = "base"
        for revision in revisions:
            upgrade(database_url, revision)
            downgrade(database_url, previous)
            upgrade(database_url, revision)
            previous = revision
    finally:
        upgrade(database_url, "head")


def test_head_matches_the_models(database_url: str) -> None:
    upgrade(database_url, "head")
    tables = asyncio.run(_tables(database_url))
    assert set(Base.metadata.tables) <= tables


def test_migrations_folder_is_where_alembic_looks() -> None:
    assert (PROJECT_ROOT / "migrations" / "env.py").exists()


async def _differences(url: str) -> list:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(sync, opts={"compare_type": True}), Base.metadata
                )
            )
    finally:
        await engine.dispose()


def test_the_migrations_build_exactly_the_models(database_url: str) -> None:
    """A model changed without a migration (or the other way round) fails here, not in production."""
    upgrade(database_url, "head")
    assert asyncio.run(_differences(database_url)) == []
