"""The Mini App's use cases: the chat's own (the code, a verification, a checkpoint temperature; the scanner's
counter comes with its verification, bot.verification.service.verify_counting). Nothing here decides anything
the chat does not: the same services, the same rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.accounts import Account, Accounts
from bot.codes.service import CodeSettings, CurrentCode, current_code, holder_name
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
