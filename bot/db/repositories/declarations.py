from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Declaration, User

DISPLAY_NAME_LENGTH = 100


def name_key(display_name: str | None) -> str | None:
    """Where a name sorts in HR's lists: case aside, and nowhere (last) when blank.

    lower() rather than casefold(): migration 0011 fills the key with SQL's lower(), and both must agree.
    """
    key = (display_name or "").strip().lower()[:DISPLAY_NAME_LENGTH]
    return key or None


class DeclarationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, user_id: int, answers: dict[str, Any], declared_at: datetime) -> Declaration:
        declaration = Declaration(user_id=user_id, answers=answers, declared_at=declared_at)
        self._session.add(declaration)
        await self._session.flush()
        # HR's pages sort and show members by name: kept on the person's row, the latest declaration's.
        name = answers.get("full_name")
        display_name = name[:DISPLAY_NAME_LENGTH] if isinstance(name, str) else None
        await self._session.execute(
            update(User).where(User.id == user_id).values(display_name=display_name, name_key=name_key(display_name))
        )
        return declaration

    async def for_users(self, user_ids: Collection[int]) -> Sequence[Row[int, dict[str, Any], datetime]]:
        """(user_id, answers, declared_at) of these people's declarations, by person, oldest first."""
        statement = (
            select(Declaration.user_id, Declaration.answers, Declaration.declared_at)
            .where(Declaration.user_id.in_(user_ids))
            .order_by(Declaration.user_id, Declaration.id)
        )
        return (await self._session.execute(statement)).all()

    async def latest(self, user_id: int) -> Declaration | None:
        statement = select(Declaration).where(Declaration.user_id == user_id).order_by(Declaration.id.desc()).limit(1)
        return await self._session.scalar(statement)
