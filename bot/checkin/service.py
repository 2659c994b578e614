"""Use cases of the daily check-in. One commit each: the check-in, any new declaration and the status land together."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.db.repositories.checkins import CheckInRepository
from bot.db.repositories.codes import CodeRepository
from bot.db.repositories.declarations import DeclarationRepository
from bot.domain.answers import Declaration, InvalidDeclaration
from bot.domain.status import Report
from bot.registration.questions import ALWAYS_ASKED_AGAIN
from bot.registration.service import (
    IncompleteDeclaration,
    add_declaration,
    answers_for_update,
    has_declared,
    record_day_report,
)
from bot.status.service import Reassessed, local_day, reassess

# What "has anything changed?" leads into: travel, contacts, a diagnosis.
EXPOSURE_QUESTIONS = ("places", "contacts", "own_status")


@dataclass(frozen=True, slots=True)
class CheckInResult:
    day: date
    # A check-in (or a declaration) had already been given today; this one replaced it.
    replaced: bool
    # Something beyond temperature and symptoms changed, so the check-in was a new declaration.
    declared: bool
    reassessed: Reassessed
    # A fever or symptom reported earlier today stayed on today's record (a later report cannot take it back).
    kept_earlier: bool = False


async def checkin_answers(session: AsyncSession, user_id: int, today: date, changed: bool) -> dict[str, Any] | None:
    """The last declaration's answers to carry into a check-in; None before the first declaration.

    "Something changed" leaves travel, contacts and diagnosis unanswered, so they are asked again.
    Ends its (read) transaction, so no connection is held while the caller talks to Telegram.
    """
    answers = await answers_for_update(session, user_id, today)
    await session.commit()
    if not answers:
        return None
    if changed:
        for key in EXPOSURE_QUESTIONS:
            answers.pop(key, None)
    return answers


async def checked_in_on(session: AsyncSession, user_id: int, day: date) -> bool | None:
    """Whether today's check-in was already given; None before the first declaration (nothing to check in on).

    Ends its (read) transaction, so no connection is held while the caller talks to Telegram.
    """
    if not await has_declared(session, user_id):
        await session.commit()
        return None
    already = await CheckInRepository(session).on_day(user_id, day) is not None
    await session.commit()
    return already


async def record_checkin(
    session: AsyncSession, user_id: int, answers: dict[str, Any], now: datetime, zone: tzinfo
) -> CheckInResult:
    """Today's check-in. When the answers differ from the last declaration beyond temperature and
    symptoms, they are a new declaration (which is the day's check-in too). Raises IncompleteDeclaration."""
    day = local_day(now, zone)
    latest = await DeclarationRepository(session).latest(user_id)
    if latest is None:
        raise IncompleteDeclaration
    try:
        declaration = Declaration.from_dict({**answers, "declared_on": day.isoformat()})
    except InvalidDeclaration:
        raise IncompleteDeclaration from None
    report = Report(day, declaration.temperature_c, frozenset(declaration.symptoms))
    if _same_apart_from_the_day(latest.answers, declaration.to_dict()):
        recorded = await record_day_report(session, user_id, report, None, now)
        reassessed = await reassess(session, user_id, now, zone, cause="checkin")
        declared = False
    else:
        stored, recorded = await add_declaration(session, user_id, answers, now, zone)
        reassessed = await reassess(session, user_id, now, zone, cause="declaration", declaration_id=stored.id)
        declared = True
    await CodeRepository(session).forget(user_id)
    await session.commit()
    return CheckInResult(
        day=day,
        replaced=recorded.replaced,
        declared=declared,
        reassessed=reassessed,
        kept_earlier=recorded.kept_earlier,
    )


def _same_apart_from_the_day(before: dict[str, Any], after: dict[str, Any]) -> bool:
    ignored = {*ALWAYS_ASKED_AGAIN, "declared_on"}
    return {k: v for k, v in before.items() if k not in ignored} == {k: v for k, v in after.items() if k not in ignored}


@dataclass(frozen=True, slots=True)
class CheckIns:
    """The check-in's questions about today, bound to one update's session and the bot's clock and zone, so
    the handlers ask about a holder without carrying what "today" means here."""

    session: AsyncSession
    clock: Clock
    zone: tzinfo

    async def checked_in_today(self, user_id: int) -> bool | None:
        return await checked_in_on(self.session, user_id, local_day(self.clock(), self.zone))

    async def answers_today(self, user_id: int, changed: bool) -> dict[str, Any] | None:
        return await checkin_answers(self.session, user_id, local_day(self.clock(), self.zone), changed)
