"""Everything stored about one user, read for /mydata and deleted for /delete."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import (
    Appeal,
    Assessment,
    BroadcastRecipient,
    CheckIn,
    Code,
    Declaration,
    Notice,
    Override,
    User,
    Verification,
)
from bot.db.repositories.rows import affected


class ForeignKeysOff(RuntimeError):
    """SQLite is not enforcing foreign keys, so deleting a user would leave their rows behind."""


class PersonalDataRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def user(self, user_id: int) -> User | None:
        return await self._session.scalar(select(User).where(User.id == user_id))

    async def lock_user(self, user_id: int) -> bool:
        """Hold the user's row until the transaction ends; True when there is one.

        On PostgreSQL (SELECT ... FOR UPDATE) an override being added for them waits, and one added just
        before is committed and seen by the next read: what is checked before a deletion is what holds
        when it happens. SQLite has no row locks (its writers take turns over the whole database).
        """
        statement = select(User.id).where(User.id == user_id).with_for_update()
        return await self._session.scalar(statement) is not None

    async def declarations(self, user_id: int) -> Sequence[Declaration]:
        statement = select(Declaration).where(Declaration.user_id == user_id).order_by(Declaration.id)
        return (await self._session.scalars(statement)).all()

    async def checkins(self, user_id: int) -> Sequence[CheckIn]:
        statement = select(CheckIn).where(CheckIn.user_id == user_id).order_by(CheckIn.day, CheckIn.id)
        return (await self._session.scalars(statement)).all()

    async def assessments(self, user_id: int) -> Sequence[Assessment]:
        statement = select(Assessment).where(Assessment.user_id == user_id).order_by(Assessment.id)
        return (await self._session.scalars(statement)).all()

    async def overrides(self, user_id: int) -> Sequence[Override]:
        statement = select(Override).where(Override.user_id == user_id).order_by(Override.id)
        return (await self._session.scalars(statement)).all()

    async def appeals(self, user_id: int) -> Sequence[Appeal]:
        statement = select(Appeal).where(Appeal.user_id == user_id).order_by(Appeal.id)
        return (await self._session.scalars(statement)).all()

    async def checks(self, user_id: int) -> Sequence[Verification]:
        """The checkpoint log's rows about this person (the staff member who checked is not theirs to see)."""
        statement = select(Verification).where(Verification.holder_id == user_id).order_by(Verification.id)
        return (await self._session.scalars(statement)).all()

    async def code(self, user_id: int) -> Code | None:
        return await self._session.scalar(select(Code).where(Code.user_id == user_id))

    async def members(self, user_id: int) -> Sequence[User]:
        """The family members this account manages (through the index on managed_by)."""
        statement = select(User).where(User.managed_by == user_id).order_by(User.created_at, User.name_key, User.id)
        return (await self._session.scalars(statement)).all()

    async def delete_user(self, user_id: int) -> bool:
        """Delete the user's row and their reminder rows; their declarations, check-ins, assessments and code
        go with it (ON DELETE CASCADE).

        True when there was a row. On SQLite the cascade only happens with `PRAGMA foreign_keys=ON`
        (set on every connection by bot.db.engine); without it this refuses rather than leave orphans.
        """
        await self._require_foreign_keys()
        # Messages still waiting for them: a chat id, not a foreign key (staff are told before they have an account).
        await self._session.execute(delete(Notice).where(Notice.user_id == user_id))
        # Who was sent which reminder: no foreign key cascades there (migration 0012); through the user_id index.
        await self._session.execute(
            delete(BroadcastRecipient)
            .where(
                or_(
                    BroadcastRecipient.user_id == user_id,
                    # Their family members' too: the members themselves go by the cascade on managed_by.
                    BroadcastRecipient.user_id.in_(select(User.id).where(User.managed_by == user_id)),
                )
            )
            .execution_options(synchronize_session=False)
        )
        result = await self._session.execute(
            delete(User).where(User.id == user_id).execution_options(synchronize_session=False)
        )
        return bool(affected(result))

    async def _require_foreign_keys(self) -> None:
        if self._session.get_bind().dialect.name != "sqlite":
            return
        if not await self._session.scalar(text("PRAGMA foreign_keys")):
            raise ForeignKeysOff("SQLite foreign keys are off: a deleted user's rows would stay")
