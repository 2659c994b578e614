"""Use cases of the code. A code is renewed when the colour or its basis changes, and at least daily."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.accounts import Account
from bot.db.models import Assessment, Code
from bot.db.repositories.codes import CodeRepository
from bot.db.repositories.declarations import DeclarationRepository
from bot.domain.tokens import SigningKey, deep_link, issue_token


@dataclass(frozen=True, slots=True)
class CodeSettings:
    bot_username: str
    # The first key signs; the others still verify (rotation).
    keys: tuple[SigningKey, ...]
    validity: timedelta = timedelta(hours=24)
    # A code that would expire within this margin is renewed rather than shown, so it never dies at the gate.
    renew_margin: timedelta = timedelta(hours=6)

    def link(self, token: str) -> str:
        return deep_link(self.bot_username, token)


@dataclass(frozen=True, slots=True)
class CurrentCode:
    code: Code
    assessment: Assessment


def needs_renewal(
    code: Code, assessment: Assessment, locale: str, now: datetime, zone: tzinfo, settings: CodeSettings
) -> bool:
    return (
        code.assessment_id != assessment.id
        or code.colour != assessment.colour
        or code.language != locale
        or code.issued_at.astimezone(zone).date() != now.astimezone(zone).date()
        or code.expires_at - now < settings.renew_margin
    )


async def current_code(
    session: AsyncSession, account: Account, locale: str, now: datetime, zone: tzinfo, settings: CodeSettings
) -> CurrentCode | None:
    """The code to show now, renewed first if needed; None before the first declaration."""
    codes = CodeRepository(session)
    current = await codes.current(account.id)
    if current is None:
        return None
    assessment, code = current
    if code is None or needs_renewal(code, assessment, locale, now, zone, settings):
        expires_at = now + settings.validity
        token = issue_token(account.public_id, int(now.timestamp()), int(expires_at.timestamp()), settings.keys[0])
        code = Code(
            user_id=account.id,
            assessment_id=assessment.id,
            token=token,
            colour=assessment.colour,
            language=locale,
            issued_at=now,
            expires_at=expires_at,
            file_id=None,
        )
        await codes.replace(code)
        await session.commit()
    return CurrentCode(code=code, assessment=assessment)


async def holder_name(session: AsyncSession, user_id: int) -> str:
    latest = await DeclarationRepository(session).latest(user_id)
    return str(latest.answers["full_name"]) if latest is not None else ""


async def remember_file_id(session: AsyncSession, user_id: int, token: str, file_id: str) -> None:
    await CodeRepository(session).remember_file_id(user_id, token, file_id)
    await session.commit()
