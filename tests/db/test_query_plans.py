"""The daily job, the purge and "show my code" never read a whole table that grows with people or their days.

Every statement they run is captured and explained. PostgreSQL is told not to scan tables sequentially
where it can help it (enable_seqscan = off): a sequential scan left in the plan is one no index can
avoid. On SQLite, EXPLAIN QUERY PLAN shows such a table as a SCAN without an index. With a few rows
either planner might scan anyway, so the test asks what it could do, not what it chose.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterator
from datetime import time, timedelta
from typing import Any

from aiogram.fsm.storage.memory import MemoryStorage
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.accounts import Account
from bot.codes.service import CodeSettings, current_code
from bot.db.models import User
from bot.db.repositories.reminders import RemindChoice
from bot.domain.answers import Place
from bot.domain.tokens import SigningKey
from bot.i18n import create_i18n
from bot.registration.service import submit_declaration
from bot.reminders import service as reminders
from bot.reminders.presenter import composer
from bot.reminders.service import ReminderTimes
from bot.retention import purge_expired
from bot.status.daily import reevaluate
from tests.stories import ZONE, answers, at, check_in

# Tables with a row per person, or per person and day: scanning one is O(people) or worse.
GROWING = {"users", "declarations", "checkins", "assessments", "codes", "verifications", "broadcast_recipients"}
SETTINGS = CodeSettings(
    bot_username="health_bot", keys=(SigningKey(key_id=1, secret=b"a test secret of 32 bytes......"),)
)


async def _statements(engine: AsyncEngine, work: Callable[[], Awaitable[Any]]) -> list[tuple[str, Any]]:
    captured: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, many: bool) -> None:
        if re.match(r"\s*(SELECT|UPDATE|DELETE|WITH)\b", statement, re.IGNORECASE):
            captured.append((statement, parameters[0] if many else parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", capture)
    try:
        await work()
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", capture)
    return captured


async def _full_scans(engine: AsyncEngine, statements: list[tuple[str, Any]]) -> list[str]:
    found = []
    async with engine.connect() as connection:
        postgresql = connection.dialect.name == "postgresql"
        if postgresql:
            await connection.exec_driver_sql("SET enable_seqscan = off")
        for statement, parameters in statements:
            if postgresql:
                [[plan]] = (await connection.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, parameters)).all()
                scanned = list(_postgresql_full_scans(plan[0]["Plan"]))
            else:
                rows = (await connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)).all()
                # "SCAN t" reads all of t, through an index or not; "SEARCH t USING INDEX ... (x=?)" does not.
                scanned = [match.group(1) for row in rows if (match := re.match(r"SCAN (\w+)", str(row[-1])))]
            found += [f"{table} in: {statement}" for table in scanned if table in GROWING]
        await connection.rollback()
    return found


def _postgresql_full_scans(node: dict[str, Any]) -> Iterator[str]:
    """Tables read whole: sequentially, or through an index without a condition on it (all its entries)."""
    kind = node["Node Type"]
    if kind == "Seq Scan" or (kind in {"Index Scan", "Index Only Scan"} and "Index Cond" not in node):
        yield node["Relation Name"]
    for child in node.get("Plans", ()):
        yield from _postgresql_full_scans(child)


async def _people(sessions: async_sessionmaker[AsyncSession]) -> None:
    for person, declared in ((1, answers(places=frozenset({Place.ABROAD}))), (2, answers()), (3, answers())):
        async with sessions.begin() as session:
            session.add(
                User(id=person, public_id=person * 31, language="en", privacy_accepted_at=at(1), created_at=at(1))
            )
        async with sessions() as session:
            await submit_declaration(session, person, declared, at(1), ZONE)
    for day in range(2, 5):
        await check_in(sessions, 1, at(day))
        await check_in(sessions, 2, at(day))


async def test_the_daily_job_uses_indexes_only(
    engine: AsyncEngine, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await _people(session_factory)
    statements = await _statements(engine, lambda: reevaluate(session_factory, at(5, 0, 5), ZONE))
    assert len(statements) > 3
    assert await _full_scans(engine, statements) == []


async def test_showing_a_code_uses_indexes_only(
    engine: AsyncEngine, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await _people(session_factory)
    account = Account(id=1, public_id=31, language="en")

    async def show() -> None:
        async with session_factory() as session:
            # A new day: the code is renewed, which re-derives the status from the person's history.
            assert await current_code(session, account, "en", at(5), ZONE, SETTINGS) is not None

    statements = await _statements(engine, show)
    assert len(statements) > 3
    assert await _full_scans(engine, statements) == []


async def test_the_purge_uses_indexes_only(
    engine: AsyncEngine, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await _people(session_factory)
    statements = await _statements(
        engine, lambda: purge_expired(session_factory, MemoryStorage(), at(3, 10), timedelta(days=1))
    )
    assert len(statements) >= 3
    assert await _full_scans(engine, statements) == []


async def test_the_self_reminder_job_uses_indexes_only(
    engine: AsyncEngine, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await _people(session_factory)
    async with session_factory() as session:  # one who chose a time: the pass through ix_users_remind_on
        assert await reminders.choose(session, 3, RemindChoice.ON, time(8, 0), at(4, 7), ZONE) is not None

    async def look() -> None:
        # 20:05: the default reminders, the chosen ones and the evening warnings are all due.
        queued = await reminders.queue_due(
            session_factory, composer(create_i18n()), at(5, 20, 5), ZONE, ReminderTimes()
        )
        assert queued.reminded == 2 and queued.warned == 1

    statements = await _statements(engine, look)
    assert len(statements) >= 3
    assert await _full_scans(engine, statements) == []


async def test_the_report_chart_reads_stored_days_and_members_by_index_only(
    engine: AsyncEngine, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    from bot.organizations.admin.service import create_organization
    from bot.organizations.invites.service import join
    from bot.organizations.report.service import report_history
    from bot.status.daily import store_yesterday

    await _people(session_factory)
    async with session_factory() as session:
        organization = await create_organization(session, 1, {1}, "Uni", "大学", at(1))
    assert organization is not None
    for person in (1, 2):
        async with session_factory() as session:
            await join(session, person, organization.invite_code)
    for back in range(1, 14):
        await store_yesterday(session_factory, at(5).date() - timedelta(days=back))

    async def chart() -> None:
        async with session_factory() as session:
            history = await report_history(session, 1, {1}, organization.id, at(5), ZONE)
        assert history is not None and [day.checked_in for day in history.days[-4:-1]] == [2, 2, 2]

    statements = await _statements(engine, chart)
    assert len(statements) >= 3
    assert await _full_scans(engine, statements) == []
