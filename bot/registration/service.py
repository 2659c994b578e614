"""Use cases of registration. Each commits once, so a declaration and its status land together or not at all."""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Declaration as DeclarationRow
from bot.db.repositories.checkins import CheckInRepository
from bot.db.repositories.codes import CodeRepository
from bot.db.repositories.declarations import DeclarationRepository
from bot.domain.answers import Declaration, InvalidDeclaration
from bot.registration.questions import ALWAYS_ASKED_AGAIN, missing_questions
from bot.status.service import Reassessed, local_day, reassess


class IncompleteDeclaration(Exception):
    """Submitted before every question that applies was answered (e.g. a forged or stale button)."""


async def submit_declaration(
    session: AsyncSession, user_id: int, answers: dict[str, Any], now: datetime, zone: tzinfo
) -> Reassessed:
    """Store a declaration, which is also the day's check-in, and the status it leads to, in one commit."""
    stored = await add_declaration(session, user_id, answers, now, zone)
    result = await reassess(session, user_id, now, zone, cause="declaration", declaration_id=stored.id)
    await CodeRepository(session).forget(user_id)
    await session.commit()
    return result


async def add_declaration(
    session: AsyncSession, user_id: int, answers: dict[str, Any], now: datetime, zone: tzinfo
) -> DeclarationRow:
    """A checked declaration and its day's check-in, not committed; raises IncompleteDeclaration."""
    if missing_questions(answers):
        raise IncompleteDeclaration
    declared_on = local_day(now, zone)
    try:
        declaration = Declaration.from_dict({**answers, "declared_on": declared_on.isoformat()})
    except InvalidDeclaration:
        raise IncompleteDeclaration from None
    stored = await DeclarationRepository(session).add(user_id, declaration.to_dict(), now)
    await CheckInRepository(session).record(
        user_id,
        declared_on,
        declaration.temperature_c,
        sorted(str(symptom) for symptom in declaration.symptoms),
        stored.id,
        now,
    )
    return stored


async def answers_for_update(session: AsyncSession, user_id: int, today: date) -> dict[str, Any]:
    """The last declaration's answers, less those that must be given fresh each time or have gone stale."""
    latest = await DeclarationRepository(session).latest(user_id)
    if latest is None:
        return {}
    answers = dict(latest.answers)
    answers.pop("declared_on", None)
    for key in ALWAYS_ASKED_AGAIN:
        answers.pop(key, None)
    arrival = answers.get("arrival_date")
    if arrival is not None and date.fromisoformat(arrival) <= today:
        # The planned arrival has come: whether they are in Ningbo now must be asked again.
        answers.pop("in_ningbo", None)
        answers.pop("arrival_date", None)
    return answers


async def has_declared(session: AsyncSession, user_id: int) -> bool:
    return await DeclarationRepository(session).latest(user_id) is not None
