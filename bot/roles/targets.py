"""Naming a person in an administrator's command: a Telegram user id, or the @username of someone who
has used the bot (forwarded messages are read by the handlers, from Telegram's forward origin).

A family member has neither (issue 16). What an administrator at a desk has of them is the member's code
on the parent's phone, or the parent and the member's name: `look_up_holder` takes the code's link (what
scanning it gives) or bare token, whose signature is checked before the id in it is read, and
`<parent>/<name>`, the name found only among that parent's own members.

A stored @username is only what the account was last seen with: its holder may have renamed since, and
someone else may have taken the name. So a name is trusted only when Telegram confirms, now, that the
one account stored with it still has it; otherwise the administrator is asked for the numeric id or a
forwarded message, which cannot go to the wrong account.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.repositories.users import UserRepository
from bot.domain.tokens import SigningKey
from bot.family import service as family
from bot.verification.reader import check, token_in_text

logger = logging.getLogger(__name__)

_USER_ID = re.compile(r"[1-9][0-9]{0,15}")
_USERNAME = re.compile(r"@?([A-Za-z][A-Za-z0-9_]{3,31})")


@dataclass(frozen=True, slots=True)
class Lookup:
    """What a command's target named: `user_id` when found; `username` when it was an @username."""

    user_id: int | None
    username: str | None = None
    # False when the text is neither a user id nor an @username at all.
    well_formed: bool = True
    # True when an account is stored with the @username but it cannot be confirmed to be the one holding
    # it now (renamed since, or more than one stored): refused, never guessed.
    uncertain: bool = False
    # `<parent>/<name>`: the name asked for; `user_id` is the member's when the parent has one of that name.
    member_name: str | None = None
    # The text was a code's link or token: `user_id` is None when it is not ours or its holder is gone.
    code: bool = False


async def look_up(session: AsyncSession, bot: Bot, text: str) -> Lookup:
    text = text.strip()
    if _USER_ID.fullmatch(text):
        return Lookup(user_id=int(text))
    match = _USERNAME.fullmatch(text)
    if match is None:
        return Lookup(user_id=None, well_formed=False)
    username = match[1].lower()
    ids = await UserRepository(session).ids_for_username(username)
    # End the read: the connection is not held while Telegram is asked.
    await session.commit()
    if not ids:
        return Lookup(user_id=None, username=username)
    if len(ids) > 1 or not await _still_named(bot, ids[0], username):
        return Lookup(user_id=None, username=username, uncertain=True)
    return Lookup(user_id=ids[0], username=username)


async def _still_named(bot: Bot, user_id: int, username: str) -> bool:
    try:
        chat = await bot.get_chat(user_id)
    except TelegramAPIError as error:
        logger.warning("roles: could not confirm an @username: %s", type(error).__name__)
        return False
    return (chat.username or "").lower() == username


async def find_person(session: AsyncSession, bot: Bot, text: str) -> int | None:
    """The Telegram id `text` names, or None when it names nobody this bot can be sure of."""
    return (await look_up(session, bot, text)).user_id


async def look_up_holder(session: AsyncSession, bot: Bot, text: str, keys: Sequence[SigningKey], now: int) -> Lookup:
    """Whose code an administrator names: anyone `look_up` finds, or a family member (see the module)."""
    text = text.strip()
    token = token_in_text(text)
    if token is not None:
        # An expired code still names its holder: `check` returns the claims once the signature is ours.
        claims = check(token, keys, now).claims
        holder = await UserRepository(session).id_for_public_id(claims.holder) if claims is not None else None
        await session.commit()
        return Lookup(user_id=holder, code=True)
    parent_text, slash, name = text.partition("/")
    if not slash:
        return await look_up(session, bot, text)
    # One word in the command: "Mia_Chen" stands for "Mia Chen", and a first name is enough when unique.
    name = " ".join(name.replace("_", " ").split())
    parent = await look_up(session, bot, parent_text)
    if parent.user_id is None or not name:
        return Lookup(
            user_id=None,
            username=parent.username,
            well_formed=parent.well_formed and bool(name),
            uncertain=parent.uncertain,
            member_name=name or None,
        )
    member = await family.member_named(session, parent.user_id, name)
    await session.commit()
    return Lookup(user_id=member.id if member is not None else None, username=parent.username, member_name=name)
