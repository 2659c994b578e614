"""The checkpoint log, and what a verification card reads about a code's holder."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Assessment, CheckIn, Code, Declaration, User, Verification
from bot.db.repositories.rows import affected, table_of


@dataclass(frozen=True, slots=True)
class HolderRow:
    """What a card needs of a code's holder, read in one query (a gate checks many codes a minute).

    Of the declaration only the name and the ID number are read: nothing of symptoms, travel or address.
    """

    user_id: int
    # The latest status row; None when there is none (nothing to verify).
    assessment_id: int | None
    colour: str | None
    # The code the person shows now, if any.
    code_assessment_id: int | None
    code_token: str | None
    code_colour: str | None
    code_issued_at: datetime | None
    full_name: Any  # stored JSON values, unchecked
    id_number: Any
    last_checkin: date | None
    # A family member's code (bot.family): shown from the phone of the account managing them. Who that is
    # is never read here.
    is_member: bool = False


class VerificationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, verification: Verification) -> Verification:
        """Stores the check and returns it with its id: one INSERT ... RETURNING, without the unit of work's
        bookkeeping (a gate checks many codes a minute; nothing reads the row through the session after)."""
        values = {column.key: getattr(verification, column.key) for column in _WRITTEN}
        verification.id = await self._session.scalar(_INSERT, values)
        return verification

    async def get(self, verification_id: int) -> Verification | None:
        return await self._session.get(Verification, verification_id)

    async def record_temperature(self, verification_id: int, temperature_c: float, at: datetime) -> bool:
        """Store a checkpoint temperature once; False when one was recorded already (a second press)."""
        result = await self._session.execute(
            update(Verification)
            .where(Verification.id == verification_id, Verification.temperature_c.is_(None))
            .values(temperature_c=temperature_c, temperature_at=at)
        )
        return affected(result) == 1

    async def change_temperature(
        self, verification_id: int, was_c: float, temperature_c: float, at: datetime, recorded_since: datetime
    ) -> bool:
        """Correct a recorded temperature; False when it is no longer `was_c` or was recorded before
        `recorded_since` (another press, or the window closed, between the read and this write)."""
        result = await self._session.execute(
            update(Verification)
            .where(
                Verification.id == verification_id,
                Verification.temperature_c == was_c,
                Verification.temperature_at >= recorded_since,
            )
            .values(temperature_c=temperature_c, temperature_at=at)
        )
        return affected(result) == 1

    async def staff_day(self, staff_id: int, since: datetime) -> tuple[str | None, int]:
        """A staff member's language (None without an account) and how many codes they checked from `since` on:
        the scanner's answer needs both after each check, so they are one statement (one round trip)."""
        language = select(User.language).where(User.id == staff_id).scalar_subquery()
        checked = (
            select(func.count())
            .select_from(Verification)
            .where(Verification.staff_id == staff_id, Verification.at >= since)
            .scalar_subquery()
        )
        row = (await self._session.execute(select(language, checked))).one()
        return row[0], int(row[1] or 0)

    async def holder(self, public_id: int) -> HolderRow | None:
        """The person a code names, by the random id it carries; None once they deleted their data."""
        row = (await self._session.execute(_holder_statement(), {"public_id": public_id})).first()
        return HolderRow(*row) if row is not None else None

    async def colour_at(self, user_id: int, moment: datetime) -> str | None:
        """The person's colour as of `moment` (what a code image made then showed)."""
        statement = (
            select(Assessment.colour)
            .where(Assessment.user_id == user_id, Assessment.assessed_at <= moment)
            .order_by(Assessment.assessed_at.desc(), Assessment.id.desc())
            .limit(1)
        )
        return await self._session.scalar(statement)


_WRITTEN = [column for column in table_of(Verification).columns if column.key != "id"]
_INSERT = insert(table_of(Verification)).returning(table_of(Verification).c.id)


@functools.cache
def _holder_statement() -> Select[Any]:
    # Built once: constructing a statement this size costs as much as running it.
    latest_assessment = (
        select(func.max(Assessment.id)).where(Assessment.user_id == User.id).correlate(User).scalar_subquery()
    )
    latest_declaration = (
        select(Declaration.id)
        .where(Declaration.user_id == User.id)
        .order_by(Declaration.id.desc())
        .limit(1)
        .correlate(User)
        .scalar_subquery()
    )
    last_checkin = select(func.max(CheckIn.day)).where(CheckIn.user_id == User.id).correlate(User).scalar_subquery()
    return (
        select(
            User.id,
            Assessment.id,
            Assessment.colour,
            Code.assessment_id,
            Code.token,
            Code.colour,
            Code.issued_at,
            Declaration.answers["full_name"],
            Declaration.answers["id_number"],
            last_checkin,
            User.managed_by.is_not(None),
        )
        .select_from(User)
        .outerjoin(Assessment, Assessment.id == latest_assessment)
        .outerjoin(Code, Code.user_id == User.id)
        .outerjoin(Declaration, Declaration.id == latest_declaration)
        .where(User.public_id == bindparam("public_id"))
    )
