"""Use cases of registration. Each commits once, so a declaration and its assessment land together or not at all."""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Assessment as AssessmentRow
from bot.db.repositories.declarations import AssessmentRepository, DeclarationRepository
from bot.domain.answers import Declaration, InvalidDeclaration
from bot.domain.assessment import Assessment, assess
from bot.registration.questions import ALWAYS_ASKED_AGAIN, missing_questions


class IncompleteDeclaration(Exception):
    """Submitted before every question that applies was answered (e.g. a forged or stale button)."""


async def submit_declaration(
    session: AsyncSession, user_id: int, answers: dict[str, Any], now: datetime, zone: tzinfo
) -> AssessmentRow:
    if missing_questions(answers):
        raise IncompleteDeclaration
    declared_on = now.astimezone(zone).date()
    try:
        declaration = Declaration.from_dict({**answers, "declared_on": declared_on.isoformat()})
    except InvalidDeclaration:
        raise IncompleteDeclaration from None
    assessment = assess(declaration)
    stored = await DeclarationRepository(session).add(user_id, declaration.to_dict(), now)
    row = await AssessmentRepository(session).add(_assessment_row(user_id, stored.id, assessment, now))
    await session.commit()
    return row


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


def _assessment_row(user_id: int, declaration_id: int, assessment: Assessment, now: datetime) -> AssessmentRow:
    return AssessmentRow(
        user_id=user_id,
        declaration_id=declaration_id,
        colour=str(assessment.colour),
        reasons=list(assessment.reasons),
        other_reasons=list(assessment.other_reasons),
        period_days=assessment.period_days,
        starts_on=assessment.starts_on,
        ends_on=assessment.ends_on,
        next_step=assessment.next_step,
        clears_by_checkins=assessment.clears_by_checkins,
        rules_version=assessment.rules_version,
        assessed_at=now,
    )


async def has_declared(session: AsyncSession, user_id: int) -> bool:
    return await DeclarationRepository(session).latest(user_id) is not None
