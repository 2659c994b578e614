"""The /status use case: the code's status as of now, the person's organization and any appeal under review.

Apart from the status service because it builds on the code (`codes.service` imports `status.service`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.accounts import Account
from bot.appeals import service as appeals
from bot.clock import Clock
from bot.codes.service import CodeSettings, CurrentCode, current_code
from bot.db.models import Appeal
from bot.organizations.invites.service import membership
from bot.organizations.service import OrganizationSummary


@dataclass(frozen=True, slots=True)
class Overview:
    current: CurrentCode
    organization: OrganizationSummary | None
    # Under review: shown instead of the "This is wrong" button.
    appeal: Appeal | None


async def overview(
    session: AsyncSession, account: Account, locale: str, now: datetime, zone: tzinfo, settings: CodeSettings
) -> Overview | None:
    """None before the first declaration. Ends its transaction, so no connection is held while the caller
    talks to Telegram."""
    # The code carries the status as of today (it is renewed with the day and after every check-in).
    current = await current_code(session, account, locale, now, zone, settings)
    if current is None:
        return None
    organization = await membership(session, account.id)
    appeal = await appeals.open_appeal(session, account.id)
    await session.commit()
    return Overview(current, organization, appeal)


@dataclass(frozen=True, slots=True)
class StatusService:
    """/status and "Why this colour?" bound to one update's session and the bot's settings."""

    session: AsyncSession
    clock: Clock
    zone: tzinfo
    settings: CodeSettings

    async def overview(self, account: Account, locale: str, now: datetime) -> Overview | None:
        return await overview(self.session, account, locale, now, self.zone, self.settings)
