from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update
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

    async def unlink_person(self, person_id: int) -> int:
        """Keep the entries about or by `person_id` but drop every link to them: the actor and subject ids
        become NULL, and any value naming their id is taken out of `details`. For an erased account: the
        record of what was decided stays, whom it concerned does not. The number of entries changed."""
        linked = or_(AuditEntry.actor_id == person_id, AuditEntry.subject_id == person_id)
        rows = (await self._session.execute(select(AuditEntry.id, AuditEntry.details).where(linked))).all()
        for entry_id, details in rows:
            kept = {key: value for key, value in (details or {}).items() if not _names(value, person_id)}
            if kept != details:
                await self._session.execute(update(AuditEntry).where(AuditEntry.id == entry_id).values(details=kept))
        for column in (AuditEntry.actor_id, AuditEntry.subject_id):
            await self._session.execute(
                update(AuditEntry)
                .where(column == person_id)
                .values({column: None})
                .execution_options(synchronize_session=False)
            )
        return len(rows)


def _names(value: Any, person_id: int) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | str):
        return str(value) == str(person_id)
    if isinstance(value, list):
        return any(_names(item, person_id) for item in value)
    return False
