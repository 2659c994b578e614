"""Use cases of onboarding that read several features at once."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot.organizations.report.service import is_hr_member
from bot.registration.service import has_declared
from bot.roles.service import is_admin, may_review, may_verify


@dataclass(frozen=True, slots=True)
class HelpFor:
    """Whose commands /help lists besides everyone's, and whether the main menu goes with it."""

    staff: bool
    hr: bool
    reviewer: bool
    admin: bool
    declared: bool


async def help_for(session: AsyncSession, user_id: int, account_id: int | None, admin_ids: Collection[int]) -> HelpFor:
    """Reads only; ends the transaction so no connection is held while the caller talks to Telegram."""
    admin = is_admin(user_id, admin_ids)
    found = HelpFor(
        staff=await may_verify(session, user_id, admin_ids),
        hr=admin or await is_hr_member(session, user_id),  # administrators may use HR's commands too
        reviewer=await may_review(session, user_id, admin_ids),
        admin=admin,
        declared=account_id is not None and await has_declared(session, account_id),
    )
    await session.commit()
    return found
