"""Engine and session factories. Nothing connects until a factory is called."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from bot.data_files import create_private_file, make_private_folder, sqlite_path


def create_engine(url: str, *, pool_size: int | None = None) -> AsyncEngine:
    """An engine whose pool never opens connections beyond `pool_size`.

    Overflow connections are opened and closed under load; on PostgreSQL each costs a handshake,
    which dominated the cost of an update in bench/bench_dispatch.py. Waiting for a pooled
    connection is cheaper.
    """
    sqlite = url.startswith("sqlite")
    if pool_size is None:
        # SQLite has one writer: more connections only busy-wait on its lock (docs/performance.md).
        pool_size = 2 if sqlite else 10
    options: dict[str, Any] = {
        "hide_parameters": True,  # parameters are personal data: keep them out of errors and logs
        "pool_size": pool_size,
        "max_overflow": 0,
        # Sessions and connections here always end their transaction (commit, or rollback on close),
        # so the pool's own rollback on check-in was a second, empty round trip per update.
        "pool_reset_on_return": None,
    }
    if sqlite:
        _ensure_sqlite_folder(url)
        options["connect_args"] = {"timeout": 15}
    else:
        options["pool_recycle"] = 1800
    engine = create_async_engine(url, **options)
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


_AUTOCOMMIT = {"isolation_level": "AUTOCOMMIT"}


async def one_statement_at_a_time(session: AsyncSession) -> bool:
    """Until its next commit, each statement of `session` runs on its own, without BEGIN and COMMIT.

    Only for a use case of one statement: a read, or a single write (atomic by itself). On PostgreSQL
    BEGIN and COMMIT are a round trip each, two of the three of an unchanged /code (bench_dispatch).
    SQLite begins no transaction for a SELECT anyway, and switching its mode costs two trips to the
    driver's thread, so there nothing changes. Must come before the session's first statement: once
    a transaction is open it is left as it is. True when the session was switched: a use case that then
    needs a transaction after all commits first (which ends the switch).
    """
    if not session.in_transaction() and session.get_bind().dialect.name == "postgresql":
        await session.connection(execution_options=_AUTOCOMMIT)
        return True
    return False


async def one_statement_connection(connection: AsyncConnection) -> AsyncConnection:
    """`one_statement_at_a_time` for a bare connection, before its first statement."""
    if connection.dialect.name == "postgresql":
        return await connection.execution_options(**_AUTOCOMMIT)
    return connection


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL with synchronous=NORMAL doubles throughput (docs/performance.md) and stays crash-safe for commits.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.close()


def _ensure_sqlite_folder(url: str) -> None:
    database = sqlite_path(url)
    if database is not None:
        # Made here, owner-only, before SQLite would create it world-readable: it holds names, ID numbers,
        # phones and health answers, and SQLite gives its -wal and -shm files the database file's mode.
        make_private_folder(database.parent)
        create_private_file(database)


def create_storage_engine(url: str) -> AsyncEngine:
    """The conversation-state store's own small engine (see bot/fsm/storage.py for why it is separate)."""
    return create_engine(url, pool_size=1 if url.startswith("sqlite") else 4)
