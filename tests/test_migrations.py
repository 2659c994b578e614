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


async def _execute(url: str, *statements: str) -> list[tuple[object, ...]]:
    from sqlalchemy import text

    engine = create_engine(url, pool_size=1)
    try:
        async with engine.begin() as connection:
            result = None
            for statement in statements:
                result = await connection.execute(text(statement))
            return [tuple(row) for row in result] if result is not None and result.returns_rows else []
    finally:
        await engine.dispose()


def test_overrides_set_before_categories_become_other_keeping_their_text(database_url: str) -> None:
    downgrade(database_url, "0014")
    try:
        asyncio.run(
            _execute(
                database_url,
                "INSERT INTO users (id, public_id, language, privacy_accepted_at, created_at) "
                "VALUES (77, 7777, 'en', '2026-03-01 09:00:00+00', '2026-03-01 09:00:00+00')",
                "INSERT INTO overrides (user_id, colour, reason, starts_on, ends_on, set_by, set_at) "
                "VALUES (77, 'green', 'Released by the CDC', '2026-03-02', NULL, 1, '2026-03-02 09:00:00+00')",
            )
        )
        upgrade(database_url, "0015")
        rows = asyncio.run(_execute(database_url, "SELECT category, reason FROM overrides WHERE user_id = 77"))
        assert rows == [("other", "Released by the CDC")]
    finally:
        asyncio.run(
            _execute(database_url, "DELETE FROM overrides WHERE user_id = 77", "DELETE FROM users WHERE id = 77")
        )
        upgrade(database_url, "head")


def test_members_before_the_numbers_are_numbered_in_each_organization(database_url: str) -> None:
    downgrade(database_url, "0014")
    accepted = "'2026-03-01 09:00:00+00'"
    try:
        asyncio.run(
            _execute(
                database_url,
                "INSERT INTO organizations (id, name_en, name_zh, invite_code, created_by, created_at) VALUES "
                f"(501, 'A', '甲', 'mig-a', 1, {accepted}), (502, 'B', '乙', 'mig-b', 1, {accepted}), "
                f"(503, 'C', '丙', 'mig-c', 1, {accepted})",
                "INSERT INTO users (id, public_id, language, privacy_accepted_at, created_at, organization_id) VALUES "
                f"(93, 9301, 'en', {accepted}, {accepted}, 501), (91, 9101, 'en', {accepted}, {accepted}, 501), "
                f"(92, 9201, 'en', {accepted}, {accepted}, 502), (94, 9401, 'en', {accepted}, {accepted}, NULL)",
            )
        )
        upgrade(database_url, "0015")
        users = asyncio.run(_execute(database_url, "SELECT id, member_number FROM users WHERE id > 90 ORDER BY id"))
        assert users == [(91, 1), (92, 1), (93, 2), (94, None)]
        counters = asyncio.run(
            _execute(database_url, "SELECT id, last_member_number FROM organizations WHERE id > 500 ORDER BY id")
        )
        assert counters == [(501, 2), (502, 1), (503, 0)]
    finally:
        asyncio.run(
            _execute(database_url, "DELETE FROM users WHERE id > 90", "DELETE FROM organizations WHERE id > 500")
        )
        upgrade(database_url, "head")
