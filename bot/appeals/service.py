"""Use cases of appeals. A person contests one reason for their colour; a reviewer (role `reviewer`, or an
admin) upholds it with a category and their own words, or grants it, which records an override with an
end date through the /override machinery so the colour changes at once.

Every decision is one conditional UPDATE of the open appeal, so of two reviewers at once one wins and the
other is told. Who may decide is checked here, for every press. The person is told through the notices
outbox in the same transaction as the decision; the reviewer's identity is in the audit log, never in
what the person is told.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.broadcast import notices
from bot.clock import Clock
from bot.db.models import Appeal, User
from bot.db.repositories.appeals import GRANTED, UPHELD, AppealRepository
from bot.db.repositories.audit import AuditRepository
from bot.db.repositories.checkins import CheckInRepository
from bot.db.repositories.notices import NewNotice
from bot.db.repositories.roles import RoleRepository
from bot.db.repositories.users import UserRepository
from bot.domain.answers import Colour
from bot.domain.appeals import Category
from bot.domain.status import OverrideCategory, status_at
from bot.family import service as family
from bot.overrides import service as overrides
from bot.roles.service import RoleName, deny, is_admin, may_review
from bot.status.service import load_history, local_day

# An administrator's colour is contested as a whole: it has no reasons of the rules behind it.
OVERRIDE_REASON = "override"
MAX_TEXT_LENGTH = 1000
MIN_TEXT_LENGTH = 5
# Days the reviewer may grant an override for; the rules apply again after it, without what it released.
GRANT_DAYS = (7, 14, 30)
# The reviewer sees the days of check-ins and checkpoint readings the questions look back over.
EVIDENCE_DAYS = 14


class NotAllowed(Exception):
    """Not a reviewer or admin; the attempt is on record."""


class NothingToAppeal(Exception):
    """Green with no reason on record, or no account or code yet."""


class AlreadyOpen(Exception):
    """One open appeal per person."""


class NotYours(Exception):
    """A family member id that is not one of the account's own members (a forged button): nothing is read."""


class NotOnRecord(Exception):
    """The contested reason is no longer (or never was) one of theirs."""


class AlreadyDecided(Exception):
    """Another reviewer decided it, or the person withdrew it or deleted their data."""


class Wording(Protocol):
    """The words the person is told, rendered in their language by the caller (the service knows no gettext)."""

    def upheld(self, language: str, appeal: Appeal, category: Category, text: str) -> str: ...

    def granted(self, language: str, appeal: Appeal, ends_on: date) -> str: ...


@dataclass(frozen=True, slots=True)
class Contestable:
    colour: str
    reasons: tuple[str, ...]
    open_appeal: Appeal | None


@dataclass(frozen=True, slots=True)
class Reading:
    day: date
    temperature_c: float
    symptoms: tuple[str, ...]
    at_checkpoint: bool


@dataclass(frozen=True, slots=True)
class QueueItem:
    appeal: Appeal
    readings: tuple[Reading, ...]
    open_count: int
    # The next appeal in the queue after this one, for the "next" button; None when this is the last.
    has_next: bool


async def contestable(session: AsyncSession, user_id: int, now: datetime, zone: tzinfo) -> Contestable:
    """The reasons a person may contest (as /status lists them), and their open appeal if any."""
    if await UserRepository(session).get(user_id) is None:
        raise NothingToAppeal
    open_appeal = await AppealRepository(session).open_of(user_id)
    history = await load_history(session, user_id, zone)
    await session.commit()
    if not history.declarations:
        raise NothingToAppeal
    status = status_at(history, local_day(now, zone))
    if status.override_reason is not None:
        reasons: tuple[str, ...] = () if status.colour is Colour.GREEN else (OVERRIDE_REASON,)
    else:
        reasons = (*status.reasons, *status.other_reasons)
    if not reasons and open_appeal is None:
        raise NothingToAppeal
    return Contestable(colour=str(status.colour), reasons=reasons, open_appeal=open_appeal)


async def submit(
    session: AsyncSession,
    user_id: int,
    reason: str,
    text: str,
    photo_file_id: str | None,
    now: datetime,
    zone: tzinfo,
    hours: int,
    actor_id: int | None = None,
) -> Appeal:
    """Record an appeal; raises AlreadyOpen, NotOnRecord or NothingToAppeal, changing nothing. `actor_id`
    is who made it when that is not the holder: the parent of a family member, on the record."""
    current = await contestable(session, user_id, now, zone)
    if current.open_appeal is not None:
        raise AlreadyOpen
    if reason not in current.reasons:
        raise NotOnRecord
    appeal = Appeal(
        user_id=user_id,
        reason=reason,
        colour=current.colour,
        text=text,
        photo_file_id=photo_file_id,
        state="open",
        created_at=now,
        due_at=now + timedelta(hours=hours),
    )
    try:
        await AppealRepository(session).add(appeal)
    except IntegrityError:
        # A second submission that raced the first past the check above.
        await session.rollback()
        raise AlreadyOpen from None
    actor = user_id if actor_id is None else actor_id
    await AuditRepository(session).add(now, actor, "appeal", user_id, {"appeal": appeal.id, "reason": reason})
    await session.commit()
    return appeal


async def withdraw(session: AsyncSession, user_id: int, now: datetime, actor_id: int | None = None) -> bool:
    """Withdraw the person's open appeal; False when there was none (decided meanwhile, say)."""
    appeal_id = await AppealRepository(session).withdraw(user_id, now)
    if appeal_id is not None:
        actor = user_id if actor_id is None else actor_id
        await AuditRepository(session).add(now, actor, "appeal_withdrawn", user_id, {"appeal": appeal_id})
    await session.commit()
    return appeal_id is not None


async def open_appeal(session: AsyncSession, user_id: int) -> Appeal | None:
    """For /status: the person's appeal under review."""
    return await AppealRepository(session).open_of(user_id)


async def queue_item(
    session: AsyncSession,
    actor_id: int,
    admin_ids: Collection[int],
    after_id: int | None,
    now: datetime,
    zone: tzinfo,
) -> QueueItem | None:
    """The next open appeal (the one due first, or the first after appeal `after_id`) with the evidence
    bearing on it; None when the queue is empty. Raises NotAllowed (audited)."""
    scope = await _scope(session, actor_id, admin_ids, "appeals", now)
    appeals = AppealRepository(session)
    # The keyset of the appeal the "next" button was under: a decided one keeps its due time; one erased
    # since starts the queue again.
    previous = await appeals.get(after_id) if after_id is not None else None
    after = (previous.due_at, previous.id) if previous is not None else None
    page = await appeals.queue(after, 2, scope)
    if not page:
        await session.commit()
        return None
    appeal = page[0]
    readings = await _evidence(session, appeal.user_id, local_day(now, zone) - timedelta(days=EVIDENCE_DAYS), zone)
    count = await appeals.count_open(scope)
    await session.commit()
    return QueueItem(appeal=appeal, readings=readings, open_count=count, has_next=len(page) > 1)


async def _evidence(session: AsyncSession, user_id: int, since: date, zone: tzinfo) -> tuple[Reading, ...]:
    """Only temperatures and symptoms, own and at checkpoints: nothing else of the person's answers."""
    checkins = CheckInRepository(session)
    own = [
        Reading(day, temperature, symptoms, at_checkpoint=False)
        for _user, day, temperature, symptoms in await checkins.for_users([user_id])
        if day >= since
    ]
    taken = [
        Reading(local_day(at, zone), temperature, (), at_checkpoint=True)
        for _holder, at, temperature in await checkins.checkpoint_readings([user_id])
        if local_day(at, zone) >= since
    ]
    return tuple(sorted([*own, *taken], key=lambda reading: (reading.day, reading.at_checkpoint)))


async def uphold(
    session: AsyncSession,
    actor_id: int,
    admin_ids: Collection[int],
    appeal_id: int,
    category: Category,
    text: str,
    now: datetime,
    wording: Wording,
) -> Appeal:
    """The colour stands; the person is told the category and the reviewer's words. Raises NotAllowed or
    AlreadyDecided."""
    await _check_appeal(session, actor_id, admin_ids, appeal_id, "uphold_appeal", now)
    appeals = AppealRepository(session)
    if not await appeals.decide(appeal_id, UPHELD, actor_id, now, category=category.value, text=text):
        await session.commit()
        raise AlreadyDecided
    appeal, language = await _decided(session, appeal_id)
    details = {"appeal": appeal_id, "outcome": UPHELD, "category": category.value}
    await AuditRepository(session).add(now, actor_id, "appeal_decided", appeal.user_id, details)
    await notices.queue(
        session, [NewNotice(appeal.user_id, "appeal", wording.upheld(language, appeal, category, text))], now
    )
    await session.commit()
    notices.wake()
    return appeal


async def grant(
    session: AsyncSession,
    actor_id: int,
    admin_ids: Collection[int],
    appeal_id: int,
    days: int,
    now: datetime,
    zone: tzinfo,
    wording: Wording,
) -> Appeal:
    """Green from today for `days` days, as an override (the colour changes at once), and the person told.
    Raises NotAllowed or AlreadyDecided."""
    if days not in GRANT_DAYS:
        raise ValueError(f"not a grant period: {days}")
    await _check_appeal(session, actor_id, admin_ids, appeal_id, "grant_appeal", now)
    ends_on = local_day(now, zone) + timedelta(days=days)
    appeals = AppealRepository(session)
    if not await appeals.decide(appeal_id, GRANTED, actor_id, now, ends_on=ends_on):
        await session.commit()
        raise AlreadyDecided
    appeal, language = await _decided(session, appeal_id)
    details = {"appeal": appeal_id, "outcome": GRANTED, "ends_on": ends_on.isoformat()}
    await AuditRepository(session).add(now, actor_id, "appeal_decided", appeal.user_id, details)
    await notices.queue(session, [NewNotice(appeal.user_id, "appeal", wording.granted(language, appeal, ends_on))], now)
    # The override's own gate is /override's (administrators); the reviewer's right was checked above, so
    # they are the authority for this one call. set_override commits: the decision, its notice and the
    # override land together or not at all.
    await overrides.set_override(
        session,
        frozenset({actor_id}),
        actor_id,
        appeal.user_id,
        Colour.GREEN,
        "",  # no note: the person was told the decision in the appeal's own words
        ends_on,
        now,
        zone,
        category=OverrideCategory.APPEAL_GRANTED,
    )
    notices.wake()
    return appeal


async def _decided(session: AsyncSession, appeal_id: int) -> tuple[Appeal, str]:
    appeal = await AppealRepository(session).get(appeal_id)
    assert appeal is not None  # just updated in this transaction
    await session.refresh(appeal)
    language = await session.scalar(select(User.language).where(User.id == appeal.user_id))
    return appeal, language or "en"


async def _scope(
    session: AsyncSession, actor_id: int, admin_ids: Collection[int], attempted: str, now: datetime
) -> frozenset[int] | None:
    """The organizations whose members' appeals `actor_id` may see and decide; None: everyone's (admins, and
    reviewers granted for no organization). Raises NotAllowed (audited) for anyone else."""
    if is_admin(actor_id, admin_ids):
        return None
    scopes = await RoleRepository(session).scopes(RoleName.REVIEWER.value, [actor_id])
    if actor_id not in scopes:
        await deny(session, actor_id, attempted, now)
        raise NotAllowed
    return scopes[actor_id]


async def _check_appeal(
    session: AsyncSession, actor_id: int, admin_ids: Collection[int], appeal_id: int, attempted: str, now: datetime
) -> None:
    """May `actor_id` decide this appeal? An appeal outside their organizations is refused like no role at all."""
    scope = await _scope(session, actor_id, admin_ids, attempted, now)
    if scope is None:
        return
    exists, organization_id = await AppealRepository(session).organization_of(appeal_id)
    if exists and organization_id not in scope:
        await deny(session, actor_id, attempted, now)
        raise NotAllowed


async def check_holder(session: AsyncSession, account_id: int, holder_id: int) -> None:
    """`holder_id` is the account itself or one of its own family members; raises NotYours otherwise, so a
    forged or someone else's member id is treated like a stale button and nothing of theirs is read."""
    if holder_id != account_id and await family.member(session, account_id, holder_id) is None:
        await session.commit()
        raise NotYours


async def appeals_of(session: AsyncSession, user_id: int) -> Sequence[Appeal]:
    """For /history and /mydata: the person's appeals, oldest first."""
    return await AppealRepository(session).of_user(user_id)


@dataclass(frozen=True, slots=True)
class AppealService:
    """Appeals bound to one update's session and the bot's settings: the person's side and the reviewers'.
    Every use case still checks the actor itself; the time is read when each is called, as before."""

    session: AsyncSession
    admin_ids: Collection[int]
    clock: Clock
    zone: tzinfo
    # How long a reviewer has to decide (APPEAL_HOURS).
    hours: int

    async def contestable(self, user_id: int) -> Contestable:
        return await contestable(self.session, user_id, self.clock(), self.zone)

    async def members(self, account_id: int) -> list[family.Member]:
        """Whose colour the account may appeal besides its own (issue 16)."""
        return await family.list_members(self.session, account_id)

    async def member(self, account_id: int, member_id: int) -> family.Member:
        """The account's own member; raises NotYours for anyone else's (or nobody's) id."""
        found = await family.find_member(self.session, account_id, member_id)
        if found is None:
            raise NotYours
        return found

    async def contestable_for(self, account_id: int, holder_id: int) -> Contestable:
        """`contestable` of the account or one of its members; raises NotYours for anyone else."""
        await check_holder(self.session, account_id, holder_id)
        return await contestable(self.session, holder_id, self.clock(), self.zone)

    async def submit(
        self, user_id: int, reason: str, text: str, photo_file_id: str | None, holder_id: int | None = None
    ) -> Appeal:
        """The account's appeal, or (`holder_id`) one of its members', checked here again: the conversation's
        data is the account's own, but the check belongs with the use case."""
        if holder_id is None or holder_id == user_id:
            return await submit(self.session, user_id, reason, text, photo_file_id, self.clock(), self.zone, self.hours)
        await check_holder(self.session, user_id, holder_id)
        return await submit(
            self.session, holder_id, reason, text, photo_file_id, self.clock(), self.zone, self.hours, user_id
        )

    async def withdraw(self, user_id: int, holder_id: int | None = None) -> bool:
        if holder_id is None or holder_id == user_id:
            return await withdraw(self.session, user_id, self.clock())
        await check_holder(self.session, user_id, holder_id)
        return await withdraw(self.session, holder_id, self.clock(), user_id)

    async def may_review(self, actor_id: int) -> bool:
        return await may_review(self.session, actor_id, self.admin_ids)

    async def deny(self, actor_id: int, attempted: str) -> None:
        await deny(self.session, actor_id, attempted, self.clock())

    async def queue_item(self, actor_id: int, after_id: int | None) -> QueueItem | None:
        return await queue_item(self.session, actor_id, self.admin_ids, after_id, self.clock(), self.zone)

    async def uphold(self, actor_id: int, appeal_id: int, category: Category, text: str, wording: Wording) -> Appeal:
        return await uphold(self.session, actor_id, self.admin_ids, appeal_id, category, text, self.clock(), wording)

    async def grant(self, actor_id: int, appeal_id: int, days: int, wording: Wording) -> Appeal:
        return await grant(self.session, actor_id, self.admin_ids, appeal_id, days, self.clock(), self.zone, wording)
