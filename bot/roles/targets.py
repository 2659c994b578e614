"""Naming a person in an administrator's command: a Telegram user id, or the @username of someone who
has used the bot (forwarded messages are read by the handlers, from Telegram's forward origin)."""

from __future__ import annotations

import re

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.repositories.users import UserRepository

_USER_ID = re.compile(r"[1-9][0-9]{0,15}")
_USERNAME = re.compile(r"@?([A-Za-z][A-Za-z0-9_]{3,31})")


async def find_person(session: AsyncSession, text: str) -> int | None:
    """The Telegram id `text` names, or None when it names nobody this bot can know."""
    text = text.strip()
    if _USER_ID.fullmatch(text):
        return int(text)
    if match := _USERNAME.fullmatch(text):
        return await UserRepository(session).id_for_username(match[1])
    return None
