"""Use cases of a person's own data: everything stored about them (/mydata), and erasing it (/delete)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from aiogram.fsm.context import FSMContext
from sqlalchemy.ext.asyncio import AsyncSession

from bot.accounts import Accounts
from bot.db.models import Assessment, CheckIn, Code, Declaration, Override, User, Verification
from bot.db.repositories.personal_data import PersonalDataRepository
from bot.db.repositories.roles import RoleRepository

logger = logging.getLogger(__name__)


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
    code: Code | None = None
    conversation: Conversation = field(default_factory=Conversation)

    @property
    def empty(self) -> bool:
        return self.user is None and not self.conversation


@dataclass(frozen=True, slots=True)
class Erased:
    account: bool
    conversation: bool

    @property
    def anything(self) -> bool:
        return self.account or self.conversation


async def read_conversation(state: FSMContext) -> Conversation:
    return Conversation(state=await state.get_state(), data=dict(await state.get_data()))


async def stored_data(session: AsyncSession, state: FSMContext, user_id: int) -> StoredData:
    """Everything stored about `user_id`, read in one transaction, which ends before returning.

    The account is read from the database, not the account cache: this is what is stored.
    """
    repository = PersonalDataRepository(session)
    user = await repository.user(user_id)
    if user is None:
        await session.commit()
        return StoredData(user=None, conversation=await read_conversation(state))
    data = StoredData(
        user=user,
        declarations=await repository.declarations(user_id),
        checkins=await repository.checkins(user_id),
        assessments=await repository.assessments(user_id),
        overrides=await repository.overrides(user_id),
        checks=await repository.checks(user_id),
        code=await repository.code(user_id),
        conversation=await read_conversation(state),
    )
    # End the read: no connection is held while the documents are uploaded.
    await session.commit()
    return data


async def erase_everything(session: AsyncSession, state: FSMContext, accounts: Accounts, user_id: int) -> Erased:
    """Erase everything stored about `user_id`: the one use case of /delete.

    In the database this is one transaction that commits once: the user's row goes, and with it
    (ON DELETE CASCADE) their declarations, check-ins, colour changes and code. Whatever else is
    written later that refers to the person belongs in this same transaction: in particular records
    that other people need for accountability (a checkpoint's log of verified codes) are kept, but
    stripped here of anything about the deleted person, before the single commit.

    Then, outside the database transaction, the conversation state (a form in progress may hold a
    name and an ID number) is ended and the process's cached account dropped, so the next update
    starts from nothing: language choice and privacy notice.
    """
    had_conversation = bool(await read_conversation(state))
    try:
        deleted = await PersonalDataRepository(session).delete_user(user_id)
        # Roles name a Telegram id with no account behind it necessarily: they go explicitly. The
        # checkpoint log keeps its rows (who verified, when) and loses the holder (ON DELETE SET NULL).
        await RoleRepository(session).delete_user(user_id)
        await session.commit()
    finally:
        # Also after a failure: the cache must never claim an account the database may no longer have.
        accounts.forget(user_id)
    await state.clear()
    if deleted:
        logger.info("personal data: an account was erased at its owner's request")
    return Erased(account=deleted, conversation=had_conversation)
