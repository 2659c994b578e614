"""One person's declarations, check-ins, status changes and checkpoint checks, for /history: one query per table.

Retention keeps about 60 days (RETENTION_DAYS), so a person has at most a few hundred rows in all:
they are loaded whole and paged in Python, which is simpler than keyset paging across three tables.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Assessment, CheckIn, Declaration, Verification


@dataclass(frozen=True, slots=True)
class DeclarationDigest:
    """A declaration without its personal answers: only what the history shows of it.

    `temperature_c` and `symptoms` are the stored JSON values, unchecked (they are checked when shown).
    """

    id: int
    declared_at: datetime
    temperature_c: Any
    symptoms: Any


class HistoryRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def declarations(self, user_id: int) -> list[DeclarationDigest]:
        """Oldest first. Name, ID number, phone and address stay in the database: the history never shows them."""
        rows = await self._session.execute(_declarations_statement(), {"user_id": user_id})
        return [DeclarationDigest(*row) for row in rows]

    async def checkins(self, user_id: int) -> list[CheckIn]:
        """Oldest first."""
        statement = select(CheckIn).where(CheckIn.user_id == user_id).order_by(CheckIn.id)
        return list(await self._session.scalars(statement))

    async def assessments(self, user_id: int) -> list[Assessment]:
        """Oldest first: each row is a change of status, so the one before it is what it changed from."""
        statement = select(Assessment).where(Assessment.user_id == user_id).order_by(Assessment.id)
        return list(await self._session.scalars(statement))

    async def checkpoint_checks(self, user_id: int) -> list[Verification]:
        """Oldest first: the person's code checked at checkpoints (the staff member is not shown)."""
        statement = select(Verification).where(Verification.holder_id == user_id).order_by(Verification.id)
        return list(await self._session.scalars(statement))


@functools.cache
def _declarations_statement() -> Select[int, datetime, Any, Any]:
    return (
        select(
            Declaration.id,
            Declaration.declared_at,
            Declaration.answers["temperature_c"],
            Declaration.answers["symptoms"],
        )
        .where(Declaration.user_id == bindparam("user_id"))
        .order_by(Declaration.id)
    )
