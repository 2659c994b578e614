"""The typed helpers the repositories use for what SQLAlchemy's stubs type loosely."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Table, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import Notice, Organization
from bot.db.repositories.rows import affected, table_of

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)


async def test_affected_counts_the_rows_a_statement_changed(session_factory: async_sessionmaker[AsyncSession]) -> None:
    async with session_factory() as session:
        session.add_all(
            Organization(name_en=f"Org {n}", name_zh=f"机构{n}", invite_code=f"rows-{n}", created_by=1, created_at=NOW)
            for n in range(3)
        )
        await session.flush()
        organizations = table_of(Organization)
        renamed = await session.execute(
            update(organizations).where(organizations.c.invite_code != "rows-0").values(name_en="Renamed")
        )
        assert affected(renamed) == 2
        assert affected(await session.execute(delete(Notice).where(Notice.id < 0))) == 0
        await session.rollback()


async def test_affected_refuses_a_result_without_a_row_count(session_factory: async_sessionmaker[AsyncSession]) -> None:
    # Rows already fetched (a frozen result, as a cache keeps) have no row count; asking is a repository's mistake.
    async with session_factory() as session:
        result = await session.execute(select(Organization.id).limit(1))
        with pytest.raises(TypeError, match="DML"):
            affected(result.freeze()())


def test_table_of_a_model_is_its_table() -> None:
    assert isinstance(table_of(Notice), Table) and table_of(Notice).name == "notices"
