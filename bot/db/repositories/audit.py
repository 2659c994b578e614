from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import AuditEntry


class AuditRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(
        self,
        at: datetime,
        actor_id: int | None,
        action: str,
        subject_id: int | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        self._session.add(
            AuditEntry(at=at, actor_id=actor_id, action=action, subject_id=subject_id, details=details or {})
        )
        await self._session.flush()

    async def latest(self, limit: int = 50) -> list[AuditEntry]:
        return list(await self._session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)))

    async def of_action(self, action: str, limit: int = 50) -> list[AuditEntry]:
        """The newest entries of one kind ("grant", "revoke", "denied"...), newest first."""
        statement = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id.desc()).limit(limit)
        return list(await self._session.scalars(statement))
