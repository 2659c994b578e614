from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import ARRAY, BigInteger, ColumnElement, Select, any_, cast, func, literal_column, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.db.models import NOT_GREEN, Override, User
from bot.db.repositories.rows import affected
from bot.db.repositories.upsert import dialect_insert


class UserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, user_id: int) -> User | None:
        return await self._session.get(User, user_id)

    async def id_for_public_id(self, public_id: int) -> int | None:
        """Whose code carries `public_id` (a unique column): None once they deleted their data."""
        return await self._session.scalar(select(User.id).where(User.public_id == public_id))

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

    async def claim_not_green(self, day: date, after: int, limit: int) -> list[int]:
        """Take the next people (by id, after `after`) not green and not yet re-evaluated on `day`: only the days
        can change their colour. Their ids, ascending; fewer than `limit` when none is left.

        One statement claims the whole batch. On PostgreSQL it skips rows another process holds (it has
        them) and locks those it takes, so each person is claimed once however many processes run;
        SQLite runs one writer at a time.
        """
        person = aliased(User)
        due = select(person.id).where(literal_column(NOT_GREEN), _not_evaluated_on(person, day), person.id > after)
        return await self._claim(due.order_by(person.id).limit(limit), person, day)

    async def claim_override_ended(self, day: date, after: int, limit: int) -> list[int]:
        """Take the next people whose override ended by `day` and who were not re-evaluated since: the rules
        take over again, whatever colour it held. As claim_not_green."""
        # Driven by the overrides (few), each person's day looked up by key: never a walk over everyone. No
        # row lock here (no join to lock through): the UPDATE's own re-check claims each person once.
        evaluated_on = select(User.status_evaluated_on).where(User.id == Override.user_id).scalar_subquery()
        due = (
            select(Override.user_id)
            .where(
                Override.ends_on.is_not(None),
                Override.ends_on <= day,
                or_(evaluated_on.is_(None), evaluated_on < Override.ends_on),
                Override.user_id > after,
            )
            .order_by(Override.user_id)
            .limit(limit)
        )
        return await self._claim(due, None, day)

    async def _claim(self, due: Select[int], person: type[User] | None, day: date) -> list[int]:
        if self._session.get_bind().dialect.name == "postgresql":
            # "= ANY(ARRAY(...))": the batch is taken once, then its rows found by key. With "IN (...)" the
            # planner may hash the batch and scan every person to update 500 of them.
            batch = (due if person is None else due.with_for_update(of=person, skip_locked=True)).subquery()
            ids = cast(select(func.array_agg(batch.c[0])).scalar_subquery(), ARRAY(BigInteger))
            taken = User.id == any_(ids)
        else:
            taken = User.id.in_(due.scalar_subquery())
        result = await self._session.execute(
            update(User)
            .where(taken, _not_evaluated_on(User, day))
            .values(status_evaluated_on=day)
            .returning(User.id)
            .execution_options(synchronize_session=False)
        )
        return sorted(result.scalars())

    async def count_by_colour(self) -> dict[str | None, int]:
        """Everyone by colour (None: no code yet): one pass over all people, for /metrics' cached gauge."""
        statement = select(User.colour, func.count()).group_by(User.colour)
        return {colour: count for colour, count in (await self._session.execute(statement)).all()}

    async def languages(self, user_ids: Iterable[int]) -> dict[int, str]:
        """The stored language of each of these people who has an account (one query for all)."""
        ids = set(user_ids)
        if not ids:
            return {}
        rows = await self._session.execute(select(User.id, User.language).where(User.id.in_(ids)))
        return {user_id: language for user_id, language in rows}

    async def display_name(self, user_id: int) -> str | None:
        """The name of their latest declaration, kept on their row."""
        return await self._session.scalar(select(User.display_name).where(User.id == user_id))

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
        return affected(result) == 1

    async def data_requested_at(self, user_id: int) -> datetime | None:
        return await self._session.scalar(select(User.data_requested_at).where(User.id == user_id))

    async def set_language(self, user_id: int, language: str) -> None:
        await self._session.execute(update(User).where(User.id == user_id).values(language=language))


def _not_evaluated_on(person: type[User], day: date) -> ColumnElement[bool]:
    return or_(person.status_evaluated_on.is_(None), person.status_evaluated_on < day)
