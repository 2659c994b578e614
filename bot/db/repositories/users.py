from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import User
from bot.db.repositories.upsert import dialect_insert


class UserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, user_id: int) -> User | None:
        return await self._session.get(User, user_id)

    async def add_if_missing(self, user_id: int, public_id: int, language: str, now: datetime) -> None:
        statement = (
            dialect_insert(self._session, User)
            .values(id=user_id, public_id=public_id, language=language, privacy_accepted_at=now, created_at=now)
            .on_conflict_do_nothing(index_elements=[User.id])
        )
        await self._session.execute(statement)

    async def set_language(self, user_id: int, language: str) -> None:
        await self._session.execute(update(User).where(User.id == user_id).values(language=language))
