"""Issue 12, item 4: records outlived retention and erasure. Checkpoint records (who was checked where and
when: a movement trace), finished reminder jobs and their recipients are purged at RETENTION_DAYS with
the rest; on /delete the audit log keeps its entries but loses every link to the erased person; the
privacy notice says what is kept and for how long."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from aiogram.fsm.context import FSMContext
from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.memory import MemoryStorage
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import retention
from bot.accounts import Accounts
from bot.db.models import AuditEntry, Broadcast, BroadcastRecipient, User, Verification
from bot.i18n import create_i18n
from bot.onboarding.texts import privacy_notice
from bot.personal_data.service import erase_everything
from bot.retention import purge_expired

NOW = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
RETENTION = timedelta(days=60)
OLD = NOW - RETENTION - timedelta(hours=1)
RECENT = NOW - RETENTION + timedelta(hours=1)
ZONE = ZoneInfo("Asia/Shanghai")
JANE, STAFF, ADMIN, OTHER = 101, 202, 303, 404


def person(user_id: int) -> User:
    return User(id=user_id, public_id=user_id * 7, language="en", privacy_accepted_at=OLD, created_at=OLD)


def check(at: datetime, holder_id: int | None = JANE) -> Verification:
    return Verification(at=at, staff_id=STAFF, holder_id=holder_id, valid=True, reason="ok", colour="green")


def job(status: str, finished_at: datetime | None) -> Broadcast:
    return Broadcast(created_at=OLD, audience="all", status=status, finished_at=finished_at, created_by=ADMIN)


async def count(session: AsyncSession, model: type) -> int:
    return await session.scalar(select(func.count()).select_from(model)) or 0


async def test_checkpoint_records_older_than_retention_are_purged_in_batches(
    session_factory: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(retention, "BATCH", 2)  # five old records: three batches, the last one short
    async with session_factory.begin() as session:
        session.add(person(JANE))
        session.add_all([check(OLD - timedelta(days=day)) for day in range(5)] + [check(RECENT), check(NOW)])

    purged = await purge_expired(session_factory, MemoryStorage(), NOW, RETENTION)

    assert purged.checks == 5
    async with session_factory() as session:
        assert sorted(row.at for row in await session.scalars(select(Verification))) == [RECENT, NOW]


async def test_finished_reminder_jobs_go_with_their_recipients_and_running_ones_stay(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with session_factory.begin() as session:
        session.add_all([person(JANE), person(OTHER)])
        old_done, recent_done, old_sending = job("done", OLD), job("done", RECENT), job("sending", None)
        session.add_all([old_done, recent_done, old_sending])
        await session.flush()
        for broadcast in (old_done, recent_done, old_sending):
            for user_id in (JANE, OTHER):
                session.add(BroadcastRecipient(broadcast_id=broadcast.id, user_id=user_id, state="sent", done_at=OLD))

    purged = await purge_expired(session_factory, MemoryStorage(), NOW, RETENTION)

    assert purged.broadcasts == 1
    async with session_factory() as session:
        kept = {row.id for row in await session.scalars(select(Broadcast))}
        assert kept == {recent_done.id, old_sending.id}
        recipients = await session.scalars(select(BroadcastRecipient.broadcast_id))
        assert sorted(recipients) == sorted([recent_done.id, recent_done.id, old_sending.id, old_sending.id])


async def test_erasure_keeps_the_audit_entries_but_nothing_that_links_them_to_the_person(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with session_factory.begin() as session:
        session.add_all([person(JANE), person(OTHER)])
        session.add_all(
            [
                AuditEntry(at=OLD, actor_id=ADMIN, action="override", subject_id=JANE, details={"colour": "red"}),
                AuditEntry(at=OLD, actor_id=ADMIN, action="grant", subject_id=JANE, details={"role": "staff"}),
                AuditEntry(at=OLD, actor_id=JANE, action="denied", details={"attempted": "grant", "target": JANE}),
                AuditEntry(at=OLD, actor_id=ADMIN, action="override", subject_id=OTHER, details={"colour": "red"}),
            ]
        )
        session.add(check(RECENT))
    state = FSMContext(storage=MemoryStorage(), key=StorageKey(bot_id=1, chat_id=JANE, user_id=JANE))

    async with session_factory() as session:
        erased = await erase_everything(session, state, Accounts(), JANE, NOW, ZONE)
    assert erased.account

    async with session_factory() as session:
        entries = [
            (row.actor_id, row.action, row.subject_id, row.details)
            for row in await session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        ]
        [kept_check] = await session.scalars(select(Verification))
    assert entries == [
        (ADMIN, "override", None, {"colour": "red"}),
        (ADMIN, "grant", None, {"role": "staff"}),
        (None, "denied", None, {"attempted": "grant"}),
        (ADMIN, "override", OTHER, {"colour": "red"}),
    ]
    assert kept_check.holder_id is None


@pytest.mark.parametrize("locale", ["en", "zh"])
def test_the_privacy_notice_says_what_is_kept_and_for_how_long(locale: str) -> None:
    i18n = create_i18n()
    with i18n.context(), i18n.use_locale(locale):
        notice = privacy_notice(45)
    if locale == "en":
        assert "checkpoint" in notice and "reminder" in notice and "/delete" in notice
        assert "administrators' log" in notice
    else:
        assert "查验" in notice and "提醒" in notice and "/delete" in notice and "管理员" in notice
    assert notice.count("45") >= 2
