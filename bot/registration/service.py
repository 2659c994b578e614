"""Use cases of registration. Each commits once, so a declaration and its status land together or not at all."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Declaration as DeclarationRow
from bot.db.repositories.checkins import CheckInRepository
from bot.db.repositories.codes import CodeRepository
from bot.db.repositories.declarations import DeclarationRepository
from bot.domain.answers import Declaration, InvalidDeclaration
from bot.domain.status import Report, day_report_after
from bot.registration.questions import ALWAYS_ASKED_AGAIN, missing_questions
from bot.status.service import Reassessed, local_day, reassess, report_of


class IncompleteDeclaration(Exception):
    """Submitted before every question that applies was answered (e.g. a forged or stale button)."""


async def submit_declaration(
    session: AsyncSession, user_id: int, answers: dict[str, Any], now: datetime, zone: tzinfo
) -> Reassessed:
    """Store a declaration, which is also the day's check-in, and the status it leads to, in one commit."""
    stored, _day = await add_declaration(session, user_id, answers, now, zone)
    result = await reassess(session, user_id, now, zone, cause="declaration", declaration_id=stored.id)
    await CodeRepository(session).forget(user_id)
    await session.commit()
    return result


async def add_declaration(
    session: AsyncSession, user_id: int, answers: dict[str, Any], now: datetime, zone: tzinfo
) -> tuple[DeclarationRow, DayRecord]:
    """A checked declaration and its day's check-in (how it met an earlier one that day), not committed;
    raises IncompleteDeclaration."""
    if missing_questions(answers):
        raise IncompleteDeclaration
    declared_on = local_day(now, zone)
    try:
        declaration = Declaration.from_dict({**answers, "declared_on": declared_on.isoformat()})
    except InvalidDeclaration:
        raise IncompleteDeclaration from None
    stored = await DeclarationRepository(session).add(user_id, declaration.to_dict(), now)
    report = Report(declared_on, declaration.temperature_c, frozenset(declaration.symptoms))
    return stored, await record_day_report(session, user_id, report, stored.id, now)


@dataclass(frozen=True, slots=True)
class DayRecord:
    # A check-in had already been given that day; this one replaced it.
    replaced: bool
    # ...but a fever or symptom reported earlier that day was kept on the record.
    kept_earlier: bool


async def record_day_report(
    session: AsyncSession, user_id: int, report: Report, declaration_id: int | None, now: datetime
) -> DayRecord:
    """The day's check-in, not committed."""
    checkins = CheckInRepository(session)
    earlier = await checkins.on_day(user_id, report.day)
    kept = day_report_after(report_of(earlier) if earlier is not None else None, report)
    symptoms = sorted(str(symptom) for symptom in kept.symptoms)
    await checkins.record(user_id, report.day, kept.temperature_c, symptoms, declaration_id, now)
    return DayRecord(replaced=earlier is not None, kept_earlier=kept != report)


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
