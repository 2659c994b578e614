"""A person's own daily check-in reminder: their choice, and claiming the people due for one, a batch at a time.

Each claim is one statement per batch: the batch is selected in id order after `after` (a keyset, so a
run never reads a row twice), through a partial index, and marked for the day by the same UPDATE that
returns it. On PostgreSQL the batch's rows are locked (rows another process holds are skipped: it has
them), and the UPDATE re-checks the day, so each person is claimed once a day per kind however many
processes look; SQLite runs one writer at a time. The caller stores the notices in the same
transaction, so a claim never outlives a crash without its notice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta
from enum import StrEnum

from sqlalchemy import (
    ARRAY,
    BigInteger,
    ColumnElement,
    Select,
    any_,
    cast,
    func,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, aliased

from bot.db.models import NOT_GREEN, REMIND_ON, Assessment, User
from bot.db.repositories.rows import affected


class RemindChoice(StrEnum):
    ON = "on"
    OFF = "off"


@dataclass(frozen=True, slots=True)
class ReminderSetting:
    """What a person chose (None: nothing, the default), at what time, and their colour (None: no code yet)."""

    choice: RemindChoice | None
    at: time | None
    colour: str | None


@dataclass(frozen=True, slots=True)
class Due:
    user_id: int
    language: str


class ReminderRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def setting(self, user_id: int) -> ReminderSetting | None:
        row = (
            await self._session.execute(
                select(User.remind_choice, User.remind_at, User.colour).where(User.id == user_id)
            )
        ).first()
        if row is None:
            return None
        choice = RemindChoice(row[0]) if row[0] in tuple(RemindChoice) else None
        return ReminderSetting(choice, row[1], row[2])

    async def choose(
        self, user_id: int, choice: RemindChoice | None, at: time | None, reminded_on: date | None = None
    ) -> bool:
        """Store their choice (and, given, count today as reminded); False when they have no account (anymore)."""
        values: dict[str, object] = {"remind_choice": choice.value if choice else None, "remind_at": at}
        if reminded_on is not None:
            values["reminded_on"] = reminded_on
        result = await self._session.execute(
            update(User).where(User.id == user_id).values(values).execution_options(synchronize_session=False)
        )
        return affected(result) == 1

    async def claim_by_default(self, today: date, after: int, limit: int) -> list[Due]:
        """The next people reminded by default (no choice made, not green) not checked in or reminded today."""
        person = aliased(User)
        due = select(person.id).where(
            literal_column(NOT_GREEN), person.remind_choice.is_(None), *_to_remind(person, today), person.id > after
        )
        return await self._claim(due.order_by(person.id).limit(limit), person, User.reminded_on, today)

    async def claim_chosen(self, today: date, now: time, after: int, limit: int) -> list[Due]:
        """The next people whose own reminder time (`remind_at`) has come today, whatever their colour."""
        person = aliased(User)
        due = select(person.id).where(
            literal_column(REMIND_ON),
            person.remind_at <= now,
            person.colour.is_not(None),
            *_to_remind(person, today),
            person.id > after,
        )
        return await self._claim(due.order_by(person.id).limit(limit), person, User.reminded_on, today)

    async def claim_warnings(self, today: date, after: int, limit: int) -> list[Due]:
        """The next people counting days toward green who checked in yesterday but not today, not warned today.

        "Counting" is read from their latest colour change (clears by check-ins: a confirmed case's
        count is not restarted by a missed day): one lookup by key on (user_id, id) per row, inside
        the statement, never a query per person.
        """
        person = aliased(User)
        latest = (
            select(Assessment.clears_by_checkins)
            .where(Assessment.user_id == person.id)
            .order_by(Assessment.id.desc())
            .limit(1)
            .scalar_subquery()
        )
        due = select(person.id).where(
            literal_column(NOT_GREEN),
            or_(person.remind_choice.is_(None), person.remind_choice != RemindChoice.OFF.value),
            person.last_checkin_on == today - timedelta(days=1),
            person.unreachable_since.is_(None),
            or_(person.warned_on.is_(None), person.warned_on < today),
            latest.is_(True),
            person.id > after,
        )
        return await self._claim(due.order_by(person.id).limit(limit), person, User.warned_on, today)

    async def _claim(
        self, due: Select[int], person: type[User], day_column: InstrumentedAttribute[date | None], today: date
    ) -> list[Due]:
        if self._session.get_bind().dialect.name == "postgresql":
            # As UserRepository._claim: "= ANY(ARRAY(...))" takes the batch once, then finds its rows by key.
            batch = due.with_for_update(of=person, skip_locked=True).subquery()
            ids = cast(select(func.array_agg(batch.c[0])).scalar_subquery(), ARRAY(BigInteger))
            taken = User.id == any_(ids)
        else:
            taken = User.id.in_(due.scalar_subquery())
        result = await self._session.execute(
            update(User)
            .where(taken, or_(day_column.is_(None), day_column < today))
            .values({day_column.key: today})
            .returning(User.id, User.language)
            .execution_options(synchronize_session=False)
        )
        return sorted((Due(user_id, language) for user_id, language in result), key=lambda due: due.user_id)

    async def count(self, who: ColumnElement[bool]) -> int:
        return int(await self._session.scalar(select(func.count()).select_from(User).where(who)) or 0)

    async def count_as_reminded(self, who: ColumnElement[bool], today: date) -> int:
        """Mark everyone matching `who` (a condition on users) as reminded today, in one statement: their own
        reminder later that day then finds them taken. How many rows changed."""
        result = await self._session.execute(
            update(User)
            .where(who, not_reminded_on(User, today))
            .values(reminded_on=today)
            .execution_options(synchronize_session=False)
        )
        return affected(result) or 0


def not_reminded_on(person: type[User], today: date) -> ColumnElement[bool]:
    """No check-in reminder of any kind yet today: their own, or their organization's daily one."""
    return or_(person.reminded_on.is_(None), person.reminded_on < today)


def _to_remind(person: type[User], today: date) -> tuple[ColumnElement[bool], ...]:
    """Not checked in today, not reminded today, not known to have blocked the bot."""
    return (
        or_(person.last_checkin_on.is_(None), person.last_checkin_on < today),
        not_reminded_on(person, today),
        person.unreachable_since.is_(None),
    )
