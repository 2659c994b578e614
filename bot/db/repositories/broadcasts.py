"""Reminder jobs and their recipients: storing a job, claiming it for one process, recording each message.

The claim: a job is worked by the process named in `claimed_by` until `claimed_until` (a lease the
process renews while it works). With each process pacing itself (`exclusive`), only one process sends
at a time, whatever the number of jobs: the overall rate is Telegram's limit for the whole bot, not per
process, so a second process waits until the first has no live claim left (or its lease ran out: it
crashed). With a budget shared through Redis, each process may work a job of its own. On PostgreSQL claims are taken
one at a time under a transaction-scoped advisory lock, and the job row with FOR UPDATE SKIP LOCKED;
on SQLite, whose writers are serialised anyway, by one conditional UPDATE whose row count says who won.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    and_,
    case,
    delete,
    exists,
    func,
    insert,
    literal,
    null,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.db.models import Broadcast, BroadcastRecipient, User, UTCDateTime
from bot.db.repositories.rows import affected, table_of

SENDING = "sending"
DONE = "done"
# Recipient states.
PENDING = "pending"
SENT = "sent"
BLOCKED = "blocked"
FAILED = "failed"
LEFT = (PENDING, SENDING)

# pg_advisory_xact_lock key for taking claims one process at a time ("BCST" in ASCII).
_CLAIM_LOCK = 0x42435354
# Ids per IN (...) list when recipients are given by id: well under both drivers' parameter limits.
_CHUNK = 1000


@dataclass(frozen=True, slots=True)
class Due:
    """A recipient whose message may go now."""

    id: int
    user_id: int
    attempts: int
    # None when the person is gone: erased while the job was being stored (no foreign key holds them).
    language: str | None
    unreachable: bool
    # Where the message goes: their own chat, or for a family member (no chat of their own) the chat of
    # the account managing them, with `member_name` to head it.
    chat_id: int = 0
    member_name: str | None = None


@dataclass(frozen=True, slots=True)
class JobInfo:
    id: int
    text: str | None
    created_by: int | None
    progress_chat_id: int | None
    progress_message_id: int | None
    creator_language: str | None


class BroadcastRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    # ------------------------------------------------------------------ storing a job

    async def create(
        self,
        *,
        organization_id: int | None,
        created_by: int | None,
        audience: str,
        text: str | None,
        now: datetime,
        progress_chat_id: int | None,
        progress_message_id: int | None,
    ) -> int:
        job = Broadcast(
            organization_id=organization_id,
            created_by=created_by,
            created_at=now,
            audience=audience,
            text=text,
            status=SENDING,
            progress_chat_id=progress_chat_id,
            progress_message_id=progress_message_id,
        )
        self._session.add(job)
        await self._session.flush()
        return job.id

    async def set_progress_message(self, broadcast_id: int, chat_id: int, message_id: int) -> bool:
        """Attach the message that shows a job's progress; True when the job is done already.

        The status is read after the row is updated (and so locked, on PostgreSQL): a job being finished
        at the same moment is seen either done here, or with this message by the sender's `finish`.
        """
        await self._session.execute(
            update(Broadcast)
            .where(Broadcast.id == broadcast_id)
            .values(progress_chat_id=chat_id, progress_message_id=message_id)
        )
        return await self._session.scalar(select(Broadcast.status).where(Broadcast.id == broadcast_id)) == DONE

    async def progress_message(self, broadcast_id: int) -> tuple[int, int] | None:
        row = (
            await self._session.execute(
                select(Broadcast.progress_chat_id, Broadcast.progress_message_id).where(Broadcast.id == broadcast_id)
            )
        ).first()
        return None if row is None or row[0] is None or row[1] is None else (row[0], row[1])

    async def add_recipients(self, broadcast_id: int, who: ColumnElement[bool], now: datetime) -> int:
        """One row per user matching `who` (a condition on users), pending, or blocked at once for someone
        already unreachable; how many rows.

        One INSERT ... SELECT: the database selects and writes them, no id travels through Python (an
        organization of 60,000 is one statement, not 60 reads and a 60,000-row insert).
        """
        blocked = User.unreachable_since.is_not(None)
        chosen = (
            select(
                literal(broadcast_id, BigInteger),
                User.id,
                case((blocked, literal(BLOCKED)), else_=literal(PENDING)),
                literal(0),
                case((blocked, literal(now, UTCDateTime())), else_=null()),
            )
            .where(who)
            .order_by(User.id)
        )
        table = table_of(BroadcastRecipient)
        result = await self._session.execute(
            insert(table).from_select(
                [table.c.broadcast_id, table.c.user_id, table.c.state, table.c.attempts, table.c.done_at], chosen
            )
        )
        return affected(result) or 0

    async def add_recipient_ids(self, broadcast_id: int, user_ids: Sequence[int], now: datetime) -> int:
        """As add_recipients, for a list of ids (each once; ids without an account are left out)."""
        wanted = sorted(set(user_ids))
        added = 0
        for start in range(0, len(wanted), _CHUNK):
            added += await self.add_recipients(broadcast_id, User.id.in_(wanted[start : start + _CHUNK]), now)
        return added

    # ------------------------------------------------------------------ claims

    async def claimable(self, me: str, now: datetime, *, exclusive: bool = True) -> int | None:
        """The job this process could claim now, if any: the cheap look taken every second when idle."""
        return await self._session.scalar(
            select(Broadcast.id).where(_claimable(me, now, exclusive)).order_by(Broadcast.id).limit(1)
        )

    async def claim(self, me: str, now: datetime, until: datetime, *, exclusive: bool = True) -> int | None:
        """Take the oldest job that is free (or already ours) until `until`; its id, or None."""
        if self._session.get_bind().dialect.name == "postgresql":
            # Claims are taken one at a time, so two processes cannot both see "nobody is sending".
            await self._session.execute(select(func.pg_advisory_xact_lock(_CLAIM_LOCK)))
            job_id = await self._session.scalar(
                select(Broadcast.id)
                .where(_claimable(me, now, exclusive))
                .order_by(Broadcast.id)
                .limit(1)
                .with_for_update(skip_locked=True)
            )
            if job_id is None:
                return None
            await self._session.execute(
                update(Broadcast).where(Broadcast.id == job_id).values(claimed_by=me, claimed_until=until)
            )
            return job_id
        job_id = await self.claimable(me, now, exclusive=exclusive)
        if job_id is None:
            return None
        result = await self._session.execute(
            update(Broadcast)
            .where(Broadcast.id == job_id, _claimable(me, now, exclusive))
            .values(claimed_by=me, claimed_until=until)
        )
        return job_id if affected(result) == 1 else None

    async def renew(self, broadcast_id: int, me: str, until: datetime) -> bool:
        """Extend our claim; False when it is no longer ours (our lease ran out and another process took it).

        On PostgreSQL the UPDATE locks the job row until commit, so a process taking it over waits or skips it.
        """
        result = await self._session.execute(
            update(Broadcast)
            .where(Broadcast.id == broadcast_id, Broadcast.claimed_by == me, Broadcast.status == SENDING)
            .values(claimed_until=until)
        )
        return affected(result) == 1

    async def release(self, me: str) -> None:
        """Give up our claims (on a clean stop): another process, or this one restarted, resumes at once."""
        await self._session.execute(
            update(Broadcast).where(Broadcast.claimed_by == me, Broadcast.status == SENDING).values(claimed_until=None)
        )

    async def finish(self, broadcast_id: int, me: str, now: datetime) -> None:
        await self._session.execute(
            update(Broadcast)
            .where(Broadcast.id == broadcast_id, Broadcast.claimed_by == me)
            .values(status=DONE, finished_at=now, claimed_until=None)
        )

    # ------------------------------------------------------------------ working through a job

    async def job(self, broadcast_id: int) -> JobInfo | None:
        row = (
            await self._session.execute(
                select(
                    Broadcast.id,
                    Broadcast.text,
                    Broadcast.created_by,
                    Broadcast.progress_chat_id,
                    Broadcast.progress_message_id,
                    User.language,
                )
                .outerjoin(User, User.id == Broadcast.created_by)
                .where(Broadcast.id == broadcast_id)
            )
        ).first()
        return None if row is None else JobInfo(*row)

    async def due(self, broadcast_id: int, now: datetime, limit: int) -> list[Due]:
        """Recipients still to send whose time has come, "sending" ones (in flight at a crash) included;
        those whose person is gone too (`language` None), so the job can drop them and finish."""
        manager = aliased(User)
        statement = (
            select(
                BroadcastRecipient.id,
                BroadcastRecipient.user_id,
                BroadcastRecipient.attempts,
                User.language,
                # A family member's manager blocking the bot makes the member unreachable too.
                func.coalesce(manager.unreachable_since, User.unreachable_since),
                func.coalesce(User.managed_by, BroadcastRecipient.user_id),
                case((User.managed_by.is_not(None), func.coalesce(User.display_name, "")), else_=None),
            )
            .outerjoin(User, User.id == BroadcastRecipient.user_id)
            # By primary key, and only for members (managed_by is NULL for everyone else).
            .outerjoin(manager, manager.id == User.managed_by)
            .where(
                BroadcastRecipient.broadcast_id == broadcast_id,
                BroadcastRecipient.state.in_(LEFT),
                or_(BroadcastRecipient.next_attempt_at.is_(None), BroadcastRecipient.next_attempt_at <= now),
            )
            .order_by(BroadcastRecipient.id)
            .limit(limit)
        )
        rows = await self._session.execute(statement)
        return [Due(row[0], row[1], row[2], row[3], row[4] is not None, row[5], row[6]) for row in rows]

    async def left(self, broadcast_id: int) -> tuple[int, datetime | None]:
        """How many recipients are still to send, and when the earliest one waiting for a retry is due."""
        row = (
            await self._session.execute(
                select(func.count(), func.min(BroadcastRecipient.next_attempt_at)).where(
                    BroadcastRecipient.broadcast_id == broadcast_id, BroadcastRecipient.state.in_(LEFT)
                )
            )
        ).one()
        return row[0], row[1]

    async def mark_sending(self, recipient_id: int) -> bool:
        result = await self._session.execute(
            update(BroadcastRecipient)
            .where(BroadcastRecipient.id == recipient_id, BroadcastRecipient.state.in_(LEFT))
            .values(state=SENDING)
        )
        return affected(result) == 1

    async def mark_done(self, recipient_id: int, state: str, now: datetime, attempts: int | None = None) -> None:
        """sent, blocked or failed: final."""
        values: dict[str, object] = {"state": state, "done_at": now, "next_attempt_at": None}
        if attempts is not None:
            values["attempts"] = attempts
        await self._session.execute(
            update(BroadcastRecipient).where(BroadcastRecipient.id == recipient_id).values(**values)
        )

    async def forget(self, recipient_id: int) -> None:
        """Delete a recipient whose person was erased: nothing to send, and nothing of theirs to keep."""
        await self._session.execute(delete(BroadcastRecipient).where(BroadcastRecipient.id == recipient_id))

    async def retry_later(self, recipient_id: int, attempts: int, at: datetime) -> None:
        await self._session.execute(
            update(BroadcastRecipient)
            .where(BroadcastRecipient.id == recipient_id)
            .values(state=PENDING, attempts=attempts, next_attempt_at=at)
        )

    async def mark_unreachable(self, user_id: int, now: datetime) -> None:
        """Telegram said 403: future jobs skip them (cleared elsewhere when they write to the bot again)."""
        await self._session.execute(
            update(User).where(User.id == user_id, User.unreachable_since.is_(None)).values(unreachable_since=now)
        )

    async def counts(self, broadcast_id: int) -> dict[str, int]:
        rows = await self._session.execute(
            select(BroadcastRecipient.state, func.count())
            .where(BroadcastRecipient.broadcast_id == broadcast_id)
            .group_by(BroadcastRecipient.state)
        )
        return {state: count for state, count in rows}


def _claimable(me: str, now: datetime, exclusive: bool = True) -> ColumnElement[bool]:
    """A job still sending, free (or ours); `exclusive`: while no other process holds a live claim on any job."""
    free = and_(
        Broadcast.status == SENDING,
        or_(Broadcast.claimed_until.is_(None), Broadcast.claimed_until < now, Broadcast.claimed_by == me),
    )
    if not exclusive:
        return free
    other = aliased(Broadcast)
    someone_else_sending = exists().where(
        other.status == SENDING, other.claimed_by != me, other.claimed_until.is_not(None), other.claimed_until >= now
    )
    return and_(free, ~someone_else_sending)
