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
        if username:
            await self._release_username(username.lower(), user_id)
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
        """Store the @username this account was just seen with; any other account that held it loses it."""
        if username:
            await self._release_username(username, user_id)
        await self._session.execute(update(User).where(User.id == user_id).values(username=username))

    async def _release_username(self, username: str, user_id: int) -> None:
        # Telegram gives a name to one account at a time, so another row holding it is out of date.
        await self._session.execute(
            update(User).where(User.username == username, User.id != user_id).values(username=None)
        )

    async def ids_for_username(self, username: str) -> list[int]:
        """The accounts stored with this @username (any case, with or without "@"): at most one normally.

        Two are read so that a second holder (which the unique index forbids) is seen, never guessed between.
        """
        name = username.removeprefix("@").lower()
        return list(await self._session.scalars(select(User.id).where(User.username == name).limit(2)))

    async def claim_data_export(self, user_id: int, now: datetime, since: datetime) -> bool:
        """Mark a /mydata export as built now, unless one was built after `since`; False then (or no account).

        One conditional UPDATE, so two requests at once (in two processes, say) cannot both pass.
        """
        result = await self._session.execute(
            update(User)
            .where(User.id == user_id, or_(User.data_requested_at.is_(None), User.data_requested_at <= since))
            .values(data_requested_at=now)
        )
        return result.rowcount == 1

    async def data_requested_at(self, user_id: int) -> datetime | None:
        return await self._session.scalar(select(User.data_requested_at).where(User.id == user_id))

    async def set_language(self, user_id: int, language: str) -> None:
        await self._session.execute(update(User).where(User.id == user_id).values(language=language))
