"""Use cases of a person's own data: everything stored about them (/mydata), and erasing it (/delete).

Erasing is refused while a health authority's decision (an override that is not green) is in force:
checked when the confirmation is shown, and again in the deleting transaction itself (bot.personal_data.erasure).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from bot.accounts import Accounts
from bot.clock import Clock
from bot.db.models import Appeal, Assessment, CheckIn, Code, Declaration, Override, User, Verification
from bot.db.repositories.appeals import AppealRepository
from bot.db.repositories.audit import AuditRepository
from bot.db.repositories.family import FamilyRepository
from bot.db.repositories.organizations import OrganizationRepository
from bot.db.repositories.personal_data import PersonalDataRepository
from bot.db.repositories.roles import RoleRepository
from bot.db.repositories.users import UserRepository
from bot.domain.answers import Colour
from bot.domain.status import Override as Decision
from bot.personal_data.erasure import decision_keeping_data
from bot.status.service import local_day

logger = logging.getLogger(__name__)


class ConversationState(Protocol):
    """The person's conversation state as the bot stores it (aiogram's FSMContext): read, then cleared on erasure."""

    async def get_state(self) -> str | None: ...

    async def get_data(self) -> dict[str, Any]: ...

    async def clear(self) -> None: ...


@dataclass(frozen=True, slots=True)
class Conversation:
    """The conversation state (a form in progress): the step and its data, as the FSM storage holds them."""

    state: str | None = None
    data: dict[str, Any] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return self.state is not None or bool(self.data)


@dataclass(frozen=True, slots=True)
class StoredData:
    """Everything stored about one person.

    `user` is None when they have no account: they never agreed to the privacy notice, or erased it.
    """

    user: User | None
    declarations: Sequence[Declaration] = ()
    checkins: Sequence[CheckIn] = ()
    assessments: Sequence[Assessment] = ()
    overrides: Sequence[Override] = ()
    checks: Sequence[Verification] = ()
    appeals: Sequence[Appeal] = ()
    code: Code | None = None
    conversation: Conversation = field(default_factory=Conversation)
    # The family members this account manages (bot.family), each with everything stored about them.
    members: Sequence[StoredData] = ()

    @property
    def empty(self) -> bool:
        return self.user is None and not self.conversation


@dataclass(frozen=True, slots=True)
class OrganizationName:
    name_en: str
    name_zh: str


@dataclass(frozen=True, slots=True)
class HeldRole:
    """A granted role (a bot.roles.service.RoleName value) and, for HR, the organization it is for."""

    role: str
    organization: OrganizationName | None = None


@dataclass(frozen=True, slots=True)
class ErasurePreview:
    """What /delete would do, for its confirmation.

    `kept_by`: the health authority's decision in force that refuses the deletion (None: it may go ahead).
    `organization` and `roles`: what is lost with the account besides the person's own answers.
    """

    kept_by: Decision | None = None
    organization: OrganizationName | None = None
    roles: tuple[HeldRole, ...] = ()
    # An appeal under review goes with the rest: it is withdrawn.
    open_appeal: bool = False
    # The family members this account manages (id, name): they go with it, or one alone (erase_member).
    members: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Erased:
    account: bool
    conversation: bool
    # Set when nothing was erased because a health authority's decision about their code is in force.
    kept_by: Decision | None = None

    @property
    def anything(self) -> bool:
        return self.account or self.conversation


async def read_conversation(state: ConversationState) -> Conversation:
    return Conversation(state=await state.get_state(), data=dict(await state.get_data()))


# Each /mydata builds two documents from every table: once a minute is plenty for a person, and keeps
# someone sending it again and again from costing a query of every table each time.
EXPORT_INTERVAL = timedelta(minutes=1)


async def claim_export(session: AsyncSession, user_id: int, now: datetime) -> int:
    """Seconds to wait before this person's next export; 0 when one may be built now (and it is counted).

    Kept on the person's row, so the limit holds across bot processes. Someone with no account has only
    an unfinished conversation to export, and nothing is stored about them to count with.
    """
    users = UserRepository(session)
    if await users.claim_data_export(user_id, now, now - EXPORT_INTERVAL):
        await session.commit()
        return 0
    last = await users.data_requested_at(user_id)
    await session.commit()
    if last is None:
        return 0
    wait = (last + EXPORT_INTERVAL - now).total_seconds()
    # Never more than the interval, even if another process's clock ran ahead.
    return min(max(1, math.ceil(wait)), int(EXPORT_INTERVAL.total_seconds()))


async def stored_data(session: AsyncSession, state: ConversationState, user_id: int) -> StoredData:
    """Everything stored about `user_id`, read in one transaction, which ends before returning.

    The account is read from the database, not the account cache: this is what is stored.
    """
    repository = PersonalDataRepository(session)
    user = await repository.user(user_id)
    if user is None:
        await session.commit()
        return StoredData(user=None, conversation=await read_conversation(state))
    # A member's rows are read as a person's: at most MEMBER_LIMIT of them, so a few queries each.
    members = [await _holder_data(repository, member) for member in await repository.members(user_id)]
    data = await _holder_data(repository, user, await read_conversation(state), members)
    # End the read: no connection is held while the documents are uploaded.
    await session.commit()
    return data


async def _holder_data(
    repository: PersonalDataRepository,
    user: User,
    conversation: Conversation | None = None,
    members: Sequence[StoredData] = (),
) -> StoredData:
    return StoredData(
        user=user,
        declarations=await repository.declarations(user.id),
        checkins=await repository.checkins(user.id),
        assessments=await repository.assessments(user.id),
        overrides=await repository.overrides(user.id),
        checks=await repository.checks(user.id),
        appeals=await repository.appeals(user.id),
        code=await repository.code(user.id),
        conversation=conversation or Conversation(),
        members=members,
    )


async def erasure_preview(session: AsyncSession, user_id: int, now: datetime, zone: tzinfo) -> ErasurePreview:
    """What erasing `user_id` would do (or the decision refusing it), read in one transaction that ends here."""
    repository = PersonalDataRepository(session)
    members = await repository.members(user_id)
    decision = await _decision_keeping_data(repository, user_id, now, zone, [member.id for member in members])
    organizations = OrganizationRepository(session)
    membership = await organizations.membership(user_id)
    roles = await RoleRepository(session).of_user(user_id)
    scoped = sorted({role.organization_id for role in roles if role.organization_id is not None})
    names = {row.id: OrganizationName(row.name_en, row.name_zh) for row in await organizations.some(scoped)}
    open_appeal = await AppealRepository(session).open_of(user_id) is not None
    await session.commit()
    return ErasurePreview(
        kept_by=decision,
        organization=OrganizationName(membership.name_en, membership.name_zh) if membership is not None else None,
        roles=tuple(
            HeldRole(role=role.role, organization=names.get(role.organization_id) if role.organization_id else None)
            for role in roles
        ),
        open_appeal=open_appeal,
        members=tuple((member.id, member.display_name or "") for member in members),
    )


async def _decision_keeping_data(
    repository: PersonalDataRepository, user_id: int, now: datetime, zone: tzinfo, members: Sequence[int] = ()
) -> Decision | None:
    """A decision in force about this person's code, or about a family member's (who would go with them)."""
    for holder in (user_id, *members):
        decisions = [
            Decision(Colour(row.colour), row.reason, row.starts_on, row.ends_on)
            for row in await repository.overrides(holder)
        ]
        if (decision := decision_keeping_data(decisions, local_day(now, zone))) is not None:
            return decision
    return None


async def erase_everything(
    session: AsyncSession, state: ConversationState, accounts: Accounts, user_id: int, now: datetime, zone: tzinfo
) -> Erased:
    """Erase everything stored about `user_id`: the one use case of /delete.

    Unless a health authority's decision about their code (an override that is not green) is in force on
    the local day of `now`: then nothing at all is erased (not the form in progress either) and the
    decision is returned. The check is made here, in the deleting transaction with the user's row locked,
    not only when the confirmation was shown: an override may have been set since.

    In the database this is one transaction that commits once: the user's row goes, and with it
    (ON DELETE CASCADE) their declarations, check-ins, colour changes and code; their rows of reminder
    jobs are deleted explicitly (that table has no foreign keys, for speed). Whatever else is
    written later that refers to the person belongs in this same transaction: in particular records
    that other people need for accountability (a checkpoint's log of verified codes) are kept, but
    stripped here of anything about the deleted person, before the single commit.

    Then, outside the database transaction, the conversation state (a form in progress may hold a
    name and an ID number) is ended and the process's cached account dropped, so the next update
    starts from nothing: language choice and privacy notice.
    """
    had_conversation = bool(await read_conversation(state))
    repository = PersonalDataRepository(session)
    await repository.lock_user(user_id)
    members = [member.id for member in await repository.members(user_id)]
    decision = await _decision_keeping_data(repository, user_id, now, zone, members)
    if decision is not None:
        await session.commit()  # ends the read and lets the row go
        logger.info("personal data: erasure refused, a health authority's decision is in force")
        return Erased(account=False, conversation=False, kept_by=decision)
    try:
        deleted = await repository.delete_user(user_id)
        # Roles name a Telegram id with no account behind it necessarily: they go explicitly. The
        # checkpoint log keeps its rows (who verified, when) and loses the holder (ON DELETE SET NULL),
        # until the retention purge deletes them.
        await RoleRepository(session).delete_user(user_id)
        # The audit log keeps what administrators decided (an override's colour, a role) for accountability,
        # but no longer whom it concerned or who acted.
        await AuditRepository(session).unlink_person(user_id)
        for member in members:
            await AuditRepository(session).unlink_person(member)
        await session.commit()
    finally:
        # Also after a failure: the cache must never claim an account the database may no longer have.
        accounts.forget(user_id)
    await state.clear()
    if deleted:
        logger.info("personal data: an account was erased at its owner's request")
    return Erased(account=deleted, conversation=had_conversation)


class MemberErased(StrEnum):
    ERASED = "erased"
    # Not this account's member (a forged or stale button): nothing is read or said about that id.
    NOT_YOURS = "not_yours"
    KEPT = "kept"


async def erase_member(
    session: AsyncSession, manager_id: int, member_id: int, now: datetime, zone: tzinfo
) -> tuple[MemberErased, Decision | None, str]:
    """Erase one family member, as erase_everything does a person: their row and (by the cascade) all of
    theirs, the audit log unlinked; refused while a health authority's decision about their code is in force.
    Also gives the member's name, read before the erasure, to say whose data went.
    """
    repository = PersonalDataRepository(session)
    member = await FamilyRepository(session).member(manager_id, member_id)
    if member is None:
        await session.commit()
        return MemberErased.NOT_YOURS, None, ""
    name = member.name or ""
    await repository.lock_user(member_id)
    decision = await _decision_keeping_data(repository, member_id, now, zone)
    if decision is not None:
        await session.commit()
        return MemberErased.KEPT, decision, name
    await repository.delete_user(member_id)
    await AuditRepository(session).unlink_person(member_id)
    await session.commit()
    logger.info("personal data: a family member was erased at their manager's request")
    return MemberErased.ERASED, None, name


@dataclass(frozen=True, slots=True)
class PersonalDataService:
    """/mydata and /delete bound to one update's session, the account cache and the bot's clock and zone."""

    session: AsyncSession
    accounts: Accounts
    clock: Clock
    zone: tzinfo

    async def claim_export(self, user_id: int, now: datetime) -> int:
        return await claim_export(self.session, user_id, now)

    async def stored_data(self, state: ConversationState, user_id: int) -> StoredData:
        return await stored_data(self.session, state, user_id)

    async def erasure_preview(self, user_id: int) -> ErasurePreview:
        return await erasure_preview(self.session, user_id, self.clock(), self.zone)

    async def erase_everything(self, state: ConversationState, user_id: int) -> Erased:
        return await erase_everything(self.session, state, self.accounts, user_id, self.clock(), self.zone)

    async def erase_member(self, manager_id: int, member_id: int) -> tuple[MemberErased, Decision | None, str]:
        return await erase_member(self.session, manager_id, member_id, self.clock(), self.zone)
