"""Use cases of overrides: an administrator sets a person's colour for a health authority's decision.

The override takes precedence over the rules from today until its end date (or until ended), and
releases every reason that arose before it (bot.domain.status). Every attempt, allowed or refused,
is audited, and the whole change commits once.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.broadcast import notices
from bot.clock import Clock
from bot.db.models import Override, User
from bot.db.repositories.audit import AuditRepository
from bot.db.repositories.codes import CodeRepository
from bot.db.repositories.overrides import OverrideRepository
from bot.db.repositories.users import UserRepository
from bot.domain.answers import Colour
from bot.domain.status import OverrideCategory
from bot.domain.tokens import SigningKey
from bot.roles.service import is_admin
from bot.status.service import Reassessed, local_day, reassess

MAX_REASON_LENGTH = 200


class NotAllowed(Exception):
    """Only administrators may override; the attempt is on record."""


class NoSuchPerson(Exception):
    """Nobody with that id has an account: there is no code to override."""


@dataclass(frozen=True, slots=True)
class Overridden:
    user_id: int
    language: str
    reassessed: Reassessed
    # How the administrator's answer names the person: their declared name and @username, when known.
    name: str | None = None
    username: str | None = None
    # A family member's: the account managing them (whose chat is told), for the administrator's answer.
    manager: int | None = None


@dataclass(frozen=True, slots=True)
class Holder:
    """Whom an administrator is about to override, as their answer names them."""

    name: str | None
    username: str | None
    manager: int | None = None


async def find_holder(session: AsyncSession, user_id: int) -> Holder | None:
    """The person with an account, or None: only an administrator's command, checked before, asks."""
    holder = await UserRepository(session).get(user_id)
    if holder is None:
        return None
    return Holder(name=holder.display_name, username=holder.username, manager=holder.managed_by)


async def refuse(session: AsyncSession, actor_id: int, now: datetime, attempted: str) -> None:
    await AuditRepository(session).add(now, actor_id, "denied", None, {"attempted": attempted})
    await session.commit()


async def set_override(
    session: AsyncSession,
    admin_ids: Collection[int],
    actor_id: int,
    user_id: int,
    colour: Colour,
    reason: str,
    ends_on: date | None,
    now: datetime,
    zone: tzinfo,
    category: OverrideCategory = OverrideCategory.OTHER,
) -> Overridden:
    """Raises NotAllowed (audited) or NoSuchPerson; `ends_on` is the first day without the override.

    `category` is what was decided (told to the person in their language); `reason` the administrator's
    own note, "" for none.
    """
    if not is_admin(actor_id, admin_ids):
        await refuse(session, actor_id, now, "override")
        raise NotAllowed
    holder = await UserRepository(session).get(user_id)
    if holder is None:
        raise NoSuchPerson
    today = local_day(now, zone)
    overrides = OverrideRepository(session)
    # One override at a time: a new decision replaces the one in force.
    await overrides.end_active(user_id, today)
    await overrides.add(
        Override(
            user_id=user_id,
            colour=str(colour),
            category=str(category),
            reason=reason,
            starts_on=today,
            ends_on=ends_on,
            set_by=actor_id,
            set_at=now,
        )
    )
    details = {
        "colour": str(colour),
        "category": str(category),
        "ends_on": ends_on.isoformat() if ends_on else None,
    }
    await AuditRepository(session).add(now, actor_id, "override", user_id, details)
    reassessed = await reassess(session, user_id, now, zone, cause="override")
    await CodeRepository(session).forget(user_id)
    await session.commit()
    return _overridden(holder, reassessed)


async def end_override(
    session: AsyncSession, admin_ids: Collection[int], actor_id: int, user_id: int, now: datetime, zone: tzinfo
) -> Overridden | None:
    """End the override in force today, so the rules apply again; None when there was none."""
    if not is_admin(actor_id, admin_ids):
        await refuse(session, actor_id, now, "end_override")
        raise NotAllowed
    holder = await UserRepository(session).get(user_id)
    if holder is None:
        raise NoSuchPerson
    if not await OverrideRepository(session).end_active(user_id, local_day(now, zone)):
        await session.commit()
        return None
    await AuditRepository(session).add(now, actor_id, "end_override", user_id, {})
    reassessed = await reassess(session, user_id, now, zone, cause="override")
    await CodeRepository(session).forget(user_id)
    await session.commit()
    return _overridden(holder, reassessed)


def _overridden(holder: User, reassessed: Reassessed) -> Overridden:
    return Overridden(
        user_id=holder.id,
        language=holder.language,
        reassessed=reassessed,
        name=holder.display_name,
        username=holder.username,
        manager=holder.managed_by,
    )


@dataclass(frozen=True, slots=True)
class OverrideService:
    """An administrator's overrides bound to one update's session and the bot's settings; every use case
    still checks the actor itself."""

    session: AsyncSession
    admin_ids: Collection[int]
    clock: Clock
    zone: tzinfo
    # The codes' keys: an administrator may name a family member by their code's link (bot.roles.targets).
    keys: Sequence[SigningKey] = ()

    def is_admin(self, user_id: int) -> bool:
        return is_admin(user_id, self.admin_ids)

    async def refuse(self, actor_id: int, now: datetime) -> None:
        await refuse(self.session, actor_id, now, "override")

    async def find_holder(self, user_id: int) -> Holder | None:
        return await find_holder(self.session, user_id)

    async def set_override(
        self,
        actor_id: int,
        user_id: int,
        colour: Colour,
        reason: str,
        ends_on: date | None,
        now: datetime,
        category: OverrideCategory,
    ) -> Overridden:
        return await set_override(
            self.session, self.admin_ids, actor_id, user_id, colour, reason, ends_on, now, self.zone, category
        )

    async def end_override(self, actor_id: int, user_id: int, now: datetime) -> Overridden | None:
        return await end_override(self.session, self.admin_ids, actor_id, user_id, now, self.zone)

    async def tell(self, user_id: int, text: str, now: datetime) -> None:
        """The person hears of it through the outbox, after the decision was stored."""
        await notices.tell(self.session, user_id, "override", text, now)
