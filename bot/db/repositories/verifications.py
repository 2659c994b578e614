"""The checkpoint log, and what a verification card reads about a code's holder."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, bindparam, exists, func, insert, literal, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Assessment, CheckIn, Code, Declaration, Role, User, Verification
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


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """What a check needs to know before anything is written: may the sender verify, do they have a status
    of their own (what a refusal tells them), and the holder the code names (None when nobody has that id).
    With a `since`, also the sender's language and how many codes they checked from then on (the scanner's
    answer shows both), so the scanner's check needs no third statement."""

    staff: bool
    sender_has_status: bool
    holder: HolderRow | None
    sender_language: str | None = None
    checked_since: int = 0


_HOLDER_COLUMNS = len(HolderRow.__slots__)


class VerificationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(
        self,
        *,
        at: datetime,
        staff_id: int,
        holder_id: int | None,
        token_issued_at: datetime | None,
        valid: bool,
        reason: str,
        colour: str | None,
    ) -> int:
        """Stores a check and returns its id: one INSERT ... RETURNING, without a mapped object or the unit of
        work's bookkeeping (a gate checks many codes a minute; nothing reads the row through the session)."""
        values = {
            "at": at,
            "staff_id": staff_id,
            "holder_id": holder_id,
            "token_issued_at": token_issued_at,
            "valid": valid,
            "reason": reason,
            "colour": colour,
        }
        verification_id = await self._session.scalar(_INSERT, values)
        assert verification_id is not None  # RETURNING of a row just inserted
        return int(verification_id)

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

    async def checkpoint(
        self, sender_id: int, role: str, public_id: int | None, since: datetime | None = None
    ) -> Checkpoint:
        """The sender's `role` and whether they have a status, with the holder of `public_id` (None: no code was
        readable), and with a `since` the sender's day (see Checkpoint), in one statement: one round trip per
        scan where a check used four (a gate at full speed is bound by them, bench/bench_webapp.py). The role
        is read afresh each time: a revocation counts at once."""
        parameters = {"sender_id": sender_id, "role": role, "public_id": public_id, "since": since}
        row = (await self._session.execute(_checkpoint_statement(since is not None), parameters)).one()
        holder = HolderRow(*row[2 : 2 + _HOLDER_COLUMNS]) if row[2] is not None else None
        if since is None:
            return Checkpoint(bool(row[0]), bool(row[1]), holder)
        language, checked = row[2 + _HOLDER_COLUMNS :]
        return Checkpoint(bool(row[0]), bool(row[1]), holder, language, int(checked or 0))

    async def colour_at(self, user_id: int, moment: datetime) -> str | None:
        """The person's colour as of `moment` (what a code image made then showed)."""
        statement = (
            select(Assessment.colour)
            .where(Assessment.user_id == user_id, Assessment.assessed_at <= moment)
            .order_by(Assessment.assessed_at.desc(), Assessment.id.desc())
            .limit(1)
        )
        return await self._session.scalar(statement)


_INSERT = insert(table_of(Verification)).returning(table_of(Verification).c.id)


def _holder_statement() -> Select[Any]:
    # Core tables, not the mapped classes: an ORM-enabled select costs its per-execution set-up on every scan.
    users, assessments, codes = table_of(User), table_of(Assessment), table_of(Code)
    declarations, checkins = table_of(Declaration), table_of(CheckIn)
    latest_assessment = (
        select(func.max(assessments.c.id)).where(assessments.c.user_id == users.c.id).correlate(users).scalar_subquery()
    )
    latest_declaration = (
        select(declarations.c.id)
        .where(declarations.c.user_id == users.c.id)
        .order_by(declarations.c.id.desc())
        .limit(1)
        .correlate(users)
        .scalar_subquery()
    )
    last_checkin = (
        select(func.max(checkins.c.day)).where(checkins.c.user_id == users.c.id).correlate(users).scalar_subquery()
    )
    # Labelled: the statement is a subquery of the checkpoint's, where names must be unique.
    return (
        select(
            users.c.id.label("user_id"),
            assessments.c.id.label("assessment_id"),
            assessments.c.colour.label("colour"),
            codes.c.assessment_id.label("code_assessment_id"),
            codes.c.token.label("code_token"),
            codes.c.colour.label("code_colour"),
            codes.c.issued_at.label("code_issued_at"),
            declarations.c.answers["full_name"].label("full_name"),
            declarations.c.answers["id_number"].label("id_number"),
            last_checkin.label("last_checkin"),
            users.c.managed_by.is_not(None).label("is_member"),
        )
        .select_from(users)
        .outerjoin(assessments, assessments.c.id == latest_assessment)
        .outerjoin(codes, codes.c.user_id == users.c.id)
        .outerjoin(declarations, declarations.c.id == latest_declaration)
        .where(users.c.public_id == bindparam("public_id"))
    )


@functools.cache
def _checkpoint_statement(with_day: bool) -> Select[Any]:
    # Built once (constructing a statement this size costs as much as running it), from Core tables: an
    # ORM-enabled select pays its per-execution set-up on every scan.
    roles, assessments, users, verifications = (
        table_of(Role),
        table_of(Assessment),
        table_of(User),
        table_of(Verification),
    )
    staff = exists().where(roles.c.user_id == bindparam("sender_id"), roles.c.role == bindparam("role"))
    has_status = exists().where(assessments.c.user_id == bindparam("sender_id"))
    holder = _holder_statement().subquery("holder")
    # One row whether or not the code names anyone: the holder's columns are joined on to a row of one.
    one = select(literal(1).label("one")).subquery("one")
    statement = select(staff, has_status, *holder.c).select_from(one.outerjoin(holder, true()))
    if not with_day:
        return statement
    language = select(users.c.language).where(users.c.id == bindparam("sender_id")).scalar_subquery()
    checked = (
        select(func.count())
        .select_from(verifications)
        .where(verifications.c.staff_id == bindparam("sender_id"), verifications.c.at >= bindparam("since"))
        .scalar_subquery()
    )
    return statement.add_columns(language, checked)
