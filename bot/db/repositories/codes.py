from __future__ import annotations

import functools

from sqlalchemy import Select, bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Assessment, Code, User
from bot.db.repositories.upsert import dialect_insert


class CodeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def current(self, user_id: int) -> tuple[Assessment, Code | None, bool] | None:
        """The user's latest assessment with their current code, and whether they manage family members, in one
        query: "show my code" is the hot path, and a second round trip for the family cost it a third."""
        row = (await self._session.execute(_current_statement(), {"user_id": user_id})).first()
        return (row[0], row[1], bool(row[2])) if row is not None else None

    async def replace(self, code: Code) -> None:
        """Make `code` the user's current one in one atomic statement, so two renewals cannot interleave."""
        values = {column.key: getattr(code, column.key) for column in Code.__table__.columns}
        statement = dialect_insert(self._session, Code).values(**values)
        statement = statement.on_conflict_do_update(
            index_elements=[Code.user_id],
            set_={key: statement.excluded[key] for key in values if key != "user_id"},
        )
        await self._session.execute(statement)

    async def forget(self, user_id: int) -> None:
        """Drop the current code, so the next one shown is renewed (after a check-in or a new declaration)."""
        await self._session.execute(delete(Code).where(Code.user_id == user_id))

    async def remember_file_id(self, user_id: int, token: str, file_id: str, image_key: str) -> None:
        # Only for the image it belongs to: a renewal that happened meanwhile must not get an old picture.
        await self._session.execute(
            update(Code)
            .where(Code.user_id == user_id, Code.token == token)
            .values(file_id=file_id, image_key=image_key)
        )


@functools.cache
def _current_statement() -> Select[Assessment, Code, bool]:
    # Built once: constructing the statement cost as much as running it.
    has_family = select(User.id).where(User.managed_by == bindparam("user_id")).exists()
    return (
        select(Assessment, Code, has_family)
        .outerjoin(Code, Code.user_id == Assessment.user_id)
        .where(Assessment.user_id == bindparam("user_id"))
        .order_by(Assessment.id.desc())
        .limit(1)
    )
