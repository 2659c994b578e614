from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import User
from bot.db.repositories.upsert import dialect_insert


class UserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, user_id: int) -> User | None:
        return await self._session.get(User, user_id)

    async def add_if_missing(
        self, user_id: int, public_id: int, language: str, now: datetime, username: str | None = None
    ) -> None:
        statement = (
            dialect_insert(self._session, User)
            .values(
                id=user_id,
                public_id=public_id,
                language=language,
                privacy_accepted_at=now,
                created_at=now,
                username=username.lower() if username else None,
            )
            .on_conflict_do_nothing(index_elements=[User.id])
        )
        await self._session.execute(statement)

    async def claim_daily_evaluation(self, user_id: int, day: date) -> bool:
        """Take this person's re-evaluation for `day`; False when it was taken already (by another run or process).

        On PostgreSQL the update locks the row, so a second process waits and then finds it taken.
        """
        result = await self._session.execute(
            update(User)
            .where(User.id == user_id, or_(User.status_evaluated_on.is_(None), User.status_evaluated_on < day))
            .values(status_evaluated_on=day)
        )
        return result.rowcount == 1

    async def set_username(self, user_id: int, username: str | None) -> None:
        await self._session.execute(update(User).where(User.id == user_id).values(username=username))

    async def id_for_username(self, username: str) -> int | None:
        """The account with this @username (any case, with or without "@"), if someone by it used the bot."""
        name = username.removeprefix("@").lower()
        return await self._session.scalar(select(User.id).where(User.username == name).limit(1))

    async def set_language(self, user_id: int, language: str) -> None:
        await self._session.execute(update(User).where(User.id == user_id).values(language=language))
