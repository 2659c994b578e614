"""The notices outbox: storing a message for one person, claiming it for one process, forgetting it once sent.

A batch of notices is claimed by one conditional UPDATE (`claimed_until` empty or run out), committed
before the first request: two processes reading the same notices both try, each row goes to one. Each
notice is deleted as soon as it is sent; a crashed process's claims run out and its notices still
there are sent again, so at most the one message in flight at a crash is doubled.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Notice, User
from bot.db.repositories.family import FamilyRepository
from bot.db.repositories.rows import affected, table_of


@dataclass(frozen=True, slots=True)
class NoticeToSend:
    id: int
    user_id: int
    kind: str
    text: str
    attempts: int
    buttons: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class NewNotice:
    user_id: int
    kind: str
    text: str
    # An inline keyboard as JSON (InlineKeyboardMarkup.model_dump()), rendered with the text.
    buttons: dict[str, Any] | None = None
    # Set by `add` when the notice is a family member's, sent to their manager's chat (Notice.about_id).
    about_id: int | None = None


class NoticeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, notices: Sequence[NewNotice], now: datetime) -> None:
        """Store them. One meant for a family member (no chat of their own) goes to the chat of the account
        managing them, headed with the member's name: never a send to an id that is not a Telegram chat."""
        notices = await self._to_managers(notices)
        if notices:
            await self._session.execute(
                table_of(Notice).insert(),
                [
                    {
                        "user_id": n.user_id,
                        "kind": n.kind,
                        "text": n.text,
                        "buttons": n.buttons,
                        "created_at": now,
                        "attempts": 0,
                        "about_id": n.about_id,
                    }
                    for n in notices
                ],
            )

    async def _to_managers(self, notices: Sequence[NewNotice]) -> Sequence[NewNotice]:
        managers = await FamilyRepository(self._session).managers(sorted({n.user_id for n in notices}))
        if not managers:
            return notices
        redirected: list[NewNotice] = []
        for notice in notices:
            if notice.user_id not in managers:
                redirected.append(notice)
                continue
            manager, name = managers[notice.user_id]
            # The name without words around it, so it reads in any language; the text below is already in
            # the language of the member's row, which is their manager's. A button acts for whoever presses
            # it (the manager, never the member), so a member's notice goes without its buttons.
            header = f"👤 <b>{html.escape(name)}</b>\n" if name else "👤\n"
            redirected.append(NewNotice(manager, notice.kind, header + notice.text, about_id=notice.user_id))
        return redirected

    async def is_unreachable(self, user_id: int) -> bool:
        """They blocked the bot (Telegram said 403 to an earlier message): a notice would only be refused.
        For a family member, whether their manager did."""
        chat = select(func.coalesce(User.managed_by, User.id)).where(User.id == user_id).scalar_subquery()
        since = await self._session.scalar(select(User.unreachable_since).where(User.id == chat))
        return since is not None

    async def due(self, now: datetime, limit: int) -> list[NoticeToSend]:
        """Notices nobody is sending (or whose sender's claim ran out) whose time has come, oldest first."""
        rows = await self._session.execute(
            select(Notice.id, Notice.user_id, Notice.kind, Notice.text, Notice.attempts, Notice.buttons)
            .where(_free(now), or_(Notice.next_attempt_at.is_(None), Notice.next_attempt_at <= now))
            .order_by(Notice.id)
            .limit(limit)
        )
        return [NoticeToSend(*row) for row in rows]

    async def claim(self, notice_ids: Sequence[int], me: str, now: datetime, until: datetime) -> list[int]:
        """Take those of `notice_ids` nobody else holds, until `until`: the ids taken."""
        if not notice_ids:
            return []
        rows = await self._session.execute(
            update(_notices)
            .where(_notices.c.id.in_(notice_ids), _free(now))
            .values(claimed_by=me, claimed_until=until)
            .returning(_notices.c.id)
        )
        return [row[0] for row in rows]

    async def renew(self, me: str, until: datetime) -> None:
        """Extend every claim of ours (a lease renewed while a batch is sent)."""
        await self._session.execute(update(_notices).where(_notices.c.claimed_by == me).values(claimed_until=until))

    async def done(self, notice_id: int) -> None:
        """Sent, or refused for good: nothing is kept (the change itself records that it was told)."""
        await self._session.execute(delete(_notices).where(_notices.c.id == notice_id))

    async def retry_later(self, notice_id: int, attempts: int, at: datetime) -> None:
        await self._session.execute(
            update(_notices)
            .where(_notices.c.id == notice_id)
            .values(attempts=attempts, next_attempt_at=at, claimed_by=None, claimed_until=None)
        )

    async def release(self, me: str) -> None:
        """On a clean stop: our claims end now, so another process sends them at once."""
        await self._session.execute(
            update(_notices).where(_notices.c.claimed_by == me).values(claimed_by=None, claimed_until=None)
        )

    async def release_these(self, notice_ids: Sequence[int], me: str) -> None:
        await self._session.execute(
            update(_notices)
            .where(_notices.c.id.in_(notice_ids), _notices.c.claimed_by == me)
            .values(claimed_by=None, claimed_until=None)
        )

    async def withdraw(self, user_id: int, kind: str, now: datetime) -> int:
        """Delete this person's notices of `kind` that no sender holds: those not yet on their way. A family
        member's are in their manager's chat, marked with the member; an account's own are those unmarked,
        so taking back one person's notice never takes a family member's of the same kind."""
        managers = await FamilyRepository(self._session).managers([user_id])
        if user_id in managers:
            whose = and_(_notices.c.user_id == managers[user_id][0], _notices.c.about_id == user_id)
        else:
            whose = and_(_notices.c.user_id == user_id, _notices.c.about_id.is_(None))
        result = await self._session.execute(delete(_notices).where(whose, _notices.c.kind == kind, _free(now)))
        return affected(result)

    async def count(self) -> int:
        return await self._session.scalar(select(func.count()).select_from(Notice)) or 0

    async def backlog(self) -> tuple[int, datetime | None]:
        """Notices waiting, and when the oldest was stored: one statement, for /metrics.

        Ids only grow, so the oldest is the lowest id (the primary key's index, no scan); the count
        scans an outbox that the sender keeps short.
        """
        oldest = select(_notices.c.created_at).order_by(_notices.c.id).limit(1).scalar_subquery()
        row = (await self._session.execute(select(func.count(), oldest).select_from(_notices))).one()
        return int(row[0]), row[1]


# Core statements on the table: the ORM's bulk UPDATE/DELETE path cost more than the SQL, per message.
_notices = table_of(Notice)


def _free(now: datetime) -> ColumnElement[bool]:
    return or_(_notices.c.claimed_until.is_(None), _notices.c.claimed_until < now)
