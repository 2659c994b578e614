"""Use case of /history: one person's declarations, check-ins and colour changes, as entries."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.db.models import Appeal, Assessment, CheckIn, Verification
from bot.db.repositories.appeals import AppealRepository
from bot.db.repositories.history import DeclarationDigest, HistoryRepository
from bot.db.repositories.overrides import OverrideRepository
from bot.domain.status import missed_days
from bot.family import service as family
from bot.family.service import Member
from bot.history.entries import (
    AppealEntry,
    AppealOutcomeEntry,
    CheckInEntry,
    CheckpointEntry,
    ColourEntry,
    DeclarationEntry,
    Entry,
    History,
    MissedDayEntry,
    Turn,
    colour_turn,
)
from bot.status import service as status_service


async def load_history(session: AsyncSession, user_id: int, now: datetime, zone: tzinfo) -> History:
    """Everything kept of `user_id`, newest first (retention keeps ~60 days, so it is loaded whole).

    Ends its transaction before returning, so no connection is held while the caller talks to Telegram.
    """
    repository = HistoryRepository(session)
    declarations = await repository.declarations(user_id)
    checkins = await repository.checkins(user_id)
    assessments = await repository.assessments(user_id)
    checks = await repository.checkpoint_checks(user_id)
    appeals = await AppealRepository(session).of_user(user_id)
    decisions = {row.set_at: row.category for row in await OverrideRepository(session).decided_at(user_id)}
    # A missed day writes no row (the colour and its reasons stay); the rules walk says which days were.
    missed = missed_days(await status_service.load_history(session, user_id, zone), status_service.local_day(now, zone))
    await session.commit()
    entries = build_entries(declarations, checkins, assessments, checks, decisions)
    entries += appeal_entries(appeals)
    entries += [missed_day_entry(day, zone) for day in missed]
    return History.of(entries)


def missed_day_entry(day: date, zone: tzinfo) -> MissedDayEntry:
    # Placed at the end of the day it missed (midnight after it), which is when it was missed.
    end = datetime.combine(day + timedelta(days=1), time(), tzinfo=zone)
    return MissedDayEntry(when=end, id=day.toordinal(), day=day)


def build_entries(
    declarations: Sequence[DeclarationDigest],
    checkins: Sequence[CheckIn],
    assessments: Sequence[Assessment],
    checks: Sequence[Verification] = (),
    decisions: Mapping[datetime, str] | None = None,
) -> list[Entry]:
    """Rows, each kind oldest first, into entries (in no particular order).

    `decisions`: the category of each override by when it was set; the status row it wrote has the same time.
    """
    entries: list[Entry] = [_declaration(row) for row in declarations]
    declared = {row.id for row in declarations}
    # A report that came with a declaration is part of that declaration's entry; one whose declaration
    # is gone (retention) is shown on its own rather than lost.
    entries += [_checkin(row) for row in checkins if row.declaration_id not in declared]
    previous: Assessment | None = None
    for row in assessments:
        entries.append(_colour(row, previous, (decisions or {}).get(row.assessed_at)))
        previous = row
    entries += [_checkpoint(row) for row in checks]
    return entries


def appeal_entries(appeals: Sequence[Appeal]) -> list[Entry]:
    entries: list[Entry] = []
    for row in appeals:
        entries.append(AppealEntry(when=row.created_at, id=row.id, reason=row.reason))
        if row.state != "open" and row.decided_at is not None:
            entries.append(
                AppealOutcomeEntry(
                    when=row.decided_at,
                    id=row.id,
                    outcome=row.state,
                    reason=row.reason,
                    category=row.category,
                    text=row.decision_text,
                    ends_on=row.grant_ends_on,
                )
            )
    return entries


def _declaration(row: DeclarationDigest) -> DeclarationEntry:
    return DeclarationEntry(
        when=row.declared_at, id=row.id, temperature_c=_temperature(row.temperature_c), symptoms=_codes(row.symptoms)
    )


def _checkin(row: CheckIn) -> CheckInEntry:
    return CheckInEntry(
        when=row.reported_at,
        id=row.id,
        day=row.day,
        temperature_c=row.temperature_c,
        symptoms=_codes(row.symptoms) or (),
    )


def _colour(row: Assessment, previous: Assessment | None, decision: str | None = None) -> ColourEntry:
    before = (previous.colour, previous.reasons, previous.starts_on) if previous is not None else None
    reasons = tuple(row.reasons)
    turn = colour_turn(row.cause, row.colour, reasons, row.starts_on, before)
    return ColourEntry(
        when=row.assessed_at,
        id=row.id,
        colour=row.colour,
        reasons=reasons,
        turn=turn,
        starts_on=row.starts_on,
        decision=decision if turn is Turn.DECIDED else None,
    )


def _checkpoint(row: Verification) -> CheckpointEntry:
    return CheckpointEntry(when=row.at, id=row.id, valid=row.valid, reason=row.reason, temperature_c=row.temperature_c)


def _temperature(value: Any) -> float | None:
    # bool is an int to Python, but True is no temperature.
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def _codes(value: Any) -> tuple[str, ...] | None:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        return None
    return tuple(value)


@dataclass(frozen=True, slots=True)
class HistoryService:
    """/history bound to one update's session and the bot's clock and zone."""

    session: AsyncSession
    clock: Clock
    zone: tzinfo

    async def of(self, user_id: int) -> History:
        return await load_history(self.session, user_id, self.clock(), self.zone)

    async def members(self, manager_id: int) -> list[Member]:
        return await family.list_members(self.session, manager_id)

    async def member(self, manager_id: int, member_id: int) -> Member | None:
        """None for a forged or someone else's member id."""
        return await family.find_member(self.session, manager_id, member_id)
