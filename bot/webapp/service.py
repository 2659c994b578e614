"""The Mini App's use cases: the chat's own (the code, a verification, a checkpoint temperature), plus the
scanner's counter. Nothing here decides anything the chat does not: the same services, the same rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, tzinfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.accounts import Account, Accounts
from bot.codes.service import CodeSettings, CurrentCode, current_code, holder_name
from bot.db.engine import one_statement_at_a_time
from bot.db.repositories.verifications import VerificationRepository
from bot.family import service as family


@dataclass(frozen=True, slots=True)
class ShownCode:
    current: CurrentCode
    name: str


async def account_of(session: AsyncSession, accounts: Accounts, user_id: int) -> Account | None:
    return await accounts.get(session, user_id)


async def own_code(
    session: AsyncSession, account: Account, now: datetime, zone: tzinfo, settings: CodeSettings
) -> ShownCode | None:
    """The person's code as /code shows it (renewed by the same rules, in their language); None before one."""
    current = await current_code(session, account, account.language, now, zone, settings)
    if current is None:
        return None
    name = current.holder_name
    if name is None:
        name = await holder_name(session, account.id)
        await session.commit()
    return ShownCode(current, name)


async def family_codes(
    session: AsyncSession, account: Account, now: datetime, zone: tzinfo, settings: CodeSettings
) -> list[ShownCode]:
    """The codes of the family members this account manages, in /family's order, each as /code shows it: the
    page's switcher offers them after the person's own (issue 16). A member without a code yet is left out."""
    shown = []
    for member in await family.list_members(session, account.id):
        code = await own_code(session, family.holder(member, account.language), now, zone, settings)
        if code is not None:
            shown.append(code)
    await session.commit()
    return shown


@dataclass(frozen=True, slots=True)
class StaffDay:
    language: str | None  # the staff member's chosen language; None without an account
    checked_today: int


async def staff_day(session: AsyncSession, staff_id: int, now: datetime, zone: tzinfo) -> StaffDay:
    """The language to answer in and the codes this staff member checked since local midnight: one statement."""
    midnight = datetime.combine(now.astimezone(zone).date(), time(0), zone)
    await one_statement_at_a_time(session)
    language, count = await VerificationRepository(session).staff_day(staff_id, midnight)
    await session.commit()
    return StaffDay(language, count)
