"""Every foreign key is indexed on its referencing side, in the migrated database of each backend.

Deleting (or updating) a referenced row runs its ON DELETE action on the referencing table; without an
index that is a scan of the whole table per deleted row: the retention purge took hours at 100,000
people (issue 11).
"""

from __future__ import annotations

import asyncio

from sqlalchemy import inspect

from bot.db.engine import create_engine
from bot.db.migrate import upgrade
from bot.db.models import Base


def _leading_columns(url: str) -> tuple[dict[str, list[tuple[str, ...]]], list[tuple[str, tuple[str, ...], str]]]:
    async def read() -> tuple[dict[str, list[tuple[str, ...]]], list[tuple[str, tuple[str, ...], str]]]:
        engine = create_engine(url, pool_size=1)
        try:
            async with engine.connect() as connection:
                return await connection.run_sync(_inspect)
        finally:
            await engine.dispose()

    return asyncio.run(read())


def _inspect(sync) -> tuple[dict[str, list[tuple[str, ...]]], list[tuple[str, tuple[str, ...], str]]]:
    inspector = inspect(sync)
    indexed: dict[str, list[tuple[str, ...]]] = {}
    foreign_keys = []
    for table in Base.metadata.tables:
        keys = [tuple(inspector.get_pk_constraint(table)["constrained_columns"])]
        keys += [tuple(index["column_names"]) for index in inspector.get_indexes(table)]
        keys += [tuple(unique["column_names"]) for unique in inspector.get_unique_constraints(table)]
        indexed[table] = keys
        foreign_keys += [
            (table, tuple(key["constrained_columns"]), key["referred_table"])
            for key in inspector.get_foreign_keys(table)
        ]
    return indexed, foreign_keys


def test_every_foreign_key_has_an_index_that_starts_with_its_columns(database_url: str) -> None:
    upgrade(database_url, "head")
    indexed, foreign_keys = _leading_columns(database_url)
    assert foreign_keys, "no foreign keys found: the inspection is broken"
    unindexed = [
        f"{table}.{','.join(columns)} -> {referred}"
        for table, columns, referred in foreign_keys
        if not any(key[: len(columns)] == columns for key in indexed[table])
    ]
    assert unindexed == []
