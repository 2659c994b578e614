"""Typed access to what SQLAlchemy's stubs type more loosely than what a mapping here gives."""

from __future__ import annotations

from typing import Any

from sqlalchemy import CursorResult, Result, Table

from bot.db.models import Base


def affected(result: Result[*tuple[Any, ...]]) -> int:
    """How many rows an UPDATE, DELETE or INSERT touched.

    `AsyncSession.execute` is typed to return a plain `Result` whatever it runs, though a DML statement
    always gives a `CursorResult`, the only kind with a `rowcount`: narrowed here once, not cast at each call.
    """
    if not isinstance(result, CursorResult):
        raise TypeError(f"a row count needs a DML statement's result, not {type(result).__name__}")
    return result.rowcount


def table_of(model: type[Base]) -> Table:
    """The model's Table, for Core statements: declarative typing says only `FromClause`, as a model may be
    mapped to a join or a select; every model here is mapped to a table."""
    table = model.__table__
    if not isinstance(table, Table):
        raise TypeError(f"{model.__name__} is not mapped to a table")
    return table
