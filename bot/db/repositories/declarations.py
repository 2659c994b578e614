from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Assessment, Declaration


class DeclarationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, user_id: int, answers: dict[str, Any], declared_at: datetime) -> Declaration:
        declaration = Declaration(user_id=user_id, answers=answers, declared_at=declared_at)
        self._session.add(declaration)
        await self._session.flush()
        return declaration

    async def delete_declared_before(self, cutoff: datetime) -> int:
        result = await self._session.execute(delete(Declaration).where(Declaration.declared_at < cutoff))
        return result.rowcount or 0

    async def latest(self, user_id: int) -> Declaration | None:
        statement = select(Declaration).where(Declaration.user_id == user_id).order_by(Declaration.id.desc()).limit(1)
        return await self._session.scalar(statement)


class AssessmentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, assessment: Assessment) -> Assessment:
        self._session.add(assessment)
        await self._session.flush()
        return assessment

    async def current(self, user_id: int) -> Assessment | None:
        statement = select(Assessment).where(Assessment.user_id == user_id).order_by(Assessment.id.desc()).limit(1)
        return await self._session.scalar(statement)
