"""Telling someone something they did not ask for: a notice is stored in the outbox, and the sender sends it.

The text is rendered by the caller, in the recipient's language, when the notice is stored: the words
come from what the change knew (the assessment, the role, the organization's name), which may be gone
or different by the time it is sent; and the few seconds a notice waits are no time for a person to
change their language. The sender (bot/broadcast/sender.py) sends it within Telegram's limits, waits
out a 429 while keeping its claim, and sends it again after a crash.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.broadcast import wakeup
from bot.db.repositories.notices import NewNotice, NoticeRepository


async def queue(session: AsyncSession, notices: Sequence[NewNotice], now: datetime) -> None:
    """Store notices in the caller's transaction (the caller commits, then calls `wake`)."""
    await NoticeRepository(session).add(notices, now)


def wake() -> None:
    """After the commit: this process's sender looks at once (other processes look within a second)."""
    wakeup.notify()


async def tell(session: AsyncSession, user_id: int, kind: str, text: str, now: datetime) -> bool:
    """Store one notice and commit; False (nothing stored) when they are known to have blocked the bot."""
    notices = NoticeRepository(session)
    if await notices.is_unreachable(user_id):
        return False
    await notices.add([NewNotice(user_id, kind, text)], now)
    await session.commit()
    wake()
    return True


async def take_back_or_tell(
    session: AsyncSession, user_id: int, take_back: str, kind: str, text: str, now: datetime
) -> bool:
    """A change that undoes an earlier one: when the notice of the earlier one (`take_back`) is still waiting,
    it is withdrawn and nothing is told (the person never heard of what was undone); otherwise `text` is
    told. Commits once; True when something was withdrawn or stored."""
    notices = NoticeRepository(session)
    if await notices.withdraw(user_id, take_back, now):
        await session.commit()
        return True
    if await notices.is_unreachable(user_id):
        await session.commit()
        return False
    await notices.add([NewNotice(user_id, kind, text)], now)
    await session.commit()
    wake()
    return True
