"""Reminder jobs as the HR feature starts them (what each recipient reads is in presenter.py).

`start_broadcast` only stores the job and its recipients; the sender (bot/broadcast/sender.py), running
in every bot process, picks it up within a second (at once in the same process) and sends it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from bot.broadcast import wakeup
from bot.db.repositories.broadcasts import BLOCKED, FAILED, LEFT, SENT, BroadcastRepository


class Audience(StrEnum):
    NOT_CHECKED_IN = "not_checked_in"
    EVERYONE = "everyone"
    NOT_GREEN = "not_green"


@dataclass(frozen=True, slots=True)
class Progress:
    sent: int
    blocked: int
    failed: int
    left: int
    total: int

    @property
    def finished(self) -> bool:
        return self.left == 0

    @classmethod
    def from_counts(cls, counts: dict[str, int]) -> Progress:
        return cls(
            sent=counts.get(SENT, 0),
            blocked=counts.get(BLOCKED, 0),
            failed=counts.get(FAILED, 0),
            left=sum(counts.get(state, 0) for state in LEFT),
            total=sum(counts.values()),
        )


async def start_broadcast(
    session: AsyncSession,
    *,
    organization_id: int | None,
    created_by: int | None,
    audience: Audience,
    text: str | None,
    now: datetime,
    recipients: ColumnElement[bool] | None = None,
    recipient_ids: Sequence[int] = (),
    progress_chat_id: int | None = None,
    progress_message_id: int | None = None,
    commit: bool = True,
) -> int:
    """Store the job and one pending recipient row per user matching `recipients` (a condition on users,
    selected by the database) or, for a list chosen elsewhere, per id in `recipient_ids`; unreachable users
    are counted as blocked at once. Commit, return its id. The sender picks it up.

    `commit=False`: part of the caller's unit of work, which commits and then calls `wake_sender`."""
    broadcasts = BroadcastRepository(session)
    broadcast_id = await broadcasts.create(
        organization_id=organization_id,
        created_by=created_by,
        audience=str(audience),
        text=text,
        now=now,
        progress_chat_id=progress_chat_id,
        progress_message_id=progress_message_id,
    )
    if recipients is not None:
        await broadcasts.add_recipients(broadcast_id, recipients, now)
    await broadcasts.add_recipient_ids(broadcast_id, recipient_ids, now)
    if commit:
        await session.commit()
        wake_sender()
    return broadcast_id


def wake_sender() -> None:
    """A job was committed: the sender of this process looks now rather than at its next poll."""
    wakeup.notify()


async def show_progress(session: AsyncSession, broadcast_id: int, chat_id: int, message_id: int) -> Progress | None:
    """Attach the starter's progress message to a stored job, which the sender edits from then on.

    None while the job is sending; its final counts when it finished before the message existed (a small
    job can), for the caller to show.
    """
    broadcasts = BroadcastRepository(session)
    done = await broadcasts.set_progress_message(broadcast_id, chat_id, message_id)
    final = Progress.from_counts(await broadcasts.counts(broadcast_id)) if done else None
    await session.commit()
    return final


async def progress(session: AsyncSession, broadcast_id: int) -> Progress:
    return Progress.from_counts(await BroadcastRepository(session).counts(broadcast_id))
