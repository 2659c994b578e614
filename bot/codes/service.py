"""Use cases of the code. A code is renewed when the colour or its basis changes, and at least daily."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.accounts import Account
from bot.codes.cache import CodeCache
from bot.db.engine import one_statement_at_a_time
from bot.db.models import Assessment, Code
from bot.db.repositories.codes import CodeRepository
from bot.db.repositories.users import UserRepository
from bot.domain.status import Status
from bot.domain.tokens import SigningKey, TokenError, deep_link, issue_token, verify_token
from bot.status.service import reassess


@dataclass(frozen=True, slots=True)
class CodeSettings:
    bot_username: str
    # The first key signs new codes; a code signed with any other is renewed when next shown.
    keys: tuple[SigningKey, ...]
    validity: timedelta = timedelta(hours=24)
    # A code that would expire within this margin is renewed rather than shown, so it never dies at the gate.
    renew_margin: timedelta = timedelta(hours=6)
    # The Mini App's address (WEBAPP_URL): the live code is one tap from every code shown. None: no Mini App.
    webapp_url: str | None = None

    def link(self, token: str) -> str:
        return deep_link(self.bot_username, token)


@dataclass(frozen=True, slots=True)
class CurrentCode:
    code: Code
    assessment: Assessment
    # Only loaded when the image must be drawn (no Telegram file_id for it yet).
    holder_name: str | None = None
    # Whether the holder manages family members: read with the code, so /code offers theirs at no extra cost.
    has_family: bool = False

    @property
    def status(self) -> Status:
        return Status.from_dict(self.code.status)


def needs_renewal(
    code: Code, assessment: Assessment, locale: str, now: datetime, zone: tzinfo, settings: CodeSettings
) -> bool:
    return (
        code.assessment_id != assessment.id
        or code.colour != assessment.colour
        or code.language != locale
        or code.issued_at.astimezone(zone).date() != now.astimezone(zone).date()
        or code.expires_at - now < settings.renew_margin
        or not _verifies(code.token, settings.keys[0], now)
    )


def _verifies(token: str, key: SigningKey, now: datetime) -> bool:
    """False once CODE_SECRET has changed: the stored image would carry a token nobody can verify."""
    try:
        verify_token(token, [key], int(now.timestamp()))
    except TokenError:
        return False
    return True


async def current_code(
    session: AsyncSession,
    account: Account,
    locale: str,
    now: datetime,
    zone: tzinfo,
    settings: CodeSettings,
    cache: CodeCache | None = None,
) -> CurrentCode | None:
    """The code to show now, renewed first if needed; None before the first declaration.

    A renewal re-derives the status first: the day may have changed the colour (the daily job may not
    have run yet), and the code carries the way to green as of today.
    Ends its transaction before returning, so no connection is held while the caller talks to Telegram.
    With `cache` (one bot process, see bot.codes.cache) an unchanged code is shown without a statement.
    """
    if cache is not None:
        cached = cache.get(account.id)
        if cached is not None and not needs_renewal(cached.code, cached.assessment, locale, now, zone, settings):
            return CurrentCode(code=cached.code, assessment=cached.assessment, has_family=cached.has_family)
        ticket = cache.ticket()
    codes = CodeRepository(session)
    # Nearly always the code is shown as it is: one statement, no transaction around it.
    switched = await one_statement_at_a_time(session)
    current = await codes.current(account.id)
    if current is None:
        if switched:
            await session.commit()  # ends the switch, as a commit after a read ended the transaction before
        return None
    assessment, code, has_family = current
    if code is None or needs_renewal(code, assessment, locale, now, zone, settings):
        if switched:
            # The renewal is several statements: its own transaction. (The read above took no locks either
            # way; the upsert below is what keeps two renewals from interleaving.)
            await session.commit()
        cache = None  # the renewal's own writes drop the entry; the next /code reads it again
        reassessed = await reassess(session, account.id, now, zone, cause="daily")
        assessment = reassessed.row
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
            image_key=None,
            status=reassessed.status.to_dict(),
        )
        await codes.replace(code)
    # A code whose image is cached by file_id needs no name; one that does is drawn (the caller checks
    # the file_id's image_key and loads the name itself in the rare case of a new drawing).
    name = await holder_name(session, account.id) if code.file_id is None else None
    await session.commit()
    if cache is not None and code.file_id is not None:
        cache.store(account.id, ticket, assessment, code, has_family)
    return CurrentCode(code=code, assessment=assessment, holder_name=name, has_family=has_family)


async def holder_name(session: AsyncSession, user_id: int) -> str:
    # Kept on the person's row (bot.db.models.User.display_name): a lookup by key, no declaration to decode.
    return await UserRepository(session).display_name(user_id) or ""


async def remember_file_id(
    session: AsyncSession,
    user_id: int,
    token: str,
    file_id: str,
    image_key: str,
    cache: CodeCache | None = None,
) -> None:
    await CodeRepository(session).remember_file_id(user_id, token, file_id, image_key)
    await session.commit()
    if cache is not None:
        cache.drawn(user_id, token, file_id, image_key)
