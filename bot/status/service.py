"""Use cases of the colour over time: re-derive a person's status from their history and record changes.

The rules live in bot.domain.status; here the history is loaded and the result stored. A status row is
written only when something worth telling changed (colour, reasons, the day they arose), so the table
is the person's colour history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Assessment, CheckIn
from bot.db.models import Declaration as DeclarationRow
from bot.db.repositories.assessments import AssessmentRepository
from bot.db.repositories.checkins import CheckInRepository
from bot.db.repositories.declarations import DeclarationRepository
from bot.db.repositories.overrides import OverrideRepository
from bot.domain.answers import Colour, Declaration, InvalidDeclaration, Symptom
from bot.domain.status import Carried, History, Override, Report, Status, status_at


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
    declarations = await DeclarationRepository(session).for_user(user_id)
    checkins = CheckInRepository(session)
    reports = await checkins.for_user(user_id)
    readings = await checkins.checkpoint_readings(user_id)
    overrides = await OverrideRepository(session).for_user(user_id)
    oldest = await AssessmentRepository(session).oldest(user_id)
    return History(
        declarations=[declaration for row in declarations if (declaration := _declaration(row)) is not None],
        reports=[report_of(row) for row in reports],
        overrides=[
            Override(Colour(row.colour), row.reason, row.starts_on, row.ends_on)
            for row in overrides
            # An override that ends before it starts was never in force (and must release nothing).
            if row.ends_on is None or row.ends_on > row.starts_on
        ],
        carried=_carried(oldest, declarations),
        checkpoint_readings=[
            Report(day=local_day(at, zone), temperature_c=temperature, symptoms=frozenset())
            for at, temperature in readings
        ],
    )


def _declaration(row: DeclarationRow) -> Declaration | None:
    try:
        return Declaration.from_dict(row.answers)
    except InvalidDeclaration:
        # Written by this bot, so only a hand-edited row gets here; the status row it made still stands.
        return None


def report_of(row: CheckIn) -> Report:
    """A stored check-in as the rules read it."""
    return Report(day=row.day, temperature_c=row.temperature_c, symptoms=frozenset(Symptom(s) for s in row.symptoms))


def _carried(oldest: Assessment | None, declarations: list[DeclarationRow]) -> list[Carried]:
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
    status = status_at(await load_history(session, user_id, zone), local_day(now, zone))
    assessments = AssessmentRepository(session)
    previous = await assessments.current(user_id)
    if previous is not None and not _differs(previous, status):
        return Reassessed(status=status, row=previous, previous=previous, changed=False)
    row = await assessments.add(
        Assessment(
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
    )
    return Reassessed(status=status, row=row, previous=previous, changed=True)


def _differs(row: Assessment, status: Status) -> bool:
    """A change worth a row: colour, reasons, or the day they arose; not the count of days, which moves daily."""
    return (row.colour, list(row.reasons), list(row.other_reasons), row.starts_on, row.clears_by_checkins) != (
        str(status.colour),
        list(status.reasons),
        list(status.other_reasons),
        status.since,
        status.clears_by_checkins,
    )
