from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Code
from bot.db.repositories.upsert import dialect_insert


class CodeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, user_id: int) -> Code | None:
        return await self._session.get(Code, user_id, populate_existing=True)

    async def replace(self, code: Code) -> None:
        """Make `code` the user's current one in one atomic statement, so two renewals cannot interleave."""
        values = {column.key: getattr(code, column.key) for column in Code.__table__.columns}
        statement = dialect_insert(self._session, Code).values(**values)
        statement = statement.on_conflict_do_update(
            index_elements=[Code.user_id],
            set_={key: statement.excluded[key] for key in values if key != "user_id"},
        )
        await self._session.execute(statement)

    async def remember_file_id(self, user_id: int, token: str, file_id: str) -> None:
        # Only for the image it belongs to: a renewal that happened meanwhile must not get an old picture.
        await self._session.execute(
            update(Code).where(Code.user_id == user_id, Code.token == token).values(file_id=file_id)
        )
