"""The Mini App's use cases: the chat's own (the code, a verification, a checkpoint temperature), plus the
scanner's counter. Nothing here decides anything the chat does not: the same services, the same rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, tzinfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.accounts import Account, Accounts
from bot.codes.service import CodeSettings, CurrentCode, current_code, holder_name
from bot.db.repositories.verifications import VerificationRepository


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


async def checked_today(session: AsyncSession, staff_id: int, now: datetime, zone: tzinfo) -> int:
    """Codes this staff member checked since local midnight."""
    midnight = datetime.combine(now.astimezone(zone).date(), time(0), zone)
    count = await VerificationRepository(session).count_by_staff(staff_id, midnight)
    await session.commit()
    return count
