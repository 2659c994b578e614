"""Naming a person in an administrator's command: a Telegram user id, or the @username of someone who
has used the bot (forwarded messages are read by the handlers, from Telegram's forward origin)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.repositories.users import UserRepository

_USER_ID = re.compile(r"[1-9][0-9]{0,15}")
_USERNAME = re.compile(r"@?([A-Za-z][A-Za-z0-9_]{3,31})")


@dataclass(frozen=True, slots=True)
class Lookup:
    """What a command's target named: `user_id` when found; `username` when it was an @username."""

    user_id: int | None
    username: str | None = None
    # False when the text is neither a user id nor an @username at all.
    well_formed: bool = True


async def look_up(session: AsyncSession, text: str) -> Lookup:
    text = text.strip()
    if _USER_ID.fullmatch(text):
        return Lookup(user_id=int(text))
    if match := _USERNAME.fullmatch(text):
        username = match[1].lower()
        return Lookup(user_id=await UserRepository(session).id_for_username(username), username=username)
    return Lookup(user_id=None, well_formed=False)


async def find_person(session: AsyncSession, text: str) -> int | None:
    """The Telegram id `text` names, or None when it names nobody this bot can know."""
    return (await look_up(session, text)).user_id
