"""Use cases of family members. A member is a holder like anyone (their own declarations, check-ins, colour
and code, all keyed by their row's id), managed by the Telegram account that added them.

Every use case that names a member takes the manager's id with it and finds the member only among that
account's own: a member id of someone else's family (forged in a button) finds nothing and reveals nothing.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, tzinfo
from enum import StrEnum
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.accounts import Account
from bot.db.repositories.codes import CodeRepository
from bot.db.repositories.declarations import DeclarationRepository
from bot.db.repositories.family import FamilyRepository, MemberRow
from bot.db.repositories.users import UserRepository
from bot.registration.service import add_declaration
from bot.status.service import Reassessed, reassess

# Enough for a family; a limit keeps one account from holding codes for a crowd.
MEMBER_LIMIT = 6


class Relation(StrEnum):
    CHILD = "child"
    PARENT = "parent"
    SPOUSE = "spouse"
    OTHER = "other"


Member = MemberRow


class LimitReached(Exception):
    """The account already has MEMBER_LIMIT members."""


class NotAnAccount(Exception):
    """Only a Telegram account with a row of its own (not a member) may add members."""


@dataclass(frozen=True, slots=True)
class Added:
    member: Member
    reassessed: Reassessed


def new_member_id() -> int:
    """Negative, so it can never be a Telegram user's id (always positive), nor be sent to as a chat."""
    return -(secrets.randbits(62) + 1)


async def members(session: AsyncSession, manager_id: int) -> list[Member]:
    return await FamilyRepository(session).members(manager_id)


async def member(session: AsyncSession, manager_id: int, member_id: int) -> Member | None:
    """The member when `manager_id` manages them; None for anyone else's (or nobody's) id."""
    return await FamilyRepository(session).member(manager_id, member_id)


async def member_named(session: AsyncSession, manager_id: int, name: str) -> Member | None:
    """Their member called `name` (case and spaces ignored; a first name is enough when only one has it)."""
    wanted = " ".join(name.split()).casefold()
    if not wanted:
        return None
    found = await members(session, manager_id)
    exact = [m for m in found if m.name and " ".join(m.name.split()).casefold() == wanted]
    if exact:
        return exact[0]
    first = [m for m in found if m.name and m.name.split()[0].casefold() == wanted]
    return first[0] if len(first) == 1 else None


async def can_add(session: AsyncSession, manager_id: int) -> bool:
    return await FamilyRepository(session).count(manager_id) < MEMBER_LIMIT


async def add_member(
    session: AsyncSession,
    manager_id: int,
    relation: Relation,
    answers: dict[str, Any],
    now: datetime,
    zone: tzinfo,
) -> Added:
    """A new member with their first declaration and colour, in one commit. Raises LimitReached,
    NotAnAccount, or registration's IncompleteDeclaration (nothing is stored then)."""
    manager = await UserRepository(session).get(manager_id)
    if manager is None or manager.managed_by is not None:
        raise NotAnAccount
    family = FamilyRepository(session)
    if await family.count(manager_id) >= MEMBER_LIMIT:
        raise LimitReached
    language = manager.language
    for _attempt in range(3):
        member_id = new_member_id()
        try:
            async with session.begin_nested():
                # 63 random bits, as for an account: the only identifier the member's code carries.
                await family.add(member_id, secrets.randbits(63), manager_id, str(relation), language, now)
            break
        except IntegrityError:  # an id drawn twice: astronomically rare, draw another
            continue
    else:
        raise RuntimeError("could not allocate a member id")
    stored, _day = await add_declaration(session, member_id, answers, now, zone)
    reassessed = await reassess(session, member_id, now, zone, cause="declaration", declaration_id=stored.id)
    await CodeRepository(session).forget(member_id)
    added = await family.member(manager_id, member_id)
    assert added is not None
    await session.commit()
    return Added(member=added, reassessed=reassessed)


def holder(member: Member, language: str) -> Account:
    """The member as the holder of a code: their own id and public id, shown in the managing account's chat
    and language."""
    return Account(id=member.id, public_id=member.public_id, language=language)


async def default_contact(session: AsyncSession, manager_id: int) -> dict[str, Any]:
    """The answers a member's form starts with: the manager's phone as the member's contact, when known."""
    latest = await DeclarationRepository(session).latest(manager_id)
    phone = latest.answers.get("phone") if latest is not None else None
    return {"phone": phone} if isinstance(phone, str) and phone else {}


# Read use cases for the handlers: each reads and ends its transaction, so no handler commits (handlers
# never do: tests/test_architecture.py) and no read holds a transaction open across a Telegram call.


async def list_members(session: AsyncSession, manager_id: int) -> list[Member]:
    """The account's members (/family, /code, /checkin), read in a transaction that ends here."""
    found = await members(session, manager_id)
    await session.commit()
    return found


async def find_member(session: AsyncSession, manager_id: int, member_id: int) -> Member | None:
    """`member` as a use case of its own: None for a forged or someone else's id; the transaction ends here."""
    found = await member(session, manager_id, member_id)
    await session.commit()
    return found


async def find_member_named(session: AsyncSession, manager_id: int, name: str) -> tuple[Member | None, list[Member]]:
    """ "show Mia's code": the member of that name, or (when none is) all of the account's members to choose from."""
    found = await member_named(session, manager_id, name)
    everyone = await members(session, manager_id) if found is None else []
    await session.commit()
    return found, everyone


async def room_for_another(session: AsyncSession, manager_id: int) -> bool:
    """Whether the account may add a member (under MEMBER_LIMIT); the transaction ends here."""
    room = await can_add(session, manager_id)
    await session.commit()
    return room


async def new_member_form(session: AsyncSession, manager_id: int) -> dict[str, Any] | None:
    """The answers a new member's form starts with (default_contact), or None at MEMBER_LIMIT."""
    answers = await default_contact(session, manager_id) if await can_add(session, manager_id) else None
    await session.commit()
    return answers


@dataclass(frozen=True, slots=True)
class FamilyService:
    """The family's read use cases bound to one update's session (built by `Provide`), so a handler asks for
    this one thing; each still takes the manager's id and finds only that account's own members."""

    session: AsyncSession

    async def list_members(self, manager_id: int) -> list[Member]:
        return await list_members(self.session, manager_id)

    async def room_for_another(self, manager_id: int) -> bool:
        return await room_for_another(self.session, manager_id)
