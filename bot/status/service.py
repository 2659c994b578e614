"""Use cases of the colour over time: re-derive a person's status from their history and record changes.

The rules live in bot.domain.status; here the history is loaded and the result stored. A status row is
written only when something worth telling changed (colour, reasons, the day they arose), so the table
is the person's colour history.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Assessment, CheckIn
from bot.db.repositories.assessments import AssessmentRepository
from bot.db.repositories.checkins import CheckInRepository
from bot.db.repositories.declarations import DeclarationRepository
from bot.db.repositories.overrides import OverrideRepository
from bot.domain.answers import Colour, Declaration, InvalidDeclaration, Symptom
from bot.domain.status import Carried, History, Override, OverrideCategory, Report, Status, status_at


@dataclass(frozen=True, slots=True)
class Reassessed:
    status: Status
    row: Assessment
    # The status row before this one, if any; `changed` is whether a new row was written.
    previous: Assessment | None
    changed: bool

    @property
    def colour_changed(self) -> bool:
        return self.previous is not None and self.previous.colour != self.row.colour


def local_day(now: datetime, zone: tzinfo) -> date:
    return now.astimezone(zone).date()


async def load_history(session: AsyncSession, user_id: int, zone: tzinfo) -> History:
    return (await _load(session, [user_id], zone))[0][user_id]


async def _load(
    session: AsyncSession, user_ids: Collection[int], zone: tzinfo
) -> tuple[dict[int, History], dict[int, Assessment]]:
    """These people's histories, and their latest status rows: one query per table for the whole batch."""
    declarations: dict[int, list[Row[int, dict[str, Any], datetime]]] = defaultdict(list)
    for row in await DeclarationRepository(session).for_users(user_ids):
        declarations[row.user_id].append(row)
    checkins = CheckInRepository(session)
    reports: dict[int, list[Report]] = defaultdict(list)
    for user_id, day, temperature_c, symptoms in await checkins.for_users(user_ids):
        reports[user_id].append(Report(day=day, temperature_c=temperature_c, symptoms=_symptoms(symptoms)))
    readings: dict[int, list[Report]] = defaultdict(list)
    for holder_id, at, temperature in await checkins.checkpoint_readings(user_ids):
        readings[holder_id].append(Report(day=local_day(at, zone), temperature_c=temperature, symptoms=frozenset()))
    overrides: dict[int, list[Override]] = defaultdict(list)
    for override in await OverrideRepository(session).for_users(user_ids):
        # An override that ends before it starts was never in force (and must release nothing).
        if override.ends_on is None or override.ends_on > override.starts_on:
            overrides[override.user_id].append(
                Override(
                    Colour(override.colour),
                    override.reason,
                    override.starts_on,
                    override.ends_on,
                    _category(override.category),
                )
            )
    ends = await AssessmentRepository(session).oldest_and_current(user_ids)
    histories = {
        user_id: History(
            declarations=[
                declaration for row in declarations[user_id] if (declaration := _declaration(row.answers)) is not None
            ],
            reports=reports[user_id],
            overrides=overrides[user_id],
            carried=_carried(ends[user_id][0] if user_id in ends else None, declarations[user_id]),
            checkpoint_readings=readings[user_id],
        )
        for user_id in user_ids
    }
    return histories, {user_id: current for user_id, (_oldest, current) in ends.items()}


def _category(code: str) -> OverrideCategory:
    # A code this version does not know (written by a newer one) still holds the colour; it reads as "other".
    try:
        return OverrideCategory(code)
    except ValueError:
        return OverrideCategory.OTHER


def _declaration(answers: dict[str, Any]) -> Declaration | None:
    try:
        return Declaration.from_dict(answers)
    except InvalidDeclaration:
        # Written by this bot, so only a hand-edited row gets here; the status row it made still stands.
        return None


def report_of(row: CheckIn) -> Report:
    """A stored check-in as the rules read it."""
    return _report(row.day, row.temperature_c, row.symptoms)


def _report(day: date, temperature_c: float, symptoms: list[str]) -> Report:
    return Report(day=day, temperature_c=temperature_c, symptoms=_symptoms(tuple(symptoms)))


@functools.lru_cache(maxsize=1024)
def _symptoms(names: tuple[str, ...]) -> frozenset[Symptom]:
    # A few combinations make up nearly every check-in: one shared set each, not one per row of a batch.
    return frozenset(Symptom(name) for name in names)


def _carried(oldest: Assessment | None, declarations: list[Row[int, dict[str, Any], datetime]]) -> list[Carried]:
    """The reasons of the oldest status row, when retention deleted the declarations it came from."""
    if oldest is None or (declarations and oldest.assessed_at >= declarations[0].declared_at):
        return []
    since = oldest.starts_on or oldest.assessed_at.date()
    return [Carried(reason, since) for reason in (*oldest.reasons, *oldest.other_reasons)]


async def reassess(
    session: AsyncSession,
    user_id: int,
    now: datetime,
    zone: tzinfo,
    cause: str,
    declaration_id: int | None = None,
    notified: bool = True,
) -> Reassessed:
    """The status now; a new status row when it changed. `notified`: the person sees the change at once.

    Does not commit: it is one step of the caller's use case.
    """
    [result] = await reassess_many(session, [user_id], now, zone, cause, declaration_id, notified)
    return result


async def reassess_many(
    session: AsyncSession,
    user_ids: Sequence[int],
    now: datetime,
    zone: tzinfo,
    cause: str,
    declaration_id: int | None = None,
    notified: bool = True,
) -> list[Reassessed]:
    """As reassess, for a batch of people: their histories read with one query per table, the new status
    rows written together. In the order of `user_ids`."""
    histories, currents = await _load(session, user_ids, zone)
    today = local_day(now, zone)
    results: list[Reassessed] = []
    added: list[Assessment] = []
    for user_id in user_ids:
        status = status_at(histories[user_id], today)
        previous = currents.get(user_id)
        if previous is not None and not _differs(previous, status):
            results.append(Reassessed(status=status, row=previous, previous=previous, changed=False))
            continue
        row = Assessment(
            user_id=user_id,
            declaration_id=declaration_id,
            cause=cause,
            colour=str(status.colour),
            reasons=list(status.reasons),
            other_reasons=list(status.other_reasons),
            period_days=status.period_days,
            starts_on=status.since,
            ends_on=status.changes_on,
            next_step=status.next_step,
            clears_by_checkins=status.clears_by_checkins,
            rules_version=status.rules_version,
            assessed_at=now,
            notified_at=now if notified else None,
        )
        added.append(row)
        results.append(Reassessed(status=status, row=row, previous=previous, changed=True))
    await AssessmentRepository(session).add_many(added)
    return results


def _differs(row: Assessment, status: Status) -> bool:
    """A change worth a row: colour, reasons, or the day they arose; not the count of days, which moves daily."""
    return (row.colour, list(row.reasons), list(row.other_reasons), row.starts_on, row.clears_by_checkins) != (
        str(status.colour),
        list(status.reasons),
        list(status.other_reasons),
        status.since,
        status.clears_by_checkins,
    )
